"""HiGHS models and incumbent heuristics for territory alignment on a set of candidate pairs.

A candidate set is two int arrays (unit, rep) of the pairs (columns) the model may use. The
LP/MILP has one row per unit (Σ_j x_ij = 1), one ranged row per rep (L_j ≤ load ≤ U_j) and,
with a cap, one disruption row. The incumbent side rounds the LP and repairs the loads by
shift moves, then improves by shift moves (Martello & Toth 1990, ch. 7.5 style heuristics).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np

from models.inventory.highs import new_highs
from models.territory.alignment_bounds import GapProblem

#: restricted MILPs with at least this many pairs run in a child process that is ended at the
#: deadline (HiGHS can overrun its time limit in root cut separation, callbacks included)
GUARD_PAIRS = 20_000
#: seconds allowed for the child to start and to hand back its result
SPAWN_S = 1.5

#: load slack tolerated as rounding (workload units, relative to the limit)
LOAD_TOL = 1e-9


def build_model(problem: GapProblem, cu: np.ndarray, cr: np.ndarray, integer: bool):
    """HighsLp of the problem restricted to the pairs (cu, cr)."""
    n, m = problem.cost.shape
    k = cu.size
    has_cap = problem.cap is not None
    rows = n + m + (1 if has_cap else 0)
    per = 3 if has_cap else 2
    index = np.empty((k, per), dtype=np.int32)
    value = np.empty((k, per))
    index[:, 0] = cu
    value[:, 0] = 1.0
    index[:, 1] = n + cr
    value[:, 1] = problem.weight[cu, cr]
    if has_cap:
        index[:, 2] = n + m
        value[:, 2] = problem.moved[cu] * (cr != problem.current[cu])
    lp = highspy.HighsLp()
    lp.num_col_ = k
    lp.num_row_ = rows
    lp.col_cost_ = problem.cost[cu, cr].astype(float)
    lp.col_lower_ = np.zeros(k)
    lp.col_upper_ = np.ones(k)
    row_lo = [np.ones(n), problem.lower]
    row_up = [np.ones(n), problem.upper]
    if has_cap:
        row_lo.append(np.array([-highspy.kHighsInf]))
        row_up.append(np.array([float(problem.cap)]))
    lp.row_lower_ = np.concatenate(row_lo)
    lp.row_upper_ = np.concatenate(row_up)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, per * k + 1, per, dtype=np.int32)
    lp.a_matrix_.index_ = index.ravel()
    lp.a_matrix_.value_ = value.ravel()
    lp.a_matrix_.num_col_ = k
    lp.a_matrix_.num_row_ = rows
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * k
    return lp


def solve_lp(problem: GapProblem, cu: np.ndarray, cr: np.ndarray, time_limit_s: float):
    """LP relaxation on the pairs: (status, value, x per pair, row duals)."""
    h = new_highs()
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.1))
    h.passModel(build_model(problem, cu, cr, integer=False))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        return status, np.nan, None, None
    sol = h.getSolution()
    return (status, float(h.getInfo().objective_function_value),
            np.asarray(sol.col_value), np.asarray(sol.row_dual))


def _stop_at(h, deadline: float) -> None:
    """Interrupt HiGHS at ``deadline`` from its simplex and MIP callbacks: its own time limit
    is not checked inside root cut separation, which can run far past it on these rows."""

    def check(event) -> None:
        if time.perf_counter() > deadline:
            event.interrupt()

    h.cbSimplexInterrupt.subscribe(check)
    h.cbMipInterrupt.subscribe(check)


def solve_milp(
    problem: GapProblem, cu: np.ndarray, cr: np.ndarray, start: np.ndarray | None,
    time_limit_s: float, rel_gap: float, save: Path | None = None,
):
    """MILP on the pairs, warm-started from ``start`` (rep per unit, all pairs present).

    Returns (status, assignment or None, objective, dual bound of the restricted problem).
    With ``save``, every improving solution is also written there (pickle), so that a caller
    that ends this process early still gets the best one found.
    """
    h = new_highs()
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.1))
    h.setOptionValue("mip_rel_gap", rel_gap)
    h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("random_seed", 0)
    h.passModel(build_model(problem, cu, cr, integer=True))
    _stop_at(h, time.perf_counter() + float(time_limit_s))
    if save is not None:
        h.cbMipImprovingSolution.subscribe(lambda e: _save(save, problem, cu, cr, e))
    if start is not None:
        # a complete point: a partial one makes HiGHS run a completion sub-MIP first
        sol = highspy.HighsSolution()
        sol.col_value = (start[cu] == cr).astype(float)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    bound = float(info.mip_dual_bound)
    if status == "Infeasible":
        return status, None, np.inf, np.inf
    if info.primal_solution_status < 2:  # no feasible point
        return status, None, np.inf, bound
    x = np.asarray(h.getSolution().col_value)
    n = problem.cost.shape[0]
    a = np.full(n, -1, dtype=np.int64)
    on = x > 0.5
    a[cu[on]] = cr[on]
    if (a < 0).any():
        return status, None, np.inf, bound
    return status, a, float(info.objective_function_value), bound


def _save(path: Path, problem: GapProblem, cu, cr, event) -> None:
    """Write an improving MILP solution as (status, assignment, objective, -inf)."""
    x = np.asarray(event.data_out.mip_solution)
    a = np.full(problem.cost.shape[0], -1, dtype=np.int64)
    on = x > 0.5
    a[cu[on]] = cr[on]
    if (a >= 0).all():
        tmp = path.with_suffix(".part")
        z = float(problem.cost[np.arange(a.size), a].sum())
        tmp.write_bytes(pickle.dumps(("interrupted", a, z, -np.inf)))
        tmp.replace(path)  # atomic: the reader never sees half a file


def solve_milp_guarded(
    problem: GapProblem, cu: np.ndarray, cr: np.ndarray, start: np.ndarray | None,
    time_limit_s: float, rel_gap: float,
):
    """:func:`solve_milp`, in a child process ended at the time limit when the model is large.

    A child that has not answered by then gives ("killed", None, inf, -inf): no solution
    and no bound, so the caller keeps its own incumbent and bounds. The child is a fresh
    interpreter running this module, so the caller's script needs no ``__main__`` guard.
    """
    if cu.size < GUARD_PAIRS:
        return solve_milp(problem, cu, cr, start, time_limit_s, rel_gap)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.pkl", Path(tmp) / "out.pkl"
        args = (problem, cu, cr, start, max(time_limit_s - SPAWN_S, 0.1), rel_gap)
        src.write_bytes(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        proc = subprocess.Popen(
            [sys.executable, "-m", "models.territory.alignment_solve", str(src), str(dst)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            proc.wait(timeout=max(time_limit_s, 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if dst.exists():  # the final result, or the last improving solution if ended early
            return pickle.loads(dst.read_bytes())
    return ("killed", None, np.inf, -np.inf)


def loads(problem: GapProblem, a: np.ndarray) -> np.ndarray:
    m = problem.cost.shape[1]
    return np.bincount(a, weights=problem.weight[np.arange(a.size), a], minlength=m)


def disruption_of(problem: GapProblem, a: np.ndarray) -> float:
    if problem.current is None:
        return 0.0
    return float(problem.moved[a != problem.current].sum())


def is_feasible(problem: GapProblem, a: np.ndarray) -> bool:
    """Every load within its limits (up to LOAD_TOL relative) and the cap respected."""
    ld = loads(problem, a)
    tol = LOAD_TOL * max(float(problem.upper.max()), 1.0)
    if (ld > problem.upper + tol).any() or (ld < problem.lower - tol).any():
        return False
    if problem.cap is not None:
        return disruption_of(problem, a) <= problem.cap + tol
    return True


def _move_ok(problem, a, ld, dis, cu, cr, wcol, tol):
    """Which candidate shifts (unit cu to rep cr) keep both reps and the cap within limits."""
    src = a[cu]
    ok = (cr != src) & (ld[cr] + wcol <= problem.upper[cr] + tol)
    ok &= ld[src] - problem.weight[cu, src] >= problem.lower[src] - tol
    if problem.cap is not None:
        cur = problem.current
        ddis = problem.moved[cu] * ((cr != cur[cu]).astype(float) - (src != cur[cu]))
        ok &= dis + ddis <= problem.cap + tol
    return ok


def repair(problem: GapProblem, a: np.ndarray, cu: np.ndarray, cr: np.ndarray,
           deadline: float, max_moves: int = 20_000) -> np.ndarray | None:
    """Shift units until every load is within its limits; None if stuck.

    Each step takes the rep furthest outside its limits and makes the cheapest shift (cost
    change per unit of load corrected) that reduces its violation without creating another.
    """
    a = a.copy()
    ld = loads(problem, a)
    tol = LOAD_TOL * max(float(problem.upper.max()), 1.0)
    wcol = problem.weight[cu, cr]
    ccol = problem.cost[cu, cr]
    for _ in range(max_moves):
        over = ld - problem.upper
        under = problem.lower - ld
        if max(over.max(), under.max()) <= tol:
            return a
        if time.perf_counter() > deadline:
            return None
        src = a[cu]
        wsrc = problem.weight[cu, src]
        fits = ld[cr] + wcol <= problem.upper[cr] + tol
        if over.max() >= under.max():
            j = int(np.argmax(over))
            cand = (src == j) & (cr != j) & fits
            # prefer moves that do not push j below its lower limit
            spill = np.maximum(problem.lower[j] - (ld[j] - wsrc), 0.0)
        else:
            j = int(np.argmax(under))
            cand = (cr == j) & (src != j) & fits
            spill = np.maximum(problem.lower[src] - (ld[src] - wsrc), 0.0)
        if not cand.any():
            return None
        delta = ccol - problem.cost[cu, src]
        score = delta / np.maximum(wcol, 1e-12) + 1e6 * spill
        pick = np.flatnonzero(cand)[np.argmin(score[cand])]
        i, k = int(cu[pick]), int(cr[pick])
        ld[a[i]] -= problem.weight[i, a[i]]
        ld[k] += problem.weight[i, k]
        a[i] = k
    return None


def improve(problem: GapProblem, a: np.ndarray, cu: np.ndarray, cr: np.ndarray,
            deadline: float, max_moves: int = 50_000) -> np.ndarray:
    """Best-improvement shift search from a feasible ``a`` (stays feasible)."""
    a = a.copy()
    ld = loads(problem, a)
    tol = LOAD_TOL * max(float(problem.upper.max()), 1.0)
    wcol = problem.weight[cu, cr]
    ccol = problem.cost[cu, cr]
    dis = disruption_of(problem, a)
    for _ in range(max_moves):
        if time.perf_counter() > deadline:
            break
        delta = ccol - problem.cost[cu, a[cu]]
        cand = delta < -1e-12 * max(float(np.abs(ccol).max()), 1.0)
        if not cand.any():
            break
        idx = np.flatnonzero(cand)
        ok = _move_ok(problem, a, ld, dis, cu[idx], cr[idx], wcol[idx], tol)
        if not ok.any():
            break
        pick = idx[ok][np.argmin(delta[idx[ok]])]
        i, k = int(cu[pick]), int(cr[pick])
        ld[a[i]] -= problem.weight[i, a[i]]
        ld[k] += problem.weight[i, k]
        a[i] = k
        dis = disruption_of(problem, a)
    return a


if __name__ == "__main__":  # child of solve_milp_guarded: arguments in, result out (pickles)
    _args = pickle.loads(Path(sys.argv[1]).read_bytes())
    _out = Path(sys.argv[2])
    _result = pickle.dumps(solve_milp(*_args, save=_out))
    _out.with_suffix(".part").write_bytes(_result)
    _out.with_suffix(".part").replace(_out)
