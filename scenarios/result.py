"""The result of a scenario run, as the program holds it; JSON only at the edges.

:class:`RunResult` is what :func:`scenarios.run.simulate` returns inside the program (the CLI's
tables, the committee page, comparisons read its fields); :meth:`RunResult.to_json` writes the
``pharmaops run --json`` contract of docs/simulation.md (also the run store's summary), and
:meth:`RunResult.from_json` reads a stored summary back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from simulation.summary import UNKNOWN, Estimate, Verdict, rederive

Estimates = dict[str, Estimate]


def _estimates(doc: Mapping | None) -> Estimates:
    return {str(k): Estimate.from_json(v) for k, v in (doc or {}).items()}


def _grouped(doc: Mapping | None) -> dict[str, Estimates]:
    return {str(k): _estimates(v) for k, v in (doc or {}).items()}


def _json(estimates: Mapping[str, Estimate]) -> dict:
    return {k: v.to_json() for k, v in estimates.items()}


@dataclass(frozen=True)
class ForwardStockResult:
    """The forward stock's policy settings, the plan's expected stock (stocking model, not
    simulated) and, per forward warehouse, its simulated fill rate, orders and splits."""

    policy: str
    fill_rate_target: float
    review_days: float | None
    stocked_products: int
    holding_cost_cny_per_year: float
    safety_stock_units: float
    by_site: dict[str, Estimates] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"policy": self.policy, "fill_rate_target": self.fill_rate_target,
                "review_days": self.review_days, "stocked_products": self.stocked_products,
                "holding_cost_cny_per_year": self.holding_cost_cny_per_year,
                "safety_stock_units": self.safety_stock_units,
                "by_site": {s: _json(e) for s, e in self.by_site.items()}}

    @classmethod
    def from_json(cls, doc: Mapping) -> ForwardStockResult:
        return cls(str(doc.get("policy")), float(doc.get("fill_rate_target") or math.nan),
                   doc.get("review_days"), int(doc.get("stocked_products") or 0),
                   float(doc.get("holding_cost_cny_per_year") or 0.0),
                   float(doc.get("safety_stock_units") or 0.0), _grouped(doc.get("by_site")))


def _verdicts(doc: Mapping | None, kpis: Estimates, replications: int) -> dict[str, Verdict]:
    """Stored verdicts; one stored before verdicts had a status is recomputed from its KPI's
    stored mean and 95% CI (its old ``met`` and ``probability`` meant something else)."""
    out = {}
    for name, v in (doc or {}).items():
        verdict = Verdict.from_json(v)
        if verdict.status == UNKNOWN and name in kpis:
            verdict = rederive(name, kpis[name], replications, verdict.target)
        out[str(name)] = verdict
    return out


@dataclass(frozen=True)
class RunResult:
    """One scenario run: KPIs and details over replications, target verdicts, stage
    statistics, groups, the warehouse choice and forward stock, provenance, and the
    assumptions it ran with (value, plausible range, source)."""

    scenario: str
    seed: int
    replications: int
    kpis: Estimates
    targets: dict[str, Verdict]
    stages: dict[str, dict[str, float]]
    details: Estimates
    by_region: dict[str, Estimates]
    by_tier: dict[str, Estimates]
    #: how the forward warehouses were chosen: the location model's JSON-ready summary
    #: ("optimize") or the scenario's list
    warehouses: dict
    forward_stock: ForwardStockResult | None
    dataset: str
    dataset_fingerprint: str
    calibration: str
    window: dict[str, int]
    runtime_s: float
    run_id: str | None = None
    #: every assumption as run: ``{name: {"value", "low", "high", "source", "used"}}`` (its
    #: plausible range and source from scenarios.evidence; ``used``: a lever puts it to use)
    assumptions: dict[str, dict] = field(default_factory=dict)
    #: the call plan behind territory.allocation = "optimize" (empty under "current"): status,
    #: gap, reps, calls and sales a month today and planned (docs/territory.md)
    call_plan: dict = field(default_factory=dict)
    #: the academic specialists' plan behind territory.academic_specialist_for_core (empty:
    #: meetings as today): the effect, meetings today and planned, sales change (docs/territory.md)
    academic_meetings: dict = field(default_factory=dict)
    #: the selling-expense projection: today's ratio, unit costs and volumes, the volumes run
    #: and the target change in points (empty without selling expenses; docs/simulation.md)
    selling_expenses: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The ``pharmaops run --json`` document (docs/simulation.md)."""
        return {
            "scenario": self.scenario, "run_id": self.run_id, "seed": self.seed,
            "replications": self.replications, "kpis": _json(self.kpis),
            "targets": {k: v.to_json() for k, v in self.targets.items()},
            "stages": {k: dict(v) for k, v in self.stages.items()},
            "details": _json(self.details),
            "by_region": {g: _json(e) for g, e in self.by_region.items()},
            "by_tier": {g: _json(e) for g, e in self.by_tier.items()},
            "warehouses": self.warehouses,
            "forward_stock": None if self.forward_stock is None else self.forward_stock.to_json(),
            "dataset": self.dataset, "dataset_fingerprint": self.dataset_fingerprint,
            "calibration": self.calibration, "window": dict(self.window),
            "runtime_s": self.runtime_s,
            "assumptions": {k: dict(v) for k, v in self.assumptions.items()},
            "call_plan": dict(self.call_plan),
            "academic_meetings": dict(self.academic_meetings),
            "selling_expenses": dict(self.selling_expenses),
        }

    @classmethod
    def from_json(cls, doc: Mapping) -> RunResult:
        """A stored or written run summary read back (missing parts empty)."""
        stock = doc.get("forward_stock")
        kpis, reps = _estimates(doc.get("kpis")), int(doc.get("replications") or 0)
        return cls(
            scenario=str(doc.get("scenario", "")), seed=int(doc.get("seed") or 0),
            replications=reps, kpis=kpis, targets=_verdicts(doc.get("targets"), kpis, reps),
            stages={str(k): dict(v) for k, v in (doc.get("stages") or {}).items()},
            details=_estimates(doc.get("details")), by_region=_grouped(doc.get("by_region")),
            by_tier=_grouped(doc.get("by_tier")), warehouses=dict(doc.get("warehouses") or {}),
            forward_stock=None if stock is None else ForwardStockResult.from_json(stock),
            dataset=str(doc.get("dataset", "")),
            dataset_fingerprint=str(doc.get("dataset_fingerprint", "")),
            calibration=str(doc.get("calibration", "")), window=dict(doc.get("window") or {}),
            runtime_s=float(doc.get("runtime_s") or 0.0), run_id=doc.get("run_id"),
            assumptions={str(k): dict(v) for k, v in (doc.get("assumptions") or {}).items()},
            call_plan=dict(doc.get("call_plan") or {}),
            academic_meetings=dict(doc.get("academic_meetings") or {}),
            selling_expenses=dict(doc.get("selling_expenses") or {}))
