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

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from data.dataset import Dataset
from data.kpis import KPI_NAMES
from data.problems import DatasetError, InputError, ScenarioError
from scenarios.compare import Comparison, ScenarioResult, load_scenarios, run_comparison
from scenarios.loading import LoadedScenario, load_scenario
from scenarios.paths import SCENARIOS_ENV_VAR, default_scenarios_dir
from scenarios.run import Prepared, prepare
from scenarios.schema import Scenario
from scenarios.store import RunStore
from simulation.runner import default_workers
from simulation.summary import MET, NOT_MET, TOO_FEW, UNCERTAIN, Estimate, Verdict
from ui.committee_charts import kpi_chart, stage_chart
from ui.committee_exports import (
    _csv,
    _stacked,
    _table_names,
    committee_workbook,
    comparison_json,
    per_replication_table,
)
from ui.committee_sensitivity import sensitivity_section
from ui.committee_views import (
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
    load_dataset_or_error,
    show_problems,
    show_refusal,
)
from ui.i18n import N_, _
from ui.stored_runs import stored_runs_section

TITLE = N_("Committee: scenarios")
URL_PATH = "scenarios"
ICON = ":material/compare_arrows:"
#: environment variable naming the folder whose ``*.toml`` files the sidebar offers
DEFAULT_FILES = ("baseline.toml", "plan.toml")
DEFAULT_REPLICATIONS = 10
MAX_REPLICATIONS = 200
DEFAULT_WORKERS = 2
#: the largest seed a browser number input holds exactly (2**53 - 1)
MAX_SEED = 2**53 - 1
RESULTS_KEY = "committee_results"
_HIGHLIGHT = "background-color: rgba(255, 75, 75, 0.22)"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



# --------------------------------------------------------------------------- page
def render() -> None:
    """Page body; scenarios, replications, seed and workers come from the sidebar."""
    st.title(_(TITLE))
    st.caption(
        "Simulates each scenario's year of orders, deliveries, invoices and payments, "
        "replication after replication, and compares the KPIs with the committee's targets. "
        "Every scenario runs with the same seed, so they see the same demand."
    )
    folder, configured = scenarios_folder()
    files = scenario_files(folder)
    if not files:
        st.error(
            f"No scenario files (`*.toml`) in `{folder}`. Set `{SCENARIOS_ENV_VAR}` to a folder "
            "that holds them, or restore `scenarios/baseline.toml` and `scenarios/plan.toml`."
        )
    else:
        settings = _sidebar(folder, files)
        if settings is not None:
            chosen, replications, seed, workers = settings
            paths = [folder / name for name in chosen]
            done = run_scenarios(
                paths,
                replications=replications,
                seed=seed,
                workers=workers,
                allow_outside_data=configured,
            )
            if done is not None:
                st.session_state[RESULTS_KEY] = done
        results = st.session_state.get(RESULTS_KEY)
        if results is None:
            st.info(
                "Pick the scenarios in the sidebar (the first is the base) and press **Run**. "
                "A run takes about 10–20 s per replication and scenario on the national data set."
            )
        else:
            show_results(results)
        workers = int(st.session_state.get("committee_workers", DEFAULT_WORKERS))
        sensitivity_section(folder, files, configured, prepared_for, workers)
    stored_runs_section()


def scenarios_folder() -> tuple[Path, bool]:
    """The scenarios folder, and whether the operator chose it (``$PHARMAOPS_SCENARIOS_DIR``)."""
    return default_scenarios_dir()


