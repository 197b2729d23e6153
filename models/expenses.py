"""Selling expenses: unit costs estimated from the data and the expenses they project.

Ratio estimators by category over a measurement window (docs/kpis.md, "Selling expenses"):
the category's expenses in the window over what drives them in the same window — rep-months
of the field force and of the academic specialists, calls and meetings of the visits table,
credit sales for promotion. The projection puts today's unit costs on a scenario's volumes:
reps, calls, meetings and specialists a month times the months, plus the promotion share of
the sales.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from data.kpis import Ledger, Window, credit_sales, month_shares

#: days in an average month (calls and meetings "a month")
DAYS_PER_MONTH = 365.25 / 12
#: the visits table's kind counted by each per-item category
ITEM_KINDS = {"calls": "call", "department_meetings": "department_meeting",
              "academic_meetings": "academic_meeting"}


@dataclass(frozen=True)
class ExpenseBasis:
    """Today's unit costs (CNY) and volumes (a month) behind the selling expenses."""

    rep_month_cny: float             # field force: pay and social insurance per rep-month
    call_cny: float                  # travel, samples, materials per call
    department_meeting_cny: float
    academic_meeting_cny: float
    specialist_month_cny: float      # academic specialist's pay per month
    promotion_share: float           # promotion / credit sales (share 0..1)
    reps: int                        # field reps (not academic specialists)
    specialists: int
    calls_month: float
    department_meetings_month: float
    academic_meetings_month: float

    def to_json(self) -> dict:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in asdict(self).items()}


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def estimate_basis(expenses: pd.DataFrame, reps: pd.DataFrame, visits: pd.DataFrame,
                   ledger: Ledger, window: Window) -> ExpenseBasis:
    """Unit costs by ratio estimators over ``window`` and today's volumes a month.

    Rep-months count each month of the expenses table by the share of its days inside the
    window; calls and meetings are the visits dated in the window."""
    share = month_shares(expenses["month"], window)
    amount = pd.Series(expenses["amount_cny"].to_numpy(dtype=float) * share).groupby(
        expenses["category"].to_numpy()).sum()
    months = float(month_shares(pd.Series(expenses["month"].unique()), window).sum())
    spec = reps["academic_specialist"].to_numpy(dtype=bool)
    n_reps, n_spec = int((~spec).sum()), int(spec.sum())
    seen = visits[window.contains(visits["date"])]["kind"].value_counts()
    count = {cat: float(seen.get(kind, 0)) for cat, kind in ITEM_KINDS.items()}
    per_month = window.days / DAYS_PER_MONTH

    def cost(category: str) -> float:
        return float(amount.get(category, 0.0))

    return ExpenseBasis(
        rep_month_cny=_ratio(cost("field_force"), n_reps * months),
        call_cny=_ratio(cost("calls"), count["calls"]),
        department_meeting_cny=_ratio(cost("department_meetings"),
                                      count["department_meetings"]),
        academic_meeting_cny=_ratio(cost("academic_meetings"), count["academic_meetings"]),
        specialist_month_cny=_ratio(cost("academic_specialists"), n_spec * months),
        promotion_share=_ratio(cost("promotion"), credit_sales(ledger, window)),
        reps=n_reps, specialists=n_spec, calls_month=count["calls"] / per_month,
        department_meetings_month=count["department_meetings"] / per_month,
        academic_meetings_month=count["academic_meetings"] / per_month)


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def projected_expenses(basis: ExpenseBasis, sales_cny: np.ndarray, days: float, *,
                       reps: float | None = None,
                       calls_month: float | None = None,
                       academic_meetings_month: float | None = None) -> np.ndarray:
    """Selling expenses (CNY) over ``days`` for each of ``sales_cny`` (credit sales of those
    days): today's unit costs on ``reps`` field reps, ``calls_month`` calls and
    ``academic_meetings_month`` academic meetings a month (today's when None), department
    meetings at today's rate, today's specialists, and the promotion share of the
    sales. A unit cost the data cannot estimate (no such item) counts 0."""
    reps = basis.reps if reps is None else reps
    calls = basis.calls_month if calls_month is None else calls_month
    academic = (basis.academic_meetings_month if academic_meetings_month is None
                else academic_meetings_month)
    monthly = (_finite(basis.rep_month_cny) * reps + _finite(basis.call_cny) * calls
               + _finite(basis.department_meeting_cny) * basis.department_meetings_month
               + _finite(basis.academic_meeting_cny) * academic
               + _finite(basis.specialist_month_cny) * basis.specialists)
    return (monthly * days / DAYS_PER_MONTH
            + _finite(basis.promotion_share) * np.asarray(sales_cny, dtype=float))


def projected_ratio(basis: ExpenseBasis, sales_cny: np.ndarray, days: float, **volumes
                    ) -> np.ndarray:
    """:func:`projected_expenses` / ``sales_cny`` (NaN where there are no sales)."""
    sales = np.asarray(sales_cny, dtype=float)
    spent = projected_expenses(basis, sales, days, **volumes)
    return np.where(sales > 0, spent / np.where(sales > 0, sales, 1.0), np.nan)
