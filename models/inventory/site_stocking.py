"""Per-site stocking policies from a data set, and what pooling them would save (docs/stocking.md).

Each open site's demand is that of the customers it serves; its forward assortment
(:mod:`models.inventory.assortment`) is stocked with an (s, Q) or (R, S) policy
(:mod:`models.inventory.reorder_policies`) for a target fill rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from data.dataset import Dataset
from models.inventory.assortment import abc_xyz_classes, forward_assortment, lines_in_window
from models.inventory.reorder_policies import (
    DAYS_PER_YEAR,
    RS_policy_for_fill_rate,
    check_fill_rate,
    check_parameter,
    eoq,
    pooling_safety_stock,
    sQ_policy_for_fill_rate,
    undershoot_moments,
)


def daily_demand(
    dataset: Dataset, customer_site: Mapping[str, str], window_days: int = int(DAYS_PER_YEAR)
) -> pd.DataFrame:
    """Mean and sd (units/day, zero days included) per (site_id, product_id) over the window,
    and the first three moments of the units per order line (``line_units_m1..m3``).

    ``customer_site`` maps customer_id → serving site_id; customers not in it are ignored.
    """
    lines, end = lines_in_window(dataset, window_days)
    site = lines["customer_id"].map(pd.Series(dict(customer_site), dtype=object))
    lines = lines.assign(site_id=site, day=(end - lines["placed_at"]).dt.days)
    lines = lines[lines["site_id"].notna()]
    per_day = lines.groupby(["site_id", "product_id", "day"])["quantity"].sum()
    g = per_day.groupby(level=["site_id", "product_id"])
    total, sumsq = (
        g.sum().astype(float),
        (per_day.astype(float) ** 2).groupby(level=["site_id", "product_id"]).sum(),
    )
    n = float(window_days)
    mean = total / n
    var = ((sumsq - n * mean**2) / (n - 1)).clip(lower=0.0)
    q = lines["quantity"].astype(float)
    per_line = lines.assign(m1=q, m2=q**2, m3=q**3).groupby(["site_id", "product_id"])
    return pd.DataFrame(
        {
            "mean_daily_units": mean,
            "sd_daily_units": np.sqrt(var),
            "annual_units": mean * DAYS_PER_YEAR,
            "line_units_m1": per_line["m1"].mean(),
            "line_units_m2": per_line["m2"].mean(),
            "line_units_m3": per_line["m3"].mean(),
        }
    ).reset_index()


def site_policies(
    dataset: Dataset,
    sites_open: Sequence[str],
    customer_site: Mapping[str, str],
    fill_rate: float = 0.98,
    lead_time_days: float | Mapping[str, float] = 3.0,
    lead_time_sd_days: float = 1.0,
    review_days: float | None = None,
    order_cost_cny: float = 500.0,
    holding_rate_per_year: float = 0.25,
    **assortment: object,
) -> pd.DataFrame:
    """Stocking policy per (site, product) in each open site's forward assortment.

    Demand: daily mean/sd of the customers ``customer_site`` assigns to the site (last 365
    days). ``review_days=None``: continuous (s, Q) with Q = EOQ(D, K = ``order_cost_cny``,
    h = ``holding_rate_per_year`` × unit cost), at least 1 unit, and s for ``fill_rate``;
    else (R, S) with R = ``review_days``. ``lead_time_days`` / ``lead_time_sd_days`` are the
    replenishment lead time from the central DC (one figure, or one per site id). Holding
    cost = expected on-hand × h.
    ``assortment`` is passed to :func:`forward_assortment`. Products without demand at the
    site are left out.
    """
    where = "site_policies"
    check_fill_rate(fill_rate, where)
    check_parameter(order_cost_cny >= 0, "order_cost_cny", "a number >= 0", order_cost_cny, where)
    check_parameter(
        holding_rate_per_year > 0,
        "holding_rate_per_year",
        "a number > 0, e.g. 0.25",
        holding_rate_per_year,
        where,
    )
    sites = dataset.tables["sites"].set_index("site_id")
    unknown = [s for s in sites_open if s not in sites.index]
    check_parameter(not unknown, "sites_open", "site ids of the sites table", unknown, where)
    classes = abc_xyz_classes(dataset)
    demand = daily_demand(dataset, customer_site).set_index(["site_id", "product_id"])
    rows = []
    for site in sites_open:
        lead = lead_time_days[site] if isinstance(lead_time_days, Mapping) else lead_time_days
        qualified = bool(sites.at[site, "cold_chain_qualified"])
        table = forward_assortment(dataset, qualified, classes=classes, **assortment)  # type: ignore[arg-type]
        for item in table[table["forward"]].itertuples(index=False):
            key = (site, item.product_id)
            if key not in demand.index:
                continue
            d = demand.loc[key]
            mu, sd = float(d["mean_daily_units"]), float(d["sd_daily_units"])
            h = holding_rate_per_year * float(item.unit_cost_cny)
            row = {
                "site_id": site,
                "product_id": item.product_id,
                "therapy_area": item.therapy_area,
                "cold_chain": bool(item.cold_chain),
                "abc_xyz": item.abc_xyz,
                "priority": item.priority,
                "mean_daily_units": mu,
                "sd_daily_units": sd,
                "holding_cost_cny_per_unit_year": h,
            }
            if review_days is None:
                q = max(eoq(mu * DAYS_PER_YEAR, order_cost_cny, h), 1.0)
                u_mean, u_sd = undershoot_moments(
                    float(d["line_units_m1"]), float(d["line_units_m2"]),
                    float(d["line_units_m3"]))
                pol = sQ_policy_for_fill_rate(mu, sd, lead, lead_time_sd_days, q, fill_rate,
                                          u_mean, u_sd)
                row.update(
                    policy="sQ",
                    s_units=pol.s,
                    Q_units=pol.Q,
                    S_units=np.nan,
                    undershoot_units=pol.undershoot,
                    review_days=np.nan,
                    k=pol.k,
                    sigma_protection_units=pol.sd_lt,
                )
            else:
                pol = RS_policy_for_fill_rate(
                    mu, sd, review_days, lead, fill_rate, lead_time_sd_days
                )
                row.update(
                    policy="RS",
                    s_units=np.nan,
                    Q_units=np.nan,
                    S_units=pol.S,
                    undershoot_units=0.0,
                    review_days=review_days,
                    k=pol.k,
                    sigma_protection_units=pol.sd_pi,
                )
            row.update(
                protection_days=lead + (review_days or 0.0),
                lead_time_days=lead,
                lead_time_sd_days=lead_time_sd_days,
                safety_stock_units=pol.safety_stock,
                expected_on_hand_units=pol.expected_on_hand,
                holding_cost_cny_per_year=pol.expected_on_hand * h,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def pooling_table(policies: pd.DataFrame) -> pd.DataFrame:
    """Per product: safety stock summed over the sites vs held at one pooled site (units).

    ``pooling_ratio`` = Σ σ_i / √Σ σ_i² over the sites' protection-interval sds: the
    square-root law (√n for n equal sites), which holds for the demand part only.
    ``pooled_safety_stock_units`` = k̄ σ_P with the mean safety factor k̄ of the product's rows
    and σ_P = √(P Σ σ_d,i² + (Σ μ_i)² σ_LT²): site daily demands independent, but one
    lead time for the pooled stock, so the lead-time part (μ σ_LT) adds linearly and does not
    pool. For an exact single-site figure run :func:`site_policies` with one site.
    """
    rows = []
    for product, g in policies.groupby("product_id"):
        k = float(g["k"].mean())
        separate, pooled_sd = pooling_safety_stock(g["sigma_protection_units"].to_numpy())
        days = float(g["protection_days"].iloc[0])
        lt_sd = float(g["lead_time_sd_days"].iloc[0])
        sigma_p = math.sqrt(
            days * float((g["sd_daily_units"] ** 2).sum())
            + float(g["mean_daily_units"].sum()) ** 2 * lt_sd**2
        )
        rows.append(
            {
                "product_id": product,
                "sites": len(g),
                "separate_safety_stock_units": float(g["safety_stock_units"].sum()),
                "pooled_safety_stock_units": k * sigma_p,
                "pooling_ratio": separate / pooled_sd if pooled_sd > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)
