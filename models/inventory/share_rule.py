"""Uncapacitated location with a share-of-demand service rule, solved with a proof.

Problem (w_ij = 1 when site i reaches customer j within the service days, D = Σ_j d_j):

    min  Σ_i f_i y_i + Σ_ij c_ij x_ij
    s.t. Σ_i x_ij = 1,  x_ij ≤ y_i,  Σ_ij d_j w_ij x_ij ≥ s·D   (share row),
         fixed_open,  optional rows Σ_i a_i y_i ≤ b (at most p sites, budget).

The share row couples every customer, which leaves HiGHS at a ≈2 % gap on the national
instance. Steps (docs/location.md, "Share rule"):

1. **Lagrangian relaxation of the share row** with one multiplier λ ≥ 0 (CNY per unit):
   g(λ) = UFL(c_ij + λ d_j (1 − w_ij)) − λ (1 − s) D ≤ z*, a UFL solved exactly by
   :func:`solve_facility_location` (its proven lower bound is used). λ is searched by the
   cutting-plane (Kelley) rule on the concave g, at most :data:`MAX_UFL_SOLVES` solves.
2. **Incumbents**: the UFL solutions that meet the share, improved by add / drop / swap
   local search with the exact cost of an open set (:func:`share_cost`: cheapest site for
   every customer, then the cheapest switches to a site within D as a fractional knapsack).
3. **Reduction** that keeps an optimal solution: a pair (i, j) is dropped when a fixed-open
   site k serves j at most as dear and at least as fast (c_kj ≤ c_ij, w_kj ≥ w_ij); a site is
   dropped when the Lagrangian bound of every solution opening it (g(λ) + δ_i with the
   demand-row multipliers of :func:`uncapacitated_lagrangian`) exceeds the incumbent.
4. **Exact MILP** of what is left (strong formulation + share row + side rows) by HiGHS,
   started from the incumbent. Lower bound = max(best g(λ), min(HiGHS bound, smallest bound
   of a dropped site)).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import highspy
import numpy as np

from data.problems import N_
from models.inventory.facility_location import (
    SOLVER_REL_GAP,
    build_facility_model,
    plan_from_columns,
    solve_facility_location,
)
from models.inventory.facility_problem import (
    OPTIMALITY_GAP,
    FacilityProblem,
    FacilityResult,
    relative_gap,
)
from models.inventory.highs import new_mip_highs
from models.inventory.lagrangian import site_bounds, uncapacitated_lagrangian

#: at most this many exact UFL solves in the search for λ
MAX_UFL_SOLVES = 8
#: share of the time limit the λ search may use before the exact MILP starts
LAMBDA_TIME_SHARE = 0.4
#: the λ search stops when g(λ) is within this relative distance of the cutting-plane model
LAMBDA_REL_TOL = 1e-4
#: the share row is relaxed by this relative amount against round-off (as in network_design)
SHARE_SLACK = 1e-9


@dataclass(frozen=True)
class SideRow:
    """A row Σ_i a_i y_i ≤ upper on the site variables (e.g. at most p forward sites)."""

    name: str
    coef: np.ndarray  # (m,)
    upper: float


@dataclass
class _Search:
    """Best bound and incumbent found so far."""

    bound: float = -np.inf
    lam: float = 0.0
    ub: float = np.inf
    best: np.ndarray | None = None  # bool (m,) open set of the incumbent
    ufl_solves: int = 0


def share_cost(
    problem: FacilityProblem, within: np.ndarray, share: float, open_mask: np.ndarray
) -> tuple[float, np.ndarray | None]:
    """Least cost (currency) of serving all demand from ``open_mask`` with the share met.

    Every customer goes to its cheapest open site; if that leaves less than ``share`` of the
    demand within the service days, the customers with the cheapest switch per unit
    ((b_j − a_j)/d_j, b_j = cheapest open site within D) move, the last one in part — the
    exact LP optimum for a fixed open set. Returns (inf, None) when the share is unreachable.
    """
    c, d = problem.cost, problem.demand
    sites = np.flatnonzero(open_mask)
    if sites.size == 0:
        return np.inf, None
    sub = c[sites]
    sub_w = np.where(within[sites], sub, np.inf)
    a_k, b_k = np.argmin(sub, axis=0), np.argmin(sub_w, axis=0)
    cols = np.arange(c.shape[1])
    a, b = sub[a_k, cols], sub_w[b_k, cols]
    free = b <= a  # the cheapest open site is within D already
    take = free.astype(float)
    rest = share * float(d.sum()) * (1 - SHARE_SLACK) - float(d[free].sum())
    if rest > 0:
        cand = np.flatnonzero(~free & np.isfinite(b))
        if float(d[cand].sum()) < rest:
            return np.inf, None
        order = cand[np.argsort((b[cand] - a[cand]) / d[cand], kind="stable")]
        before = np.cumsum(d[order]) - d[order]
        take[order] = np.clip((rest - before) / d[order], 0.0, 1.0)
    x = np.zeros((sites.size, c.shape[1]))
    x[a_k, cols] += 1.0 - take
    x[np.where(take > 0, b_k, a_k), cols] += take
    full = np.zeros_like(c)
    full[sites] = x
    cost = float(problem.fixed_cost[sites].sum() + (sub * x).sum())
    return cost, full


def _rows_ok(rows: list[SideRow], mask: np.ndarray) -> bool:
    return all(float(r.coef[mask].sum()) <= r.upper * (1 + 1e-12) + 1e-9 for r in rows)


def share_local_search(
    problem: FacilityProblem,
    within: np.ndarray,
    share: float,
    open_mask: np.ndarray,
    rows: list[SideRow],
    deadline: float,
) -> tuple[np.ndarray, float]:
    """Best-improvement add / drop / swap search on :func:`share_cost` (keeps fixed_open).

    Returns the local optimum (bool mask) and its cost; moves that break a side row are skipped.
    """
    fixed = np.zeros(problem.n_sites, dtype=bool)
    fixed[list(problem.fixed_open)] = True
    mask = open_mask.copy()
    cost = share_cost(problem, within, share, mask)[0]
    while time.perf_counter() < deadline:
        best_cost, best_mask = cost * (1 - 1e-12), None
        opened = np.flatnonzero(mask & ~fixed)
        for trial in _neighbours(mask, opened):
            if not _rows_ok(rows, trial):
                continue
            value = share_cost(problem, within, share, trial)[0]
            if value < best_cost:
                best_cost, best_mask = value, trial
        if best_mask is None:
            break
        mask, cost = best_mask, best_cost
    return mask, cost


def _neighbours(mask: np.ndarray, opened: np.ndarray):
    """Open sets one add, one drop or one swap away from ``mask`` (drops only of ``opened``)."""
    for r in opened:
        trial = mask.copy()
        trial[r] = False
        yield trial
    for i in np.flatnonzero(~mask):
        trial = mask.copy()
        trial[i] = True
        yield trial
        for r in opened:
            swap = trial.copy()
            swap[r] = False
            yield swap


def undominated_pairs(problem: FacilityProblem, within: np.ndarray) -> np.ndarray:
    """Pairs (i, j) not dominated by a fixed-open site (bool m × n).

    A fixed-open k with c_kj ≤ c_ij and w_kj ≥ w_ij can take over x_ij at no extra cost and no
    loss of share, so some optimal solution leaves (i, j) unused.
    """
    c = problem.cost
    keep = np.ones(c.shape, dtype=bool)
    fixed = list(problem.fixed_open)
    if not fixed:
        return keep
    best_any = c[fixed].min(axis=0)
    best_within = np.where(within[fixed], c[fixed], np.inf).min(axis=0)
    keep = ~np.where(within, c >= best_within, c >= best_any)
    keep[fixed] = True
    return keep


def _penalised(problem: FacilityProblem, within: np.ndarray, lam: float) -> FacilityProblem:
    """The UFL of the share row relaxed with λ: c_ij + λ d_j (1 − w_ij) (kept ≥ 0)."""
    cost = problem.cost + lam * problem.demand[None, :] * ~within
    return FacilityProblem(fixed_cost=problem.fixed_cost, capacity=None, demand=problem.demand,
                           cost=cost, fixed_open=problem.fixed_open,
                           name=f"{problem.name} (share relaxed, λ={lam:.4g})")


def _ufl_point(problem, within, share, lam, search, rows, time_limit_s):
    """Solve the λ-UFL; update bound and incumbent; return (true cost, within units) or None."""
    res = solve_facility_location(_penalised(problem, within, lam), time_limit_s)
    search.ufl_solves += 1
    if res.assignment is None or res.lower_bound is None:
        return None
    total = float(problem.demand.sum())
    g = res.lower_bound - lam * (1 - share) * total
    if g > search.bound:
        search.bound, search.lam = g, lam
    x = res.assignment
    units = float((x * within * problem.demand[None, :]).sum())
    mask = np.zeros(problem.n_sites, dtype=bool)
    mask[list(res.open_sites)] = True
    if _rows_ok(rows, mask):
        value = share_cost(problem, within, share, mask)[0]
        if value < search.ub:
            search.ub, search.best = value, mask
    true_cost = float(problem.fixed_cost[mask].sum() + (problem.cost * x).sum())
    return true_cost, units


def lambda_search(problem, within, share, rows, deadline) -> _Search:
    """Kelley's cutting planes on the concave g(λ); a valid bound whatever the stop."""
    search = _Search()
    need = share * float(problem.demand.sum())
    left = _ufl_point(problem, within, share, 0.0, search, rows, deadline - time.perf_counter())
    if left is None or left[1] >= need:
        return search  # the cheapest plan already meets the share (or no solution at all)
    # λ large enough that the UFL optimum meets the share: start at the median unit cost
    lam = float(np.median(problem.cost.min(axis=0) / problem.demand))
    right = None
    while right is None and search.ufl_solves < MAX_UFL_SOLVES:
        point = _ufl_point(problem, within, share, lam, search, rows, _left(deadline))
        if point is None:
            return search
        if point[1] >= need:
            right = (lam, point)
        else:
            left, lam = point, 2 * lam
    while right is not None and search.ufl_solves < MAX_UFL_SOLVES and _left(deadline) > 0:
        (cost_l, units_l), (cost_r, units_r) = left, right[1]
        if units_r <= units_l:
            break
        lam = (cost_r - cost_l) / (units_r - units_l)  # where the two planes cross
        model = cost_l + lam * (need - units_l)
        point = _ufl_point(problem, within, share, lam, search, rows, _left(deadline))
        if point is None or search.bound >= model - LAMBDA_REL_TOL * abs(model):
            break
        if point[1] >= need:
            right = (lam, point)
        else:
            left = point
    return search


