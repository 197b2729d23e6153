"""New customers in the simulation (docs/territory.md, "New customers"): the open prospects
won over the simulated horizon, and the orders they bring through their distributor.

Each open prospect gets its calls a month (today's, the history's last 12 months' average; or
the call plan's under ``territory.allocation = "optimize"``), made month by month as a Poisson
count (a rep's month varies), and is won in a month with the chance the estimated win curve
gives at that month's calls. Each of :data:`WIN_DRAWS` draws takes its own curve within the
estimate's uncertainty, so the new customers' interval carries both the luck of the month and
what the history cannot tell. A prospect won in month m buys from then on its potential ×
its type's share of potential as a customer; the simulation's demand is per invoiced account,
so its distributor's order rate rises by the new sales averaged over the horizon (the month a
win falls in moves its sales, not the rate's level within the month). Replication r uses draw
r mod :data:`WIN_DRAWS`, as the call plan's lifts do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.dataset import Dataset
from models.territory.response import SegmentResponse
from scenarios.call_planning import calls_a_month
from scenarios.territory_prospects import (
    customer_share,
    prospect_accounts,
    recent_flow_sales,
    win_chance,
    win_response,
)
from scenarios.territory_response import unusable

#: curve and month draws behind the new customers (replication r uses r mod this)
WIN_DRAWS = 64
DAYS_PER_MONTH = 365.25 / 12.0


@dataclass(frozen=True)
class WinEffect:
    """Per draw: prospects won over the horizon, a year (``wins_per_year``), and each invoiced
    account's order-rate multiplier from the new customers it supplies (``rate_draws``, draws
    × accounts, ≥ 1)."""

    wins_per_year: np.ndarray
    rate_draws: np.ndarray


def simulate_wins(calls: np.ndarray, curves: np.ndarray, months: int,
                  rng: np.random.Generator) -> np.ndarray:
    """The month each prospect is won in (draws × prospects; -1: not within ``months``):
    Poisson calls a month at ``calls`` (a mean per prospect), a win with the chance of that
    draw's curve (``curves``: draws × 4) at that month's calls."""
    draws, n = len(curves), len(calls)
    won = np.full((draws, n), -1)
    for m in range(months):
        x = rng.poisson(np.broadcast_to(np.asarray(calls, dtype=float), (draws, n)))
        p = win_chance(x, curves)
        hit = (won < 0) & (rng.random((draws, n)) < p)
        won[hit] = m
    return won


def win_effect(ds: Dataset, customer_ids: np.ndarray, horizon_days: int, seed: int, *,
               planned_calls: pd.Series | None = None, win: SegmentResponse | None = None,
               draws: int = WIN_DRAWS) -> WinEffect | None:
    """New customers over ``horizon_days`` (module docstring) at today's calls on the
    prospects, or ``planned_calls`` (by prospect id) when given; ``win``: the win curve the
    call plan already estimated (estimated here when None); None without prospects or
    without a win curve the history pins down."""
    if "prospects" not in ds.tables or not len(ds["prospects"]):
        return None
    win = win or win_response(ds)
    if win is None or unusable(win):
        return None
    pros = prospect_accounts(ds)
    pros = pros[pros["won_date"].isna()].reset_index(drop=True)
    today = pros["account_id"].map(calls_a_month(ds)).fillna(0.0)
    calls = today if planned_calls is None else pros["account_id"].map(planned_calls).fillna(
        today)
    rng = np.random.default_rng([seed, 20261203])
    curves = win.draw_curves(rng, draws)
    curves[:, 1] = np.minimum(curves[:, 1], 1.0)
    months = max(1, int(round(horizon_days / DAYS_PER_MONTH)))
    won = simulate_wins(calls.to_numpy(), curves, months, rng)
    monthly = pros["potential_cny_month"] * pros["account_type"].map(
        customer_share(ds)).fillna(0.0)
    # the share of the horizon each draw's new customer buys in, times its sales a month
    active = np.where(won >= 0, (months - won - 0.5) / months, 0.0)
    added = active * monthly.to_numpy()[None, :]
    # each invoiced account's terminals' sales a month (0 for an account without flows)
    base = recent_flow_sales(ds, "distributor_id").reindex(pd.Index(customer_ids)).fillna(
        0.0).to_numpy()
    col = pd.Index(customer_ids).get_indexer(pros["distributor_id"])
    keep = col >= 0
    extra = np.zeros((draws, len(customer_ids)))
    np.add.at(extra.T, col[keep], added[:, keep].T)
    rate = 1.0 + np.where(base > 0, extra / np.where(base > 0, base, 1.0), 0.0)
    wins = (won >= 0).sum(axis=1) * 365.25 / (months * DAYS_PER_MONTH)
    return WinEffect(wins, rate)


__all__ = ["WIN_DRAWS", "WinEffect", "simulate_wins", "win_effect"]
