"""Working calendar: Monday to Friday, 09:00-18:00. Times are float days since an epoch."""

from __future__ import annotations

import numpy as np
import pandas as pd

OPEN_HOUR = 9.0
CLOSE_HOUR = 18.0


def weekday_of(days: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """Weekday (Monday = 0) of each whole day ``days`` after ``epoch``."""
    return (epoch.weekday() + np.floor(days).astype(np.int64)) % 7


def next_working_instant(t: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """The first instant at or after ``t`` (days since ``epoch``) when the office is open."""
    t = np.asarray(t, dtype=float).copy()
    day = np.floor(t)
    hour = (t - day) * 24.0
    late = hour >= CLOSE_HOUR
    day = np.where(late, day + 1, day)
    hour = np.where(late, OPEN_HOUR, np.maximum(hour, OPEN_HOUR))
    wd = weekday_of(day, epoch)
    weekend = wd >= 5
    day = np.where(weekend, day + (7 - wd), day)
    hour = np.where(weekend, OPEN_HOUR, hour)
    return day + hour / 24.0


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
    """Office hours (Mon-Fri 09:00-18:00) elapsed from ``t0`` to ``t1`` (days since ``epoch``).

    The inverse of :func:`add_working_hours`: ``working_hours_between(t, add_working_hours(t, h),
    epoch) == h``. Vectorised; negative when ``t1 < t0``; NaN where either time is NaN. Method:
    the office hours since ``epoch`` midnight, ``9 × working days before the day + hours open so
    far that day``, differenced.
    """
    # working days among the first r days of a week that starts on weekday w: table[w, r]
    starts = (np.arange(7)[:, None] + np.arange(7)[None, :]) % 7
    table = np.concatenate([np.zeros((7, 1)), np.cumsum(starts < 5, axis=1)], axis=1)
    w0 = epoch.weekday()

    def since_epoch(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        finite = np.isfinite(t)
        day = np.floor(np.where(finite, t, 0.0)).astype(np.int64)
        days_open = 5 * (day // 7) + table[w0, day % 7]
        open_today = (w0 + day) % 7 < 5
        hour = (np.where(finite, t, 0.0) - day) * 24.0
        within = np.where(open_today, np.clip(hour - OPEN_HOUR, 0.0, CLOSE_HOUR - OPEN_HOUR), 0.0)
        return np.where(finite, (CLOSE_HOUR - OPEN_HOUR) * days_open + within, np.nan)

    return since_epoch(t1) - since_epoch(t0)
