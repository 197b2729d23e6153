"""Charts of a comparison: each KPI per scenario with its interval and target, and where
the time goes by process stage."""

from __future__ import annotations

import altair as alt
import pandas as pd

from scenarios.compare import Comparison
from ui.committee_views import stage_frame
from ui.common import (
    MEASURES,
)
from ui.i18n import _


# --------------------------------------------------------------------------- charts
def _scale(name: str) -> tuple[float, str]:
    return (100.0, "%") if MEASURES[name].unit == "rate" else (1.0, _("days"))


def kpi_chart(res: Comparison, name: str) -> alt.LayerChart:
    """Mean and 95% CI of KPI ``name`` per scenario, with the target dashed."""
    m = MEASURES[name]
    scale, unit = _scale(name)
    order = [r.label for r in res.results]
    rows = []
    for r in res.results:
        k = r.result.kpis[name]
        rows.append(
            {
                "scenario": r.label,
                "mean": k.mean * scale,
                "lo": k.ci_low * scale,
                "hi": k.ci_high * scale,
            }
        )
    data = pd.DataFrame(rows)
    title = f"{m.label} ({unit})"
    fmt = f".{m.decimals}f"
    base = alt.Chart(data).encode(
        x=alt.X("scenario:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    )
    interval = base.mark_rule(strokeWidth=2).encode(
        y=alt.Y("lo:Q", title=title, scale=alt.Scale(zero=False)), y2="hi:Q"
    )
    means = base.mark_point(filled=True, size=90).encode(
        y=alt.Y("mean:Q", title=title),
        color=alt.Color("scenario:N", sort=order, legend=None),
        tooltip=[
            alt.Tooltip("scenario:N", title=_("scenario")),
            alt.Tooltip("mean:Q", format=fmt, title=_("mean ({unit})").format(unit=unit)),
            alt.Tooltip("lo:Q", format=fmt, title=_("95% CI low")),
            alt.Tooltip("hi:Q", format=fmt, title=_("95% CI high")),
        ],
    )
    verdicts = [r.result.targets.get(name) for r in res.results]
    targets = sorted({v.target * scale for v in verdicts if v is not None})
    rule = (
        alt.Chart(pd.DataFrame({"target": targets}))
        .mark_rule(color="#d62728", strokeDash=[5, 4])
        .encode(
            y=alt.Y("target:Q", title=title),
            tooltip=[alt.Tooltip("target:Q", format=fmt,
                                 title=_("target ({unit})").format(unit=unit))],
        )
    )
    return alt.layer(interval, means, rule).properties(
        height=230, title=_("{kpi} (target dashed)").format(kpi=m.label)
    )


def stage_chart(res: Comparison) -> alt.Chart:
    """Mean time in each stage, one bar per scenario."""
    order = [r.label for r in res.results]
    frames = [stage_frame(r.result).assign(scenario=r.label) for r in res.results]
    data = pd.concat(frames, ignore_index=True)[["scenario", "stage", "mean_time_days"]]
    stages = list(dict.fromkeys(data["stage"]))
    return (
        alt.Chart(data.dropna())
        .mark_bar()
        .encode(
            x=alt.X("stage:N", sort=stages, title=None, axis=alt.Axis(labelAngle=-30)),
            xOffset=alt.XOffset("scenario:N", sort=order),
            y=alt.Y("mean_time_days:Q", title=_("Mean time in stage (days)")),
            color=alt.Color("scenario:N", sort=order, title=_("Scenario")),
            tooltip=[
                alt.Tooltip("scenario:N", title=_("Scenario")),
                alt.Tooltip("stage:N", title=_("Stage")),
                alt.Tooltip("mean_time_days:Q", format=".2f", title=_("days")),
            ],
        )
        .properties(height=320)
    )
