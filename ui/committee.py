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

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from data.dataset import Dataset
from data.kpis import KPI_NAMES
from data.problems import DatasetError, InputError, ScenarioError
from scenarios.jsonio import json_ready
from scenarios.loading import LoadedScenario, load_scenario
from scenarios.paths import SCENARIOS_ENV_VAR, default_scenarios_dir
from scenarios.run import Prepared, SimulationRun, prepare, simulate, store_run
from scenarios.schema import Scenario
from scenarios.store import RunStore, StoredRun
from simulation.runner import default_workers
from simulation.summary import paired_differences
from ui.common import (
    MEASURES,
    column_config,
    format_gap,
    format_measure,
    load_dataset_or_error,
    show_refusal,
)
from ui.overview import kpi_workbook

TITLE = "Committee: scenarios"
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
_HIGHLIGHT = "background-color: rgba(255, 75, 75, 0.22)"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ScenarioResult:
    """One simulated scenario: ``label`` is its unique display name."""

    file: str
    label: str
    description: str
    payload: dict
    per_replication: pd.DataFrame
    tables: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class CommitteeResults:
    """Every scenario of one press of **Run**, the first being the base."""

    results: tuple[ScenarioResult, ...]
    seed: int
    replications: int
    finished_at: datetime
    differences: dict[str, dict] = field(default_factory=dict)

    @property
    def base(self) -> ScenarioResult:
        return self.results[0]


def compare(results: Sequence[ScenarioResult], seed: int, replications: int) -> CommitteeResults:
    """Results with the paired differences of every scenario against the first (the base)."""
    base, *others = results
    differences = {
        r.label: paired_differences(base.per_replication, r.per_replication) for r in others
    }
    return CommitteeResults(tuple(results), seed, replications, datetime.now(UTC), differences)


# --------------------------------------------------------------------------- formatting
def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def format_range(name: str, lo: float | None, hi: float | None) -> str:
    """``0.8 – 1.2 days``, ``84.1 – 86.3%`` in the measure's unit; ``—`` if not known."""
    if _missing(lo) or _missing(hi):
        return "—"
    m = MEASURES[name]
    if m.unit == "rate":
        return f"{100 * lo:.{m.decimals}f} – {100 * hi:.{m.decimals}f}%"
    return f"{lo:.{m.decimals}f} – {hi:.{m.decimals}f} days"


def format_difference(name: str, value: float | None) -> str:
    """Signed difference in the measure's unit: ``-0.4 days``, ``+3.2 pts`` (rates)."""
    if _missing(value):
        return "—"
    m = MEASURES[name]
    if m.unit == "rate":
        return f"{100 * value:+.{m.decimals}f} pts"
    return f"{value:+.{m.decimals}f} days"


def format_difference_range(name: str, lo: float | None, hi: float | None) -> str:
    """``-0.6 to -0.2 days``: a confidence interval of a difference."""
    if _missing(lo) or _missing(hi):
        return "—"
    low, high = format_difference(name, lo), format_difference(name, hi)
    return f"{low.rsplit(' ', 1)[0]} to {high}"


def _probability(value: float | None) -> str:
    return "—" if _missing(value) else f"{100 * value:.0f}%"


def kpi_view(payload: Mapping) -> pd.DataFrame:
    """A run summary's KPIs as shown: mean, 95% CI, P10–P90, target, met, P(meet target)."""
    kpis, targets = payload.get("kpis") or {}, payload.get("targets") or {}
    rows = []
    for name in KPI_NAMES:
        k, t = kpis.get(name) or {}, targets.get(name) or {}
        ci = k.get("ci95") or [None, None]
        met = t.get("met")
        rows.append(
            {
                "KPI": MEASURES[name].label,
                "mean": format_measure(name, k.get("mean")),
                "95% CI": format_range(name, *ci),
                "P10 – P90": format_range(name, k.get("p10"), k.get("p90")),
                "target": format_measure(name, t.get("target")),
                "met": "—" if met is None else "met" if met else "not met",
                "P(meet target)": _probability(t.get("probability")),
            }
        )
    return pd.DataFrame(rows)


def _share_range(summary: Mapping | None) -> tuple[str, str]:
    """Mean and 95% CI of a share, as percentages ("—" when absent)."""
    if not summary or _missing(summary.get("mean")):
        return "—", "—"
    lo, hi = summary.get("ci95") or [None, None]
    ci = "—" if _missing(lo) or _missing(hi) else f"{100 * lo:.1f}% – {100 * hi:.1f}%"
    return f"{100 * summary['mean']:.1f}%", ci


