"""The roll-out's switch day: no roll-out changes nothing, every account switched from the
start is the plan, no account switched is today's process, and each order follows the levers
of its account on the day it is placed (common random numbers make these exact)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from data.dataset import load_dataset
from data.tables import REGIONS
from scenarios.rollout import scenario_switch_days, switch_days
from scenarios.rollout_levers import DAYS_PER_MONTH
from scenarios.run import configure
from scenarios.schema import Scenario
from simulation.calibrate import calibrate
from simulation.config import Rollout, SimulationConfig
from simulation.order_flow import draw_orders, run_order_flow
from simulation.replication import replication_streams, run_replication

#: the plan's order, logistics and credit levers without forward warehouses (so today's and
#: the plan's network, and with it the staff, are the same)
PLAN = {
    "orders": {"app_channel_share": 0.6, "auto_approval_tiers": ["core"],
               "esign_approval_hours": 2.0, "stock_sync": "real_time",
               "app_orders_skip_review": True},
    "logistics": {"carrier": "strategic_partner", "remote_limit_days": 5.0, "tracking": True},
    "credit": {"policy": "uniform", "uniform_terms": "cash_discount_1pct", "e_invoice": True,
               "online_payment": True, "reminders": "automated"},
}


def _scenario(**sections) -> Scenario:
    base = {"name": "t", "dataset": "x", "horizon_days": 200, "warmup_days": 40, "seed": 99}
    return Scenario.model_validate({**base, **sections})


@pytest.fixture(scope="module")
def small(small_dir: Path):
    ds = load_dataset(small_dir)
    params = calibrate(ds)
    inputs, today = configure(ds, params, _scenario())
    _, plan = configure(ds, params, _scenario(**PLAN), inputs=inputs)
    return ds, params, inputs, today, plan


def _rolled(plan: SimulationConfig, today: SimulationConfig, switch: np.ndarray
            ) -> SimulationConfig:
    return replace(plan, rollout=Rollout(switch_day=switch, credit=today.credit,
                                         serving_site=today.network.serving_site,
                                         orders=today.orders, delivery=today.delivery))


def test_switch_days_spread_evenly_over_the_months_within_the_regions() -> None:
    region = np.array(["East", "South", "North", "East", "East", "South", "North"], dtype=object)
    days = switch_days(region, ["East", "South"], 9, 90.0, np.random.default_rng(1))
    inside = np.isin(region, ["East", "South"])
    assert np.isinf(days[~inside]).all()
    span = 9 * DAYS_PER_MONTH  # 5 accounts: at 90 + (k + 0.5)/5 of the span, k = 0..4
    np.testing.assert_allclose(np.sort(days[inside]), 90 + (np.arange(5) + 0.5) / 5 * span)
    assert (switch_days(region, None, 0, 90.0, np.random.default_rng(1)) == 0).all()
    assert (switch_days(region, ["South"], 0, 90.0, np.random.default_rng(1))
            == np.where(region == "South", 0, np.inf)).all()


def test_a_scenario_without_rollout_has_no_switch_days() -> None:
    region = np.array(["East", "North"], dtype=object)
    assert scenario_switch_days(_scenario(), region) is None
    same = scenario_switch_days(_scenario(rollout={"months_to_full": 9}), region)
    again = scenario_switch_days(_scenario(rollout={"months_to_full": 9}), region)
    np.testing.assert_array_equal(same, again)  # from the scenario's seed: reproducible


def test_every_account_switched_from_the_start_is_the_plan(small) -> None:
    _, params, inputs, today, plan = small
    rolled = _rolled(plan, today, np.zeros(inputs.customers))
    assert run_replication(inputs, params, rolled, 0).kpis == run_replication(
        inputs, params, plan, 0).kpis


def test_no_account_switched_is_todays_process(small) -> None:
    _, params, inputs, today, plan = small
    rolled = _rolled(plan, today, np.full(inputs.customers, np.inf))
    got, want = run_replication(inputs, params, rolled, 0).kpis, run_replication(
        inputs, params, today, 0).kpis
    assert got.keys() == want.keys()
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-12, nan_ok=True), name


def test_pilot_regions_of_every_region_equal_the_plan(small) -> None:
    ds, params, inputs, _, plan = small
    _, every = configure(ds, params, _scenario(**PLAN, rollout={"regions": list(REGIONS)}),
                         inputs=inputs)
    assert every.rollout is not None and (every.rollout.switch_day == 0).all()
    assert run_replication(inputs, params, every, 1).kpis == run_replication(
        inputs, params, plan, 1).kpis


def _flow(inputs, params, config: SimulationConfig, replication: int = 0):
    streams = replication_streams(config.seed, replication)
    draws = draw_orders(inputs, params, float(config.horizon_days), streams, config.operations)
    return run_order_flow(inputs, params, config, draws)


def test_each_order_follows_its_accounts_levers_on_the_day_it_is_placed(small) -> None:
    """A slow roll-out over 4 months: the channel, prepayment and serving site of each order
    are the plan's when it is placed on or after its account's switch day, else today's."""
    ds, params, inputs, today, plan = small
    _, slow = configure(ds, params, _scenario(**PLAN, rollout={"months_to_full": 4}),
                        inputs=inputs)
    switch = slow.rollout.switch_day
    assert np.isfinite(switch).all() and switch.min() >= 40  # after the warm-up
    got, t, p = _flow(inputs, params, slow), _flow(inputs, params, today), _flow(inputs, params,
                                                                                 plan)
    on = got.placed >= switch[got.customer]
    assert 0 < on.sum() < len(on)
    np.testing.assert_array_equal(got.placed, t.placed)
    for field in ("channel", "prepaid", "site"):
        a, b, c = (getattr(f, field) for f in (got, t, p))
        np.testing.assert_array_equal(a[on], c[on], err_msg=field)
        np.testing.assert_array_equal(a[~on], b[~on], err_msg=field)
    # the plan's app share (60%) against the history's: the switched orders show it
    assert (got.channel[on] == "app").mean() == pytest.approx(0.6, abs=0.05)


