"""The committee page's section "Which verdicts rest on assumptions": a chosen scenario's
sensitivity (:func:`scenarios.sensitivity_run.run_sensitivity`) with a progress bar, the
verdict of each KPI at the low and the high end of each assumption's plausible range (flips
highlighted) and a CSV of the whole table. Nothing runs until **Run sensitivity** is pressed;
the result stays in the session."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from data.problems import DatasetError, ScenarioError, said
from scenarios.compare import load_scenarios
from scenarios.evidence import in_play
from scenarios.loading import load_scenario
from scenarios.schema import Assumptions
from scenarios.sensitivity import CORNERS, JOINT, read_label
from scenarios.sensitivity_run import ScenarioSensitivity
from ui import jobs
from ui.committee_views import format_range
from ui.common import (
    MEASURES,
    csv_bytes,
    format_measure,
    load_dataset_or_error,
    show_problems,
    show_refusal,
)
from ui.i18n import N_, _
from ui.lever_labels import assumption_label, source_label

RESULT_KEY = "committee_sensitivity"
DEFAULT_REPLICATIONS = 5
_FLIP = "background-color: rgba(255, 75, 75, 0.22)"
#: how the joint rows are named on the page
JOINT_LABELS = {JOINT: N_("all at low / all at high"),
                CORNERS: N_("least / most favourable corner")}
#: why an assumption was not varied (``scenarios.sensitivity_run``'s fixed texts)
NOT_VARIED_WHY = (N_("no lever of the scenario uses it"), N_("not asked for"))

#: this session's queued sensitivity (ui/jobs.py) and the last failure
JOB_KEY, FAILED_KEY = "sensitivity_job", "sensitivity_failed"
#: how often the page looks at the job, s
POLL_S = 2


def sensitivity_section(folder: Path, files: list[str], allow_outside_data: bool,
                        workers: int) -> None:
    """The section: choose a scenario and the assumptions to vary, run, show."""
    st.subheader(_("Which verdicts rest on assumptions"))
    st.caption(_(
        "Each assumption the scenario's levers use is set to the low and to the high end of its "
        "plausible range (docs/scenarios.md), one at a time, then all together; every setting "
        "runs with the scenario's seed, so they see the same demand. A verdict is *met* when "
        "the whole 95% interval meets the target, *not met* when none of it does, *uncertain* "
        "otherwise. A highlighted cell flips: its verdict at an end of the range differs from "
        "the verdict at the scenario's own values."))
    cols = st.columns([3, 1])
    name = cols[0].selectbox(_("Scenario"), files, index=files.index("plan.toml")
                             if "plan.toml" in files else 0, key="sensitivity_file")
    replications = int(cols[1].number_input(
        _("Replications per setting"), min_value=1, max_value=200, value=DEFAULT_REPLICATIONS,
        step=1, key="sensitivity_replications"))
    scenario = _valid(folder / name)
    used = in_play(scenario) if scenario is not None else []
    # the options are the field names (kept in the session); the page shows their labels
    names = {n: assumption_label(n) for n in Assumptions.model_fields}
    chosen = st.multiselect(
        _("Assumptions to vary"), list(names), default=used, format_func=names.__getitem__,
        key=f"sensitivity_assumptions_{name}",
        help=_("By default every assumption the scenario's levers use; the others change none "
               "of its figures."))
    n = len(chosen)
    settings = 1 + 2 * n + 2 + 12
    st.caption(_("At most {settings} settings × {replications} replications: about {years} "
                 "simulated years (10–20 s each on the national data set).").format(
        settings=settings, replications=replications, years=settings * replications))
    if st.button(_("Run sensitivity"), icon=":material/tune:",
                 disabled=not chosen or JOB_KEY in st.session_state, key="sensitivity_run"):
        queue_sensitivity(folder / name, allow_outside_data, chosen, replications, workers)
    _job_progress()
    found = st.session_state.get(RESULT_KEY)
    if found is not None:
        show_sensitivity(found)


def _valid(path: Path):
    try:
        return load_scenario(path, allow_outside_data=True).scenario
    except ScenarioError:
        return None


def queue_sensitivity(path: Path, allow_outside_data: bool, assumptions: list[str],
                      replications: int, workers: int) -> None:
    """Check the scenario and its data set, then queue ``pharmaops sensitivity`` as a job
    (ui/jobs.py); nothing is queued (and the page says why) when either is refused."""
    try:
        loaded = load_scenarios([path], allow_outside_data=allow_outside_data)[0]
    except ScenarioError as exc:
        show_problems(_("Scenario {names} refused").format(names=f"`{path.name}`"), exc)
        return
    ds = load_dataset_or_error(loaded.dataset_path)
    if isinstance(ds, DatasetError):
        show_refusal(ds)
        return
    arguments = ["sensitivity", str(path), "--replications", str(replications),
                 "--workers", str(workers), "--assumptions", ",".join(assumptions)]
    arguments += ["--allow-outside-data"] if allow_outside_data else []
    st.session_state[JOB_KEY] = jobs.start(arguments, progress_file=True, stores=False)
    st.session_state.pop(FAILED_KEY, None)


@st.fragment(run_every=POLL_S)
def _job_progress() -> None:
    """The queued sensitivity's progress; when its job ends, its result (read from the JSON it
    wrote) and the whole page again, or its last lines when it failed."""
    job: jobs.Job | None = st.session_state.get(JOB_KEY)
    if job is None:
        if (failed := st.session_state.get(FAILED_KEY)) is not None:
            st.error(_("The sensitivity could not be run (exit code {code}).").format(
                code=failed[0]))
            st.code(failed[1])
        return
    code = jobs.progress_bar(job, lambda done, total, label: _(
        "setting {i} of {n}: {label}").format(i=min(done + 1, total), n=total,
                                              label=said(read_label(label), _))
        if total else _("Preparing the scenario …"))
    if code is None:
        return
    del st.session_state[JOB_KEY]
    doc = job.result() if code == 0 else None
    if doc is not None:
        st.session_state[RESULT_KEY] = ScenarioSensitivity.from_json(doc)
    else:
        st.session_state[FAILED_KEY] = (code, job.tail(12))
    job.remove()
    st.rerun()


def _label(assumption: str) -> str:
    return (_(JOINT_LABELS[assumption]) if assumption in JOINT_LABELS
            else assumption_label(assumption))


def verdict_grid(found: ScenarioSensitivity) -> pd.DataFrame:
    """Assumption × KPI: the verdict at the low end → at the high end where a verdict flips,
    the verdict (the same at both ends and at base) where none does."""
    table = found.result.table()
    rows: dict[str, dict[str, str]] = {}
    for r in table.itertuples():
        cell = (f"{_(r.verdict_at_low)} → {_(r.verdict_at_high)}" if r.flips
                else _(r.verdict_at_base))
        rows.setdefault(_label(r.assumption), {})[MEASURES[r.kpi].label] = cell
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(
        _("assumption")).reset_index()


def flip_cells(found: ScenarioSensitivity) -> set[tuple[str, str]]:
    """(assumption as shown, KPI label) of every flip."""
    return {(_label(f.assumption), MEASURES[f.kpi].label) for f in found.result.flips}


def _grid_styler(found: ScenarioSensitivity, grid: pd.DataFrame) -> Styler:
    flips = flip_cells(found)

    def highlight(row: pd.Series) -> list[str]:
        return [_FLIP if (row[_("assumption")], column) in flips else ""
                for column in row.index]

    return grid.style.apply(highlight, axis=1)


def sensitivity_csv_table(found: ScenarioSensitivity) -> pd.DataFrame:
    """The whole KPI × assumption table (joint rows included) in raw values, for download."""
    return found.result.table().assign(scenario=found.scenario, seed=found.seed,
                                       replications=found.replications)


def show_sensitivity(found: ScenarioSensitivity) -> None:
    """The verdicts at base, the grid with flips highlighted, the flips, downloads."""
    result = found.result
    st.markdown(f"**{found.scenario}**: " + _(
        "{varied} assumptions varied, {settings} settings × {replications} replications, seed "
        "{seed}, {seconds} s · **{flips} flip(s)**").format(
            varied=len(found.varied), settings=found.settings_simulated,
            replications=found.replications, seed=found.seed,
            seconds=f"{found.runtime_s:.0f}", flips=len(result.flips)))
    base = pd.DataFrame([{
        _("KPI"): MEASURES[k].label, _("mean"): format_measure(k, result.base.estimates[k].mean),
        _("95% CI"): format_range(k, *result.base.estimates[k].ci95),
        _("target"): format_measure(k, target), _("verdict"): _(result.base.verdicts[k])}
        for k, target in result.targets.items()])
    st.markdown(_("Verdicts at the scenario's own assumptions"))
    st.dataframe(base, hide_index=True, key="sensitivity_base")
    st.markdown(_("Verdict at the low → high end of each range (highlighted: flips)"))
    grid = verdict_grid(found)
    st.dataframe(_grid_styler(found, grid), hide_index=True, key="sensitivity_grid")
    if found.not_varied:
        st.caption(_("Not varied:") + " " + ", ".join(
            f"{assumption_label(name)} ({_(why)})" for name, why in found.not_varied.items())
            + ".")
    ranges = pd.DataFrame([{_("assumption"): assumption_label(name), _("value"): a["value"],
                            _("plausible range"): f"{a['low']:g} – {a['high']:g}",
                            _("source"): source_label(a["source"])}
                           for name, a in found.varied.items()])
    with st.expander(_("Ranges varied and their sources")):
        st.dataframe(ranges, hide_index=True, key="sensitivity_ranges")
    stem = f"pharmaops_sensitivity_{found.scenario}_seed{found.seed}"
    st.download_button(
        _("Verdict table (CSV)"), partial(_csv, found), file_name=f"{stem}.csv",
        mime="text/csv", key="sensitivity_csv", on_click="ignore",
        icon=":material/download:")


def _csv(found: ScenarioSensitivity) -> bytes:
    return csv_bytes(sensitivity_csv_table(found))
