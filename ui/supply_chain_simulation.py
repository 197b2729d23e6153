"""The supply-chain page's section "Simulated service of the chosen network": the chosen
forward warehouses and today's network simulated with the same seeds, as a job of the shared
queue outside the server (``pharmaops warehouses simulate``, :mod:`ui.jobs`), its place in
the queue or its progress polled, then on-time delivery, remote days and complaints with
their paired differences and CIs, and the forward stock per site. The check is kept in the
session for its settings (network, fill rate, policy, replications, data set)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from data.dataset import Dataset
from models.inventory import network_design as nd
from scenarios.forward_network import NetworkCheck
from scenarios.warehouses import SIM_HORIZON_DAYS, SIM_SEED, SIM_WARMUP_DAYS
from ui import jobs
from ui.common import column_config, csv_bytes, format_gap, format_measure
from ui.i18n import N_, _

DEFAULT_REPLICATIONS = 3
#: this session's queued network check (job, settings key), the last failure, and the check
#: kept with the settings it was computed for (as ui.supply_chain keeps its results)
SIM_JOB_KEY, SIM_FAILED_KEY, KEPT_KEY = "sc_network_job", "sc_network_failed", "sc_network"
#: how often the page looks at the job, s
POLL_S = 2


def simulated_service(ds: Dataset, outcome: nd.LocationOutcome, assignment: pd.DataFrame,
                       fill_rate: float, policy: str) -> pd.DataFrame | None:
    """Button → simulate today's and the chosen network as a job of the shared queue
    (``pharmaops warehouses simulate``, outside the server); show on-time etc. with CIs."""
    st.subheader(_("Simulated service of the chosen network"))
    if outcome.instance.candidates != "sites" or not outcome.forward_site_ids:
        st.caption(_("Needs forward sites chosen among the sites table's candidates."))
        return None
    reps = int(st.number_input(_("Replications"), min_value=2, max_value=50,
                               value=DEFAULT_REPLICATIONS, key="sc_sim_reps"))
    key = (tuple(outcome.forward_site_ids), fill_rate, policy, reps, ds.fingerprint)
    if st.button(_("Simulate the chosen network"), key="sc_simulate",
                 disabled=SIM_JOB_KEY in st.session_state):
        st.session_state[SIM_JOB_KEY] = (jobs.start(
            simulate_arguments(ds, list(outcome.forward_site_ids), fill_rate, policy, reps),
            progress_file=True, stores=False,
            files={"--assignment": ("assignment.csv", assignment_csv(assignment))}), key)
        st.session_state.pop(SIM_FAILED_KEY, None)
    _simulation_progress()
    stored = st.session_state.get(KEPT_KEY)
    check = stored[1] if stored is not None and stored[0] == key else None
    if check is None:
        if SIM_JOB_KEY not in st.session_state:
            st.caption(_("Press the button to run {reps} replications of a year of orders "
                         "through today's network and the chosen one (same seeds, so the "
                         "difference is paired).").format(reps=reps))
        return None
    table = network_table(check)
    cols = st.columns(3)
    for col, row in zip(cols, table.itertuples(index=False), strict=False):
        col.metric(_(row.kpi), row.network_text,
                   _("{difference} vs today").format(difference=row.difference_text),
                   delta_color=row.delta_color)
    shown = table.drop(columns=["network_text", "difference_text", "delta_color"])
    display = shown.assign(kpi=[_(k) for k in shown["kpi"]])
    st.dataframe(display, hide_index=True, key="sc_network_table",
                 column_config=column_config(display))
    if len(check.by_site):
        st.markdown(_("**Per forward site** (mean over replications)"))
        names = dict(zip(outcome.instance.site_ids, outcome.instance.site_names, strict=True))
        by_site = check.by_site
        if "site_id" in by_site.columns:
            by_site = by_site.assign(site=by_site["site_id"].map(names))
            by_site = by_site[["site", *check.by_site.columns]]
        st.dataframe(by_site, hide_index=True, key="sc_network_sites",
                     column_config={**column_config(by_site), "site_id": None})
    return shown


def simulate_arguments(ds: Dataset, forward: list[str], fill_rate: float, policy: str,
                       replications: int) -> list[str]:
    """The ``pharmaops warehouses simulate`` arguments of the page's check (its seed and
    window; the assignment file is added by the job)."""
    return ["warehouses", "simulate", str(Path(ds.path).resolve()), "--sites",
            ",".join(forward), "--fill-rate", repr(fill_rate), "--policy", policy,
            "--replications", str(replications), "--seed", str(SIM_SEED),
            "--horizon-days", str(SIM_HORIZON_DAYS), "--warmup-days", str(SIM_WARMUP_DAYS)]


def assignment_csv(assignment: pd.DataFrame) -> bytes:
    """The district → site assignment as the command reads it: the page's own CSV (as the
    assignment.csv download) of the columns it needs."""
    return csv_bytes(assignment[["customer_id", "site_id", "share"]])


@st.fragment(run_every=POLL_S)
def _simulation_progress() -> None:
    """The queued network check's place in the queue or its progress; when its job ends, the
    check (read from the JSON it wrote) kept for its settings and the whole page again, or
    its last lines when it failed."""
    pending = st.session_state.get(SIM_JOB_KEY)
    if pending is None:
        if (failed := st.session_state.get(SIM_FAILED_KEY)) is not None:
            st.error(_("The run failed (exit code {code}).").format(code=failed[0]))
            st.code(failed[1])
        return
    job, key = pending
    code = jobs.progress_bar(job, lambda done, total, _label: _(
        "Simulating today's network and the chosen one: replication {done} of "
        "{total}").format(done=done, total=total) if total else _(
        "Simulating today's network and the chosen one …"))
    if code is None:
        return
    del st.session_state[SIM_JOB_KEY]
    doc = job.result() if code == 0 else None
    if doc is not None:
        # kept for the data the command read (another fingerprint if the folder changed since)
        st.session_state[KEPT_KEY] = ((*key[:-1], doc["dataset_fingerprint"]),
                                      NetworkCheck.from_json(doc))
    else:
        st.session_state[SIM_FAILED_KEY] = (code, job.tail(12))
    job.remove()
    st.rerun()


_NETWORK_LABELS = {"on_time_rate": N_("On-time delivery"),
                   "remote_delivery_days": N_("Remote-area delivery (days)"),
                   "complaint_rate": N_("Complaints")}
#: the simulation's forward-stock rates, named in the table
_STOCK_RATE_LABELS = {"forward_fill_rate": N_("Forward fill rate"),
                      "split_delivery_rate": N_("Split deliveries")}


def network_table(check) -> pd.DataFrame:
    """One row per KPI: network mean and 95% CI, today's mean, paired difference and CI."""
    rows = []
    for name, label in _NETWORK_LABELS.items():
        s, d = check.summary[name], check.differences[name]
        today = float(check.today[name].mean())
        rows.append({
            "kpi": label, "network_mean": s.mean, "network_ci_low": s.ci_low,
            "network_ci_high": s.ci_high, "today_mean": today,
            "difference": d["mean"], "difference_ci_low": d["ci95"][0],
            "difference_ci_high": d["ci95"][1], "better": d["better"],
            # a rate's difference in percentage points ("+3.4 pts"), days in days
            "network_text": format_measure(name, s.mean),
            "difference_text": str(format_gap(name, d["mean"], 0.0)),
            "delta_color": "normal" if name == "on_time_rate" else "inverse"})
    for name, label in _STOCK_RATE_LABELS.items():
        if name in check.summary:
            s = check.summary[name]
            rows.append({"kpi": label, "network_mean": s.mean, "network_ci_low": s.ci_low,
                         "network_ci_high": s.ci_high, "network_text": "",
                         "difference_text": "", "delta_color": "off"})
    return pd.DataFrame(rows)
