"""territory.allocation = "optimize" in the simulation: every account's order rate moves by
its response curve at the planned calls (a distributor's by its terminals', weighted by their
sales), and the simulated sales follow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from data.dataset import load_dataset
from scenarios.compare import load_scenarios
from scenarios.run import prepare, simulate
from scenarios.schema import Scenario
from scenarios.territory_effect import call_effect


def _scenario(folder: Path, small_dir: Path, territory: str, name: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\ndataset = "{small_dir}"\nreplications = 8\n'
                    f'horizon_days = 300\nwarmup_days = 60\n[territory]\n{territory}',
                    encoding="utf-8")
    return path


def test_a_distributor_moves_with_its_terminals_weighted_by_their_sales(small_dir: Path):
    ds = load_dataset(small_dir)
    scenario = Scenario.model_validate({"name": "o", "dataset": str(small_dir),
                                        "territory": {"allocation": "optimize"}})
    ids = ds["customers"]["customer_id"].to_numpy()
    effect = call_effect(ds, scenario, ids)
    assert effect is not None and effect.summary["status"] == "optimal"
    lift = dict(zip(ids, effect.lift, strict=True))
    # by hand, one terminal at a time: the plan's accounts with their sales today and lift
    from scenarios.call_planning import plan_calls
    from scenarios.territory_report import TerritoryContext, doctor_table, visits_due

    report = plan_calls(ds, visits_due(ds, doctor_table(TerritoryContext(scenario, ds)),
                                       scenario.territory.visit_quota))
    acc = report.accounts.set_index("account_id")
    own = acc["sales_planned_cny"] / acc["sales_today_cny"]
    supplier = ds["terminals"].set_index("terminal_id")["distributor_id"]
    totals: dict[str, list[float]] = {}
    for account, row in acc.iterrows():
        owner = supplier.get(account, account)  # a direct account is its own
        w = row["sales_today_cny"]
        t = totals.setdefault(owner, [0.0, 0.0])
        t[0] += w
        t[1] += w * own[account]
    for customer in ids:
        expected = totals[customer][1] / totals[customer][0] if customer in totals else 1.0
        assert lift[customer] == pytest.approx(expected, rel=1e-9), customer
    assert any(v != 1.0 for v in lift.values())
    assert (effect.lift > 0).all()
    # the curves' uncertainty: one row per draw, relative to the lift at the estimates; an
    # account no planned call reaches stays at 1 in every draw
    from scenarios.territory_effect import LIFT_DRAWS

    draws = effect.rate_draws
    assert draws.shape == (LIFT_DRAWS, len(ids))
    untouched = np.array([c not in totals for c in ids])
    assert untouched.any() and (draws[:, untouched] == 1.0).all()
    assert draws[:, ~untouched].std(axis=0).max() > 0


def test_the_current_allocation_changes_nothing(small_dir: Path):
    ds = load_dataset(small_dir)
    scenario = Scenario.model_validate({"name": "c", "dataset": str(small_dir)})
    assert call_effect(ds, scenario, ds["customers"]["customer_id"].to_numpy()) is None


def test_simulated_sales_follow_the_planned_order_rates(small_dir: Path, tmp_path: Path):
    """Expected sales scale by Σ rate × lift × the account's mean order over Σ rate × mean
    order (orders keep their amounts); the simulated mean lands within its own 95% CI of
    that, and today's does not (the effect is visible, not noise)."""
    runs = {}
    for name, territory in (("current", ""), ("optimize", 'allocation = "optimize"\n')):
        loaded = load_scenarios([_scenario(tmp_path, small_dir, territory, name)],
                                allow_outside_data=True)[0]
        prepared = prepare(loaded)
        runs[name] = (prepared, simulate(loaded, prepared, workers=1).result)
    cur, opt = runs["current"], runs["optimize"]
    i = cur[0].inputs
    mean_amount = np.array([i.amount_pool[s:s + c].mean() if c else 0.0
                            for s, c in zip(i.amount_start, i.amount_count, strict=True)])
    ratio = ((opt[0].inputs.orders_per_day * mean_amount).sum()
             / (i.orders_per_day * mean_amount).sum())
    assert ratio > 1.05  # the plan is worth simulating at all
    sales_cur, sales_opt = cur[1].details["credit_sales_cny"], opt[1].details["credit_sales_cny"]
    low, high = sales_opt.ci95
    assert low <= ratio * sales_cur.mean <= high
    assert not low <= sales_cur.mean <= high
    assert opt[1].call_plan["status"] == "optimal" and not cur[1].call_plan


def test_a_new_size_is_planned_at_that_size(small_dir: Path):
    ds = load_dataset(small_dir)
    today = len(ds["reps"])
    scenario = Scenario.model_validate({"name": "o", "dataset": str(small_dir), "territory": {
        "allocation": "optimize", "reps": 2 * today}})
    effect = call_effect(ds, scenario, ds["customers"]["customer_id"].to_numpy())
    assert effect.summary["reps"] == 2 * today and effect.summary["reps_today"] == today
    assert effect.summary["status"] == "optimal"


def test_reps_without_a_plan_are_refused():
    with pytest.raises(Exception, match="allocation"):
        Scenario.model_validate({"name": "x", "dataset": "d", "territory": {"reps": 100}})


def test_each_replication_takes_its_row_of_the_demand_draws(small_dir: Path):
    """Replication r multiplies every account's order rate by row r mod draws: doubled rates
    give about twice the orders (Poisson: within 5 standard deviations), a row of ones the
    same orders as no draws at all (the same streams)."""
    from dataclasses import replace

    from scenarios.run import configure
    from simulation.calibrate import calibrate
    from simulation.config import DemandPolicy
    from simulation.inputs import build_inputs
    from simulation.replication import run_replication

    ds = load_dataset(small_dir)
    params, inputs = calibrate(ds), build_inputs(ds)
    scenario = Scenario.model_validate({"name": "t", "dataset": "x", "horizon_days": 120,
                                        "warmup_days": 30, "seed": 5})
    config = configure(ds, params, scenario, inputs=inputs)[1]
    n = inputs.customers
    draws = DemandPolicy(rate_draws=np.vstack([np.ones(n), np.full(n, 2.0)]))
    doubled = replace(config, demand=draws)

    def orders(cfg, replication):
        return run_replication(inputs, params, cfg, replication).stages.loc["entry", "visits"]

    plain = orders(config, 1)
    assert orders(doubled, 1) == pytest.approx(2 * plain, abs=5 * np.sqrt(2 * plain))
    assert orders(doubled, 2) == orders(config, 2)  # row 0 (2 mod 2): ones
    with pytest.raises(ValueError, match="one column per account"):
        replace(config, demand=DemandPolicy(rate_draws=np.ones((2, n + 1))))
