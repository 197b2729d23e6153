"""Page "Committee: scenarios": simulate today's process, the plan and alternatives side by
side, with how sure each projection is, and keep every run in the run store.

Nothing runs on page load: runs are expensive (about 10–20 s per replication on the national
data set), so they start only from the sidebar's **Run** button. Results stay in the session
until the next run; stored runs can be shown again from the run store without re-running.

The scenario files come from the project's ``scenarios/`` folder, or from the folder named by
``$PHARMAOPS_SCENARIOS_DIR``. Scenarios in a folder the operator configured that way may use a
data set outside the project's ``data/`` folder (as ``--allow-outside-data`` does on the
command line).
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from data.kpis import KPI_NAMES
from scenarios.compare import Comparison, ScenarioResult
from scenarios.paths import SCENARIOS_ENV_VAR
from simulation.summary import MET, NOT_MET, TOO_FEW, UNCERTAIN, Estimate, Verdict
from ui import page_index
from ui.committee_attribution import attribution_section, chosen_pair
from ui.committee_charts import kpi_chart, stage_chart
from ui.committee_exports import (  # noqa: F401 (re-exported for the tests)
    _csv,
    _stacked,
    _table_names,
    committee_workbook,
    comparison_json,
    per_replication_table,
)
from ui.committee_precision import precision_section
from ui.committee_report import review_downloads
from ui.committee_run import (
    DEFAULT_WORKERS,
    assumptions_logs,
    finished_request,
    job_progress,
    run_scenarios,
    running_job,
    scenario_files,
    scenarios_folder,
    sidebar,
)
from ui.committee_sensitivity import sensitivity_section
from ui.committee_views import (
    STAGE_COLUMNS,
    _missing,
    assumptions_view,
    difference_view,
    format_probability,
    format_range,
    forward_view,
    replications_advice,
    sales_view,
    stage_frame,
    validation_view,
)
from ui.common import (
    MEASURES,
    column_config,
    format_gap,
    format_measure,
    region_label,
)
from ui.i18n import N_, _
from ui.stored_runs import stored_runs_section

TITLE, ICON, URL_PATH = page_index.COMMITTEE[:3]
RESULTS_KEY = "committee_results"
_HIGHLIGHT = "background-color: rgba(255, 75, 75, 0.22)"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



# --------------------------------------------------------------------------- page
def render() -> None:
    """Page body; scenarios, replications, seed and workers come from the sidebar."""
    st.title(_(TITLE))
    st.caption(_(
        "Simulates each scenario's year of orders, deliveries, invoices and payments, "
        "replication after replication, and compares the KPIs with the committee's targets. "
        "Every scenario runs with the same seed, so they see the same demand."
    ))
    folder, configured = scenarios_folder()
    files = scenario_files(folder)
    if not files:
        st.error(_(
            "No scenario files (`*.toml`) in `{folder}`. Set `{variable}` to a folder that "
            "holds them, or restore the shipped scenario files."
        ).format(folder=folder, variable=SCENARIOS_ENV_VAR))
    else:
        settings = sidebar(folder, files)
        assumptions_logs(folder, st.session_state.get("committee_files") or [])
        done = None
        if (finished := finished_request()) is not None:  # its job has stored the runs
            done = run_scenarios(finished.paths, replications=finished.replications,
                                 seed=finished.seed, workers=finished.workers,
                                 allow_outside_data=finished.allow_outside_data,
                                 just_computed=True)
        elif settings is not None:
            chosen, replications, seed, workers = settings
            done = run_scenarios([folder / name for name in chosen],
                                 replications=replications, seed=seed, workers=workers,
                                 allow_outside_data=configured)
        if done is not None:
            st.session_state[RESULTS_KEY] = done
        job_progress()
        results = st.session_state.get(RESULTS_KEY)
        if results is None and not running_job():  # while it runs, its progress shows
            st.info(_(
                "Pick the scenarios in the sidebar (the first is the base) and press **Run**. "
                "A run takes about 10–20 s per replication and scenario on the national data set."
            ))
        elif results is not None:
            show_results(results)
        workers = int(st.session_state.get("committee_workers", DEFAULT_WORKERS))
        sensitivity_section(folder, files, configured, workers)
        if (pair := chosen_pair(folder)) is not None:
            attribution_section(*pair, allow_outside_data=configured, store_path=None,
                                workers=workers)
    stored_runs_section()


# --------------------------------------------------------------------------- sections
def show_results(res: Comparison) -> None:
    """Every result section of a comparison."""
    fingerprints = {r.result.dataset_fingerprint for r in res.results}
    st.caption(_(
        "Run finished {finished} · {replications} replications per scenario · seed {seed} · "
        "base: **{base}**"
    ).format(finished=f"{res.finished_at.astimezone():%Y-%m-%d %H:%M}",
             replications=res.replications, seed=res.seed, base=res.base.label))
    if len(fingerprints) > 1:
        st.warning(_(
            "The scenarios use different data sets, so their differences mix the levers "
            "with the data."
        ))
    for r in res.results:
        _scenario_cards(r)
    _kpi_charts(res)
    precision_section(res)
    _stages(res)
    _differences(res)
    _assumptions(res)
    _validation(res)
    _forward(res)
    _sales(res)
    _breakdowns(res)
    _downloads(res)


def _out_of_range(row: pd.Series) -> list[str]:
    """Highlight an assumption whose value lies outside its plausible range."""
    return [_HIGHLIGHT if row[_("in range")] == _("no") else ""] * len(row)


def _assumptions(res: Comparison) -> None:
    st.subheader(_("Assumptions: values, plausible ranges and sources"))
    st.caption(_(
        "Effect sizes DOMAIN.md does not give, as each scenario states them, with the range "
        "the evidence makes plausible and its source (*judgement* where no published figure "
        "exists; docs/scenarios.md gives the reasoning). An assumption no lever of the "
        "scenario uses changes none of its figures; a value outside its range is highlighted. "
        "Which verdicts rest on them: the sensitivity section below."))
    tabs = st.tabs([r.label for r in res.results])
    for tab, r in zip(tabs, res.results, strict=True):
        frame = assumptions_view(r.result)
        with tab:
            st.dataframe(frame.style.apply(_out_of_range, axis=1),
                hide_index=True, key=f"committee_assumptions_{r.label}")


def _validation(res: Comparison) -> None:
    checked = [r for r in res.results if r.validation is not None]
    if not checked:
        return
    st.subheader(_("Today simulated vs history"))
    st.caption(_(
        "A scenario that pulls no lever is today's process: its simulated year should look like "
        "the history of the same calendar days. *Consistent*: history lies within the range of "
        "one simulated year. A CI of the mean that misses history alone is no bias: history is "
        "one year, known no better than a year varies."))
    for r in checked:
        st.markdown(f"**{r.label}**")
        st.dataframe(validation_view(r.validation), hide_index=True, width="stretch",
                     key=f"validation_{r.label}")


def _forward(res: Comparison) -> None:
    frame = forward_view(res.results)
    if frame.empty:
        return
    st.subheader(_("Forward warehouses and their stock"))
    st.dataframe(frame, hide_index=True, key="committee_forward")
    st.caption(_("Fill rate: units shipped from a forward warehouse's stock / units of its stocked "
               "products asked of it. Lines it lacks or does not stock ship from the central DC "
               "as a second shipment (split delivery); per-site figures and the stock plan are "
               "in the tabs below and in the workbook."))


def _sales(res: Comparison) -> None:
    st.subheader(_("Sales and the reps' calls"))
    st.dataframe(sales_view(res.results, res.differences), hide_index=True, key="committee_sales")
    st.caption(_("Credit sales: invoiced over the days measured, mean and 95% CI over the "
               "replications. A scenario with territory.allocation = \"optimize\" gives every "
               "account the calls the call plan sets, and its order rate moves along its "
               "response curve estimated from the visits (docs/territory.md); the uplift the "
               "curves expect is the plan's own, optimistic by a few points. Selling-expense "
               "ratio: today's unit costs (estimated from the data's selling expenses) on the "
               "scenario's reps and calls, meetings and specialists as today, plus promotion "
               "as today's share of the replication's credit sales, over those credit sales; "
               "its change against the base is paired, in points (target −5). New customers "
               "are not simulated yet (docs/simulation.md)."))


def _scenario_cards(r: ScenarioResult) -> None:
    p = r.result
    st.subheader(r.label)
    window = p.window
    st.caption(
        " · ".join(
            part
            for part in (
                r.description,
                _("run `{run_id}`").format(run_id=p.run_id) if p.run_id else _("not stored"),
                _("{replications} replications of {horizon} days ({warmup} warm-up)").format(
                    replications=p.replications, horizon=window["horizon_days"],
                    warmup=window["warmup_days"]),
                f"{p.runtime_s:.1f} s",
                _("data set `{fingerprint}`").format(fingerprint=p.dataset_fingerprint[:12]),
            )
            if part
        )
    )
    cols = st.columns(3)
    for i, name in enumerate(KPI_NAMES):
        with cols[i % 3].container(border=True):
            _card(name, p.kpis[name], p.targets.get(name), p.replications)
    advice = replications_advice(p)
    if advice:
        st.info(advice)


#: a target verdict's badge on its KPI card, by status
BADGES = {
    MET: (":green-badge[:material/check: {}]", N_("met")),
    NOT_MET: (":red-badge[:material/close: {}]", N_("not met")),
    UNCERTAIN: (":orange-badge[:material/help: {}]", N_("uncertain")),
    TOO_FEW: (":gray-badge[{}]", N_("too few replications")),
}


def badge(status: str) -> str:
    """A verdict's badge in the chosen language."""
    shape, text = BADGES.get(status, (":gray-badge[{}]", status))
    return shape.format(_(text))


