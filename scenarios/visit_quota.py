"""Reps behind their monthly visit quota (DOMAIN.md, "Customers": "a monthly visit quota per
grade, with reminders before month end when a rep is behind"; docs/territory.md).

For the calendar month holding ``as_of``, each rep's doctors (those of the terminals it
covers) are due ``visit_quota[grade]`` calls a month; the calls the rep made on them from the
month's first day to ``as_of`` are set against the share of the month's working days
(Monday-Friday less public holidays) elapsed. Only the rep's calls on a doctor with a quota
count: department and academic meetings reach many doctors at once (the CRM records one
doctor on them, not who attended), a call by another rep is that rep's work, not this one's
quota, and a doctor whose grade has no quota is not due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.calendar import business_days
from data.dataset import Dataset

#: the visit kind that counts toward the quota (meetings do not: see the module's docstring)
QUOTA_KIND = "call"
#: grades in the order a rep should see its pending doctors (best first)
GRADE_ORDER = ("A", "B", "C", "D")
REP_COLUMNS = ["rep_id", "name", "home_city", "due", "done", "expected_by_now", "shortfall",
               "behind", "doctors_pending"]
PENDING_COLUMNS = ["rep_id", "rank", "doctor_id", "terminal_id", "hospital", "grade",
                   "weekly_target_patients", "quota", "done", "missing"]


@dataclass(frozen=True)
class QuotaProgress:
    """Each rep's progress on the month's visit quota (``reps``, one row per rep; calls) and
    the doctors still due a call (``pending``, ranked per rep by grade then target patients),
    with the month's calendar and totals (``summary``)."""

    reps: pd.DataFrame
    pending: pd.DataFrame
    summary: dict


