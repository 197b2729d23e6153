"""A reconciliation as a JSON-ready document (docs/channel.md, "JSON"): plain Python values
only, months as ``YYYY-MM``, missing and infinite numbers as None."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.channel.anomalies import ANOMALY_KINDS
from models.channel.ledger import LEDGER_COLUMNS, Reconciliation
from models.channel.sales import ChannelStockDays, channel_stock_days


def month_text(value: object) -> str | None:
    """``YYYY-MM`` of a month (None for a missing one)."""
    return None if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m}"


def plain(value: object) -> object:
    """A JSON value: whole floats as int, NaN/inf as None, numpy scalars as Python ones,
    timestamps as months, dicts and lists element by element."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, pd.Timestamp | np.datetime64):
        return month_text(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return value if not pd.isna(value) else None


def _plain_column(column: pd.Series) -> list:
    """A column's values as :func:`plain` makes them, a column at a time (ledgers of a few
    hundred thousand rows)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return [None if pd.isna(v) else v for v in column.dt.strftime("%Y-%m")]
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_integer_dtype(column):
        return column.tolist()
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(np.float64)
        finite = np.isfinite(values)
        whole = finite & (values == np.round(values)) & (np.abs(values) < 2**53)
        out = values.astype(object)
        out[whole] = values[whole].astype(np.int64).astype(object)
        out[~finite] = None
        return out.tolist()
    values = column.tolist()
    if all(v is None or type(v) is str for v in values):  # ids and names: nothing to do
        return values
    return [plain(v) for v in values]


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows of ``frame`` as plain dicts."""
    names = [str(c) for c in frame.columns]
    columns = [_plain_column(frame[c]) for c in frame.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def stock_days_summary(stock: ChannelStockDays) -> dict:
    """The channel's total stock days with the window they were measured over."""
    return {"month": month_text(stock.month), "window_months": stock.window_months,
            "window_days": stock.window_days, **plain(stock.total)}


def reconciliation_payload(
    recon: Reconciliation,
    *,
    stock: ChannelStockDays | None = None,
    pure_sales: Mapping[str, pd.DataFrame] | None = None,
) -> dict:
    """The JSON document of a reconciliation.

    Keys: ``opening_month``, ``months`` (first, last, count), ``thresholds``, ``summary``
    (distributors, products, rows, ``anomalies`` counted by kind, ``channel_stock``: the
    total stock days), ``distributors`` (the ledger rows), ``anomalies`` (kind, distributor,
    product, month, figures), ``channel_stock`` (per distributor × product) and, when
    given, ``pure_sales`` (each table by its name). ``stock`` defaults to
    :func:`channel_stock_days` with its default window.
    """
    stock = channel_stock_days(recon) if stock is None else stock
    ledger, found = recon.distributors, recon.anomalies
    counts = found["kind"].value_counts()
    months = recon.months
    doc = {
        "opening_month": month_text(recon.opening_month),
        "months": {"first": month_text(months[0]) if months else None,
                   "last": month_text(months[-1]) if months else None,
                   "count": len(months)},
        "thresholds": plain({"stale_months": recon.thresholds.stale_months,
                             "tolerance_units": recon.thresholds.tolerance_units,
                             "tolerance_share": recon.thresholds.tolerance_share}),
        "summary": {
            "distributors": int(ledger["distributor"].nunique()),
            "products": int(ledger["product"].nunique()),
            "rows": len(ledger),
            "anomalies": {kind: int(counts.get(kind, 0)) for kind in ANOMALY_KINDS},
            "channel_stock": stock_days_summary(stock),
        },
        "distributors": records(ledger[list(LEDGER_COLUMNS)]),
        "anomalies": records(found[["kind", "distributor", "product", "month", "figures"]]),
        "channel_stock": records(stock.pairs),
    }
    if pure_sales is not None:
        doc["pure_sales"] = {name: records(frame) for name, frame in pure_sales.items()}
    return doc
