"""The channel ledger: each distributor's stock of each product, month by month, from what we
delivered to it, what it reports selling to terminals (flow data, 流向) and what it reports
holding at month end (docs/channel.md).

The rule, per distributor × product × month m (units):

- ``opening(m)`` = the stock the distributor reported at the end of m − 1 when it reported
  it, else the computed ``closing(m − 1)``; the first month opens from the opening report
  (the month before), or from 0 when there is none;
- ``closing(m) = opening(m) + purchases(m) − sales(m)``;
- ``difference(m) = reported(m) − closing(m)`` (NaN when m's report is missing).

So a report resets the ledger: a difference is the month's own, not carried from earlier
months. Purchases are our order lines delivered to the distributor, by the month of delivery;
sales are its flow rows; nothing is clipped (a negative closing means it sold more than it
could have held, an ``oversold`` finding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.channel.anomalies import ANOMALY_COLUMNS, Thresholds, find_anomalies
from models.channel.checks import (
    ORDER_LINES_COLUMNS,
    ORDERS_COLUMNS,
    check_columns,
    check_parameters,
    checked_ledger_inputs,
    raise_problems,
)

#: the customer types we invoice that sell on to terminals and report flow data
DISTRIBUTOR_TYPES = ("distributor_l1", "distributor_l2")
DEFAULT_STALE_MONTHS = 3
#: a difference of a few boxes is a count or a cut-off (a delivery booked a day apart), ...
DEFAULT_TOLERANCE_UNITS = 5
#: ... and so is one of a few % of what passed through the month (about a day's purchases)
DEFAULT_TOLERANCE_SHARE = 0.05
LEDGER_COLUMNS = ("distributor", "product", "month", "opening", "purchases", "sales",
                  "closing", "reported", "difference")
_KEY = ["distributor", "product", "month"]


@dataclass(frozen=True)
class Reconciliation:
    """A reconciled channel: the ledger (``distributors``, one row per distributor × product ×
    month, :data:`LEDGER_COLUMNS`), the findings (``anomalies``: kind, distributor, product,
    month, figures), the months covered and the thresholds used."""

    distributors: pd.DataFrame
    anomalies: pd.DataFrame
    opening_month: pd.Timestamp | None
    months: tuple[pd.Timestamp, ...]
    thresholds: Thresholds


def month_start(values: pd.Series) -> pd.Series:
    """The first day of each value's month (day resolution, no time)."""
    return pd.to_datetime(values).dt.to_period("M").dt.to_timestamp()


def purchases_by_month(orders: pd.DataFrame, order_lines: pd.DataFrame) -> pd.DataFrame:
    """Units of our order lines delivered to each customer, per product and month of
    ``delivered_at``; orders not delivered yet are left out.

    Columns ``distributor_id, product_id, month, units``. Pass the orders of distributors
    (:data:`DISTRIBUTOR_TYPES`): every customer in ``orders`` is treated as one.
    """
    raise_problems(check_columns(orders, "orders", ORDERS_COLUMNS)
                   + check_columns(order_lines, "order_lines", ORDER_LINES_COLUMNS),
                   "the orders")
    delivered = orders.loc[pd.to_datetime(orders["delivered_at"]).notna(),
                           ["order_id", "customer_id", "delivered_at"]]
    lines = order_lines[["order_id", "product_id", "quantity"]].merge(delivered, on="order_id")
    lines["month"] = month_start(lines["delivered_at"])
    out = (lines.groupby(["customer_id", "product_id", "month"], sort=True)["quantity"].sum()
           .astype("int64").rename("units").reset_index())
    return out.rename(columns={"customer_id": "distributor_id"})


def _monthly(frame: pd.DataFrame, column: str) -> pd.Series:
    """``column`` summed per (distributor, product, month), as float64."""
    keyed = pd.DataFrame({"distributor": frame["distributor_id"].to_numpy(object),
                          "product": frame["product_id"].to_numpy(object),
                          "month": pd.to_datetime(frame["month"]).to_numpy(),
                          "value": pd.to_numeric(frame[column]).to_numpy(np.float64)})
    return keyed.groupby(_KEY, sort=True)["value"].sum()


def ledger_months(bought: pd.Series, sold: pd.Series,
                  reports: pd.Series) -> tuple[pd.Timestamp | None, pd.DatetimeIndex]:
    """The opening month (the earliest stock report, None without any) and the months the
    ledger covers: from the month after it (or the first month with purchases or sales when
    there is no report) to the last month with any data."""
    reported = reports.index.get_level_values("month")
    active = bought.index.get_level_values("month").append(sold.index.get_level_values("month"))
    every = reported.append(active)
    if len(every) == 0:
        return None, pd.DatetimeIndex([])
    opening = reported.min() if len(reported) else None
    first = opening + pd.offsets.MonthBegin(1) if opening is not None else active.min()
    return opening, pd.date_range(first, every.max(), freq="MS")


