"""The territory page's section "Reps behind their visit quota": each rep's calls on its
doctors this month against the visit quota per grade, pro rata to the month's working days
elapsed up to an "as of" day, the reps behind worst first, and the doctors still due a call
(``scenarios.visit_quota.quota_progress``; docs/territory.md).
"""

from __future__ import annotations

import io
from functools import partial

import pandas as pd
import streamlit as st

from data.dataset import Dataset
from scenarios.channel import XLSX_MIME
from scenarios.territory_levers import TerritoryLevers
from scenarios.visit_quota import QuotaProgress, history_bounds, quota_progress, worst_first
from ui.i18n import N_, _, in_language, language
from ui.territory_calls import visits_and_grades

#: the reps' headers (the page shows them translated, the workbook in English)
REP_LABELS = {"rep": N_("rep (base)"), "due": N_("calls due this month"),
              "done": N_("calls done"), "expected_by_now": N_("calls expected by now"),
              "shortfall": N_("short (calls)"), "done_share": N_("quota done (%)"),
              "doctors_pending": N_("doctors still due a call")}
QUOTA_TEXT = N_(
    "Each rep's doctors (those of the hospitals it covers) are due the visit quota a month "
    "({quota} calls a doctor, graded as in the sidebar). Only the rep's own calls on a doctor "
    "count: department and academic meetings reach a whole department at once and are not "
    "calls, and another rep's call is that rep's work; calls on grade-D doctors (no quota) "
    "are not counted. A rep is behind when its calls fall short of the quota × the share of "
    "the month's working days (Monday to Friday less public holidays) gone by the day "
    "chosen; later visits are ignored, so an earlier day shows who to remind before month "
    "end.")
CALLS_NOTE = N_("Every call on a doctor by any rep this month so far: {calls}. Where the quota "
                "asks far more calls than the reps make, most reps are behind: the quota, not "
                "only the reps, may need to change. {doctors} doctors are still due a call.")
PENDING_LABELS = {"rep": "rep (base)", "rank": "#", "doctor_id": "doctor",
                  "hospital": "hospital", "grade": "grade",
                  "weekly_target_patients": "target patients a week", "quota": "quota (calls)",
                  "done": "calls done", "missing": "calls missing"}


@st.cache_data(max_entries=4, show_spinner=False)
def _progress(_ds: Dataset, _grades: pd.DataFrame, fingerprint: str, grading: tuple,
              quota: tuple, as_of: str) -> QuotaProgress:
    del fingerprint, grading  # cache key only
    return quota_progress(_ds, _grades, dict(quota), as_of=as_of)


def quota_section(ds: Dataset, grades: pd.DataFrame | None, grading: tuple,
                  why_not: str | None = None) -> None:
    """The as-of day, how many reps are behind, the table of them and the workbook.
    ``grades``: ``doctor_id``, ``terminal_id``, ``grade`` under the sidebar's grading."""
    st.subheader(_("Reps behind their visit quota"))
    quota = TerritoryLevers().visit_quota
    st.caption(_(QUOTA_TEXT).format(quota=", ".join(f"{g} {v:g}" for g, v in quota.items())))
    if not visits_and_grades(ds, grades, _("the quota's calls"), _("No quota can be counted"),
                             why_not):
        return
    first, last = history_bounds(ds)
    day = st.date_input(_("As of (the month holding this day is measured up to it)"),
                        value=last.date(), min_value=first.date(), max_value=last.date(),
                        key="tr_quota_as_of")
    with st.spinner(_("Counting this month's calls per rep …")):
        progress = _progress(ds, grades, ds.fingerprint, grading, tuple(quota.items()),
                             f"{pd.Timestamp(day):%Y-%m-%d}")
    _metrics(progress)
    _behind_table(progress)
    # made when clicked (seconds of openpyxl on the national data), in the page's language
    st.download_button(_("Download the reps and the doctors still due a call (Excel)"),
                       in_language(language(), partial(_workbook, progress)),
                       file_name="visit_quota.xlsx", mime=XLSX_MIME, key="tr_quota_xlsx",
                       on_click="ignore")


