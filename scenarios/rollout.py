"""The roll-out of a scenario's levers (its ``[rollout]`` section) as each account's switch
day: the day from which its orders follow the scenario's order, logistics and credit levers
instead of today's (:class:`simulation.config.Rollout`; docs/simulation.md, "Roll-out: the
switch day")."""

from __future__ import annotations

import numpy as np

from scenarios.rollout_levers import DAYS_PER_MONTH
from scenarios.schema import Scenario

#: the spawn key of the roll-out's order of accounts under the scenario's seed (apart from the
#: replications' streams, so the order does not depend on a run's replications)
ROLLOUT_SPAWN_KEY = 7_001


def switch_days(region: np.ndarray, regions: list[str] | None, months_to_full: float,
                start_day: float, rng: np.random.Generator) -> np.ndarray:
    """Each account's switch day, days since the epoch: ``inf`` outside ``regions`` (None:
    every region); inside, 0 when ``months_to_full`` is 0, else evenly spread over
    ``months_to_full`` months from ``start_day`` in an order drawn from ``rng`` (account k of m
    switches at start + (k + ½)/m of the span)."""
    region = np.asarray(region, dtype=object)
    inside = np.ones(len(region), dtype=bool) if regions is None else np.isin(region, regions)
    days = np.full(len(region), np.inf)
    members = np.flatnonzero(inside)
    if months_to_full == 0:
        days[members] = 0.0
        return days
    order = rng.permutation(members)
    span = months_to_full * DAYS_PER_MONTH
    days[order] = start_day + (np.arange(len(order)) + 0.5) / len(order) * span
    return days


def scenario_switch_days(scenario: Scenario, region: np.ndarray) -> np.ndarray | None:
    """The switch days of ``scenario``'s ``[rollout]`` for accounts of ``region`` (the
    inputs' order); None when every account switches from the start (no roll-out). The
    spread starts with the measured window (after the warm-up: the committee's year)."""
    r = scenario.rollout
    if r.regions is None and r.months_to_full == 0:
        return None
    rng = np.random.default_rng(np.random.SeedSequence(scenario.seed,
                                                       spawn_key=(ROLLOUT_SPAWN_KEY,)))
    return switch_days(region, r.regions, r.months_to_full, float(scenario.warmup_days), rng)


def todays_levers(scenario: Scenario) -> Scenario:
    """``scenario`` with today's order, logistics and credit levers (the schema's
    defaults): what an account follows before its switch day."""
    empty = Scenario(name=scenario.name, dataset=scenario.dataset)
    return scenario.model_copy(update={name: getattr(empty, name)
                                       for name in ("orders", "logistics", "credit")})
