"""The selling-expense ratio of a scenario run (docs/simulation.md, "Selling expenses").

Today's unit costs are estimated from the data set's ``selling_expenses`` table over the last
year (:func:`models.expenses.estimate_basis`); each replication's expenses put them on the
scenario's volumes — its reps and calls a month (today's, or changed by the call plan),
academic meetings (today's, or the specialists' plan), department meetings and specialists as
today — plus the promotion share of that replication's simulated
credit sales; the ratio is expenses / those credit sales over the days measured. A data set
without the table gives no ratio ("not known").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.kpis import Ledger, Window, selling_expense_ratio
from models.expenses import ExpenseBasis, estimate_basis, projected_expenses

#: DOMAIN.md's target for the selling-expense ratio: a change of −5 percentage points
TARGET_CHANGE_POINTS = -5.0
#: days of history the unit costs and today's ratio are measured over
BASIS_DAYS = 365
#: the per-replication columns this adds (shown among a run's details)
EXPENSE_NAMES = ("selling_expenses_cny", "selling_expense_ratio")


def todays_basis(ds: Dataset, days: int = BASIS_DAYS) -> tuple[ExpenseBasis, float] | None:
    """Today's unit costs and volumes, and today's ratio, over the ``days`` ending on
    ``as_of``; None when the data set holds no selling expenses."""
    expenses = ds.tables.get("selling_expenses")
    if expenses is None:
        return None
    window = Window.ending(ds.as_of, days)
    ledger = Ledger.from_tables(ds["invoices"], ds["payments"])
    return (estimate_basis(expenses, ds["reps"], ds["visits"], ledger, window),
            selling_expense_ratio(expenses, ledger, window))


def scenario_volumes(basis: ExpenseBasis, call_plan: dict | None,
                     meetings: dict | None = None) -> dict[str, float]:
    """Field reps, calls and academic meetings a month of the scenario: today's, or under a
    call plan its reps less today's academic specialists (who stay) and today's calls plus
    the plan's change (planned − today's calls of the accounts it plans; the accounts it
    leaves out keep theirs); under the specialists' plan (``meetings``) today's academic
    meetings plus its change."""
    out = {"reps": float(basis.reps), "calls_month": basis.calls_month,
           "academic_meetings_month": basis.academic_meetings_month}
    if call_plan:
        change = float(call_plan["calls_planned"]) - float(call_plan["calls_today"])
        out.update(reps=float(max(0, int(call_plan["reps"]) - basis.specialists)),
                   calls_month=max(0.0, basis.calls_month + change))
    if meetings and meetings.get("meetings_planned_month") is not None:
        change = (float(meetings["meetings_planned_month"])
                  - float(meetings["meetings_today_month"]))
        out["academic_meetings_month"] = max(0.0, basis.academic_meetings_month + change)
    return out


def with_expenses(per_rep: pd.DataFrame, basis: ExpenseBasis | None, call_plan: dict | None,
                  days: float, meetings: dict | None = None) -> pd.DataFrame:
    """``per_rep`` with each replication's selling expenses (CNY) and ratio over the ``days``
    measured, from its ``credit_sales_cny`` (unchanged without a basis)."""
    if basis is None or "credit_sales_cny" not in per_rep:
        return per_rep
    sales = per_rep["credit_sales_cny"].to_numpy(dtype=float)
    spent = projected_expenses(basis, sales, days,
                               **scenario_volumes(basis, call_plan, meetings))
    ratio = np.where(sales > 0, spent / np.where(sales > 0, sales, 1.0), np.nan)
    return per_rep.assign(selling_expenses_cny=spent, selling_expense_ratio=ratio)


def expense_summary(basis: ExpenseBasis | None, today_ratio: float,
                    call_plan: dict | None, meetings: dict | None = None) -> dict:
    """What the run's JSON keeps of the projection: today's ratio (measured), the unit costs
    and today's volumes, the volumes the run used and the target change (points); empty
    without selling expenses."""
    if basis is None:
        return {}
    return {"today_ratio": today_ratio if math.isfinite(today_ratio) else None,
            "basis_days": BASIS_DAYS, "basis": basis.to_json(),
            "volumes": scenario_volumes(basis, call_plan, meetings),
            "target_change_points": TARGET_CHANGE_POINTS}
