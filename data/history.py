"""Today's KPIs measured from a data set's own history (no simulation, no assumption).

Uses the KPI definitions of :mod:`data.kpis` over a measurement period that ends on
the data set's ``as_of`` day: overall, by region, by customer type and by month. The
selling-expense ratio (overall, by region and by month) is NaN without a ``selling_expenses``
table; new customers (terminals won, overall and by month) count the terminals' ``won_date``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.dataset import Dataset
from data.dataset_memo import per_dataset
from data.kpis import (
    REPORTED_NAMES,
    Ledger,
    Window,
    aging,
    ledger_kpis,
    new_customers,
    order_kpis,
    selling_expense_ratio,
    selling_expenses_cny,
)

DEFAULT_PERIOD_DAYS = 365
DEFAULT_DSO_PERIOD_DAYS = 90


@dataclass(frozen=True)
class HistoryReport:
    """KPIs measured from history; tables have one row per group with the KPI columns."""

    window: Window
    overall: dict[str, float]
    aging_cny: dict[str, float]
    by_region: pd.DataFrame
    by_customer_type: pd.DataFrame
    by_month: pd.DataFrame

    @property
    def kpis(self) -> dict[str, float]:
        """The six headline KPIs and their companions (docs/kpis.md) under their shared
        names."""
        return {name: self.overall[name] for name in REPORTED_NAMES}


def _kpis(orders: pd.DataFrame, ledger: Ledger, window: Window,
          dso_period_days: int) -> dict[str, float]:
    out = order_kpis(orders, orders["remote"], window.end)
    out.update(ledger_kpis(ledger, window, dso_period_days))
    return out


def _expenses(expenses: pd.DataFrame | None, ledger: Ledger, window: Window
              ) -> dict[str, float]:
    """Selling expenses (CNY) and their ratio to credit sales; NaN when not known."""
    known = expenses is not None
    return {"selling_expenses_cny": selling_expenses_cny(expenses, window) if known
            else float("nan"),
            "selling_expense_ratio": selling_expense_ratio(expenses, ledger, window)}


@per_dataset
def measure_history(dataset: Dataset, period_days: int = DEFAULT_PERIOD_DAYS,
                    dso_period_days: int = DEFAULT_DSO_PERIOD_DAYS) -> HistoryReport:
    """Measure every KPI over the ``period_days`` days ending on ``dataset.as_of``."""
    window = Window.ending(dataset.as_of, period_days)
    cust = dataset["customers"].set_index("customer_id")[["region", "customer_type", "remote"]]
    orders = dataset["orders"].join(cust, on="customer_id")
    orders = orders[window.contains(orders["placed_at"])]
    invoices = dataset["invoices"].join(cust, on="customer_id")
    ledger = Ledger.from_tables(invoices, dataset["payments"])
    expenses = dataset.tables.get("selling_expenses")
    overall = {**_kpis(orders, ledger, window, dso_period_days),
               **_expenses(expenses, ledger, window),
               "new_customers": new_customers(dataset["terminals"], window)}

    def grouped(key: str) -> pd.DataFrame:
        rows = []
        for value in sorted(cust[key].unique()):
            ords = orders[orders[key] == value]
            part = ledger.subset((invoices[key] == value).to_numpy())
            row = {key: value, **_kpis(ords, part, window, dso_period_days)}
            if key == "region":  # the ledger books selling expenses by region
                row.update(_expenses(None if expenses is None else
                                     expenses[expenses["region"] == value], part, window))
            rows.append(row)
        return pd.DataFrame(rows)

    months = []
    for period in pd.period_range(window.start, window.end, freq="M"):
        m = Window(max(period.start_time.normalize(), window.start),
                   min(period.end_time.normalize(), window.end))
        ords = orders[m.contains(orders["placed_at"])]
        months.append({"month": str(period), **order_kpis(ords, ords["remote"], window.end),
                       **ledger_kpis(ledger, m, m.days), **_expenses(expenses, ledger, m),
                       "new_customers": new_customers(dataset["terminals"], m)})
    return HistoryReport(window, overall, aging(ledger, window.end),
                         grouped("region"), grouped("customer_type"), pd.DataFrame(months))