def _card(name: str, kpi: Estimate, verdict: Verdict | None, replications: int) -> None:
    m = MEASURES[name]
    mean, (lo, hi) = kpi.mean, kpi.ci95
    ci = format_range(name, lo, hi)
    target = None if verdict is None else verdict.target
    known = not _missing(mean) and target is not None
    st.metric(
        m.label,
        format_measure(name, mean),
        delta=format_gap(name, mean, target) if known else None,
        delta_color="normal" if m.higher_is_better else "inverse",
        delta_description=(_("vs target {target}").format(target=format_measure(name, target))
                           if known else None),
        help=m.help + " " + _(
            "Mean over {replications} replications; 95% confidence interval {ci}; "
            "P10 – P90 {p10_p90}. The target is met when the whole interval meets it; "
            "P(meet target): the chance that one simulated year meets it, with its 95% "
            "interval.").format(replications=replications, ci=ci,
                                p10_p90=format_range(name, kpi.p10, kpi.p90)),
    )
    if verdict is None or _missing(mean):
        st.markdown(":gray-badge[{}]".format(_("no target verdict")))
    else:
        st.markdown(_("{badge} · P(meet target) **{probability}**").format(
            badge=badge(verdict.status), probability=format_probability(verdict)))
    st.caption(_("95% CI {ci}").format(ci=ci))


