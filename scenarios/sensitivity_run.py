"""A scenario's sensitivity to its assumptions: which verdicts flip within the evidence.

The scenario is prepared once (:func:`scenarios.run.prepare`: data set, today's process, credit
tiers, the location model's sites); each evaluation changes only its assumptions
(:func:`scenarios.run.with_assumptions`) and simulates with the scenario's seed, so every
evaluation sees the same orders and the same luck (common random numbers) and the differences
between them are the assumptions' alone. The assumptions varied are those the scenario's levers
use (:func:`scenarios.evidence.in_play`; the others change no figure), over their plausible
ranges (:func:`scenarios.evidence.assumption_range`). The method is
:func:`scenarios.sensitivity.sensitivity`; ``pharmaops sensitivity`` and the committee page
call :func:`run_sensitivity`. Sensitivity runs are not kept in the run store.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from data.kpis import KPI_NAMES
from data.problems import Problem, ScenarioError
from scenarios.evidence import assumption_range, assumption_rows, in_play
from scenarios.loading import LoadedScenario
from scenarios.run import (
    WORK_ASSUMPTIONS,
    Prepared,
    resolved_scenario,
    simulate,
    with_assumptions,
)
from scenarios.schema import Assumptions
from scenarios.sensitivity import (
    CORNERS,
    JOINT,
    VERDICT_RULE,
    Evaluation,
    Flip,
    Progress,
    Sensitivity,
    sensitivity,
)
from simulation.summary import Estimate

#: the method, as the JSON states it
METHOD = ("one at a time (each assumption at its low and its high, the others at the "
          "scenario's values), all at low and all at high, and per KPI the least and the most "
          "favourable corner (each assumption at the end that moved the KPI away from / towards "
          "its target one at a time); common random numbers (the scenario's seed)")


@dataclass(frozen=True)
class ScenarioSensitivity:
    """A scenario's sensitivity: what was varied, how, and what it found."""

    scenario: str
    seed: int
    replications: int
    dataset: str
    dataset_fingerprint: str
    window: dict[str, int]
    #: the assumptions varied: ``{name: {"value", "low", "high", "source"}}``
    varied: dict[str, dict]
    #: the assumptions not varied, with why
    not_varied: dict[str, str]
    result: Sensitivity
    runtime_s: float

    @property
    def settings_simulated(self) -> int:
        """Distinct settings of the assumptions simulated (the base included)."""
        return len({tuple(sorted(e.settings.items())) for e in self.result.evaluations})

    @classmethod
    def from_json(cls, doc: dict) -> ScenarioSensitivity:
        """The sensitivity :meth:`to_json` wrote (e.g. by a job of the app's queue)."""
        evaluations = tuple(Evaluation.from_json(e) for e in doc["evaluations"])
        varied = {k: dict(v) for k, v in doc["assumptions"].items()}
        result = Sensitivity(
            {k: v["value"] for k, v in varied.items()},
            {k: (v["low"], v["high"]) for k, v in varied.items()}, dict(doc["targets"]),
            next(e for e in evaluations if e.kind == "base"), evaluations,
            flips=tuple(Flip(**f) for f in doc["flips"]))
        return cls(doc["scenario"], doc["seed"], doc["replications"], doc["dataset"],
                   doc["dataset_fingerprint"], dict(doc["window"]), varied,
                   dict(doc["not_varied"]), result, doc["runtime_s"])

    def to_json(self) -> dict:
        """The ``pharmaops sensitivity --json`` document (docs/scenarios.md)."""
        doc = self.result.to_json()
        base = self.result.base
        return {
            "scenario": self.scenario, "seed": self.seed, "replications": self.replications,
            "dataset": self.dataset, "dataset_fingerprint": self.dataset_fingerprint,
            "window": dict(self.window), "method": METHOD, "verdict_rule": VERDICT_RULE,
            "assumptions": {k: dict(v) for k, v in self.varied.items()},
            "not_varied": dict(self.not_varied), "targets": doc["targets"],
            "base": {k: {**base.estimates[k].to_json(), "verdict": base.verdicts[k],
                         "met": base.met[k]} for k in self.result.targets},
            "flips": doc["flips"], "table": doc["table"], "evaluations": doc["evaluations"],
            "runtime_s": self.runtime_s,
        }