def scenario_files(folder: Path) -> list[str]:
    """Names of the ``*.toml`` files in ``folder``, sorted; none if it is not a folder."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob("*.toml") if p.is_file())


def _first_scenario(path: Path) -> Scenario | None:
    """The scenario in ``path`` when it is valid (for the sidebar defaults), else None."""
    try:
        return load_scenario(path, allow_outside_data=True).scenario
    except ScenarioError:
        return None


def _sidebar(folder: Path, files: list[str]) -> tuple[list[str], int, int, int] | None:
    """The sidebar; returns (files, replications, seed, workers) when **Run** was pressed."""
    sb = st.sidebar
    chosen = sb.multiselect(
        "Scenarios",
        files,
        default=[f for f in DEFAULT_FILES if f in files] or files[:1],
        key="committee_files",
        help=f"Scenario files in `{folder}`. The first one is the base the others are "
        "compared with.",
    )
    first = _first_scenario(folder / chosen[0]) if chosen else None
    defaults = Scenario.model_fields
    own_reps = first.replications if first else defaults["replications"].default
    own_seed = first.seed if first else defaults["seed"].default
    replications = int(
        sb.number_input(
            "Replications",
            min_value=1,
            max_value=MAX_REPLICATIONS,
            value=DEFAULT_REPLICATIONS,
            step=1,
            key="committee_replications",
            help="Independent simulation runs per scenario. More replications narrow the "
            "confidence intervals; the run time grows in proportion.",
        )
    )
    sb.caption(
        f"{DEFAULT_REPLICATIONS} replications are enough to explore. The committee's figures "
        f"use the scenario's own count ({own_reps}): set it here, or run "
        "`pharmaops compare`."
    )
    seed = int(
        sb.number_input(
            "Seed",
            min_value=0,
            max_value=MAX_SEED,
            value=min(own_seed, MAX_SEED),
            step=1,
            # keyed by the base, so choosing another base starts from its seed
            key=f"committee_seed_{chosen[0] if chosen else ''}",
            help="Root seed shared by every scenario (common random numbers). Defaults to "
            "the base scenario's seed.",
        )
    )
    workers = int(
        sb.number_input(
            "Workers",
            min_value=1,
            max_value=max(DEFAULT_WORKERS, default_workers()),
            value=DEFAULT_WORKERS,
            step=1,
            key="committee_workers",
            help="Processes running replications in parallel (1 runs them in the app's "
            "process). The results do not depend on it.",
        )
    )
    pressed = sb.button(
        "Run",
        type="primary",
        icon=":material/play_arrow:",
        disabled=not chosen,
        key="committee_run",
        help="Validate, calibrate and simulate the chosen scenarios, and store the runs.",
    )
    if not chosen:
        sb.caption("Choose at least one scenario.")
    return (chosen, replications, seed, workers) if pressed and chosen else None


@st.cache_resource(
    max_entries=4,
    show_spinner="Calibrating today's process from the data set and applying the scenario's "
    "models …",
)
def _prepared(
    path: str,
    mtime_ns: int,
    fingerprint: str,
    as_of: str,
    _loaded: LoadedScenario,
    _dataset: Dataset,
) -> Prepared:
    """:func:`scenarios.run.prepare` once per scenario file version and data set; shared
    read-only by all sessions."""
    del path, mtime_ns, fingerprint, as_of  # cache key only
    return prepare(_loaded, _dataset)


def prepared_for(item: LoadedScenario, ds: Dataset) -> Prepared:
    """The scenario prepared on its data set (cached per file version and data set)."""
    return _prepared(str(item.path), item.path.stat().st_mtime_ns, ds.fingerprint,
                     f"{ds.as_of:%Y-%m-%d}", item, ds)


def run_scenarios(
    paths: Sequence[Path],
    *,
    replications: int,
    seed: int,
    workers: int,
    allow_outside_data: bool,
) -> Comparison | None:
    """Validate, prepare, simulate and store every scenario; None (after showing why) if any
    scenario or data set is refused."""
    try:
        loaded = load_scenarios(paths, allow_outside_data=allow_outside_data)
    except ScenarioError as exc:
        refused = sorted({Path(p.source).name for p in exc.problems})
        show_problems("Scenario " + ", ".join(f"`{name}`" for name in refused) + " refused", exc)
        return None

    prepared: list[Prepared] = []
    for item in loaded:
        ds = load_dataset_or_error(item.dataset_path)
        if isinstance(ds, DatasetError):
            st.markdown(f"Data set of scenario `{item.path.name}`:")
            show_refusal(ds)
            return None
        try:
            prepared.append(prepared_for(item, ds))
        except InputError as exc:
            show_problems(f"Scenario `{item.path.name}` cannot be prepared", exc)
            return None

    try:
        store: RunStore | None = RunStore()
    except InputError as exc:
        store = None
        st.warning(f"The runs will not be stored: {exc.summary}.")

    def progress(label: str):
        bar = st.progress(0.0, text=f"{label}: replication 0 of {replications}")

        def tick(done: int, total: int) -> None:
            bar.progress(done / total, text=f"{label}: replication {done} of {total}")

        return tick

    try:
        done = run_comparison(loaded, prepared, seed=seed, replications=replications,
                              workers=workers, progress=progress, store=store)
    except InputError as exc:  # the store failed while writing: nothing of this run is kept
        show_problems("The runs could not be stored", exc)
        return None
    if store is not None:
        ids = [f"`{r.result.run_id}` ({r.label})" for r in done.results]
        st.success("Stored as run " + ", ".join(ids) + ".", icon=":material/database:")
    return done


# --------------------------------------------------------------------------- sections
def show_results(res: Comparison) -> None:
    """Every result section of a comparison."""
    fingerprints = {r.result.dataset_fingerprint for r in res.results}
    st.caption(
        f"Run finished {res.finished_at.astimezone():%Y-%m-%d %H:%M} · "
        f"{res.replications} replications per scenario · seed {res.seed} · "
        f"base: **{res.base.label}**"
    )
    if len(fingerprints) > 1:
        st.warning(
            "The scenarios use different data sets, so their differences mix the levers "
            "with the data."
        )
    for r in res.results:
        _scenario_cards(r)
    _kpi_charts(res)
    _stages(res)
    _differences(res)
    _assumptions(res)
    _validation(res)
    _forward(res)
    _sales(res)
    _breakdowns(res)
    _downloads(res)


def _assumptions(res: Comparison) -> None:
    st.subheader("Assumptions: values, plausible ranges and sources")
    st.caption(
        "Effect sizes DOMAIN.md does not give, as each scenario states them, with the range "
        "the evidence makes plausible and its source (*judgement* where no published figure "
        "exists; docs/scenarios.md gives the reasoning). An assumption no lever of the "
        "scenario uses changes none of its figures; a value outside its range is highlighted. "
        "Which verdicts rest on them: the sensitivity section below.")
    tabs = st.tabs([r.label for r in res.results])
    for tab, r in zip(tabs, res.results, strict=True):
        frame = assumptions_view(r.result)
        with tab:
            st.dataframe(frame.style.apply(
                lambda row: [_HIGHLIGHT if row["in range"] == "no" else ""] * len(row), axis=1),
                hide_index=True, key=f"committee_assumptions_{r.label}")


def _validation(res: Comparison) -> None:
    checked = [r for r in res.results if r.validation is not None]
    if not checked:
        return
    st.subheader("Today simulated vs history")
    st.caption(
        "A scenario that pulls no lever is today's process: its simulated year should look like "
        "the history of the same calendar days. *Consistent*: history lies within the range of "
        "one simulated year. A CI of the mean that misses history alone is no bias: history is "
        "one year, known no better than a year varies.")
    for r in checked:
        st.markdown(f"**{r.label}**")
        st.dataframe(validation_view(r.validation), hide_index=True, width="stretch",
                     key=f"validation_{r.label}")


def _forward(res: Comparison) -> None:
    frame = forward_view(res.results)
    if frame.empty:
        return
    st.subheader("Forward warehouses and their stock")
    st.dataframe(frame, hide_index=True, key="committee_forward")
    st.caption("Fill rate: units shipped from a forward warehouse's stock / units of its stocked "
               "products asked of it. Lines it lacks or does not stock ship from the central DC "
               "as a second shipment (split delivery); per-site figures and the stock plan are "
               "in the tabs below and in the workbook.")


def _sales(res: Comparison) -> None:
    st.subheader("Sales and the reps' calls")
    st.dataframe(sales_view(res.results, res.differences), hide_index=True, key="committee_sales")
    st.caption("Credit sales: invoiced over the days measured, mean and 95% CI over the "
               "replications. A scenario with territory.allocation = \"optimize\" gives every "
               "account the calls the call plan sets, and its order rate moves along its "
               "response curve estimated from the visits (docs/territory.md); the uplift the "
               "curves expect is the plan's own, optimistic by a few points. Selling-expense "
               "ratio: today's unit costs (estimated from the data's selling expenses) on the "
               "scenario's reps and calls, meetings and specialists as today, plus promotion "
               "as today's share of the replication's credit sales, over those credit sales; "
               "its change against the base is paired, in points (target −5). New customers "
               "are not simulated yet (docs/simulation.md).")


def _scenario_cards(r: ScenarioResult) -> None:
    p = r.result
    st.subheader(r.label)
    window = p.window
    st.caption(
        " · ".join(
            part
            for part in (
                r.description,
                f"run `{p.run_id}`" if p.run_id else "not stored",
                f"{p.replications} replications of {window['horizon_days']} days "
                f"({window['warmup_days']} warm-up)",
                f"{p.runtime_s:.1f} s",
                f"data set `{p.dataset_fingerprint[:12]}`",
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
    MET: ":green-badge[:material/check: met]",
    NOT_MET: ":red-badge[:material/close: not met]",
    UNCERTAIN: ":orange-badge[:material/help: uncertain]",
    TOO_FEW: ":gray-badge[too few replications]",
}


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
        delta_description=f"vs target {format_measure(name, target)}" if known else None,
        help=f"{m.help} Mean over {replications} replications; 95% confidence interval {ci}; "
        f"P10 – P90 {format_range(name, kpi.p10, kpi.p90)}. The target is met when the whole "
        "interval meets it; P(meet target): the chance that one simulated year meets it, "
        "with its 95% interval.",
    )
    if verdict is None or _missing(mean):
        st.markdown(":gray-badge[no target verdict]")
    else:
        badge = BADGES.get(verdict.status, f":gray-badge[{verdict.status}]")
        st.markdown(f"{badge} · P(meet target) **{format_probability(verdict)}**")
    st.caption(f"95% CI {ci}")


def _kpi_charts(res: Comparison) -> None:
    st.subheader("KPIs side by side")
    st.caption(
        "Dot: mean over the replications; bar: its 95% confidence interval; dashed line: the "
        "committee's target."
    )
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


_STAGE_COLUMNS = {
    "stage": st.column_config.Column("Stage"),
    "utilization": st.column_config.Column(
        "Utilisation", help="Share of staff time busy; only stages with limited staff have one."
    ),
    "mean_wait_days": st.column_config.Column(
        "Mean wait (days)", help="Mean time queueing before the stage starts."
    ),
    "mean_time_days": st.column_config.Column(
        "Mean time in stage (days)", help="Mean wait plus service time."
    ),
    "mean_queue_length": st.column_config.Column(
        "Mean queue length", help="Time-average number of orders waiting."
    ),
    "visits_per_replication": st.column_config.Column(
        "Orders per replication", help="Orders passing the stage in the measured period."
    ),
}


def _stages(res: Comparison) -> None:
    st.subheader("Where orders wait: process stages")
    tabs = st.tabs([r.label for r in res.results])
    for tab, r in zip(tabs, res.results, strict=True):
        with tab:
            frame = stage_frame(r.result)
            waits = frame["mean_wait_days"]
            st.dataframe(_stage_styler(frame), hide_index=True, column_config=_STAGE_COLUMNS)
            if waits.notna().any() and waits.max() > 0:
                worst = frame.loc[waits.idxmax()]
                st.caption(
                    f"Bottleneck (highlighted): **{worst['stage']}**, orders wait "
                    f"{worst['mean_wait_days']:.2f} days on average before it starts."
                )
            else:
                st.caption("No stage makes orders wait.")
    st.altair_chart(stage_chart(res))
    st.caption("Means over the replications; stages no order passed are left out.")


def _differences(res: Comparison) -> None:
    st.subheader(f"Differences from the base ({res.base.label})")
    if not res.differences:
        st.info("Choose two or more scenarios to compare them with the base.")
        return
    st.caption(
        "Every scenario ran with the same seed and replication numbers (common random "
        "numbers): replication k of each scenario sees the same demand and the same chance "
        "events, so the differences are paired replication by replication and shared noise "
        "cancels. **Better?**: better / worse when the whole 95% interval lies on the improving / "
        "the other side, no clear difference when it holds 0, too few replications with "
        "fewer than 2."
    )
    by_label = {r.label: r for r in res.results}
    for label, diffs in res.differences.items():
        st.markdown(f"**{label} − {res.base.label}**")
        st.dataframe(difference_view(res.base, by_label[label], diffs), hide_index=True)


def _breakdowns(res: Comparison) -> None:
    st.subheader("By region and by customer tier")
    names = _table_names(res)
    titles = {"by_region": "By region", "by_tier": "By tier", "credit_scores": "Credit scores",
              "forward_stock": "Forward stock per site", "forward_policies": "Stock plan"}
    tabs = st.tabs([titles.get(n, n) for n in names])
    for tab, name in zip(tabs, names, strict=True):
        with tab:
            frame = _stacked(res, name)
            st.dataframe(frame, hide_index=True, column_config=column_config(frame))
    st.caption("Means over the replications of each scenario; rates are shares of orders.")


def _downloads(res: Comparison) -> None:
    st.subheader("Downloads")
    stem = f"pharmaops_committee_{res.finished_at:%Y%m%d_%H%M%S}_seed{res.seed}"
    cols = st.columns(3)
    cols[0].download_button(
        "JSON payloads (all scenarios + differences)",
        partial(comparison_json, res),
        file_name=f"{stem}.json",
        mime="application/json",
        key="committee_json",
        on_click="ignore",
        icon=":material/data_object:",
    )
    cols[1].download_button(
        "Per-replication KPIs (CSV)",
        partial(lambda r: _csv(per_replication_table(r)), res),
        file_name=f"{stem}_per_replication.csv",
        mime="text/csv",
        key="committee_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    cols[2].download_button(
        "All tables (Excel)",
        partial(committee_workbook, res),
        file_name=f"{stem}.xlsx",
        mime=_XLSX,
        key="committee_xlsx",
        on_click="ignore",
        icon=":material/table_view:",
        type="primary",
    )


