"""The territory page's section "New customers": the prospects the call plan calls on, the
chance of a win a month against calls estimated from the history (fitted curve beside the
observed rate), and the wins a month at today's calls and at the plan's
(``scenarios.territory_prospects``; docs/territory.md, "New customers").
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from data.dataset import Dataset
from scenarios.territory_prospects import win_chance, win_panel
from ui.i18n import N_, _
from ui.overview import type_label

PROSPECT_LABELS = {"name": N_("prospect"), "account_type": N_("type"), "city": N_("city"),
                   "rep_id": N_("rep (base)"),
                   "potential_cny_month": N_("potential a month (CNY)"),
                   "win_value_cny": N_("sales a win brings over 5 years (CNY)"),
                   "current_calls": N_("calls a month today"),
                   "planned_calls": N_("calls a month planned")}
PROSPECTS_TEXT = N_(
    "Today's calls on the prospects win {today} a month; the plan's {planned}{interval}. A "
    "prospect's chance of a win a month rises with its calls that month, as estimated from the "
    "prospects' months in the history (below). The plan weighs a win as the margin on the "
    "sales a customer of its type brings over five years, discounted, against the calls it "
    "takes from the customers. The simulation draws the wins month by month over its horizon, "
    "so the prospects won early no longer count later.")


def prospects_section(ds: Dataset, report) -> None:
    """What the plan does for new customers (``report``: the call plan's report)."""
    st.markdown(_("**New customers**"))
    s = report.summary
    if report.prospects is None:
        # the reason comes from the model, in English
        st.info(_("No prospect is planned on: {why}.").format(
            why=s.get("win_curve_left_out") or _("the data set has no prospects")))
        return
    today, planned = s["wins_today_month"], s["wins_planned_month"]
    cols = st.columns(3)
    cols[0].metric(_("prospects not buying yet"), f"{s['prospects']:,}")
    cols[1].metric(_("calls a month on prospects, planned"), f"{s['prospect_calls_planned']:,}",
                   _("today {today}").format(today=f"{s['prospect_calls_today']:,.0f}"),
                   delta_color="off")
    ci = s.get("wins_change_ci95")
    change = (_("{change} vs today's calls").format(change=f"{planned / today - 1:+.0%}")
              if today > 0 else None)
    cols[2].metric(_("new customers a month, planned"), f"{planned:,.1f}", change)
    interval = (_(" (95% interval of the change {low} to {high}, from the win curve's "
                  "uncertainty)").format(low=f"{ci[0]:+.0%}", high=f"{ci[1]:+.0%}")
                if ci and today > 0 else "")
    st.caption(_(PROSPECTS_TEXT).format(today=f"{today:,.1f}", planned=f"{planned:,.1f}",
                                        interval=interval))
    _win_chart(ds, report)
    shown = report.prospects.sort_values("planned_calls", ascending=False).head(200).copy()
    shown["account_type"] = shown["account_type"].map(type_label)
    reps = ds["reps"].set_index("rep_id")
    shown["rep_id"] = shown["rep_id"].map(reps["name"] + " (" + reps["home_city"] + ")")
    st.markdown(_("**Prospects**, most calls planned first (200 shown; all in the workbook)"))
    labels = {k: _(v) for k, v in PROSPECT_LABELS.items()}
    st.dataframe(shown[list(labels)].rename(columns=labels).style.format(
        {labels[k]: "{:,.0f}" for k in ("potential_cny_month", "win_value_cny",
                                        "planned_calls")}
        | {labels["current_calls"]: "{:,.1f}"}), hide_index=True, width="stretch")


def _win_chart(ds: Dataset, report) -> None:
    panel = win_panel(ds)
    seen = panel.groupby("calls").agg(months=("won", "size"), rate=("won", "mean"))
    seen = seen[seen["months"] >= 20].reset_index()
    x = np.arange(0, int(max(seen["calls"].max(), 1)) + 1)
    curve = pd.DataFrame({"calls": x, "chance": win_chance(x, report.win)})
    line = alt.Chart(curve).mark_line().encode(
        x=alt.X("calls:Q", title=_("calls that month"), axis=alt.Axis(format="d",
                                                                      tickMinStep=1)),
        y=alt.Y("chance:Q", title=_("chance of a win a month"), axis=alt.Axis(format="%")))
    dots = alt.Chart(seen).mark_circle(size=60, color="#d62728").encode(
        x="calls:Q", y="rate:Q",
        tooltip=[alt.Tooltip("calls:Q", title=_("calls that month")),
                 alt.Tooltip("rate:Q", format=".1%", title=_("won in the history")),
                 alt.Tooltip("months:Q", format=",", title=_("prospect-months"))])
    st.caption(_("Line: the estimated chance of a win a month; dots: the share of "
                 "prospect-months with that many calls that ended in a win (20 months or "
                 "more)."))
    st.altair_chart(line + dots, width="stretch")


__all__ = ["prospects_section"]
