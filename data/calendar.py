"""Working calendar: China's working days, 09:00-18:00. Times are float days since an epoch.

A working day is Monday to Friday, less the public holidays, plus the weekend days the State
Council moves work to (调休), as the ``chinese-calendar`` package records the official
arrangements (2004 to its last year, 2026 in version 1.11). A later year, not announced yet,
is a **projection** following the pattern of the last recorded year: each festival's
statutory days (国务院《全国年节及纪念日放假办法》, in force since 2025: New Year's Day 1 day,
Spring Festival 4 days from its eve, Qingming 1, Labour Day 2, Dragon Boat 1, Mid-Autumn 1,
National Day 3; ``STATUTORY_DAYS``) become a break as long as that festival's recorded break,
placed as near as it can be to the recorded place relative to the first statutory day, among
the placements costing no more bridging weekend days than the record did, failing that no
more than ``MAX_BRIDGING``. The weekdays of the break beyond the statutory days are worked
back on the nearest weekend days outside it, alternately after and before it, the nearer side
first (the rule rebuilds the 2026 arrangement exactly). Where no placement fits, the
statutory days alone are off, one on a weekend given back on the next working day. The Spring
Festival of 2027, for instance, is projected off Fri 5 - Sat 13 Feb, Sun 31 Jan and Sun 14
Feb worked; the Dragon Boat Festival (Wed 9 Jun) off Wed 9 - Fri 11 Jun, Sun 6 and Sat 12
Jun worked. Years after ``STATUTORY_DAYS``'s last have no holidays.
docs/simulation.md, "Time and calendar".
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd

OPEN_HOUR = 9.0
CLOSE_HOUR = 18.0
#: average calendar days an office job holds its server per working hour of work: a week has
#: 45 office hours in 7 × 24 calendar hours, so one working hour spans 168/45 hours on average
CALENDAR_DAYS_PER_WORKING_HOUR = 168.0 / 45.0 / 24.0
#: the days the table covers; a time outside them is refused
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2040, 12, 31)

#: statutory days by festival (the names ``chinese-calendar`` uses), from the lunar calendar for
#: Spring Festival's eve, Qingming, Dragon Boat and Mid-Autumn: the last recorded year (the
#: pattern's anchor) and the projected years
STATUTORY_DAYS: dict[int, dict[str, tuple[str, ...]]] = {
    2026: {
        "New Year's Day": ("2026-01-01",),
        "Spring Festival": ("2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19"),
        "Tomb-sweeping Day": ("2026-04-05",),
        "Labour Day": ("2026-05-01", "2026-05-02"),
        "Dragon Boat Festival": ("2026-06-19",),
        "Mid-autumn Festival": ("2026-09-25",),
        "National Day": ("2026-10-01", "2026-10-02", "2026-10-03"),
    },
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


#: the most weekend days worked back for one festival in the official record (2004-2026)
MAX_BRIDGING = 2


def _weekdays(days: list[dt.date]) -> int:
    return sum(d.weekday() < 5 for d in days)


def _given_back(days: list[dt.date], off: set[dt.date]) -> set[dt.date]:
    """The statutory ``days`` and, for each on a weekend, the next free weekday."""
    out = set(days)
    for day in sorted(days):
        if day.weekday() >= 5:
            back = day + dt.timedelta(days=1)
            while back.weekday() >= 5 or back in out or back in off:
                back += dt.timedelta(days=1)
            out.add(back)
    return out


def _worked_weekend_days(first: dt.date, last: dt.date, k: int,
                         taken: set[dt.date]) -> set[dt.date]:
    """``k`` weekend days outside ``first``..``last`` and not in ``taken``, the nearest after
    and before the break alternately, the nearer side first (ties: after)."""
    def side(step: int) -> list[dt.date]:
        out, day = [], (last if step > 0 else first)
        while len(out) < k:
            day += dt.timedelta(days=step)
            if day.weekday() >= 5 and day not in taken:
                out.append(day)
        return out

    if k == 0:
        return set()
    after, before = side(1), side(-1)
    sides = [after, before] if (after[0] - last) <= (first - before[0]) else [before, after]
    return {sides[i % 2][i // 2] for i in range(k)}


def _projected_year(year: int, anchor: int, pattern: dict[str, tuple[list[dt.date], int]]
                    ) -> tuple[set[dt.date], set[dt.date]]:
    """(days off, weekend days worked) of a projected ``year``; ``pattern`` holds each
    festival's break and bridging weekend days worked in the recorded year ``anchor``."""
    off: set[dt.date] = set()
    worked: set[dt.date] = set()
    placed: list[tuple[dt.date, dt.date, int]] = []
    for name, group in STATUTORY_DAYS[year].items():
        days = sorted(dt.date.fromisoformat(d) for d in group)
        if name not in pattern:
            off |= _given_back(days, off)
            continue
        brk, bridged = pattern[name]
        length = (brk[-1] - brk[0]).days + 1
        first_recorded = dt.date.fromisoformat(STATUTORY_DAYS[anchor][name][0])
        offset = (brk[0] - first_recorded).days
        fits = []
        for start_shift in range(-(length - 1), 1):
            start = days[-1] + dt.timedelta(days=start_shift)
            if start > days[0]:
                continue
            window = [start + dt.timedelta(days=i) for i in range(length)]
            if window[-1] < days[-1]:
                continue
            extra = _weekdays(window) - len(days)
            if 0 <= extra <= MAX_BRIDGING:
                # the record's bridging if it can, then the nearest to its place
                fits.append(((extra > bridged, abs((start - days[0]).days - offset), extra,
                              start), window, extra))
        if not fits:
            off |= _given_back(days, off)
            continue
        _, window, extra = min(fits, key=lambda f: f[0])
        off |= set(window)
        placed.append((window[0], window[-1], extra))
    for first, last, extra in placed:
        worked |= _worked_weekend_days(first, last, extra, off | worked)
    return off, worked


