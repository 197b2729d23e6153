"""Distributors passing on their hospitals' payment delay, and what outside drivers change.

Under the two-invoice system a distributor is paid by public hospitals 120-180 days after its
invoice (about 154 days on average in 2024, Ministry of Commerce drug-distribution report)
and pays the company on a shorter term T. It finances most of the gap and passes a share φ on:

    lateness_d = own_d + φ_level · x_d,   x_d = max(0, H_d − T) · (median size / size_d)^e

with H_d its sales-weighted customers' payment days (public terminals at ``public_days``, the
rest at ``other_days``) and e the size elasticity (a small distributor has less financing).
φ per level is estimated by least squares over the distributors' calibrated lateness; an
outside driver that changes what public hospitals take (direct settlement by the insurance
funds; the 2025 rule that public institutions pay small and medium suppliers within 30 days,
60 by contract) changes each distributor's lateness by φ · Δx_d.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.tables import DISTRIBUTOR_TYPES

#: days from an invoice to the end of its month, on average (monthly settlement then adds the
#: settlement days)
HALF_MONTH_DAYS = 15.2
#: T under today's monthly settlement (month end + 30 days)
TERM_DAYS = HALF_MONTH_DAYS + 30.0


def term_days(settlement_days_after_month_end: float) -> float:
    """T: days from the company's invoice to its due date under monthly settlement, on
    average."""
    return HALF_MONTH_DAYS + settlement_days_after_month_end


def exposure(customers: pd.DataFrame, terminals: pd.DataFrame, flows: pd.DataFrame,
             as_of: pd.Timestamp, months: int = 12) -> pd.DataFrame:
    """Per distributor (index: customer_id): ``level``, yearly sales to terminals over the
    last ``months`` reported months (``sales_cny``) and the share of them sold to public
    terminals (``public_share``; 0 for a distributor with no flow sales)."""
    start = (pd.Timestamp(as_of).to_period("M") - (months - 1)).to_timestamp()
    recent = flows[flows["month"] >= start]
    public = recent["terminal_id"].map(terminals.set_index("terminal_id")["public"])
    sales = recent.groupby("distributor_id")["amount_cny"].sum()
    public_sales = recent[public.to_numpy(dtype=bool)].groupby("distributor_id")[
        "amount_cny"].sum()
    dist = customers[customers["customer_type"].isin(DISTRIBUTOR_TYPES)].set_index(
        "customer_id")
    frame = pd.DataFrame({"level": dist["customer_type"],
                          "sales_cny": sales.reindex(dist.index, fill_value=0.0)
                          * 12.0 / months})
    frame["public_share"] = (public_sales.reindex(dist.index, fill_value=0.0)
                             / frame["sales_cny"].where(frame["sales_cny"] > 0)).fillna(0.0)
    return frame


def customers_days(public_share: np.ndarray, public_days: float | np.ndarray,
                   other_days: float) -> np.ndarray:
    """H: days the distributor's customers take to pay it, sales-weighted."""
    return public_share * public_days + (1.0 - public_share) * other_days


def size_weight(level: np.ndarray, sales: np.ndarray, elasticity: float) -> np.ndarray:
    """(median size of the level / size)^e: how much more a small distributor passes on."""
    out = np.ones(len(sales))
    for lv in np.unique(level):
        mask = (level == lv) & (sales > 0)
        if mask.any():
            out[mask] = (np.median(sales[mask]) / sales[mask]) ** elasticity
    return out


@dataclass(frozen=True)
class PassThrough:
    """φ per level with its standard error, the intercept (own lateness, days) and the number
    of distributors each estimate rests on."""

    phi: dict[str, float]
    phi_se: dict[str, float]
    own_days: dict[str, float]
    distributors: dict[str, int]


def fit_pass_through(level: np.ndarray, lateness_days: np.ndarray,
                     x: np.ndarray) -> PassThrough:
    """Least squares of each distributor's mean lateness on x within each level (weights
    equal); φ is the slope, clipped to [0, 1] (a distributor cannot pass on more than all)."""
    phi, se, own, count = {}, {}, {}, {}
    for lv in np.unique(level):
        m = level == lv
        xs, ys = x[m], lateness_days[m]
        if m.sum() < 3 or np.ptp(xs) == 0:
            continue
        design = np.column_stack([np.ones(m.sum()), xs])
        coef, *_ = np.linalg.lstsq(design, ys, rcond=None)
        resid = ys - design @ coef
        sigma2 = float(resid @ resid) / max(1, m.sum() - 2)
        cov = sigma2 * np.linalg.inv(design.T @ design)
        phi[str(lv)] = float(np.clip(coef[1], 0.0, 1.0))
        se[str(lv)] = float(np.sqrt(cov[1, 1]))
        own[str(lv)] = float(coef[0])
        count[str(lv)] = int(m.sum())
    return PassThrough(phi, se, own, count)


def public_days_under_drivers(public_days: float, *, insured_share: float = 0.0,
                              insurance_days: float = 30.0, sme_compliance: float = 0.0,
                              sme_max_days: float = 60.0) -> tuple[float, float]:
    """Public terminals' payment days under the outside drivers, for a large distributor and
    for a small or medium one (the 2025 rule protects only the latter).

    Direct settlement: the insurance funds pay ``insured_share`` of the sales (procured drugs)
    in ``insurance_days``; the rest as before. The 2025 rule: a share ``sme_compliance`` of
    public institutions keep to ``sme_max_days`` with small and medium suppliers."""
    settled = (1.0 - insured_share) * public_days + insured_share * min(insurance_days,
                                                                        public_days)
    sme = (1.0 - sme_compliance) * settled + sme_compliance * min(settled, sme_max_days)
    return settled, sme


def lateness_change(x_today: np.ndarray, x_new: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Change in each distributor's mean lateness, days: φ · (x_new − x_today)."""
    return phi * (x_new - x_today)


def exposure_x(customers_days_: np.ndarray, weight: np.ndarray,
               term_days: float = TERM_DAYS) -> np.ndarray:
    """x = max(0, H − T) · size weight."""
    return np.maximum(0.0, customers_days_ - term_days) * weight