def test_pilot_regions_lie_between_today_and_the_plan(small) -> None:
    """East and South only: order processing lies between today's and the plan's (same
    seed, the same orders)."""
    ds, params, inputs, today, plan = small
    _, pilot = configure(ds, params, _scenario(**PLAN, rollout={"regions": ["East", "South"]}),
                         inputs=inputs)
    region = inputs.region
    inside = np.isin(region, ["East", "South"])
    assert 0 < inside.sum() < len(region)
    np.testing.assert_array_equal(pilot.rollout.switch_day, np.where(inside, 0.0, np.inf))

    def days(config: SimulationConfig) -> float:
        return float(np.mean([run_replication(inputs, params, config, r).kpis[
            "order_processing_days"] for r in range(2)]))

    t, p, got = days(today), days(plan), days(pilot)
    assert p < got < t


def test_forward_warehouses_serve_only_switched_orders(small) -> None:
    """With forward warehouses and a 4-month roll-out: an order placed before its account's
    switch day is picked at the central DC and never asks forward stock; the per-site counts
    hold exactly the switched orders the forward warehouses serve."""
    ds, params, inputs, _, _ = small
    scenario = _scenario(**{**PLAN, "logistics": {**PLAN["logistics"],
                                                  "forward_warehouses": ["S29", "S33", "S37"]}},
                         rollout={"months_to_full": 4})
    _, config = configure(ds, params, scenario, inputs=inputs)
    flow = _flow(inputs, params, config)
    on = flow.placed >= config.rollout.switch_day[flow.customer]
    central = inputs.site_id[config.network.central_site[flow.customer]]
    assert (flow.site[~on] == central[~on]).all()
    assert (flow.forward_asked_units[~on] == 0).all() and flow.forward_asked_units[on].sum() > 0
    result = run_replication(inputs, params, config, 0)
    forward = ~inputs.site_central[config.network.serving_site[flow.customer]]
    measured = (flow.placed >= config.warmup_days) & (flow.placed < config.horizon_days)
    assert result.by_site["orders"].sum() == int((measured & on & forward).sum())


#: the scenarios of tests/data/rollout_free_kpis.json (stored before the roll-out existed, and
#: re-recorded since only where the data set or the simulation changed on purpose)
STORED = {
    "base": {},
    "plan": PLAN,
    "cbd": {"credit": {"policy": "uniform", "uniform_terms": "cash_before_delivery"}},
}


def test_without_rollout_the_numbers_are_those_from_before_the_mechanism(small) -> None:
    ds, params, inputs, _, _ = small
    stored = json.loads((Path(__file__).parent / "data" / "rollout_free_kpis.json").read_text(
        encoding="utf-8"))
    assert ds.fingerprint == stored["dataset_fingerprint"], "the small data set changed"
    for name, sections in STORED.items():
        _, config = configure(ds, params, _scenario(**sections), inputs=inputs)
        assert config.rollout is None
        got = run_replication(inputs, params, config, 0).kpis
        want = stored["kpis"][name]
        assert got.keys() == want.keys(), name
        for kpi, value in want.items():  # bit for bit (NaN where there was NaN)
            assert got[kpi] == value or (math.isnan(got[kpi]) and math.isnan(value)), (name, kpi)
