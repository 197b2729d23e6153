"""Sales-force size: profit a month against the number of reps, each size re-planned
(docs/territory.md, "Sales-force size").

At each size the reps are spread over the regions in proportion to today's (largest
remainder, at least one a region), each region's calls are its reps × its average rep's
capacity, and the call plan is re-optimized for the region as one pool
(:func:`models.territory.allocate_calls`, proven optimal) with the visit quota scaled to the
calls there are. Pooling a region's calls assumes its territories are realigned to the new
size so that no rep's time is stranded where its accounts are few: the curve is what the
size can earn with a good alignment, an upper bound on any one alignment's plan (today's
alignment at today's size is reported beside it). Profit = margin × sales − the reps' cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.territory.calls import CallPlan, adbudg_sales, allocate_calls
from scenarios.call_planning import CallPlanReport

#: sizes tried, as shares of today's reps
DEFAULT_SHARES = tuple(float(v) for v in np.round(np.arange(0.5, 2.01, 0.1), 2))


def _spread(total: int, weights: pd.Series) -> pd.Series:
    """``total`` reps over the regions in proportion to ``weights``, at least one each."""
    k = len(weights)
    total = max(total, k)
    exact = weights / weights.sum() * (total - k)
    base = np.floor(exact).astype(int)
    short = (total - k) - int(base.sum())
    order = np.argsort(-(exact - base).to_numpy(), kind="stable")
    base.iloc[order[:short]] += 1
    return base + 1


def plan_at_size(report: CallPlanReport, reps: int, *, time_limit_s: float = 30.0
                 ) -> tuple[CallPlan, pd.Series, pd.Series]:
    """The plan with ``reps`` reps spread over the regions, each region's calls pooled
    (module docstring); returns the plan (calls per row of ``report.accounts``, then of
    ``report.prospects``), the reps and the calls a month per region."""
    acc = report.accounts
    reps_table = report.reps.set_index("rep_id")
    region_of = acc["rep_id"].map(reps_table["region"])
    per_region = reps_table.groupby("region")["capacity"].agg(["size", "mean"])
    n = _spread(int(reps), per_region["size"])
    capacity = np.floor(n * per_region["mean"]).astype(np.int64)
    quota = acc["quota_calls"].groupby(region_of).transform("sum")
    scale = np.minimum(1.0, region_of.map(capacity) / quota.where(quota > 0, 1.0))
    low = np.floor(acc["quota_calls"] * scale + 1e-9).astype(np.int64)
    frame = pd.DataFrame({"rep": region_of, "sales_min": acc["sales_min"],
                          "sales_max": acc["sales_max"], "c": acc["c"], "d": acc["d"],
                          "margin": acc["margin"], "min_calls": low,
                          "max_calls": np.maximum(acc["max_calls"], low)})
    pros = report.prospects
    if pros is not None:  # the prospects' win curves compete for the same calls
        frame = pd.concat([frame, pros[["sales_min", "sales_max", "c", "d", "margin",
                                        "min_calls", "max_calls"]].assign(
            rep=pros["rep_id"].map(reps_table["region"]).to_numpy())], ignore_index=True)
    return allocate_calls(frame, capacity.to_dict(), time_limit_s=time_limit_s), n, capacity


def size_curve(report: CallPlanReport, rep_cost_cny_month: float, *,
               shares: tuple[float, ...] = DEFAULT_SHARES,
               time_limit_s: float = 30.0) -> pd.DataFrame:
    """One row per size: reps, calls a month, sales and margin a month (CNY), the reps' cost
    and profit a month (CNY), the plan's status and gap."""
    acc = report.accounts
    rows = []
    for share in shares:
        plan, n, capacity = plan_at_size(report, round(share * len(report.reps)),
                                         time_limit_s=time_limit_s)
        sales = float(adbudg_sales(plan.calls[:len(acc)], acc["sales_min"], acc["sales_max"],
                                   acc["c"], acc["d"]).sum())
        cost = float(n.sum()) * rep_cost_cny_month
        rows.append({"share_of_today": float(share), "reps": int(n.sum()),
                     "calls": int(plan.calls.sum()),
                     "capacity": int(capacity.sum()),
                     "sales_cny_month": sales, "margin_cny_month": plan.objective,
                     "rep_cost_cny_month": cost, "profit_cny_month": plan.objective - cost,
                     "status": plan.status, "gap": plan.gap})
    return pd.DataFrame(rows)


def size_payload(curve: pd.DataFrame, report: CallPlanReport,
                 rep_cost_cny_month: float) -> dict:
    """The curve, its best size and today's size and alignment for comparison."""
    best = curve.loc[curve["profit_cny_month"].idxmax()]
    today_margin = float(report.summary["objective_cny_month"])
    today_reps = len(report.reps)
    return {"rep_cost_cny_month": rep_cost_cny_month,
            "best_reps": int(best["reps"]), "best_profit_cny_month": float(
                best["profit_cny_month"]),
            "today_reps": today_reps,
            "today_alignment_profit_cny_month": today_margin
            - today_reps * rep_cost_cny_month,
            "curve": curve.to_dict(orient="records")}


__all__ = ["DEFAULT_SHARES", "plan_at_size", "size_curve", "size_payload"]
