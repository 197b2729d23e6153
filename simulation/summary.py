"""Statistics across replications: mean, 95% confidence interval, P10/P90, target verdicts,
and paired differences between scenarios run with common random numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from data.kpis import KPI_NAMES

#: KPIs where more is better; for the others less is better
HIGHER_IS_BETTER = frozenset({"on_time_rate", "new_customers_per_year"})


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent replication values (NaN ignored)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return math.nan, math.nan, math.nan
    mean = float(v.mean())
    if len(v) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return mean, mean - half, mean + half


@dataclass(frozen=True)
class Estimate:
    """A figure over replications: mean, 95% confidence interval of the mean, P10 and P90 of
    the replications (NaN where there are too few)."""

    mean: float
    ci_low: float
    ci_high: float
    p10: float
    p90: float

    @property
    def ci95(self) -> tuple[float, float]:
        return self.ci_low, self.ci_high

    def to_json(self) -> dict:
        return {"mean": self.mean, "ci95": [self.ci_low, self.ci_high], "p10": self.p10,
                "p90": self.p90}

    @classmethod
    def from_json(cls, doc: dict) -> Estimate:
        lo, hi = doc.get("ci95") or (None, None)
        return cls(*(math.nan if v is None else float(v)
                     for v in (doc.get("mean"), lo, hi, doc.get("p10"), doc.get("p90"))))


@dataclass(frozen=True)
class Verdict:
    """A KPI against its target: whether the mean meets it, and the share of replications
    that do (an estimate of P(meet))."""

    target: float
    met: bool
    probability: float

    def to_json(self) -> dict:
        return {"target": self.target, "met": self.met, "probability": self.probability}

    @classmethod
    def from_json(cls, doc: dict) -> Verdict:
        probability = doc.get("probability")
        return cls(float(doc["target"]), bool(doc.get("met")),
                   math.nan if probability is None else float(probability))


def summarize(per_replication: pd.DataFrame,
              names: tuple[str, ...] = KPI_NAMES) -> dict[str, Estimate]:
    """An :class:`Estimate` per name over replication rows."""
    out = {}
    for name in names:
        values = per_replication[name].to_numpy(dtype=float)
        mean, lo, hi = mean_ci(values)
        finite = values[np.isfinite(values)]
        out[name] = Estimate(mean, lo, hi,
                             float(np.percentile(finite, 10)) if len(finite) else math.nan,
                             float(np.percentile(finite, 90)) if len(finite) else math.nan)
    return out


def meets(name: str, value: float, target: float) -> bool:
    """Whether ``value`` meets ``target`` (direction by KPI)."""
    return value >= target if name in HIGHER_IS_BETTER else value <= target


def target_verdicts(per_replication: pd.DataFrame,
                    targets: dict[str, float]) -> dict[str, Verdict]:
    """A :class:`Verdict` per target: met = the mean meets the target; probability = share of
    replications that meet it (an estimate of P(meet))."""
    out = {}
    for name, target in targets.items():
        values = per_replication[name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        mean = float(values.mean()) if len(values) else math.nan
        out[name] = Verdict(target, bool(len(values) and meets(name, mean, target)),
                            float(np.mean([meets(name, v, target) for v in values]))
                            if len(values) else math.nan)
    return out


def paired_differences(base: pd.DataFrame, other: pd.DataFrame,
                       names: tuple[str, ...] = KPI_NAMES) -> dict:
    """Paired differences ``other − base`` per replication (same seeds ⇒ common random
    numbers): ``{name: {"mean", "ci95": [lo, hi], "better"}}``; ``better`` is true when the
    whole interval lies on the improving side."""
    joined = base.merge(other, on="replication", how="inner", suffixes=("_a", "_b"))
    out = {}
    for name in names:
        diff = (joined[f"{name}_b"] - joined[f"{name}_a"]).to_numpy(dtype=float)
        mean, lo, hi = mean_ci(diff)
        better = (lo > 0) if name in HIGHER_IS_BETTER else (hi < 0)
        out[name] = {"mean": mean, "ci95": [lo, hi], "better": bool(better)}
    return out


def stage_summary(stage_frames: list[pd.DataFrame]) -> dict:
    """Mean over replications of each stage statistic, in the JSON contract's names."""
    stacked = pd.concat(stage_frames)
    means = stacked.groupby(level=0).mean(numeric_only=True)
    return {stage: {"utilization": row["utilization"], "mean_wait_days": row["mean_wait_days"],
                    "mean_time_days": row["mean_time_days"],
                    "mean_queue_length": row["mean_queue_length"],
                    "visits_per_replication": row["visits"]}
            for stage, row in means.iterrows()}


def per_replication_frame(results) -> pd.DataFrame:
    """One row per replication: ``replication`` and its KPIs (overall and details)."""
    return pd.DataFrame([{"replication": r.replication, **r.kpis} for r in results])


def mean_table(frames: list[pd.DataFrame], key: str) -> pd.DataFrame:
    """Per-replication tables stacked and averaged per ``key`` (e.g. region, site_id)."""
    return pd.concat(frames).groupby(key).mean(numeric_only=True).reset_index()
