"""The finance page's lower half: the terms assignment simulated with CIs ("simulate this
policy"), the reminder schedules with their effect sizes, and the collection worklist with
its Excel and CSV downloads. Everything comes from :mod:`scenarios.credit_simulation` and
:mod:`scenarios.collections` (docs/credit.md, "Collections")."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from scenarios.channel import XLSX_MIME
from scenarios.collections import collection_worklist, why_parts, worklist_workbook
from scenarios.credit_cache import (
    decode_reminders,
    decode_worklist,
    encode_reminders,
    encode_worklist,
    kept,
    read_view,
    reminder_view,
)
from scenarios.credit_report import CreditContext, PolicyReport
from scenarios.credit_simulation import POLICY_KPIS
from ui import jobs
from ui.common import csv_bytes
from ui.i18n import N_, _, in_language, language, number
from ui.overview import type_label

KPI_LABELS = {"dso_days": N_("DSO"), "bad_debt_rate": N_("bad debt"),
              "terms_cost_cny": N_("discounts + rebates"), "discount_cost_cny":
              N_("of which cash discounts"), "rebate_cost_cny": N_("of which quarterly rebates"),
              "sales_loss_rate": N_("sales lost to terms"), "financing_cost_cny":
              N_("financing of receivables")}
PERCENT_KPIS = ("bad_debt_rate", "sales_loss_rate")
UNIT_TEXT = {"days": N_("days"), "share of credit sales": N_("% of credit sales"),
             "share of orders' value": N_("% of orders' value"), "CNY/year": N_("CNY/year")}
#: the projection's columns
PROJECTION_LABELS = {"figure": N_("figure"), "mean": N_("simulated mean"),
                     "ci_low": N_("95% CI low"), "ci_high": N_("95% CI high"),
                     "terms_model": N_("terms model")}
WORKLIST_LABELS = {
    "rank": "#", "name": N_("account"), "customer_type": N_("type"), "city": N_("city"),
    "tier": N_("credit tier"), "rep": N_("rep"), "contact": N_("contact to make"),
    "recovered_cny": N_("expected in by the horizon thanks to the contact (CNY)"),
    "open_cny": N_("open (CNY)"), "overdue_cny": N_("overdue (CNY)"),
    "days_overdue": N_("days past due (oldest)"), "invoices": N_("open invoices"),
    "default_probability_open": N_("P(default | still open) (%)"), "why": N_("why")}
#: the contacts the worklist names (scenarios.collections.CONTACT_TEXT's keys), what each is
CONTACT_LABELS = {"escalate": N_("escalate"), "collection call": N_("collection call"),
                  "reminder by the due date": N_("reminder by the due date")}
CONTACT_TEXT = {
    "escalate": N_("collection call and credit-hold review: the account likely defaults"),
    "collection call": N_("collection call by finance (the measured effect of a sent "
                          "reminder)"),
    "reminder by the due date": N_("reminder before the due date (a nudge before the payment "
                                   "run)")}
#: the worklist's reasons (scenarios.collections.WHY_TEXT's codes), as the page says them
WHY_LABELS = {
    "open": N_("{open_cny} CNY open in {invoices} invoice(s)"),
    "overdue": N_("{overdue_cny} CNY overdue, the oldest {days} days"),
    "due_today": N_("due today"),
    "due_in": N_("due in {days} days"),
    "lateness": N_("pays {days} days late on average"),
    "default": N_("P(default | still open) {probability}"),
    "risk_tier": N_("risk tier"),
    "contact": N_("a contact brings {recovered_cny} CNY into the next {horizon_days} days")}
#: how a row's reasons are joined, per language
WHY_SEPARATOR = {"en": "; ", "zh_CN": "；"}
#: the reminder schedules' columns
SCHEDULE_LABELS = {"day_from_due": N_("day from due"), "sent_probability": N_("P(sent) (%)"),
                   "delay_kept": N_("share of delay kept (%)")}
#: the reminder schedules compared (scenarios.collections.reminder_comparison's rows)
REMINDER_LABELS = {"manual": N_("DSO with manual reminders (days)"),
                   "automated": N_("DSO with automated reminders (days)")}
SIMULATE_TEXT = N_(
    "Runs the order-to-cash simulation with these terms per account and the rest of the "
    "scenario's levers, so DSO, bad debt and what the terms cost come with 95% confidence "
    "intervals over replications (the terms model's expectation beside them).")
REMINDERS_TEXT = N_(
    "A reminder sent while an invoice is unpaid keeps the share shown of the delay its payer "
    "still intends. After the due date that share is measured in the ledger (manual "
    "reminders, some forgotten); on or before it, it is the assumption "
    "`pre_due_reminder_effect` (a nudge).")
WORKLIST_TEXT = N_(
    "Today's open receivables ({as_of}), ranked by what one contact today is expected to "
    "bring in within the horizon: the payer's lateness and default risk given that the "
    "invoice is still open, the contact keeping the measured share of the remaining delay. "
    "{contacts} Left off: {invoices} invoices ({amount} CNY) due later.")
NOT_COMPARED_TEXT = N_(
    "Not computed yet: the reminder schedules measured and compared on the collection "
    "mechanism. Once computed they are kept, and every later visit shows them at once.")
NOT_RANKED_TEXT = N_(
    "Not computed yet for these settings: today's open receivables valued and ranked. Once "
    "computed the list is kept, and every later visit shows it at once.")
#: the credit tiers as the page names them
TIER_LABELS = {"premium": N_("premium"), "ordinary": N_("ordinary"), "risk": N_("risk")}
SHOWN = 100
Context = Callable[[], CreditContext]  # the credit context, built when first asked for
#: this session's queued policy simulation (job, policy key) and the last failure
SIM_JOB_KEY, SIM_FAILED_KEY = "fin_sim_job", "fin_sim_failed"
ViewFile = Callable[[str, dict], Path]  # the file a view of this scenario is kept in


def kept_view(file: Path, decode: Callable[[dict], Any]) -> Any | None:
    """A view kept on disk (:mod:`scenarios.credit_cache`), remembered for the session; None
    when it has not been computed."""
    views = st.session_state.setdefault("fin_views", {})
    if file not in views:
        found = read_view(file, decode)
        if found is None:
            return None
        views[file] = found
    return views[file]


def kept_or_on_request(file: Path, encode: Callable[[Any], dict],
                       decode: Callable[[dict], Any], compute: Callable[[], Any], *,
                       missing: str, button: str, key: str, working: str) -> Any | None:
    """The view kept in ``file``; else the page says ``missing`` (a catalogue text) and
    offers ``button``, which computes the view (``working`` shown meanwhile) and keeps it;
    None while it is not computed."""
    view = kept_view(file, decode)
    if view is not None:
        return view
    st.info(_(missing))
    if not st.button(_(button), key=key):
        return None
    with st.spinner(_(working)):
        return kept(file, compute, encode, decode)


# ------------------------------------------------------------------ simulate this policy
def simulate_section(path: Path, allow_outside_data: bool, limits: tuple[float, float, float],
                     report: PolicyReport | None, key: tuple) -> None:
    """The button, the run as a job of the shared queue (``pharmaops credit policy
    --simulate``, outside the server) with its progress, and the projection kept per policy
    for the session."""
    st.subheader(_("Simulate this policy"))
    if report is None:
        st.info(_("Solve the terms model first: the simulation runs its assignment."))
        return
    if report.solution.objective_cny is None:
        st.info(_("No assignment to simulate: the terms model found none under these limits."))
        return
    st.caption(_(SIMULATE_TEXT))
    c1, c2 = st.columns([1, 3])
    replications = int(c1.number_input(_("Replications"), 2, 50, 4, key="fin_sim_reps"))
    if c2.button(_("Simulate this policy"), type="primary", key="fin_simulate",
                 disabled=SIM_JOB_KEY in st.session_state):
        arguments = ["credit", "policy", str(path), "--dso-limit", repr(limits[0]),
                     "--bad-debt-limit", repr(limits[1]), "--sales-loss-limit", repr(limits[2]),
                     "--frontier-points", "2", "--simulate", str(replications)]
        arguments += ["--allow-outside-data"] if allow_outside_data else []
        st.session_state[SIM_JOB_KEY] = (jobs.start(arguments, progress_file=True,
                                                    stores=False), key)
        st.session_state.pop(SIM_FAILED_KEY, None)
    _simulation_progress()
    store = st.session_state.setdefault("fin_sim_results", {})
    if key not in store:
        return
    reps, table = store[key]
    shown = pd.DataFrame({
        "figure": [f"{_(KPI_LABELS[k])} ({_(UNIT_TEXT[u])})" for k, u in POLICY_KPIS.items()]},
        index=table.index)
    for col in ("mean", "ci_low", "ci_high", "terms_model"):
        shown[col] = [table.loc[k, col] * (100 if k in PERCENT_KPIS else 1) for k in table.index]
    labels = {k: _(v) for k, v in PROJECTION_LABELS.items()}
    st.dataframe(shown.rename(columns=labels).style.format("{:,.2f}", subset=[
        labels[k] for k in ("mean", "ci_low", "ci_high", "terms_model")], na_rep="—"),
        hide_index=True, width="stretch")
    st.caption(_("{replications} replications. The simulation's DSO and bad debt are read like "
                 "the KPIs (the last day of the horizon; write-offs within it); its costs are "
                 "per simulated year.").format(replications=reps))


@st.fragment(run_every=2)
def _simulation_progress() -> None:
    """The queued simulation's progress; when its job ends, its projection (read from the
    JSON it wrote) and the whole page again, or its last lines when it failed."""
    pending = st.session_state.get(SIM_JOB_KEY)
    if pending is None:
        if (failed := st.session_state.get(SIM_FAILED_KEY)) is not None:
            st.error(_("The run failed (exit code {code}).").format(code=failed[0]))
            st.code(failed[1])
        return
    job, key = pending
    code = jobs.progress_bar(job, lambda done, total, _label: _(
        "replication {done} of {total}").format(done=done, total=total) if total else _(
        "Preparing the scenario with these terms …"))
    if code is None:
        return
    del st.session_state[SIM_JOB_KEY]
    simulated = (job.result() or {}).get("simulated") if code == 0 else None
    if simulated is not None:
        table = pd.DataFrame.from_dict(simulated["projection"], orient="index").astype(float)
        st.session_state.setdefault("fin_sim_results", {})[key] = (
            simulated["replications"], table.reindex(list(POLICY_KPIS)))
    else:
        st.session_state[SIM_FAILED_KEY] = (code, job.tail(12))
    job.remove()
    st.rerun()


# ------------------------------------------------------------------ collections
def reminders_section(context: Context, view_file: ViewFile) -> None:
    st.subheader(_("Payment reminders: manual today, automated in the scenario"))
    st.caption(_(REMINDERS_TEXT))
    view = kept_or_on_request(
        view_file("reminders", {}), encode_reminders, decode_reminders,
        lambda: reminder_view(context()), missing=NOT_COMPARED_TEXT,
        button=N_("Compare the reminder schedules"), key="fin_reminders",
        working=N_("Measuring both reminder schedules …"))
    if view is None:
        return
    c1, c2 = st.columns(2)
    labels = {k: _(v) for k, v in SCHEDULE_LABELS.items()}

    def show(col, title: str, table: pd.DataFrame) -> None:
        col.markdown(f"**{title}**")
        table = table.assign(sent_probability=100 * table["sent_probability"],
                             delay_kept=100 * table["delay_kept"])
        col.dataframe(table.rename(columns=labels).style.format(
            {labels["day_from_due"]: "{:+.0f}", labels["sent_probability"]: "{:.0f}",
             labels["delay_kept"]: "{:.0f}"}), hide_index=True, width="stretch")

    show(c1, _("Today (manual, as measured)"), view.today)
    show(c2, _("The scenario's (automated)") if view.automated
         else _("The scenario's (manual, as today)"), view.scenario)
    table = view.comparison.set_index("reminders")
    cols = st.columns(2)
    for col, name in zip(cols, ("manual", "automated"), strict=True):
        row = table.loc[name]
        col.metric(_(REMINDER_LABELS[name]), f"{row['dso_days']:.1f}",
                   None if name == "manual" else
                   f"{row['dso_days'] - table.loc['manual', 'dso_days']:+.1f} " + _("days"),
                   delta_color="inverse")
    st.caption(_("Everyone on today's monthly terms, the collection mechanism of the "
                 "simulation on the scenario's review day; bad debt is the same under both "
                 "({bad_debt}): reminders move payments, not defaults.").format(
        bad_debt=f"{table.loc['manual', 'bad_debt_rate']:.2%}"))


def worklist_section(context: Context, view_file: ViewFile) -> None:
    st.subheader(_("Collection worklist"))
    c1, c2 = st.columns(2)
    horizon = int(c1.number_input(_("Count what is paid within (days)"), 1, 180, 30,
                                  key="fin_wl_horizon"))
    lead = int(c2.number_input(_("Also list invoices due within (days)"), 0, 30, 3,
                               key="fin_wl_lead"))
    wl = kept_or_on_request(
        view_file("worklist", {"horizon_days": horizon, "lead_days": lead}), encode_worklist,
        decode_worklist,
        lambda: collection_worklist(context(), horizon_days=horizon, lead_days=lead),
        missing=NOT_RANKED_TEXT, button=N_("Rank the worklist"), key="fin_worklist",
        working=N_("Valuing a contact on every open receivable …"))
    if wl is None:
        return
    acc = wl.accounts
    if acc.empty:
        st.info(_("No receivable open at {as_of} is overdue or due within {lead} days.").format(
            as_of=f"{wl.as_of:%Y-%m-%d}", lead=lead))
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(_("accounts to contact"), f"{len(acc):,}")
    m2.metric(_("open, overdue or due soon (CNY)"), f"{acc['open_cny'].sum():,.0f}")
    m3.metric(_("brought in within {days} days by one contact each (CNY)").format(
        days=horizon), f"{acc['recovered_cny'].sum():,.0f}")
    contacts = " ".join(f"**{_(CONTACT_LABELS[k])}**: {_(v)}." for k, v in CONTACT_TEXT.items())
    st.caption(_(WORKLIST_TEXT).format(as_of=f"{wl.as_of:%Y-%m-%d}", contacts=contacts,
                                       invoices=f"{wl.not_yet_due[0]:,}",
                                       amount=f"{wl.not_yet_due[1]:,.0f}"))
    whys = [why_text(row, wl.horizon_days) for row in acc.head(SHOWN).itertuples()]
    shown = acc.head(SHOWN).assign(
        why=whys,
        customer_type=lambda t: t["customer_type"].map(type_label),
        tier=lambda t: t["tier"].map(lambda v: _(TIER_LABELS.get(v, v))),
        contact=lambda t: t["contact"].map(lambda v: _(CONTACT_LABELS.get(v, v))),
        default_probability_open=lambda t: 100 * t["default_probability_open"])
    cols = [c for c in WORKLIST_LABELS if c in shown.columns]
    labels = {k: _(v) for k, v in WORKLIST_LABELS.items()}
    st.dataframe(shown[cols].rename(columns=labels).style.format({
        labels["recovered_cny"]: "{:,.0f}", labels["open_cny"]: "{:,.0f}",
        labels["overdue_cny"]: "{:,.0f}", labels["days_overdue"]: "{:.0f}",
        labels["default_probability_open"]: "{:.1f}"}),
        hide_index=True, width="stretch")
    if len(acc) > SHOWN:
        st.caption(_("The first {shown} of {accounts} accounts; the downloads hold all.").format(
            shown=SHOWN, accounts=f"{len(acc):,}"))
    d1, d2 = st.columns(2)
    # made when clicked, in the page's language: building them on every rerun slowed the page
    d1.download_button(_("Download the worklist (Excel)"),
                       in_language(language(), partial(worklist_workbook, wl)),
                       file_name="collection_worklist.xlsx", mime=XLSX_MIME, key="fin_wl_xlsx",
                       on_click="ignore")
    # UTF-8 with BOM: Excel on a Chinese Windows machine reads the names correctly
    d2.download_button(_("Download the worklist (CSV)"), partial(csv_bytes, acc),
                       file_name="collection_worklist.csv", mime="text/csv", key="fin_wl_csv",
                       on_click="ignore")


def why_text(row: object, horizon_days: int) -> str:
    """A worklist row's reasons (:func:`scenarios.collections.why_parts`) in the page's
    language: in English the model's own sentence."""
    def shown(name: str, value: float) -> str:
        return number(100 * value) + "%" if name == "probability" else number(value)

    return WHY_SEPARATOR.get(language(), "; ").join(
        _(WHY_LABELS[code]).format(**{k: shown(k, v) for k, v in values.items()})
        for code, values in why_parts(row, horizon_days))
