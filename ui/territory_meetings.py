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
from ui.overview import TYPE_LABELS

MEETING_LABELS = {"name": "hospital", "account_type": "type", "city": "city",
                  "region": "region", "rep_id": "rep (base)",
                  "sales_cny_month": "sales a month (CNY)",
                  "meetings_today": "meetings a month today",
                  "value_cny_month": "worth of a meeting (CNY)",
                  "meetings_planned": "meetings a month planned"}
SHOWN = 100


@st.cache_data(max_entries=4, show_spinner="Estimating a meeting's effect from the history "
                                             "and planning the specialists' meetings …")
def _plan(_ds: Dataset, fingerprint: str, per_specialist: float | None, seed: int):
    del fingerprint  # cache key only
    return plan_meetings(_ds, per_specialist=per_specialist,
                         rng=np.random.default_rng(seed))


def meetings_section(ds: Dataset) -> None:
    """The lever, the effect and the plan (the scenario lever
    ``territory.academic_specialist_for_core``)."""
    st.subheader("Academic specialists")
    st.caption(
        "Core customers get an academic specialist besides the rep: the specialists lead "
        "academic meetings at the key hospitals. A meeting's effect on its hospital's sales, "
        "that month and the next, is estimated from the meetings in the history against the "
        "flow data (a fixed-effects regression, calls and season held fixed). The plan puts "
        "each region's meetings at the core accounts where the margin on that effect most "
        "exceeds a meeting's cost, at most one a month per hospital, and is optimal by "
        "construction. Scenario lever: territory.academic_specialist_for_core.")
    if "visits" not in ds.tables or not len(ds["visits"]):
        st.info("The data set has no visits: a meeting's effect cannot be estimated.")
        return
    today = specialist_capacity(ds)
    rate = float(today["capacity"].sum() / max(today["specialists"].sum(), 1))
    as_today = st.toggle("Each specialist leads as many meetings as today", value=True,
                         key="tr_meet_today")
    per = None if as_today else st.number_input(
        "Academic meetings a month each specialist can lead", min_value=0.0, max_value=31.0,
        value=round(max(rate, 1.0), 1), step=0.5, key="tr_meet_rate")
    report = _plan(ds, ds.fingerprint, per, 0)
    s = report.summary
    e = s.get("effect")
    if e is not None:
        cols = st.columns(3)
        cols[0].metric("sales the month of a meeting", f"{e['same_month']:+.1%}",
                       f"± {1.96 * e['same_month_se']:.1%} (95%)", delta_color="off")
        cols[1].metric("sales the month after", f"{e['next_month']:+.1%}",
                       f"± {1.96 * e['next_month_se']:.1%} (95%)", delta_color="off")
        cols[2].metric("meetings it rests on", f"{e['meetings']:,}",
                       f"{e['accounts']:,} hospitals", delta_color="off")
    if report.plan is None:
        st.info(f"No meeting plan: {s['left_out']}. The specialists keep today's meetings.")
        return
    ci = s.get("sales_change_ci95")
    cols = st.columns(3)
    cols[0].metric("meetings a month, planned", f"{s['meetings_planned_month']:,}",
                   f"today {s['meetings_today_month']:,.1f}; {s['specialists']} specialists "
                   f"can lead {s['capacity_month']:,}", delta_color="off")
    cols[1].metric("change in the core accounts' sales a month",
                   f"{s['sales_change_cny_month']:+,.0f} CNY",
                   None if ci is None else f"95% interval {ci[0]:+,.0f} to {ci[1]:+,.0f}",
                   delta_color="off")
    cols[2].metric("change in margin less meeting costs a month",
                   f"{s['margin_change_cny_month']:+,.0f} CNY",
                   f"meeting costs {s['cost_change_cny_month']:+,.0f} CNY", delta_color="off")
    cost = (f"{s['meeting_cost_cny']:,.0f} CNY a meeting (today's, from the selling "
            "expenses)" if s["meeting_cost_known"] else
            "no meeting cost (the data set has no selling expenses)")
    st.caption(f"A meeting is worth {s['margin']:.0%} margin on {e['months_of_sales']:.1%} of "
               f"a month's sales less {cost}: it pays only at hospitals that sell enough, so "
               "the plan may hold fewer meetings than the specialists could lead.")
    _regions_chart(report.regions)
    _table(ds, report)


def _regions_chart(regions: pd.DataFrame) -> None:
    long = regions.melt(id_vars="region", value_vars=["meetings_today", "meetings_planned"],
                        var_name="when", value_name="meetings")
    long["when"] = long["when"].map({"meetings_today": "today",
                                     "meetings_planned": "planned"})
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("region:N", title="region", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("when:N", sort=["today", "planned"]),
        y=alt.Y("meetings:Q", title="academic meetings a month"),
        color=alt.Color("when:N", title="", sort=["today", "planned"]),
        tooltip=[alt.Tooltip("region:N"), alt.Tooltip("when:N", title=""),
                 alt.Tooltip("meetings:Q", format=",.1f", title="meetings a month")])
    st.altair_chart(chart, width="stretch")


def _table(ds: Dataset, report) -> None:
    shown = report.accounts.sort_values("value_cny_month", ascending=False).head(SHOWN).copy()
    shown["account_type"] = shown["account_type"].map(TYPE_LABELS).fillna(
        shown["account_type"])
    reps = ds["reps"].set_index("rep_id")
    shown["rep_id"] = shown["rep_id"].map(reps["name"] + " (" + reps["home_city"] + ")")
    st.markdown(f"**Core accounts**, most worth a meeting first ({SHOWN} shown; all in the "
                "workbook). A meeting's worth: the margin on its effect less its cost.")
    st.dataframe(shown[list(MEETING_LABELS)].rename(columns=MEETING_LABELS).style.format(
        {MEETING_LABELS[k]: "{:,.0f}" for k in ("sales_cny_month", "value_cny_month",
                                                "meetings_planned")}
        | {MEETING_LABELS["meetings_today"]: "{:,.2f}"}), hide_index=True, width="stretch")
    st.download_button("Academic meetings (Excel)", xlsx_bytes(meeting_sheets(report)),
                       file_name="academic_meetings.xlsx", mime=XLSX_MIME,
                       key="tr_meet_xlsx")


__all__ = ["meetings_section"]
