"""Working calendar: China's working days, 09:00-18:00. Times are float days since an epoch.

A working day is Monday to Friday, less the public holidays, plus the weekend days the State
Council moves work to (调休), as the ``chinese-calendar`` package records the official
arrangements (2004 to its last year, 2026 in version 1.11). Later years, not announced yet,
are projected by the statutory rules in force since 2025 (国务院《全国年节及纪念日放假办法》:
New Year's Day 1 day, Spring Festival 4 days from its eve, Qingming 1, Labour Day 2, Dragon
Boat 1, Mid-Autumn 1, National Day 3), a statutory day on a weekend given back on the next
working day; the bridging swaps are not projected. ``PROJECTED_HOLIDAYS`` lists the lunar
dates used. docs/simulation.md, "Time and calendar".
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd

OPEN_HOUR = 9.0
CLOSE_HOUR = 18.0
#: the days the table covers; a time outside them is refused
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2040, 12, 31)

#: statutory holidays of the years after the official record (lunar dates from the Chinese
#: calendar: Spring Festival eve, Qingming, Dragon Boat, Mid-Autumn)
PROJECTED_HOLIDAYS: dict[int, dict[str, tuple[str, ...]]] = {
    2027: {
        "New Year's Day": ("2027-01-01",),
        "Spring Festival": ("2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"),
        "Tomb-sweeping Day": ("2027-04-05",),
        "Labour Day": ("2027-05-01", "2027-05-02"),
        "Dragon Boat Festival": ("2027-06-09",),
        "Mid-autumn Festival": ("2027-09-15",),
        "National Day": ("2027-10-01", "2027-10-02", "2027-10-03"),
    },
}


def _projected_days_off(year: int) -> set[dt.date]:
    """A projected year's statutory days, and a weekday given back for each on a weekend."""
    days = sorted(dt.date.fromisoformat(d) for group in PROJECTED_HOLIDAYS[year].values()
                  for d in group)
    off = set(days)
    for day in days:
        if day.weekday() >= 5:
            back = day + dt.timedelta(days=1)
            while back.weekday() >= 5 or back in off:
                back += dt.timedelta(days=1)
            off.add(back)
    return off


@cache
def _working_table() -> np.ndarray:
    """True for each working day from ``FIRST_DAY`` to ``LAST_DAY``."""
    import chinese_calendar
    from chinese_calendar.constants import holidays, workdays

    recorded = {d.year for d in holidays} | {d.year for d in workdays}
    first, last = min(recorded), max(recorded)
    projected = {y: _projected_days_off(y) for y in PROJECTED_HOLIDAYS if y > last}
    n = (LAST_DAY - FIRST_DAY).days + 1
    out = np.empty(n, dtype=bool)
    for i in range(n):
        day = FIRST_DAY + dt.timedelta(days=i)
        if first <= day.year <= last:
            out[i] = chinese_calendar.is_workday(day)
        else:
            out[i] = day.weekday() < 5 and day not in projected.get(day.year, ())
    return out


