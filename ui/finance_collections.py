"""The finance page's lower half: the terms assignment simulated with CIs ("simulate this
policy"), the reminder schedules with their effect sizes, and the collection worklist with
its Excel and CSV downloads. Everything comes from :mod:`scenarios.credit_simulation` and
:mod:`scenarios.collections` (docs/credit.md, "Collections")."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from scenarios.channel import XLSX_MIME
from scenarios.collections import (
    CONTACT_TEXT,
    collection_worklist,
    reminder_comparison,
    scenario_schedule,
    schedule_table,
    today_schedule,
    worklist_workbook,
)
from scenarios.credit_report import CreditContext, PolicyReport
from scenarios.credit_simulation import POLICY_KPIS, policy_projection, simulate_policy
from scenarios.loading import LoadedScenario
from ui.common import csv_bytes
from ui.overview import TYPE_LABELS

KPI_LABELS = {"dso_days": "DSO", "bad_debt_rate": "bad debt",
              "terms_cost_cny": "discounts + rebates", "discount_cost_cny":
              "of which cash discounts", "rebate_cost_cny": "of which quarterly rebates",
              "sales_loss_rate": "sales lost to terms", "financing_cost_cny":
              "financing of receivables"}
PERCENT_KPIS = ("bad_debt_rate", "sales_loss_rate")
UNIT_TEXT = {"days": "days", "share of credit sales": "% of credit sales",
             "share of orders' value": "% of orders' value", "CNY/year": "CNY/year"}
WORKLIST_LABELS = {
    "rank": "#", "name": "account", "customer_type": "type", "city": "city",
    "tier": "credit tier", "rep": "rep", "contact": "contact to make",
    "recovered_cny": "expected in by the horizon thanks to the contact (CNY)",
    "open_cny": "open (CNY)", "overdue_cny": "overdue (CNY)",
    "days_overdue": "days past due (oldest)", "invoices": "open invoices",
    "default_probability_open": "P(default | still open) (%)", "why": "why"}
SHOWN = 100


# ------------------------------------------------------------------ simulate this policy
def simulate_section(loaded: LoadedScenario, ctx: CreditContext, report: PolicyReport,
                     key: tuple) -> None:
    """The button, the run with its progress, and the projection kept per policy."""
    st.subheader("Simulate this policy")
    if report.solution.objective_cny is None:
        st.info("No assignment to simulate: the terms model found none under these limits.")
        return
    st.caption("Runs the order-to-cash simulation with these terms per account and the rest "
               "of the scenario's levers, so DSO, bad debt and what the terms cost come with "
               "95% confidence intervals over replications (the terms model's expectation "
               "beside them).")
    c1, c2 = st.columns([1, 3])
    replications = int(c1.number_input("Replications", 2, 50, 4, key="fin_sim_reps"))
    store = st.session_state.setdefault("fin_sim_results", {})
    if c2.button("Simulate this policy", type="primary", key="fin_simulate"):
        bar = st.progress(0.0, text=f"replication 0 of {replications}")

        def tick(done: int, total: int) -> None:
            bar.progress(done / total, text=f"replication {done} of {total}")

        with st.spinner("Preparing the scenario with these terms …"):
            run = simulate_policy(loaded, ctx, report, replications=replications,
                                  workers=min(2, os.cpu_count() or 1), progress=tick)
        store[key] = (replications, policy_projection(run, report))
    if key not in store:
        return
    reps, table = store[key]
    shown = pd.DataFrame({
        "figure": [f"{KPI_LABELS[k]} ({UNIT_TEXT[u]})" for k, u in POLICY_KPIS.items()]},
        index=table.index)
    for col in ("mean", "ci_low", "ci_high", "terms_model"):
        shown[col] = [table.loc[k, col] * (100 if k in PERCENT_KPIS else 1) for k in table.index]
    st.dataframe(shown.rename(columns={
        "mean": "simulated mean", "ci_low": "95% CI low", "ci_high": "95% CI high",
        "terms_model": "terms model"}).style.format("{:,.2f}", subset=[
            "simulated mean", "95% CI low", "95% CI high", "terms model"], na_rep="—"),
        hide_index=True, width="stretch")
    st.caption(f"{reps} replications. The simulation's DSO and bad debt are read like the "
               "KPIs (the last day of the horizon; write-offs within it); its costs are per "
               "simulated year.")


# ------------------------------------------------------------------ collections
@st.cache_data(max_entries=4, show_spinner="Measuring both reminder schedules …")
def _comparison(_ctx: CreditContext, key: tuple) -> pd.DataFrame:
    del key  # cache key only
    return reminder_comparison(_ctx)


@st.cache_data(max_entries=8, show_spinner="Valuing a contact on every open receivable …")
def _worklist(_ctx: CreditContext, key: tuple, horizon: int, lead: int):
    del key  # cache key only
    return collection_worklist(_ctx, horizon_days=horizon, lead_days=lead)


def reminders_section(ctx: CreditContext, key: tuple) -> None:
    st.subheader("Payment reminders: manual today, automated in the scenario")
    st.caption("A reminder sent while an invoice is unpaid keeps the share shown of the delay "
               "its payer still intends. After the due date that share is measured in the "
               "ledger (manual reminders, some forgotten); on or before it, it is the "
               "assumption `pre_due_reminder_effect` (a nudge).")
    c1, c2 = st.columns(2)
    labels = {"day_from_due": "day from due", "sent_probability": "P(sent) (%)",
              "delay_kept": "share of delay kept (%)"}

    def show(col, title: str, table: pd.DataFrame) -> None:
        col.markdown(f"**{title}**")
        table = table.assign(sent_probability=100 * table["sent_probability"],
                             delay_kept=100 * table["delay_kept"])
        col.dataframe(table.rename(columns=labels).style.format(
            {"day from due": "{:+.0f}", "P(sent) (%)": "{:.0f}",
             "share of delay kept (%)": "{:.0f}"}), hide_index=True, width="stretch")

    show(c1, "Today (manual, as measured)", schedule_table(today_schedule(ctx)))
    automated = ctx.credit.automated_reminders
    show(c2, "The scenario's (automated)" if automated else "The scenario's (manual, as today)",
         schedule_table(scenario_schedule(ctx)))
    table = _comparison(ctx, key).set_index("reminders")
    cols = st.columns(2)
    for col, name in zip(cols, ("manual", "automated"), strict=True):
        row = table.loc[name]
        col.metric(f"DSO with {name} reminders (days)", f"{row['dso_days']:.1f}",
                   None if name == "manual" else
                   f"{row['dso_days'] - table.loc['manual', 'dso_days']:+.1f} days",
                   delta_color="inverse")
    st.caption("Everyone on today's monthly terms, the collection mechanism of the simulation "
               "on the scenario's review day; bad debt is the same under both "
               f"({table.loc['manual', 'bad_debt_rate']:.2%}): reminders move payments, "
               "not defaults.")


def worklist_section(ctx: CreditContext, key: tuple) -> None:
    st.subheader("Collection worklist")
    c1, c2 = st.columns(2)
    horizon = int(c1.number_input("Count what is paid within (days)", 1, 180, 30,
                                  key="fin_wl_horizon"))
    lead = int(c2.number_input("Also list invoices due within (days)", 0, 30, 3,
                               key="fin_wl_lead"))
    wl = _worklist(ctx, key, horizon, lead)
    acc = wl.accounts
    if acc.empty:
        st.info(f"No receivable open at {wl.as_of:%Y-%m-%d} is overdue or due within "
                f"{lead} days.")
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("accounts to contact", f"{len(acc):,}")
    m2.metric("open, overdue or due soon (CNY)", f"{acc['open_cny'].sum():,.0f}")
    m3.metric(f"brought in within {horizon} days by one contact each (CNY)",
              f"{acc['recovered_cny'].sum():,.0f}")
    st.caption(f"Today's open receivables ({wl.as_of:%Y-%m-%d}), ranked by what one contact "
               "today is expected to bring in within the horizon: the payer's lateness and "
               "default risk given that the invoice is still open, the contact keeping the "
               "measured share of the remaining delay. "
               + " ".join(f"**{k}**: {v}." for k, v in CONTACT_TEXT.items())
               + f" Left off: {wl.not_yet_due[0]:,} invoices ({wl.not_yet_due[1]:,.0f} CNY) "
               "due later.")
    shown = acc.head(SHOWN).assign(
        customer_type=lambda t: t["customer_type"].map(TYPE_LABELS).fillna(t["customer_type"]),
        default_probability_open=lambda t: 100 * t["default_probability_open"])
    cols = [c for c in WORKLIST_LABELS if c in shown.columns]
    st.dataframe(shown[cols].rename(columns=WORKLIST_LABELS).style.format({
        WORKLIST_LABELS["recovered_cny"]: "{:,.0f}", WORKLIST_LABELS["open_cny"]: "{:,.0f}",
        WORKLIST_LABELS["overdue_cny"]: "{:,.0f}",
        WORKLIST_LABELS["days_overdue"]: "{:.0f}",
        WORKLIST_LABELS["default_probability_open"]: "{:.1f}"}),
        hide_index=True, width="stretch")
    if len(acc) > SHOWN:
        st.caption(f"The first {SHOWN} of {len(acc):,} accounts; the downloads hold all.")
    d1, d2 = st.columns(2)
    d1.download_button("Download the worklist (Excel)", worklist_workbook(wl),
                       file_name="collection_worklist.xlsx", mime=XLSX_MIME, key="fin_wl_xlsx")
    # UTF-8 with BOM: Excel on a Chinese Windows machine reads the names correctly
    d2.download_button("Download the worklist (CSV)",
                       csv_bytes(acc),
                       file_name="collection_worklist.csv", mime="text/csv", key="fin_wl_csv")