def _left(deadline: float) -> float:
    return max(deadline - time.perf_counter(), 0.0)


def solve_share_rule(
    problem: FacilityProblem,
    within: np.ndarray,
    share: float,
    time_limit_s: float = 60.0,
    rows: list[SideRow] | None = None,
) -> FacilityResult:
    """``problem`` with at least ``share`` of demand served on pairs ``within`` (bool m × n).

    Uncapacitated: steps 1-4 of the module docstring. Capacitated: :func:`_capacitated`.
    Returns a :class:`FacilityResult` with the same status rules as
    :func:`solve_facility_location` ("optimal" only when the gap ≤ 1e-6).
    """
    rows = rows or []
    start = time.perf_counter()
    deadline = start + time_limit_s
    reach = float(problem.demand[within.any(axis=0)].sum())
    if reach < share * float(problem.demand.sum()) * (1 - SHARE_SLACK):
        return FacilityResult.without_solution(
            "infeasible", seconds=time.perf_counter() - start, nodes=0, method="share-rule",
            message=N_("service_share: only {reached} of demand has a candidate within the "
                       "service days < {share}",
                       reached=f"{reach / problem.demand.sum():.4f}", share=share))
    if problem.capacity is not None:
        return _capacitated(problem, within, share, rows, start, deadline)
    search = lambda_search(problem, within, share, rows,
                           start + LAMBDA_TIME_SHARE * time_limit_s)
    if search.best is not None:
        search.best, search.ub = share_local_search(problem, within, share, search.best, rows,
                                                    start + 0.5 * time_limit_s)
    extra = {"share_lambda": search.lam, "share_lagrangian_bound": search.bound,
             "ufl_solves": float(search.ufl_solves), "incumbent_before_milp": search.ub}
    method = "share-lagrangian + reduced highs-milp"
    if search.best is not None and search.bound >= search.ub * (1 - SOLVER_REL_GAP):
        _, x = share_cost(problem, within, share, search.best)
        return _result(problem, search.best, x, search.bound, 0, start, extra,
                       "share-lagrangian", N_("optimality proven by the Lagrangian bound"))
    keep_site, dropped_bound = _site_reduction(problem, within, share, search)
    support = undominated_pairs(problem, within) & keep_site[:, None]
    start_x = None
    if search.best is not None:
        start_x = share_cost(problem, within, share, search.best)[1]
    run = _milp(problem, within, share, rows, support, ~keep_site, start_x, deadline)
    extra |= {"sites_kept": float(keep_site.sum()), "pairs_kept": float(support.sum())}
    bound = max(search.bound, min(run.bound, dropped_bound))
    if run.x is None and search.best is not None:
        run = replace(run, y=search.best, x=start_x)
    return _finish(problem, run, bound, start, extra, method)


