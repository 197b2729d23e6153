"""Target verdicts from the 95% CI of the mean, the predictive probability of meeting a
target and its interval, replications to decide, and paired difference verdicts, checked on
hand-made replication sets against values computed here from the definitions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scenarios.result import RunResult
from simulation.summary import (
    REPLICATIONS_CAP,
    Estimate,
    Verdict,
    paired_differences,
    replications_for_precision,
    target_verdicts,
)

LOWER = "order_processing_days"  # lower is better
HIGHER = "on_time_rate"  # higher is better


def _verdict(name: str, values: list[float], target: float) -> Verdict:
    frame = pd.DataFrame({"replication": range(len(values)), name: values})
    return target_verdicts(frame, {name: target})[name]


def _ci(values: list[float]) -> tuple[float, float]:
    v = np.asarray(values)
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return v.mean() - half, v.mean() + half


def test_ci_below_a_lower_is_better_target_is_met() -> None:
    values = [0.80, 0.82, 0.78, 0.81]
    assert _ci(values)[1] < 1.0
    v = _verdict(LOWER, values, 1.0)
    assert v.status == "met" and v.met
    assert v.probability_ci95[0] > 0.5


def test_ci_above_a_lower_is_better_target_is_not_met() -> None:
    values = [1.20, 1.25, 1.22, 1.18]
    assert _ci(values)[0] > 1.0
    v = _verdict(LOWER, values, 1.0)
    assert v.status == "not met" and not v.met
    assert v.probability_ci95[1] < 0.5


def test_ci_holding_the_target_is_uncertain() -> None:
    values = [0.9, 1.1, 0.95, 1.05]
    lo, hi = _ci(values)
    assert lo < 1.0 < hi
    v = _verdict(LOWER, values, 1.0)
    assert v.status == "uncertain" and not v.met
    assert v.probability_ci95[0] < 0.5 < v.probability_ci95[1]


def test_one_replication_is_too_few() -> None:
    v = _verdict(LOWER, [0.5], 1.0)
    assert v.status == "too few replications" and not v.met
    assert math.isnan(v.probability) and all(math.isnan(p) for p in v.probability_ci95)
    assert v.replications_to_decide is None
    # NaN values do not count as replications
    assert _verdict(LOWER, [0.5, math.nan], 1.0).status == "too few replications"


def test_higher_is_better_is_mirrored() -> None:
    assert _verdict(HIGHER, [0.95, 0.96, 0.94], 0.90).status == "met"
    assert _verdict(HIGHER, [0.80, 0.82, 0.81], 0.90).status == "not met"
    assert _verdict(HIGHER, [0.85, 0.95, 0.90], 0.90).status == "uncertain"
    # the same set against a lower-is-better KPI reads the other way round
    assert _verdict(LOWER, [0.95, 0.96, 0.94], 0.90).status == "not met"


def test_values_equal_to_the_target_meet_it() -> None:
    v = _verdict(LOWER, [1.0, 1.0, 1.0], 1.0)  # s = 0: the CI is the target itself
    assert v.status == "met" and v.probability == 1.0 == v.probability_ci95[0]
    assert v.replications_to_decide is None  # the mean is the target
    assert _verdict(HIGHER, [0.9, 0.9], 0.9).status == "met"
    # s = 0 off the target: decided either way, probability 0 or 1
    off = _verdict(LOWER, [1.2, 1.2], 1.0)
    assert off.status == "not met" and off.probability == 0.0
    assert off.replications_to_decide == 2
    # the CI's upper end exactly on a lower-is-better target counts as meeting it
    values = [0.8, 0.9, 1.0]
    lo, hi = _ci(values)
    v = _verdict(LOWER, values, hi)
    assert v.status == "met" and v.probability_ci95[0] == pytest.approx(0.5)


def test_probability_by_hand() -> None:
    values = [0.9, 1.1, 0.95, 1.05, 1.2]
    n, m, s, target = 5, np.mean(values), np.std(values, ddof=1), 1.1
    scale = s * math.sqrt(1 + 1 / n)
    expected = stats.t.cdf((target - m) / scale, n - 1)
    v = _verdict(LOWER, values, target)
    assert v.probability == pytest.approx(expected, rel=1e-12)
    lo, hi = _ci(values)
    ends = sorted(stats.t.cdf((target - x) / scale, n - 1) for x in (lo, hi))
    assert v.probability_ci95 == pytest.approx(tuple(ends), rel=1e-12)
    # higher is better: the mirror, P = F((m − target) / scale)
    h = _verdict(HIGHER, values, target)
    assert h.probability == pytest.approx(stats.t.cdf((m - target) / scale, n - 1), rel=1e-12)
    assert h.probability == pytest.approx(1 - v.probability, rel=1e-12)


def _brute(sd: float, bound: float, strict: bool) -> int:
    for n in range(2, REPLICATIONS_CAP + 1):
        half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
        if (half < bound) if strict else (half <= bound):
            return n
    return REPLICATIONS_CAP


@pytest.mark.parametrize("sd, half_width", [(1.0, 0.5), (2.0, 0.1), (0.3, 0.3), (1.0, 5.0),
                                            (0.0, 0.0), (0.4, 0.0123)])
def test_replications_for_precision_against_a_loop(sd: float, half_width: float) -> None:
    assert replications_for_precision(sd, half_width) == _brute(sd, half_width, strict=False)


def test_replications_for_precision_is_capped() -> None:
    assert replications_for_precision(1.0, 1e-6) == REPLICATIONS_CAP
    with pytest.raises(ValueError):
        replications_for_precision(-1.0, 0.1)


def test_replications_to_decide_against_a_loop() -> None:
    values = [0.9, 1.1, 0.95, 1.05]
    v = _verdict(LOWER, values, 1.02)
    gap = abs(np.mean(values) - 1.02)
    assert v.status == "uncertain"
    expected = _brute(float(np.std(values, ddof=1)), gap, strict=True)
    assert v.replications_to_decide == expected > len(values)
    assert _verdict(LOWER, values, 1.0).replications_to_decide is None  # mean on the target


def _frames(base: list[float], other: list[float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.DataFrame({"replication": range(len(base)), LOWER: base, HIGHER: base}),
            pd.DataFrame({"replication": range(len(other)), LOWER: other, HIGHER: other}))


def test_paired_difference_verdicts() -> None:
    base = [1.0, 1.2, 0.9, 1.1]
    names = (LOWER, HIGHER)
    lower = paired_differences(*_frames(base, [b - 0.2 for b in [1.0, 1.21, 0.9, 1.1]]), names)
    assert lower[LOWER]["verdict"] == "better" and lower[LOWER]["better"]
    assert lower[HIGHER]["verdict"] == "worse" and not lower[HIGHER]["better"]
    mixed = paired_differences(*_frames(base, [1.1, 1.1, 1.0, 1.0]), names)
    assert mixed[LOWER]["verdict"] == "no clear difference" and not mixed[LOWER]["better"]
    one = paired_differences(*_frames([1.0], [0.5]), names)
    assert one[LOWER]["verdict"] == "too few replications" and not one[LOWER]["better"]


def test_status_and_probability_interval_agree_on_random_sets() -> None:
    rng = np.random.default_rng(20261203)
    seen = set()
    for _ in range(300):
        n = int(rng.integers(1, 12))
        values = list(rng.normal(rng.uniform(0.5, 1.5), rng.uniform(0.01, 0.5), n))
        name = LOWER if rng.random() < 0.5 else HIGHER
        v = _verdict(name, values, 1.0)
        lo, hi = v.probability_ci95
        seen.add(v.status)
        if n < 2:
            assert v.status == "too few replications" and math.isnan(v.probability)
            continue
        assert lo <= v.probability <= hi
        if v.status == "met":
            assert lo >= 0.5
        elif v.status == "not met":
            assert hi < 0.5
        else:
            assert v.status == "uncertain" and lo <= 0.5 <= hi
            assert v.replications_to_decide is None or v.replications_to_decide > n
    assert seen == {"met", "not met", "uncertain", "too few replications"}


def test_json_round_trip_and_old_documents() -> None:
    v = _verdict(LOWER, [0.9, 1.1, 0.95, 1.05], 1.02)
    doc = v.to_json()
    assert doc["met"] is False and doc["status"] == "uncertain"
    assert Verdict.from_json(doc) == v
    old = {"target": 1.0, "met": True, "probability": 0.75}  # stored before the status
    assert Verdict.from_json(old).status == "unknown"
    # a stored run recomputes it from its KPI's mean and 95% CI
    values = [0.9, 1.1, 0.95, 1.05]
    lo, hi = _ci(values)
    run = RunResult.from_json({
        "replications": 4, "targets": {LOWER: {**old, "target": 1.02}},
        "kpis": {LOWER: Estimate(float(np.mean(values)), lo, hi, 0.9, 1.1).to_json()}})
    again = run.targets[LOWER]
    assert again.status == v.status
    assert again.probability == pytest.approx(v.probability, rel=1e-9)
    assert again.replications_to_decide == v.replications_to_decide


def test_committee_page_texts() -> None:
    from ui.committee_views import format_probability, replications_advice

    v = Verdict(1.0, "uncertain", 0.62, (0.48, 0.75), 40)
    assert format_probability(v) == "62% (48–75%)"
    assert format_probability(Verdict(1.0, "too few replications", math.nan)) == "—"
    assert format_probability(None) == "—"

    def run(targets: dict[str, Verdict], replications: int) -> RunResult:
        return RunResult.from_json({"replications": replications,
                                    "targets": {k: t.to_json() for k, t in targets.items()}})

    decided = run({LOWER: Verdict(1.0, "met", 0.9, (0.8, 0.95), 3)}, 5)
    assert replications_advice(decided) is None
    few = replications_advice(run({LOWER: Verdict(1.0, "too few replications", math.nan)}, 1))
    assert "Too few replications" in few and "at least 2" in few
    # the largest replications_to_decide over the uncertain targets is recommended
    mixed = replications_advice(run({LOWER: v, HIGHER: Verdict(0.9, "uncertain", 0.4,
                                                               (0.2, 0.6), 120)}, 5))
    assert "About 120 replications" in mixed
    capped = replications_advice(run({LOWER: Verdict(1.0, "uncertain", 0.5, (0.4, 0.6),
                                                     REPLICATIONS_CAP)}, 5))
    assert "10,000 or more" in capped
