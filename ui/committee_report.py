"""The quarter's review for the committee's minutes: every view of a comparison as an Excel
workbook (one labelled sheet per view) and as one self-contained HTML page with its charts,
both in the session's language. The charts are inline SVG rendered by vl-convert (the Vega
renderer, without a browser), so the page opens offline: it fetches no script, style sheet,
font or image."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import pandas as pd

from data.kpis import KPI_NAMES
from data.problems import InputError
from scenarios.attribution_result import Attribution, latest_attribution
from scenarios.compare import Comparison
from scenarios.paths import default_scenarios_dir
from scenarios.store import RunStore
from ui.committee_attribution import contribution_view, waterfall_chart
from ui.committee_charts import kpi_chart, stage_chart
from ui.committee_views import (
    STAGE_COLUMNS,
    assumptions_view,
    difference_view,
    forward_view,
    kpi_view,
    sales_view,
    stage_frame,
    validation_view,
)
from ui.i18n import N_, _, in_language, language

TITLE = N_("PharmaOps committee review")
#: Excel's limit on a sheet name, and the characters it refuses in one
SHEET_NAME_CHARS = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class View:
    """One view of the review: its title and a line saying what it shows, and the table as
    the page shows it (headers and cells in the session's language)."""

    title: str
    note: str
    table: pd.DataFrame


def about_view(res: Comparison) -> pd.DataFrame:
    """What was run: when, how often, with which seed, on which data, from which files."""
    rows = [
        (_("Run finished"), f"{res.finished_at.astimezone():%Y-%m-%d %H:%M}"),
        (_("Replications per scenario"), f"{res.replications:,}"),
        (_("Seed"), str(res.seed)),
        (_("Base scenario"), res.base.label),
        (_("Data set fingerprint"), ", ".join(sorted(
            {r.result.dataset_fingerprint[:12] for r in res.results}))),
    ]
    rows += [(_("Scenario {label}").format(label=r.label),
              f"{r.file} · {r.description}".strip(" ·")) for r in res.results]
    return pd.DataFrame(rows, columns=[_("item"), _("value")])


def stages_view(res: Comparison) -> pd.DataFrame:
    """Mean wait and mean time in each process stage, per scenario."""
    frames = []
    for r in res.results:
        frame = stage_frame(r.result)[["stage", "mean_wait_days", "mean_time_days"]]
        frames.append(frame.round(2).assign(scenario=r.label))
    table = pd.concat(frames, ignore_index=True)[
        ["scenario", "stage", "mean_wait_days", "mean_time_days"]]
    headers = {name: _(label) for name, (label, _hint) in STAGE_COLUMNS.items()}
    return table.rename(columns={"scenario": _("scenario"), **headers})


def stored_attribution_for(res: Comparison, folder: Path | None = None) -> Attribution | None:
    """The newest stored lever attribution of a compared scenario against the base (files
    of the scenario folder), None when there is none."""
    folder = folder or default_scenarios_dir()[0]
    try:
        store = RunStore(read_only=True)
        for r in res.results[1:]:
            found = latest_attribution(store, folder / res.base.file, folder / r.file)
            if found is not None:
                return found
    except (InputError, OSError):  # no store yet, or one that cannot be read: no view
        return None
    return None


def review_views(res: Comparison, attribution: Attribution | None = None) -> list[View]:
    """Every view of the review, in the order the committee reads them (the lever
    attribution when one is stored for the compared pair)."""
    views = [View(_("About this review"), _("What was run, on which data, with which seed."),
                  about_view(res))]
    for r in res.results:
        views.append(View(
            _("KPIs: {scenario}").format(scenario=r.label),
            _("Mean over the replications, its 95% confidence interval, the target and the "
              "verdict: met or not met only when the whole interval lies on one side."),
            kpi_view(r.result)))
    by_label = {r.label: r for r in res.results}
    for label, diffs in res.differences.items():
        views.append(View(
            _("Differences: {other} against {base}").format(other=label, base=res.base.label),
            _("Paired differences under common random numbers, with their 95% CI."),
            difference_view(res.base, by_label[label], diffs)))
    if attribution is not None:
        views.append(View(
            _("Lever attribution: {plan} against {base}").format(
                plan=attribution.plan_name, base=attribution.base_name),
            _("What each lever group contributes to each KPI (Shapley values under common "
              "random numbers, with their 95% CI); they add up to the plan's difference."),
            contribution_view(attribution)))
    views.append(View(_("Process stages"), _("Where orders wait, per scenario (days)."),
                      stages_view(res)))
    forward = forward_view(res.results)
    if not forward.empty:
        views.append(View(_("Forward warehouses"),
                          _("The forward warehouses of each scenario and their stock."),
                          forward))
    views.append(View(_("Sales, selling expenses and calls"),
                      _("Credit sales, the selling-expense ratio and the call plan."),
                      sales_view(res.results, res.differences)))
    for r in res.results:
        if r.validation is not None:
            views.append(View(_("Today's process against history"),
                              _("The simulated baseline against the measured KPIs."),
                              validation_view(r.validation)))
    for r in res.results:
        views.append(View(_("Assumptions: {scenario}").format(scenario=r.label),
                          _("The effect sizes the scenario ran with, their plausible range "
                            "and source."), assumptions_view(r.result)))
    return views


# --------------------------------------------------------------------------- Excel
def sheet_names(titles: list[str]) -> list[str]:
    """Excel sheet names for ``titles``: forbidden characters dropped, at most 31 characters,
    unique (a repeated name gets `` (2)``, `` (3)``…)."""
    names: list[str] = []
    for title in titles:
        base = _SHEET_FORBIDDEN.sub("", title).strip().strip("'") or "sheet"
        name, k = base[:SHEET_NAME_CHARS], 2
        while name.casefold() in {n.casefold() for n in names}:
            suffix = f" ({k})"
            name, k = base[:SHEET_NAME_CHARS - len(suffix)] + suffix, k + 1
        names.append(name)
    return names


def review_workbook(res: Comparison, attribution: Attribution | None = None) -> bytes:
    """The review as an Excel workbook: one sheet per view, its title in bold in the first
    row, the note in the second, the table below with bold headers and the panes frozen."""
    from openpyxl.styles import Font

    views = review_views(res, attribution)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for view, name in zip(views, sheet_names([v.title for v in views]), strict=True):
            view.table.to_excel(writer, sheet_name=name, index=False, startrow=3)
            sheet = writer.sheets[name]
            sheet["A1"] = view.title
            sheet["A1"].font = Font(bold=True, size=14)
            sheet["A2"] = view.note
            sheet["A2"].font = Font(italic=True)
            sheet.freeze_panes = "A5"
            for i, column in enumerate(view.table.columns, start=1):
                cells = [str(column), *map(str, view.table.iloc[:, i - 1])]
                width = min(60, max(10, *(_display_width(c) for c in cells)) + 2)
                sheet.column_dimensions[sheet.cell(4, i).column_letter].width = width
    return buffer.getvalue()


def _display_width(text: str) -> int:
    # a CJK character takes two columns in Excel's default font
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


# --------------------------------------------------------------------------- HTML
_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",Arial,sans-serif;
margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;
border-bottom:1px solid #ccc;padding-bottom:.2em}p.note{color:#555;margin:.2em 0 .6em}
table{border-collapse:collapse;font-size:.9em;margin-bottom:1em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.charts{display:flex;flex-wrap:wrap;gap:1em}
.chart{border:1px solid #eee;padding:.4em}
@media print{.chart{break-inside:avoid}h2{break-after:avoid}}
"""


def chart_svg(chart) -> str:
    """An Altair chart as SVG markup (rendered by vl-convert, no browser, nothing fetched)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict())


def review_charts(res: Comparison, attribution: Attribution | None = None) -> list[str]:
    """The review's charts as SVG: every KPI per scenario, the process stages, and the lever
    attribution's waterfall of every KPI when one is stored."""
    charts = [kpi_chart(res, name) for name in KPI_NAMES] + [stage_chart(res)]
    if attribution is not None:
        charts += [waterfall_chart(attribution, name) for name in KPI_NAMES]
    return [chart_svg(chart) for chart in charts]


def review_html(res: Comparison, attribution: Attribution | None = None, *,
                made_at: datetime | None = None) -> str:
    """The review as one HTML page: title, the charts as inline SVG, every view's table."""
    lang = "zh-CN" if language() == "zh_CN" else "en"
    made = (made_at or datetime.now()).astimezone()
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{html.escape(_(TITLE))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(_(TITLE))}</h1>",
        '<p class="note">' + html.escape(_(
            "Made {made} · {n} scenarios · base: {base} · {replications} replications · "
            "seed {seed}").format(made=f"{made:%Y-%m-%d %H:%M}", n=len(res.results),
                                  base=res.base.label, replications=res.replications,
                                  seed=res.seed)) + "</p>",
        f"<h2>{html.escape(_('KPIs side by side'))}</h2>",
        '<p class="note">' + html.escape(_(
            "Dot: mean over the replications; bar: its 95% confidence interval; dashed line: "
            "the committee's target.")) + "</p>",
        '<div class="charts">',
    ]
    parts += [f'<div class="chart">{svg}</div>' for svg in review_charts(res, attribution)]
    parts.append("</div>")
    for view in review_views(res, attribution):
        parts.append(f"<h2>{html.escape(view.title)}</h2>")
        if view.note:
            parts.append(f'<p class="note">{html.escape(view.note)}</p>')
        parts.append(view.table.to_html(index=False, border=0, na_rep="—", escape=True))
    parts.append("</body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- the page
def review_downloads(res: Comparison, stem: str) -> None:
    """The review's two downloads, made when clicked, in the language chosen now."""
    import streamlit as st

    st.markdown("**" + _("The quarter's review for the minutes") + "**")
    spoken = language()
    attribution = stored_attribution_for(res)
    if attribution is not None:
        st.caption(_("With the stored lever attribution of run `{run_id}`.").format(
            run_id=attribution.run_id))
    cols = st.columns(2)
    cols[0].download_button(
        _("Review (Excel, one sheet per view)"),
        in_language(spoken, partial(review_workbook, res, attribution)),
        file_name=f"{stem}_review.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="committee_review_xlsx", on_click="ignore", icon=":material/table_view:")
    cols[1].download_button(
        _("Review (HTML page with charts, opens offline)"),
        in_language(spoken, partial(review_html, res, attribution)),
        file_name=f"{stem}_review.html", mime="text/html",
        key="committee_review_html", on_click="ignore", icon=":material/description:")
