"""Scenarios side by side: every file validated before anything runs, one seed and one
replication count for all (common random numbers make the differences paired), paired
differences against the first scenario (the base), and the runs stored together or not at all.

The CLI (``pharmaops compare``) and the committee page both call this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from data.dataset import Dataset
from data.kpis import KPI_NAMES
from data.problems import N_, ScenarioError
from scenarios.loading import LoadedScenario, load_scenario
from scenarios.result import RunResult
from scenarios.run import Prepared, SimulationRun, store_runs, summarised_run
from scenarios.run_reuse import stored_same_run
from scenarios.store import RunStore
from scenarios.validation import is_todays_process, validate_baseline
from simulation.runner import Progress, run_replications
from simulation.summary import paired_differences


def load_scenarios(paths: Sequence[str | Path], *,
                   allow_outside_data: bool = False) -> list[LoadedScenario]:
    """Every scenario file validated; one :class:`ScenarioError` with the problems of every
    refused file (none is simulated when any is refused)."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_scenario(path, allow_outside_data=allow_outside_data))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems, summary=N_(
            "{count} problem(s) in the scenario files; nothing was simulated",
            count=len(problems)))
    return loaded


def unique_labels(loaded: Sequence[LoadedScenario]) -> list[str]:
    """Scenario names, with the file name added where two scenarios share a name."""
    names = [x.scenario.name for x in loaded]
    return [name if names.count(name) == 1 else f"{name} ({x.path.name})"
            for name, x in zip(names, loaded, strict=True)]


def common_settings(loaded: Sequence[LoadedScenario], seed: int | None = None,
                    replications: int | None = None) -> tuple[int, int]:
    """The seed and replication count every scenario runs with: the base scenario's, unless
    given."""
    base = loaded[0].scenario
    return (base.seed if seed is None else seed,
            base.replications if replications is None else replications)


@dataclass(frozen=True)
class ScenarioResult:
    """One simulated scenario: ``label`` is its unique display name."""

    file: str
    label: str
    description: str
    result: RunResult
    per_replication: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    #: today's process only: simulated vs history (scenarios.validation), else None
    validation: pd.DataFrame | None = None


@dataclass(frozen=True)
class Comparison:
    """Every scenario of one comparison, the first being the base."""

    results: tuple[ScenarioResult, ...]
    seed: int
    replications: int
    finished_at: datetime
    differences: dict[str, dict] = field(default_factory=dict)
    #: the labels of the scenarios whose run was served from the store (same scenario text,
    #: seed, replications, data set and code version: scenarios.run_reuse)
    reused: tuple[str, ...] = ()

    @property
    def base(self) -> ScenarioResult:
        return self.results[0]


def _compared(base: pd.DataFrame, other: pd.DataFrame) -> tuple[str, ...]:
    """The KPIs, and the selling-expense ratio and new customers where both runs project
    them."""
    return KPI_NAMES + tuple(name for name in ("selling_expense_ratio", "new_customers_per_year")
                             if name in base and name in other)


def compare(results: Sequence[ScenarioResult], seed: int, replications: int) -> Comparison:
    """Results with the paired differences of every scenario against the first (the base)."""
    base, *others = results
    differences = {r.label: paired_differences(base.per_replication, r.per_replication,
                                               _compared(base.per_replication, r.per_replication))
                   for r in others}
    return Comparison(tuple(results), seed, replications, datetime.now(UTC), differences)


def refinement_rounds(replications: int, first: int = 2) -> list[int]:
    """Replications done after each round of a comparison refined as it runs: ``first`` (2,
    the fewest that give a CI), then doubling, then all (10 → 2, 4, 8, 10)."""
    rounds, upto = [], min(first, replications)
    while upto < replications:
        rounds.append(upto)
        upto *= 2
    return [*rounds, replications]


class Preparing(Sequence):
    """The scenarios' preparations, each made when first asked for: a refined comparison
    shows the base's first CIs before the other scenarios are prepared. ``datasets`` are
    known before any preparation (the store is asked for earlier runs by their fingerprint)."""

    def __init__(self, loaded: Sequence[LoadedScenario], datasets: Sequence[Dataset],
                 prepare: Callable[[LoadedScenario, Dataset], Prepared]) -> None:
        self.loaded, self.datasets, self._prepare = list(loaded), list(datasets), prepare
        self._made: dict[int, Prepared] = {}

    def __len__(self) -> int:
        return len(self.loaded)

    def __getitem__(self, i):  # an index: Sequence's iteration and zip need only these two
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i not in self._made:
            self._made[i] = self._prepare(self.loaded[i], self.datasets[i])
        return self._made[i]