def _kpi_charts(res: Comparison) -> None:
    st.subheader(_("KPIs side by side"))
    st.caption(_(
        "Dot: mean over the replications; bar: its 95% confidence interval; dashed line: the "
        "committee's target."
    ))
    cols = st.columns(3)
    for i, name in enumerate(KPI_NAMES):
        cols[i % 3].altair_chart(kpi_chart(res, name))


def _stage_styler(frame: pd.DataFrame) -> Styler:
    """Stage table with the stage of the largest mean wait highlighted."""
    waits = frame["mean_wait_days"]
    worst = waits.idxmax() if waits.notna().any() and waits.max() > 0 else None

    def highlight(row: pd.Series) -> list[str]:
        return [_HIGHLIGHT if row.name == worst else ""] * len(row)

    return frame.style.apply(highlight, axis=1).format(
        {
            "utilization": "{:.0%}",
            "mean_wait_days": "{:.2f}",
            "mean_time_days": "{:.2f}",
            "mean_queue_length": "{:.2f}",
            "visits_per_replication": "{:,.0f}",
        },
        na_rep="—",
    )


def _stage_columns() -> dict:
    return {name: st.column_config.Column(_(label), help=_(hint) if hint else None)
            for name, (label, hint) in STAGE_COLUMNS.items()}


