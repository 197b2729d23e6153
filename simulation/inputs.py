"""What a replication needs from the data set, extracted once as plain arrays (picklable, so
replications can run in other processes or on a Dask cluster).

Demand comes from the history: each account's order rate over the last 365 days, the monthly
seasonality of the last two years, and the account's own past order amounts (resampled).
The opening receivables are the invoices of the last 365 days, replayed under the config's
collection policy (see :mod:`simulation.collection`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.geography import great_circle_km
from models.territory.segmentation import account_segments

RATE_WINDOW_DAYS = 365


@dataclass(frozen=True)
class SimulationInputs:
    """Arrays describing accounts, sites, demand and the opening ledger.

    Times are days since ``epoch`` (the day after the data set's ``as_of``, 00:00).
    """

    epoch: pd.Timestamp
    customer_id: np.ndarray
    customer_type: np.ndarray
    region: np.ndarray
    remote: np.ndarray
    tier: np.ndarray                 # core / potential / basic
    lon: np.ndarray
    lat: np.ndarray
    orders_per_day: np.ndarray       # per account, history's rate
    month_factor: np.ndarray         # 12 seasonality factors, mean 1
    amount_pool: np.ndarray          # past order amounts, grouped by account
    amount_start: np.ndarray         # per account: slice start into amount_pool
    amount_count: np.ndarray         # per account: number of past amounts (0 = use type pool)
    site_id: np.ndarray
    site_lon: np.ndarray
    site_lat: np.ndarray
    site_central: np.ndarray
    opening_customer: np.ndarray     # opening ledger: account index of each invoice
    opening_amount: np.ndarray
    opening_invoice_day: np.ndarray  # days since epoch (negative)
    # order lines of the pooled past orders (same order as amount_pool): a simulated order
    # resamples a past order of its account, lines and all
    line_start: np.ndarray           # per pooled order: slice start into line_product
    line_count: np.ndarray           # per pooled order: number of lines
    line_product: np.ndarray         # per line: index into product_id
    line_quantity: np.ndarray        # per line: units
    product_id: np.ndarray
    #: growth of the order rate, log per year (0: none found); the rate ``orders_per_day`` is
    #: the history's at ``trend_offset_days`` before the epoch (the middle of its window)
    trend_per_year: float = 0.0
    trend_offset_days: float = (RATE_WINDOW_DAYS + 1) / 2

    @property
    def customers(self) -> int:
        return len(self.customer_id)

    def km_to_sites(self) -> np.ndarray:
        """Great-circle km, accounts × sites."""
        return great_circle_km(self.lon[:, None], self.lat[:, None], self.site_lon[None, :],
                               self.site_lat[None, :])

    def nearest_sites(self, open_sites: np.ndarray) -> np.ndarray:
        """Index of the nearest (great-circle) open site for each account."""
        km = self.km_to_sites()
        km[:, ~open_sites] = np.inf
        return km.argmin(axis=1)


def build_inputs(dataset: Dataset) -> SimulationInputs:
    """Extract the arrays from ``dataset``."""
    cust = dataset["customers"].reset_index(drop=True)
    orders = dataset["orders"]
    as_of = dataset.as_of
    epoch = as_of + pd.Timedelta(days=1)
    index = pd.Index(cust["customer_id"].astype(object))
    recent = orders[orders["placed_at"] > as_of - pd.Timedelta(days=RATE_WINDOW_DAYS - 1)]
    counts = np.bincount(index.get_indexer(recent["customer_id"].astype(object)),
                         minlength=len(cust))
    month_factor, trend = demand_pattern(orders["placed_at"], as_of)
    amounts = dataset["order_lines"].groupby("order_id")["amount_cny"].sum()
    order_amount = orders["order_id"].map(amounts).fillna(0.0).to_numpy()
    cust_pos = index.get_indexer(orders["customer_id"].astype(object))
    order_idx = np.argsort(cust_pos, kind="stable")
    amount_count = np.bincount(cust_pos, minlength=len(cust))
    line_start, line_count, line_product, line_quantity, product_ids = _pooled_lines(
        dataset, order_idx)
    amount_start = np.concatenate([[0], np.cumsum(amount_count)[:-1]])
    sites = dataset["sites"].reset_index(drop=True)
    inv = dataset["invoices"]
    opening = inv[inv["invoice_date"] > as_of - pd.Timedelta(days=RATE_WINDOW_DAYS)]
    # customer tiers (core / potential / basic) from RFM and clinical value
    tiers = account_segments(dataset)["tier"].reindex(cust["customer_id"]).to_numpy()
    return SimulationInputs(
        epoch=epoch,
        customer_id=cust["customer_id"].to_numpy(dtype=object),
        customer_type=cust["customer_type"].to_numpy(dtype=object),
        region=cust["region"].to_numpy(dtype=object),
        remote=cust["remote"].to_numpy(dtype=bool),
        tier=tiers.astype(object),
        lon=cust["longitude"].to_numpy(dtype=float), lat=cust["latitude"].to_numpy(dtype=float),
        orders_per_day=counts / RATE_WINDOW_DAYS,
        month_factor=month_factor,
        amount_pool=order_amount[order_idx], amount_start=amount_start,
        amount_count=amount_count,
        site_id=sites["site_id"].to_numpy(dtype=object),
        site_lon=sites["longitude"].to_numpy(dtype=float),
        site_lat=sites["latitude"].to_numpy(dtype=float),
        site_central=(sites["kind"] == "central_dc").to_numpy(),
        opening_customer=index.get_indexer(opening["customer_id"].astype(object)),
        opening_amount=opening["amount_cny"].to_numpy(dtype=float),
        opening_invoice_day=((opening["invoice_date"] - epoch) / pd.Timedelta(days=1)).to_numpy(),
        line_start=line_start, line_count=line_count, line_product=line_product,
        line_quantity=line_quantity, product_id=product_ids, trend_per_year=trend,
    )


#: complete months of history needed to tell a trend from the seasons (one month seen twice)
MIN_MONTHS_FOR_TREND = 13


def demand_pattern(placed: pd.Series, as_of: pd.Timestamp) -> tuple[np.ndarray, float]:
    """Monthly seasonality (12 factors, mean 1) and the trend of the order rate (log growth
    per year), fitted together by least squares on log(orders per day) of each complete
    calendar month: ``log r = g · years + s[month]``. With fewer than
    :data:`MIN_MONTHS_FOR_TREND` complete months, no trend is fitted and the factors are the
    months' mean rates."""
    per_month = placed.groupby([placed.dt.year, placed.dt.month]).size()
    periods = [pd.Period(year=y, month=m, freq="M") for y, m in per_month.index]
    first, last = placed.min().normalize(), as_of.normalize()
    complete = np.array([p.start_time >= first and p.end_time.normalize() <= last
                         for p in periods])
    days = np.array([p.days_in_month for p in periods], dtype=float)
    daily = per_month.to_numpy(dtype=float) / days
    months = np.array([m for _, m in per_month.index])
    if complete.sum() < MIN_MONTHS_FOR_TREND:
        mean = pd.Series(daily).groupby(months).mean().reindex(range(1, 13))
        return (mean / mean.mean()).fillna(1.0).to_numpy(), 0.0
    keep = complete & (daily > 0)
    years = np.array([(p.start_time - first).days + p.days_in_month / 2 for p in periods]) / 365.25
    design = np.column_stack([years[keep]] + [(months[keep] == m).astype(float)
                                              for m in range(1, 13)])
    seen = design[:, 1:].any(axis=0)
    coef, *_ = np.linalg.lstsq(design[:, np.r_[True, seen]], np.log(daily[keep]), rcond=None)
    level = np.full(12, np.nan)
    level[seen] = np.exp(coef[1:])
    factor = level / np.nanmean(level)
    return np.where(np.isnan(factor), 1.0, factor), float(coef[0])


def _pooled_lines(dataset: Dataset, order_idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """Order lines grouped by pooled order (the orders table's rows in ``order_idx`` order):
    slice start and count per pooled order, product index and units per line, product ids."""
    orders, lines = dataset["orders"], dataset["order_lines"]
    products = dataset["products"]["product_id"].to_numpy(dtype=object)
    row = pd.Index(orders["order_id"].astype(object)).get_indexer(lines["order_id"].astype(object))
    pooled_of_row = np.empty(len(order_idx), dtype=np.int64)
    pooled_of_row[order_idx] = np.arange(len(order_idx))
    known = row >= 0  # validation guarantees this; kept for hand-made data sets
    pooled = pooled_of_row[row[known]]
    sort = np.argsort(pooled, kind="stable")
    count = np.bincount(pooled, minlength=len(order_idx))
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    product = pd.Index(products).get_indexer(lines["product_id"].astype(object))[known][sort]
    quantity = lines["quantity"].to_numpy(dtype=float)[known][sort]
    return start, count, product.astype(np.int64), quantity, products
