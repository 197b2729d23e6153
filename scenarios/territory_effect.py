"""The call plan's effect on demand, for the simulation (docs/territory.md, "Into the
simulation").

With ``territory.allocation = "optimize"`` every account reps call on gets the calls the plan
sets (:func:`scenarios.call_planning.plan_calls`; at ``territory.reps`` reps, the plan at that
size, :func:`scenarios.force_size.plan_at_size`), and its sales move along its response curve:
lift = sales(planned calls) / sales(today's calls). The simulation's demand is per invoiced
account, so an account sold to direct takes its own lift and a distributor its terminals',
weighted by their sales at today's calls (its orders replenish what they sell). Invoiced
accounts no call reaches (a distributor without terminals, a type without a usable curve)
keep their rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.dataset import Dataset
from models.territory.calls import adbudg_sales
from models.territory.response import SegmentResponse
from scenarios.field_time import keying_factor
from scenarios.schema import Scenario

#: curve draws behind the simulation's per-replication lifts (replication r uses r mod this)
LIFT_DRAWS = 64


@dataclass(frozen=True)
class CallEffect:
    """Order-rate multipliers per invoiced account (``customer_ids`` order) at the curves'
    estimates, the same under curves drawn within their estimation error relative to those
    (``rate_draws``, draws × accounts, for :class:`simulation.config.DemandPolicy`), and the
    plan's figures (``summary``: status, gap, reps, calls and sales a month today and
    planned, and the entry wait's ``keying_factor`` from the calls a rep makes,
    :mod:`scenarios.field_time`)."""

    lift: np.ndarray
    summary: dict
    rate_draws: np.ndarray | None = None
    #: the plan's calls a month on each open prospect (by id; None: no win curve to plan on)
    prospect_calls: pd.Series | None = None
    #: the win curve the plan estimated (None: not estimable)
    win: SegmentResponse | None = None


def account_lifts(accounts: pd.DataFrame, calls: np.ndarray) -> np.ndarray:
    """Each planned account's sales at ``calls`` over its sales at today's calls
    (``accounts`` row order)."""
    planned = adbudg_sales(calls, accounts["sales_min"], accounts["sales_max"], accounts["c"],
                           accounts["d"])
    today = accounts["sales_today_cny"].to_numpy()
    return np.where(today > 0, np.asarray(planned) / np.where(today > 0, today, 1.0), 1.0)


def customer_lifts(ds: Dataset, accounts: pd.DataFrame, lift: np.ndarray,
                   customer_ids: np.ndarray) -> np.ndarray:
    """Order-rate multiplier per invoiced account from the planned accounts' ``lift``
    (``accounts`` row order; one row per draw when 2-D): its own lift (sold to direct) or its
    terminals' lifts weighted by their sales at today's calls (a distributor); 1 where no
    planned account stands behind it."""
    supplier = ds["terminals"].set_index("terminal_id")["distributor_id"]
    owner = accounts["account_id"].map(supplier).fillna(accounts["account_id"])
    col = pd.Index(customer_ids).get_indexer(owner)
    keep = col >= 0
    weight = accounts["sales_today_cny"].to_numpy(dtype=float)[keep]
    rows = np.atleast_2d(np.asarray(lift, dtype=float))[:, keep]
    total = np.bincount(col[keep], weight, minlength=len(customer_ids))
    weighted = np.zeros((len(rows), len(customer_ids)))
    np.add.at(weighted.T, col[keep], (rows * weight).T)
    out = np.where(total > 0, weighted / np.where(total > 0, total, 1.0), 1.0)
    return out[0] if np.ndim(lift) == 1 else out


def drawn_lifts(accounts: pd.DataFrame, calls: np.ndarray, estimates: dict,
                rng: np.random.Generator, draws: int) -> np.ndarray:
    """Each planned account's lift (draws × accounts, ``accounts`` order) under curves drawn
    from its type's estimate; every account keeps its own level, which cancels in a lift."""
    out = np.ones((draws, len(accounts)))
    planned = np.asarray(calls, dtype=float)
    for segment, rows in accounts.groupby("account_type"):
        curves = estimates[str(segment)].draw_curves(rng, draws)
        idx = accounts.index.get_indexer(rows.index)
        args = (curves[:, [0]], curves[:, [1]], curves[:, [2]], curves[:, [3]])
        new = adbudg_sales(planned[idx][None, :], *args)
        old = adbudg_sales(rows["current_calls"].to_numpy(dtype=float)[None, :], *args)
        out[:, idx] = np.where(old > 0, new / np.where(old > 0, old, 1.0), 1.0)
    return out


def call_effect(ds: Dataset, scenario: Scenario, customer_ids: np.ndarray, *,
                time_limit_s: float = 60.0, draws: int = LIFT_DRAWS) -> CallEffect | None:
    """The plan's multipliers (None under ``allocation = "current"``: today's rates), with
    ``draws`` of them under the curves' uncertainty (seeded by the scenario's seed)."""
    lev = scenario.territory
    if lev.allocation != "optimize":
        return None
    from scenarios.call_planning import calls_a_month, plan_calls
    from scenarios.force_size import plan_at_size
    from scenarios.territory_report import TerritoryContext, doctor_table, visits_due

    doctors = doctor_table(TerritoryContext(scenario, ds))
    report = plan_calls(ds, visits_due(ds, doctors, lev.visit_quota),
                        time_limit_s=time_limit_s,
                        field_days_per_month=lev.field_days_per_month,
                        calls_per_day=lev.calls_per_day)
    acc = report.accounts
    if lev.reps is None or lev.reps == len(report.reps):
        plan, reps = report.plan, len(report.reps)
    else:
        plan, n, _ = plan_at_size(report, lev.reps, time_limit_s=time_limit_s)
        reps = int(n.sum())
    calls = plan.calls[:len(acc)]
    lift = account_lifts(acc, calls)
    planned = float((acc["sales_today_cny"].to_numpy() * lift).sum())
    today = float(acc["sales_today_cny"].sum())
    summary = {"status": plan.status, "gap": plan.gap, "reps": reps,
               "reps_today": len(report.reps), "calls_today": report.summary["calls_today"],
               "calls_planned": int(plan.calls.sum()), "sales_today_cny_month": today,
               "sales_planned_cny_month": planned,
               "uplift_share": planned / today - 1 if today > 0 else float("nan"),
               "accounts_left_out": report.summary["accounts_left_out"]}
    # the reps' calls, which take the time they key in phone and WeChat orders: every call of
    # the visits today, changed by the plan's change (accounts it leaves out keep theirs)
    every = float(calls_a_month(ds).sum())
    summary.update(keying_factor(
        every, len(report.reps), every + summary["calls_planned"] - summary["calls_today"],
        reps, scenario.assumptions.entry_wait_field_elasticity))
    point = customer_lifts(ds, acc, lift, customer_ids)
    rate_draws = None
    if draws and report.estimates:
        per_draw = drawn_lifts(acc.reset_index(drop=True), calls, report.estimates,
                               np.random.default_rng(scenario.seed), draws)
        rate_draws = (customer_lifts(ds, acc, per_draw, customer_ids)
                      / np.where(point > 0, point, 1.0))
    pros = report.prospects
    prospect_calls = (None if pros is None else
                      pd.Series(plan.calls[len(acc):], index=pros["account_id"].to_numpy()))
    return CallEffect(point, summary, rate_draws, prospect_calls, report.win)


__all__ = ["LIFT_DRAWS", "CallEffect", "account_lifts", "call_effect", "customer_lifts",
           "drawn_lifts"]