def _recorded_pattern(year: int) -> dict[str, tuple[list[dt.date], int]]:
    """Each festival's break (days off, in order) and bridging weekend days worked in a
    recorded ``year``, from ``chinese-calendar``."""
    from chinese_calendar.constants import holidays, workdays

    out: dict[str, tuple[list[dt.date], int]] = {}
    for day, holiday in sorted(holidays.items()):
        if day.year == year:
            out.setdefault(holiday, ([], 0))[0].append(day)
    for day, holiday in workdays.items():
        if day.year == year and holiday in out:
            brk, n = out[holiday]
            out[holiday] = (brk, n + 1)
    return out


def projected_arrangement(year: int, last_recorded: int) -> tuple[set[dt.date], set[dt.date]]:
    """(days off, weekend days worked) projected for ``year`` after the official record ending
    with ``last_recorded``, on the pattern of that year."""
    if year not in STATUTORY_DAYS or year <= last_recorded:
        return set(), set()
    if last_recorded not in STATUTORY_DAYS:
        raise ValueError(f"no statutory days for {last_recorded}, the last recorded year: "
                         "add them to data.calendar.STATUTORY_DAYS")
    return _projected_year(year, last_recorded, _recorded_pattern(last_recorded))


@cache
def _working_table() -> np.ndarray:
    """True for each working day from ``FIRST_DAY`` to ``LAST_DAY``."""
    import chinese_calendar
    from chinese_calendar.constants import holidays, workdays

    recorded = {d.year for d in holidays} | {d.year for d in workdays}
    first, last = min(recorded), max(recorded)
    projected = {y: projected_arrangement(y, last) for y in STATUTORY_DAYS if y > last}
    n = (LAST_DAY - FIRST_DAY).days + 1
    out = np.empty(n, dtype=bool)
    for i in range(n):
        day = FIRST_DAY + dt.timedelta(days=i)
        if first <= day.year <= last:
            out[i] = chinese_calendar.is_workday(day)
        else:
            off, worked = projected.get(day.year, (set(), set()))
            out[i] = (day.weekday() < 5 and day not in off) or day in worked
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