def _site_reduction(problem, within, share, search) -> tuple[np.ndarray, float]:
    """Sites whose Lagrangian bound g(λ*) + δ_i stays ≤ the incumbent; smallest dropped bound."""
    keep = np.ones(problem.n_sites, dtype=bool)
    if not (np.isfinite(search.ub) and np.isfinite(search.bound)):
        return keep, np.inf
    lam_problem = _penalised(problem, within, search.lam)
    lag = uncapacitated_lagrangian(lam_problem)
    shift = search.lam * (1 - share) * float(problem.demand.sum())
    bounds = site_bounds(lam_problem, lag.multipliers) - shift
    keep = bounds <= search.ub * (1 + 1e-9)
    keep[list(problem.fixed_open)] = True
    return keep, (float(bounds[~keep].min()) if (~keep).any() else np.inf)


def _capacitated(problem, within, share, rows, start, deadline) -> FacilityResult:
    """Relax the fixed-open sites' capacities (then the pair dominance is valid), solve, check.

    The relaxation R keeps every other capacity. Its HiGHS bound is valid for the problem
    (R is a relaxation, the dominance keeps an optimum of R); if R's plan fits the fixed-open
    capacities it is feasible, else the full strong MILP gets the time left and the better
    of the two bounds is reported.
    """
    total = float(problem.demand.sum())
    cap = np.array(problem.capacity, dtype=float)
    fixed = list(problem.fixed_open)
    cap[fixed] = np.maximum(cap[fixed], total)  # a site never serves more than all demand
    relaxed = replace(problem, capacity=cap, name=problem.name + " (fixed-open uncapacitated)")
    support = undominated_pairs(relaxed, within)
    run = _milp(relaxed, within, share, rows, support, None, None, deadline)
    extra = {"pairs_kept": float(support.sum())}
    method = "share-rule: reduced highs-milp (fixed-open capacity relaxed)"
    if run.x is not None and np.all(run.x @ problem.demand <= problem.capacity * (1 + 1e-9)):
        return _finish(problem, run, run.bound, start, extra, method)
    if run.status == "Infeasible":
        return _finish(problem, run, run.bound, start, extra, method)
    if time.perf_counter() >= deadline:
        out_of_time = replace(run, x=None, y=None, status="Time limit reached")
        return _finish(problem, out_of_time, run.bound, start, extra, method)
    full = _milp(problem, within, share, rows, None, None, None, deadline)
    method = "share-rule: highs-milp (relaxed plan overloads a fixed-open site)"
    return _finish(problem, full, max(full.bound, run.bound), start, extra, method)


