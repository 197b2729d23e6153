"""Scalar working-calendar arithmetic for the event loop (same rules as :mod:`data.calendar`).

The vectorised functions of ``data.calendar`` cost microseconds of numpy overhead per call;
inside SimPy processes, which handle one order at a time, these pure-Python twins are ~20×
faster. ``tests/test_order_to_cash.py`` checks that both agree. ``offset`` is
``data.calendar.day_offset(epoch)``: the epoch's index in the calendar's table.
"""

from __future__ import annotations

import math
from functools import cache

from data.calendar import CLOSE_HOUR, OPEN_HOUR, _tables

_OPEN = OPEN_HOUR / 24.0
_CLOSE = CLOSE_HOUR / 24.0


@cache
def _next_working() -> list[int]:
    """Index of the next working day at or after each day of the calendar's table."""
    return _tables()[1].tolist()


def next_open(t: float, offset: int) -> float:
    """First instant at or after ``t`` (days since the epoch) when the office is open."""
    day = math.floor(t)
    frac = t - day
    if frac >= _CLOSE:
        day += 1
        frac = _OPEN
    elif frac < _OPEN:
        frac = _OPEN
    open_day = _next_working()[day + offset] - offset
    if open_day > day:
        return open_day + _OPEN
    return day + frac


def add_work(t: float, hours: float, offset: int) -> float:
    """Instant reached after ``hours`` of office time from ``t`` (days since the epoch)."""
    t = next_open(t, offset)
    while hours > 0:
        day = math.floor(t)
        left = CLOSE_HOUR - (t - day) * 24.0
        if hours <= left:
            return t + hours / 24.0
        hours -= left
        t = next_open(day + 1.0, offset)
    return t
