"""The order-to-cash simulation: calendar twins, an analytic DSO case, determinism across
executors, and every lever moving its KPI the right way (paired, common random numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.calendar import add_working_hours, day_offset, next_working_instant
from data.dataset import load_dataset
from data.kpis import Window, dso_countback_days, dso_days
from scenarios.run import configure
from scenarios.schema import Scenario
from simulation.calibrate import calibrate
from simulation.collection import DRAWS_PER_INVOICE, collect
from simulation.config import CreditPolicy, NetworkPlan, SimulationConfig
from simulation.inputs import build_inputs
from simulation.replication import _ledger, run_replication
from simulation.runner import run_replications
from simulation.summary import paired_differences
from simulation.working_time import add_work, next_open

EPOCH = pd.Timestamp("2026-10-01")  # a Thursday


def test_scalar_calendar_agrees_with_the_vectorised_one() -> None:
    rng = np.random.default_rng(3)
    t = rng.uniform(0, 60, 2000)
    hours = rng.gamma(1.5, 6.0, 2000)
    wd0 = day_offset(EPOCH)
    np.testing.assert_allclose([next_open(x, wd0) for x in t], next_working_instant(t, EPOCH))
    np.testing.assert_allclose([add_work(x, h, wd0) for x, h in zip(t, hours, strict=True)],
                               add_working_hours(t, hours, EPOCH), atol=1e-12)


@pytest.fixture(scope="module")
def small(small_dir: Path):
    ds = load_dataset(small_dir)
    return ds, calibrate(ds)


def _scenario(**sections) -> Scenario:
    base = {"name": "t", "dataset": "x", "horizon_days": 240, "warmup_days": 60, "seed": 99}
    return Scenario.model_validate({**base, **sections})


def _cfg(small, scenario: Scenario, inputs=None, credit_tier=None) -> SimulationConfig:
    """The simulation config of ``scenario`` on the small data set (through the translator)."""
    ds, params = small
    return configure(ds, params, scenario, inputs=inputs, credit_tier=credit_tier)[1]


def test_steady_sales_paid_exactly_75_days_after_invoice_give_dso_75(small) -> None:
    """Analytic case through the simulation's collection and ledger: equal daily invoices,
    75-day terms, no lateness, no default => DSO = 75 days."""
    _, params = small
    pay = params.payment.model_copy(update={
        "lateness_mean_days": {"hospital_3a": 1e-9}, "lateness_shape": 1e9,
        "early_payment_days": 0.0, "default_probability": {}, "split_payment_probability": 0.0,
        "customer_lateness_factor": {}, "customer_default_factor": {}})
    p = params.model_copy(update={"payment": pay})
    one = np.zeros(1, dtype=np.int64)
    config = SimulationConfig(
        name="t", horizon_days=240, warmup_days=60, seed=99,
        network=NetworkPlan(open_sites=np.ones(1, bool), serving_site=one, central_site=one),
        credit=CreditPolicy(account_terms=np.array(["extended_75_days"], dtype=object)))
    days = np.arange(-400.0, 365.0)
    n = len(days)
    inv = collect(np.zeros(n, dtype=int), np.full(n, 1000.0), days,
                  customer_type=np.array(["hospital_3a"], dtype=object),
                  customer_id=np.array(["C1"], dtype=object), epoch=EPOCH, params=p,
                  credit=config.credit, effects=config.effects,
                  u=np.random.default_rng(1).random((DRAWS_PER_INVOICE, n)))
    assert np.all(inv.first_pay_day - inv.invoice_day == 75)
    ledger = _ledger([inv], np.datetime64(EPOCH.date(), "D"))
    end = EPOCH + pd.Timedelta(days=364)
    assert dso_days(ledger, end, 90) == pytest.approx(75.0)
    assert dso_countback_days(ledger, end) == pytest.approx(75.0)
    assert Window.ending(end, 90).days == 90


def test_same_seed_same_numbers_in_process_and_in_worker_processes(small) -> None:
    ds, params = small
    inputs = build_inputs(ds)
    scen = _cfg(small, _scenario(), inputs)
    here = run_replications(inputs, params, scen, replications=2, seed=5, workers=1)
    pool = run_replications(inputs, params, scen, replications=2, seed=5, workers=2)
    for a, b in zip(here, pool, strict=True):
        assert a.kpis == b.kpis
    other = run_replications(inputs, params, scen, replications=1, seed=6, workers=1)
    assert other[0].kpis != here[0].kpis


def test_same_seed_same_numbers_through_a_dask_cluster(small) -> None:
    distributed = pytest.importorskip("distributed")
    ds, params = small
    inputs = build_inputs(ds)
    scen = _cfg(small, _scenario(), inputs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        remote = run_replications(inputs, params, scen, replications=2, seed=5,
                                  scheduler=cluster.scheduler_address)
    local = run_replications(inputs, params, scen, replications=2, seed=5, workers=1)
    assert [r.kpis for r in remote] == [r.kpis for r in local]


REPS = 3
#: the levers' paired intervals take five replications: since defaults are events of the
#: account (generator 3), the small data set's receivables hold more invoices that sit
#: unpaid until written off, which no collection lever touches, so a lever's DSO effect is
#: smaller against the same replication noise
LEVER_REPS = 5
LEVERS = {
    # lever sections -> (KPI, sign of the expected paired difference)
    "app_orders": ({"orders": {"app_channel_share": 0.9}}, "order_processing_days", -1),
    "auto_approval": ({"orders": {"auto_approval_tiers": ["core", "potential", "basic"]}},
                      "order_processing_days", -1),
    "esign": ({"orders": {"abnormal_order_threshold_cny": 1000.0,
                          "esign_approval_hours": 2.0}}, "order_processing_days", -1),
    "real_time_stock": ({"orders": {"stock_sync": "real_time"}}, "on_time_rate", +1),
    "partner": ({"logistics": {"carrier": "strategic_partner"}}, "on_time_rate", +1),
    "remote_limit": ({"logistics": {"carrier": "strategic_partner", "remote_limit_days": 3.0}},
                     "remote_delivery_days", -1),
    "tracking": ({"logistics": {"tracking": True}}, "complaint_rate", -1),
    "forward_warehouses": ({"logistics": {"forward_warehouses": ["S29", "S33", "S37", "S31"]}},
                           "remote_delivery_days", -1),
    "e_invoice": ({"credit": {"e_invoice": True}}, "dso_days", -1),
    "automated_reminders": ({"credit": {"reminders": "automated"}}, "dso_days", -1),
}


@pytest.fixture(scope="module")
def baseline_runs(small):
    ds, params = small
    inputs = build_inputs(ds)
    return inputs, _per_rep(run_replications(inputs, params, _cfg(small, _scenario(), inputs),
                                             replications=LEVER_REPS, seed=11, workers=1))


def _per_rep(results) -> pd.DataFrame:
    return pd.DataFrame([{"replication": r.replication, **r.kpis} for r in results])


@pytest.mark.parametrize("lever", sorted(LEVERS))
def test_each_lever_moves_its_kpi_the_right_way(lever: str, small, baseline_runs) -> None:
    _, params = small
    inputs, base = baseline_runs
    sections, kpi, sign = LEVERS[lever]
    # the translator plans forward warehouses' stock (assortment and reorder policies)
    config = _cfg(small, _scenario(**sections), inputs)
    runs = run_replications(inputs, params, config, replications=LEVER_REPS, seed=11, workers=1)
    diff = paired_differences(base, _per_rep(runs), (kpi,))[kpi]
    assert sign * diff["mean"] > 0, (lever, diff)
    # paired replications: the whole interval lies on the expected side
    assert (diff["ci95"][0] > 0) if sign > 0 else (diff["ci95"][1] < 0), (lever, diff)


def test_online_payment_lowers_dso_in_every_replication(small, baseline_runs) -> None:
    """Online payment saves half a day per payment by default: too little for a paired
    interval over three replications (payment days are whole days, so the window's end cuts
    each replication a little differently), but it never makes a payment later, so with
    common random numbers every replication's DSO must fall."""
    _, params = small
    inputs, base = baseline_runs
    config = _cfg(small, _scenario(credit={"online_payment": True}), inputs)
    runs = run_replications(inputs, params, config, replications=LEVER_REPS, seed=11, workers=1)
    per_rep = _per_rep(runs)["dso_days"].to_numpy() - base["dso_days"].to_numpy()
    assert np.all(per_rep < 0), per_rep


