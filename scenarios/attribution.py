"""Lever attribution: what each lever group contributes to each KPI between a base and a plan.

A lever group is a top-level lever section (``orders``, ``logistics``, ``territory``,
``credit``, ``channel``, ``assumptions``) that differs between the two files. A coalition of
groups is the base with those sections taken from the plan (validated as a scenario); every
coalition is prepared (:func:`scenarios.run.prepare`: the models its levers call for) and
simulated with the same seed and replications, so replication k of every coalition sees the
same orders and the same luck (common random numbers). The game's value is the per-replication
KPI vector, so the Shapley values (:mod:`simulation.shapley`) are computed per replication and
their mean and 95% CI taken over replications; they add up to plan − base replication by
replication (efficiency). Up to ``EXACT_MAX_GROUPS`` groups every coalition is simulated
(exact); beyond, or when asked, sampled orders of the groups (Castro, Gómez & Tejada 2009).

:func:`one_at_a_time` is the quick view: each group added to the base and removed from the
plan (2n + 2 coalitions). docs/attribution.md.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from data.dataset import Dataset, load_dataset
from data.kpis import KPI_NAMES
from data.problems import Problem, ScenarioError
from scenarios.attribution_result import EXACT, ONE_AT_A_TIME, SAMPLED, Attribution
from scenarios.loading import LoadedScenario
from scenarios.process_cache import Status
from scenarios.run import prepare, simulate
from scenarios.schema import LEVER_SECTIONS, Scenario
from simulation.shapley import (
    coalitions_along,
    sample_orders,
    shapley_exact,
    shapley_from_orders,
)
from simulation.summary import Estimate, summarize

#: the sections a lever group may be, in file order
LEVER_GROUPS: tuple[str, ...] = (*LEVER_SECTIONS, "assumptions")
#: settings base and plan must share, so that their difference is the levers' alone
SHARED_SETTINGS = ("horizon_days", "warmup_days")
#: up to this many groups every coalition is simulated (2^6 = 64 coalitions)
EXACT_MAX_GROUPS = 6
#: sampled orders (antithetic pairs) when there are more groups
DEFAULT_PERMUTATIONS = 8

Progress = Callable[[int, int, str], None]  # (coalitions done, coalitions in all, label)


def lever_groups(base: Scenario, plan: Scenario) -> list[str]:
    """The lever sections whose values differ between ``base`` and ``plan``, in file order."""
    return [g for g in LEVER_GROUPS if getattr(base, g) != getattr(plan, g)]


def attributable_groups(base: LoadedScenario, plan: LoadedScenario) -> list[str]:
    """The lever groups of ``plan`` against ``base``; a :class:`ScenarioError` when the two use
    different data sets, processes or windows (their difference would not be the levers'),
    or when no lever section differs (nothing to attribute)."""
    problems = []
    if base.dataset_path.resolve() != plan.dataset_path.resolve():
        problems.append(Problem(str(plan.path), "dataset",
                                f"the base's data set ({base.dataset_path})",
                                str(plan.dataset_path)))
    if (base.process_path and base.process_path.resolve()) != (
            plan.process_path and plan.process_path.resolve()):
        problems.append(Problem(str(plan.path), "process",
                                f"the base's process ({base.process_path or 'calibrated'})",
                                str(plan.process_path or "calibrated")))
    for name in SHARED_SETTINGS:
        mine, theirs = getattr(base.scenario, name), getattr(plan.scenario, name)
        if mine != theirs:
            problems.append(Problem(str(plan.path), name, f"the base's {name} ({mine})",
                                    str(theirs)))
    if problems:
        raise ScenarioError(problems, summary=f"{plan.path.name} cannot be attributed against "
                            f"{base.path.name}: they differ in more than their levers")
    groups = lever_groups(base.scenario, plan.scenario)
    if not groups:
        raise ScenarioError(Problem(
            str(plan.path), "", "a plan that differs from the base in at least one lever "
            "section (" + ", ".join(LEVER_GROUPS) + ")",
            f"the same levers as {base.path.name}: nothing to attribute"))
    return groups


def coalition_label(groups: Sequence[str], coalition: frozenset) -> str:
    """``base``, ``+orders``, ``+orders+credit`` …: the groups taken from the plan."""
    chosen = [g for g in groups if g in coalition]
    return "base" + "".join(f"+{g}" for g in chosen)


def coalition_scenario(base: Scenario, plan: Scenario, coalition: frozenset,
                       seed: int) -> Scenario:
    """The base with the ``coalition``'s lever sections taken from the plan and ``seed`` as
    its root seed (each section was validated in its own file, and the schema has no rule
    across sections, so the copy is a valid scenario)."""
    return base.model_copy(update={**{g: getattr(plan, g) for g in coalition}, "seed": seed})


@dataclass
class CoalitionGame:
    """The game: a coalition's per-replication KPIs (replications × KPIs), each coalition
    prepared and simulated once with the common seed and replications."""

    base: LoadedScenario
    plan: LoadedScenario
    groups: tuple[str, ...]
    seed: int
    replications: int
    dataset: Dataset
    workers: int | None = None
    scheduler: str | None = None
    status: Status | None = None
    progress: Progress | None = None
    total: int = 0
    values: dict[frozenset, np.ndarray] = field(default_factory=dict)

    def __call__(self, coalition: frozenset) -> np.ndarray:
        if coalition not in self.values:
            scenario = coalition_scenario(self.base.scenario, self.plan.scenario, coalition,
                                          self.seed)
            loaded = replace(self.base, scenario=scenario)
            prepared = prepare(loaded, self.dataset, status=self.status)
            run = simulate(loaded, prepared, replications=self.replications, seed=self.seed,
                           workers=self.workers, scheduler=self.scheduler)
            frame = run.per_replication.sort_values("replication")
            self.values[coalition] = frame[list(KPI_NAMES)].to_numpy(dtype=float)
            if self.progress is not None:
                self.progress(len(self.values), self.total,
                              coalition_label(self.groups, coalition))
        return self.values[coalition]

    def label(self, coalition: frozenset) -> str:
        return coalition_label(self.groups, coalition)


def _estimates(per_replication: np.ndarray) -> dict[str, Estimate]:
    return summarize(pd.DataFrame(per_replication, columns=list(KPI_NAMES)), KPI_NAMES)


def _widened(estimates: dict[str, Estimate], half: np.ndarray) -> dict[str, Estimate]:
    """Estimates whose CI also holds the orders' sampling error: half-widths added in
    quadrature (replication noise and order sampling are independent)."""
    out = {}
    for k, name in enumerate(KPI_NAMES):
        e = estimates[name]
        rep_half = (e.ci_high - e.ci_low) / 2
        wide = math.hypot(rep_half, half[k]) if np.isfinite(half[k]) else math.nan
        out[name] = replace(e, ci_low=e.mean - wide, ci_high=e.mean + wide)
    return out


def _game(base: LoadedScenario, plan: LoadedScenario, *, replications: int | None,
          seed: int | None, workers: int | None, scheduler: str | None,
          dataset: Dataset | None, status: Status | None,
          progress: Progress | None) -> CoalitionGame:
    groups = attributable_groups(base, plan)
    return CoalitionGame(
        base, plan, tuple(groups), base.scenario.seed if seed is None else seed,
        replications or base.scenario.replications,
        dataset if dataset is not None else load_dataset(base.dataset_path),
        workers, scheduler, status, progress)


def _result(game: CoalitionGame, method: str, started: float, **fields_) -> Attribution:
    everyone = frozenset(game.groups)
    base_values, plan_values = game(frozenset()), game(everyone)
    return Attribution(
        method=method, base_name=game.base.scenario.name, plan_name=game.plan.scenario.name,
        base_file=str(game.base.path), plan_file=str(game.plan.path),
        base_text=game.base.text, plan_text=game.plan.text, groups=game.groups,
        seed=game.seed, replications=game.replications,
        dataset=str(game.base.dataset_path), dataset_fingerprint=game.dataset.fingerprint,
        window={n: getattr(game.base.scenario, n) for n in SHARED_SETTINGS},
        base_kpis=_estimates(base_values), plan_kpis=_estimates(plan_values),
        total=_estimates(plan_values - base_values),
        coalitions={game.label(c): {k: float(np.nanmean(v[:, j])) if np.isfinite(v[:, j]).any()
                                    else math.nan for j, k in enumerate(KPI_NAMES)}
                    for c, v in game.values.items()},
        runtime_s=time.perf_counter() - started, **fields_)


def _one_at_a_time(game: CoalitionGame) -> dict:
    everyone = frozenset(game.groups)
    return {
        "added": {g: _estimates(game(frozenset({g})) - game(frozenset()))
                  for g in game.groups},
        "removed": {g: _estimates(game(everyone) - game(everyone - {g}))
                    for g in game.groups}}


def one_at_a_time_coalitions(groups: Sequence[str]) -> list[frozenset]:
    """∅, N, each group alone and N without each group (distinct)."""
    everyone = frozenset(groups)
    out = [frozenset(), everyone, *(frozenset({g}) for g in groups),
           *(everyone - {g} for g in groups)]
    return list(dict.fromkeys(out))


def one_at_a_time(base: LoadedScenario, plan: LoadedScenario, *,
                  replications: int | None = None, seed: int | None = None,
                  workers: int | None = None, scheduler: str | None = None,
                  dataset: Dataset | None = None, status: Status | None = None,
                  progress: Progress | None = None) -> Attribution:
    """The quick view: each lever group added to the base (v({g}) − v(∅)) and removed from the
    plan (v(N) − v(N∖{g})), paired over replications; 2n + 2 coalitions at most. The two
    differ where groups interact; neither adds up to the total in general."""
    started = time.perf_counter()
    game = _game(base, plan, replications=replications, seed=seed, workers=workers,
                 scheduler=scheduler, dataset=dataset, status=status, progress=progress)
    needed = one_at_a_time_coalitions(game.groups)
    game.total = len(needed)
    for coalition in needed:
        game(coalition)
    return _result(game, ONE_AT_A_TIME, started, **_one_at_a_time(game))


def attribute(base: LoadedScenario, plan: LoadedScenario, *, replications: int | None = None,
              seed: int | None = None, workers: int | None = None,
              scheduler: str | None = None, permutations: int | None = None,
              dataset: Dataset | None = None, status: Status | None = None,
              progress: Progress | None = None) -> Attribution:
    """Shapley values of the lever groups per KPI, under common random numbers.

    Exact over every coalition when there are at most ``EXACT_MAX_GROUPS`` groups and
    ``permutations`` is None; otherwise ``permutations`` (default ``DEFAULT_PERMUTATIONS``)
    antithetic pairs of orders drawn from the seed, whose sampling error widens the CI.
    ``replications`` and ``seed`` default to the base's; ``progress(done, total, label)`` is
    called after each coalition."""
    started = time.perf_counter()
    game = _game(base, plan, replications=replications, seed=seed, workers=workers,
                 scheduler=scheduler, dataset=dataset, status=status, progress=progress)
    groups = game.groups
    if permutations is None and len(groups) <= EXACT_MAX_GROUPS:
        game.total = 2 ** len(groups)
        values = shapley_exact(groups, game)
        per_replication = {g: values[g] for g in groups}
        contributions = {g: _estimates(v) for g, v in per_replication.items()}
        return _result(game, EXACT, started, contributions=contributions,
                       per_replication=per_replication, **_one_at_a_time(game))
    pairs = permutations or DEFAULT_PERMUTATIONS
    # the orders' own stream, spawned from the seed: the simulation's streams are untouched
    rng = np.random.default_rng(np.random.SeedSequence(game.seed, spawn_key=(1,)))
    orders = sample_orders(groups, pairs, rng, antithetic=True)
    game.total = len(coalitions_along(orders))

    def both(coalition: frozenset) -> dict[str, np.ndarray]:
        # per replication (for the mean and the replication CI) and the replications' mean
        # (for the orders' sampling error)
        values = game(coalition)
        return {"per_replication": values, "mean": np.nanmean(values, axis=0)}

    found = shapley_from_orders(groups, both, orders, antithetic=True)
    per_replication = {g: found.mean[g]["per_replication"] for g in groups}
    sampling_half = {g: (found.ci_high[g]["mean"] - found.ci_low[g]["mean"]) / 2
                     for g in groups}
    contributions = {g: _widened(_estimates(per_replication[g]), sampling_half[g])
                     for g in groups}
    return _result(game, SAMPLED, started, contributions=contributions,
                   per_replication=per_replication, permutations=len(orders),
                   sampling_half_width={g: dict(zip(KPI_NAMES, map(float, h), strict=True))
                                        for g, h in sampling_half.items()})


def coalition_count(groups: int, quick: bool = False, permutations: int | None = None) -> int:
    """How many coalitions a run simulates (at most, for sampled orders)."""
    if quick:
        return len(one_at_a_time_coalitions([str(i) for i in range(groups)]))
    if permutations is None and groups <= EXACT_MAX_GROUPS:
        return 2 ** groups
    pairs = permutations or DEFAULT_PERMUTATIONS
    return min(2 ** groups, 2 + 2 * pairs * max(groups - 1, 0))