@cache
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(working, next working day index ≥ i, working days before day i) over the table."""
    working = _working_table()
    n = len(working)
    nxt = np.full(n + 1, n, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        nxt[i] = i if working[i] else nxt[i + 1]
    before = np.concatenate([[0], np.cumsum(working)]).astype(np.int64)
    return working, nxt[:n], before


@cache
def business_days() -> np.busdaycalendar:
    """Monday to Friday less the public holidays, for numpy's ``busday_*`` functions (whole
    days: visits, quota months). numpy's calendar cannot add a working weekend day, so the
    few Saturdays and Sundays moved to work count as days off here."""
    working = _working_table()
    days = np.datetime64(FIRST_DAY, "D") + np.arange(len(working))
    weekday = (FIRST_DAY.weekday() + np.arange(len(working))) % 7
    return np.busdaycalendar(weekmask="1111100", holidays=days[~working & (weekday < 5)])


def day_offset(epoch: pd.Timestamp) -> int:
    """Index in the calendar table of the day ``epoch`` starts."""
    return (pd.Timestamp(epoch).date() - FIRST_DAY).days


def _index(day: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    idx = np.asarray(day, dtype=np.int64) + day_offset(epoch)
    n = (LAST_DAY - FIRST_DAY).days + 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"a time outside the working calendar ({FIRST_DAY} to {LAST_DAY})")
    return idx


def is_working_day(days: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """Whether each whole day ``days`` after ``epoch`` is a working day."""
    return _tables()[0][_index(np.floor(days), epoch)]


def weekday_of(days: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """Weekday (Monday = 0) of each whole day ``days`` after ``epoch``."""
    return (epoch.weekday() + np.floor(days).astype(np.int64)) % 7


def previous_working_day(days: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """The last working day before each whole day ``days`` (days since ``epoch``)."""
    working = _tables()[0]
    day = np.floor(np.asarray(days, dtype=float)).astype(np.int64)
    out = day - 1
    todo = ~working[_index(out, epoch)]
    while todo.any():
        out[todo] -= 1
        todo[todo] = ~working[_index(out[todo], epoch)]
    return out


def next_working_instant(t: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """The first instant at or after ``t`` (days since ``epoch``) when the office is open."""
    t = np.asarray(t, dtype=float).copy()
    finite = np.isfinite(t)
    day = np.floor(np.where(finite, t, 0.0))
    hour = (np.where(finite, t, 0.0) - day) * 24.0
    late = hour >= CLOSE_HOUR
    day = np.where(late, day + 1, day)
    hour = np.where(late, OPEN_HOUR, np.maximum(hour, OPEN_HOUR))
    offset = day_offset(epoch)
    open_day = _tables()[1][_index(day, epoch)] - offset
    hour = np.where(open_day > day, OPEN_HOUR, hour)
    return np.where(finite, open_day + hour / 24.0, np.nan)


def to_timestamps(t: np.ndarray, epoch: pd.Timestamp) -> pd.Series:
    """Float days since ``epoch`` -> timestamps rounded to the second (NaN -> NaT)."""
    seconds = np.round(np.asarray(t, dtype=float) * 86400.0)
    return pd.Series(epoch + pd.to_timedelta(seconds, unit="s")).dt.round("s")


def add_working_hours(t: np.ndarray, hours: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """Instant reached after ``hours`` of office time from ``t`` (days since ``epoch``)."""
    t = next_working_instant(t, epoch)
    left = np.asarray(hours, dtype=float).copy()
    t = np.broadcast_to(t, left.shape).copy()
    active = left > 0
    while active.any():
        day = np.floor(t[active])
        open_left = CLOSE_HOUR - (t[active] - day) * 24.0
        fits = left[active] <= open_left
        idx = np.flatnonzero(active)
        done, more = idx[fits], idx[~fits]
        t[done] += left[done] / 24.0
        left[done] = 0.0
        left[more] -= open_left[~fits]
        t[more] = next_working_instant(np.floor(t[more]) + 1.0, epoch)
        active = left > 0
    return t


def working_hours_between(t0: np.ndarray, t1: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """Office hours (working days 09:00-18:00) elapsed from ``t0`` to ``t1`` (days since
    ``epoch``).

    The inverse of :func:`add_working_hours`: ``working_hours_between(t, add_working_hours(t, h),
    epoch) == h``. Vectorised; negative when ``t1 < t0``; NaN where either time is NaN. Method:
    the office hours since the table's first day, ``9 × working days before the day + hours
    open so far that day``, differenced.
    """
    working, _, before = _tables()

    def since_start(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        finite = np.isfinite(t)
        day = np.floor(np.where(finite, t, 0.0))
        idx = _index(day, epoch)
        hour = (np.where(finite, t, 0.0) - day) * 24.0
        within = np.where(working[idx],
                          np.clip(hour - OPEN_HOUR, 0.0, CLOSE_HOUR - OPEN_HOUR), 0.0)
        return np.where(finite, (CLOSE_HOUR - OPEN_HOUR) * before[idx] + within, np.nan)

    return since_start(t1) - since_start(t0)