def _stages(res: Comparison) -> None:
    st.subheader(_("Where orders wait: process stages"))
    tabs = st.tabs([r.label for r in res.results])
    for tab, r in zip(tabs, res.results, strict=True):
        with tab:
            frame = stage_frame(r.result)
            waits = frame["mean_wait_days"]
            st.dataframe(_stage_styler(frame), hide_index=True, column_config=_stage_columns())
            if waits.notna().any() and waits.max() > 0:
                worst = frame.loc[waits.idxmax()]
                st.caption(_(
                    "Bottleneck (highlighted): **{stage}**, orders wait {days} days on average "
                    "before it starts.").format(stage=worst["stage"],
                                                days=f"{worst['mean_wait_days']:.2f}"))
            else:
                st.caption(_("No stage makes orders wait."))
    st.altair_chart(stage_chart(res))
    st.caption(_("Means over the replications; stages no order passed are left out."))


def _differences(res: Comparison) -> None:
    st.subheader(_("Differences from the base ({base})").format(base=res.base.label))
    if not res.differences:
        st.info(_("Choose two or more scenarios to compare them with the base."))
        return
    st.caption(_(
        "Every scenario ran with the same seed and replication numbers (common random "
        "numbers): replication k of each scenario sees the same demand and the same chance "
        "events, so the differences are paired replication by replication and shared noise "
        "cancels. **Better?**: better / worse when the whole 95% interval lies on the improving / "
        "the other side, no clear difference when it holds 0, too few replications with "
        "fewer than 2."
    ))
    by_label = {r.label: r for r in res.results}
    for label, diffs in res.differences.items():
        st.markdown(f"**{label} − {res.base.label}**")
        st.dataframe(difference_view(res.base, by_label[label], diffs), hide_index=True)


#: the breakdown tables' tab titles
TABLE_TITLES = {"by_region": N_("By region"), "by_tier": N_("By tier"),
                "credit_scores": N_("Credit scores"), "forward_stock": N_("Forward stock per site"),
                "forward_policies": N_("Stock plan")}


def _breakdowns(res: Comparison) -> None:
    st.subheader(_("By region and by customer tier"))
    names = _table_names(res)
    tabs = st.tabs([_(TABLE_TITLES[n]) if n in TABLE_TITLES else n for n in names])
    for tab, name in zip(tabs, names, strict=True):
        with tab:
            frame = _stacked(res, name)
            if "region" in frame:  # the region's name in the page's language
                frame = frame.assign(region=frame["region"].map(region_label))
            st.dataframe(frame, hide_index=True, column_config=column_config(frame))
    st.caption(_("Means over the replications of each scenario; rates are shares of orders."))


def _downloads(res: Comparison) -> None:
    st.subheader(_("Downloads"))
    stem = f"pharmaops_committee_{res.finished_at:%Y%m%d_%H%M%S}_seed{res.seed}"
    cols = st.columns(3)
    cols[0].download_button(
        _("JSON payloads (all scenarios + differences)"),
        partial(comparison_json, res),
        file_name=f"{stem}.json",
        mime="application/json",
        key="committee_json",
        on_click="ignore",
        icon=":material/data_object:",
    )
    cols[1].download_button(
        _("Per-replication KPIs (CSV)"),
        partial(lambda r: _csv(per_replication_table(r)), res),
        file_name=f"{stem}_per_replication.csv",
        mime="text/csv",
        key="committee_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    cols[2].download_button(
        _("All tables (Excel)"),
        partial(committee_workbook, res),
        file_name=f"{stem}.xlsx",
        mime=_XLSX,
        key="committee_xlsx",
        on_click="ignore",
        icon=":material/table_view:",
        type="primary",
    )
    review_downloads(res, stem)


