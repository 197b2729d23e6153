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

#: process stages in the order an order passes them, with the names shown
STAGE_LABELS = {
    "entry": "Order entry",
    "office": "Office approval",
    "esign": "E-signature approval",
    "prepayment": "Cash before delivery",
    "backorder": "Backorder",
    "pick": "Warehouse picking",
    "cutoff": "Dispatch cut-off",
    "transit": "Transit",
}


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
    return f"{lo:.{d}f} – {hi:.{d}f} days"


def format_difference(name: str, value: float | None, decimals: int | None = None) -> str:
    """Signed difference in the measure's unit: ``-0.4 days``, ``+3.2 pts`` (rates)."""
    if _missing(value):
        return "—"
    m = MEASURES[name]
    d = m.decimals if decimals is None else decimals
    if m.unit == "rate":
        return f"{100 * value:+.{d}f} pts"
    return f"{value:+.{d}f} days"


def format_difference_range(name: str, lo: float | None, hi: float | None,
                            decimals: int | None = None) -> str:
    """``-0.6 to -0.2 days``: a confidence interval of a difference."""
    if _missing(lo) or _missing(hi):
        return "—"
    low, high = format_difference(name, lo, decimals), format_difference(name, hi, decimals)
    return f"{low.rsplit(' ', 1)[0]} to {high}"


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


def _replications(n: int) -> str:
    return f"{n:,} or more" if n >= REPLICATIONS_CAP else f"{n:,}"


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
        parts.append(
            f"Too few replications to judge {', '.join(labels[TOO_FEW])} against the target: "
            "with fewer than 2 replication values there is no confidence interval. Run at "
            "least 2; their spread then tells how many decide each target.")
    if labels[UNCERTAIN]:
        them = "them" if len(labels[UNCERTAIN]) > 1 else "it"
        more = (f" About {_replications(max(needed))} replications would decide {them} at "
                "today's mean and spread." if needed else "")
        parts.append(f"Not yet decided (the 95% CI holds the target): "
                     f"{', '.join(labels[UNCERTAIN])}.{more}")
    return " ".join(parts) or None


def kpi_view(result: RunResult) -> pd.DataFrame:
    """A run's KPIs as shown: mean, 95% CI, P10–P90, target, verdict (met / not met /
    uncertain / too few replications), P(meet target) with its interval."""
    rows = []
    for name in KPI_NAMES:
        k, t = result.kpis.get(name), result.targets.get(name)
        rows.append(
            {
                "KPI": MEASURES[name].label,
                "mean": format_measure(name, k.mean if k else None),
                "95% CI": format_range(name, *(k.ci95 if k else (None, None))),
                "P10 – P90": format_range(name, k.p10 if k else None, k.p90 if k else None),
                "target": format_measure(name, t.target if t else None),
                "verdict": "—" if t is None else t.status,
                "P(meet target)": format_probability(t),
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
        sites = wh.get("forward_warehouses") or []
        if not sites and stock is None:
            continue
        details = r.result.details
        row = {"scenario": r.label, "forward warehouses": ", ".join(sites) or "none",
               "chosen by": "location model" if wh.get("mode") == "optimize" else "the scenario",
               "model status": wh.get("status", "—"),
               "gap": "—" if _missing(wh.get("gap")) else f"{100 * wh['gap']:.2f}%"}
        for name, label in (("forward_fill_rate", "fill rate"),
                            ("forward_order_share", "orders from forward stock"),
                            ("split_delivery_rate", "split deliveries")):
            row[label], row[f"{label} 95% CI"] = _share_range(details.get(name))
        if stock is not None:
            row["fill-rate target"] = f"{100 * stock.fill_rate_target:.1f}% ({stock.policy})"
        rows.append(row)
    return pd.DataFrame(rows)


def _expense_cells(r: ScenarioResult, differences: Mapping[str, Mapping] | None) -> dict:
    """The projected selling-expense ratio (mean and CI, %) and its paired change against
    the base in points, with whether the committee's −5 points are reached."""
    ratio = r.result.details.get("selling_expense_ratio")
    change = (differences or {}).get(r.label, {}).get("selling_expense_ratio")
    known = ratio is not None and not _missing(ratio.mean)
    cells = {"selling-expense ratio": f"{100 * ratio.mean:.1f}%" if known else "not known",
             "ratio 95% CI": "—" if not known or _missing(ratio.ci_low) else
             f"{100 * ratio.ci_low:.1f}% – {100 * ratio.ci_high:.1f}%",
             "ratio vs base (points, 95% CI)": "—", "target −5 points": "—"}
    if change is not None and not _missing(change["mean"]):
        lo, hi = change["ci95"]
        ci = "" if _missing(lo) else f" ({100 * lo:+.1f} to {100 * hi:+.1f})"
        cells["ratio vs base (points, 95% CI)"] = f"{100 * change['mean']:+.1f}{ci}"
        # met only when the whole interval lies beyond the target, missed when it lies short
        cells["target −5 points"] = (
            "uncertain" if _missing(lo) else "reached" if 100 * hi <= TARGET_CHANGE_POINTS
            else "not reached" if 100 * lo > TARGET_CHANGE_POINTS else "uncertain")
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
        rows.append({
            "scenario": r.label,
            f"credit sales over {days} days (CNY)": "—" if sales is None or _missing(
                sales.mean) else f"{sales.mean:,.0f}",
            "95% CI (CNY)": "—" if _missing(lo) or _missing(hi) else f"{lo:,.0f} – {hi:,.0f}",
            **_expense_cells(r, differences),
            "calls": "today's" if not plan else
            f"call plan ({plan['status']}, gap {100 * plan['gap']:.2f}%)",
            "reps": "today's" if not plan else f"{plan['reps']:,} (today {plan['reps_today']:,})",
            "calls a month": "—" if not plan else
            f"{plan['calls_planned']:,} (today {plan['calls_today']:,.0f})",
            "sales uplift the curves expect": "—" if not plan else
            f"{100 * plan['uplift_share']:+.1f}%",
            "academic meetings a month": _meetings_cell(p.academic_meetings),
            **_wins_columns(p.details.get("new_customers_per_year"),
                            (differences or {}).get(r.label, {}).get("new_customers_per_year"),
                            results[0].result.details.get("new_customers_per_year")),
        })
    return pd.DataFrame(rows)


def _meetings_cell(m: Mapping) -> str:
    """The academic specialists' meetings: today's, planned (against today's), or why not."""
    if not m:
        return "today's"
    if m.get("left_out"):
        return f"today's (not planned: {m['left_out']})"
    return (f"{m['meetings_planned_month']:,} planned (today {m['meetings_today_month']:,.0f}), "
            f"at the core accounts where they earn most")


def _wins_columns(won, change: Mapping | None, base) -> dict[str, str]:
    """New customers a year (prospects won) with their 95% CI, and their paired change
    against the base as a share of the base's (``change``: the paired difference) with the
    committee's +20%: reached only when the whole interval lies above it."""
    if won is None or _missing(won.mean):
        return {"new customers a year": "—", "new customers 95% CI": "—",
                "new customers vs base (95% CI)": "—", "target +20%": "—"}
    lo, hi = won.ci95
    cells = {"new customers a year": f"{won.mean:,.0f}",
             "new customers 95% CI": "—" if _missing(lo) or _missing(hi)
             else f"{lo:,.0f} – {hi:,.0f}",
             "new customers vs base (95% CI)": "—", "target +20%": "—"}
    if change is None or base is None or _missing(change["mean"]) or not base.mean > 0:
        return cells
    rel = change["mean"] / base.mean
    c_lo, c_hi = (v / base.mean if not _missing(v) else v for v in change["ci95"])
    ci = "" if _missing(c_lo) else f" ({c_lo:+.0%} to {c_hi:+.0%})"
    cells["new customers vs base (95% CI)"] = f"{rel:+.0%}{ci}"
    cells["target +20%"] = ("uncertain" if _missing(c_lo) else "reached" if c_lo >= 0.20
                            else "not reached" if c_hi < 0.20 else "uncertain")
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
                "KPI": MEASURES[name].label,
                base.label: format_measure(name, base.result.kpis[name].mean),
                other.label: format_measure(name, other.result.kpis[name].mean),
                "difference": format_difference(name, d["mean"]),
                "95% CI": format_difference_range(name, *d["ci95"]),
                # better / worse / no clear difference / too few replications
                "better?": d.get("verdict") or difference_verdict(name, *d["ci95"]),
            }
        )
    return pd.DataFrame(rows)


