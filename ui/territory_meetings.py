"""The territory page's section "Academic specialists": a meeting's effect on its hospital's
sales estimated from the history, and the specialists' meetings at the core accounts where
they earn most, per region and per hospital (``scenarios.academic_meetings``;
docs/territory.md, "Academic specialists").
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from data.dataset import Dataset
from scenarios.academic_meetings import plan_meetings, specialist_capacity
from scenarios.channel import XLSX_MIME
from scenarios.territory_report import meeting_sheets
from ui.common import xlsx_bytes
from ui.i18n import N_, _
from ui.overview import type_label

MEETING_LABELS = {"name": N_("hospital"), "account_type": N_("type"), "city": N_("city"),
                  "region": N_("region"), "rep_id": N_("rep (base)"),
                  "sales_cny_month": N_("sales a month (CNY)"),
                  "meetings_today": N_("meetings a month today"),
                  "value_cny_month": N_("worth of a meeting (CNY)"),
                  "meetings_planned": N_("meetings a month planned")}
MEETINGS_TEXT = N_(
    "Core customers get an academic specialist besides the rep: the specialists lead academic "
    "meetings at the key hospitals. A meeting's effect on its hospital's sales, that month and "
    "the next, is estimated from the meetings in the history against the flow data (a "
    "fixed-effects regression, calls and season held fixed). The plan puts each region's "
    "meetings at the core accounts where the margin on that effect most exceeds a meeting's "
    "cost, at most one a month per hospital, and is optimal by construction. Scenario lever: "
    "territory.academic_specialist_for_core.")
WORTH_TEXT = N_("A meeting is worth {margin} margin on {share} of a month's sales less {cost}: "
                "it pays only at hospitals that sell enough, so the plan may hold fewer "
                "meetings than the specialists could lead.")
SHOWN = 100


@st.cache_data(max_entries=4, show_spinner=False)
def _plan(_ds: Dataset, fingerprint: str, per_specialist: float | None, seed: int):
    del fingerprint  # cache key only
    return plan_meetings(_ds, per_specialist=per_specialist,
                         rng=np.random.default_rng(seed))


def meetings_section(ds: Dataset) -> None:
    """The lever, the effect and the plan (the scenario lever
    ``territory.academic_specialist_for_core``)."""
    st.subheader(_("Academic specialists"))
    st.caption(_(MEETINGS_TEXT))
    if "visits" not in ds.tables or not len(ds["visits"]):
        st.info(_("The data set has no visits: a meeting's effect cannot be estimated."))
        return
    today = specialist_capacity(ds)
    rate = float(today["capacity"].sum() / max(today["specialists"].sum(), 1))
    as_today = st.toggle(_("Each specialist leads as many meetings as today"), value=True,
                         key="tr_meet_today")
    per = None if as_today else st.number_input(
        _("Academic meetings a month each specialist can lead"), min_value=0.0, max_value=31.0,
        value=round(max(rate, 1.0), 1), step=0.5, key="tr_meet_rate")
    with st.spinner(_("Estimating a meeting's effect from the history and planning the "
                      "specialists' meetings …")):
        report = _plan(ds, ds.fingerprint, per, 0)
    s = report.summary
    e = s.get("effect")
    if e is not None:
        cols = st.columns(3)
        cols[0].metric(_("sales the month of a meeting"), f"{e['same_month']:+.1%}",
                       f"± {1.96 * e['same_month_se']:.1%} (95%)", delta_color="off")
        cols[1].metric(_("sales the month after"), f"{e['next_month']:+.1%}",
                       f"± {1.96 * e['next_month_se']:.1%} (95%)", delta_color="off")
        cols[2].metric(_("meetings it rests on"), f"{e['meetings']:,}",
                       _("{hospitals} hospitals").format(hospitals=f"{e['accounts']:,}"),
                       delta_color="off")
    if report.plan is None:
        st.info(_("No meeting plan: {why}. The specialists keep today's meetings.").format(
            why=s["left_out"]))
        return
    ci = s.get("sales_change_ci95")
    cny = " " + _("CNY")
    cols = st.columns(3)
    cols[0].metric(_("meetings a month, planned"), f"{s['meetings_planned_month']:,}",
                   _("today {today}; {specialists} specialists can lead {capacity}").format(
                       today=f"{s['meetings_today_month']:,.1f}",
                       specialists=s["specialists"], capacity=f"{s['capacity_month']:,}"),
                   delta_color="off")
    cols[1].metric(_("change in the core accounts' sales a month"),
                   f"{s['sales_change_cny_month']:+,.0f}" + cny,
                   None if ci is None else _("95% interval {low} to {high}").format(
                       low=f"{ci[0]:+,.0f}", high=f"{ci[1]:+,.0f}"),
                   delta_color="off")
    cols[2].metric(_("change in margin less meeting costs a month"),
                   f"{s['margin_change_cny_month']:+,.0f}" + cny,
                   _("meeting costs {cost} CNY").format(
                       cost=f"{s['cost_change_cny_month']:+,.0f}"), delta_color="off")
    cost = (_("{cost} CNY a meeting (today's, from the selling expenses)").format(
                cost=f"{s['meeting_cost_cny']:,.0f}") if s["meeting_cost_known"] else
            _("no meeting cost (the data set has no selling expenses)"))
    st.caption(_(WORTH_TEXT).format(margin=f"{s['margin']:.0%}",
                                    share=f"{e['months_of_sales']:.1%}", cost=cost))
    _regions_chart(report.regions)
    _table(ds, report)


def _regions_chart(regions: pd.DataFrame) -> None:
    long = regions.melt(id_vars="region", value_vars=["meetings_today", "meetings_planned"],
                        var_name="when", value_name="meetings")
    when = {"meetings_today": _("today"), "meetings_planned": _("planned")}
    long["when"] = long["when"].map(when)
    order = list(when.values())
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("region:N", title=_("region"), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("when:N", sort=order),
        y=alt.Y("meetings:Q", title=_("academic meetings a month")),
        color=alt.Color("when:N", title="", sort=order),
        tooltip=[alt.Tooltip("region:N", title=_("region")), alt.Tooltip("when:N", title=""),
                 alt.Tooltip("meetings:Q", format=",.1f", title=_("meetings a month"))])
    st.altair_chart(chart, width="stretch")


def _table(ds: Dataset, report) -> None:
    shown = report.accounts.sort_values("value_cny_month", ascending=False).head(SHOWN).copy()
    shown["account_type"] = shown["account_type"].map(type_label)
    reps = ds["reps"].set_index("rep_id")
    shown["rep_id"] = shown["rep_id"].map(reps["name"] + " (" + reps["home_city"] + ")")
    st.markdown(_("**Core accounts**, most worth a meeting first ({shown} shown; all in the "
                  "workbook). A meeting's worth: the margin on its effect less its cost.")
                .format(shown=SHOWN))
    labels = {k: _(v) for k, v in MEETING_LABELS.items()}
    st.dataframe(shown[list(labels)].rename(columns=labels).style.format(
        {labels[k]: "{:,.0f}" for k in ("sales_cny_month", "value_cny_month",
                                        "meetings_planned")}
        | {labels["meetings_today"]: "{:,.2f}"}), hide_index=True, width="stretch")
    st.download_button(_("Academic meetings (Excel)"), xlsx_bytes(meeting_sheets(report)),
                       file_name="academic_meetings.xlsx", mime=XLSX_MIME,
                       key="tr_meet_xlsx")


__all__ = ["meetings_section"]