def forward_view(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario with forward warehouses: which, how they were chosen (status and
    gap of the location model), and the simulated forward stock (fill rate, share of orders
    from forward stock, split deliveries: mean and 95% CI over replications)."""
    rows = []
    for r in results:
        wh, stock = r.payload.get("warehouses") or {}, r.payload.get("forward_stock")
        sites = wh.get("forward_warehouses") or []
        if not sites and stock is None:
            continue
        details = r.payload.get("details") or {}
        row = {"scenario": r.label, "forward warehouses": ", ".join(sites) or "none",
               "chosen by": "location model" if wh.get("mode") == "optimize" else "the scenario",
               "model status": wh.get("status", "—"),
               "gap": "—" if _missing(wh.get("gap")) else f"{100 * wh['gap']:.2f}%"}
        for name, label in (("forward_fill_rate", "fill rate"),
                            ("forward_order_share", "orders from forward stock"),
                            ("split_delivery_rate", "split deliveries")):
            row[label], row[f"{label} 95% CI"] = _share_range(details.get(name))
        if stock is not None:
            row["fill-rate target"] = f"{100 * stock['fill_rate_target']:.1f}% ({stock['policy']})"
        rows.append(row)
    return pd.DataFrame(rows)


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
                base.label: format_measure(name, base.payload["kpis"][name]["mean"]),
                other.label: format_measure(name, other.payload["kpis"][name]["mean"]),
                "difference": format_difference(name, d["mean"]),
                "95% CI": format_difference_range(name, *d["ci95"]),
                "better?": "yes" if d["better"] else "no",
            }
        )
    return pd.DataFrame(rows)


def stage_frame(payload: Mapping) -> pd.DataFrame:
    """The stage statistics of a payload, one row per stage in process order."""
    stages = pd.DataFrame(payload["stages"]).T.astype(float)
    order = [s for s in STAGE_LABELS if s in stages.index]
    order += [s for s in stages.index if s not in STAGE_LABELS]
    stages = stages.loc[order]
    stages.insert(0, "stage", [STAGE_LABELS.get(s, s) for s in stages.index])
    return stages.reset_index(drop=True)


# --------------------------------------------------------------------------- downloads
def _long_tables(res: CommitteeResults) -> dict[str, pd.DataFrame]:
    """Every table of the comparison, one row per scenario and item (raw values)."""
    kpis, stages = [], []
    for r in res.results:
        p = r.payload
        for name in KPI_NAMES:
            k, t = p["kpis"][name], p["targets"].get(name, {})
            kpis.append(
                {
                    "scenario": r.label,
                    "kpi": name,
                    "mean": k["mean"],
                    "ci95_lo": k["ci95"][0],
                    "ci95_hi": k["ci95"][1],
                    "p10": k["p10"],
                    "p90": k["p90"],
                    "target": t.get("target"),
                    "met": t.get("met"),
                    "probability_met": t.get("probability"),
                }
            )
        frame = pd.DataFrame(p["stages"]).T.astype(float).rename_axis("stage").reset_index()
        stages.append(frame.assign(scenario=r.label))
    diffs = [
        {
            "scenario": label,
            "base": res.base.label,
            "kpi": name,
            "difference": d["mean"],
            "ci95_lo": d["ci95"][0],
            "ci95_hi": d["ci95"][1],
            "better": d["better"],
        }
        for label, by_kpi in res.differences.items()
        for name, d in by_kpi.items()
    ]
    tables = {
        "kpis": pd.DataFrame(kpis),
        "differences": pd.DataFrame(
            diffs,
            columns=["scenario", "base", "kpi", "difference", "ci95_lo", "ci95_hi", "better"],
        ),
        "stages": _scenario_first(pd.concat(stages, ignore_index=True)),
        "per_replication": per_replication_table(res),
    }
    for name in _table_names(res):
        tables[name] = _stacked(res, name)
    return tables


def _scenario_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["scenario", *[c for c in frame.columns if c != "scenario"]]]


def _table_names(res: CommitteeResults) -> list[str]:
    names: list[str] = []
    for r in res.results:
        names += [n for n in r.tables if n not in names]
    return names


def _stacked(res: CommitteeResults, name: str) -> pd.DataFrame:
    """Table ``name`` of every scenario that has it, with a leading ``scenario`` column."""
    frames = [r.tables[name].assign(scenario=r.label) for r in res.results if name in r.tables]
    return _scenario_first(pd.concat(frames, ignore_index=True))


def per_replication_table(res: CommitteeResults) -> pd.DataFrame:
    """Every replication's KPIs of every scenario (``scenario, replication, ...``)."""
    frames = [r.per_replication.assign(scenario=r.label) for r in res.results]
    return _scenario_first(pd.concat(frames, ignore_index=True))


def comparison_json(res: CommitteeResults) -> bytes:
    """Every scenario's JSON payload and the paired differences, as one JSON document."""
    doc = {
        "base": res.base.label,
        "seed": res.seed,
        "replications": res.replications,
        "scenarios": {r.label: r.payload for r in res.results},
        "differences": res.differences,
    }
    return _json_bytes(doc)


def _json_bytes(doc: object) -> bytes:
    return (json.dumps(json_ready(doc), indent=2, ensure_ascii=False, default=str) + "\n").encode()


def committee_workbook(res: CommitteeResults) -> bytes:
    """An Excel workbook, one sheet per table, then an ``about`` sheet (provenance)."""
    about = {
        "base": res.base.label,
        "scenarios": ", ".join(r.label for r in res.results),
        "run_ids": ", ".join(str(r.payload.get("run_id") or "(not stored)") for r in res.results),
        "seed": str(res.seed),
        "replications": str(res.replications),
        "dataset_fingerprints": ", ".join(
            str(r.payload["dataset_fingerprint"]) for r in res.results
        ),
        "finished_at": res.finished_at.isoformat(timespec="seconds"),
    }
    return kpi_workbook(_long_tables(res), about)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


# --------------------------------------------------------------------------- charts
def _scale(name: str) -> tuple[float, str]:
    return (100.0, "%") if MEASURES[name].unit == "rate" else (1.0, "days")


def kpi_chart(res: CommitteeResults, name: str) -> alt.LayerChart:
    """Mean and 95% CI of KPI ``name`` per scenario, with the target dashed."""
    m = MEASURES[name]
    scale, unit = _scale(name)
    order = [r.label for r in res.results]
    rows = []
    for r in res.results:
        k = r.payload["kpis"][name]
        rows.append(
            {
                "scenario": r.label,
                "mean": k["mean"] * scale,
                "lo": k["ci95"][0] * scale,
                "hi": k["ci95"][1] * scale,
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
            alt.Tooltip("scenario:N"),
            alt.Tooltip("mean:Q", format=fmt, title=f"mean ({unit})"),
            alt.Tooltip("lo:Q", format=fmt, title="95% CI low"),
            alt.Tooltip("hi:Q", format=fmt, title="95% CI high"),
        ],
    )
    verdicts = [r.payload["targets"].get(name) for r in res.results]
    targets = sorted({v["target"] * scale for v in verdicts if v is not None})
    rule = (
        alt.Chart(pd.DataFrame({"target": targets}))
        .mark_rule(color="#d62728", strokeDash=[5, 4])
        .encode(
            y=alt.Y("target:Q", title=title),
            tooltip=[alt.Tooltip("target:Q", format=fmt, title=f"target ({unit})")],
        )
    )
    return alt.layer(interval, means, rule).properties(
        height=230, title=f"{m.label} (target dashed)"
    )


def stage_chart(res: CommitteeResults) -> alt.Chart:
    """Mean time in each stage, one bar per scenario."""
    order = [r.label for r in res.results]
    frames = [stage_frame(r.payload).assign(scenario=r.label) for r in res.results]
    data = pd.concat(frames, ignore_index=True)[["scenario", "stage", "mean_time_days"]]
    stages = list(dict.fromkeys(data["stage"]))
    return (
        alt.Chart(data.dropna())
        .mark_bar()
        .encode(
            x=alt.X("stage:N", sort=stages, title=None, axis=alt.Axis(labelAngle=-30)),
            xOffset=alt.XOffset("scenario:N", sort=order),
            y=alt.Y("mean_time_days:Q", title="Mean time in stage (days)"),
            color=alt.Color("scenario:N", sort=order, title="Scenario"),
            tooltip=[
                alt.Tooltip("scenario:N"),
                alt.Tooltip("stage:N"),
                alt.Tooltip("mean_time_days:Q", format=".2f", title="days"),
            ],
        )
        .properties(height=320)
    )


# --------------------------------------------------------------------------- page
def render() -> None:
    """Page body; scenarios, replications, seed and workers come from the sidebar."""
    st.title(TITLE)
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
    _stored_runs()


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


def _show_problems(title: str, error: InputError) -> None:
    """An error naming what was refused, with the table of every problem."""
    st.error(f"{title}: {error.summary}. Fix the problems listed below and press **Run** again.")
    table = pd.DataFrame(
        [asdict(p) for p in error.problems], columns=["source", "location", "expected", "found"]
    )
    st.dataframe(table, hide_index=True, width="stretch")


def _unique_labels(loaded: Sequence[LoadedScenario]) -> list[str]:
    names = [x.scenario.name for x in loaded]
    return [
        name if names.count(name) == 1 else f"{name} ({x.path.name})"
        for name, x in zip(names, loaded, strict=True)
    ]


def run_scenarios(
    paths: Sequence[Path],
    *,
    replications: int,
    seed: int,
    workers: int,
    allow_outside_data: bool,
) -> CommitteeResults | None:
    """Validate, prepare, simulate and store every scenario; None (after showing why) if any
    scenario or data set is refused."""
    loaded: list[LoadedScenario] = []
    for path in paths:
        try:
            loaded.append(load_scenario(path, allow_outside_data=allow_outside_data))
        except ScenarioError as exc:
            _show_problems(f"Scenario `{path.name}` refused", exc)
    if len(loaded) < len(paths):
        return None

    prepared: list[Prepared] = []
    for item in loaded:
        ds = load_dataset_or_error(item.dataset_path)
        if isinstance(ds, DatasetError):
            st.markdown(f"Data set of scenario `{item.path.name}`:")
            show_refusal(ds)
            return None
        try:
            prepared.append(
                _prepared(
                    str(item.path),
                    item.path.stat().st_mtime_ns,
                    ds.fingerprint,
                    f"{ds.as_of:%Y-%m-%d}",
                    item,
                    ds,
                )
            )
        except InputError as exc:
            _show_problems(f"Scenario `{item.path.name}` cannot be prepared", exc)
            return None

    try:
        store: RunStore | None = RunStore()
    except InputError as exc:
        store = None
        st.warning(f"The runs will not be stored: {exc.summary}.")

    results: list[ScenarioResult] = []
    stored: list[str] = []
    for item, prep, label in zip(loaded, prepared, _unique_labels(loaded), strict=True):
        run, started = _simulate_with_progress(item, prep, label, replications, seed, workers)
        if store is not None:
            try:
                run_id = store_run(run, item, store, started)
                stored.append(f"`{run_id}` ({label})")
            except InputError as exc:
                st.warning(f"Run of {label} not stored: {exc}")
        results.append(
            ScenarioResult(
                item.path.name,
                label,
                item.scenario.description,
                run.payload,
                run.per_replication,
                run.tables,
            )
        )
    if stored:
        st.success("Stored as run " + ", ".join(stored) + ".", icon=":material/database:")
    return compare(results, seed, replications)


def _simulate_with_progress(
    loaded: LoadedScenario,
    prepared: Prepared,
    label: str,
    replications: int,
    seed: int,
    workers: int,
) -> tuple[SimulationRun, datetime]:
    """Simulate with a progress bar; returns the run and when it started."""
    bar = st.progress(0.0, text=f"{label}: replication 0 of {replications}")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{label}: replication {done} of {total}")

    started = datetime.now(UTC)
    run = simulate(
        loaded,
        prepared,
        replications=replications,
        seed=seed,
        workers=workers,
        progress=progress,
    )
    bar.progress(
        1.0,
        text=f"{label}: {replications} of {replications} replications in "
        f"{run.payload['runtime_s']:.0f} s",
    )
    return run, started


# --------------------------------------------------------------------------- sections
def show_results(res: CommitteeResults) -> None:
    """Every result section of a comparison."""
    fingerprints = {r.payload["dataset_fingerprint"] for r in res.results}
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
    _forward(res)
    _breakdowns(res)
    _downloads(res)


def _forward(res: CommitteeResults) -> None:
    frame = forward_view(res.results)
    if frame.empty:
        return
    st.subheader("Forward warehouses and their stock")
    st.dataframe(frame, hide_index=True, key="committee_forward")
    st.caption("Fill rate: units shipped from a forward warehouse's stock / units of its stocked "
               "products asked of it. Lines it lacks or does not stock ship from the central DC "
               "as a second shipment (split delivery); per-site figures and the stock plan are "
               "in the tabs below and in the workbook.")


def _scenario_cards(r: ScenarioResult) -> None:
    p = r.payload
    st.subheader(r.label)
    window = p["window"]
    st.caption(
        " · ".join(
            part
            for part in (
                r.description,
                f"run `{p['run_id']}`" if p.get("run_id") else "not stored",
                f"{p['replications']} replications of {window['horizon_days']} days "
                f"({window['warmup_days']} warm-up)",
                f"{p['runtime_s']:.1f} s",
                f"data set `{p['dataset_fingerprint'][:12]}`",
            )
            if part
        )
    )
    cols = st.columns(3)
    for i, name in enumerate(KPI_NAMES):
        with cols[i % 3].container(border=True):
            _card(name, p["kpis"][name], p["targets"].get(name), p["replications"])


def _card(name: str, kpi: Mapping, verdict: Mapping | None, replications: int) -> None:
    m = MEASURES[name]
    mean, (lo, hi) = kpi["mean"], kpi["ci95"]
    ci = format_range(name, lo, hi)
    target = None if verdict is None else verdict["target"]
    known = not _missing(mean) and target is not None
    st.metric(
        m.label,
        format_measure(name, mean),
        delta=format_gap(name, mean, target) if known else None,
        delta_color="normal" if m.higher_is_better else "inverse",
        delta_description=f"vs target {format_measure(name, target)}" if known else None,
        help=f"{m.help} Mean over {replications} replications; 95% confidence interval {ci}; "
        f"P10 – P90 {format_range(name, kpi['p10'], kpi['p90'])}.",
    )
    if verdict is None or _missing(mean):
        st.markdown(":gray-badge[no target verdict]")
    else:
        badge = (
            ":green-badge[:material/check: met]"
            if verdict["met"]
            else ":red-badge[:material/close: not met]"
        )
        st.markdown(f"{badge} · P(meet target) **{_probability(verdict['probability'])}**")
    st.caption(f"95% CI {ci}")


def _kpi_charts(res: CommitteeResults) -> None:
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


def _stages(res: CommitteeResults) -> None:
    st.subheader("Where orders wait: process stages")
    tabs = st.tabs([r.label for r in res.results])
    for tab, r in zip(tabs, res.results, strict=True):
        with tab:
            frame = stage_frame(r.payload)
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


def _differences(res: CommitteeResults) -> None:
    st.subheader(f"Differences from the base ({res.base.label})")
    if not res.differences:
        st.info("Choose two or more scenarios to compare them with the base.")
        return
    st.caption(
        "Every scenario ran with the same seed and replication numbers (common random "
        "numbers): replication k of each scenario sees the same demand and the same chance "
        "events, so the differences are paired replication by replication and shared noise "
        "cancels. **Better?** is yes when the whole 95% interval lies on the improving side."
    )
    by_label = {r.label: r for r in res.results}
    for label, diffs in res.differences.items():
        st.markdown(f"**{label} − {res.base.label}**")
        st.dataframe(difference_view(res.base, by_label[label], diffs), hide_index=True)


def _breakdowns(res: CommitteeResults) -> None:
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


def _downloads(res: CommitteeResults) -> None:
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


def _stored_runs() -> None:
    with st.expander("Stored runs"):
        try:
            store = RunStore()
            runs = store.list_runs()
        except InputError as exc:
            _show_problems("The run store cannot be read", exc)
            return
        st.caption(f"Run store `{store.path}`: every run, newest first.")
        if runs.empty:
            st.info("No runs stored yet.")
            return
        st.dataframe(runs, hide_index=True)
        sims = runs[runs["kind"] == "simulation"]
        if sims.empty:
            st.caption("No simulation runs stored yet.")
            return
        names = dict(zip(sims["run_id"], sims["scenario_name"], strict=True))
        choice = st.selectbox(
            "Show a stored simulation run",
            list(names),
            index=None,
            format_func=lambda run_id: f"{run_id} · {names[run_id]}",
            placeholder="Choose a run",
            key="committee_stored_run",
        )
        if choice is not None:
            try:
                _stored_summary(store.get(choice))
            except InputError as exc:
                _show_problems(f"Run {choice} cannot be read", exc)


def _stored_summary(run: StoredRun) -> None:
    summary = run.summary
    window = summary.get("window") or {}
    st.markdown(f"**{run.scenario_name}** · run `{run.run_id}`")
    st.caption(
        f"Started {run.started_at:%Y-%m-%d %H:%M} · {summary.get('replications', '?')} "
        f"replications of {window.get('horizon_days', '?')} days · seed {run.seed} · data set "
        f"`{run.dataset_fingerprint[:12]}` · code {run.code_version}"
    )
    if not isinstance(summary.get("kpis"), dict):
        st.warning("This run's summary holds no KPIs.")
        return
    st.dataframe(kpi_view(summary), hide_index=True)
    st.download_button(
        "Stored run (JSON)",
        partial(lambda r: _json_bytes(r.to_json_dict()), run),
        file_name=f"pharmaops_run_{run.run_id}.json",
        mime="application/json",
        key=f"stored_json_{run.run_id}",
        on_click="ignore",
        icon=":material/data_object:",
    )
