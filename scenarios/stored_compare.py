"""Compare runs from the store: KPIs side by side with their CIs and target verdicts, and the
differences of every run from the first (the base).

Two runs are differences of common random numbers only when they replayed the same random
streams on the same model: same seed, same data set (fingerprint), same simulated window and
same code version. Then replication ``i`` of one run is paired with replication ``i`` of the
other and the difference is the paired one (Law 2015, *Simulation Modeling and Analysis*,
§10.2.1). Otherwise the runs are independent samples, and the difference of means gets
Welch's unequal-variance t interval (Welch 1947), wider, with the reasons it could not be
paired."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from data.kpis import KPI_NAMES
from data.problems import InputError, Problem
from scenarios.result import RunResult
from scenarios.store import FINGERPRINT_SHORT_CHARS, RunStore, StoredRun
from simulation.summary import BETTER, difference_verdict, paired_differences

SOURCE = "runs compare"
PAIRED, UNPAIRED = "paired", "unpaired"
#: why two runs cannot be paired, as the CLI prints it ({base} / {other}: the two values)
REASONS = {
    "seed": "the seeds differ ({base} vs {other})",
    "no_seed": "a run has no recorded seed",
    "dataset": "the data sets differ (fingerprint {base} vs {other})",
    "window": "the simulated windows differ ({base} vs {other})",
    "code": "the code versions differ ({base} vs {other})",
    "replications": "the runs share no replication number",
}


@dataclass(frozen=True)
class StoredComparison:
    """Stored simulation runs, the first being the base: each run's label, result and
    per-replication KPIs; per other run, its differences from the base ``{kpi: {"mean",
    "ci95", "verdict", "better", "method"}}`` and how they were computed ``{"method",
    "pairs", "reasons": [{"reason", "base", "other"}]}``."""

    runs: tuple[StoredRun, ...]
    labels: tuple[str, ...]
    results: tuple[RunResult, ...]
    per_replication: tuple[pd.DataFrame, ...]
    differences: dict[str, dict]
    pairing: dict[str, dict]


def _short(fingerprint: str) -> str:
    return fingerprint.removeprefix("sha256:")[:FINGERPRINT_SHORT_CHARS]


def _window(run: StoredRun) -> str:
    w = run.summary.get("window") or {}
    return f"warm-up {w.get('warmup_days', '?')} d, horizon {w.get('horizon_days', '?')} d"


def pairing_obstacles(base: StoredRun, other: StoredRun) -> list[dict]:
    """Why ``other`` cannot share common random numbers with ``base`` (empty when it can):
    ``[{"reason", "base", "other"}]`` with reason a key of ``REASONS``."""
    found = []
    if base.seed is None or other.seed is None:
        found.append({"reason": "no_seed", "base": base.seed, "other": other.seed})
    elif base.seed != other.seed:
        found.append({"reason": "seed", "base": base.seed, "other": other.seed})
    if base.dataset_fingerprint != other.dataset_fingerprint:
        found.append({"reason": "dataset", "base": _short(base.dataset_fingerprint),
                      "other": _short(other.dataset_fingerprint)})
    if (base.summary.get("window") or {}) != (other.summary.get("window") or {}):
        found.append({"reason": "window", "base": _window(base), "other": _window(other)})
    if base.code_version != other.code_version:
        found.append({"reason": "code", "base": base.code_version, "other": other.code_version})
    return found


def reason_text(reason: dict) -> str:
    """One obstacle to pairing in words (English; the pages translate ``REASONS``)."""
    return REASONS[reason["reason"]].format(base=reason.get("base"), other=reason.get("other"))


def welch_differences(base: pd.DataFrame, other: pd.DataFrame,
                      names: Sequence[str] = KPI_NAMES, level: float = 0.95) -> dict:
    """Differences of means ``other − base`` of independent replications with Welch's t
    interval (Welch–Satterthwaite degrees of freedom): ``{name: {"mean", "ci95", "better",
    "verdict"}}`` as ``paired_differences`` gives them; no interval with fewer than 2
    replications on either side."""
    out = {}
    for name in names:
        a = base[name].to_numpy(dtype=float)
        b = other[name].to_numpy(dtype=float)
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        mean = float(b.mean() - a.mean()) if len(a) and len(b) else math.nan
        lo = hi = math.nan
        if len(a) >= 2 and len(b) >= 2:
            va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
            se = math.sqrt(va + vb)
            if se == 0:  # both samples constant: the difference is known exactly
                lo = hi = mean
            else:
                df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
                half = float(stats.t.ppf(0.5 + level / 2, df)) * se
                lo, hi = mean - half, mean + half
        found = difference_verdict(name, lo, hi)
        out[name] = {"mean": mean, "ci95": [lo, hi], "better": found == BETTER, "verdict": found}
    return out


def replication_frame(run: StoredRun) -> pd.DataFrame:
    """A simulation run's per-replication KPIs, one row per replication (the store keeps
    them wide or long)."""
    frame = run.replication_kpis
    if frame is None or frame.empty:
        raise InputError(Problem(SOURCE, run.run_id, "a run with per-replication KPIs",
                                 "none stored"))
    if {"kpi", "value"} <= set(frame.columns):
        frame = frame.pivot(index="replication", columns="kpi", values="value").reset_index()
    return frame.sort_values("replication").reset_index(drop=True)


def _labels(runs: Sequence[StoredRun]) -> tuple[str, ...]:
    names = [r.scenario_name for r in runs]
    return tuple(n if names.count(n) == 1 else f"{n} · {r.run_id}"
                 for n, r in zip(names, runs, strict=True))


def compare_stored(store: RunStore, run_ids: Sequence[str]) -> StoredComparison:
    """The stored runs ``run_ids`` (the first is the base) compared: paired differences
    where the runs share their random numbers, Welch's where they do not. Every problem
    (an unknown id, a run that is not a simulation, fewer than two runs) is refused first."""
    ids = [str(r) for r in run_ids]
    problems = []
    if len(ids) < 2:
        problems.append(Problem(SOURCE, "RUN_ID", "at least two run ids (the first is the "
                                "base)", f"{len(ids)}"))
    repeated = sorted({r for r in ids if ids.count(r) > 1})
    if repeated:
        problems.append(Problem(SOURCE, "RUN_ID", "each run once", ", ".join(repeated)))
    if problems:
        raise InputError(problems)
    runs = [store.get(r) for r in ids]  # an unknown id: UnknownRunError with close ids
    for run in runs:
        if run.kind != "simulation":
            problems.append(Problem(SOURCE, run.run_id, "a simulation run",
                                    f"a {run.kind} run"))
    if problems:
        raise InputError(problems)
    frames = [replication_frame(r) for r in runs]
    labels = _labels(runs)
    base, base_frame = runs[0], frames[0]
    differences, pairing = {}, {}
    for run, frame, label in zip(runs[1:], frames[1:], labels[1:], strict=True):
        names = tuple(n for n in KPI_NAMES if n in base_frame and n in frame)
        reasons = pairing_obstacles(base, run)
        pairs = len(set(base_frame["replication"]) & set(frame["replication"]))
        if not reasons and pairs == 0:
            reasons = [{"reason": "replications", "base": None, "other": None}]
        if reasons:
            found, method = welch_differences(base_frame, frame, names), UNPAIRED
        else:
            found, method = paired_differences(base_frame, frame, names), PAIRED
        differences[label] = {k: {**v, "method": method} for k, v in found.items()}
        pairing[label] = {"method": method, "pairs": pairs if method == PAIRED else 0,
                          "reasons": reasons}
    results = tuple(RunResult.from_json(r.summary) for r in runs)
    return StoredComparison(tuple(runs), labels, results, tuple(frames), differences, pairing)


def stored_comparison_summary(comparison: StoredComparison) -> dict:
    """The JSON document of ``pharmaops runs compare``: the base, each run's id, scenario,
    seed, KPIs and target verdicts, and each other run's differences and pairing."""
    return {
        "base": comparison.labels[0],
        "runs": {label: {"run_id": run.run_id, "scenario_name": run.scenario_name,
                         "seed": run.seed, "kpis": doc["kpis"], "targets": doc["targets"]}
                 for label, run, result in zip(comparison.labels, comparison.runs,
                                               comparison.results, strict=True)
                 for doc in [result.to_json()]},
        "differences": comparison.differences,
        "pairing": {label: {**p, "notes": [reason_text(r) for r in p["reasons"]]}
                    for label, p in comparison.pairing.items()},
    }
