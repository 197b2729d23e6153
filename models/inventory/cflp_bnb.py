"""Lagrangian branch-and-bound for the multi-source capacitated facility location problem.

After Görtz & Klose (2012, INFORMS J. Comput. 24:597-610, "A simple but usually fast
branch-and-bound algorithm for the capacitated facility location problem"). Relaxing the
demand rows Σ_i x_ij = 1 with multipliers u_j and keeping x_ij ≤ y_i, the capacity rows
Σ_j d_j x_ij ≤ s_i y_i and the aggregate capacity row Σ_i s_i y_i ≥ D gives

    L(u) = Σ_j u_j + min { Σ_i v_i y_i : Σ_i s_i y_i ≥ D, y binary, fixings },
    v_i  = f_i + min { Σ_j (c_ij − u_j) x_ij : Σ_j d_j x_ij ≤ s_i, 0 ≤ x_ij ≤ 1 },

a continuous knapsack per site and a 0-1 (covering) knapsack over sites, solved exactly
(cardinality rule when the free capacities are equal, dynamic programming on integer
capacities divided by their gcd, else its LP relaxation, a weaker but valid bound). L(u) is
maximised by the volume algorithm (Barahona & Anbil 2000, Math. Program. 87:385-399), whose
averaged ȳ guides branching (most fractional ȳ_i). Incumbents: the transportation LP of an
open set (HiGHS, exact) plus a drop/add local search. Depth-first search, children warm-start
from the parent's multipliers, sites fixed by exact Lagrangian penalty tests. A node is pruned
when its bound reaches the incumbent within :data:`PRUNE_REL` (relative), so "optimal" means
a proven relative gap ≤ PRUNE_REL < 1e-6. Only this module and facility_location.py import
HiGHS.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np

from data.problems import N_
from models.inventory.facility_problem import (
    OPTIMALITY_GAP,
    FacilityProblem,
    FacilityResult,
    relative_gap,
)
from models.inventory.highs import new_highs

#: nodes whose bound is within this relative distance of the incumbent are pruned
PRUNE_REL = 5e-7
#: largest dynamic-programming table (items × scaled capacity) for the site knapsack
DP_CELLS = 4_000_000
#: volume chunks at the root and at other nodes
ROOT_CHUNKS = 20
NODE_CHUNKS = 3
#: volume step factor λ: start, cap after ×1.1 on green steps, ×0.66 after RED_STEPS
#: consecutive non-improving steps, reset to the start (from the best point) below the restart
RED_STEPS = 10
LAMBDA_START = 0.1
LAMBDA_MAX = 0.5
LAMBDA_RESTART = 0.01
#: the volume algorithm runs in chunks of CHUNK iterations, each restarted from the best
#: multipliers; the ascent stops when a chunk closes less than STALL_FRACTION of the gap
CHUNK = 100
STALL_FRACTION = 0.02


@dataclass
class _Eval:
    """One evaluation of the Lagrangian subproblem at multipliers u."""

    value: float
    y: np.ndarray  # (m,) site choice, in [0, 1] (fractional only with the LP knapsack)
    g: np.ndarray  # (n,) subgradient 1 − Σ_i y_i x_ij
    v: np.ndarray  # (m,) site values (inf for closed sites)
    exact: bool  # site knapsack solved exactly


@dataclass
class _Node:
    fixed: np.ndarray  # int8: -1 free, 0 closed, 1 open
    u: np.ndarray
    bound: float
    depth: int


@dataclass
class _Stats:
    nodes: int = 0
    lp_calls: int = 0
    iterations: int = 0
    root_bound: float = -np.inf
    root_seconds: float = 0.0


def cover_knapsack(
    v: np.ndarray, s: np.ndarray, need: float, fixed: np.ndarray
) -> tuple[float, np.ndarray, bool]:
    """min Σ v_i y_i s.t. Σ s_i y_i ≥ need, y_i = fixed_i where fixed_i ≥ 0, y binary.

    Returns (value, y, exact); value is inf when no choice meets ``need``. When the free
    capacities are neither equal nor integral enough for the DP, returns the LP relaxation
    (fractional y, exact=False), which is still a lower bound.
    """
    m = v.shape[0]
    y = np.zeros(m)
    forced = fixed == 1
    free = fixed == -1
    y[forced] = 1.0
    y[free & (v <= 0)] = 1.0
    rest = need - float(s[y > 0].sum())
    value = float(v[y > 0].sum())
    if rest <= 1e-9 * max(need, 1.0):
        return value, y, True
    cand = np.flatnonzero(free & (y == 0))
    if cand.size == 0 or float(s[cand].sum()) < rest * (1 - 1e-12):
        return np.inf, y, True
    sc, vc = s[cand], v[cand]
    if np.all(sc == sc[0]):
        k = math.ceil(rest / sc[0] - 1e-9)
        pick = cand[np.argsort(vc, kind="stable")[:k]]
        y[pick] = 1.0
        return value + float(v[pick].sum()), y, True
    si = np.round(sc)
    if np.all(np.abs(si - sc) <= 1e-9 * np.maximum(sc, 1.0)) and np.all(si > 0):
        g = int(np.gcd.reduce(si.astype(np.int64)))
        w = (si // g).astype(np.int64)
        r_int = math.ceil(rest / g - 1e-9)
        if r_int * cand.size <= DP_CELLS:
            dp = np.full(r_int + 1, np.inf)
            dp[0] = 0.0
            take = np.zeros((cand.size, r_int + 1), dtype=bool)
            idx = np.arange(r_int + 1)
            for k in range(cand.size):
                via = dp[np.maximum(idx - w[k], 0)] + vc[k]
                better = via < dp
                take[k] = better
                dp = np.where(better, via, dp)
            r = r_int
            for k in range(cand.size - 1, -1, -1):
                if take[k, r]:
                    y[cand[k]] = 1.0
                    r = max(r - int(w[k]), 0)
            return value + float(dp[r_int]), y, True
    order = np.argsort(vc / sc, kind="stable")
    for k in order:
        t = min(1.0, rest / sc[k])
        y[cand[k]] = t
        value += t * float(vc[k])
        rest -= t * float(sc[k])
        if rest <= 0:
            break
    return value, y, False


class CflpBranchAndBound:
    """State of one Lagrangian branch-and-bound run on a multi-source capacitated problem."""

    def __init__(self, problem: FacilityProblem, time_limit_s: float) -> None:
        if problem.capacity is None or problem.single_source or problem.p is not None:
            raise ValueError("cflp_bnb handles multi-source capacitated problems without p")
        self.problem = problem
        self.c = np.asarray(problem.cost, dtype=float)
        self.f = np.asarray(problem.fixed_cost, dtype=float)
        self.d = np.asarray(problem.demand, dtype=float)
        self.s = np.asarray(problem.capacity, dtype=float)
        self.m, self.n = self.c.shape
        self.total = float(self.d.sum())
        self.start = time.perf_counter()
        self.deadline = self.start + time_limit_s
        self.ub = np.inf
        self.best_open: np.ndarray | None = None
        self.best_x: np.ndarray | None = None
        self.cache: dict[bytes, float] = {}
        self.pruned_min = np.inf  # smallest bound among discarded subtrees
        self.stats = _Stats()

    # ------------------------------------------------------------------ subproblem
    def evaluate(self, u: np.ndarray, fixed: np.ndarray) -> _Eval:
        """L(u) under the site fixings, with its y and subgradient."""
        rows = np.flatnonzero(fixed != 0)
        rc = self.c[rows] - u
        ri, cj = np.nonzero(rc < 0)
        vals = rc[ri, cj]
        dj = self.d[cj]
        order = np.lexsort((vals / dj, ri))
        ri, cj, vals, dj = ri[order], cj[order], vals[order], dj[order]
        cum = np.cumsum(dj)
        starts = np.searchsorted(ri, np.arange(rows.size))
        base = np.concatenate(([0.0], cum))[starts]
        prev = cum - dj - base[ri]
        frac = np.clip((self.s[rows][ri] - prev) / dj, 0.0, 1.0)
        val = np.bincount(ri, weights=frac * vals, minlength=rows.size)
        v = np.full(self.m, np.inf)
        v[rows] = self.f[rows] + val
        kv = np.where(fixed == 0, 0.0, v)
        value, y, exact = cover_knapsack(kv, self.s, self.total, fixed)
        served = np.bincount(cj, weights=frac * y[rows][ri], minlength=self.n)
        return _Eval(float(u.sum()) + value, y, 1.0 - served, v, exact)

    # ------------------------------------------------------------------ primal side
    def transport(self, open_mask: np.ndarray) -> float:
        """Fixed plus transportation-LP cost of serving all demand from ``open_mask``."""
        key = np.packbits(open_mask).tobytes()
        if key in self.cache:
            return self.cache[key]
        sites = np.flatnonzero(open_mask)
        if float(self.s[sites].sum()) < self.total * (1 - 1e-12):
            self.cache[key] = np.inf
            return np.inf
        k, n = sites.size, self.n
        lp = highspy.HighsLp()
        lp.num_col_ = k * n
        lp.num_row_ = n + k
        lp.col_cost_ = self.c[sites].ravel()
        lp.col_lower_ = np.zeros(k * n)
        lp.col_upper_ = np.ones(k * n)
        lp.row_lower_ = np.concatenate([np.ones(n), np.full(k, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([np.ones(n), self.s[sites]])
        index = np.empty(2 * k * n, dtype=np.int32)
        index[0::2] = np.tile(np.arange(n), k)
        index[1::2] = n + np.repeat(np.arange(k), n)
        value = np.empty(2 * k * n)
        value[0::2] = 1.0
        value[1::2] = np.tile(self.d, k)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, 2 * k * n + 1, 2, dtype=np.int32)
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        lp.a_matrix_.num_col_ = k * n
        lp.a_matrix_.num_row_ = n + k
        h = new_highs()
        h.passModel(lp)
        h.run()
        self.stats.lp_calls += 1
        if h.modelStatusToString(h.getModelStatus()) != "Optimal":
            self.cache[key] = np.inf
            return np.inf
        xs = np.clip(np.asarray(h.getSolution().col_value).reshape(k, n), 0.0, 1.0)
        xs /= xs.sum(axis=0, keepdims=True)
        x = np.zeros((self.m, n))
        x[sites] = xs
        cost = float(self.f[sites].sum() + (self.c * x).sum())
        self.cache[key] = cost
        if cost < self.ub:
            self.ub, self.best_open, self.best_x = cost, open_mask.copy(), x
        return cost

    def complete(self, order_pref: np.ndarray, base: np.ndarray, fixed: np.ndarray) -> np.ndarray:
        """``base`` plus free sites in ``order_pref`` order until capacity covers demand."""
        mask = base.copy()
        mask[fixed == 1] = True
        mask[fixed == 0] = False
        for i in order_pref:
            if float(self.s[mask].sum()) >= self.total:
                break
            if fixed[i] == -1 and not mask[i]:
                mask[i] = True
        return mask

    def local_search(self, fixed: np.ndarray, v: np.ndarray, budget: int) -> None:
        """Drop / add / swap moves from the incumbent, at most ``budget`` transportation LPs."""
        if self.best_open is None:
            return
        improved = True
        while improved and budget > 0 and time.perf_counter() < self.deadline:
            improved = False
            cur, cur_cost = self.best_open.copy(), self.ub
            load = self.best_x @ self.d if self.best_x is not None else np.zeros(self.m)
            opened = np.flatnonzero(cur & (fixed != 1))
            # drop: least-loaded per fixed cost first
            for i in opened[np.argsort(load[opened] / np.maximum(self.f[opened], 1e-9))]:
                trial = cur.copy()
                trial[i] = False
                if float(self.s[trial].sum()) < self.total or budget <= 0:
                    continue
                budget -= 1
                if self.transport(trial) < cur_cost * (1 - 1e-12):
                    improved = True
                    break
            if improved:
                continue
            closed = np.flatnonzero(~cur & (fixed != 0))
            for i in closed[np.argsort(v[closed])][:5]:
                if budget <= 0:
                    break
                trial = cur.copy()
                trial[i] = True
                budget -= 1
                if self.transport(trial) < cur_cost * (1 - 1e-12):
                    improved = True
                    break
                # swap: open i, close the least useful open site
                worst = opened[np.argmin(load[opened])] if opened.size else -1
                if worst >= 0 and budget > 0:
                    trial[worst] = False
                    budget -= 1
                    if self.transport(trial) < cur_cost * (1 - 1e-12):
                        improved = True
                        break

    # ------------------------------------------------------------------ dual side
    def volume(self, u0: np.ndarray, fixed: np.ndarray, max_iter: int) -> tuple:
        """Volume algorithm from ``u0``; returns (best bound, best u, ȳ, eval at best u)."""
        u_bar = u0.copy()
        ev = self.evaluate(u_bar, fixed)
        best = ev
        z_bar = ev.value
        g_bar = ev.g.copy()
        y_bar = ev.y.copy()
        lam, alpha_max = LAMBDA_START, 0.1
        red = 0
        for _ in range(max_iter):
            if z_bar >= self.ub * (1 - PRUNE_REL) or time.perf_counter() > self.deadline:
                break
            norm = float(g_bar @ g_bar)
            if norm <= 1e-12:
                break
            target = self.ub if np.isfinite(self.ub) else z_bar + 0.05 * abs(z_bar) + 1.0
            step = lam * max(target - z_bar, 1e-9 * abs(z_bar)) / norm
            u = u_bar + step * g_bar
            ev = self.evaluate(u, fixed)
            self.stats.iterations += 1
            diff = ev.g - g_bar
            dd = float(diff @ diff)
            a = alpha_max if dd <= 0 else float(-(g_bar @ diff) / dd)
            a = min(max(a, alpha_max / 10), alpha_max)
            g_bar = a * ev.g + (1 - a) * g_bar
            y_bar = a * ev.y + (1 - a) * y_bar
            if ev.value > z_bar:
                if float(ev.g @ g_bar) >= 0:
                    lam = min(lam * 1.1, LAMBDA_MAX)
                u_bar, z_bar, best, red = u, ev.value, ev, 0
            else:
                red += 1
                if red >= RED_STEPS:
                    lam *= 0.66
                    red = 0
                    if lam < LAMBDA_RESTART:  # restart from the best point
                        lam, g_bar = LAMBDA_START, best.g.copy()
        return z_bar, u_bar, y_bar, best

    def ascent(self, u: np.ndarray, fixed: np.ndarray, chunks: int, root: bool) -> tuple:
        """Volume algorithm in restarted chunks while they still close the gap."""
        z_prev = -np.inf
        for k in range(chunks):
            z, u, y_bar, ev = self.volume(u, fixed, CHUNK)
            if not np.isfinite(z) or z >= self.ub * (1 - PRUNE_REL):
                break
            if time.perf_counter() > self.deadline:
                break
            if root:
                self.heuristic(fixed, y_bar, ev)
            if k > 0 and z - z_prev < STALL_FRACTION * (self.ub - z):
                break
            z_prev = z
        return z, u, y_bar, ev

    def penalties(self, u: np.ndarray, fixed: np.ndarray, ev: _Eval) -> np.ndarray:
        """Fix free sites whose opposite value proves a bound ≥ the incumbent (new fixings)."""
        out = fixed.copy()
        if not np.isfinite(self.ub) or not ev.exact:
            return out
        kv = np.where(fixed == 0, 0.0, ev.v)
        usum = float(u.sum())
        cut = self.ub * (1 - PRUNE_REL)
        for i in np.flatnonzero(fixed == -1):
            trial = fixed.copy()
            trial[i] = 0 if ev.y[i] > 0.5 else 1
            val, _, exact = cover_knapsack(np.where(trial == 0, 0.0, kv), self.s, self.total, trial)
            bound = usum + val
            if exact and bound >= cut:
                out[i] = 1 - trial[i]
                self.pruned_min = min(self.pruned_min, bound)
        return out

    # ------------------------------------------------------------------ search
    def heuristic(self, fixed: np.ndarray, y_bar: np.ndarray, ev: _Eval) -> None:
        pref = np.lexsort((ev.v, -y_bar))
        self.transport(self.complete(pref, ev.y > 0.5, fixed))
        self.transport(self.complete(pref, y_bar > 0.5, fixed))

    def initial_multipliers(self) -> np.ndarray:
        srt = np.sort(self.c, axis=0)
        return srt[min(1, self.m - 1)].copy()

    def run(self) -> FacilityResult:
        fixed0 = np.full(self.m, -1, dtype=np.int8)
        fixed0[list(self.problem.fixed_open)] = 1
        stack = [_Node(fixed0, self.initial_multipliers(), -np.inf, 0)]
        root = True
        while stack:
            if time.perf_counter() > self.deadline:
                break
            node = stack.pop()
            if node.bound >= self.ub * (1 - PRUNE_REL):
                self.pruned_min = min(self.pruned_min, node.bound)
                continue
            self.stats.nodes += 1
            fixed = node.fixed
            if not (fixed == -1).any():
                cost = self.transport(fixed == 1)
                self.pruned_min = min(self.pruned_min, cost)
                continue
            if root:  # an incumbent first, so that the step size has a target
                ev0 = self.evaluate(node.u, fixed)
                self.heuristic(fixed, ev0.y, ev0)
            z, u, y_bar, ev = self.ascent(node.u, fixed, ROOT_CHUNKS if root else NODE_CHUNKS, root)
            if not np.isfinite(z):
                continue  # infeasible fixing: capacity cannot cover demand
            self.heuristic(fixed, y_bar, ev)
            if root:
                self.local_search(fixed, ev.v, budget=4 * self.m)
                self.stats.root_bound = z
                self.stats.root_seconds = time.perf_counter() - self.start
                root = False
            bound = max(z, node.bound)
            if bound >= self.ub * (1 - PRUNE_REL):
                self.pruned_min = min(self.pruned_min, bound)
                continue
            if time.perf_counter() > self.deadline:
                stack.append(_Node(fixed, u, bound, node.depth))
                break
            fixed = self.penalties(u, fixed, ev)
            free = np.flatnonzero(fixed == -1)
            if free.size == 0:
                stack.append(_Node(fixed, u, bound, node.depth + 1))
                continue
            frac = np.minimum(y_bar[free], 1 - y_bar[free])
            i = int(free[np.argmax(frac)])
            first = 1 if y_bar[i] >= 0.5 else 0
            for val in (1 - first, first):  # pushed last is explored first
                child = fixed.copy()
                child[i] = val
                stack.append(_Node(child, u.copy(), bound, node.depth + 1))
        return self.result(stack)

    def result(self, stack: list[_Node]) -> FacilityResult:
        seconds = time.perf_counter() - self.start
        open_bounds = [nd.bound for nd in stack]
        lower = min([self.pruned_min, *open_bounds]) if open_bounds else self.pruned_min
        extra = {
            "root_bound": self.stats.root_bound,
            "root_seconds": self.stats.root_seconds,
            "volume_iterations": float(self.stats.iterations),
            "transport_lps": float(self.stats.lp_calls),
        }
        if self.best_x is None or self.best_open is None:
            done = not stack
            return FacilityResult.without_solution(
                "infeasible" if done else "time_limit",
                lower_bound=None if done or not np.isfinite(lower) else lower,
                seconds=seconds,
                nodes=self.stats.nodes,
                message=N_("no choice of sites covers demand")
                if done
                else N_("time limit before any solution"),
                method="lagrangian-bnb",
                extra=extra,
            )
        objective = float(self.f[self.best_open].sum() + (self.c * self.best_x).sum())
        lower = min(lower, objective)
        if not np.isfinite(lower):
            lower = None  # stopped before the root bound
        gap = relative_gap(objective, lower)
        proven = gap is not None and gap <= OPTIMALITY_GAP
        return FacilityResult(
            status="optimal" if proven else "feasible",
            objective=objective,
            lower_bound=lower,
            gap=gap,
            open_sites=tuple(int(i) for i in np.flatnonzero(self.best_open)),
            assignment=self.best_x,
            seconds=seconds,
            nodes=self.stats.nodes,
            message=N_("optimality proven") if proven
            else N_("stopped by the time limit; gap {gap}", gap=gap),
            method="lagrangian-bnb",
            extra=extra,
        )


def solve_cflp_bnb(problem: FacilityProblem, time_limit_s: float = 60.0) -> FacilityResult:
    """Multi-source capacitated problem (no p, not single-source) by Lagrangian B&B."""
    return CflpBranchAndBound(problem, time_limit_s).run()
