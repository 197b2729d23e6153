"""Lagrangian bound for uncapacitated location (UFL, p-median), by subgradient optimisation.

Relaxing the demand rows Σ_i x_ij = 1 with multipliers u_j leaves, per site, the value
ρ_i = f_i + Σ_j min(0, c_ij − u_j) of opening it, and

    L(u) = Σ_j u_j + min { Σ_i ρ_i y_i : y binary, fixed_open, Σ_i y_i = p if given } ≤ z*

(Cornuéjols, Fisher & Nemhauser 1977, Mgmt Sci 23:789-810; Beasley 1993, EJOR 65:383-399).
Every x_ij = 1 costs at least max(0, c_ij − u_j) more than L(u), which lets the exact model
drop the pairs that cannot be in a solution better than the incumbent. Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.inventory.facility_problem import FacilityProblem


@dataclass(frozen=True)
class LagrangianBound:
    """Best multipliers found, the bound they prove, and the best primal solution seen."""

    lower_bound: float
    multipliers: np.ndarray
    upper_bound: float
    open_sites: tuple[int, ...]
    iterations: int


def _choose_sites(rho: np.ndarray, problem: FacilityProblem) -> np.ndarray:
    """Optimal y of the Lagrangian subproblem given site values ρ (bool mask)."""
    m = rho.shape[0]
    y = np.zeros(m, dtype=bool)
    fixed = list(problem.fixed_open)
    y[fixed] = True
    if problem.p is None:
        y |= rho < 0
    else:
        k = problem.p - len(fixed)
        if k > 0:
            free = np.flatnonzero(~y)
            pick = free[np.argpartition(rho[free], k - 1)[:k]] if k < free.size else free
            y[pick] = True
    return y


def _primal_cost(problem: FacilityProblem, open_mask: np.ndarray) -> float:
    """Cost of opening ``open_mask`` and serving each customer from its cheapest open site."""
    if not open_mask.any():
        return np.inf
    if problem.p is not None and int(open_mask.sum()) != problem.p:
        return np.inf
    return float(problem.fixed_cost[open_mask].sum() + problem.cost[open_mask].min(axis=0).sum())


def local_search(problem: FacilityProblem, open_mask: np.ndarray) -> tuple[np.ndarray, float]:
    """Best-improvement add / drop / swap search (Teitz & Bart 1968) from ``open_mask``.

    Uncapacitated only; keeps ``fixed_open`` open and exactly p open when p is given.
    Returns the local optimum (bool mask) and its cost.
    """
    c, f = problem.cost, problem.fixed_cost
    m = c.shape[0]
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[list(problem.fixed_open)] = True
    s_mask = open_mask.copy()
    cost = _primal_cost(problem, s_mask)
    for _ in range(10 * m):
        opened = np.flatnonzero(s_mask)
        sub = c[opened]
        order = np.argsort(sub, axis=0)
        best = sub[order[0], np.arange(c.shape[1])]
        second = (
            sub[order[1], np.arange(c.shape[1])] if opened.size > 1 else np.full_like(best, np.inf)
        )
        best_site = opened[order[0]]
        gain = np.minimum(c - best, 0.0)  # (m, n) saving of adding each site
        best_delta, best_move = -1e-9 * max(abs(cost), 1.0), None
        if problem.p is None:
            add = f + gain.sum(axis=1)
            add[s_mask] = np.inf
            a = int(np.argmin(add))
            if add[a] < best_delta:
                best_delta, best_move = float(add[a]), (None, a)
        for r in opened:
            if is_fixed[r]:
                continue
            mine = best_site == r
            base = np.where(mine, second, best)  # cheapest remaining cost after dropping r
            if problem.p is None and opened.size > 1:
                drop = float(-f[r] + (base - best).sum())
                if drop < best_delta:
                    best_delta, best_move = drop, (int(r), None)
            swap = f - f[r] + (np.minimum(c, base) - best).sum(axis=1)
            swap[s_mask] = np.inf
            a = int(np.argmin(swap))
            if swap[a] < best_delta:
                best_delta, best_move = float(swap[a]), (int(r), a)
        if best_move is None:
            break
        r_out, a_in = best_move
        if r_out is not None:
            s_mask[r_out] = False
        if a_in is not None:
            s_mask[a_in] = True
        cost = _primal_cost(problem, s_mask)
    return s_mask, cost


def uncapacitated_lagrangian(
    problem: FacilityProblem, max_iterations: int = 600, rel_tol: float = 1e-7
) -> LagrangianBound:
    """Subgradient optimisation of L(u) (Held, Wolfe & Crowder 1974 step rule).

    Requires ``problem.capacity is None``. Costs in currency; returns a valid lower bound
    whatever the number of iterations.
    """
    if problem.capacity is not None:
        raise ValueError("uncapacitated_lagrangian needs capacity=None")
    c = problem.cost
    f = problem.fixed_cost
    u = np.sort(c, axis=0)[min(1, c.shape[0] - 1)]  # second-cheapest cost of each customer
    best_lb, best_u = -np.inf, u.copy()
    best_ub, best_open = np.inf, np.zeros(c.shape[0], dtype=bool)
    step_scale, stall = 2.0, 0
    it = 0
    while it < max_iterations:
        it += 1
        rc = c - u
        neg = np.minimum(rc, 0.0)
        rho = f + neg.sum(axis=1)
        y = _choose_sites(rho, problem)
        lb = float(u.sum() + rho[y].sum())
        if lb > best_lb + 1e-12 * abs(lb):
            best_lb, best_u, stall = lb, u.copy(), 0
        else:
            stall += 1
        trial = y if y.any() else (rho == rho.min())
        ub = _primal_cost(problem, trial)
        if ub < best_ub:
            best_ub, best_open = ub, trial.copy()
        if best_ub - best_lb <= rel_tol * abs(best_ub):
            break
        g = 1.0 - (rc[y] < 0).sum(axis=0)
        norm = float(g @ g)
        if norm == 0.0:
            break  # the subproblem solution is feasible, hence optimal for this u
        if stall >= 20:
            step_scale, stall = step_scale / 2, 0
            if step_scale < 1e-5:
                break
        target = best_ub if np.isfinite(best_ub) else 1.05 * abs(lb) + 1.0
        u = u + step_scale * (target - lb) / norm * g
    if best_open.any():
        best_open, best_ub = local_search(problem, best_open)
    return LagrangianBound(
        lower_bound=best_lb,
        multipliers=best_u,
        upper_bound=best_ub,
        open_sites=tuple(int(i) for i in np.flatnonzero(best_open)),
        iterations=it,
    )


def reduced_support(problem: FacilityProblem, bound: LagrangianBound) -> np.ndarray:
    """Pairs (i, j) that may serve in a solution no worse than ``bound.upper_bound`` (bool m×n).

    A solution with x_ij = 1 costs at least :func:`pair_bounds`; pairs whose bound
    exceeds the incumbent (plus a 1e-9 relative margin) are dropped. Valid for uncapacitated
    problems, which always have an optimal solution with integral x.
    """
    margin = 1e-9 * max(abs(bound.upper_bound), 1.0)
    return pair_bounds(problem, bound.multipliers) <= bound.upper_bound + margin


def pair_bounds(problem: FacilityProblem, u: np.ndarray) -> np.ndarray:
    """Lower bound (m × n, currency) on every solution with x_ij = 1, from multipliers u.

    L(u) + δ_i + max(0, c_ij − u_j); see :func:`site_bounds` for L(u) + δ_i.
    """
    rc = problem.cost - u
    return site_bounds(problem, u)[:, None] + np.maximum(rc, 0.0)


def site_bounds(problem: FacilityProblem, u: np.ndarray) -> np.ndarray:
    """Lower bound (m,, currency) on every solution with y_i = 1, from multipliers u.

    L(u) + δ_i, where δ_i ≥ 0 is the rise of the subproblem when site i is forced open: ρ_i
    for the UFL, ρ_i minus the dearest chosen free site's ρ for p-median (infinite if p leaves
    no free choice). Valid for fractional x too (a Lagrangian bound of the LP).
    """
    rc = problem.cost - u
    rho = problem.fixed_cost + np.minimum(rc, 0.0).sum(axis=1)
    y = _choose_sites(rho, problem)
    lower = float(u.sum() + rho[y].sum())
    delta = np.zeros_like(rho)
    closed = ~y
    if problem.p is None:
        delta[closed] = np.maximum(rho[closed], 0.0)
    else:
        free_chosen = y.copy()
        free_chosen[list(problem.fixed_open)] = False
        if free_chosen.any():
            delta[closed] = np.maximum(rho[closed] - rho[free_chosen].max(), 0.0)
        else:
            delta[closed] = np.inf
    return lower + delta
