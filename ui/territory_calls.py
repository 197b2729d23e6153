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
from ui.i18n import N_, _
from ui.overview import type_label
from ui.territory_prospects import prospects_section

STATE = "tr_calls"
#: the page's time limit for one plan (s)
SECONDS = 60.0
#: seed of the curves drawn for the uplift's interval (the shipped scenarios' seed)
UPLIFT_SEED = 20260101
COVERAGE_LABELS = {"account_type": N_("type"), "accounts": N_("accounts"),
                   "calls_today": N_("calls a month today"),
                   "calls_planned": N_("calls a month planned"),
                   "uncalled_today": N_("accounts without a call today"),
                   "uncalled_planned": N_("accounts without a call planned"),
                   "sales_today_cny": N_("sales a month at today's calls (CNY)"),
                   "sales_planned_cny": N_("sales a month planned (CNY)")}
REP_LABELS = {"rep": N_("rep (base)"), "capacity": N_("calls a month it can make"),
              "calls_today": N_("calls a month today"),
              "calls_planned": N_("calls a month planned"),
              "idle_calls": N_("idle calls a month"), "quota_calls": N_("calls the quota asks"),
              "travel_minutes_per_call": N_("travel a call (minutes)"),
              "sales_today_cny": N_("sales a month today (CNY)"),
              "sales_planned_cny": N_("sales a month planned (CNY)")}
#: the response curves' table headers
CURVE_LABELS = {"segment": N_("type"), "sales_min": N_("no calls (share)"),
                "sales_min_se": "± s.e.", "sales_max": N_("saturation (share)"),
                "sales_max_se": "± s.e. ", "c": N_("shape c (>1: S-shaped)"),
                "c_se": "± s.e.  ", "d": "d", "accounts": N_("accounts"),
                "not_used_because": N_("not planned on because")}
CALL_PLAN_TEXT = N_(
    "Each account's sales a month against the calls it gets follow an ADBUDG response curve "
    "per account type, estimated from the CRM's visits and the flow data (the terminals' own "
    "sales, not our invoices). The plan gives every rep's calls to its accounts where they add "
    "most margin, within the rep's calls a month (travel from its base included) and the visit "
    "quota ({quota} a doctor; scaled down where a rep cannot make them all), and proves it "
    "optimal.")
PLAN_NOTE = N_(
    "The visit quota asks {quota_calls} calls a month; it is met at {quota_met} of the "
    "accounts; today's calls would sell {sales_today} CNY a month. {idle} calls a month stay "
    "idle where a rep's accounts need no more (no account is planned more calls than its type "
    "got in 95% of its months: the curves are not extrapolated). The uplift is read off the "
    "estimated curves, which the plan was chosen on: it is optimistic — on generated data "
    "whose true curves are known, the true uplift was about 5 points lower, within the 95% "
    "interval drawn from the curves' uncertainty (docs/territory.md).")
LEFT_OUT = N_("{accounts} accounts of types whose curve cannot be planned on (too few "
              "accounts, or too uncertain a curve: {types}) are left out of the plan.")
SIZE_TEXT = N_(
    "Profit a month (margin on the planned sales less the reps' cost) at each number of reps, "
    "spread over the regions as today and each size re-planned with its calls pooled per "
    "region — as if the territories were realigned to the size, so the curve is what a size "
    "can earn with a good alignment. Highest at {best} reps ({best_profit} CNY a month); "
    "today {today} reps earn {today_profit} CNY a month on today's alignment.")


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
        st.info(_("The data set has no visits: {needs} need the CRM's visit history.").format(
            needs=needs))
        return False
    if grades is None:
        st.info(f"{refusal}: {why_not}")
        return False
    return True


