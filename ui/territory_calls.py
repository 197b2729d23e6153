"""The territory page's sections "Call plan" and "Sales-force size": response curves estimated
from the visits and the flow data, the monthly call plan per rep and account on them with its
proof and uplift (``scenarios.call_planning.plan_calls``), and profit against the number of
reps, each size re-planned (``scenarios.force_size.size_curve``). docs/territory.md.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from data.dataset import Dataset
from models.territory.calls import adbudg_sales
from scenarios.call_planning import coverage, plan_calls
from scenarios.channel import XLSX_MIME
from scenarios.force_size import size_curve, size_payload
from scenarios.territory_levers import TerritoryLevers
from scenarios.territory_report import call_plan_sheets, visits_due
from ui.overview import TYPE_LABELS
from ui.territory_prospects import prospects_section

STATE = "tr_calls"
#: the page's time limit for one plan (s)
SECONDS = 60.0
#: seed of the curves drawn for the uplift's interval (the shipped scenarios' seed)
UPLIFT_SEED = 20260101
COVERAGE_LABELS = {"account_type": "type", "accounts": "accounts",
                   "calls_today": "calls a month today", "calls_planned": "calls a month planned",
                   "uncalled_today": "accounts without a call today",
                   "uncalled_planned": "accounts without a call planned",
                   "sales_today_cny": "sales a month at today's calls (CNY)",
                   "sales_planned_cny": "sales a month planned (CNY)"}
REP_LABELS = {"rep": "rep (base)", "capacity": "calls a month it can make",
              "calls_today": "calls a month today", "calls_planned": "calls a month planned",
              "idle_calls": "idle calls a month", "quota_calls": "calls the quota asks",
              "travel_minutes_per_call": "travel a call (minutes)",
              "sales_today_cny": "sales a month today (CNY)",
              "sales_planned_cny": "sales a month planned (CNY)"}


class Settings(NamedTuple):
    """What a plan depends on: the data set and the grading (which fixes the quota)."""

    fingerprint: str
    grading: tuple
    quota: tuple


@st.cache_data(max_entries=2, show_spinner=False)
def _plan(_ds: Dataset, _grades: pd.DataFrame, fingerprint: str, grading: tuple,
          quota: tuple):
    del fingerprint, grading  # cache key only
    return plan_calls(_ds, visits_due(_ds, _grades, dict(quota)), time_limit_s=SECONDS,
                      rng=np.random.default_rng(UPLIFT_SEED))


def visits_and_grades(ds: Dataset, grades: pd.DataFrame | None, needs: str, refusal: str,
                      why_not: str | None) -> bool:
    """Whether a section that reads the visits under the sidebar's grading can run; says why
    not when it cannot (``needs``: what needs the visits; ``refusal``: what cannot be done)."""
    if "visits" not in ds.tables or not len(ds["visits"]):
        st.info(f"The data set has no visits: {needs} need the CRM's visit history.")
        return False
    if grades is None:
        st.info(f"{refusal}: {why_not}")
        return False
    return True


def call_plan_section(ds: Dataset, grades: pd.DataFrame | None, grading: tuple,
                      why_not: str | None = None) -> None:
    """Controls, the button and the last plan, then the sales-force size curve."""
    st.subheader("Call plan")
    quota = TerritoryLevers().visit_quota
    st.caption(
        "Each account's sales a month against the calls it gets follow an ADBUDG response "
        "curve per account type, estimated from the CRM's visits and the flow data (the "
        "terminals' own sales, not our invoices). The plan gives every rep's calls to its "
        "accounts where they add most margin, within the rep's calls a month (travel from "
        "its base included) and the visit quota (" + ", ".join(
            f"{g} {v:g}" for g, v in quota.items()) + " a doctor; scaled down where a rep "
        "cannot make them all), and proves it optimal.")
    if not visits_and_grades(ds, grades, "response curves", "No call plan can be made",
                             why_not):
        return
    key = Settings(ds.fingerprint, grading, tuple(quota.items()))
    if st.button("Plan calls", key="tr_calls_go", type="primary"):
        with st.spinner("Estimating response curves from the visits and flow data and "
                        "planning every rep's calls: about half a minute on the national "
                        "data …"):
            st.session_state[STATE] = (key, _plan(ds, grades, *key))
    stored = st.session_state.get(STATE)
    if stored is None or stored[0].fingerprint != ds.fingerprint:
        st.caption("Press the button to plan calls.")
        return
    made, report = stored
    if made != key:
        st.warning("This plan was made under another grading: press the button to plan for "
                   "the current one.")
    _metrics(report)
    _curves(report)
    prospects_section(ds, report)
    _tables(ds, report)
    _force_size(report)


def _metrics(report) -> None:
    s = report.summary
    proof, sales = st.columns(3), st.columns(3)
    proof[0].metric("call plan status", "optimal" if s["status"] == "optimal" else s["status"],
                    f"proven, in {s['seconds']:.1f} s" if s["status"] == "optimal"
                    else "best found", delta_color="off")
    proof[1].metric("upper bound on margin a month", f"{s['bound_cny_month']:,.0f} CNY")
    proof[2].metric("call plan's gap to the bound", f"{s['gap']:.2%}")
    low, high = s["uplift_ci95"]
    sales[0].metric("sales a month, planned", f"{s['sales_planned_cny_month']:,.0f} CNY",
                    f"{s['uplift_share']:+.1%} vs today's calls "
                    f"(95% interval {low:+.1%} to {high:+.1%})")
    low, high = s["uplift_reallocated_ci95"]
    sales[1].metric("today's calls only reallocated", f"{s['sales_reallocated_cny_month']:,.0f}"
                    " CNY", f"{s['uplift_reallocated_share']:+.1%} vs today "
                    f"(95% interval {low:+.1%} to {high:+.1%})")
    sales[2].metric("calls a month planned", f"{s['calls_planned']:,}",
                    f"of {s['capacity']:,} the reps can make; today {s['calls_today']:,.0f}",
                    delta_color="off")
    st.caption(
        f"The visit quota asks {s['quota_calls']:,.0f} calls a month; it is met at "
        f"{s['quota_met_share']:.0%} of the accounts; today's calls would sell "
        f"{s['sales_today_cny_month']:,.0f} CNY a month. {s['idle_calls']:,} calls a month stay "
        "idle where a rep's accounts need no more (no account is planned more calls than its "
        "type got in 95% of its months: the curves are not extrapolated). The uplift is read "
        "off the estimated curves, which the plan was chosen on: it is optimistic — on "
        "generated data whose true curves are known, the true uplift was about 5 points "
        "lower, within the 95% interval drawn from the curves' uncertainty "
        "(docs/territory.md)."
        + (f" {s['accounts_left_out']:,} accounts of types whose curve cannot be planned on "
           "(too few accounts, or too uncertain a curve: "
           + ", ".join(TYPE_LABELS.get(t, t) for t in s["types_without_curve"])
           + ") are left out of the plan." if s["accounts_left_out"] else ""))


def _curves(report) -> None:
    rows = []
    for r in report.responses[report.responses["not_used_because"] == ""].itertuples():
        x = np.arange(0, 21)
        share = adbudg_sales(x, r.sales_min, r.sales_max, r.c, r.d)
        rows.append(pd.DataFrame({"calls a month": x, "share of potential": share,
                                  "type": TYPE_LABELS.get(r.segment, r.segment)}))
    if not rows:
        return
    chart = alt.Chart(pd.concat(rows)).mark_line().encode(
        x=alt.X("calls a month:Q"), y=alt.Y("share of potential:Q", axis=alt.Axis(format="%"),
                                             title="sales a month, share of potential"),
        color=alt.Color("type:N", title=None),
        tooltip=["type", "calls a month", alt.Tooltip("share of potential:Q", format=".1%")])
    st.markdown("**Response curves, estimated** (sales a month as a share of the account's "
                "potential, at the year's average season)")
    st.altair_chart(chart, width="stretch")
    table = report.responses.assign(segment=report.responses["segment"].map(TYPE_LABELS))
    st.dataframe(table[["segment", "sales_min", "sales_min_se", "sales_max", "sales_max_se",
                        "c", "c_se", "d", "accounts", "not_used_because"]].rename(columns={
                            "segment": "type", "sales_min": "no calls (share)",
                            "sales_min_se": "± s.e.", "sales_max": "saturation (share)",
                            "sales_max_se": "± s.e. ", "c": "shape c (>1: S-shaped)",
                            "c_se": "± s.e.  ", "d": "d", "accounts": "accounts",
                            "not_used_because": "not planned on because"}).style.format(
        precision=3), hide_index=True, width="stretch")


def _tables(ds: Dataset, report) -> None:
    cov = coverage(report)
    cov["account_type"] = cov["account_type"].map(TYPE_LABELS).fillna(cov["account_type"])
    st.markdown("**Coverage by account type**")
    st.dataframe(cov.rename(columns=COVERAGE_LABELS).style.format(
        {COVERAGE_LABELS[k]: "{:,.0f}" for k in COVERAGE_LABELS if k != "account_type"}),
        hide_index=True, width="stretch")
    reps = report.reps.copy()
    reps["rep"] = reps["name"] + " (" + reps["home_city"] + ")"
    st.markdown("**Per rep**, most idle first")
    shown = reps.sort_values("idle_calls", ascending=False)[list(REP_LABELS)]
    st.dataframe(shown.rename(columns=REP_LABELS).style.format(
        {REP_LABELS[k]: "{:,.0f}" for k in REP_LABELS if k != "rep"}), hide_index=True,
        width="stretch")


def _force_size(report) -> None:
    st.subheader("Sales-force size")
    cost = float(st.number_input("Cost of one rep a month (CNY: salary, social insurance, "
                                 "travel and expenses)", 0.0, 1e6,
                                 TerritoryLevers().rep_cost_cny_per_month, step=1000.0,
                                 format="%.0f",
                                 key="tr_rep_cost"))
    curve = _size(report, st.session_state[STATE][0], cost)
    doc = size_payload(curve, report, cost)
    st.caption(
        "Profit a month (margin on the planned sales less the reps' cost) at each number of "
        "reps, spread over the regions as today and each size re-planned with its calls "
        "pooled per region — as if the territories were realigned to the size, so the curve "
        f"is what a size can earn with a good alignment. Highest at {doc['best_reps']} reps "
        f"({doc['best_profit_cny_month']:,.0f} CNY a month); today {doc['today_reps']} reps "
        f"earn {doc['today_alignment_profit_cny_month']:,.0f} CNY a month on today's "
        "alignment.")
    line = alt.Chart(curve).mark_line(point=True).encode(
        x=alt.X("reps:Q", title="reps", axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("profit_cny_month:Q", title="profit a month (CNY)", scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("reps:Q"), alt.Tooltip("profit_cny_month:Q", format=",.0f",
                                                     title="profit a month (CNY)"),
                 alt.Tooltip("sales_cny_month:Q", format=",.0f", title="sales a month (CNY)"),
                 alt.Tooltip("calls:Q", format=",", title="calls a month")])
    today = alt.Chart(pd.DataFrame({"reps": [doc["today_reps"]]})).mark_rule(
        strokeDash=[4, 4], color="#555").encode(x="reps:Q")
    st.altair_chart(line + today, width="stretch")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        for name, frame in {**call_plan_sheets(report), "sales-force size": curve}.items():
            frame.to_excel(xl, sheet_name=name, index=False)
    st.download_button("Download the call plan and the size curve (Excel)", buffer.getvalue(),
                       file_name="call_plan.xlsx", mime=XLSX_MIME, key="tr_calls_xlsx")


@st.cache_data(max_entries=4, show_spinner="Re-planning calls at every sales-force size …")
def _size(_report, settings: Settings, cost: float) -> pd.DataFrame:
    del settings  # cache key only: the plan's data set and grading
    return size_curve(_report, cost, time_limit_s=SECONDS)


__all__ = ["call_plan_section", "visits_and_grades"]
