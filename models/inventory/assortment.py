"""What a forward warehouse stocks: ABC-XYZ classes and the forward assortment (docs/stocking.md).

Classification: ABC by cumulative share of annual value (or units) and XYZ by the coefficient
of variation of weekly demand. Assortment: chronic-disease drugs first, then A/B × X/Y products
by order frequency; cold-chain products only at cold-chain-qualified sites.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from data.dataset import Dataset
from models.inventory.reorder_policies import DAYS_PER_YEAR, check_parameter

#: therapy area stocked forward first (DOMAIN.md: "high-frequency products such as
#: chronic-disease drugs")
PRIORITY_AREA = "chronic"


def lines_in_window(dataset: Dataset, days: int) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Order lines placed in the ``days`` days ending with ``as_of`` (inclusive)."""
    end = pd.Timestamp(dataset.as_of).normalize() + pd.Timedelta(days=1)
    orders = dataset.tables["orders"][["order_id", "customer_id", "placed_at"]]
    orders = orders[
        (orders["placed_at"] >= end - pd.Timedelta(days=days)) & (orders["placed_at"] < end)
    ]
    lines = dataset.tables["order_lines"][["order_id", "product_id", "quantity", "amount_cny"]]
    return lines.merge(orders, on="order_id", how="inner"), end