def chosen_assumptions(loaded: LoadedScenario, names: Sequence[str] | None) -> list[str]:
    """The assumptions to vary: ``names`` (each a field of ``[assumptions]``), or those the
    scenario's levers use."""
    if names is None:
        return in_play(loaded.scenario)
    unknown = [n for n in names if n not in Assumptions.model_fields]
    if unknown or not names:
        raise ScenarioError(Problem(
            "--assumptions", "", "names of [assumptions] fields: "
            + ", ".join(Assumptions.model_fields), ", ".join(unknown) or "none"))
    return list(dict.fromkeys(names))


def _refused(loaded: LoadedScenario, settings: Mapping[str, float],
             exc: ScenarioError) -> ScenarioError:
    shown = ", ".join(f"{k} = {v:g}" for k, v in settings.items())
    return ScenarioError([Problem(p.source, p.location, p.expected,
                                  f"{p.found} (sensitivity setting: {shown})")
                          for p in exc.problems],
                         summary=f"{loaded.path.name}: a plausible setting cannot be simulated")


def run_sensitivity(loaded: LoadedScenario, prepared: Prepared, *,
                    replications: int | None = None, seed: int | None = None,
                    workers: int | None = None, scheduler: str | None = None,
                    assumptions: Sequence[str] | None = None,
                    progress: Progress | None = None) -> ScenarioSensitivity:
    """Vary ``assumptions`` (default: those the scenario's levers use) over their plausible
    ranges and report which target verdicts flip (:func:`scenarios.sensitivity.sensitivity`).
    Every evaluation runs ``replications`` (default: the scenario's) with ``seed`` (default:
    the scenario's). A setting whose preparation is refused (the staffing assumption's work
    net of the modelled wait, docs/simulation.md) is a :class:`ScenarioError` naming it, found
    before any replication runs."""
    started = time.perf_counter()
    scenario = loaded.scenario
    names = chosen_assumptions(loaded, assumptions)
    ranges = {name: assumption_range(scenario, name) for name in names}
    targets = scenario.targets.model_dump()
    replications = replications or scenario.replications
    seed = scenario.seed if seed is None else seed
    for name in set(names) & set(WORK_ASSUMPTIONS):  # may refuse a value: try each end first
        for end in ranges[name]:
            try:
                with_assumptions(loaded, prepared, {name: end})
            except ScenarioError as exc:
                raise _refused(loaded, {name: end}, exc) from None

    def evaluate(overrides: Mapping[str, float]) -> dict[str, Estimate]:
        try:
            changed, again = with_assumptions(loaded, prepared, overrides)
        except ScenarioError as exc:
            raise _refused(loaded, overrides, exc) from None
        run = simulate(changed, again, replications=replications, seed=seed, workers=workers,
                       scheduler=scheduler)
        return {k: run.result.kpis[k] for k in KPI_NAMES}

    result = sensitivity(evaluate, scenario.assumptions.model_dump(), ranges, targets,
                         progress=progress)
    rows = assumption_rows(scenario)
    resolved = resolved_scenario(scenario, prepared)
    return ScenarioSensitivity(
        scenario=scenario.name, seed=seed, replications=replications,
        dataset=str(loaded.dataset_path), dataset_fingerprint=prepared.dataset.fingerprint,
        window={"warmup_days": resolved.warmup_days, "horizon_days": resolved.horizon_days},
        varied={n: {k: rows[n][k] for k in ("value", "low", "high", "source")} for n in names},
        not_varied={n: "no lever of the scenario uses it" if not rows[n]["used"] else
                    "not asked for" for n in Assumptions.model_fields if n not in names},
        result=result, runtime_s=time.perf_counter() - started)


# --------------------------------------------------------------------------- tables for people
def base_table(result: ScenarioSensitivity) -> pd.DataFrame:
    """The verdicts at the scenario's own assumptions: mean, 95% CI, target, verdict."""
    base = result.result.base
    return pd.DataFrame([{"kpi": k, "mean": base.estimates[k].mean,
                          "ci95_lo": base.estimates[k].ci_low,
                          "ci95_hi": base.estimates[k].ci_high, "target": target,
                          "verdict": base.verdicts[k]}
                         for k, target in result.result.targets.items()]).set_index("kpi")


def verdict_grid(result: ScenarioSensitivity) -> pd.DataFrame:
    """Assumption (and the joint rows) × KPI: ``verdict at low → verdict at high`` where a
    verdict flips, ``·`` where both ends keep the verdict at base."""
    table = result.result.table()
    cells = table.assign(cell=[f"{r.verdict_at_low} → {r.verdict_at_high}" if r.flips else "·"
                               for r in table.itertuples()])
    grid = cells.pivot(index="assumption", columns="kpi", values="cell")
    order = [*result.result.ranges, JOINT, CORNERS]
    return grid.loc[order, list(result.result.targets)]