def call_plan_section(ds: Dataset, grades: pd.DataFrame | None, grading: tuple,
                      why_not: str | None = None) -> None:
    """Controls, the button and the last plan, then the sales-force size curve."""
    st.subheader(_("Call plan"))
    quota = TerritoryLevers().visit_quota
    st.caption(_(CALL_PLAN_TEXT).format(quota=", ".join(f"{g} {v:g}"
                                                        for g, v in quota.items())))
    if not visits_and_grades(ds, grades, _("response curves"), _("No call plan can be made"),
                             why_not):
        return
    key = Settings(ds.fingerprint, grading, tuple(quota.items()))
    if st.button(_("Plan calls"), key="tr_calls_go", type="primary"):
        with st.spinner(_("Estimating response curves from the visits and flow data and "
                          "planning every rep's calls: about half a minute on the national "
                          "data …")):
            st.session_state[STATE] = (key, _plan(ds, grades, *key))
    stored = st.session_state.get(STATE)
    if stored is None or stored[0].fingerprint != ds.fingerprint:
        st.caption(_("Press the button to plan calls."))
        return
    made, report = stored
    if made != key:
        st.warning(_("This plan was made under another grading: press the button to plan "
                     "for the current one."))
    _metrics(report)
    _curves(report)
    prospects_section(ds, report)
    _tables(ds, report)
    _force_size(report)


def _metrics(report) -> None:
    s = report.summary
    proof, sales = st.columns(3), st.columns(3)
    cny = " " + _("CNY")
    optimal = s["status"] == "optimal"
    proof[0].metric(_("call plan status"), _("optimal") if optimal else s["status"],
                    _("proven, in {seconds} s").format(seconds=f"{s['seconds']:.1f}")
                    if optimal else _("best found"), delta_color="off")
    proof[1].metric(_("upper bound on margin a month"), f"{s['bound_cny_month']:,.0f}" + cny)
    proof[2].metric(_("call plan's gap to the bound"), f"{s['gap']:.2%}")
    versus = _("{change} vs today's calls (95% interval {low} to {high})")
    low, high = s["uplift_ci95"]
    sales[0].metric(_("sales a month, planned"), f"{s['sales_planned_cny_month']:,.0f}" + cny,
                    versus.format(change=f"{s['uplift_share']:+.1%}", low=f"{low:+.1%}",
                                  high=f"{high:+.1%}"))
    low, high = s["uplift_reallocated_ci95"]
    sales[1].metric(_("today's calls only reallocated"),
                    f"{s['sales_reallocated_cny_month']:,.0f}" + cny,
                    versus.format(change=f"{s['uplift_reallocated_share']:+.1%}",
                                  low=f"{low:+.1%}", high=f"{high:+.1%}"))
    sales[2].metric(_("calls a month planned"), f"{s['calls_planned']:,}",
                    _("of {capacity} the reps can make; today {today}").format(
                        capacity=f"{s['capacity']:,}", today=f"{s['calls_today']:,.0f}"),
                    delta_color="off")
    note = _(PLAN_NOTE).format(
        quota_calls=f"{s['quota_calls']:,.0f}", quota_met=f"{s['quota_met_share']:.0%}",
        sales_today=f"{s['sales_today_cny_month']:,.0f}", idle=f"{s['idle_calls']:,}")
    if s["accounts_left_out"]:
        note += " " + _(LEFT_OUT).format(accounts=f"{s['accounts_left_out']:,}", types=", ".join(
            type_label(t) for t in s["types_without_curve"]))
    st.caption(note)


def _curves(report) -> None:
    rows = []
    for r in report.responses[report.responses["not_used_because"] == ""].itertuples():
        x = np.arange(0, 21)
        share = adbudg_sales(x, r.sales_min, r.sales_max, r.c, r.d)
        rows.append(pd.DataFrame({"calls": x, "share": share,
                                  "type": type_label(r.segment)}))
    if not rows:
        return
    chart = alt.Chart(pd.concat(rows)).mark_line().encode(
        x=alt.X("calls:Q", title=_("calls a month")),
        y=alt.Y("share:Q", axis=alt.Axis(format="%"),
                title=_("sales a month, share of potential")),
        color=alt.Color("type:N", title=None),
        tooltip=[alt.Tooltip("type:N", title=_("type")),
                 alt.Tooltip("calls:Q", title=_("calls a month")),
                 alt.Tooltip("share:Q", format=".1%", title=_("share of potential"))])
    st.markdown(_("**Response curves, estimated** (sales a month as a share of the account's "
                  "potential, at the year's average season)"))
    st.altair_chart(chart, width="stretch")
    table = report.responses.assign(segment=report.responses["segment"].map(type_label))
    st.dataframe(table[list(CURVE_LABELS)].rename(
        columns=lambda c: _(CURVE_LABELS[c])).style.format(precision=3), hide_index=True,
        width="stretch")


