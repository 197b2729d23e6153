"""Distributors passing on their hospitals' delay (models.pass_through) and the outside
drivers that change it, from the formula to a simulated year."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from models.pass_through import (
    TERM_DAYS,
    customers_days,
    exposure_x,
    fit_pass_through,
    lateness_change,
    public_days_under_drivers,
    size_weight,
)
from scenarios.outside_drivers import estimate_pass_through, lateness_change_days
from scenarios.process_cache import today_process
from scenarios.run import configure
from scenarios.schema import Scenario
from simulation.collection import DRAWS_PER_INVOICE, collect
from simulation.config import CreditPolicy, Effects, Terms
from simulation.params import PaymentParams


def test_fit_recovers_the_slope_of_an_exact_line() -> None:
    rng = np.random.default_rng(1)
    level = np.repeat(["distributor_l1", "distributor_l2"], 40)
    x = rng.uniform(0, 150, 80)
    phi = np.where(level == "distributor_l1", 0.14, 0.30)
    fit = fit_pass_through(level, 2.0 + phi * x, x)
    assert fit.phi == pytest.approx({"distributor_l1": 0.14, "distributor_l2": 0.30})
    assert fit.own_days["distributor_l1"] == pytest.approx(2.0)
    assert fit.distributors == {"distributor_l1": 40, "distributor_l2": 40}
    # with noise of sd 3 days the slope's standard error is sd / (sd(x) sqrt(n)) ≈ 0.011
    noisy = fit_pass_through(level, 2.0 + phi * x + rng.normal(0, 3, 80), x)
    assert noisy.phi_se["distributor_l1"] == pytest.approx(3 / (x[:40].std() * np.sqrt(40)),
                                                           rel=0.35)
    assert abs(noisy.phi["distributor_l1"] - 0.14) < 3 * noisy.phi_se["distributor_l1"]


def test_drivers_by_hand() -> None:
    # insurance settles half in 30 days: 0.5 * 154 + 0.5 * 30 = 92; the rule then brings
    # half of the small suppliers' hospitals from 92 down to 60: 0.5 * 92 + 0.5 * 60 = 76
    assert public_days_under_drivers(154.0, insured_share=0.5, insurance_days=30.0,
                                     sme_compliance=0.5, sme_max_days=60.0) == (92.0, 76.0)
    assert public_days_under_drivers(154.0) == (154.0, 154.0)
    # a distributor selling 80% to public terminals (154 d) and 20% to pharmacies (60 d):
    # H = 135.2, x = (135.2 - 45.2) * 1 = 90 days; with the insurance driver H = 85.6, x = 40.4
    h_today = customers_days(np.array([0.8]), 154.0, 60.0)
    h_new = customers_days(np.array([0.8]), 92.0, 60.0)
    assert h_today[0] == pytest.approx(135.2) and h_new[0] == pytest.approx(85.6)
    x_today, x_new = exposure_x(h_today, np.ones(1)), exposure_x(h_new, np.ones(1))
    assert x_today[0] == pytest.approx(135.2 - TERM_DAYS)
    # phi = 0.2 passes on 0.2 * (40.4 - 90) = -9.92 days
    assert lateness_change(x_today, x_new, np.array([0.2]))[0] == pytest.approx(-9.92)
    # customers paying within our term leave nothing to pass on
    assert exposure_x(np.array([30.0]), np.ones(1))[0] == 0.0
    # size: a distributor a quarter of its level's median passes on 4^0.3 ≈ 1.516 times more
    w = size_weight(np.array(["a", "a", "a"]), np.array([1.0, 4.0, 16.0]), 0.3)
    assert w == pytest.approx([4.0**0.3, 1.0, 0.25**0.3])


def test_collection_shifts_each_accounts_mean_lateness_by_its_change() -> None:
    """With no noise (huge gamma shape), no early payment, no reminder and no default, an
    invoice is paid ``mean + change`` days after its due date, never before the invoice."""
    payment = PaymentParams(
        settlement_days_after_month_end=30, lateness_mean_days={"distributor_l1": 20.0},
        lateness_shape=1e12, early_payment_days=0.0, reminder_first_days=365.0,
        reminder_interval_days=365.0, reminder_sent_probability=0.0, reminder_effect=1.0,
        default_probability={"distributor_l1": 0.0}, partial_payment_share=0.0,
        split_payment_probability=0.0, write_off_days_after_due=180)

    params = SimpleNamespace(payment=payment)  # collection reads only the payment part
    n = 3
    change = np.array([0.0, -8.0, -40.0])
    terms = np.full(n, Terms.MONTHLY.value, dtype=object)

    config = SimpleNamespace(credit=CreditPolicy(account_terms=terms,
                                                 lateness_change_days=change),
                             effects=Effects())
    inv = collect(np.arange(n), np.full(n, 100.0), np.full(n, 10.0),
                  np.full(n, "distributor_l1", dtype=object), np.array(["A", "B", "C"]),
                  pd.Timestamp("2026-01-01"), params, config.credit, config.effects,
                  np.full((DRAWS_PER_INVOICE, n), 0.5))
    late = inv.first_pay_day - inv.due_day
    assert list(late[:2]) == [20.0, 12.0]
    # -40 days would be 20 days early: the mean is floored near 0, so paid on the due date
    assert late[2] == 0.0


@pytest.fixture(scope="module")
def small(small_dir):
    ds = load_dataset(small_dir)
    return ds, today_process(ds)


def test_outside_drivers_cut_distributors_lateness_only(small) -> None:
    ds, params = small
    fit = estimate_pass_through(ds, params, Scenario.model_validate(
        {"name": "t", "dataset": "."}))
    assert set(fit.phi) == {"distributor_l1", "distributor_l2"}
    assert all(0.0 < v < 1.0 for v in fit.phi.values())
    cust = ds["customers"].set_index("customer_id")["customer_type"]
    for channel in ({"insurance_direct_settlement": True}, {"sme_payment_rule": True}):
        scenario = Scenario.model_validate({"name": "t", "dataset": ".", "channel": channel})
        inputs, config = configure(ds, params, scenario)
        change = config.credit.lateness_change_days
        kind = cust.reindex(inputs.customer_id).to_numpy()
        distributor = np.isin(kind, ("distributor_l1", "distributor_l2"))
        assert (change[~distributor] == 0).all()
        assert (change[distributor] <= 0).all() and (change[distributor] < 0).any()
        if "sme_payment_rule" in channel:  # the rule protects small and medium suppliers
            assert (change[kind == "distributor_l1"] == 0).all()
        assert np.array_equal(change, lateness_change_days(ds, params, inputs, scenario))
    _, base = configure(ds, params, Scenario.model_validate({"name": "t", "dataset": "."}))
    assert base.credit.lateness_change_days is None
