"""How the committee page shows a comparison: KPI, forward-stock, difference and stage
tables with human labels and consistent number formats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from data.kpis import KPI_NAMES
from scenarios.compare import ScenarioResult
from scenarios.expense_projection import TARGET_CHANGE_POINTS
from scenarios.result import RunResult
from simulation.summary import (
    REPLICATIONS_CAP,
    TOO_FEW,
    UNCERTAIN,
    Estimate,
    Verdict,
    difference_verdict,
)
from ui.common import (
    MEASURES,
    format_measure,
)
from ui.i18n import N_, _
from ui.lever_labels import assumption_label, source_label

#: process stages in the order an order passes them, with the names shown
STAGE_LABELS = {
    "entry": N_("Order entry"),
    "office": N_("Office approval"),
    "esign": N_("E-signature approval"),
    "prepayment": N_("Cash before delivery"),
    "backorder": N_("Backorder"),
    "pick": N_("Warehouse picking"),
    "cutoff": N_("Dispatch cut-off"),
    "transit": N_("Transit"),
}
#: the words of verdicts and yes/no cells, translated where shown
VERDICT_WORDS = (N_("met"), N_("not met"), N_("uncertain"), N_("too few replications"),
                 N_("better"), N_("worse"), N_("no clear difference"), N_("reached"),
                 N_("not reached"), N_("yes"), N_("no"), N_("no estimate"))


# --------------------------------------------------------------------------- formatting
def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def format_range(name: str, lo: float | None, hi: float | None,
                 decimals: int | None = None) -> str:
    """``0.8 – 1.2 days``, ``84.1 – 86.3%`` in the measure's unit; ``—`` if not known
    (``decimals`` overrides the measure's own, as in the functions below)."""
    if _missing(lo) or _missing(hi):
        return "—"
    m = MEASURES[name]
    d = m.decimals if decimals is None else decimals
    if m.unit == "rate":
        return f"{100 * lo:.{d}f} – {100 * hi:.{d}f}%"
    return f"{lo:.{d}f} – {hi:.{d}f} " + _("days")


def format_difference(name: str, value: float | None, decimals: int | None = None) -> str:
    """Signed difference in the measure's unit: ``-0.4 days``, ``+3.2 pts`` (rates)."""
    if _missing(value):
        return "—"
    m = MEASURES[name]
    d = m.decimals if decimals is None else decimals
    if m.unit == "rate":
        return f"{100 * value:+.{d}f} " + _("pts")
    return f"{value:+.{d}f} " + _("days")


def format_difference_range(name: str, lo: float | None, hi: float | None,
                            decimals: int | None = None) -> str:
    """``-0.6 to -0.2 days``: a confidence interval of a difference."""
    if _missing(lo) or _missing(hi):
        return "—"
    low, high = format_difference(name, lo, decimals), format_difference(name, hi, decimals)
    return _("{low} to {high}").format(low=low.rsplit(" ", 1)[0], high=high)


def _probability(value: float | None) -> str:
    return "—" if _missing(value) else f"{100 * value:.0f}%"


def format_probability(verdict: Verdict | None) -> str:
    """P(meet target) with its interval: ``62% (48–75%)``; ``—`` when not known."""
    if verdict is None or _missing(verdict.probability):
        return "—"
    lo, hi = verdict.probability_ci95
    if _missing(lo) or _missing(hi):
        return _probability(verdict.probability)
    return f"{_probability(verdict.probability)} ({100 * lo:.0f}–{100 * hi:.0f}%)"


def replications_text(n: int) -> str:
    """``12`` or ``10,000 or more`` (the cap of the replication searches)."""
    return _("{n} or more").format(n=f"{n:,}") if n >= REPLICATIONS_CAP else f"{n:,}"


def replications_advice(result: RunResult) -> str | None:
    """What a run lacks to decide its targets, or None when every target is decided: the
    targets without a confidence interval (fewer than 2 replications) and the replications
    that would decide every uncertain one at today's mean and spread (the largest of their
    ``replications_to_decide``)."""
    labels = {status: [MEASURES[k].label for k, v in result.targets.items()
                       if v.status == status and k in MEASURES]
              for status in (TOO_FEW, UNCERTAIN)}
    needed = [v.replications_to_decide for v in result.targets.values()
              if v.status == UNCERTAIN and v.replications_to_decide is not None]
    parts = []
    if labels[TOO_FEW]:
        parts.append(_(
            "Too few replications to judge {kpis} against the target: with fewer than 2 "
            "replication values there is no confidence interval. Run at least 2; their spread "
            "then tells how many decide each target.").format(kpis=", ".join(labels[TOO_FEW])))
    if labels[UNCERTAIN]:
        parts.append(_("Not yet decided (the 95% CI holds the target): {kpis}.").format(
            kpis=", ".join(labels[UNCERTAIN])))
        if needed:
            parts.append(_("About {n} replications would decide them at today's mean and "
                           "spread.").format(n=replications_text(max(needed))))
    return " ".join(parts) or None


def partial_view(doc: Mapping) -> pd.DataFrame:
    """The KPIs of a comparison still being refined (``pharmaops compare --partial-json``):
    a row per KPI with the base's target and, per scenario, mean, 95% CI and verdict."""
    runs = {label: RunResult.from_json({**part, "replications": doc["replications"]})
            for label, part in doc["scenarios"].items()}
    base = runs.get(doc.get("base")) or next(iter(runs.values()))
    rows = []
    for name in KPI_NAMES:
        target = base.targets.get(name)
        row = {_("KPI"): MEASURES[name].label,
               _("target"): format_measure(name, target.target if target else None)}
        for label, run in runs.items():
            k, t = run.kpis.get(name), run.targets.get(name)
            text = (f"{format_measure(name, k.mean if k else None)} "
                    f"({format_range(name, *(k.ci95 if k else (None, None)))})")
            row[label] = text if t is None else f"{text} · {_(t.status)}"
        rows.append(row)
    return pd.DataFrame(rows)


def kpi_view(result: RunResult) -> pd.DataFrame:
    """A run's KPIs as shown: mean, 95% CI, P10–P90, target, verdict (met / not met /
    uncertain / too few replications), P(meet target) with its interval."""
    rows = []
    for name in KPI_NAMES:
        k, t = result.kpis.get(name), result.targets.get(name)
        rows.append(
            {
                _("KPI"): MEASURES[name].label,
                _("mean"): format_measure(name, k.mean if k else None),
                _("95% CI"): format_range(name, *(k.ci95 if k else (None, None))),
                "P10 – P90": format_range(name, k.p10 if k else None, k.p90 if k else None),
                _("target"): format_measure(name, t.target if t else None),
                _("verdict"): "—" if t is None else _(t.status),
                _("P(meet target)"): format_probability(t),
            }
        )
    return pd.DataFrame(rows)


def _share_range(estimate: Estimate | None) -> tuple[str, str]:
    """Mean and 95% CI of a share, as percentages ("—" when absent)."""
    if estimate is None or _missing(estimate.mean):
        return "—", "—"
    lo, hi = estimate.ci95
    ci = "—" if _missing(lo) or _missing(hi) else f"{100 * lo:.1f}% – {100 * hi:.1f}%"
    return f"{100 * estimate.mean:.1f}%", ci


def forward_view(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario with forward warehouses: which, how they were chosen (status and
    gap of the location model), and the simulated forward stock (fill rate, share of orders
    from forward stock, split deliveries: mean and 95% CI over replications)."""
    rows = []
    for r in results:
        wh, stock = r.result.warehouses, r.result.forward_stock
        # cities, as people know the sites (runs stored before cities were kept: the codes)
        sites = wh.get("forward_cities") or wh.get("forward_warehouses") or []
        if not sites and stock is None:
            continue
        details = r.result.details
        row = {_("scenario"): r.label, _("forward warehouses"): ", ".join(sites) or _("none"),
               _("chosen by"): _("location model") if wh.get("mode") == "optimize"
               else _("the scenario"),
               _("model status"): wh.get("status", "—"),
               _("gap"): "—" if _missing(wh.get("gap")) else f"{100 * wh['gap']:.2f}%"}
        for name, label in (("forward_fill_rate", N_("fill rate")),
                            ("forward_order_share", N_("orders from forward stock")),
                            ("split_delivery_rate", N_("split deliveries"))):
            row[_(label)], row[_("{name} 95% CI").format(name=_(label))] = _share_range(
                details.get(name))
        if stock is not None:
            row[_("fill-rate target")] = f"{100 * stock.fill_rate_target:.1f}% ({stock.policy})"
        rows.append(row)
    return pd.DataFrame(rows)


def _expense_cells(r: ScenarioResult, differences: Mapping[str, Mapping] | None) -> dict:
    """The projected selling-expense ratio (mean and CI, %) and its paired change against
    the base in points, with whether the committee's −5 points are reached."""
    ratio = r.result.details.get("selling_expense_ratio")
    change = (differences or {}).get(r.label, {}).get("selling_expense_ratio")
    known = ratio is not None and not _missing(ratio.mean)
    vs_base, target = _("ratio vs base (points, 95% CI)"), _("target −5 points")
    cells = {_("selling-expense ratio"): f"{100 * ratio.mean:.1f}%" if known
             else _("not known"),
             _("ratio 95% CI"): "—" if not known or _missing(ratio.ci_low) else
             f"{100 * ratio.ci_low:.1f}% – {100 * ratio.ci_high:.1f}%",
             vs_base: "—", target: "—"}
    if change is not None and not _missing(change["mean"]):
        lo, hi = change["ci95"]
        ci = "" if _missing(lo) else " ({})".format(
            _("{low} to {high}").format(low=f"{100 * lo:+.1f}", high=f"{100 * hi:+.1f}"))
        cells[vs_base] = f"{100 * change['mean']:+.1f}{ci}"
        # met only when the whole interval lies beyond the target, missed when it lies short
        word = ("uncertain" if _missing(lo) else "reached" if 100 * hi <= TARGET_CHANGE_POINTS
                else "not reached" if 100 * lo > TARGET_CHANGE_POINTS else "uncertain")
        cells[target] = _(word)
    return cells


def sales_view(results: Sequence[ScenarioResult],
               differences: Mapping[str, Mapping] | None = None) -> pd.DataFrame:
    """One row per scenario: credit sales over the days measured (mean and 95% CI over
    replications, CNY), the projected selling-expense ratio with its CI and its paired change
    against the base in points (``differences``: the comparison's, by label), how its calls
    are set: today's, or the call plan on the response curves (status and gap, reps, calls a
    month against today's, the uplift the curves expect), the academic specialists' meetings
    (today's, or planned), and the new customers a year its calls win among the prospects
    (mean and 95% CI; docs/territory.md)."""
    rows = []
    for r in results:
        p = r.result
        sales, plan = p.details.get("credit_sales_cny"), p.call_plan
        days = p.window.get("horizon_days", 0) - p.window.get("warmup_days", 0)
        lo, hi = sales.ci95 if sales is not None else (None, None)
        today = _("today's")
        rows.append({
            _("scenario"): r.label,
            _("credit sales over {days} days (CNY)").format(days=days): "—" if sales is None
            or _missing(sales.mean) else f"{sales.mean:,.0f}",
            _("95% CI (CNY)"): "—" if _missing(lo) or _missing(hi)
            else f"{lo:,.0f} – {hi:,.0f}",
            **_expense_cells(r, differences),
            _("calls"): today if not plan else _("call plan ({status}, gap {gap})").format(
                status=plan["status"], gap=f"{100 * plan['gap']:.2f}%"),
            _("reps"): today if not plan else _("{planned} (today {today})").format(
                planned=f"{plan['reps']:,}", today=f"{plan['reps_today']:,}"),
            _("calls a month"): "—" if not plan else _("{planned} (today {today})").format(
                planned=f"{plan['calls_planned']:,}", today=f"{plan['calls_today']:,.0f}"),
            _("sales uplift the curves expect"): "—" if not plan else
            f"{100 * plan['uplift_share']:+.1f}%",
            _("academic meetings a month"): _meetings_cell(p.academic_meetings),
            **_wins_columns(p.details.get("new_customers_per_year"),
                            (differences or {}).get(r.label, {}).get("new_customers_per_year"),
                            results[0].result.details.get("new_customers_per_year")),
        })
    return pd.DataFrame(rows)


def _meetings_cell(m: Mapping) -> str:
    """The academic specialists' meetings: today's, planned (against today's), or why not."""
    if not m:
        return _("today's")
    if m.get("left_out"):
        return _("today's (not planned: {reason})").format(reason=m["left_out"])
    return _("{planned} planned (today {today}), at the core accounts where they earn "
             "most").format(planned=f"{m['meetings_planned_month']:,}",
                            today=f"{m['meetings_today_month']:,.0f}")


def _wins_columns(won, change: Mapping | None, base) -> dict[str, str]:
    """New customers a year (prospects won) with their 95% CI, and their paired change
    against the base as a share of the base's (``change``: the paired difference) with the
    committee's +20%: reached only when the whole interval lies above it."""
    a_year, ci95 = _("new customers a year"), _("new customers 95% CI")
    vs_base, target = _("new customers vs base (95% CI)"), _("target +20%")
    if won is None or _missing(won.mean):
        return {a_year: "—", ci95: "—", vs_base: "—", target: "—"}
    lo, hi = won.ci95
    cells = {a_year: f"{won.mean:,.0f}",
             ci95: "—" if _missing(lo) or _missing(hi) else f"{lo:,.0f} – {hi:,.0f}",
             vs_base: "—", target: "—"}
    if change is None or base is None or _missing(change["mean"]) or not base.mean > 0:
        return cells
    rel = change["mean"] / base.mean
    c_lo, c_hi = (v / base.mean if not _missing(v) else v for v in change["ci95"])
    ci = "" if _missing(c_lo) else " ({})".format(
        _("{low} to {high}").format(low=f"{c_lo:+.0%}", high=f"{c_hi:+.0%}"))
    cells[vs_base] = f"{rel:+.0%}{ci}"
    word = ("uncertain" if _missing(c_lo) else "reached" if c_lo >= 0.20
            else "not reached" if c_hi < 0.20 else "uncertain")
    cells[target] = _(word)
    return cells


def difference_view(
    base: ScenarioResult, other: ScenarioResult, differences: Mapping[str, Mapping]
) -> pd.DataFrame:
    """Paired differences ``other − base`` as shown, one row per KPI."""
    rows = []
    for name in KPI_NAMES:
        d = differences[name]
        rows.append(
            {
                _("KPI"): MEASURES[name].label,
                base.label: format_measure(name, base.result.kpis[name].mean),
                other.label: format_measure(name, other.result.kpis[name].mean),
                _("difference"): format_difference(name, d["mean"]),
                _("95% CI"): format_difference_range(name, *d["ci95"]),
                # better / worse / no clear difference / too few replications
                _("better?"): _(d.get("verdict") or difference_verdict(name, *d["ci95"])),
            }
        )
    return pd.DataFrame(rows)


def _number(value: float | int | None) -> str:
    return "—" if _missing(value) else f"{value:,.4g}"


#: the assumptions table's columns and their headers
ASSUMPTION_COLUMNS = {"assumption": N_("assumption"), "value": N_("value"),
                      "plausible range": N_("plausible range"), "in range": N_("in range"),
                      "used by the levers": N_("used by the levers"), "source": N_("source")}


def assumptions_view(result: RunResult) -> pd.DataFrame:
    """The assumptions a run was made with: value, plausible range and source, whether a
    lever of the scenario uses it and whether the value lies in its range; used ones first."""
    rows = []
    for name, a in result.assumptions.items():
        value, low, high = a.get("value"), a.get("low"), a.get("high")
        known = not any(_missing(v) for v in (value, low, high))
        rows.append({
            "assumption": assumption_label(name),
            "value": _number(value),
            "plausible range": f"{_number(low)} – {_number(high)}",
            "in range": "—" if not known else _("yes") if low <= value <= high else _("no"),
            "used by the levers": bool(a.get("used")),
            "source": source_label(a["source"]) if a.get("source") else "—",
        })
    frame = pd.DataFrame(rows, columns=list(ASSUMPTION_COLUMNS))
    frame = frame.sort_values("used by the levers", ascending=False, kind="stable",
                              ignore_index=True)
    frame["used by the levers"] = [_("yes") if used else _("no")
                                   for used in frame["used by the levers"]]
    return frame.rename(columns={k: _(v) for k, v in ASSUMPTION_COLUMNS.items()})


def stage_frame(result: RunResult) -> pd.DataFrame:
    """The stage statistics of a run, one row per stage in process order."""
    stages = pd.DataFrame(result.stages).T.astype(float)
    order = [s for s in STAGE_LABELS if s in stages.index]
    order += [s for s in stages.index if s not in STAGE_LABELS]
    stages = stages.loc[order]
    stages.insert(0, "stage", [_(STAGE_LABELS[s]) if s in STAGE_LABELS else s
                               for s in stages.index])
    return stages.reset_index(drop=True)


#: the stage table's columns: (header, help), marked for translation
STAGE_COLUMNS = {
    "stage": (N_("Stage"), None),
    "utilization": (N_("Utilisation"),
                    N_("Share of staff time busy; only stages with limited staff have one.")),
    "mean_wait_days": (N_("Mean wait (days)"), N_("Mean time queueing before the stage starts.")),
    "mean_time_days": (N_("Mean time in stage (days)"), N_("Mean wait plus service time.")),
    "mean_queue_length": (N_("Mean queue length"), N_("Time-average number of orders waiting.")),
    "visits_per_replication": (N_("Orders per replication"),
                               N_("Orders passing the stage in the measured period.")),
}


VERDICT_TEXT = {"consistent": N_("consistent"), "biased": N_("differs"),
                "too few replications": N_("too few replications to judge")}


#: validation differences are small (``+0.02 days``, ``-0.31 pts``): two decimals
FINE = 2


def validation_view(table: pd.DataFrame) -> pd.DataFrame:
    """The simulated-vs-history table as shown: KPI names, values in their units with two
    decimals, the difference with its CI (rates in percentage points), the range of one
    simulated year (95% prediction interval) and the verdict."""
    rows = []
    for r in table.itertuples():
        ci = (_("no CI") if _missing(r.difference_ci_low) else format_difference_range(
            r.kpi, r.difference_ci_low, r.difference_ci_high, FINE))
        rows.append({
            _("KPI"): MEASURES[r.kpi].label,
            _("History"): format_measure(r.kpi, r.history, FINE),
            _("Simulated (mean)"): format_measure(r.kpi, r.simulated_mean, FINE),
            _("Difference (95% CI)"): f"{format_difference(r.kpi, r.difference, FINE)} ({ci})",
            _("One simulated year (95%)"): format_range(r.kpi, r.year_low, r.year_high, FINE),
            _("Verdict"): _(VERDICT_TEXT[r.verdict]) if r.verdict in VERDICT_TEXT else r.verdict,
        })
    return pd.DataFrame(rows)