def abc_xyz_classes(
    dataset: Dataset,
    by: str = "value",
    a_share: float = 0.8,
    b_share: float = 0.95,
    x_cv: float = 0.5,
    y_cv: float = 1.0,
) -> pd.DataFrame:
    """ABC × XYZ class and order frequency per product, last 365 days up to ``as_of``.

    ABC: products sorted by annual value (CNY, line amounts; ``by="units"``: quantity),
    cumulative share ≤ ``a_share`` → A, ≤ ``b_share`` → B, else C; the top product is A even if
    its own share exceeds ``a_share``. XYZ: CV = sd / mean of demand (units) over the last 52
    weeks, zero weeks included (sample sd): < ``x_cv`` → X, < ``y_cv`` → Y, else Z (and Z
    without demand). ``orders_per_week`` = distinct orders with the product / (365 / 7).
    Sorted by the ABC measure, descending.
    """
    where = "abc_xyz_classes"
    check_parameter(by in ("value", "units"), "by", "'value' or 'units'", by, where)
    check_parameter(
        0 < a_share <= b_share <= 1,
        "a_share/b_share",
        "0 < a_share <= b_share <= 1",
        (a_share, b_share),
        where,
    )
    check_parameter(0 < x_cv <= y_cv, "x_cv/y_cv", "0 < x_cv <= y_cv", (x_cv, y_cv), where)
    lines, end = lines_in_window(dataset, int(DAYS_PER_YEAR))
    products = dataset.tables["products"].set_index("product_id")
    grouped = lines.groupby("product_id")
    out = pd.DataFrame(index=products.index)
    out["therapy_area"] = products["therapy_area"]
    out["cold_chain"] = products["cold_chain"].astype(bool)
    out["unit_cost_cny"] = products["unit_cost_cny"]
    out["annual_units"] = grouped["quantity"].sum().reindex(out.index).fillna(0.0).astype(float)
    out["annual_value_cny"] = grouped["amount_cny"].sum().reindex(out.index).fillna(0.0)
    out["orders_per_week"] = grouped["order_id"].nunique().reindex(out.index).fillna(0.0) / (
        DAYS_PER_YEAR / 7.0
    )
    # weekly buckets counted back from the end of as_of; the 365th day is dropped
    week = ((end - lines["placed_at"]) // pd.Timedelta(days=7)).astype(int)
    recent = lines[week < 52].assign(week=week[week < 52])
    weekly = (
        recent.groupby(["product_id", "week"])["quantity"]
        .sum()
        .unstack(fill_value=0)
        .reindex(index=out.index, columns=range(52), fill_value=0)
    )
    out["mean_weekly_units"] = weekly.mean(axis=1)
    out["sd_weekly_units"] = weekly.std(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv_weekly"] = out["sd_weekly_units"] / out["mean_weekly_units"]
    measure = "annual_value_cny" if by == "value" else "annual_units"
    out = out.sort_values([measure, "orders_per_week"], ascending=False, kind="stable")
    total = out[measure].sum()
    out["share"] = out[measure] / total if total > 0 else 0.0
    out["cumulative_share"] = out["share"].cumsum()
    cum = out["cumulative_share"].to_numpy()
    tol = 1e-12
    abc = np.where(cum <= a_share + tol, "A", np.where(cum <= b_share + tol, "B", "C"))
    if total > 0:
        abc[0] = "A"
    abc[out[measure].to_numpy() <= 0] = "C"
    out["abc"] = abc
    cv = out["cv_weekly"].to_numpy()
    out["xyz"] = np.where(
        ~np.isfinite(cv), "Z", np.where(cv < x_cv, "X", np.where(cv < y_cv, "Y", "Z"))
    )
    out["abc_xyz"] = out["abc"] + out["xyz"]
    return out.reset_index()


def forward_assortment(
    dataset: Dataset,
    site_cold_chain: bool,
    abc_classes: Sequence[str] = ("A", "B"),
    xyz_classes: Sequence[str] = ("X", "Y"),
    min_orders_per_week: float = 0.0,
    max_products: int | None = None,
    classes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which products a forward warehouse stocks; one row per product, in priority order.

    Rule (docs/stocking.md): a product with demand in the last year and at least
    ``min_orders_per_week`` orders/week is *eligible*; a cold-chain product is eligible only
    if ``site_cold_chain``. Priority 1: chronic-disease drugs; priority 2: other products whose
    ABC class is in ``abc_classes`` and XYZ class in ``xyz_classes``; within a priority by
    order frequency, descending. The first ``max_products`` (all if None) go forward.
    Columns of :func:`abc_xyz_classes` plus ``priority`` (1, 2 or 3 = not a forward class),
    ``forward`` (bool), ``reason``. ``classes`` reuses a precomputed :func:`abc_xyz_classes` table.
    """
    check_parameter(
        max_products is None or max_products >= 0,
        "max_products",
        "None or an int >= 0",
        max_products,
        "forward_assortment",
    )
    table = abc_xyz_classes(dataset) if classes is None else classes.copy()
    chronic = (table["therapy_area"] == PRIORITY_AREA).to_numpy()
    fast = (table["abc"].isin(list(abc_classes)) & table["xyz"].isin(list(xyz_classes))).to_numpy()
    table["priority"] = np.where(chronic, 1, np.where(fast, 2, 3))
    reason = np.where(
        chronic,
        "chronic-disease drug",
        np.where(fast, "class " + table["abc_xyz"], "class " + table["abc_xyz"] + " not forward"),
    )
    no_demand = (table["annual_units"] <= 0).to_numpy()
    rare = (table["orders_per_week"] < min_orders_per_week).to_numpy()
    cold_blocked = table["cold_chain"].to_numpy() & (not site_cold_chain)
    reason = np.where(rare, f"fewer than {min_orders_per_week:g} orders/week", reason)
    reason = np.where(no_demand, "no demand in the last year", reason)
    reason = np.where(cold_blocked, "cold chain: site not qualified", reason)
    table["reason"] = reason
    eligible = (table["priority"] < 3).to_numpy() & ~no_demand & ~rare & ~cold_blocked
    table["eligible"] = eligible
    table = table.sort_values(
        ["eligible", "priority", "orders_per_week"], ascending=[False, True, False], kind="stable"
    )
    rank = np.cumsum(table["eligible"].to_numpy())
    limit = np.inf if max_products is None else max_products
    table["forward"] = table["eligible"].to_numpy() & (rank <= limit)
    table.loc[table["eligible"] & ~table["forward"], "reason"] = (
        f"beyond max_products={max_products}"
    )
    return table.drop(columns="eligible").reset_index(drop=True)
