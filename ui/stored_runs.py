"""The run store on the committee page: every stored run, and one shown again without
re-running it."""

from __future__ import annotations

from functools import partial

import streamlit as st

from data.problems import InputError
from scenarios.result import RunResult
from scenarios.store import RunStore, StoredRun
from ui.committee_exports import json_bytes
from ui.committee_views import kpi_view
from ui.common import show_problems
from ui.i18n import _


def stored_runs_section() -> None:
    with st.expander(_("Stored runs")):
        try:
            store = RunStore(read_only=True)  # a look never creates or changes a store
            runs = store.list_runs()
        except InputError as exc:
            show_problems(_("The run store cannot be read"), exc)
            return
        st.caption(_("Run store `{path}`: every run, newest first.").format(path=store.path))
        if runs.empty:
            st.info(_("No runs stored yet."))
            return
        st.dataframe(runs, hide_index=True)
        sims = runs[runs["kind"] == "simulation"]
        if sims.empty:
            st.caption(_("No simulation runs stored yet."))
            return
        names = dict(zip(sims["run_id"], sims["scenario_name"], strict=True))
        choice = st.selectbox(
            _("Show a stored simulation run"),
            list(names),
            index=None,
            format_func=lambda run_id: f"{run_id} · {names[run_id]}",
            placeholder=_("Choose a run"),
            key="committee_stored_run",
        )
        if choice is not None:
            try:
                _stored_summary(store.get(choice))
            except InputError as exc:
                show_problems(_("Run {run_id} cannot be read").format(run_id=choice), exc)


def _stored_summary(run: StoredRun) -> None:
    summary = run.summary
    window = summary.get("window") or {}
    st.markdown(f"**{run.scenario_name}** · " + _("run `{run_id}`").format(run_id=run.run_id))
    st.caption(_(
        "Started {started} · {replications} replications of {horizon} days · seed {seed} · "
        "data set `{fingerprint}` · code {code}").format(
            started=f"{run.started_at:%Y-%m-%d %H:%M}",
            replications=summary.get("replications", "?"),
            horizon=window.get("horizon_days", "?"), seed=run.seed,
            fingerprint=run.dataset_fingerprint[:12], code=run.code_version))
    if not isinstance(summary.get("kpis"), dict):
        st.warning(_("This run's summary holds no KPIs."))
        return
    st.dataframe(kpi_view(RunResult.from_json(summary)), hide_index=True)
    st.download_button(
        _("Stored run (JSON)"),
        partial(lambda r: json_bytes(r.to_json_dict()), run),
        file_name=f"pharmaops_run_{run.run_id}.json",
        mime="application/json",
        key=f"stored_json_{run.run_id}",
        on_click="ignore",
        icon=":material/data_object:",
    )
