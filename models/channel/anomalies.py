"""What a reconciled channel ledger shows that someone should look at (docs/channel.md).

One finding per row: ``kind``, ``distributor``, ``product`` (None when the finding is about
the distributor as a whole), ``month`` and ``figures``, the numbers behind it (units). Kinds,
with ``available = opening + purchases`` and ``tolerance = max(tolerance_units,
tolerance_share × max(available, 0))``:

- ``oversold``: sales − available > tolerance (it sold more than it could have held);
  figures opening, purchases, sales, excess, tolerance.
- ``stock_mismatch``: the month's stock report differs from the computed closing by more
  than the tolerance; figures reported, closing, difference, tolerance.
- ``stale_stock``: stock held (the report, else the computed closing, > 0) with no sales
  for ``stale_months`` or more consecutive months; one finding per such run, in its last
  month; figures stock (that month), months_without_sales (the run's length).
- ``missing_report``: no stock report for a month in which the distributor held the
  product (opening > 0), bought it or sold it; figures opening, purchases, sales, closing.
- ``missing_flows``: a distributor month with purchases of any product but not one flow row;
  product None; figures purchases (all products), products (how many it bought).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

ANOMALY_KINDS = ("oversold", "stock_mismatch", "stale_stock", "missing_report",
                 "missing_flows")
ANOMALY_COLUMNS = ("kind", "distributor", "product", "month", "figures")


@dataclass(frozen=True)
class Thresholds:
    """When a ledger row is a finding: ``stale_months`` (months), ``tolerance_units`` (units)
    and ``tolerance_share`` (share 0..1 of the month's available units)."""

    stale_months: int
    tolerance_units: float
    tolerance_share: float

    def tolerance(self, available: np.ndarray) -> np.ndarray:
        """Units of difference or excess that are counting and cut-off noise, per row."""
        return np.maximum(self.tolerance_units,
                          self.tolerance_share * np.maximum(available, 0.0))


def _numbers(values: np.ndarray) -> list[int | float]:
    """Python numbers: ints where the column holds whole numbers only."""
    values = np.asarray(values, dtype=np.float64)
    if np.all(np.isfinite(values) & (values == np.round(values))):
        return values.astype(np.int64).tolist()
    return values.tolist()


def _findings(kind: str, rows: pd.DataFrame, figures: Mapping[str, str]) -> pd.DataFrame:
    """Rows of ``kind``; ``figures`` maps each figure's name to its column in ``rows``."""
    names = list(figures)
    columns = [_numbers(rows[column].to_numpy()) for column in figures.values()]
    return pd.DataFrame({
        "kind": kind,
        "distributor": rows["distributor"].to_numpy(object),
        "product": rows["product"].to_numpy(object),
        "month": rows["month"].to_numpy(),
        "figures": [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
        if names else [{} for _ in range(len(rows))],
    }, columns=list(ANOMALY_COLUMNS))


def oversold(ledger: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Sales above opening + purchases by more than the tolerance."""
    available = (ledger["opening"] + ledger["purchases"]).to_numpy(np.float64)
    rows = ledger.assign(excess=ledger["sales"] - ledger["opening"] - ledger["purchases"],
                         tolerance=thresholds.tolerance(available))
    rows = rows[rows["excess"] > rows["tolerance"]]
    return _findings("oversold", rows, {"opening": "opening", "purchases": "purchases",
                                        "sales": "sales", "excess": "excess",
                                        "tolerance": "tolerance"})


def stock_mismatch(ledger: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """A stock report further from the computed closing than the tolerance."""
    available = (ledger["opening"] + ledger["purchases"]).to_numpy(np.float64)
    rows = ledger.assign(tolerance=thresholds.tolerance(available))
    rows = rows[rows["difference"].abs() > rows["tolerance"]]  # NaN (no report) is never
    return _findings("stock_mismatch", rows, {"reported": "reported", "closing": "closing",
                                              "difference": "difference",
                                              "tolerance": "tolerance"})


def held_stock(ledger: pd.DataFrame) -> pd.Series:
    """Stock at month end as best known: the report, else the computed closing."""
    return ledger["reported"].fillna(ledger["closing"].astype(np.float64))


def stale_stock(ledger: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Runs of ≥ ``stale_months`` months with stock held and no sales (ledger sorted by
    distributor, product, month)."""
    stock = held_stock(ledger)
    idle = ((stock > 0) & (ledger["sales"] == 0)).to_numpy()
    new_pair = ((ledger["distributor"] != ledger["distributor"].shift())
                | (ledger["product"] != ledger["product"].shift())).to_numpy()
    changed = new_pair | np.r_[True, idle[1:] != idle[:-1]]
    run = np.cumsum(changed)
    rows = ledger.assign(stock=stock, run=run)[idle]
    length = rows.groupby("run")["month"].transform("size")
    rows = rows.assign(months_without_sales=length).groupby("run").tail(1)
    rows = rows[rows["months_without_sales"] >= thresholds.stale_months]
    return _findings("stale_stock", rows, {"stock": "stock",
                                           "months_without_sales": "months_without_sales"})


def missing_report(ledger: pd.DataFrame) -> pd.DataFrame:
    """No stock report for a month in which the product was held, bought or sold."""
    dealt = (ledger["opening"] > 0) | (ledger["purchases"] > 0) | (ledger["sales"] > 0)
    rows = ledger[ledger["reported"].isna() & dealt]
    return _findings("missing_report", rows, {"opening": "opening", "purchases": "purchases",
                                              "sales": "sales", "closing": "closing"})


def missing_flows(ledger: pd.DataFrame) -> pd.DataFrame:
    """Distributor months with purchases and not one flow row (flow quantities are > 0, so
    no sales of any product means no rows)."""
    months = ledger.assign(products=ledger["purchases"] > 0).groupby(
        ["distributor", "month"], sort=True)[["purchases", "sales", "products"]].sum()
    rows = months[(months["purchases"] > 0) & (months["sales"] == 0)].reset_index()
    rows["product"] = None
    return _findings("missing_flows", rows, {"purchases": "purchases", "products": "products"})


def find_anomalies(ledger: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Every finding of :data:`ANOMALY_KINDS`, by month, distributor, kind and product."""
    parts = [oversold(ledger, thresholds), stock_mismatch(ledger, thresholds),
             stale_stock(ledger, thresholds), missing_report(ledger), missing_flows(ledger)]
    parts = [part for part in parts if len(part)]
    if not parts:
        return _findings("none", ledger.iloc[:0], {})
    found = pd.concat(parts, ignore_index=True)
    rank = found["kind"].map({k: i for i, k in enumerate(ANOMALY_KINDS)})
    order = found.assign(rank=rank).sort_values(
        ["month", "distributor", "rank", "product"], na_position="first", kind="stable").index
    return found.loc[order].reset_index(drop=True)
