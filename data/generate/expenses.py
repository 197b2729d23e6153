"""Selling expenses (销售费用) month by month, region by region and category by category.

Each category follows what drives it in the data: the reps' pay per rep-month (field force
and academic specialists, log-normal around a hidden mean), a cost per call and per meeting
recorded in the visits table (a sum of gamma costs per item), and promotion (conferences,
sponsorship, marketing services) as a hidden share of the region's invoiced sales that
month with log-normal noise. The hidden unit costs are ``ProcessTruth.expense_*``; the data
show only the amounts, and the estimates (``models/expenses.py``) are tested against them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.generate.parameters import ProcessTruth
from data.tables import EXPENSE_CATEGORIES, REGIONS

#: gamma shape of one call's or meeting's cost (coefficient of variation 1/sqrt(shape))
ITEM_SHAPE = 4.0


def _lognormal_mean_one(rng: np.random.Generator, sigma: float, size) -> np.ndarray:
    return rng.lognormal(-0.5 * sigma**2, sigma, size)


def _month_share(months: pd.PeriodIndex, epoch: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Share of each month's days inside the history (the first and last may be partial)."""
    start = np.array([max(p.start_time, epoch) for p in months], dtype="datetime64[D]")
    stop = np.array([min(p.end_time.normalize(), end) for p in months], dtype="datetime64[D]")
    return ((stop - start).astype(int) + 1) / np.array([p.days_in_month for p in months])


def _counts(frame: pd.DataFrame, months: pd.PeriodIndex) -> np.ndarray:
    """Rows of ``frame`` (``region``, ``period``) per region × month."""
    grid = np.zeros((len(REGIONS), len(months)))
    if len(frame):
        r = pd.Index(REGIONS).get_indexer(frame["region"])
        m = months.get_indexer(frame["period"])
        ok = (r >= 0) & (m >= 0)
        np.add.at(grid, (r[ok], m[ok]), 1.0)
    return grid


def _item_costs(count: np.ndarray, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Sum of ``count`` gamma costs (shape :data:`ITEM_SHAPE`, mean ``mean``) per cell."""
    shape = np.maximum(count, 1.0) * ITEM_SHAPE
    return np.where(count > 0, rng.gamma(shape, mean / ITEM_SHAPE), 0.0)


def selling_expenses(reps: pd.DataFrame, visits: pd.DataFrame, invoices: pd.DataFrame,
                     customers: pd.DataFrame, epoch: pd.Timestamp, end: pd.Timestamp,
                     truth: ProcessTruth, rng: np.random.Generator) -> pd.DataFrame:
    """The ``selling_expenses`` table: one row per month × region × category (CNY)."""
    months = pd.period_range(epoch, end, freq="M")
    share = _month_share(months, epoch, end)
    spec = reps["academic_specialist"].to_numpy(dtype=bool)
    rep_region = pd.Index(REGIONS).get_indexer(reps["region"])
    pay = np.zeros((2, len(REGIONS), len(months)))  # field force, specialists
    for k, (mask, mean) in enumerate(((~spec, truth.expense_rep_month_cny),
                                      (spec, truth.expense_specialist_month_cny))):
        draws = mean * _lognormal_mean_one(rng, truth.expense_pay_sigma,
                                           (int(mask.sum()), len(months))) * share[None, :]
        np.add.at(pay[k], rep_region[mask], draws)
    rep_of = reps.set_index("rep_id")["region"]
    v = pd.DataFrame({"region": visits["rep_id"].map(rep_of).to_numpy(),
                      "period": pd.PeriodIndex(visits["date"], freq="M"),
                      "kind": visits["kind"].to_numpy()})
    cost = {"field_force": pay[0], "academic_specialists": pay[1]}
    for category, kind, mean in (
            ("calls", "call", truth.expense_call_cny),
            ("department_meetings", "department_meeting", truth.expense_department_meeting_cny),
            ("academic_meetings", "academic_meeting", truth.expense_academic_meeting_cny)):
        cost[category] = _item_costs(_counts(v[v["kind"] == kind], months), mean, rng)
    inv = pd.DataFrame({"region": invoices["customer_id"].map(
        customers.set_index("customer_id")["region"]).to_numpy(),
        "period": pd.PeriodIndex(invoices["invoice_date"], freq="M"),
        "amount": invoices["amount_cny"].to_numpy(dtype=float)})
    sales = np.zeros((len(REGIONS), len(months)))
    r = pd.Index(REGIONS).get_indexer(inv["region"])
    m = months.get_indexer(inv["period"])
    ok = (r >= 0) & (m >= 0)
    np.add.at(sales, (r[ok], m[ok]), inv["amount"].to_numpy()[ok])
    cost["promotion"] = (truth.expense_promotion_share * sales
                         * _lognormal_mean_one(rng, truth.expense_promotion_sigma, sales.shape))
    rows = [pd.DataFrame({"month": np.tile(months.to_timestamp().to_numpy(), len(REGIONS)),
                          "region": np.repeat(np.array(REGIONS, dtype=object), len(months)),
                          "category": category, "amount_cny": cost[category].ravel().round(2)})
            for category in EXPENSE_CATEGORIES]
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["month", "region", "category"], kind="stable").reset_index(drop=True)
