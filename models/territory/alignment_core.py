"""Bound-and-solve driver for territory alignment on :class:`GapProblem` arrays.

1. Candidate pairs: all of them on small cases; else each unit's nearest reps, its current
   rep and its cheapest one. For minimum disruption at scale, only units of reps near an
   out-of-balance rep may move (the others keep their current rep).
2. LP on the candidates, with column generation: pairs whose reduced cost under the LP duals
   is negative are added until none is, so the LP value is the LP bound of the full problem.
   Whatever happens, the bound reported is the Lagrangian value L(y, ν) of the load/cap duals
   evaluated on all pairs, which is valid for any multipliers (alignment_bounds).
3. Incumbent: LP rounding, today's alignment and the nearest-rep alignment, each repaired by
   shift moves and improved by best-improvement shifts.
4. Reduced-cost fixing: a pair whose Lagrangian pair bound reaches the incumbent cannot be in
   a better solution; the remaining pairs go to a HiGHS MILP warm-started from the incumbent.
   Its dual bound holds for the full problem only together with the smallest pair bound of
   the pairs left out: bound = max(L, combinatorial, min(MILP bound, excluded pair bound)).
   Above FULL_PAIRS pairs with an incumbent (minimum distance), the whole MILP is replaced by
   a large-neighbourhood search (exact MILPs over a few neighbouring reps' units in turn);
   the bound is then max(L, combinatorial).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from data.problems import N_
from models.territory.alignment_bounds import (
    GapProblem,
    disruption_bound,
    lagrangian_bound,
    pair_bounds,
    priced_cost,
    relative_gap,
)
from models.territory.alignment_solve import (
    improve,
    is_feasible,
    repair,
    solve_lp,
    solve_milp,
    solve_milp_guarded,
)

#: problems with at most this many unit-rep pairs are modelled on all of them
FULL_PAIRS = 120_000
#: nearest reps per unit in the candidate set of a large problem
NEAREST = 8
#: each rep's nearest units up to this multiple of its upper load limit are candidates
COVER = 3.0
#: most pairs handed to the MILP (beyond, each unit keeps its pairs with the best pair bound;
#: HiGHS did not improve the incumbent in 45 s on 270,000 pairs at national scale)
MAX_MILP_PAIRS = 40_000
#: large-neighbourhood search at scale: reps per neighbourhood, most steps, seconds per step
LNS_GROUP = 6
LNS_STEPS = 100_000
LNS_SECONDS = 3.0
#: rounds of column generation on the LP
PRICING_ROUNDS = 6
#: a result is "optimal" when its relative gap to the proven bound is at most this
OPTIMALITY_GAP = 1e-9


@dataclass(frozen=True)
class Outcome:
    """What the driver found: assignment (-1 where none), objective, bound, status, notes."""

    assignment: np.ndarray
    objective: float
    bound: float
    status: str
    method: str
    message: str


def candidate_pairs(
    problem: GapProblem, disruption: bool, k: int = NEAREST, cover: float = COVER
) -> tuple[np.ndarray, np.ndarray]:
    """Unit and rep index arrays of the pairs first put in the model.

    Unit side: each unit's k nearest reps, cheapest rep and current rep. Rep side: each rep's
    nearest units until their workload reaches ``cover`` × the upper load limit, so that every
    rep can reach its lower limit (without them a remote rep makes the restricted LP
    infeasible).
    """
    n, m = problem.cost.shape
    if n * m <= FULL_PAIRS:
        return np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    k = min(k, m)
    near = np.argpartition(problem.near, k - 1, axis=1)[:, :k]
    movable = np.ones(n, dtype=bool)
    if disruption and problem.current is not None:
        movable = _movable_units(problem, near)
    units = [np.repeat(np.flatnonzero(movable), k), np.arange(n), np.arange(n)]
    reps = [near[movable].ravel(), problem.cost.argmin(axis=1), problem.near.argmin(axis=1)]
    if problem.current is not None:
        units.append(np.arange(n))
        reps.append(problem.current)
    order = np.argsort(problem.near, axis=0)  # (n, m): units by distance, per rep
    for j in range(m):
        w = problem.weight[order[:, j], j]
        count = int(np.searchsorted(np.cumsum(w), cover * problem.upper[j])) + 1
        units.append(order[:count, j])
        reps.append(np.full(min(count, n), j))
    return _unique_pairs(np.concatenate(units), np.concatenate(reps), m)


def _movable_units(problem: GapProblem, near: np.ndarray) -> np.ndarray:
    """Units whose current rep is out of balance or near one that is (for min disruption)."""
    cur = problem.current
    m = problem.cost.shape[1]
    load = np.bincount(cur, weights=problem.moved, minlength=m)
    bad = (load > problem.upper) | (load < problem.lower)
    involved = bad.copy()
    involved[np.unique(near[bad[cur]])] = True  # reps close to the units of unbalanced reps
    return involved[cur]


def _unique_pairs(cu: np.ndarray, cr: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    key = np.unique(cu.astype(np.int64) * m + cr)
    return (key // m).astype(np.int64), (key % m).astype(np.int64)


def _lp_bound(problem, cu, cr, deadline, disruption):
    """Column generation on the LP; returns (pairs, best Lagrangian, its rc, LP x, complete)."""
    n, m = problem.cost.shape
    widen = 1
    best = (-np.inf, None)
    x = None
    infeasible_full = False
    for _ in range(PRICING_ROUNDS):
        status, _, x_lp, dual = solve_lp(problem, cu, cr, deadline - time.perf_counter())
        if status == "Infeasible":
            if cu.size == n * m:
                infeasible_full = True
                break
            widen *= 2  # more reps per unit and more units per rep, all pairs at the end
            if widen * NEAREST >= m:
                cu, cr = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
            else:
                cu, cr = candidate_pairs(problem, disruption, widen * NEAREST, widen * COVER)
            continue
        if dual is None:
            break
        x = (cu, cr, x_lp)
        y = dual[n:n + m]
        nu = -dual[n + m] if problem.cap is not None else 0.0
        for sign in (1.0, -1.0):  # HiGHS's sign convention, checked rather than assumed
            value, rc = lagrangian_bound(problem, sign * y, sign * nu)
            if value > best[0]:
                best = (value, rc)
        rc_full = priced_cost(problem, y, max(nu, 0.0)) - dual[:n, None]
        inset = np.zeros((n, m), dtype=bool)
        inset[cu, cr] = True
        neg = (rc_full < -1e-9 * max(1.0, float(np.abs(problem.cost).max()))) & ~inset
        if not neg.any() or time.perf_counter() > deadline:
            break
        nu_, nr_ = np.nonzero(neg)
        cu, cr = _unique_pairs(np.concatenate([cu, nu_]), np.concatenate([cr, nr_]), m)
    return cu, cr, best, x, infeasible_full


def _incumbent(problem, cu, cr, x, deadline):
    """Best feasible assignment among repaired and improved starting points (or None)."""
    n = problem.cost.shape[0]
    starts = []
    if x is not None:
        xu, xr, xv = x
        order = np.lexsort((-xv, xu))  # per unit, largest x first
        first = np.ones(order.size, dtype=bool)
        first[1:] = xu[order][1:] != xu[order][:-1]
        a = np.full(n, -1, dtype=np.int64)
        a[xu[order][first]] = xr[order][first]
        starts.append(a)
    if problem.current is not None:
        starts.append(problem.current.astype(np.int64))
    starts.append(problem.cost.argmin(axis=1).astype(np.int64))
    best, best_z = None, np.inf
    for a in starts:
        if (a < 0).any() or time.perf_counter() > deadline:
            continue
        r = repair(problem, a, cu, cr, deadline)
        if r is None or not is_feasible(problem, r):
            continue
        r = improve(problem, r, cu, cr, deadline)
        z = float(problem.cost[np.arange(n), r].sum())
        if z < best_z:
            best, best_z = r, z
    return best, best_z


def _lns(problem: GapProblem, a: np.ndarray, cu, cr, deadline: float) -> np.ndarray:
    """Large-neighbourhood search: in turn, the units of a rep and its LNS_GROUP − 1 most
    connected reps (by candidate pairs) are re-assigned among those reps by an exact MILP, the
    rest fixed. Each step keeps every limit, so the result stays feasible."""
    n, m = problem.cost.shape
    co = np.zeros((m, m))
    np.add.at(co, (a[cu], cr), 1.0)
    co[np.arange(m), np.arange(m)] = np.inf  # the seed rep first
    cost = problem.cost
    for step in range(LNS_STEPS):
        if time.perf_counter() > deadline - 0.5:
            break
        reps = np.argsort(-co[step % m])[:min(LNS_GROUP, m)]
        units = np.flatnonzero(np.isin(a, reps))
        pos = np.full(m, -1, dtype=np.int64)
        pos[reps] = np.arange(reps.size)
        cap = None
        if problem.cap is not None:
            outside = ~np.isin(np.arange(n), units) & (a != problem.current)
            cap = problem.cap - float(problem.moved[outside].sum())
        sub = GapProblem(
            cost=cost[np.ix_(units, reps)], weight=problem.weight[np.ix_(units, reps)],
            lower=problem.lower[reps], upper=problem.upper[reps],
            current=None if problem.current is None else pos[problem.current[units]],
            moved=problem.moved[units], cap=cap, near=problem.near[np.ix_(units, reps)],
        )
        k = reps.size
        su, sr = np.repeat(np.arange(units.size), k), np.tile(np.arange(k), units.size)
        left = min(LNS_SECONDS, deadline - 0.5 - time.perf_counter())
        _, b, zb, _ = solve_milp(sub, su, sr, pos[a[units]], left, 1e-9)
        before = float(cost[units, a[units]].sum())
        if b is not None and zb < before - 1e-9 * max(abs(before), 1.0):
            trial = a.copy()
            trial[units] = reps[b]
            if is_feasible(problem, trial):
                a = trial
    return a


def solve(problem: GapProblem, time_limit_s: float, disruption: bool) -> Outcome:
    """Best assignment within the time limit and a lower bound valid for the full problem."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    n, m = problem.cost.shape
    comb = -np.inf
    if disruption and problem.current is not None:
        comb = disruption_bound(problem.moved, problem.current, problem.lower, problem.upper)
    cu, cr = candidate_pairs(problem, disruption)
    cu, cr, (lag, rc), x, infeasible = _lp_bound(problem, cu, cr, t0 + 0.4 * time_limit_s,
                                                   disruption)
    if infeasible:
        return _no_solution("infeasible", np.inf, "lp", problem)
    a, z = _incumbent(problem, cu, cr, x, t0 + 0.55 * time_limit_s)
    method = "lp+lagrangian"
    keep_u, keep_r, excluded = cu, cr, np.inf
    if rc is not None:
        pb = pair_bounds(rc, lag)
        keep = pb < z + 1e-9 * max(abs(z), 1.0) if np.isfinite(z) else np.zeros_like(pb, bool)
        if a is None:
            keep[cu, cr] = True  # no incumbent: the whole candidate set, to find one
        if keep.sum() > MAX_MILP_PAIRS:  # the MILP would not move: each unit's best pairs
            rank = np.argsort(np.argsort(np.where(keep, pb, np.inf), axis=1), axis=1)
            keep &= rank < max(2, MAX_MILP_PAIRS // n)
        if x is not None:
            keep[x[0][x[2] > 1e-6], x[1][x[2] > 1e-6]] = True  # the LP's support
        if a is not None:
            keep[np.arange(n), a] = True
        excluded = float(pb[~keep].min()) if (~keep).any() else np.inf
        keep_u, keep_r = np.nonzero(keep)
    elif cu.size < n * m:
        excluded = -np.inf  # no dual information: the excluded pairs are not bounded
    restricted = -np.inf
    left = deadline - time.perf_counter() - 0.5  # room to collect the result
    gap_now = relative_gap(z, max(lag, comb))
    if n * m > FULL_PAIRS and not disruption and a is not None and gap_now > OPTIMALITY_GAP:
        # at scale the whole MILP stalls (see MAX_MILP_PAIRS); exact MILPs on neighbourhoods.
        # Not for minimum disruption: there the restricted MILP did better (0.6% vs 3.3%)
        a = _lns(problem, a, cu, cr, deadline)
        z = float(problem.cost[np.arange(n), a].sum())
        method += "+lns"
    elif left > 0.05 and gap_now > OPTIMALITY_GAP:
        status, am, zm, bm = solve_milp_guarded(problem, keep_u, keep_r, a, left,
                                                OPTIMALITY_GAP / 10)
        method += "+milp"
        if am is not None and zm < z and is_feasible(problem, am):
            a, z = am, zm
        restricted = bm if status != "Optimal" else min(bm, zm)
        if status == "Infeasible":
            restricted = np.inf
    bound = max(lag, comb, min(restricted, excluded))
    if a is None:
        if np.isinf(bound) and bound > 0:
            return _no_solution("infeasible", np.inf, method, problem)
        return _no_solution("time_limit", bound, method, problem)
    if bool((problem.cost >= 0).all()):
        bound = max(bound, 0.0)  # every objective here is a sum of non-negative terms
    bound = min(bound, z)
    gap = relative_gap(z, bound)
    status = "optimal" if gap <= OPTIMALITY_GAP else "time_limit"
    msg = (N_("optimality proven") if status == "optimal"
           else N_("time limit reached; gap {gap}", gap=f"{gap:.2e}"))
    return Outcome(a, z, bound, status, method, msg)


def _no_solution(status: str, bound: float, method: str, problem: GapProblem) -> Outcome:
    n = problem.cost.shape[0]
    limits = N_("the balance limits")
    if problem.cap is not None:
        limits = N_("the balance limits and the disruption cap together")
    elif (problem.lower > 0).any() and n < problem.cost.shape[1]:
        limits = N_("the balance limits: {units} units cannot give all {reps} reps a workload",
                    units=n, reps=problem.cost.shape[1])
    msg = (N_("no assignment meets {limits}", limits=limits) if status == "infeasible"
           else N_("time limit reached before a feasible assignment"))
    return Outcome(np.full(n, -1, dtype=np.int64), np.nan, bound, status, method, msg)
