"""Maximal covering under a site budget (Church & ReVelle 1974): open at most ``max_sites``
sites (and/or sites whose fixed cost fits ``budget``) so that the most demand lies within
reach — e.g. within D delivery days — of an open site.

    max  Σ_j d_j z_j
    s.t. z_j ≤ Σ_{i : w_ij} y_i      (j is covered only by an open site that reaches it)
         Σ_{i ∉ F} y_i ≤ p,  Σ_{i ∉ F} f_i y_i ≤ B,  y_i = 1 for i ∈ F (fixed open)
         y binary, 0 ≤ z ≤ 1

For fixed y the best z is min(1, Σ w_ij y_i) ∈ {0, 1}, so z may stay continuous. Solved by
HiGHS from arrays; "optimal" only when HiGHS's bound proves the covered demand within
:data:`~models.inventory.facility_problem.OPTIMALITY_GAP`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from data.problems import N_, InputError, Problem
from models.inventory.facility_problem import OPTIMALITY_GAP
from models.inventory.highs import new_mip_highs


@dataclass(frozen=True)
class CoveringResult:
    """Open sites, demand covered (units and share of all demand), HiGHS's upper bound on the
    coverable demand, the relative gap (bound − covered) / bound, and status."""

    status: str                # optimal / feasible / infeasible / time_limit
    open_sites: tuple[int, ...]
    covered: np.ndarray        # bool per customer
    covered_demand: float
    covered_share: float
    upper_bound: float | None
    gap: float | None
    seconds: float
    message: str


def maximal_covering(demand: np.ndarray, within: np.ndarray, *, max_sites: int | None = None,
                     fixed_cost: np.ndarray | None = None, budget: float | None = None,
                     fixed_open: tuple[int, ...] = (),
                     time_limit_s: float = 60.0) -> CoveringResult:
    """Maximal covering: ``demand`` (n,) units, ``within`` (m, n) bool (site i reaches customer
    j), at most ``max_sites`` sites besides ``fixed_open``, their ``fixed_cost`` (m,) summing to
    at most ``budget``. At least one of ``max_sites`` and ``budget`` must be given."""
    start = time.perf_counter()
    d = np.asarray(demand, dtype=float)
    w = np.asarray(within, dtype=bool)
    m, n = w.shape
    _check(d, w, max_sites, fixed_cost, budget, fixed_open)
    free = np.ones(m, dtype=bool)
    free[list(fixed_open)] = False
    h = new_mip_highs(time_limit_s)
    inf = highspy.kHighsInf
    lower_y = np.where(free, 0.0, 1.0)
    # columns: y_0..y_{m-1} (binary), z_0..z_{n-1}; HiGHS minimises, so the objective is −d z
    h.addVars(m + n, np.concatenate([lower_y, np.zeros(n)]), np.ones(m + n))
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32),
                            np.full(m, highspy.HighsVarType.kInteger))
    h.changeColsCost(n, np.arange(m, m + n, dtype=np.int32), -d)
    for j in range(n):  # z_j − Σ_{i reaches j} y_i ≤ 0
        sites = np.flatnonzero(w[:, j]).astype(np.int32)
        idx = np.concatenate([[m + j], sites]).astype(np.int32)
        vals = np.concatenate([[1.0], -np.ones(sites.size)])
        h.addRow(-inf, 0.0, idx.size, idx, vals)
    cols = np.flatnonzero(free).astype(np.int32)
    if max_sites is not None:
        h.addRow(-inf, float(max_sites), cols.size, cols, np.ones(cols.size))
    if budget is not None:
        h.addRow(-inf, float(budget), cols.size, cols,
                 np.asarray(fixed_cost, dtype=float)[cols])
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    seconds = time.perf_counter() - start
    if int(info.primal_solution_status) != int(highspy.kSolutionStatusFeasible):
        kind = "infeasible" if status == "Infeasible" else "time_limit"
        return CoveringResult(kind, (), np.zeros(n, dtype=bool), 0.0, 0.0, None, None, seconds,
                              N_("no solution ({status})", status=status))
    y = np.asarray(h.getSolution().col_value)[:m] >= 0.5
    covered = w[y].any(axis=0)  # recomputed from the sites, not read from z
    total = float(covered @ d)
    bound = -float(info.mip_dual_bound)
    upper = max(bound, total) if np.isfinite(bound) else None
    gap = None if upper is None else (upper - total) / max(upper, 1e-12)
    proven = gap is not None and gap <= OPTIMALITY_GAP
    return CoveringResult(
        "optimal" if proven else "feasible", tuple(int(i) for i in np.flatnonzero(y)), covered,
        total, total / float(d.sum()) if d.sum() > 0 else 0.0, upper, gap, seconds,
        N_("optimality proven") if proven
        else N_("stopped by {status}; gap {gap}", status=status, gap=gap))


def _check(d: np.ndarray, w: np.ndarray, max_sites: int | None, fixed_cost: np.ndarray | None,
           budget: float | None, fixed_open: tuple[int, ...]) -> None:
    m, n = w.shape
    problems = []
    if d.shape != (n,) or not np.all(np.isfinite(d)) or np.any(d < 0):
        problems.append(Problem("maximal_covering", "demand", f"{n} finite numbers >= 0",
                                f"shape {d.shape}"))
    if max_sites is None and budget is None:
        problems.append(Problem("maximal_covering", "max_sites, budget",
                                "at least one of them", "neither"))
    if max_sites is not None and max_sites < 0:
        problems.append(Problem("maximal_covering", "max_sites", "an integer >= 0", max_sites))
    if budget is not None and (fixed_cost is None or np.shape(fixed_cost) != (m,)):
        problems.append(Problem("maximal_covering", "fixed_cost",
                                f"{m} numbers (one per site) with a budget", "missing"))
    bad = [i for i in fixed_open if not 0 <= i < m]
    if bad:
        problems.append(Problem("maximal_covering", "fixed_open", f"site indices 0..{m - 1}",
                                bad))
    if problems:
        raise InputError(problems, "maximal covering refused")


def maximal_covering_location(instance, service_days: float, *, max_sites: int | None = None,
                              budget_cny: float | None = None,
                              time_limit_s: float = 60.0) -> CoveringResult:
    """Maximal covering on a national :class:`~models.inventory.network_design.LocationInstance`:
    demand covered within ``service_days`` of transit (calibrated, no noise) by the central DCs
    (always open) and at most ``max_sites`` forward warehouses whose annual fixed cost is at
    most ``budget_cny``."""
    return maximal_covering(
        instance.demand, instance.transit_days <= service_days, max_sites=max_sites,
        fixed_cost=instance.fixed_cost, budget=budget_cny,
        fixed_open=tuple(int(i) for i in np.flatnonzero(instance.central)),
        time_limit_s=time_limit_s)


@dataclass(frozen=True)
class FewestSitesResult:
    """The fewest sites besides the fixed-open ones that put at least a share of demand within
    reach (``n_sites``, ``open_sites`` including the fixed-open ones, the share they cover),
    the share every site together reaches (the most any number of sites can cover), HiGHS's
    lower bound on the count, and status (optimal / feasible / infeasible / time_limit)."""

    status: str
    n_sites: int | None
    open_sites: tuple[int, ...]
    covered_share: float
    reachable_share: float
    lower_bound: int | None
    seconds: float
    message: str


def fewest_sites(demand: np.ndarray, within: np.ndarray, share: float, *,
                 fixed_open: tuple[int, ...] = (),
                 time_limit_s: float = 60.0) -> FewestSitesResult:
    """Partial set covering: the fewest sites besides ``fixed_open`` such that at least
    ``share`` of all ``demand`` (n,) lies within reach (``within`` (m, n) bool) of an open site
    (the set-covering model of Toregas et al. 1971 with the share row of Church & ReVelle's
    maximal covering in place of "every customer").

        min  Σ_{i ∉ F} y_i
        s.t. z_j ≤ Σ_{i : w_ij} y_i,  Σ_j d_j z_j ≥ share · Σ_j d_j,  y_i = 1 for i ∈ F
             y binary, 0 ≤ z ≤ 1

    "infeasible" (without a solve) when even every site together reaches less than ``share``.
    """
    start = time.perf_counter()
    d = np.asarray(demand, dtype=float)
    w = np.asarray(within, dtype=bool)
    m, n = w.shape
    _check(d, w, m, None, None, fixed_open)
    if not 0 < share <= 1:
        raise InputError([Problem("fewest_sites", "share", "a share in (0, 1]", share)],
                         "fewest sites refused")
    total = float(d.sum())
    reachable = float(d[w.any(axis=0)].sum()) / total if total > 0 else 1.0
    # the share row's tolerance is the location model's (network_design._side_rows)
    needed = share * total * (1 - 1e-9)
    if reachable * total < needed:
        return FewestSitesResult(
            "infeasible", None, (), 0.0, reachable, None, time.perf_counter() - start,
            N_("every site together reaches {reachable} of demand, less than {share}",
               reachable=f"{reachable:.1%}", share=f"{share:.1%}"))
    free = np.ones(m, dtype=bool)
    free[list(fixed_open)] = False
    h = new_mip_highs(time_limit_s)
    inf = highspy.kHighsInf
    h.addVars(m + n, np.concatenate([np.where(free, 0.0, 1.0), np.zeros(n)]), np.ones(m + n))
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32),
                            np.full(m, highspy.HighsVarType.kInteger))
    h.changeColsCost(m, np.arange(m, dtype=np.int32), free.astype(float))
    for j in range(n):  # z_j − Σ_{i reaches j} y_i ≤ 0
        sites = np.flatnonzero(w[:, j]).astype(np.int32)
        idx = np.concatenate([[m + j], sites]).astype(np.int32)
        h.addRow(-inf, 0.0, idx.size, idx, np.concatenate([[1.0], -np.ones(sites.size)]))
    h.addRow(needed, inf, n, np.arange(m, m + n, dtype=np.int32), d)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    seconds = time.perf_counter() - start
    if int(info.primal_solution_status) != int(highspy.kSolutionStatusFeasible):
        return FewestSitesResult("time_limit", None, (), 0.0, reachable, None, seconds,
                                 N_("no solution ({status})", status=status))
    y = np.asarray(h.getSolution().col_value)[:m] >= 0.5
    covered = float(d[w[y].any(axis=0)].sum()) / total if total > 0 else 1.0
    count = int((y & free).sum())
    bound = float(info.mip_dual_bound)
    # the count is an integer: a bound above count − 1 proves it
    lower = min(int(np.ceil(bound - 1e-6)), count) if np.isfinite(bound) else None
    proven = lower == count
    return FewestSitesResult(
        "optimal" if proven else "feasible", count, tuple(int(i) for i in np.flatnonzero(y)),
        covered, reachable, lower, seconds,
        N_("optimality proven") if proven
        else N_("stopped by {status}; at least {lower}", status=status, lower=lower))


def fewest_sites_location(instance, service_days: float, share: float, *,
                          time_limit_s: float = 60.0) -> FewestSitesResult:
    """:func:`fewest_sites` on a national
    :class:`~models.inventory.network_design.LocationInstance`: the fewest forward warehouses
    that, with the central DCs (always open), put ``share`` of demand within ``service_days``
    of transit (calibrated, no noise)."""
    return fewest_sites(
        instance.demand, instance.transit_days <= service_days, share,
        fixed_open=tuple(int(i) for i in np.flatnonzero(instance.central)),
        time_limit_s=time_limit_s)