def _tables(ds: Dataset, report) -> None:
    cov = coverage(report)
    cov["account_type"] = cov["account_type"].map(type_label)
    st.markdown(_("**Coverage by account type**"))
    labels = {k: _(v) for k, v in COVERAGE_LABELS.items()}
    st.dataframe(cov.rename(columns=labels).style.format(
        {labels[k]: "{:,.0f}" for k in labels if k != "account_type"}),
        hide_index=True, width="stretch")
    reps = report.reps.copy()
    reps["rep"] = reps["name"] + " (" + reps["home_city"] + ")"
    st.markdown(_("**Per rep**, most idle first"))
    shown = reps.sort_values("idle_calls", ascending=False)[list(REP_LABELS)]
    labels = {k: _(v) for k, v in REP_LABELS.items()}
    st.dataframe(shown.rename(columns=labels).style.format(
        {labels[k]: "{:,.0f}" for k in labels if k != "rep"}), hide_index=True,
        width="stretch")


def _force_size(report) -> None:
    st.subheader(_("Sales-force size"))
    cost = float(st.number_input(_("Cost of one rep a month (CNY: salary, social insurance, "
                                   "travel and expenses)"), 0.0, 1e6,
                                 TerritoryLevers().rep_cost_cny_per_month, step=1000.0,
                                 format="%.0f",
                                 key="tr_rep_cost"))
    with st.spinner(_("Re-planning calls at every sales-force size …")):
        curve = _size(report, st.session_state[STATE][0], cost)
    doc = size_payload(curve, report, cost)
    st.caption(_(SIZE_TEXT).format(
        best=doc["best_reps"], best_profit=f"{doc['best_profit_cny_month']:,.0f}",
        today=doc["today_reps"], today_profit=f"{doc['today_alignment_profit_cny_month']:,.0f}"))
    profit = _("profit a month (CNY)")
    line = alt.Chart(curve).mark_line(point=True).encode(
        x=alt.X("reps:Q", title=_("reps"), axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("profit_cny_month:Q", title=profit, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("reps:Q", title=_("reps")),
                 alt.Tooltip("profit_cny_month:Q", format=",.0f", title=profit),
                 alt.Tooltip("sales_cny_month:Q", format=",.0f",
                             title=_("sales a month (CNY)")),
                 alt.Tooltip("calls:Q", format=",", title=_("calls a month"))])
    today = alt.Chart(pd.DataFrame({"reps": [doc["today_reps"]]})).mark_rule(
        strokeDash=[4, 4], color="#555").encode(x="reps:Q")
    st.altair_chart(line + today, width="stretch")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        for name, frame in {**call_plan_sheets(report), "sales-force size": curve}.items():
            frame.to_excel(xl, sheet_name=name, index=False)
    st.download_button(_("Download the call plan and the size curve (Excel)"),
                       buffer.getvalue(),
                       file_name="call_plan.xlsx", mime=XLSX_MIME, key="tr_calls_xlsx")


@st.cache_data(max_entries=4, show_spinner=False)
def _size(_report, settings: Settings, cost: float) -> pd.DataFrame:
    del settings  # cache key only: the plan's data set and grading
    return size_curve(_report, cost, time_limit_s=SECONDS)


__all__ = ["call_plan_section", "visits_and_grades"]
