"""The scenario editor: every lever of a base scenario as a widget with its unit and bounds
(from the schema, scenarios.scenario_edit), checked live with the messages of
``pharmaops validate``, saved as a new TOML with an assumptions note, and run as a job outside
the server (ui/jobs.py) with a progress bar; the run is stored and shown from the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from data.problems import InputError, Problem, said
from scenarios.result import RunResult
from scenarios.scenario_edit import (
    Lever,
    check_text,
    current_values,
    edited_text,
    file_name_problem,
    levers,
    save_new,
    with_log_entry,
)
from scenarios.schema import Scenario
from scenarios.store import RunStore
from ui import jobs, page_index
from ui.committee_run import scenario_files, scenarios_folder
from ui.committee_views import kpi_view
from ui.common import show_problems
from ui.i18n import N_, _
from ui.lever_labels import lever_help, lever_label, option_label

TITLE, ICON, URL_PATH = page_index.EDITOR[:3]
JOB_KEY = "editor_job"
SAVED_KEY = "editor_saved"
#: the sections' titles as shown
SECTION_TITLES = {"": N_("Name and simulation settings"), "targets": N_("Targets"),
                  "orders": N_("Orders: channel, approval, stock visibility"),
                  "logistics": N_("Logistics"),
                  "territory": N_("Territory and calls"), "credit": N_("Credit"),
                  "channel": N_("Channel (outside drivers)"),
                  "rollout": N_("Roll-out: regions and pace"),
                  "assumptions": N_("Assumptions (effect sizes)")}
SITES_MODES = {"none": N_("no forward warehouses"), "optimize": N_("chosen by the location model"),
               "list": N_("these sites")}
DEFAULT_REPLICATIONS = 5
JS_MAX = 2**53 - 1


def _range(lever: Lever) -> str:
    if lever.low is None and lever.high is None:
        return ""
    low = "—" if lever.low is None else f"{lever.low:g}"
    high = "—" if lever.high is None else f"{lever.high:g}"
    return " " + _("(allowed {low} … {high})").format(low=low, high=high)


def _widget(lever: Lever, value: Any, key: str) -> Any:
    """One lever's widget; returns the value chosen (None: not set, the default applies)."""
    label = lever_label(lever.path)
    # the path too: the check's problems and the scenario file name the lever by it
    help_text = f"{lever_help(lever.path)}{_range(lever)} `{lever.path}`".strip()
    if lever.optional and lever.kind in ("number", "integer"):
        if not st.checkbox(_("set {name}").format(name=label), value=value is not None,
                           key=f"{key}_set", help=help_text):
            return None
        value = lever.low if value is None and lever.low is not None else (value or 0)
    if lever.kind in ("number", "integer"):
        whole = lever.kind == "integer"
        cast = int if whole else float
        # the browser's numbers are doubles: bounds beyond 2^53 are left to the validation
        low = None if lever.low is None or abs(lever.low) > JS_MAX else cast(lever.low)
        high = None if lever.high is None or abs(lever.high) > JS_MAX else cast(lever.high)
        # widgets take closed bounds; an open bound is checked by the live validation
        return st.number_input(label, min_value=low, max_value=high, value=cast(value),
                               step=1 if whole else None, format=None if whole else "%g",
                               key=key, help=help_text)
    if lever.kind == "flag":
        return st.checkbox(label, value=bool(value), key=key, help=help_text)
    if lever.kind == "choice":
        options = list(lever.choices) + ([""] if lever.optional else [])
        shown = {o: option_label(o) if o else _("(not set)") for o in options}
        chosen = st.selectbox(label, options, index=options.index(value or ""), key=key,
                              help=help_text, format_func=shown.__getitem__)
        return chosen or None
    if lever.kind == "choices":
        shown = {o: option_label(o) for o in lever.choices}
        return st.multiselect(label, list(shown), default=list(value or []), key=key,
                              help=help_text, format_func=shown.__getitem__)
    if lever.kind == "names":
        text = st.text_input(label, value=", ".join(value or []), key=key,
                             help=(help_text or "") + " " + _("Separated by commas; empty: all."))
        return [n.strip() for n in text.split(",") if n.strip()] or None
    if lever.kind == "weights":
        cols = st.columns(len(lever.keys))
        return {k: float(cols[i].number_input(
            f"{label}: {option_label(k)}", min_value=lever.low, max_value=lever.high,
            value=float(value.get(k, 0.0)), format="%g", key=f"{key}_{k}"))
            for i, k in enumerate(lever.keys)}
    if lever.kind == "sites":
        mode = value if isinstance(value, str) else "list"
        modes = {m: _(text) for m, text in SITES_MODES.items()}
        mode = st.radio(label, list(modes), index=list(modes).index(mode),
                        format_func=modes.__getitem__, key=key, horizontal=True,
                        help=help_text)
        if mode != "list":
            return mode
        text = st.text_input(_("Site ids, separated by commas"),
                             value=", ".join(value) if isinstance(value, list) else "",
                             key=f"{key}_ids")
        return [s.strip() for s in text.split(",") if s.strip()]
    return st.text_area(label, value=value or "", key=key, help=help_text) if (
        lever.path == "description") else st.text_input(label, value=value or "", key=key,
                                                         help=help_text)


def _edited(base: str, text: str) -> dict[str, Any]:
    """Every lever's widget, by section; returns the levers changed from the base file."""
    values = current_values(text)
    changes: dict[str, Any] = {}
    for section, items in levers().items():
        with st.expander(_(SECTION_TITLES[section]), expanded=section == ""):
            for lever in items:
                chosen = _widget(lever, values[lever.path], f"edit_{base}_{lever.path}")
                if chosen != values[lever.path]:
                    changes[lever.path] = chosen
    return changes


