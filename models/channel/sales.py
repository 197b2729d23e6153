"""Pure sales (纯销) and channel stock days (docs/channel.md).

Pure sales are the distributors' sales that reached a terminal (hospital, clinic, pharmacy),
as their flow data report them: our sell-out, as opposed to our sales into the channel.
Channel stock days say how long the stock sitting at distributors lasts at their recent
rate of sales.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.problems import InputError, Problem
from models.channel.anomalies import held_stock
from models.channel.checks import (
    TERMINALS_COLUMNS,
    check_columns,
    is_whole,
    raise_problems,
)
from models.channel.ledger import Reconciliation

PURE_SALES_BY = ("terminal", "rep", "region")
DEFAULT_WINDOW_MONTHS = 3
#: why a stock-days figure is not an ordinary number (codes; "" when it is)
NO_SALES = "no_sales"  # stock held, no sales in the window: infinite days
NO_STOCK_NO_SALES = "no_stock_no_sales"  # nothing held, nothing sold: NaN
NEGATIVE_STOCK = "negative_stock"  # the computed closing is below 0 (oversold): counted as 0
STOCK_DAYS_NOTES = (NO_SALES, NO_STOCK_NO_SALES, NEGATIVE_STOCK)
STOCK_COLUMNS = ("stock_units", "window_sales_units", "daily_sales_units", "stock_days",
                 "note")


def pure_sales(flows: pd.DataFrame, terminals: pd.DataFrame, by: str = "terminal") -> pd.DataFrame:
    """Distributors' sales to terminals, units and CNY, per terminal, per the terminal's rep
    or per the terminal's region, largest CNY first.

    ``by="terminal"``: terminal, name, terminal_type, region, rep, units, amount_cny;
    ``by="rep"`` and ``by="region"``: rep (region), terminals (how many bought), units,
    amount_cny. Flow rows whose terminal is not in ``terminals`` did not reach a known
    terminal and are left out.
    """
    if by not in PURE_SALES_BY:
        raise InputError(Problem("pure_sales", "by", "one of " + ", ".join(PURE_SALES_BY),
                                 repr(by)))
    raise_problems(check_columns(flows, "flows", ("terminal_id", "quantity", "amount_cny"))
                   + check_columns(terminals, "terminals", TERMINALS_COLUMNS), "pure sales")
    sold = flows[["terminal_id", "quantity", "amount_cny"]].merge(
        terminals[list(TERMINALS_COLUMNS)], on="terminal_id", how="inner")
    sold = sold.rename(columns={"terminal_id": "terminal", "rep_id": "rep",
                                "quantity": "units"})
    if by == "terminal":
        keys = ["terminal", "name", "terminal_type", "region", "rep"]
        out = sold.groupby(keys, sort=True)[["units", "amount_cny"]].sum().reset_index()
    else:
        out = sold.groupby(by, sort=True).agg(terminals=("terminal", "nunique"),
                                              units=("units", "sum"),
                                              amount_cny=("amount_cny", "sum")).reset_index()
    out["units"] = out["units"].astype(np.int64)
    out["amount_cny"] = out["amount_cny"].astype(np.float64).round(2)
    return out.sort_values(["amount_cny", out.columns[0]], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class ChannelStockDays:
    """Closing stock of ``month`` in days of average daily sales over the window's months.

    ``pairs`` (distributor, product) and ``products`` hold :data:`STOCK_COLUMNS`; ``total``
    the same figures for the whole channel (units of all products added up)."""

    month: pd.Timestamp | None
    window_months: int
    window_days: int
    pairs: pd.DataFrame
    products: pd.DataFrame
    total: dict[str, float | str]


def stock_days(stock_units: np.ndarray, daily_sales_units: np.ndarray,
               negative: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Days of stock and the note per row: ``stock / daily sales``; 0 with no stock and
    sales; inf (note ``no_sales``) with stock and no sales; NaN (``no_stock_no_sales``) with
    neither; ``negative`` rows are noted ``negative_stock`` (their stock is given as 0)."""
    stock = np.asarray(stock_units, dtype=np.float64)
    daily = np.asarray(daily_sales_units, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(daily > 0, stock / np.where(daily > 0, daily, 1.0),
                        np.where(stock > 0, np.inf, np.nan))
    note = np.where(daily > 0, "", np.where(stock > 0, NO_SALES, NO_STOCK_NO_SALES))
    if negative is not None:
        note = np.where(negative, NEGATIVE_STOCK, note)
    return days, note.astype(object)


def _stock_frame(frame: pd.DataFrame, window_days: int) -> pd.DataFrame:
    daily = frame["window_sales_units"].to_numpy(np.float64) / window_days
    days, note = stock_days(frame["stock_units"].to_numpy(), daily,
                            frame["negative"].to_numpy(bool))
    return frame.drop(columns="negative").assign(daily_sales_units=daily, stock_days=days,
                                                 note=note)


def channel_stock_days(recon: Reconciliation,
                       window_months: int = DEFAULT_WINDOW_MONTHS) -> ChannelStockDays:
    """Channel stock in days of sales, per distributor × product, per product and in total.

    Stock is the last month's closing as best known (the report, else the computed closing;
    a negative computed closing counts as 0 and is noted ``negative_stock``). Average daily
    sales = units sold in the last ``window_months`` months (fewer when the ledger is
    shorter) / the calendar days of those months. Days = stock / daily sales; with no sales
    in the window, infinite when stock is held (``no_sales``) and NaN when none is
    (``no_stock_no_sales``): see :func:`stock_days`.
    """
    if not (is_whole(window_months) and window_months >= 1):
        raise InputError(Problem("channel_stock_days", "window_months",
                                 "a whole number of months >= 1", repr(window_months)))
    ledger = recon.distributors
    window = pd.DatetimeIndex(recon.months[-int(window_months):])
    window_days = int(np.asarray(window.days_in_month, dtype=np.int64).sum())
    empty = pd.DataFrame(columns=["distributor", "product", *STOCK_COLUMNS])
    if not len(window):
        return ChannelStockDays(None, 0, 0, empty, empty.drop(columns="distributor"),
                                {"stock_units": 0.0, "daily_sales_units": 0.0,
                                 "stock_days": float("nan"), "note": NO_STOCK_NO_SALES})
    last = ledger[ledger["month"] == window[-1]]
    held = held_stock(last).to_numpy()
    pairs = pd.DataFrame({"distributor": last["distributor"].to_numpy(object),
                          "product": last["product"].to_numpy(object),
                          "stock_units": np.maximum(held, 0.0),
                          "negative": held < 0})
    sold = (ledger[ledger["month"].isin(window)]
            .groupby(["distributor", "product"], sort=True)["sales"].sum())
    pairs["window_sales_units"] = sold.reindex(
        pd.MultiIndex.from_frame(pairs[["distributor", "product"]])).to_numpy(np.float64)
    # a negative closing is the pair's finding; a product's or the channel's stock is a sum
    products = pairs.groupby("product", sort=True).agg(
        stock_units=("stock_units", "sum"), window_sales_units=("window_sales_units", "sum")
    ).reset_index().assign(negative=False)
    total = pd.DataFrame({"stock_units": [pairs["stock_units"].sum()],
                          "window_sales_units": [pairs["window_sales_units"].sum()],
                          "negative": [False]})
    total = _stock_frame(total, window_days).iloc[0]
    return ChannelStockDays(
        window[-1], len(window), window_days, _stock_frame(pairs, window_days),
        _stock_frame(products, window_days),
        {k: (str(total[k]) if k == "note" else float(total[k])) for k in
         ("stock_units", "window_sales_units", "daily_sales_units", "stock_days", "note")})