def test_backorders_fall_with_real_time_stock(small) -> None:
    ds, params = small
    inputs = build_inputs(ds)
    today = run_replication(inputs, params, _cfg(small, _scenario(), inputs), 0)
    real = run_replication(inputs, params,
                           _cfg(small, _scenario(orders={"stock_sync": "real_time"}), inputs), 0)
    assert (real.stages.loc["backorder", "visits"]
            < 0.5 * today.stages.loc["backorder", "visits"])


def test_no_kpi_or_target_is_written_into_a_result(small) -> None:
    """Changing the targets changes verdicts only, never a simulated figure."""
    ds, params = small
    inputs = build_inputs(ds)
    a = run_replication(inputs, params, _cfg(small, _scenario(), inputs), 0)
    b = run_replication(inputs, params, _cfg(small, _scenario(targets={
        "dso_days": 10.0, "on_time_rate": 0.5}), inputs), 0)
    assert a.kpis == b.kpis


def test_everyone_on_cash_before_delivery_leaves_no_receivable(small) -> None:
    """Every account on cash before delivery: no sale is on credit, so DSO on total sales is 0
    and DSO on credit sales (and the bad-debt rate) are undefined, not 0: the opening
    ledger's invoices are settled or written off before the measured window ends."""
    ds, params = small
    inputs = build_inputs(ds)
    config = _cfg(small, _scenario(credit={"policy": "uniform",
                                           "uniform_terms": "cash_before_delivery"}), inputs)
    kpis = run_replication(inputs, params, config, 0).kpis
    assert kpis["dso_total_days"] == 0.0
    assert np.isnan(kpis["dso_days"]) and np.isnan(kpis["bad_debt_rate"])
    assert kpis["discount_cost_cny"] == 0.0 and kpis["rebate_cost_cny"] == 0.0