@dataclass(frozen=True)
class _Run:
    """What one HiGHS run proved (bound, -inf if none) and found (y, x or None)."""

    status: str
    bound: float
    nodes: int
    y: np.ndarray | None
    x: np.ndarray | None


def _milp(problem, within, share, rows, support, closed, start_x, deadline) -> _Run:
    """Strong MILP on ``support`` + share row + side rows; ``closed`` sites at y = 0."""
    model = build_facility_model(problem, support)
    h = new_mip_highs(_left(deadline))
    h.passModel(model.lp)
    for i in np.flatnonzero(closed) if closed is not None else ():
        h.changeColBounds(int(i), 0.0, 0.0)
    m, n = problem.n_sites, problem.n_customers
    w = np.ravel(within)[model.pairs]
    cols = (m + np.flatnonzero(w)).astype(np.int32)
    need = share * float(problem.demand.sum()) * (1 - SHARE_SLACK)
    h.addRow(need, highspy.kHighsInf, cols.size, cols, problem.demand[model.pairs[w] % n])
    for r in rows:
        idx = np.flatnonzero(r.coef).astype(np.int32)
        h.addRow(-highspy.kHighsInf, r.upper, idx.size, idx, r.coef[idx].astype(float))
    if start_x is not None:
        y0 = (start_x.sum(axis=1) > 0).astype(float)
        y0[list(problem.fixed_open)] = 1.0
        sol = highspy.HighsSolution()
        sol.col_value = list(np.concatenate([y0, np.ravel(start_x)[model.pairs]]))
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    nodes = max(int(info.mip_node_count), 0)
    hb = float(info.mip_dual_bound)
    bound = hb if np.isfinite(hb) else -np.inf
    if int(info.primal_solution_status) != int(highspy.kSolutionStatusFeasible):
        return _Run(status, bound, nodes, None, None)
    y, x = plan_from_columns(h.getSolution().col_value, model.pairs, m, n)
    return _Run(status, bound, nodes, y, x)


