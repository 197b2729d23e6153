"""The credit policy of a scenario: discount take-up from the cost of money, the terms model's
inputs measured by the simulation's collection (checked against analytic DSO), the rules,
and the optimized terms flowing into the simulation."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from models.credit.terms import OPTIONS
from scenarios.credit_policy import (
    CBD,
    choose_terms,
    option_outcomes,
    sales_density,
    terms_problem,
)
from scenarios.process_cache import today_process
from scenarios.run import configure, credit_levers, scenario_effects
from scenarios.schema import Scenario
from simulation.collection import discount_take_up, implied_annual_rate
from simulation.config import Effects
from simulation.inputs import build_inputs

EPOCH = pd.Timestamp("2026-10-01")
#: the last day of a one-year horizon from EPOCH: 2027-09-30, a month's end
REVIEW_DAY = 364


def test_the_implied_rate_of_one_percent_for_fifty_days_is_about_7_4_percent() -> None:
    # 1% off for paying at day 10 instead of day 60: 0.01 / 0.99 × 365 / 50
    assert implied_annual_rate(0.01, 10, np.array([60.0]))[0] == pytest.approx(
        0.01 / 0.99 * 365 / 50)
    assert implied_annual_rate(0.01, 10, np.array([60.0]))[0] == pytest.approx(0.0737, abs=1e-4)
    # paying later anyway makes the discount worth less a year
    assert implied_annual_rate(0.01, 10, np.array([90.0]))[0] < 0.0737


def test_take_up_follows_the_cost_of_money_against_the_implied_rate() -> None:
    rate = np.array([0.074])
    assert discount_take_up(rate, np.array([0.074]), 0.7)[0] == pytest.approx(0.35)
    cheap, dear = discount_take_up(rate, np.array([0.03, 0.15]), 0.7)
    assert 0.35 < cheap < 0.7 and dear < 0.35
    assert discount_take_up(rate, np.array([-1.0]), 0.7)[0] == pytest.approx(0.7)


def _flat_inputs(n: int, customer_type: str = "chain_pharmacy") -> SimpleNamespace:
    """Accounts of one type with flat sales (no seasons, no growth)."""
    return SimpleNamespace(customers=n, customer_type=np.full(n, customer_type, dtype=object),
                           customer_id=np.array([f"C{i}" for i in range(n)], dtype=object),
                           epoch=EPOCH, month_factor=np.ones(12), trend_per_year=0.0)


@pytest.fixture(scope="module")
def small(small_dir):
    ds = load_dataset(small_dir)
    return ds, today_process(ds)


def _on_time(params):
    """``params`` whose accounts pay exactly on the due date and never default."""
    pay = params.payment.model_copy(update={
        "lateness_mean_days": {"chain_pharmacy": 1e-9}, "lateness_shape": 1e9,
        "early_payment_days": 0.0, "default_probability": {}, "split_payment_probability": 0.0,
        "customer_lateness_factor": {}, "customer_default_factor": {},
        "settlement_days_after_month_end": 30})
    return params.model_copy(update={"payment": pay})


def test_receivable_days_are_dso_on_the_review_day_analytically(small) -> None:
    """Flat sales, payment exactly on the due date, no default. On 2027-09-30, under
    monthly settlement (due 30 days after the month's end) only September's invoices are
    open (August's fall due that day): DSO 30 days, not the time-average 45. Under 75-day
    terms the last 75 days' invoices are open: DSO 75. Under cash discount with nobody
    taking it up, as monthly."""
    _, params = small
    n = 300
    inputs = _flat_inputs(n)
    credit = credit_levers(Scenario.model_validate({"name": "t", "dataset": "."}),
                           np.full(n, "monthly", dtype=object))
    effects = Effects(cash_discount_take_up=0.0)
    out = option_outcomes(inputs, _on_time(params), credit, effects, REVIEW_DAY, 275)
    days = out["receivable_days"].mean(axis=0)
    # each account's sample is one invoice per 7.6 days: the mean over 300 accounts is
    # within a day of the analytic value
    assert days[OPTIONS.index("monthly")] == pytest.approx(30.0, abs=1.0)
    assert days[OPTIONS.index("extended_75_days")] == pytest.approx(75.0, abs=1.0)
    assert days[OPTIONS.index("cash_discount_1pct")] == pytest.approx(30.0, abs=1.0)
    assert days[CBD] == 0.0
    assert np.all(out["bad_debt_rate"] == 0.0)
    assert np.all(out["cost_share"][:, OPTIONS.index("cash_discount_1pct")] == 0.0)


def test_everyone_taking_the_discount_pays_within_its_days_and_costs_one_percent(small) -> None:
    """Take-up certain (a payer whose money costs nothing): every invoice is paid within the
    10 discount days, uniformly over days 0..10, so open at the review day are the last
    days' invoices: DSO ≈ mean days to payment + ½ ≈ 5.5; the cost is 1% of sales."""
    _, params = small
    n = 300
    inputs = _flat_inputs(n)
    credit = credit_levers(Scenario.model_validate({"name": "t", "dataset": "."}),
                           np.full(n, "monthly", dtype=object))
    effects = Effects(cash_discount_take_up=1.0, cost_of_money=-10.0)
    out = option_outcomes(inputs, _on_time(params), credit, effects, REVIEW_DAY, 275)
    o = OPTIONS.index("cash_discount_1pct")
    # pay day = invoice day + floor(11 u): open on T for invoice days T - k with k < pay days
    # -> E[number of open days] = E[floor(11 u)] = 5
    assert out["receivable_days"][:, o].mean() == pytest.approx(5.0, abs=0.5)
    assert out["cost_share"][:, o] == pytest.approx(0.01, abs=1e-4)


def test_seasons_and_growth_weigh_the_invoices_by_the_sales_of_their_day() -> None:
    inputs = _flat_inputs(1)
    assert np.allclose(sales_density(inputs, np.arange(-400, 365), REVIEW_DAY), 1.0)
    grown = SimpleNamespace(**{**vars(inputs), "trend_per_year": np.log(2.0)})
    # sales double a year: a day a year before the review day sold half as much
    ratio = (sales_density(grown, np.array([REVIEW_DAY - 365.25]), REVIEW_DAY)
             / sales_density(grown, np.array([REVIEW_DAY]), REVIEW_DAY))
    assert ratio[0] == pytest.approx(0.5)


def _scenario(**credit) -> Scenario:
    return Scenario.model_validate({"name": "t", "dataset": ".", "seed": 3, "credit": credit})


def test_the_rules_forbid_what_they_say(small) -> None:
    """Risk accounts never get 75 days; only risk accounts can be put on cash before
    delivery; level-1 platforms never are."""
    ds, params = small
    inputs = build_inputs(ds)
    tier = np.resize(np.array(["premium", "ordinary", "risk"], dtype=object), inputs.customers)
    scen = _scenario(policy="optimize")
    credit = credit_levers(scen, np.full(inputs.customers, "monthly", dtype=object))
    problem = terms_problem(inputs, params, scen, credit, scenario_effects(scen), tier)
    allowed = problem.allowed
    ext = OPTIONS.index("extended_75_days")
    assert not allowed[tier == "risk", ext].any() and allowed[tier != "risk", ext].all()
    l1 = inputs.customer_type == "distributor_l1"
    assert allowed[:, CBD].tolist() == ((tier == "risk") & ~l1).tolist()
    assert np.all(problem.credit_share[:, CBD] == 0) and np.all(problem.credit_share[:, 0] == 1)
    loss = scenario_effects(scen).cash_before_delivery_sales_loss
    assert problem.sales_cny[:, CBD] == pytest.approx(problem.sales_cny[:, 0] * (1 - loss))


def test_optimized_terms_flow_into_the_simulation(small) -> None:
    """policy 'optimize': the simulation's terms are the model's proven optimum, and the
    accounts it puts on cash before delivery keep (1 − sales loss) of their orders."""
    ds, params = small
    inputs = build_inputs(ds)
    tier = pd.Series(np.resize(np.array(["premium", "ordinary", "risk"]), inputs.customers),
                     index=inputs.customer_id)
    scen = _scenario(policy="optimize", dso_limit_days=55.0, bad_debt_limit=0.05)
    credit = credit_levers(scen, np.full(inputs.customers, "monthly", dtype=object))
    choice = choose_terms(inputs, params, scen, credit, scenario_effects(scen), tier)
    assert choice.solution.status == "optimal"
    _, config = configure(ds, params, scen, inputs=inputs, choice=choice)
    assert config.credit.account_terms.tolist() == list(choice.solution.assignment_names)
    cbd = config.credit.account_terms == "cash_before_delivery"
    retained = config.credit.sales_retained
    if cbd.any():
        loss = scenario_effects(scen).cash_before_delivery_sales_loss
        assert np.allclose(retained[cbd], 1 - loss) and np.all(retained[~cbd] == 1)
    else:
        assert retained is None
    # the configure path without a choice solves the same model to the same answer
    _, again = configure(ds, params, scen, inputs=inputs, credit_tier=tier)
    assert again.credit.account_terms.tolist() == config.credit.account_terms.tolist()


def test_an_impossible_limit_is_refused_naming_it(small) -> None:
    from data.problems import ScenarioError

    ds, params = small
    inputs = build_inputs(ds)
    scen = _scenario(policy="optimize", dso_limit_days=1.0)
    credit = credit_levers(scen, np.full(inputs.customers, "monthly", dtype=object))
    with pytest.raises(ScenarioError) as err:
        choose_terms(inputs, params, scen, credit, scenario_effects(scen), None, "s.toml")
    problem = err.value.problems[0]
    assert problem.location == "credit.policy" and "dso_days <= 1" in problem.found


def test_unscored_tiered_is_todays_monthly_and_uniform_puts_everyone_on_one_option(
        small) -> None:
    ds, params = small
    inputs = build_inputs(ds)
    _, today = configure(ds, params, _scenario(), inputs=inputs)
    assert set(today.credit.account_terms) == {"monthly"} and today.credit.sales_retained is None
    _, all75 = configure(ds, params, _scenario(policy="uniform",
                                               uniform_terms="extended_75_days"), inputs=inputs)
    assert set(all75.credit.account_terms) == {"extended_75_days"}
