"""Scalar working-calendar arithmetic for the event loop (same rules as :mod:`data.calendar`).

The vectorised functions of ``data.calendar`` cost microseconds of numpy overhead per call;
inside SimPy processes, which handle one order at a time, these pure-Python twins are ~20×
faster. ``tests/test_order_to_cash.py`` checks that both agree.
"""

from __future__ import annotations

import math

from data.calendar import CLOSE_HOUR, OPEN_HOUR

_OPEN = OPEN_HOUR / 24.0
_CLOSE = CLOSE_HOUR / 24.0


def next_open(t: float, epoch_weekday: int) -> float:
    """First instant at or after ``t`` (days) when the office is open."""
    day = math.floor(t)
    frac = t - day
    if frac >= _CLOSE:
        day += 1
        frac = _OPEN
    elif frac < _OPEN:
        frac = _OPEN
    wd = (epoch_weekday + day) % 7
    if wd >= 5:
        day += 7 - wd
        frac = _OPEN
    return day + frac


def add_work(t: float, hours: float, epoch_weekday: int) -> float:
    """Instant reached after ``hours`` of office time from ``t`` (days)."""
    t = next_open(t, epoch_weekday)
    while hours > 0:
        day = math.floor(t)
        left = CLOSE_HOUR - (t - day) * 24.0
        if hours <= left:
            return t + hours / 24.0
        hours -= left
        t = next_open(day + 1.0, epoch_weekday)
    return t