def test_cash_before_delivery_loses_the_stated_share_of_orders(small) -> None:
    """Every account on cash before delivery with a sales loss of 30%: the orders not placed
    are a binomial share of the orders that would have been, and the orders kept are exactly
    the no-loss run's orders minus the dropped ones (common random numbers)."""
    ds, params = small
    inputs = build_inputs(ds)
    loss = 0.3
    scen = _scenario(credit={"policy": "uniform", "uniform_terms": "cash_before_delivery"},
                     assumptions={"cash_before_delivery_sales_loss": loss})
    kpis = run_replication(inputs, params, _cfg(small, scen, inputs), 0).kpis
    none = _scenario(credit={"policy": "uniform", "uniform_terms": "cash_before_delivery"},
                     assumptions={"cash_before_delivery_sales_loss": 0.0})
    full = run_replication(inputs, params, _cfg(small, none, inputs), 0).kpis
    assert full["sales_loss_rate"] == 0.0
    # each order is dropped independently with probability `loss`: the dropped count among
    # the window's orders is binomial (the arrivals are the same draws in both runs)
    orders, kept = full["orders"], kpis["orders"]
    assert kept < orders
    dropped = (orders - kept) / orders
    assert abs(dropped - loss) < 4 * np.sqrt(loss * (1 - loss) / orders)
    assert 0.0 < kpis["sales_loss_rate"] < 1.0


def test_level1_platforms_are_never_put_on_cash_before_delivery(small) -> None:
    """Tiered terms with every account in the risk tier: level-1 distributors keep ordinary
    terms (``never_cash_before_delivery``), everyone else pays before delivery."""
    ds, _ = small
    inputs = build_inputs(ds)
    risk = pd.Series("risk", index=ds["customers"]["customer_id"])
    config = _cfg(small, _scenario(credit={"scoring": True,
                                           "risk_terms": "cash_before_delivery"}), inputs, risk)
    l1 = inputs.customer_type == "distributor_l1"
    assert l1.any() and (~l1).any()
    assert set(config.credit.account_terms[l1]) == {"monthly"}
    assert set(config.credit.account_terms[~l1]) == {"cash_before_delivery"}


CREDIT_LEVERS = {
    # credit terms act on scored tiers; the base run is scored too, on today's monthly terms
    # risk-tier accounts stop owing anything: receivables fall. (DSO need not fall in every
    # replication: it is a ratio, and the risk accounts' own DSO at the window's end can be
    # below the rest's by chance on a small data set.)
    "cash_before_delivery": ({"risk_terms": "cash_before_delivery"}, "receivables_cny", -1),
    "cash_discount": ({"premium_terms": "cash_discount_1pct"}, "dso_days", -1),
    "extended_terms": ({"premium_terms": "extended_75_days"}, "dso_days", +1),
    "quarterly_rebate": ({"ordinary_terms": "monthly_plus_quarterly_rebate"}, "dso_days", -1),
}


@pytest.fixture(scope="module")
def scored(small):
    from models.credit.scoring import score_customers

    ds, params = small
    tiers = score_customers(ds, seed=3).scores["tier"]
    assert set(tiers) == {"premium", "ordinary", "risk"}
    inputs = build_inputs(ds)
    base = _cfg(small, _scenario(credit={"scoring": True}), inputs, tiers)
    return inputs, tiers, _per_rep(run_replications(inputs, params, base, replications=REPS,
                                                    seed=11, workers=1))


@pytest.mark.parametrize("lever", sorted(CREDIT_LEVERS))
def test_each_credit_term_moves_its_kpi_the_right_way(lever: str, small, scored) -> None:
    _, params = small
    inputs, tiers, base = scored
    terms, kpi, sign = CREDIT_LEVERS[lever]
    scen = _cfg(small, _scenario(credit={"scoring": True, **terms}), inputs, tiers)
    runs = run_replications(inputs, params, scen, replications=REPS, seed=11, workers=1)
    # terms change no draw and no order: with common random numbers every replication must
    # move the same way
    per_rep = _per_rep(runs)[kpi].to_numpy() - base[kpi].to_numpy()
    # never the wrong way; a replication may not move at all when the tier the terms act on
    # is a handful of accounts with nothing open at the window's end (the ordinary band is
    # thin since defaults are events of the account), but the replications together must
    assert np.all(sign * per_rep >= 0) and np.any(sign * per_rep > 0), (lever, per_rep)


