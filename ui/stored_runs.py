"""The run store on the committee page: every stored run, and one shown again without
re-running it."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from data.kpis import KPI_NAMES
from data.problems import InputError
from scenarios.compare import ScenarioResult
from scenarios.records import ATTRIBUTION, MEASURED, SIMULATION
from scenarios.result import RunResult
from scenarios.store import RunStore, StoredRun
from scenarios.stored_compare import PAIRED, StoredComparison, compare_stored
from ui.committee_exports import json_bytes
from ui.committee_views import difference_view, format_range, kpi_view
from ui.common import MEASURES, format_measure, show_problems
from ui.i18n import N_, _

#: the run list's columns as shown
RUN_COLUMNS = {"run_id": N_("run"), "kind": N_("kind of run"), "scenario_name": N_("scenario"),
               "status": N_("run status"), "started_at": N_("started"),
               "ended_at": N_("ended"), "seed": N_("Seed"),
               "dataset_fingerprint": N_("Data set fingerprint")}
#: the kinds of stored run (scenarios.records.RUN_KINDS) and their status, as shown
KIND_LABELS = {SIMULATION: N_("scenario simulated"), MEASURED: N_("KPIs measured from history"),
               ATTRIBUTION: N_("lever attribution")}
STATUS_LABELS = {"completed": N_("completed")}
#: why two stored runs cannot be paired ({base} / {other}: the two runs' values); the keys
#: are scenarios.stored_compare.REASONS'
PAIRING_REASONS = {
    "seed": N_("the seeds differ ({base} vs {other})"),
    "no_seed": N_("a run has no recorded seed"),
    "dataset": N_("the data sets differ (fingerprint {base} vs {other})"),
    "window": N_("the simulated windows differ ({base} vs {other})"),
    "code": N_("the code versions differ ({base} vs {other})"),
    "replications": N_("the runs share no replication number"),
}


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
        shown = runs.assign(kind=runs["kind"].map(lambda k: _(KIND_LABELS.get(k, k))),
                            status=runs["status"].map(lambda s: _(STATUS_LABELS.get(s, s))))
        st.dataframe(shown.rename(columns={k: _(v) for k, v in RUN_COLUMNS.items()}),
                     hide_index=True)
        sims = runs[runs["kind"] == SIMULATION]
        if sims.empty:
            st.caption(_("No simulation runs stored yet."))
            return
        names = dict(zip(sims["run_id"], sims["scenario_name"], strict=True))
        _compare_section(store, names)
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


def _compare_section(store: RunStore, names: dict[str, str]) -> None:
    """Stored simulation runs side by side, the first chosen being the base."""
    chosen = st.multiselect(
        _("Compare stored runs (the first is the base)"),
        list(names),
        format_func=lambda run_id: f"{run_id} · {names[run_id]}",
        placeholder=_("Choose two or more runs"),
        key="committee_stored_compare",
    )
    if len(chosen) < 2:
        return
    try:
        comparison = compare_stored(store, chosen)
    except InputError as exc:
        show_problems(_("These runs cannot be compared"), exc)
        return
    st.dataframe(side_by_side_view(comparison), hide_index=True)
    base = _as_result(comparison, 0)
    for i, label in enumerate(comparison.labels[1:], start=1):
        pairing = comparison.pairing[label]
        st.markdown(_("**{other}** against **{base}**").format(other=label, base=base.label))
        if pairing["method"] == PAIRED:
            st.caption(_("Paired differences over {n} common replications: same seed, data "
                         "set, window and code, so both runs replayed the same random "
                         "numbers.").format(n=pairing["pairs"]))
        else:
            reasons = "; ".join(_(PAIRING_REASONS[r["reason"]]).format(
                base=r.get("base"), other=r.get("other")) for r in pairing["reasons"])
            st.warning(_("Not paired: {reasons}. The differences compare independent runs "
                         "(Welch's interval), wider than paired ones.").format(reasons=reasons))
        st.dataframe(difference_view(base, _as_result(comparison, i),
                                     comparison.differences[label]), hide_index=True)


def _as_result(comparison: StoredComparison, i: int) -> ScenarioResult:
    return ScenarioResult(comparison.runs[i].run_id, comparison.labels[i], "",
                          comparison.results[i], comparison.per_replication[i], {})


def side_by_side_view(comparison: StoredComparison) -> pd.DataFrame:
    """One row per KPI: its target, then per run the mean with its 95% CI and the verdict
    against the target."""
    rows = []
    for name in KPI_NAMES:
        targets = [r.targets.get(name) for r in comparison.results]
        target = next((t.target for t in targets if t is not None), None)
        row = {_("KPI"): MEASURES[name].label, _("target"): format_measure(name, target)}
        for label, result, verdict in zip(comparison.labels, comparison.results, targets,
                                          strict=True):
            k = result.kpis.get(name)
            row[label] = "—" if k is None else (
                f"{format_measure(name, k.mean)} ({format_range(name, *k.ci95)})")
            row[_("{run}: verdict").format(run=label)] = "—" if verdict is None else _(
                verdict.status)
        rows.append(row)
    return pd.DataFrame(rows)