def run_comparison(loaded: Sequence[LoadedScenario], prepared: Sequence[Prepared], *,
                   seed: int, replications: int, workers: int | None = None,
                   scheduler: str | None = None,
                   progress: Callable[[str], Progress | None] | None = None,
                   store: RunStore | None = None,
                   partial: Callable[[Comparison], None] | None = None) -> Comparison:
    """Simulate every prepared scenario with the same seed and replications, store the runs
    together (when ``store`` is given) and compare them with the first. ``progress(label)``
    gives each scenario's progress callback; ``prepared`` may be :class:`Preparing` (each
    scenario prepared just before its first replications). With ``partial``, the scenarios
    advance together in :func:`refinement_rounds` and ``partial`` is given the comparison so
    far (the scenarios with results, once the base has them) as each scenario ends the first
    round and after each round but the last; replication r draws from the same stream either
    way, so the final comparison is the same."""
    labels = unique_labels(loaded)
    # the data sets without preparing anything yet (:class:`Preparing` prepares on use)
    datasets = (prepared.datasets if isinstance(prepared, Preparing)
                else [p.dataset for p in prepared])
    runs: dict[int, SimulationRun] = {}
    reused: list[str] = []
    for i, (item, ds) in enumerate(zip(loaded, datasets, strict=True)):
        run = None if store is None else stored_same_run(
            store, item, ds.fingerprint, seed, replications)
        if run is not None:  # the same run was computed before: served from the store
            runs[i] = run
            reused.append(labels[i])
            tick = progress(labels[i]) if progress else None
            if tick is not None:
                tick(replications, replications)
    todo = [i for i in range(len(loaded)) if i not in runs]
    ticks = {i: progress(labels[i]) if progress else None for i in todo}
    results: dict[int, list] = {i: [] for i in todo}
    seconds = dict.fromkeys(todo, 0.0)
    started: dict[int, datetime] = {}

    def so_far(upto: int) -> None:  # the scenarios with results, the base among them
        if partial is not None and 0 in runs:
            have = sorted(runs)
            partial(_compared_runs([loaded[i] for i in have], [datasets[i] for i in have],
                                   [runs[i] for i in have], seed, upto))

    done = 0
    for upto in refinement_rounds(replications) if partial and todo else [replications]:
        for i in todo:
            started.setdefault(i, datetime.now(UTC))
            clock = time.perf_counter()
            tick = ticks[i]
            results[i] += run_replications(
                prepared[i].inputs, prepared[i].params, prepared[i].config, replications=upto,
                seed=seed, workers=workers, scheduler=scheduler, start=done,
                progress=None if tick is None else partial_tick(tick, replications))
            seconds[i] += time.perf_counter() - clock
            runs[i] = summarised_run(loaded[i], prepared[i],
                                     sorted(results[i], key=lambda r: r.replication),
                                     seed=seed, seconds=seconds[i])
            if done == 0 and len(runs) < len(loaded):  # first round: each scenario as it ends
                so_far(upto)
        done = upto
        if upto < replications:
            so_far(upto)
    if store is not None and todo:
        store_runs([(runs[i], loaded[i], started[i]) for i in todo], store)
    return replace(_compared_runs(loaded, datasets, [runs[i] for i in range(len(loaded))],
                                  seed, replications), reused=tuple(reused))


def partial_tick(tick: Progress, total: int) -> Progress:
    """A scenario's progress callback for one round: done out of the whole run's ``total``."""
    return lambda done, _round_total: tick(done, total)


def stored_comparison(loaded: Sequence[LoadedScenario], datasets: Sequence[Dataset], *,
                      seed: int, replications: int, store: RunStore) -> Comparison | None:
    """The comparison :func:`run_comparison` would give, read from the store when every
    scenario's run is there (same text, seed, replications, data set and code version:
    :func:`scenarios.run_reuse.stored_same_run`); None when one is missing. Nothing is
    prepared or simulated, so a page can show a run a job computed."""
    runs = [stored_same_run(store, item, ds.fingerprint, seed, replications)
            for item, ds in zip(loaded, datasets, strict=True)]
    if any(run is None for run in runs):
        return None
    return replace(_compared_runs(loaded, datasets, runs, seed, replications),
                   reused=tuple(unique_labels(loaded)))


def _compared_runs(loaded: Sequence[LoadedScenario], datasets: Sequence[Dataset],
                   runs: Sequence[SimulationRun], seed: int, replications: int) -> Comparison:
    """The runs as a comparison against the first, with today's process checked against
    its history."""
    results = []
    for run, item, ds, label in zip(runs, loaded, datasets, unique_labels(loaded), strict=True):
        check = None
        if is_todays_process(item.scenario):
            check = validate_baseline(ds, run.per_replication, item.scenario.horizon_days,
                                      item.scenario.warmup_days)
        results.append(ScenarioResult(item.path.name, label, item.scenario.description,
                                      run.result, run.per_replication, run.tables, check))
    return compare(results, seed, replications)


def comparison_summary(comparison: Comparison) -> dict:
    """The JSON document of ``pharmaops compare``: seed, replications, base, each scenario's
    run id, KPIs and target verdicts, and the paired differences against the base."""
    return {"seed": comparison.seed, "replications": comparison.replications,
            "base": comparison.base.label,
            "scenarios": {r.label: {k: doc[k] for k in ("run_id", "kpis", "targets")}
                          for r in comparison.results for doc in [r.result.to_json()]},
            "differences": comparison.differences}
