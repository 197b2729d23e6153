"""Which verdicts rest on assumptions: a one-at-a-time and joint sensitivity of verdicts.

Generic and pure: it knows nothing of scenarios or the simulation. It is given

- ``evaluate(overrides) -> {kpi: Estimate}``: the KPI estimates (mean and 95% CI, as
  :class:`simulation.summary.Estimate`) with the named assumptions set to the given values and
  every other assumption at its base value;
- the base values, a plausible ``(low, high)`` per assumption to vary, and the targets;

and evaluates:

1. the **base** (no override);
2. **one at a time**: each assumption at its low and at its high, the others at base;
3. **all at low** and **all at high** together;
4. per KPI, the **least and the most favourable corners**: every assumption at the end of its
   range that moved the KPI away from (towards) its target one at a time. The direction is the
   sign of the one-at-a-time difference of means, high − low (paired when ``evaluate`` uses
   common random numbers); an assumption that moved the KPI not at all stays at base. No
   significance test is made: a direction within the noise makes a corner a little less
   extreme, never a false flip.

Settings already evaluated are not evaluated again (a low equal to the base value, corners
shared by several KPIs).

**Verdict** of a KPI against its target (:func:`verdict`), using the 95% CI, so that a flip
is a change the replications can tell: ``met`` when the whole interval meets the target,
``not met`` when none of it does, ``uncertain`` when the interval holds the target. Without
an interval (one replication) nothing is decided: ``too few replications``, as everywhere
else a verdict is shown (no flip can then be told). The committee's
headline ``met`` (the mean meets the target, :class:`simulation.summary.Verdict`) is kept beside
it in every evaluation.

A **flip**: the verdict of a KPI at either end differs from its verdict at base. One-at-a-time
flips name the assumption and its low and high; joint flips name :data:`JOINT` (all at low /
all at high) or :data:`CORNERS` (least / most favourable to the KPI's target), with ``low`` and
``high`` ``None`` and ``verdict_at_low`` / ``verdict_at_high`` the verdicts at the all-low / the
least favourable and the all-high / the most favourable settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from data.problems import N_, Text
from simulation.summary import HIGHER_IS_BETTER, TOO_FEW, Estimate, meets

MET, UNCERTAIN, NOT_MET, NO_ESTIMATE = "met", "uncertain", "not met", "no estimate"
#: the assumption named by a flip at all-low / all-high
JOINT = "all (joint: all at low / all at high)"
#: the assumption named by a flip at the KPI's least / most favourable corner
CORNERS = "all (least / most favourable to the target)"

VERDICT_RULE = ("met: the whole 95% CI of the mean meets the target; not met: none of it "
                "does; uncertain: the CI holds the target; too few replications: no CI (one "
                "replication)")

Evaluate = Callable[[Mapping[str, float]], Mapping[str, Estimate]]
#: ``progress(done, total, label)``: evaluations done of those known so far, and the next one
Progress = Callable[[int, int, str], None]


#: an evaluation's kind as its label says it
_KIND_WORDS = {"base": N_("base"), "low": N_("low"), "high": N_("high"),
               "all_low": N_("all low"), "all_high": N_("all high"),
               "least_favourable": N_("least favourable"),
               "most_favourable": N_("most favourable")}


def setting_label(kind: str, assumption: str | None, kpi: str | None) -> Text:
    """``partner_speed_factor at low``, ``least favourable to dso_days``, ``all high``: a
    :class:`data.problems.Text`, so a page can say it in its language."""
    words = _KIND_WORDS.get(kind) or Text(kind.replace("_", " "))
    if kind in ("low", "high"):
        return N_("{assumption} at {end}", assumption=assumption, end=words)
    if kpi is not None:
        return N_("{setting} to {kpi}", setting=words, kpi=kpi)
    return words


def read_label(label: str) -> str:
    """The :class:`data.problems.Text` of a label :func:`setting_label` made and a progress
    file carried as plain text; ``label`` itself when it is not one."""
    kinds = {str(words): kind for kind, words in _KIND_WORDS.items()}
    assumption, at, end = label.rpartition(" at ")
    if at and end in ("low", "high") and " " not in assumption:
        return setting_label(end, assumption, None)
    words, to, kpi = label.rpartition(" to ")
    if to and words in kinds and " " not in kpi:
        return setting_label(kinds[words], None, kpi)
    return setting_label(kinds[label], None, None) if label in kinds else label


def verdict(kpi: str, estimate: Estimate, target: float) -> str:
    """``met`` / ``uncertain`` / ``not met``: where the 95% CI of ``estimate`` lies against
    ``target`` (direction by KPI); ``too few replications`` without a CI."""
    if math.isnan(estimate.mean):
        return NO_ESTIMATE
    lo, hi = estimate.ci95
    if math.isnan(lo) or math.isnan(hi):
        return TOO_FEW
    worst, best = (lo, hi) if kpi in HIGHER_IS_BETTER else (hi, lo)
    if meets(kpi, worst, target):
        return MET
    return UNCERTAIN if meets(kpi, best, target) else NOT_MET


@dataclass(frozen=True)
class Evaluation:
    """One setting of the assumptions and the KPIs it gave."""

    #: ``base``, ``low``, ``high``, ``all_low``, ``all_high``, ``least_favourable``,
    #: ``most_favourable``
    kind: str
    #: the assumption set to its low or high (one at a time), else None
    assumption: str | None
    #: the KPI a corner is built for, else None
    kpi: str | None
    #: the values that differ from the base
    settings: dict[str, float]
    estimates: dict[str, Estimate]
    verdicts: dict[str, str]
    #: the committee's headline verdict: the mean meets the target
    met: dict[str, bool]

    @property
    def label(self) -> Text:
        return setting_label(self.kind, self.assumption, self.kpi)

    @classmethod
    def from_json(cls, doc: dict) -> Evaluation:
        """The evaluation :meth:`to_json` wrote (the KPIs with a target)."""
        kpis = doc["kpis"]
        return cls(doc["kind"], doc["assumption"], doc["kpi"], dict(doc["settings"]),
                   {k: Estimate.from_json(v) for k, v in kpis.items()},
                   {k: v["verdict"] for k, v in kpis.items()},
                   {k: bool(v["met"]) for k, v in kpis.items()})

    def to_json(self) -> dict:
        return {"label": self.label, "kind": self.kind, "assumption": self.assumption,
                "kpi": self.kpi, "settings": dict(self.settings),
                "kpis": {k: {**e.to_json(), "verdict": self.verdicts[k], "met": self.met[k]}
                         for k, e in self.estimates.items() if k in self.verdicts}}


@dataclass(frozen=True)
class Flip:
    """A KPI whose verdict at an end of an assumption's range (or at a joint setting)
    differs from its verdict at base."""

    kpi: str
    assumption: str
    low: float | None
    high: float | None
    verdict_at_low: str
    verdict_at_high: str

    def to_json(self) -> dict:
        return {"kpi": self.kpi, "assumption": self.assumption, "low": self.low,
                "high": self.high, "verdict_at_low": self.verdict_at_low,
                "verdict_at_high": self.verdict_at_high}


@dataclass(frozen=True)
class Sensitivity:
    """Every evaluation, the verdict table and the flips."""

    base_values: dict[str, float]
    ranges: dict[str, tuple[float, float]]
    targets: dict[str, float]
    base: Evaluation
    evaluations: tuple[Evaluation, ...]
    flips: tuple[Flip, ...] = field(default=())

    def one_at_a_time(self, assumption: str, end: str) -> Evaluation:
        return next(e for e in self.evaluations if e.kind == end and e.assumption == assumption)

    def joint(self, kind: str, kpi: str | None = None) -> Evaluation:
        return next(e for e in self.evaluations if e.kind == kind and e.kpi == kpi)

    def rows(self) -> list[dict]:
        """KPI × assumption (and the two joint rows per KPI): the range, the target, the mean
        and the verdict at low, base and high, and whether the verdict flips."""
        rows = []
        for kpi in self.targets:
            at_base = self.base.verdicts[kpi]
            pairs = [(name, *self.ranges[name], self.one_at_a_time(name, "low"),
                      self.one_at_a_time(name, "high")) for name in self.ranges]
            pairs.append((JOINT, None, None, self.joint("all_low"), self.joint("all_high")))
            pairs.append((CORNERS, None, None, self.joint("least_favourable", kpi),
                          self.joint("most_favourable", kpi)))
            for name, low, high, at_low, at_high in pairs:
                verdicts = at_low.verdicts[kpi], at_high.verdicts[kpi]
                rows.append({
                    "kpi": kpi, "assumption": name, "low": low, "high": high,
                    "target": self.targets[kpi],
                    "mean_at_low": at_low.estimates[kpi].mean,
                    "mean_at_base": self.base.estimates[kpi].mean,
                    "mean_at_high": at_high.estimates[kpi].mean,
                    "verdict_at_low": verdicts[0], "verdict_at_base": at_base,
                    "verdict_at_high": verdicts[1],
                    "flips": any(v != at_base for v in verdicts)})
        return rows

    def table(self) -> pd.DataFrame:
        """:meth:`rows` as a frame."""
        return pd.DataFrame(self.rows())

    def to_json(self) -> dict:
        """``base_values``, ``ranges``, ``targets``, ``verdict_rule``, ``flips``, ``table``
        (:meth:`rows`) and ``evaluations`` (every setting with its KPIs and verdicts)."""
        return {"base_values": dict(self.base_values),
                "ranges": {k: list(v) for k, v in self.ranges.items()},
                "targets": dict(self.targets), "verdict_rule": VERDICT_RULE,
                "flips": [f.to_json() for f in self.flips], "table": self.rows(),
                "evaluations": [e.to_json() for e in self.evaluations]}


def _key(settings: Mapping[str, float]) -> tuple:
    return tuple(sorted(settings.items()))


class _Evaluator:
    """Calls ``evaluate`` once per distinct setting and builds the evaluations."""

    def __init__(self, evaluate: Evaluate, base_values: Mapping[str, float],
                 targets: Mapping[str, float], progress: Progress | None) -> None:
        self.evaluate, self.base_values, self.targets = evaluate, base_values, targets
        self.progress = progress
        self.done: dict[tuple, Mapping[str, Estimate]] = {}
        self.total = 0

    def changed(self, settings: Mapping[str, float]) -> dict[str, float]:
        """The values of ``settings`` that differ from the base."""
        return {k: v for k, v in settings.items() if v != self.base_values[k]}

    def plan(self, settings: list[dict[str, float]]) -> None:
        """Count the distinct new settings about to be evaluated (for the progress)."""
        self.total += len({_key(self.changed(s)) for s in settings} - set(self.done))

    def __call__(self, kind: str, settings: Mapping[str, float], assumption: str | None = None,
                 kpi: str | None = None) -> Evaluation:
        changed = self.changed(settings)
        key = _key(changed)
        if key not in self.done:
            label = Evaluation(kind, assumption, kpi, changed, {}, {}, {}).label
            if self.progress is not None:
                self.progress(len(self.done), self.total, label)
            self.done[key] = dict(self.evaluate(changed))
            if self.progress is not None:
                self.progress(len(self.done), self.total, label)
        estimates = self.done[key]
        verdicts = {k: verdict(k, estimates[k], t) for k, t in self.targets.items()}
        met = {k: bool(meets(k, estimates[k].mean, t)) for k, t in self.targets.items()}
        return Evaluation(kind, assumption, kpi, changed, dict(estimates), verdicts, met)


def _corner(kpi: str, oat: Mapping[str, tuple[Evaluation, Evaluation]],
            ranges: Mapping[str, tuple[float, float]], base_values: Mapping[str, float],
            favourable: bool) -> dict[str, float]:
    """Every assumption at the end that moved ``kpi`` towards (``favourable``) or away from
    its target one at a time; at base where it did not move it."""
    settings = dict(base_values)
    for name, (at_low, at_high) in oat.items():
        delta = at_high.estimates[kpi].mean - at_low.estimates[kpi].mean
        if math.isnan(delta) or delta == 0:
            continue
        high_is_better = (delta > 0) == (kpi in HIGHER_IS_BETTER)
        low, high = ranges[name]
        settings[name] = high if high_is_better == favourable else low
    return settings


def sensitivity(evaluate: Evaluate, base_values: Mapping[str, float],
                ranges: Mapping[str, tuple[float, float]], targets: Mapping[str, float], *,
                progress: Progress | None = None) -> Sensitivity:
    """Evaluate the base, each assumption of ``ranges`` at its low and high one at a time,
    all at low and all at high, and per KPI of ``targets`` its least and most favourable
    corners; report the verdicts and their flips (see the module's docstring)."""
    unknown = sorted(set(ranges) - set(base_values))
    if unknown:
        raise ValueError(f"ranges(={unknown}) name assumptions without a base value")
    for name, (low, high) in ranges.items():
        if not low <= high:
            raise ValueError(f"ranges[{name!r}](=({low}, {high})) must have low <= high")
    base_values, ranges, targets = dict(base_values), dict(ranges), dict(targets)
    run = _Evaluator(evaluate, base_values, targets, progress)
    one_at_a_time = [{**base_values, name: end} for name, ends in ranges.items() for end in ends]
    all_low = {**base_values, **{n: lo for n, (lo, _) in ranges.items()}}
    all_high = {**base_values, **{n: hi for n, (_, hi) in ranges.items()}}
    run.plan([dict(base_values), *one_at_a_time, all_low, all_high])
    base = run("base", base_values)
    oat = {name: (run("low", {**base_values, name: low}, name),
                  run("high", {**base_values, name: high}, name))
           for name, (low, high) in ranges.items()}
    evaluations = [base, *(e for pair in oat.values() for e in pair),
                   run("all_low", all_low), run("all_high", all_high)]
    corners = {(kpi, favourable): _corner(kpi, oat, ranges, base_values, favourable)
               for kpi in targets for favourable in (False, True)}
    run.plan(list(corners.values()))
    for (kpi, favourable), settings in corners.items():
        kind = "most_favourable" if favourable else "least_favourable"
        evaluations.append(run(kind, settings, kpi=kpi))
    result = Sensitivity(base_values, ranges, targets, base, tuple(evaluations))
    return Sensitivity(base_values, ranges, targets, base, tuple(evaluations),
                       flips=tuple(_flips(result)))


def _flips(result: Sensitivity) -> list[Flip]:
    return [Flip(row["kpi"], row["assumption"], row["low"], row["high"], row["verdict_at_low"],
                 row["verdict_at_high"]) for row in result.rows() if row["flips"]]
