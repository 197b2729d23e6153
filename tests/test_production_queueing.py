"""The production order flow against queueing theory.

The real order flow (``simulation.order_flow``, not a separate model) is configured through
its :class:`~simulation.config.SimulationConfig` as a textbook queue: orders placed round the
clock at a constant Poisson rate, all entered through the app at once, every order approved
in the office by ``c`` clerks working round the clock with exponential work. The office is
then an M/M/c queue, and:

* its mean wait is Erlang C's ``Wq = C(c, a) / (cμ − λ)`` (Kleinrock 1975, §3.5), its
  utilisation ``λ / cμ`` and its mean queue length ``λ Wq``;
* Little's law ``L = λ W`` holds at every stage the order passes;
* the auto-approval lever's effect on office time per order equals the analytic value: with a
  share ``p`` of orders skipping the office, the office sees ``(1 − p) λ`` and an order spends
  ``(1 − p) (Wq((1 − p) λ) + 1/μ)`` there on average.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from data.dataset import load_dataset
from scenarios.process_cache import today_process
from scenarios.run import configure
from scenarios.schema import Scenario
from simulation.config import Operations, OrderPolicy
from simulation.params import Dist
from simulation.queueing import mmc_mean_wait
from simulation.runner import run_replications

CLERKS = 3
RHO = 0.8
REPLICATIONS = 30
HORIZON_DAYS, WARMUP_DAYS = 1000, 50


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t interval over replications."""
    mean = float(np.mean(values))
    half = float(stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1)
                 / np.sqrt(len(values)))
    return mean, mean - half, mean + half


@pytest.fixture(scope="module")
def textbook(small_dir: Path):
    """Inputs, process and config of the small data set set up as an M/M/c office."""
    ds = load_dataset(small_dir)
    params = today_process(ds)
    scenario = Scenario.model_validate({"name": "M/M/c", "dataset": ".",
                                        "horizon_days": HORIZON_DAYS,
                                        "warmup_days": WARMUP_DAYS, "seed": 5})
    inputs, config = configure(ds, params, scenario)
    lam = float(inputs.orders_per_day.sum())  # orders per day
    mean_hours = RHO * CLERKS * 24.0 / lam     # so that λ / cμ = RHO
    params = params.model_copy(update={
        "office_hours": Dist(kind="exponential", mean=mean_hours),
        "app_entry_hours": Dist(kind="deterministic", mean=0.0)})
    config = replace(
        config,
        orders=OrderPolicy(app_channel_share=1.0, abnormal_order_threshold_cny=1e10),
        operations=Operations(working_calendar=False, order_hours=(0.0, 24.0),
                              seasonal_arrivals=False, demand_trend=False,
                              office_servers=CLERKS))
    return inputs, params, config, lam, 24.0 / mean_hours


@pytest.fixture(scope="module")
def runs(textbook):
    inputs, params, config, _, _ = textbook
    return run_replications(inputs, params, config, replications=REPLICATIONS, seed=3,
                            workers=1)


def test_office_mean_wait_is_erlang_c(textbook, runs) -> None:
    _, _, _, lam, mu = textbook
    expected = mmc_mean_wait(lam, mu, CLERKS)
    mean, lo, hi = _ci(np.array([r.stages.loc["office", "mean_wait_days"] for r in runs]))
    assert lo <= expected <= hi, (expected, mean, lo, hi)
    assert hi - lo < 0.2 * expected, "too few orders for the check to have power"


def test_office_utilisation_and_queue_length(textbook, runs) -> None:
    _, _, _, lam, mu = textbook
    util = np.array([r.stages.loc["office", "utilization"] for r in runs])
    _, lo, hi = _ci(util)
    assert lo <= lam / (CLERKS * mu) <= hi
    queue = np.array([r.stages.loc["office", "mean_queue_length"] for r in runs])
    _, lo, hi = _ci(queue)
    assert lo <= lam * mmc_mean_wait(lam, mu, CLERKS) <= hi


def test_littles_law_holds_at_every_stage_of_the_production_flow(runs) -> None:
    """L = λW per replication, with L integrated from the records (not derived)."""
    checked = set()
    for r in runs:
        for stage, row in r.stages.iterrows():
            if row.visits < 1000 or row.mean_time_days == 0:
                continue
            assert row.mean_in_stage == pytest.approx(
                row.arrival_rate_per_day * row.mean_time_days, rel=0.03), stage
            checked.add(stage)
    assert {"office", "pick", "cutoff", "transit"} <= checked


def _office_days_per_order(results) -> np.ndarray:
    """Office time per order placed: total office time / orders entered, per replication."""
    return np.array([
        r.stages.loc["office", "mean_time_days"] * r.stages.loc["office", "visits"]
        / r.stages.loc["entry", "visits"] if r.stages.loc["office", "visits"] else 0.0
        for r in results])


def test_auto_approval_cuts_office_time_by_the_analytic_amount(textbook, runs) -> None:
    inputs, params, config, lam, mu = textbook
    core = inputs.tier == "core"
    p = float(inputs.orders_per_day[core].sum() / inputs.orders_per_day.sum())
    assert 0.1 < p < 0.9
    auto = replace(config, orders=replace(config.orders, auto_approval_tiers=frozenset({"core"})))
    after = run_replications(inputs, params, auto, replications=REPLICATIONS, seed=3, workers=1)
    before_expected = mmc_mean_wait(lam, mu, CLERKS) + 1.0 / mu
    after_expected = (1 - p) * (mmc_mean_wait((1 - p) * lam, mu, CLERKS) + 1.0 / mu)
    # paired over replications (common random numbers): the lever's effect and its CI
    effect = _office_days_per_order(after) - _office_days_per_order(runs)
    mean, lo, hi = _ci(effect)
    assert lo <= after_expected - before_expected <= hi, (after_expected - before_expected,
                                                          mean, lo, hi)
    assert hi - lo < 0.1 * abs(after_expected - before_expected)
