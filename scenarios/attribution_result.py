"""A lever attribution as the program holds it, its JSON, and its place in the run store.

An attribution is stored as a run of kind ``attribution`` (``scenarios.records.ATTRIBUTION``):
its summary is :meth:`Attribution.to_json`, its decision tables the contributions (long) and
the per-replication Shapley values; it has no ``replication_kpis``, so nothing that reads
simulation runs takes it for one. :func:`latest_attribution` finds the newest stored one for
a base and a plan file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from data.kpis import KPI_NAMES
from scenarios.jsonio import json_ready
from scenarios.records import ATTRIBUTION, RunRecord
from scenarios.store import RunStore, code_version
from simulation.summary import Estimate

#: every coalition simulated, Shapley values exact
EXACT = "exact"
#: Shapley values from sampled orders of the groups
SAMPLED = "sampled"
#: each group added to the base and removed from the plan (no Shapley values)
ONE_AT_A_TIME = "one_at_a_time"
METHODS = (EXACT, SAMPLED, ONE_AT_A_TIME)

Estimates = dict[str, Estimate]


def _json(estimates: Mapping[str, Estimate]) -> dict:
    return {k: v.to_json() for k, v in estimates.items()}


def _read(doc: Mapping | None) -> Estimates:
    return {str(k): Estimate.from_json(v) for k, v in (doc or {}).items()}


def _read_groups(doc: Mapping | None) -> dict[str, Estimates]:
    return {str(g): _read(v) for g, v in (doc or {}).items()}


@dataclass(frozen=True)
class Attribution:
    """What each lever group contributes to each KPI from base to plan.

    ``total`` is plan − base paired over replications; ``contributions`` the Shapley values
    (mean and 95% CI over replications; sampled: widened by the orders' sampling error), which
    add up to ``total``; ``added`` / ``removed`` the one-at-a-time view (each group added to
    the base / removed from the plan); ``coalitions`` each simulated coalition's KPI means.
    Units are the KPIs' own (days, shares)."""

    method: str
    base_name: str
    plan_name: str
    base_file: str
    plan_file: str
    base_text: str
    plan_text: str
    groups: tuple[str, ...]
    seed: int
    replications: int
    dataset: str
    dataset_fingerprint: str
    window: dict[str, int]
    base_kpis: Estimates
    plan_kpis: Estimates
    total: Estimates
    coalitions: dict[str, dict[str, float]]
    runtime_s: float
    contributions: dict[str, Estimates] = field(default_factory=dict)
    added: dict[str, Estimates] = field(default_factory=dict)
    removed: dict[str, Estimates] = field(default_factory=dict)
    #: per group, replications × KPIs (not in the JSON; stored as a table)
    per_replication: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    permutations: int | None = None
    sampling_half_width: dict[str, dict[str, float]] = field(default_factory=dict)
    run_id: str | None = None

    @property
    def kpis(self) -> tuple[str, ...]:
        return KPI_NAMES

    def residual(self, kpi: str) -> float:
        """total − Σ contributions of ``kpi`` (0 up to rounding: efficiency)."""
        return self.total[kpi].mean - sum(c[kpi].mean for c in self.contributions.values())

    def to_json(self) -> dict:
        """The ``pharmaops attribute --json`` document (docs/attribution.md)."""
        return json_ready({
            "kind": ATTRIBUTION, "method": self.method, "run_id": self.run_id,
            "base": {"name": self.base_name, "file": self.base_file, "text": self.base_text},
            "plan": {"name": self.plan_name, "file": self.plan_file, "text": self.plan_text},
            "groups": list(self.groups), "seed": self.seed, "replications": self.replications,
            "permutations": self.permutations, "dataset": self.dataset,
            "dataset_fingerprint": self.dataset_fingerprint, "window": dict(self.window),
            "kpis": list(KPI_NAMES), "base_kpis": _json(self.base_kpis),
            "plan_kpis": _json(self.plan_kpis), "total": _json(self.total),
            "contributions": {g: _json(e) for g, e in self.contributions.items()},
            "sampling_half_width": self.sampling_half_width,
            "added": {g: _json(e) for g, e in self.added.items()},
            "removed": {g: _json(e) for g, e in self.removed.items()},
            "coalitions": self.coalitions, "runtime_s": self.runtime_s})

    @classmethod
    def from_json(cls, doc: Mapping, per_replication: Mapping[str, np.ndarray] | None = None
                  ) -> Attribution:
        base, plan = doc.get("base") or {}, doc.get("plan") or {}
        return cls(
            method=str(doc["method"]), base_name=str(base.get("name", "")),
            plan_name=str(plan.get("name", "")), base_file=str(base.get("file", "")),
            plan_file=str(plan.get("file", "")), base_text=str(base.get("text", "")),
            plan_text=str(plan.get("text", "")), groups=tuple(doc.get("groups") or ()),
            seed=int(doc["seed"]), replications=int(doc["replications"]),
            dataset=str(doc.get("dataset", "")),
            dataset_fingerprint=str(doc.get("dataset_fingerprint", "")),
            window=dict(doc.get("window") or {}), base_kpis=_read(doc.get("base_kpis")),
            plan_kpis=_read(doc.get("plan_kpis")), total=_read(doc.get("total")),
            coalitions={str(c): {str(k): math.nan if v is None else float(v)
                                 for k, v in kpis.items()}
                        for c, kpis in (doc.get("coalitions") or {}).items()},
            runtime_s=float(doc.get("runtime_s") or 0.0),
            contributions=_read_groups(doc.get("contributions")),
            added=_read_groups(doc.get("added")), removed=_read_groups(doc.get("removed")),
            per_replication=dict(per_replication or {}),
            permutations=doc.get("permutations"),
            sampling_half_width={str(g): {str(k): math.nan if v is None else float(v)
                                          for k, v in h.items()}
                                 for g, h in (doc.get("sampling_half_width") or {}).items()},
            run_id=doc.get("run_id"))

    # ------------------------------------------------------------------ tables for people
    def table(self, which: str = "contributions") -> pd.DataFrame:
        """Long table: group, kpi, mean, ci95_lo, ci95_hi (``which``: contributions, added or
        removed), with the base, the total and the plan as rows of their own."""
        rows = [{"group": "base", "kpi": k, "mean": e.mean, "ci95_lo": e.ci_low,
                 "ci95_hi": e.ci_high} for k, e in self.base_kpis.items()]
        for group, estimates in getattr(self, which).items():
            rows += [{"group": group, "kpi": k, "mean": e.mean, "ci95_lo": e.ci_low,
                      "ci95_hi": e.ci_high} for k, e in estimates.items()]
        for name, estimates in (("total", self.total), ("plan", self.plan_kpis)):
            rows += [{"group": name, "kpi": k, "mean": e.mean, "ci95_lo": e.ci_low,
                      "ci95_hi": e.ci_high} for k, e in estimates.items()]
        return pd.DataFrame(rows, columns=["group", "kpi", "mean", "ci95_lo", "ci95_hi"])

    def per_replication_table(self) -> pd.DataFrame:
        """One row per group and replication: its Shapley value of every KPI."""
        frames = [pd.DataFrame(values, columns=list(KPI_NAMES)).assign(
            group=group, replication=np.arange(len(values)))
            for group, values in self.per_replication.items()]
        if not frames:
            return pd.DataFrame(columns=["group", "replication", *KPI_NAMES])
        return pd.concat(frames, ignore_index=True)[["group", "replication", *KPI_NAMES]]


# ------------------------------------------------------------------------ the run store
def attribution_record(found: Attribution, started_at: datetime) -> RunRecord:
    """The run-store record of an attribution (kind ``attribution``; the plan's text as the
    scenario text, the base's in the summary)."""
    return RunRecord(
        kind=ATTRIBUTION, scenario_name=f"{found.base_name} → {found.plan_name}",
        scenario_text=found.plan_text, dataset_path=found.dataset,
        dataset_fingerprint=found.dataset_fingerprint, code_version=code_version(),
        seed=found.seed, started_at=started_at, ended_at=datetime.now(UTC),
        status="completed", summary=found.to_json(), replication_kpis=None,
        decision_tables={"contributions": found.table(),
                         "per_replication": found.per_replication_table()})


def store_attribution(found: Attribution, store: RunStore,
                      started_at: datetime) -> Attribution:
    """Keep ``found`` in one transaction; the same attribution with its run id."""
    run_id = store.save(attribution_record(found, started_at))
    return replace(found, run_id=run_id)


def _per_replication(table: pd.DataFrame | None) -> dict[str, np.ndarray]:
    if table is None or table.empty:
        return {}
    return {str(g): rows.sort_values("replication")[list(KPI_NAMES)].to_numpy(dtype=float)
            for g, rows in table.groupby("group", sort=False)}


def stored_attribution(store: RunStore, run_id: str) -> Attribution:
    """The stored attribution ``run_id``."""
    run = store.get(run_id)
    found = Attribution.from_json(run.summary,
                                  _per_replication(run.decision_tables.get("per_replication")))
    return replace(found, run_id=run.run_id)


def _same_file(a: str, b: str | Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def latest_attribution(store: RunStore, base_file: str | Path, plan_file: str | Path,
                       methods: tuple[str, ...] = (EXACT, SAMPLED)) -> Attribution | None:
    """The newest stored attribution of ``plan_file`` against ``base_file`` by one of
    ``methods``; None when there is none."""
    runs = store.list_runs()
    for run_id in runs.loc[runs["kind"] == ATTRIBUTION, "run_id"]:
        summary = store.get(run_id).summary
        base, plan = summary.get("base") or {}, summary.get("plan") or {}
        if (summary.get("method") in methods and _same_file(base.get("file", ""), base_file)
                and _same_file(plan.get("file", ""), plan_file)):
            return stored_attribution(store, run_id)
    return None
