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


def stored_runs_section() -> None:
    with st.expander("Stored runs"):
        try:
            store = RunStore(read_only=True)  # a look never creates or changes a store
            runs = store.list_runs()
        except InputError as exc:
            show_problems("The run store cannot be read", exc)
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
                show_problems(f"Run {choice} cannot be read", exc)


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
    st.dataframe(kpi_view(RunResult.from_json(summary)), hide_index=True)
    st.download_button(
        "Stored run (JSON)",
        partial(lambda r: json_bytes(r.to_json_dict()), run),
        file_name=f"pharmaops_run_{run.run_id}.json",
        mime="application/json",
        key=f"stored_json_{run.run_id}",
        on_click="ignore",
        icon=":material/data_object:",
    )