def _problems_table(problems: list[Problem]) -> pd.DataFrame:
    """The problems in the session's language: their words translated, the values they name
    (field paths, what was given) as ``pharmaops validate`` reports them."""
    return pd.DataFrame([{_("field"): said(p.location, _) or "—",
                          _("expected"): said(p.expected, _), _("found"): said(p.found, _)}
                         for p in problems])


def render() -> None:
    st.title(_(TITLE))
    st.caption(_("Start from a scenario of the book, change its levers, and save the what-if "
                 "as a new file with a note saying why. Every change is checked as you make "
                 "it, with the messages of `pharmaops validate`."))
    folder, configured = scenarios_folder()
    files = scenario_files(folder)
    if not files:
        st.info(_("No scenario files in `{folder}`.").format(folder=folder))
        return
    base = st.sidebar.selectbox(_("Base scenario"), files,
                                index=files.index("plan.toml") if "plan.toml" in files else 0,
                                key="editor_base")
    text = (folder / base).read_text(encoding="utf-8")
    try:
        changes = _edited(base, text)
    except ValueError as exc:  # a base file the schema refuses: the validation says why
        st.error(_("The base scenario cannot be edited: {reason}").format(reason=exc))
        return
    edited = edited_text(text, changes)
    problems = check_text(edited, folder, allow_outside_data=configured)
    st.subheader(_("Check"))
    if problems:
        st.error(_("{n} problem(s): fix them before saving.").format(n=len(problems)))
        st.dataframe(_problems_table(problems), hide_index=True)
    else:
        st.success(_("Valid: {n} lever(s) changed from {base}.").format(n=len(changes),
                                                                       base=base))
    _save_section(folder, edited, changes, problems, configured)
    _run_section()


def _save_section(folder: Path, edited: str, changes: dict, problems: list[Problem],
                  configured: bool) -> None:
    st.subheader(_("Save as a new scenario"))
    cols = st.columns([1, 1])
    stem = cols[0].text_input(_("File name (without .toml)"), key="editor_stem",
                              placeholder="whatif_my_idea")
    author = cols[1].text_input(_("Author"), key="editor_author")
    note = st.text_area(_("Assumptions note: what you changed and why"), key="editor_note")
    name_problem = file_name_problem(stem.strip(), folder) if stem.strip() else None
    if name_problem:
        st.warning(_("File name: expected {expected}; found {found}").format(
            expected=said(name_problem.expected, _), found=said(name_problem.found, _)))
    ready = bool(stem.strip() and author.strip() and note.strip() and changes
                 and not problems and not name_problem)
    if not changes:
        st.caption(_("Change at least one lever to save a new what-if."))
    if st.button(_("Save"), type="primary", disabled=not ready, key="editor_save"):
        text = edited
        if "log" in Scenario.model_fields:
            text = with_log_entry(text, day=dt.date.today().isoformat(), author=author.strip(),
                                  paths=sorted(changes), note=note.strip())
        path, refused = save_new(text, folder, stem.strip(), allow_outside_data=configured)
        if refused:
            st.error(_("Not saved"))
            st.dataframe(_problems_table(refused), hide_index=True)
        else:
            st.session_state[SAVED_KEY] = str(path)
    saved = st.session_state.get(SAVED_KEY)
    if saved:
        st.success(_("Saved `{path}`. It is in the scenario book now.").format(path=saved))


def _run_section() -> None:
    saved = st.session_state.get(SAVED_KEY)
    if not saved:
        return
    st.subheader(_("Run"))
    cols = st.columns([1, 1, 2])
    reps = int(cols[0].number_input(_("Replications"), min_value=2, max_value=100,
                                    value=DEFAULT_REPLICATIONS, key="editor_replications"))
    workers = int(cols[1].number_input(_("Worker processes"), min_value=1, max_value=16,
                                       value=2, key="editor_workers"))
    if cols[2].button(_("Run and store"), key="editor_run", type="primary",
                      disabled=st.session_state.get(JOB_KEY) is not None
                      and st.session_state[JOB_KEY].returncode() is None):
        st.session_state[JOB_KEY] = jobs.start(
            ["run", saved, "--replications", str(reps), "--workers", str(workers),
             "--allow-outside-data"])
    if st.session_state.get(JOB_KEY) is not None:
        _job_status()


@st.fragment(run_every=2)
def _job_status() -> None:
    """The running job's progress, then its result read back from the store."""
    job: jobs.Job = st.session_state[JOB_KEY]
    code = jobs.progress_bar(job, lambda done, total, _label: _(
        "Simulating: {done} of {total} replications").format(done=done, total=total or "…"))
    if code is None:
        return
    if code != 0:
        st.error(_("The run failed (exit code {code}).").format(code=code))
        st.code(job.tail())
        return
    doc = job.result() or {}
    run_id = doc.get("run_id")
    try:
        stored = RunStore(read_only=True).get(run_id) if run_id else None
    except InputError as exc:
        show_problems(_("The stored run cannot be read"), exc)
        return
    result = RunResult.from_json(stored.summary if stored else doc)
    st.success(_("Done: run `{run_id}` is stored; the committee page compares it with the "
                 "others.").format(run_id=run_id or "—"))
    st.dataframe(kpi_view(result), hide_index=True)