def history_bounds(ds: Dataset) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day ``as_of`` may take: the visits' first day and the data set's
    ``as_of`` (visits after it are not history)."""
    visits = ds["visits"] if "visits" in ds.tables else pd.DataFrame({"date": []})
    last = ds.as_of.normalize()
    first = pd.Timestamp(visits["date"].min()).normalize() if len(visits) else last
    return first, last


def month_calendar(as_of: pd.Timestamp) -> dict:
    """The month holding ``as_of``: its first day, its working days (Mon-Fri less public
    holidays, ``data.calendar.business_days``) and those from
    the first day to ``as_of`` inclusive, and their ratio (0-1)."""
    day = as_of.normalize()
    start = day.replace(day=1)
    end = start + pd.offsets.MonthBegin(1)
    total = int(np.busday_count(start.date(), end.date(), busdaycal=business_days()))
    elapsed = int(np.busday_count(start.date(), (day + pd.Timedelta(days=1)).date(),
                                  busdaycal=business_days()))
    return {"month": f"{start:%Y-%m}", "month_start": start, "as_of": day,
            "working_days": total, "working_days_elapsed": elapsed,
            "elapsed_share": elapsed / total if total else 0.0}


def _doctor_quota(ds: Dataset, doctors: pd.DataFrame, visit_quota: Mapping[str, float]
                  ) -> pd.DataFrame:
    """One row per graded doctor: its terminal, hospital, rep (the terminal's), grade, weekly
    target patients and quota (calls a month; 0 for a grade the quota leaves out)."""
    terminals = ds["terminals"].set_index("terminal_id")
    out = doctors[["doctor_id", "terminal_id", "grade"]].reset_index(drop=True).copy()
    out["hospital"] = out["terminal_id"].map(terminals["name"])
    out["rep_id"] = out["terminal_id"].map(terminals["rep_id"])
    patients = ds["doctors"].set_index("doctor_id")["weekly_target_patients"]
    out["weekly_target_patients"] = out["doctor_id"].map(patients).fillna(0).astype(int)
    out["quota"] = out["grade"].map(dict(visit_quota)).fillna(0.0).astype(float)
    return out


def _calls_on_own_doctors(ds: Dataset, quota: pd.DataFrame, start: pd.Timestamp,
                          day: pd.Timestamp) -> pd.Series:
    """Calls per doctor from ``start`` to ``day`` inclusive made by the rep who covers the
    doctor's terminal (a call by another rep is not this rep's quota)."""
    v = ds["visits"]
    doctor = v["doctor_id"].fillna("").astype(str)
    mask = ((v["kind"] == QUOTA_KIND) & (doctor != "")
            & (v["date"] >= start) & (v["date"] < day + pd.Timedelta(days=1))).to_numpy()
    calls = pd.DataFrame({"doctor_id": doctor[mask], "rep_id": v["rep_id"][mask]})
    owner = quota.set_index("doctor_id")["rep_id"]
    own = calls["rep_id"].to_numpy() == calls["doctor_id"].map(owner).to_numpy()
    return calls.loc[own, "doctor_id"].value_counts()


def _pending(quota: pd.DataFrame) -> pd.DataFrame:
    """Doctors with a quota whose calls this month are below it, ranked per rep by grade (A
    first) then weekly target patients (most first)."""
    rows = quota[(quota["quota"] > 0) & (quota["done"] < quota["quota"])].copy()
    rows["missing"] = rows["quota"] - rows["done"]
    order = {g: i for i, g in enumerate(GRADE_ORDER)}
    rows["_grade"] = rows["grade"].map(order).fillna(len(order))
    rows = rows.sort_values(["rep_id", "_grade", "weekly_target_patients", "doctor_id"],
                            ascending=[True, True, False, True])
    rows["rank"] = rows.groupby("rep_id").cumcount() + 1
    return rows[PENDING_COLUMNS].reset_index(drop=True)


def quota_progress(ds: Dataset, doctors: pd.DataFrame, visit_quota: Mapping[str, float], *,
                   as_of: pd.Timestamp | str | None = None) -> QuotaProgress:
    """Each rep's calls this month against its doctors' visit quota (``visit_quota``: calls a
    month per grade; ``doctors``: ``doctor_id``, ``terminal_id``, ``grade`` as from
    :func:`scenarios.territory_report.doctor_table`), up to ``as_of`` (default the data
    set's; visits after it are ignored). Expected by now = due × the share of the month's
    working days elapsed; a rep is behind when its calls fall short of it."""
    first, last = history_bounds(ds)
    day = last if as_of is None else pd.Timestamp(as_of).normalize()
    if not first <= day <= last:
        raise ValueError(f"as_of {day:%Y-%m-%d} outside the visits' history "
                         f"{first:%Y-%m-%d} … {last:%Y-%m-%d}")
    cal = month_calendar(day)
    quota = _doctor_quota(ds, doctors, visit_quota)
    calls = _calls_on_own_doctors(ds, quota, cal["month_start"], day)
    quota["done"] = quota["doctor_id"].map(calls).fillna(0).astype(int)
    pending = _pending(quota)
    reps = _rep_rows(ds, quota, pending, cal["elapsed_share"])
    summary = _summary(ds, cal, reps, pending)
    return QuotaProgress(reps, pending, summary)


def _rep_rows(ds: Dataset, quota: pd.DataFrame, pending: pd.DataFrame, share: float
              ) -> pd.DataFrame:
    """One row per rep: due (calls a month), done (calls on doctors with a quota), expected
    by now, shortfall (calls), behind, doctors pending."""
    reps = ds["reps"].set_index("rep_id")
    counted = quota[quota["quota"] > 0]  # calls on a doctor the quota leaves out are extra
    g = counted.groupby("rep_id")
    out = reps[["name", "home_city"]].assign(
        due=g["quota"].sum().reindex(reps.index, fill_value=0.0),
        done=g["done"].sum().reindex(reps.index, fill_value=0).astype(int))
    out["expected_by_now"] = out["due"] * share
    out["shortfall"] = (out["expected_by_now"] - out["done"]).clip(lower=0.0)
    out["behind"] = out["done"] < out["expected_by_now"]
    out["doctors_pending"] = pending["rep_id"].value_counts().reindex(
        reps.index, fill_value=0).astype(int)
    out.index.name = "rep_id"
    return out.reset_index()[REP_COLUMNS]


def _summary(ds: Dataset, cal: dict, reps: pd.DataFrame, pending: pd.DataFrame) -> dict:
    """The month's calendar and totals: reps behind, calls due, done, expected and short, and
    every call on a doctor by any rep in the month so far (the reps' whole capacity used)."""
    v = ds["visits"]
    in_month = ((v["date"] >= cal["month_start"])
                & (v["date"] < cal["as_of"] + pd.Timedelta(days=1)))
    with_doctor = v["doctor_id"].fillna("").astype(str) != ""
    return {**cal, "reps_total": len(reps), "reps_behind": int(reps["behind"].sum()),
            "due": float(reps["due"].sum()), "done": int(reps["done"].sum()),
            "expected_by_now": float(reps["expected_by_now"].sum()),
            "shortfall": float(reps["shortfall"].sum()),
            "calls_on_doctors_in_month": int((in_month & with_doctor
                                              & (v["kind"] == QUOTA_KIND)).sum()),
            "doctors_pending": len(pending)}


def quota_payload(progress: QuotaProgress, scenario: str, dataset: str,
                  visit_quota: Mapping[str, float]) -> dict:
    """``pharmaops territory quota --json``: the month, totals, the quota and every rep
    (worst first) with its pending doctors."""
    from scenarios.jsonio import json_ready

    s = progress.summary
    return json_ready({
        "scenario": scenario, "dataset": dataset, "visit_quota": dict(visit_quota),
        **{k: (f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else v) for k, v in s.items()},
        "reps": worst_first(progress.reps).to_dict(orient="records"),
        "pending": progress.pending.to_dict(orient="records")})


def worst_first(reps: pd.DataFrame) -> pd.DataFrame:
    """Reps by shortfall (calls), largest first; ties by the share of the quota done."""
    done_share = reps["done"] / reps["due"].where(reps["due"] > 0)
    return reps.assign(_share=done_share.fillna(1.0)).sort_values(
        ["shortfall", "_share", "rep_id"], ascending=[False, True, True]).drop(
        columns="_share").reset_index(drop=True)


def quota_workbook(progress: QuotaProgress) -> bytes:
    """The reps (worst first) and the doctors pending as an Excel workbook."""
    import io

    buffer = io.BytesIO()
    s = progress.summary
    month = pd.DataFrame({"item": ["month", "as of", "working days", "working days elapsed",
                                   "elapsed share", "reps behind", "calls due a month",
                                   "calls done", "calls expected by now", "shortfall (calls)"],
                          "value": [s["month"], f"{s['as_of']:%Y-%m-%d}", s["working_days"],
                                    s["working_days_elapsed"], round(s["elapsed_share"], 4),
                                    s["reps_behind"], s["due"], s["done"],
                                    round(s["expected_by_now"], 1), round(s["shortfall"], 1)]})
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        month.to_excel(xl, sheet_name="month", index=False)
        worst_first(progress.reps).to_excel(xl, sheet_name="reps", index=False)
        progress.pending.to_excel(xl, sheet_name="doctors pending", index=False)
    return buffer.getvalue()