def _pairs(bought: pd.Series, sold: pd.Series, reports: pd.Series,
           months: pd.DatetimeIndex) -> list[tuple[str, str]]:
    """Every distributor × product with a report, or with purchases or sales in ``months``
    (what came before the opening report is in the opening stock already)."""
    pairs: set[tuple[str, str]] = set(reports.index.droplevel("month"))
    for series in (bought, sold):
        inside = series.index.get_level_values("month").isin(months)
        pairs |= set(series.index[inside].droplevel("month"))
    return sorted(pairs)


def build_ledger(bought: pd.Series, sold: pd.Series, reports: pd.Series,
                 months: pd.DatetimeIndex) -> pd.DataFrame:
    """The ledger of :data:`LEDGER_COLUMNS` by the rule in the module docstring, sorted by
    distributor, product and month (``bought``, ``sold``, ``reports``: units per
    (distributor, product, month))."""
    pairs = _pairs(bought, sold, reports, months)
    n_pairs, n_months = len(pairs), len(months)
    distributor = np.repeat(np.array([d for d, _ in pairs], dtype=object), n_months)
    product = np.repeat(np.array([p for _, p in pairs], dtype=object), n_months)
    month = np.tile(months.to_numpy(), n_pairs)
    before = np.tile((months - pd.offsets.MonthBegin(1)).to_numpy(), n_pairs)
    index = pd.MultiIndex.from_arrays([distributor, product, month], names=_KEY)
    previous = pd.MultiIndex.from_arrays([distributor, product, before], names=_KEY)

    purchases = bought.reindex(index, fill_value=0.0).to_numpy()
    sales = sold.reindex(index, fill_value=0.0).to_numpy()
    reported = reports.reindex(index).to_numpy()
    # each month opens from last month's report when there is one: a new segment starts
    anchor = reports.reindex(previous).to_numpy().copy()
    first = np.tile(np.arange(n_months) == 0, n_pairs)
    anchor[first & np.isnan(anchor)] = 0.0  # no opening report: the ledger opens at 0
    net = purchases - sales
    segment = np.cumsum(~np.isnan(anchor))
    base = pd.Series(anchor).groupby(segment).transform("first").to_numpy()
    closing = base + pd.Series(net).groupby(segment).cumsum().to_numpy()
    return pd.DataFrame({
        "distributor": distributor,
        "product": product,
        "month": month,
        "opening": (closing - net).astype(np.int64),
        "purchases": purchases.astype(np.int64),
        "sales": sales.astype(np.int64),
        "closing": closing.astype(np.int64),
        "reported": reported,
        "difference": reported - closing,
    }, columns=list(LEDGER_COLUMNS))


def reconcile(
    purchases: pd.DataFrame,
    flows: pd.DataFrame,
    stock_reports: pd.DataFrame,
    *,
    stale_months: int = DEFAULT_STALE_MONTHS,
    tolerance_units: float = DEFAULT_TOLERANCE_UNITS,
    tolerance_share: float = DEFAULT_TOLERANCE_SHARE,
) -> Reconciliation:
    """Reconcile each distributor's purchases, reported sales and reported stock.

    ``purchases``: distributor_id, product_id, month, units (:func:`purchases_by_month`);
    ``flows``: distributor_id, terminal_id, product_id, month, quantity, amount_cny;
    ``stock_reports``: distributor_id, product_id, month, units (month-end stock). Months are
    first days of months. The ledger follows the module docstring's rule; the findings and
    their thresholds are in :mod:`models.channel.anomalies`. Raises
    :class:`~data.problems.InputError` naming every bad column, row or parameter.
    """
    thresholds = Thresholds(stale_months, tolerance_units, tolerance_share)
    raise_problems(check_parameters(stale_months, tolerance_units, tolerance_share)
                   + checked_ledger_inputs(purchases, flows, stock_reports), "the channel data")
    bought = _monthly(purchases, "units")
    sold = _monthly(flows, "quantity")
    reports = _monthly(stock_reports, "units")
    opening, months = ledger_months(bought, sold, reports)
    ledger = build_ledger(bought, sold, reports, months)
    anomalies = (find_anomalies(ledger, thresholds) if len(ledger)
                 else pd.DataFrame(columns=list(ANOMALY_COLUMNS)))
    return Reconciliation(ledger, anomalies, opening, tuple(months), thresholds)