def _finish(problem, run: _Run, bound: float, start, extra, method) -> FacilityResult:
    """Result from a run (or the statuses without a solution)."""
    if run.x is None or run.y is None:
        status = {"Infeasible": "infeasible", "Time limit reached": "time_limit"}
        return FacilityResult.without_solution(
            status.get(run.status, "error"), seconds=time.perf_counter() - start,
            lower_bound=bound if np.isfinite(bound) and run.status != "Infeasible" else None,
            nodes=run.nodes, extra=extra, method=method,
            message=(N_("HiGHS proved that no choice of sites meets the share and the side rows")
                     if run.status == "Infeasible"
                     else N_("no solution found ({status})", status=run.status)))
    return _result(problem, run.y, run.x, bound, run.nodes, start, extra, method,
                   N_("HiGHS: {status}", status=run.status))


def _result(problem, y, x, bound, nodes, start, extra, method, note) -> FacilityResult:
    """Read back: objective recomputed from (y, x); status from the proven gap."""
    objective = float(problem.fixed_cost[y].sum() + (problem.cost * x).sum())
    lower = min(bound, objective) if np.isfinite(bound) else None
    gap = relative_gap(objective, lower)
    proven = gap is not None and gap <= OPTIMALITY_GAP
    return FacilityResult(
        status="optimal" if proven else "feasible", objective=objective, lower_bound=lower,
        gap=gap, open_sites=tuple(int(i) for i in np.flatnonzero(y)), assignment=x,
        seconds=time.perf_counter() - start, nodes=nodes,
        message=N_("optimality proven") if proven
        else N_("{note}; gap {gap}", note=note, gap=gap),
        method=method, extra=extra)
