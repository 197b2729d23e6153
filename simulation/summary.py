"""Statistics across replications: mean, 95% confidence interval, P10/P90, target verdicts
(status, predictive probability of meeting, replications to decide), and paired differences
between scenarios run with common random numbers."""

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
    half = _half_width(float(v.std(ddof=1)), len(v), level)
    return mean, mean - half, mean + half


def _half_width(sd: float, n: int, level: float = 0.95) -> float:
    """Half-width t_{(1+level)/2, n−1}·sd/√n of the Student-t CI of a mean of n values."""
    return float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))


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


#: a target's status (:func:`target_verdicts`)
MET, NOT_MET, UNCERTAIN, TOO_FEW = "met", "not met", "uncertain", "too few replications"
#: a stored verdict from before the status existed (:meth:`Verdict.from_json`)
UNKNOWN = "unknown"
#: paired difference verdicts (:func:`paired_differences`)
BETTER, WORSE, NO_CLEAR_DIFFERENCE = "better", "worse", "no clear difference"
#: replication counts are searched up to this many; a count equal to it means "this or more"
REPLICATIONS_CAP = 10_000


def _half_widths(sd: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """n = 2 … :data:`REPLICATIONS_CAP` and the Student-t CI half-width t·sd/√n at each."""
    n = np.arange(2, REPLICATIONS_CAP + 1)
    return n, stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)


def replications_for_precision(sd: float, half_width: float, level: float = 0.95) -> int:
    """Smallest replication count n ≥ 2 whose confidence interval of the mean has half-width
    t_{(1+level)/2, n−1}·sd/√n ≤ ``half_width`` (sd and half_width in the KPI's unit), from
    the replications' sample sd; :data:`REPLICATIONS_CAP` when not reached below it (read as
    "this many or more"). The half-width falls with n (t falls, √n rises), so the first n
    that reaches it is the answer (Law, *Simulation Modeling and Analysis*, 5th ed., §9.4.1)."""
    if not (math.isfinite(sd) and sd >= 0 and half_width >= 0):
        raise ValueError(f"sd and half_width must be finite and ≥ 0, got {sd}, {half_width}")
    n, half = _half_widths(sd, level)
    reached = np.flatnonzero(half <= half_width)
    return int(n[reached[0]]) if len(reached) else REPLICATIONS_CAP


def replications_to_decide(mean: float, sd: float, target: float,
                           level: float = 0.95) -> int | None:
    """Smallest n ≥ 2 whose CI half-width t·sd/√n would be below |mean − target|, so that the
    CI would lie wholly on one side of the target if mean and sd stayed as they are; None when
    mean equals the target or sd is unknown; :data:`REPLICATIONS_CAP` means that many or more."""
    gap = abs(mean - target)
    if not (math.isfinite(sd) and math.isfinite(gap)) or gap == 0:
        return None
    n, half = _half_widths(sd, level)
    reached = np.flatnonzero(half < gap)
    return int(n[reached[0]]) if len(reached) else REPLICATIONS_CAP


def probability_of_meeting(name: str, mean: float, sd: float, n: int, target: float) -> float:
    """Predictive probability that one more simulated year meets ``target``, from n
    replications with mean m and sample sd s: for lower-is-better KPIs
    F_{t, n−1}((target − m) / (s·√(1 + 1/n))), mirrored for higher-is-better; 1 or 0 when
    s = 0; NaN with fewer than 2 replications. (m − x_new)/(s·√(1 + 1/n)) is Student t with
    n − 1 degrees of freedom for a normal sample: the prediction interval of a normal sample,
    Geisser, *Predictive Inference* (1993), §2.1; Hahn & Meeker, *Statistical Intervals*
    (1991), §4.7.)"""
    if n < 2 or not (math.isfinite(mean) and math.isfinite(sd)):
        return math.nan
    if sd == 0:
        return float(meets(name, mean, target))
    gap = mean - target if name in HIGHER_IS_BETTER else target - mean
    return float(stats.t.cdf(gap / (sd * math.sqrt(1 + 1 / n)), n - 1))