def test_app_orders_cleared_by_the_app_skip_review(small) -> None:
    """With app_orders_skip_review, exactly the app orders that are not abnormal and not on
    cash before delivery skip the office (daily batch: the app's stock check is stale, so
    oversold ones pass too); every other order is routed as before."""
    from simulation.order_flow import draw_orders, run_order_flow
    from simulation.replication import replication_streams

    ds, params = small
    inputs = build_inputs(ds)
    orders = {"app_channel_share": 0.6, "abnormal_order_threshold_cny": 50_000.0}
    flows = []
    for skip in (False, True):
        config = _cfg(small, _scenario(orders={**orders, "app_orders_skip_review": skip}),
                      inputs)
        draws = draw_orders(inputs, params, config.horizon_days,
                            replication_streams(config.seed, 0), config.operations)
        flows.append(run_order_flow(inputs, params, config, draws))
    off, on = flows
    cleared = (on.channel == "app") & (on.amount <= 50_000.0) & ~on.prepaid
    assert 0 < cleared.sum() < len(cleared)
    np.testing.assert_array_equal(on.approved[cleared], on.entered[cleared])
    office = [set(f.log.frame().query("stage == 'office'")["entity"]) for f in flows]
    assert office[1] == office[0] - set(np.flatnonzero(cleared))
    assert np.mean(on.shipped - on.placed) < np.mean(off.shipped - off.placed)


def test_a_cash_before_delivery_promise_runs_from_the_payment(small, scored) -> None:
    """A prepaid order is promised the usual days from the day its payment arrives, every
    other order from the day it was placed (the prepayment stage ends at the payment)."""
    from simulation.order_flow import draw_orders, run_order_flow
    from simulation.replication import replication_streams

    ds, params = small
    inputs, tiers, _ = scored
    config = _cfg(small, _scenario(credit={"scoring": True,
                                           "risk_terms": "cash_before_delivery"}), inputs, tiers)
    draws = draw_orders(inputs, params, config.horizon_days,
                        replication_streams(config.seed, 0), config.operations)
    flow = run_order_flow(inputs, params, config, draws)
    assert 0 < flow.prepaid.sum() < len(flow.prepaid)
    paid = flow.log.frame().query("stage == 'prepayment'").set_index("entity")["end"]
    days = np.where(inputs.remote[flow.customer], params.promise_days_remote,
                    params.promise_days)
    start = np.floor(flow.placed)
    ids = np.flatnonzero(flow.prepaid)
    start[ids] = np.floor(paid.reindex(ids).to_numpy())
    assert not config.orders.real_time_stock  # daily batch: no announced replenishment date
    np.testing.assert_array_equal(flow.promised_day, start + days)
    assert (flow.promised_day[ids] > np.floor(flow.placed[ids]) + days[ids]).any()


@pytest.mark.parametrize("reduction", [0.0, 0.7, 1.0])
def test_tracking_removes_its_share_of_visibility_complaints(reduction: float, small) -> None:
    """With tracking, an order complains that it cannot see its delivery only if it would have
    without tracking, and then with probability 1 - reduction: the same uniform draw u is
    compared with p·(1 - reduction) instead of p, so given u < p the chance is 1 - reduction
    (a binomial count). Late complaints are left as they were (factor 1) so that no order
    changes its reason for another reason."""
    from scipy import stats

    from simulation.order_flow import draw_orders, run_order_flow
    from simulation.replication import replication_streams

    ds, params = small
    inputs = build_inputs(ds)
    assumptions = {"tracking_late_complaint_factor": 1.0,
                   "tracking_visibility_complaint_reduction": reduction}
    reasons = []
    for tracking in (False, True):
        config = _cfg(small, _scenario(logistics={"tracking": tracking},
                                       assumptions=assumptions), inputs)
        draws = draw_orders(inputs, params, config.horizon_days,
                            replication_streams(config.seed, 0), config.operations)
        reasons.append(run_order_flow(inputs, params, config, draws).complaint_reason)
    untracked, tracked = (r == "no_visibility" for r in reasons)
    assert untracked.sum() > 30  # enough complaints for the binomial check to mean something
    assert not np.any(tracked & ~untracked)
    others = [np.where(r == "no_visibility", "", r) for r in reasons]
    np.testing.assert_array_equal(others[0], others[1])
    kept = int(tracked.sum())
    low, high = stats.binom.interval(0.999, int(untracked.sum()), 1.0 - reduction)
    assert low <= kept <= high, (kept, low, high)
