"""Flow data (流向) and channel stock: each distributor's stock reconciled month by month from
our deliveries, its reported sales to terminals and its reported stock; the findings; pure
sales and channel stock days (docs/channel.md). Pure functions on DataFrames, no I/O."""

from __future__ import annotations

from models.channel.anomalies import ANOMALY_KINDS, Thresholds, find_anomalies
from models.channel.ledger import (
    DEFAULT_STALE_MONTHS,
    DEFAULT_TOLERANCE_SHARE,
    DEFAULT_TOLERANCE_UNITS,
    DISTRIBUTOR_TYPES,
    LEDGER_COLUMNS,
    Reconciliation,
    purchases_by_month,
    reconcile,
)
from models.channel.payload import reconciliation_payload
from models.channel.sales import (
    DEFAULT_WINDOW_MONTHS,
    PURE_SALES_BY,
    ChannelStockDays,
    channel_stock_days,
    pure_sales,
)

__all__ = [
    "ANOMALY_KINDS",
    "DEFAULT_STALE_MONTHS",
    "DEFAULT_TOLERANCE_SHARE",
    "DEFAULT_TOLERANCE_UNITS",
    "DEFAULT_WINDOW_MONTHS",
    "DISTRIBUTOR_TYPES",
    "LEDGER_COLUMNS",
    "PURE_SALES_BY",
    "ChannelStockDays",
    "Reconciliation",
    "Thresholds",
    "channel_stock_days",
    "find_anomalies",
    "pure_sales",
    "purchases_by_month",
    "reconcile",
    "reconciliation_payload",
]
