"""Named checks of the channel model's inputs (docs/channel.md).

Each ``check_*`` returns the problems it finds (an empty list when the input is fine); the
public functions raise one :class:`~data.problems.InputError` carrying every problem, so a
caller learns everything wrong at once. The data set's own validation (``data/``) already
refuses most of this for loaded tables; these checks hold for any caller, hand-made frames
included.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import pandas as pd

from data.problems import InputError, Problem

#: rows named per check before the rest are summarised
MAX_ROWS_NAMED = 5

PURCHASES_COLUMNS = ("distributor_id", "product_id", "month", "units")
FLOWS_COLUMNS = ("distributor_id", "terminal_id", "product_id", "month", "quantity",
                 "amount_cny")
STOCK_COLUMNS = ("distributor_id", "product_id", "month", "units")
TERMINALS_COLUMNS = ("terminal_id", "name", "terminal_type", "region", "rep_id")
ORDERS_COLUMNS = ("order_id", "customer_id", "delivered_at")
ORDER_LINES_COLUMNS = ("order_id", "product_id", "quantity")


def raise_problems(problems: Sequence[Problem], what: str) -> None:
    """Raise one :class:`InputError` for ``problems`` (nothing when there are none)."""
    if problems:
        raise InputError(list(problems), summary=f"{len(problems)} problem(s) in {what}")


def check_columns(frame: pd.DataFrame, table: str, columns: Sequence[str]) -> list[Problem]:
    """The columns ``table`` must have and does not."""
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return []
    return [Problem(table, "columns", "the columns " + ", ".join(columns),
                    "no column " + ", ".join(missing))]


def _rows(frame: pd.DataFrame, mask: pd.Series, key: Sequence[str]) -> str:
    """``row 3 (distributor_id=D1, …)`` for the first failing rows, then a count."""
    bad = frame[mask]
    named = []
    for label, row in bad.head(MAX_ROWS_NAMED).iterrows():
        values = ", ".join(f"{k}={_text(row[k])}" for k in key)
        named.append(f"row {label} ({values})")
    more = f" and {len(bad) - MAX_ROWS_NAMED} more" if len(bad) > MAX_ROWS_NAMED else ""
    return "; ".join(named) + more


def _text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return str(value)


def check_months(frame: pd.DataFrame, table: str, key: Sequence[str]) -> list[Problem]:
    """``month`` holds the first day of a month (a date, not empty)."""
    month = pd.to_datetime(frame["month"], errors="coerce")
    bad = month.isna() | (month.dt.day != 1) | (month != month.dt.normalize())
    if not bad.any():
        return []
    return [Problem(table, _rows(frame, bad, key), "month as the first day of a month "
                    "(YYYY-MM-01)", ", ".join(_text(v) for v in frame.loc[bad, "month"][:3]))]


def check_counts(frame: pd.DataFrame, table: str, column: str, key: Sequence[str],
                 minimum: int) -> list[Problem]:
    """``column`` holds whole numbers ≥ ``minimum``."""
    values = pd.to_numeric(frame[column], errors="coerce")
    whole = values.notna() & (values == values.round())
    bad = ~whole | (values < minimum)
    if not bad.any():
        return []
    return [Problem(table, f"column {column}: " + _rows(frame, bad, key),
                    f"whole units >= {minimum}",
                    ", ".join(str(v) for v in frame.loc[bad, column][:3]))]


def check_unique(frame: pd.DataFrame, table: str, key: Sequence[str]) -> list[Problem]:
    """One row per ``key``."""
    repeated = frame.duplicated(list(key), keep="first")
    if not repeated.any():
        return []
    return [Problem(table, _rows(frame, repeated, key), "one row per " + ", ".join(key),
                    f"{int(repeated.sum())} repeated key(s)")]


def is_whole(value: object) -> bool:
    """A whole number (Python or numpy), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """A finite real number (Python or numpy), not a bool."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


def check_parameters(stale_months: int, tolerance_units: float,
                     tolerance_share: float) -> list[Problem]:
    """The reconciliation's thresholds within their ranges."""
    problems = []
    if not (is_whole(stale_months) and stale_months >= 1):
        problems.append(Problem("reconcile", "stale_months", "a whole number of months >= 1",
                                repr(stale_months)))
    if not (is_number(tolerance_units) and tolerance_units >= 0):
        problems.append(Problem("reconcile", "tolerance_units", "a number of units >= 0",
                                repr(tolerance_units)))
    if not (is_number(tolerance_share) and 0 <= tolerance_share <= 1):
        problems.append(Problem("reconcile", "tolerance_share", "a share in 0..1",
                                repr(tolerance_share)))
    return problems


def checked_ledger_inputs(purchases: pd.DataFrame, flows: pd.DataFrame,
                          stock_reports: pd.DataFrame) -> list[Problem]:
    """Every problem of the three inputs of :func:`~models.channel.ledger.reconcile`."""
    problems: list[Problem] = []
    specs = (
        (purchases, "purchases", PURCHASES_COLUMNS, "units", 0,
         ("distributor_id", "product_id", "month")),
        (flows, "flows", FLOWS_COLUMNS, "quantity", 1,
         ("distributor_id", "terminal_id", "product_id", "month")),
        (stock_reports, "stock_reports", STOCK_COLUMNS, "units", 0,
         ("distributor_id", "product_id", "month")),
    )
    for frame, table, columns, count, minimum, key in specs:
        missing = check_columns(frame, table, columns)
        if missing:
            problems += missing
            continue
        problems += check_months(frame, table, key)
        problems += check_counts(frame, table, count, key, minimum)
        if table != "purchases":  # purchases are summed per key; the others are reports
            problems += check_unique(frame, table, key)
    return problems