def ci_status(name: str, lo: float, hi: float, target: float) -> str:
    """Where a 95% CI ``[lo, hi]`` lies against ``target``: met when wholly on the meeting
    side (touching the target counts as meeting, as :func:`meets`), not met when wholly on
    the other side, uncertain otherwise, too few replications without a CI (NaN ends)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return TOO_FEW
    if meets(name, lo, target) and meets(name, hi, target):
        return MET
    if not meets(name, lo, target) and not meets(name, hi, target):
        return NOT_MET
    return UNCERTAIN


@dataclass(frozen=True)
class Verdict:
    """A KPI against its target, from the 95% CI of its mean over replications.

    ``status``: met / not met (the CI wholly on the meeting / the other side), uncertain
    (the CI holds the target), too few replications (< 2 finite values, no CI); ``met`` is
    ``status == "met"``. ``probability``: predictive probability that one simulated year meets
    the target (:func:`probability_of_meeting`); ``probability_ci95``: the same at the two
    ends of the mean's CI (low, high). Since the probability rises with the mean's distance
    on the meeting side, met ⇒ the interval ≥ 0.5 (> 0.5 unless the CI touches the target),
    not met ⇒ < 0.5, uncertain ⇒ it holds 0.5. ``replications_to_decide``: replications whose
    CI would no longer hold the target at today's mean and sd (:func:`replications_to_decide`).
    """

    target: float
    status: str
    probability: float
    probability_ci95: tuple[float, float] = (math.nan, math.nan)
    replications_to_decide: int | None = None

    @property
    def met(self) -> bool:
        return self.status == MET

    def to_json(self) -> dict:
        return {"target": self.target, "status": self.status, "met": self.met,
                "probability": self.probability,
                "probability_ci95": list(self.probability_ci95),
                "replications_to_decide": self.replications_to_decide}

    @classmethod
    def from_json(cls, doc: dict) -> Verdict:
        """A stored verdict. Documents stored before ``status`` existed had ``met`` = "the
        mean meets the target" and ``probability`` = the share of replications meeting it;
        neither says where the CI lies, so such a verdict reads as status ``unknown`` with
        NaN probability (:func:`rederive` recomputes it from the stored estimate)."""
        def number(v) -> float:
            return math.nan if v is None else float(v)

        if "status" not in doc:
            return cls(float(doc["target"]), UNKNOWN, math.nan)
        lo, hi = doc.get("probability_ci95") or (None, None)
        n = doc.get("replications_to_decide")
        return cls(float(doc["target"]), str(doc["status"]), number(doc.get("probability")),
                   (number(lo), number(hi)), None if n is None else int(n))


def verdict(name: str, mean: float, sd: float, n: int, target: float) -> Verdict:
    """The :class:`Verdict` of a KPI whose n finite replication values have mean and sample
    sd (NaN sd with n < 2)."""
    if n < 2 or not math.isfinite(sd):
        return Verdict(target, TOO_FEW, math.nan)
    half = _half_width(sd, n)
    lo, hi = mean - half, mean + half
    ends = sorted(probability_of_meeting(name, m, sd, n, target) for m in (lo, hi))
    return Verdict(target, ci_status(name, lo, hi, target),
                   probability_of_meeting(name, mean, sd, n, target), (ends[0], ends[1]),
                   replications_to_decide(mean, sd, target))


def rederive(name: str, estimate: Estimate, n: int, target: float) -> Verdict:
    """A verdict recomputed from a stored estimate (mean and 95% CI of n replications), for
    documents stored before the status existed: s = half-width·√n / t_{0.975, n−1}."""
    half = (estimate.ci_high - estimate.ci_low) / 2
    if n < 2 or not math.isfinite(half):
        return Verdict(target, TOO_FEW, math.nan)
    return verdict(name, estimate.mean, half * math.sqrt(n) / float(stats.t.ppf(0.975, n - 1)),
                   n, target)


def target_verdicts(per_replication: pd.DataFrame,
                    targets: dict[str, float]) -> dict[str, Verdict]:
    """A :class:`Verdict` per target from the finite replication values of its KPI."""
    out = {}
    for name, target in targets.items():
        values = per_replication[name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        sd = float(values.std(ddof=1)) if len(values) >= 2 else math.nan
        out[name] = verdict(name, float(values.mean()) if len(values) else math.nan, sd,
                            len(values), target)
    return out


def paired_differences(base: pd.DataFrame, other: pd.DataFrame,
                       names: tuple[str, ...] = KPI_NAMES) -> dict:
    """Paired differences ``other − base`` per replication (same seeds ⇒ common random
    numbers): ``{name: {"mean", "ci95": [lo, hi], "better", "verdict"}}``; ``better`` is true
    when the whole interval lies on the improving side; ``verdict``: better / worse (the whole
    interval on the improving / the other side), no clear difference (it holds 0), too few
    replications (< 2 pairs, no interval)."""
    joined = base.merge(other, on="replication", how="inner", suffixes=("_a", "_b"))
    out = {}
    for name in names:
        diff = (joined[f"{name}_b"] - joined[f"{name}_a"]).to_numpy(dtype=float)
        mean, lo, hi = mean_ci(diff)
        found = difference_verdict(name, lo, hi)
        out[name] = {"mean": mean, "ci95": [lo, hi], "better": found == BETTER,
                     "verdict": found}
    return out


def difference_verdict(name: str, lo: float, hi: float) -> str:
    """better / worse when the 95% CI ``[lo, hi]`` of a paired difference lies wholly on the
    improving / the other side of 0 (direction by KPI), no clear difference when it holds 0,
    too few replications without an interval (NaN ends)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return TOO_FEW
    sign = 1 if name in HIGHER_IS_BETTER else -1
    if min(sign * lo, sign * hi) > 0:
        return BETTER
    return WORSE if max(sign * lo, sign * hi) < 0 else NO_CLEAR_DIFFERENCE


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
