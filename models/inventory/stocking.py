"""What to stock in a forward warehouse, and how much (docs/stocking.md).

Classification: ABC by cumulative share of annual value (or units) and XYZ by the coefficient
of variation of weekly demand. Assortment: chronic-disease drugs first, then A/B × X/Y products
by order frequency; cold-chain products only at cold-chain-qualified sites. Policies: textbook
single-item models in days and units, with normal demand over the protection interval —
continuous-review (s, Q) and periodic-review (R, S) for a target fill rate β (type-2 service),
the EOQ for Q, and the square-root law of safety-stock pooling.

References: Silver, Pyke & Peterson, *Inventory Management and Production Planning and
Scheduling*, 3rd ed. (SPP), ch. 7 (individual items with probabilistic demand: σ_L with a
random lead time, the fill-rate rule σ_L G(k) = (1 − β) Q for (s, Q), and (R, S) over the
protection interval R + L); Nahmias, *Production and Operations Analysis*, ch. 4 (EOQ) and
ch. 5 (type-2 service, standard normal loss function); Eppen (1979), Management Science 25(5)
(pooling, square-root law).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from data.dataset import Dataset
from data.problems import InputError, Problem

#: therapy area stocked forward first (DOMAIN.md: "high-frequency products such as
#: chronic-disease drugs")
PRIORITY_AREA = "chronic"
DAYS_PER_YEAR = 365.0


def _check(ok: bool, name: str, expected: str, got: object, where: str = "stocking") -> None:
    if not ok:
        raise InputError(
            Problem(where, name, expected, repr(got)),
            f"the {name!r} parameter of {where} is refused",
        )


# --------------------------------------------------------------------------- textbook models
def standard_normal_loss(k: float | np.ndarray) -> float | np.ndarray:
    """Standard normal loss G(k) = E[(Z − k)⁺] = φ(k) − k (1 − Φ(k)) (Nahmias ch. 5; SPP appendix).

    G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.0085, G(−1) = 1.0833 (tables).
    """
    k_arr = np.asarray(k, dtype=float)
    out = norm.pdf(k_arr) - k_arr * norm.sf(k_arr)
    return float(out) if out.ndim == 0 else out


def inverse_standard_normal_loss(g: float) -> float:
    """The k with G(k) = g (g > 0); G is strictly decreasing from +∞ to 0."""
    _check(
        g > 0 and math.isfinite(g), "g", "a finite number > 0", g, "inverse_standard_normal_loss"
    )
    lo, hi = -max(10.0, 2.0 * g), 10.0
    if g <= standard_normal_loss(hi):  # a fill rate so close to 1 that k > 10: cap it
        return hi
    return float(brentq(lambda x: standard_normal_loss(x) - g, lo, hi, xtol=1e-12))


def safety_stock_normal(z: float, sigma_lt: float) -> float:
    """Safety stock z·σ_L (units) for a safety factor z and sd σ_L of protection-interval demand."""
    _check(sigma_lt >= 0, "sigma_lt", "a number >= 0", sigma_lt, "safety_stock_normal")
    return z * sigma_lt


def lead_time_demand(
    mean_daily: float, sd_daily: float, lead_time_days: float, lead_time_sd_days: float = 0.0
) -> tuple[float, float]:
    """Mean μ_L = μ L and sd σ_L = √(L σ² + μ² σ_LT²) of demand over a random lead time (SPP ch. 7).

    Daily demands i.i.d. (mean μ, sd σ, units/day), lead time independent (mean L, sd σ_LT, days).
    """
    for name, value in (
        ("mean_daily", mean_daily),
        ("sd_daily", sd_daily),
        ("lead_time_days", lead_time_days),
        ("lead_time_sd_days", lead_time_sd_days),
    ):
        _check(
            math.isfinite(value) and value >= 0,
            name,
            "a finite number >= 0",
            value,
            "lead_time_demand",
        )
    mu_l = mean_daily * lead_time_days
    sigma_l = math.sqrt(lead_time_days * sd_daily**2 + mean_daily**2 * lead_time_sd_days**2)
    return mu_l, sigma_l


def eoq(annual_demand: float, order_cost: float, holding_cost_per_unit_year: float) -> float:
    """Economic order quantity Q* = √(2 D K / h) (Harris 1913; Nahmias ch. 4), units.

    D units/year, K CNY per order, h CNY per unit-year.
    """
    _check(annual_demand >= 0, "annual_demand", "a number >= 0", annual_demand, "eoq")
    _check(order_cost >= 0, "order_cost", "a number >= 0", order_cost, "eoq")
    _check(
        holding_cost_per_unit_year > 0,
        "holding_cost_per_unit_year",
        "a number > 0",
        holding_cost_per_unit_year,
        "eoq",
    )
    return math.sqrt(2.0 * annual_demand * order_cost / holding_cost_per_unit_year)


def _check_fill_rate(fill_rate: float, where: str) -> None:
    _check(0 < fill_rate < 1, "fill_rate", "a fraction in (0, 1), e.g. 0.98", fill_rate, where)


@dataclass(frozen=True)
class SQPolicy:
    """Continuous-review (s, Q): order Q when the inventory position falls to s (units).

    ``k`` is the safety factor, ``mean_lt`` μ_L of lead-time demand, ``sd_lt`` σ_L (with the
    undershoot's variance added when there is one), ``safety_stock`` = k σ_L,
    ``expected_on_hand`` ≈ k σ_L + Q/2 (SPP ch. 7,
    backorders neglected).
    """

    s: float
    Q: float
    k: float
    mean_lt: float
    sd_lt: float
    fill_rate: float
    undershoot: float = 0.0  # E[U], units (see undershoot_moments)

    @property
    def safety_stock(self) -> float:
        """Stock expected on hand when a replenishment arrives: s − E[U] − μ_L."""
        return self.s - self.undershoot - self.mean_lt

    @property
    def expected_on_hand(self) -> float:
        return max(self.safety_stock, 0.0) + self.Q / 2.0


def sQ_policy_fill_rate(
    mean_daily: float,
    sd_daily: float,
    lead_time_days: float,  # noqa: N802
    lead_time_sd_days: float,
    Q: float,
    fill_rate: float,
    undershoot_mean: float = 0.0,
    undershoot_sd: float = 0.0,
) -> SQPolicy:  # noqa: N803
    """Reorder point s of an (s, Q) policy for fill rate β (SPP ch. 7; Nahmias ch. 5).

    k solves σ G(k) = (1 − β) Q (expected units short per replenishment cycle over Q
    = 1 − β) and s = μ_L + E[U] + k σ with σ = √(σ_L² + Var U), μ_L, σ_L from
    :func:`lead_time_demand`. U is the undershoot: with lumpy demand (order lines of many
    units) the position is already below s when the reorder is placed (SPP ch. 7,
    "undershoots"); see :func:`undershoot_moments`. Both 0: the textbook model.
    """
    _check_fill_rate(fill_rate, "sQ_policy_fill_rate")
    _check(Q > 0, "Q", "a number > 0 (units per order)", Q, "sQ_policy_fill_rate")
    _check(undershoot_mean >= 0 and undershoot_sd >= 0, "undershoot_mean, undershoot_sd",
           "numbers >= 0 (units)", (undershoot_mean, undershoot_sd), "sQ_policy_fill_rate")
    mu_l, sigma_l = lead_time_demand(mean_daily, sd_daily, lead_time_days, lead_time_sd_days)
    sigma = math.sqrt(sigma_l**2 + undershoot_sd**2)
    if sigma == 0:  # deterministic: no shortage with s = μ_L
        return SQPolicy(mu_l, Q, 0.0, mu_l, 0.0, fill_rate)
    k = inverse_standard_normal_loss((1.0 - fill_rate) * Q / sigma)
    return SQPolicy(mu_l + undershoot_mean + k * sigma, Q, k, mu_l, sigma, fill_rate,
                    undershoot_mean)


def undershoot_moments(mean_units: float, mean_sq_units: float,
                       mean_cube_units: float) -> tuple[float, float]:
    """Mean and sd of the undershoot below a reorder point when demand comes in transactions
    of X units (renewal theory, transactions much smaller than Q): E[U] = E[X²] / (2 E[X]),
    E[U²] = E[X³] / (3 E[X]) (SPP ch. 7). Arguments: E[X], E[X²], E[X³] (units, units²,
    units³)."""
    if mean_units <= 0:
        return 0.0, 0.0
    mean = mean_sq_units / (2.0 * mean_units)
    second = mean_cube_units / (3.0 * mean_units)
    return mean, math.sqrt(max(second - mean**2, 0.0))


@dataclass(frozen=True)
class RSPolicy:
    """Periodic review (R, S): every R days order up to S (units).

    ``mean_pi``/``sd_pi`` are μ and σ of demand over the protection interval R + L,
    ``expected_on_hand`` ≈ k σ_{R+L} + μ R / 2 (SPP ch. 7).
    """

    S: float
    R: float
    k: float
    mean_pi: float
    sd_pi: float
    mean_daily: float
    fill_rate: float

    @property
    def safety_stock(self) -> float:
        return self.S - self.mean_pi

    @property
    def expected_on_hand(self) -> float:
        return max(self.safety_stock, 0.0) + self.mean_daily * self.R / 2.0


def RS_policy_fill_rate(
    mean_daily: float,
    sd_daily: float,
    review_days: float,  # noqa: N802
    lead_time_days: float,
    fill_rate: float,
    lead_time_sd_days: float = 0.0,
) -> RSPolicy:
    """Order-up-to level S of an (R, S) policy for fill rate β (SPP ch. 7).

    Protection interval R + L: k solves σ_{R+L} G(k) = (1 − β) μ R (units short per review
    cycle over demand per cycle = 1 − β) and S = μ (R + L) + k σ_{R+L}.
    """
    _check_fill_rate(fill_rate, "RS_policy_fill_rate")
    _check(
        review_days > 0, "review_days", "a number > 0 (days)", review_days, "RS_policy_fill_rate"
    )
    mu_p, sigma_p = lead_time_demand(
        mean_daily, sd_daily, review_days + lead_time_days, lead_time_sd_days
    )
    if sigma_p == 0 or mean_daily == 0:
        return RSPolicy(mu_p, review_days, 0.0, mu_p, sigma_p, mean_daily, fill_rate)
    k = inverse_standard_normal_loss((1.0 - fill_rate) * mean_daily * review_days / sigma_p)
    return RSPolicy(mu_p + k * sigma_p, review_days, k, mu_p, sigma_p, mean_daily, fill_rate)


def pooling_safety_stock(sigmas: Sequence[float], z: float = 1.0) -> tuple[float, float]:
    """Safety stock held at n separate sites vs one pooled site (Eppen 1979), units.

    Returns ``(separate, pooled)`` = (z Σ σ_i, z √Σ σ_i²) for independent demands; with n
    equal sites separate / pooled = √n (the square-root law).
    """
    arr = np.asarray(sigmas, dtype=float)
    _check(
        arr.ndim == 1 and bool(np.all(arr >= 0)),
        "sigmas",
        "a list of sds >= 0",
        sigmas,
        "pooling_safety_stock",
    )
    return float(z * arr.sum()), float(z * math.sqrt(float(np.sum(arr**2))))


# --------------------------------------------------------------------------- classification
def _window(dataset: Dataset, days: int) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Order lines placed in the ``days`` days ending with ``as_of`` (inclusive)."""
    end = pd.Timestamp(dataset.as_of).normalize() + pd.Timedelta(days=1)
    orders = dataset.tables["orders"][["order_id", "customer_id", "placed_at"]]
    orders = orders[
        (orders["placed_at"] >= end - pd.Timedelta(days=days)) & (orders["placed_at"] < end)
    ]
    lines = dataset.tables["order_lines"][["order_id", "product_id", "quantity", "amount_cny"]]
    return lines.merge(orders, on="order_id", how="inner"), end


def abc_xyz(
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
    where = "abc_xyz"
    _check(by in ("value", "units"), "by", "'value' or 'units'", by, where)
    _check(
        0 < a_share <= b_share <= 1,
        "a_share/b_share",
        "0 < a_share <= b_share <= 1",
        (a_share, b_share),
        where,
    )
    _check(0 < x_cv <= y_cv, "x_cv/y_cv", "0 < x_cv <= y_cv", (x_cv, y_cv), where)
    lines, end = _window(dataset, int(DAYS_PER_YEAR))
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
    Columns of :func:`abc_xyz` plus ``priority`` (1, 2 or 3 = not a forward class),
    ``forward`` (bool), ``reason``. ``classes`` reuses a precomputed :func:`abc_xyz` table.
    """
    _check(
        max_products is None or max_products >= 0,
        "max_products",
        "None or an int >= 0",
        max_products,
        "forward_assortment",
    )
    table = abc_xyz(dataset) if classes is None else classes.copy()
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


# --------------------------------------------------------------------------- site policies
def daily_demand(
    dataset: Dataset, customer_site: Mapping[str, str], window_days: int = int(DAYS_PER_YEAR)
) -> pd.DataFrame:
    """Mean and sd (units/day, zero days included) per (site_id, product_id) over the window,
    and the first three moments of the units per order line (``line_units_m1..m3``).

    ``customer_site`` maps customer_id → serving site_id; customers not in it are ignored.
    """
    lines, end = _window(dataset, window_days)
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
    _check_fill_rate(fill_rate, where)
    _check(order_cost_cny >= 0, "order_cost_cny", "a number >= 0", order_cost_cny, where)
    _check(
        holding_rate_per_year > 0,
        "holding_rate_per_year",
        "a number > 0, e.g. 0.25",
        holding_rate_per_year,
        where,
    )
    sites = dataset.tables["sites"].set_index("site_id")
    unknown = [s for s in sites_open if s not in sites.index]
    _check(not unknown, "sites_open", "site ids of the sites table", unknown, where)
    classes = abc_xyz(dataset)
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
                pol = sQ_policy_fill_rate(mu, sd, lead, lead_time_sd_days, q, fill_rate,
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
                pol = RS_policy_fill_rate(
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