def _number(value: float | int | None) -> str:
    return "—" if _missing(value) else f"{value:,.4g}"


def assumptions_view(result: RunResult) -> pd.DataFrame:
    """The assumptions a run was made with: value, plausible range and source, whether a
    lever of the scenario uses it and whether the value lies in its range; used ones first."""
    rows = []
    for name, a in result.assumptions.items():
        value, low, high = a.get("value"), a.get("low"), a.get("high")
        known = not any(_missing(v) for v in (value, low, high))
        rows.append({
            "assumption": name,
            "value": _number(value),
            "plausible range": f"{_number(low)} – {_number(high)}",
            "in range": "—" if not known else "yes" if low <= value <= high else "no",
            "used by the levers": "yes" if a.get("used") else "no",
            "source": a.get("source", "—"),
        })
    frame = pd.DataFrame(rows, columns=["assumption", "value", "plausible range", "in range",
                                        "used by the levers", "source"])
    return frame.sort_values("used by the levers", ascending=False, kind="stable",
                             ignore_index=True)


def stage_frame(result: RunResult) -> pd.DataFrame:
    """The stage statistics of a run, one row per stage in process order."""
    stages = pd.DataFrame(result.stages).T.astype(float)
    order = [s for s in STAGE_LABELS if s in stages.index]
    order += [s for s in stages.index if s not in STAGE_LABELS]
    stages = stages.loc[order]
    stages.insert(0, "stage", [STAGE_LABELS.get(s, s) for s in stages.index])
    return stages.reset_index(drop=True)


VERDICT_TEXT = {"consistent": "consistent", "biased": "differs",
                "too few replications": "too few replications to judge"}


#: validation differences are small (``+0.02 days``, ``-0.31 pts``): two decimals
FINE = 2


def validation_view(table: pd.DataFrame) -> pd.DataFrame:
    """The simulated-vs-history table as shown: KPI names, values in their units with two
    decimals, the difference with its CI (rates in percentage points), the range of one
    simulated year (95% prediction interval) and the verdict."""
    rows = []
    for r in table.itertuples():
        ci = ("no CI" if _missing(r.difference_ci_low) else format_difference_range(
            r.kpi, r.difference_ci_low, r.difference_ci_high, FINE))
        rows.append({
            "KPI": MEASURES[r.kpi].label,
            "History": format_measure(r.kpi, r.history, FINE),
            "Simulated (mean)": format_measure(r.kpi, r.simulated_mean, FINE),
            "Difference (95% CI)": f"{format_difference(r.kpi, r.difference, FINE)} ({ci})",
            "One simulated year (95%)": format_range(r.kpi, r.year_low, r.year_high, FINE),
            "Verdict": VERDICT_TEXT.get(r.verdict, r.verdict),
        })
    return pd.DataFrame(rows)
