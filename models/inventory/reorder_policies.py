"""Textbook single-item inventory models in days and units (docs/stocking.md).

Normal demand over the protection interval: continuous-review (s, Q) and periodic-review
(R, S) for a target fill rate β (type-2 service), the undershoot of lumpy demand below s, the
EOQ for Q, and the square-root law of safety-stock pooling.

References: Silver, Pyke & Peterson, *Inventory Management and Production Planning and
Scheduling*, 3rd ed. (SPP), ch. 7 (individual items with probabilistic demand: σ_L with a
random lead time, the fill-rate rule σ_L G(k) = (1 − β) Q for (s, Q), and (R, S) over the
protection interval R + L); Nahmias, *Production and Operations Analysis*, ch. 4 (EOQ) and
ch. 5 (type-2 service, standard normal loss function); Eppen (1979), Management Science 25(5)
(pooling, square-root law).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

from data.problems import InputError, Problem

DAYS_PER_YEAR = 365.0


def check_parameter(ok: bool, name: str, expected: str, got: object,
                    where: str = "stocking") -> None:
    """Refuse a bad parameter of a stocking function with an ``InputError`` naming it."""
    if not ok:
        raise InputError(
            Problem(where, name, expected, repr(got)),
            f"the {name!r} parameter of {where} is refused",
        )


def standard_normal_loss(k: float | np.ndarray) -> float | np.ndarray:
    """Standard normal loss G(k) = E[(Z − k)⁺] = φ(k) − k (1 − Φ(k)) (Nahmias ch. 5; SPP appendix).

    G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.0085, G(−1) = 1.0833 (tables).
    """
    k_arr = np.asarray(k, dtype=float)
    out = norm.pdf(k_arr) - k_arr * norm.sf(k_arr)
    return float(out) if out.ndim == 0 else out


def inverse_standard_normal_loss(g: float) -> float:
    """The k with G(k) = g (g > 0); G is strictly decreasing from +∞ to 0."""
    check_parameter(
        g > 0 and math.isfinite(g), "g", "a finite number > 0", g, "inverse_standard_normal_loss"
    )
    lo, hi = -max(10.0, 2.0 * g), 10.0
    if g <= standard_normal_loss(hi):  # a fill rate so close to 1 that k > 10: cap it
        return hi
    return float(brentq(lambda x: standard_normal_loss(x) - g, lo, hi, xtol=1e-12))


def safety_stock_normal(z: float, sigma_lt: float) -> float:
    """Safety stock z·σ_L (units) for a safety factor z and sd σ_L of protection-interval demand."""
    check_parameter(sigma_lt >= 0, "sigma_lt", "a number >= 0", sigma_lt, "safety_stock_normal")
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
        check_parameter(
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
    check_parameter(annual_demand >= 0, "annual_demand", "a number >= 0", annual_demand, "eoq")
    check_parameter(order_cost >= 0, "order_cost", "a number >= 0", order_cost, "eoq")
    check_parameter(
        holding_cost_per_unit_year > 0,
        "holding_cost_per_unit_year",
        "a number > 0",
        holding_cost_per_unit_year,
        "eoq",
    )
    return math.sqrt(2.0 * annual_demand * order_cost / holding_cost_per_unit_year)


def check_fill_rate(fill_rate: float, where: str) -> None:
    """Refuse a fill rate outside (0, 1)."""
    check_parameter(0 < fill_rate < 1, "fill_rate", "a fraction in (0, 1), e.g. 0.98", fill_rate,
                    where)


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


def sQ_policy_for_fill_rate(
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
    where = "sQ_policy_for_fill_rate"
    check_fill_rate(fill_rate, where)
    check_parameter(Q > 0, "Q", "a number > 0 (units per order)", Q, where)
    check_parameter(undershoot_mean >= 0 and undershoot_sd >= 0, "undershoot_mean, undershoot_sd",
                    "numbers >= 0 (units)", (undershoot_mean, undershoot_sd), where)
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


def RS_policy_for_fill_rate(
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
    where = "RS_policy_for_fill_rate"
    check_fill_rate(fill_rate, where)
    check_parameter(review_days > 0, "review_days", "a number > 0 (days)", review_days, where)
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
    check_parameter(
        arr.ndim == 1 and bool(np.all(arr >= 0)),
        "sigmas",
        "a list of sds >= 0",
        sigmas,
        "pooling_safety_stock",
    )
    return float(z * arr.sum()), float(z * math.sqrt(float(np.sum(arr**2))))