def _metrics(progress: QuotaProgress) -> None:
    s = progress.summary
    cols = st.columns(4)
    calls = _("{calls} calls")
    cols[0].metric(_("reps behind"), _("{count} of {total}").format(
        count=f"{s['reps_behind']:,}", total=f"{s['reps_total']:,}"))
    cols[1].metric(_("month gone"), f"{s['elapsed_share']:.0%}",
                   _("{elapsed} of {days} working days of {month}").format(
                       elapsed=s["working_days_elapsed"], days=s["working_days"],
                       month=s["month"]), delta_color="off")
    cols[2].metric(_("calls due this month"), calls.format(calls=f"{s['due']:,.0f}"),
                   _("{calls} expected by now").format(calls=f"{s['expected_by_now']:,.0f}"),
                   delta_color="off")
    cols[3].metric(_("calls done"), calls.format(calls=f"{s['done']:,}"),
                   _("short {calls} calls").format(calls=f"{s['shortfall']:,.0f}"),
                   delta_color="off")
    st.caption(_(CALLS_NOTE).format(calls=f"{s['calls_on_doctors_in_month']:,}",
                                    doctors=f"{s['doctors_pending']:,}"))


def _labelled_reps(reps: pd.DataFrame) -> pd.DataFrame:
    out = reps.assign(rep=reps["name"] + " (" + reps["home_city"] + ")",
                      done_share=100 * reps["done"] / reps["due"].where(reps["due"] > 0))
    return out


def _behind_table(progress: QuotaProgress) -> None:
    reps = _labelled_reps(worst_first(progress.reps))
    behind = reps[reps["behind"]]
    if not len(behind):
        st.success(_("No rep is behind its visit quota on this day."))
        return
    st.markdown(_("**Reps behind**, most calls short first ({reps})").format(
        reps=f"{len(behind):,}"))
    labels = {k: _(v) for k, v in REP_LABELS.items()}
    st.dataframe(behind[list(labels)].rename(columns=labels).style.format(
        {labels["due"]: "{:,.0f}", labels["done"]: "{:,.0f}",
         labels["expected_by_now"]: "{:,.1f}", labels["shortfall"]: "{:,.1f}",
         labels["done_share"]: "{:.0f}", labels["doctors_pending"]: "{:,.0f}"},
        na_rep="–"), hide_index=True, width="stretch")


def _workbook(progress: QuotaProgress) -> bytes:
    """Every rep (worst first, a column says who is behind) and every doctor still due a call,
    with the month's calendar: never empty, even when no rep is behind."""
    s = progress.summary
    reps = _labelled_reps(worst_first(progress.reps))
    names = progress.reps.set_index("rep_id")
    pending = progress.pending.assign(rep=progress.pending["rep_id"].map(
        names["name"] + " (" + names["home_city"] + ")"))
    month = pd.DataFrame({"item": ["month", "as of", "working days", "working days gone",
                               "reps behind", "calls due this month", "calls expected by now",
                               "calls done", "short (calls)"],
                          "value": [s["month"], f"{s['as_of']:%Y-%m-%d}", s["working_days"],
                                    s["working_days_elapsed"], s["reps_behind"], s["due"],
                                    round(s["expected_by_now"], 1), s["done"],
                                    round(s["shortfall"], 1)]})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        month.to_excel(xl, sheet_name="month", index=False)
        reps[[*REP_LABELS, "behind"]].rename(columns=REP_LABELS).to_excel(
            xl, sheet_name="reps", index=False)
        pending[list(PENDING_LABELS)].rename(columns=PENDING_LABELS).to_excel(
            xl, sheet_name="doctors still due", index=False)
    return buffer.getvalue()


__all__ = ["quota_section"]
