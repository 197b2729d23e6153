"""Lower bounds for territory alignment, a generalized assignment problem (GAP) with load limits.

The problem (Martello & Toth 1990, "Knapsack Problems", ch. 7, with a lower load limit as in
Zoltners & Sinha 2005, Marketing Science 24:313-331) is

    min Σ_ij c_ij x_ij  s.t.  Σ_j x_ij = 1 (each unit i),  L_j ≤ Σ_i w_ij x_ij ≤ U_j (each rep j),
                              Σ_i d_i [j ≠ current_i] x_ij ≤ D (optional disruption cap),

x binary. Two bounds, both valid for the whole problem whatever the multipliers:

* the Lagrangian relaxation of the load rows and the cap (Ross & Soland 1975, Math. Program.
  8:91-103): each unit then picks its cheapest rep at the priced cost;
* for minimum disruption, a combinatorial bound: each over-loaded rep must shed a subset of
  its own units of total workload at least its excess, each under-loaded rep must receive at
  least its shortfall, and every moved unit's workload counts once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: largest number of a rep's units whose subset sums are enumerated exactly (2^k sums)
ENUMERATE_UNITS = 16
#: largest integer excess handled by the subset-sum dynamic programme
DP_LIMIT = 2_000_000


@dataclass(frozen=True)
class GapProblem:
    """One alignment instance as arrays (units i = 0..n-1, reps j = 0..m-1).

    ``cost`` (n × m) is what the objective sums (km, or workload moved); ``weight`` (n × m) the
    load a unit puts on a rep (workload units); ``lower``/``upper`` (m,) the load limits;
    ``current`` (n,) today's rep or None; ``moved`` (n,) the disruption of moving each unit
    (its workload); ``cap`` the disruption cap or None; ``near`` (n × m) the distance used to
    choose candidate reps (it does not enter the objective unless it is ``cost``).
    """

    cost: np.ndarray
    weight: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    current: np.ndarray | None
    moved: np.ndarray
    cap: float | None
    near: np.ndarray


def moved_mask(problem: GapProblem) -> np.ndarray:
    """(n × m) bool: assigning unit i to rep j moves it (False everywhere without ``current``)."""
    n, m = problem.cost.shape
    if problem.current is None:
        return np.zeros((n, m), dtype=bool)
    return np.arange(m)[None, :] != problem.current[:, None]


def priced_cost(problem: GapProblem, y: np.ndarray, nu: float) -> np.ndarray:
    """c_ij − y_j w_ij + ν d_i [j ≠ current_i]: the cost of each pair in the Lagrangian (n × m)."""
    rc = problem.cost - problem.weight * y[None, :]
    if nu > 0 and problem.current is not None:
        rc = rc + nu * problem.moved[:, None] * moved_mask(problem)
    return rc


def lagrangian_bound(problem: GapProblem, y: np.ndarray, nu: float) -> tuple[float, np.ndarray]:
    """L(y, ν) ≤ optimum, and the priced costs it used (n × m).

    L = Σ_i min_j rc_ij + Σ_j min(y_j L_j, y_j U_j) − ν D: for a feasible x and any sign of
    y_j, y_j · load_j ≥ min(y_j L_j, y_j U_j), and ν ≥ 0 multiplies a non-positive slack, so
    the relaxed objective never exceeds the true one. Any y is valid; ν is clipped at 0.
    """
    nu = max(float(nu), 0.0) if problem.cap is not None else 0.0
    rc = priced_cost(problem, y, nu)
    value = float(rc.min(axis=1).sum())
    value += float(np.minimum(y * problem.lower, y * problem.upper).sum())
    if problem.cap is not None:
        value -= nu * problem.cap
    return value, rc


def pair_bounds(rc: np.ndarray, value: float) -> np.ndarray:
    """Lower bound (n × m) on every solution with x_ij = 1: L + rc_ij − min_k rc_ik."""
    return value + rc - rc.min(axis=1, keepdims=True)


def min_subset_sum_at_least(w: np.ndarray, need: float) -> float:
    """Smallest sum of a subset of ``w`` (≥ 0) that reaches ``need``, or a lower bound on it.

    Exact when the values are integers (dynamic programme on reachable sums) or few
    (enumeration); otherwise ``need`` itself, which every such subset reaches. inf when even
    the whole set falls short.
    """
    if need <= 0:
        return 0.0
    total = float(w.sum())
    if total < need * (1 - 1e-12):
        return np.inf
    wi = np.round(w)
    if np.all(np.abs(wi - w) <= 1e-9) and need + wi.max() <= DP_LIMIT:
        top = int(np.ceil(need - 1e-9) + wi.max())
        reach = np.zeros(top + 1, dtype=bool)
        reach[0] = True
        for v in wi.astype(np.int64):
            if v > 0:
                reach[v:] |= reach[: top + 1 - v].copy()
        hits = np.flatnonzero(reach[int(np.ceil(need - 1e-9)):])
        return float(hits[0] + int(np.ceil(need - 1e-9))) if hits.size else np.inf
    if w.size <= ENUMERATE_UNITS:
        sums = np.zeros(1)
        for v in w:
            sums = np.concatenate([sums, sums + v])
        ok = sums[sums >= need * (1 - 1e-12)]
        return float(ok.min())
    return float(need)


def disruption_bound(
    workload: np.ndarray, current: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> float:
    """Lower bound on the workload that must move to bring every rep within [L_j, U_j].

    A rep over its upper limit by e_j must send away units of its own with total ≥ e_j (more if
    it also receives); one under its lower limit by s_j must receive ≥ s_j. Moved workload =
    Σ_j sent_j = Σ_j received_j, so it is at least max(Σ_over shed_j, Σ_under s_j), where
    shed_j is the smallest subset sum of rep j's units reaching e_j. inf if a rep cannot shed.
    """
    m = lower.shape[0]
    load = np.bincount(current, weights=workload, minlength=m)
    shed = 0.0
    for j in np.flatnonzero(load > upper * (1 + 1e-12)):
        shed += min_subset_sum_at_least(workload[current == j], float(load[j] - upper[j]))
    short = float(np.maximum(lower - load, 0.0).sum())
    return max(shed, short)


def relative_gap(objective: float, bound: float) -> float:
    """(objective − bound) / |objective|; 0 when they meet, inf without a finite pair."""
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return np.inf
    diff = max(objective - bound, 0.0)
    if diff <= 1e-12 * max(abs(objective), 1.0):
        return 0.0
    return diff / max(abs(objective), 1e-12)
