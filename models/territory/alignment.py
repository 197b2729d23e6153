"""Balanced sales territory alignment with a proven lower bound.

Each unit (account or district) goes to one rep; every rep's workload must lie within
[(1 − balance), (1 + balance)] × total workload / reps. Minimise the distance of units to
their rep's base (km), as in Hess et al. 1965 (Operations Research 13:998-1006) and Zoltners &
Sinha 2005 (Marketing Science 24:313-331), or the workload moved away from today's alignment
(disruption), optionally under a cap on disruption. The model is a generalized assignment
problem with lower and upper load limits (Martello & Toth 1990, "Knapsack Problems", ch. 7);
the method is in :mod:`models.territory.alignment_core`, the bounds in
:mod:`models.territory.alignment_bounds`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from data.problems import N_, InputError, Problem
from models.territory.alignment_bounds import GapProblem, disruption_bound, relative_gap
from models.territory.alignment_core import Outcome, solve

SOURCE = "align_territories"
OBJECTIVES = ("distance", "disruption")


@dataclass(frozen=True)
class Alignment:
    """Result of :func:`align_territories`.

    ``assignment`` rep index per unit (-1 everywhere when there is no solution);
    ``objective`` km or workload moved (nan without a solution); ``bound`` a proven lower
    bound on the optimum (inf when infeasible); ``gap`` (objective − bound) / objective;
    ``status`` "optimal" (gap ≤ 1e-9), "time_limit" or "infeasible"; ``loads`` workload per
    rep; ``disruption`` workload whose rep differs from ``current`` (0 without it).
    """

    assignment: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    loads: np.ndarray
    disruption: float
    seconds: float
    method: str
    message: str


def _problem(field: str, expected: str, found: object) -> InputError:
    return InputError(Problem(SOURCE, field, expected, repr(found)))


def _float_array(value, field: str, ndim: int) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise _problem(field, f"a numeric {ndim}-d array", type(value).__name__) from exc
    if arr.ndim != ndim:
        raise _problem(field, f"a {ndim}-d array", f"shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise _problem(field, "finite values (no NaN or inf)", int((~np.isfinite(arr)).sum()))
    if (arr < 0).any():
        raise _problem(field, "values ≥ 0", float(arr.min()))
    return arr


def validate(workload, distance, balance, current, max_disruption, objective, time_limit_s):
    """Checked arrays (workload, distance, current or None); raises InputError on bad input."""
    w = _float_array(workload, "workload", 1)
    d = _float_array(distance, "distance", 2)
    if w.size == 0:
        raise _problem("workload", "at least one unit", 0)
    if d.shape[0] != w.size or d.shape[1] < 1:
        raise _problem("distance", f"shape ({w.size}, reps ≥ 1)", f"shape {d.shape}")
    if not isinstance(balance, (int, float)) or not (0.0 <= float(balance) < 1.0):
        raise _problem("balance", "a number in [0, 1)", balance)
    if objective not in OBJECTIVES:
        raise _problem("objective", " or ".join(OBJECTIVES), objective)
    if (not isinstance(time_limit_s, (int, float)) or not math.isfinite(time_limit_s)
            or time_limit_s <= 0):
        raise _problem("time_limit_s", "a number of seconds > 0", time_limit_s)
    cur = None
    if current is not None:
        c = np.asarray(current)
        if c.shape != w.shape:
            raise _problem("current", f"one rep index per unit, shape {w.shape}", c.shape)
        if c.dtype.kind == "f" and np.all(np.isfinite(c)) and np.all(c == np.round(c)):
            c = c.astype(np.int64)
        if c.dtype.kind not in "iu":
            raise _problem("current", "integer rep indices", str(c.dtype))
        if (c < 0).any() or (c >= d.shape[1]).any():
            bad = c[(c < 0) | (c >= d.shape[1])][0]
            raise _problem("current", f"rep indices in 0..{d.shape[1] - 1}", int(bad))
        cur = c.astype(np.int64)
    if objective == "disruption" and cur is None:
        raise _problem("current", "today's rep per unit when objective='disruption'", None)
    if max_disruption is not None:
        if cur is None:
            raise _problem("current", "today's rep per unit when max_disruption is set", None)
        if (not isinstance(max_disruption, (int, float)) or not math.isfinite(max_disruption)
                or max_disruption < 0):
            raise _problem("max_disruption", "a workload amount ≥ 0", max_disruption)
    return w, d, cur


def load_limits(workload: np.ndarray, reps: int, balance: float) -> tuple[float, float]:
    """(lower, upper) workload per rep: (1 ∓ balance) × total / reps."""
    mean = float(workload.sum()) / reps
    return (1.0 - balance) * mean, (1.0 + balance) * mean


def align_territories(
    workload,
    distance,
    *,
    balance: float = 0.15,
    current=None,
    max_disruption: float | None = None,
    objective: str = "distance",
    time_limit_s: float = 60.0,
) -> Alignment:
    """Assign every unit to one rep within the balance limits; see the module docstring.

    ``workload`` (n,) per unit, ≥ 0 (e.g. calls/year); ``distance`` (n × reps) km from each unit
    to each rep's base; ``current`` (n,) today's rep index; ``max_disruption`` the most workload
    that may change rep; ``time_limit_s`` wall seconds.
    """
    t0 = time.perf_counter()
    w, d, cur = validate(workload, distance, balance, current, max_disruption, objective,
                         time_limit_s)
    n, m = d.shape
    lower, upper = load_limits(w, m, float(balance))
    lo, up = np.full(m, lower), np.full(m, upper)
    tol = 1e-9 * max(upper, 1.0)
    heavy = np.flatnonzero(w > upper + tol)
    if heavy.size:
        msg = N_("unit {unit} has workload {workload}, above the upper balance limit {upper} "
                 "per rep", unit=int(heavy[0]), workload=f"{w[heavy[0]]:.6g}",
                 upper=f"{upper:.6g}")
        return _infeasible(n, m, t0, msg)
    if max_disruption is not None:
        need = disruption_bound(w, cur, lo, up)
        if need > max_disruption + tol:
            msg = N_("balancing needs at least {need} workload moved, above the disruption "
                     "cap {cap}", need=f"{need:.6g}", cap=f"{max_disruption:.6g}")
            return _infeasible(n, m, t0, msg)
    moves = np.arange(m)[None, :] != (cur[:, None] if cur is not None else -1)
    cost = w[:, None] * moves if objective == "disruption" else d
    problem = GapProblem(
        cost=cost, weight=np.broadcast_to(w[:, None], (n, m)), lower=lo, upper=up,
        current=cur, moved=w, cap=None if max_disruption is None else float(max_disruption),
        near=d,
    )
    out = solve(problem, float(time_limit_s) - (time.perf_counter() - t0),
                disruption=objective == "disruption")
    return _result(out, w, cur, m, t0)


def _result(out: Outcome, w: np.ndarray, cur, m: int, t0: float) -> Alignment:
    a = out.assignment
    found = (a >= 0).all()
    loads = np.bincount(a, weights=w, minlength=m) if found else np.full(m, np.nan)
    disruption = float(w[a != cur].sum()) if (found and cur is not None) else 0.0
    gap = relative_gap(out.objective, out.bound) if found else np.nan
    return Alignment(
        assignment=a, objective=out.objective, bound=out.bound, gap=gap, status=out.status,
        loads=loads, disruption=disruption, seconds=time.perf_counter() - t0,
        method=out.method, message=out.message,
    )


def _infeasible(n: int, m: int, t0: float, message: str) -> Alignment:
    return Alignment(
        assignment=np.full(n, -1, dtype=np.int64), objective=np.nan, bound=np.inf,
        gap=np.nan, status="infeasible", loads=np.full(m, np.nan), disruption=0.0,
        seconds=time.perf_counter() - t0, method="limits", message=message,
    )
