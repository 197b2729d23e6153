"""Forward-warehouse location: exact solution of a :class:`FacilityProblem` with HiGHS.

Strong formulation (Beasley 1988, EJOR 33:314-325; Görtz & Klose 2012, INFORMS J. Comput.
24:597-610, eq. (1)-(6)): besides demand and capacity rows it keeps the disaggregated linking
rows ``x_ij ≤ y_i`` and the aggregate capacity cut ``Σ_i s_i y_i ≥ Σ_j d_j``, whose LP bound is
the Lagrangian bound of relaxing the demand rows. HiGHS's branch-and-cut proves the bound; a
result is "optimal" only when that bound and the objective agree within 1e-6 (relative).

Build, solve and read back are separate steps. Large multi-source capacitated problems
without p go to the Lagrangian branch-and-bound of cflp_bnb.py (Görtz & Klose 2012) instead;
only these two modules import HiGHS. See docs/location.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
from scipy.sparse import coo_matrix

from data.problems import N_
from models.inventory.cflp_bnb import solve_cflp_bnb
from models.inventory.facility_problem import (
    OPTIMALITY_GAP,
    FacilityProblem,
    FacilityResult,
    infeasibility_reason,
    relative_gap,
)
from models.inventory.highs import MIP_REL_GAP, new_mip_highs
from models.inventory.lagrangian import (
    pair_bounds,
    reduced_support,
    uncapacitated_lagrangian,
)

#: HiGHS stops at this relative gap; tighter than OPTIMALITY_GAP so that the proof holds after
#: our own re-evaluation of the objective
SOLVER_REL_GAP = MIP_REL_GAP
#: a y value at least this is read as "open"
OPEN_THRESHOLD = 0.5
#: multi-source capacitated problems (no p) with at least this many pairs (i, j) go to the
#: Lagrangian branch-and-bound of cflp_bnb.py; smaller ones (e.g. OR-Library cap41-cap134,
#: ≤ 2,500 pairs, where HiGHS is 1-5x faster) stay with the strong MILP
LAGRANGIAN_BNB_MIN_PAIRS = 10_000
#: HiGHS options for the capacitated strong MILP: on OR-Library cap41-cap134 presolve removes
#: nothing useful but costs time, and the feasibility-jump, RINS and root-reduced-cost
#: heuristics spend much of the root on incumbents that RENS and the cut loop find anyway
#: (cap113: 1.8 s -> 0.5-0.8 s; all 37 instances 8.1 s -> 3.5-4.5 s; docs/location.md).
#: Turning RENS off as well made cap114 slower (1.6 s).
CAPACITATED_MILP_OPTIONS: dict[str, object] = {
    "presolve": "off",
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_root_reduced_cost": False,
}


@dataclass(frozen=True)
class FacilityModel:
    """A built MILP as arrays: columns y (m) then one x per kept pair; named row families."""

    lp: highspy.HighsLp
    m: int
    n: int
    #: flat index i*n + j of the pair behind each x column
    pairs: np.ndarray
    #: constraint family name -> first row and number of rows, to explain infeasibility
    row_families: dict[str, tuple[int, int]]


def build_facility_model(
    problem: FacilityProblem, support: np.ndarray | None = None
) -> FacilityModel:
    """Strong MILP of ``problem``: demand, linking, capacity, aggregate capacity, p, fixed_open.

    Rows: ``demand[j]`` Σ_i x_ij = 1; ``link[i,j]`` x_ij − y_i ≤ 0;
    ``capacity[i]`` Σ_j d_j x_ij − s_i y_i ≤ 0; ``aggregate_capacity`` Σ_i s_i y_i ≥ Σ_j d_j;
    ``open_count`` Σ_i y_i = p. ``fixed_open`` sites get y_i ≥ 1. ``support`` (bool m × n)
    keeps only some pairs (i, j) as x columns; None keeps all.
    """
    m, n = problem.n_sites, problem.n_customers
    d = problem.demand
    pairs = np.arange(m * n) if support is None else np.flatnonzero(np.ravel(support))
    n_x = pairs.size
    x_col = m + np.arange(n_x)
    site_of_x = pairs // n
    cust_of_x = pairs % n

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    families: dict[str, tuple[int, int]] = {}
    n_rows = 0

    def add(name: str, r: np.ndarray, c: np.ndarray, v: np.ndarray, lo, up, count: int) -> None:
        nonlocal n_rows
        rows.append(r + n_rows)
        cols.append(c)
        vals.append(v)
        lower.append(np.broadcast_to(np.asarray(lo, dtype=float), (count,)))
        upper.append(np.broadcast_to(np.asarray(up, dtype=float), (count,)))
        families[name] = (n_rows, count)
        n_rows += count

    inf = highspy.kHighsInf
    add("demand", cust_of_x, x_col, np.ones(n_x), 1.0, 1.0, n)
    link_rows = np.arange(n_x)
    add(
        "link",
        np.concatenate([link_rows, link_rows]),
        np.concatenate([x_col, site_of_x]),
        np.concatenate([np.ones(n_x), -np.ones(n_x)]),
        -inf,
        0.0,
        n_x,
    )
    if problem.capacity is not None:
        s = problem.capacity
        add(
            "capacity",
            np.concatenate([site_of_x, np.arange(m)]),
            np.concatenate([x_col, np.arange(m)]),
            np.concatenate([d[cust_of_x], -s]),
            -inf,
            0.0,
            m,
        )
        add("aggregate_capacity", np.zeros(m, int), np.arange(m), s.copy(), d.sum(), inf, 1)
    if problem.p is not None:
        add("open_count", np.zeros(m, int), np.arange(m), np.ones(m), problem.p, problem.p, 1)

    n_cols = m + n_x
    a = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, n_cols),
    ).tocsc()

    col_lower = np.zeros(n_cols)
    col_lower[list(problem.fixed_open)] = 1.0
    col_upper = np.ones(n_cols)
    if problem.capacity is not None:
        # a site can serve at most s_i / d_j of customer j
        col_upper[m:] = np.minimum(1.0, problem.capacity[site_of_x] / d[cust_of_x])
    integrality = np.zeros(n_cols, dtype=np.int32)
    integrality[:m] = 1
    if problem.single_source:
        integrality[m:] = 1
        col_upper[m:] = np.floor(col_upper[m:] + 1e-12)

    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.concatenate([problem.fixed_cost, problem.cost.ravel()[pairs]])
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.concatenate(lower)
    lp.row_upper_ = np.concatenate(upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = n_rows
    lp.integrality_ = [highspy.HighsVarType(int(t)) for t in integrality]
    return FacilityModel(lp=lp, m=m, n=n, pairs=pairs, row_families=families)


@dataclass(frozen=True)
class _RawSolve:
    model_status: str
    has_solution: bool
    col_value: np.ndarray | None
    objective: float | None
    dual_bound: float | None
    nodes: int
    seconds: float


def _run_highs(
    model: FacilityModel,
    time_limit_s: float,
    threads: int | None,
    options: dict[str, object] | None = None,
) -> _RawSolve:
    """Solve the built MILP (extra HiGHS ``options`` if given); only what HiGHS proved."""
    h = new_mip_highs(time_limit_s)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    start = time.perf_counter()
    h.passModel(model.lp)
    h.run()
    seconds = time.perf_counter() - start
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    has_solution = int(info.primal_solution_status) == int(highspy.kSolutionStatusFeasible)
    col_value = np.asarray(h.getSolution().col_value) if has_solution else None
    bound = float(info.mip_dual_bound)
    return _RawSolve(
        model_status=status,
        has_solution=has_solution,
        col_value=col_value,
        objective=float(info.objective_function_value) if has_solution else None,
        dual_bound=bound if np.isfinite(bound) else None,
        nodes=max(int(info.mip_node_count), 0),
        seconds=seconds,
    )


def plan_from_columns(col_value: np.ndarray, pairs: np.ndarray, m: int,
                      n: int) -> tuple[np.ndarray, np.ndarray]:
    """A solver's column values (m site columns, then one per kept pair) → (open sites as a
    bool (m,), assignment shares (m, n)): closed sites serve nothing, and each customer's
    shares are rescaled to sum to 1 (solver round-off)."""
    col = np.asarray(col_value, dtype=float)
    open_mask = col[:m] >= OPEN_THRESHOLD
    x = np.zeros(m * n)
    x[pairs] = col[m:]
    x = np.clip(x.reshape(m, n), 0.0, 1.0)
    x[~open_mask, :] = 0.0
    x /= x.sum(axis=0, keepdims=True)
    return open_mask, x


def _read_back(
    problem: FacilityProblem,
    model: FacilityModel,
    raw: _RawSolve,
    time_limit_s: float,
    outside_bound: float = np.inf,
) -> FacilityResult:
    """Turn a HiGHS run into a result; values come only from a solution that exists.

    ``outside_bound`` bounds every solution that uses a pair left out of ``model``; the proven
    lower bound is the smaller of it and HiGHS's dual bound.
    """
    m, n = problem.n_sites, problem.n_customers
    method = "highs-milp" if model.pairs.size == m * n else "lagrangian-reduced highs-milp"
    if raw.model_status == "Infeasible":
        return FacilityResult.without_solution(
            "infeasible",
            seconds=raw.seconds,
            nodes=raw.nodes,
            message=N_(
                "HiGHS proved that no choice of sites satisfies demand[j], capacity[i], "
                "aggregate_capacity, open_count and fixed_open together"
            ),
            method=method,
        )
    if not raw.has_solution or raw.col_value is None:
        timed_out = raw.model_status == "Time limit reached"
        return FacilityResult.without_solution(
            "time_limit" if timed_out else "error",
            lower_bound=raw.dual_bound,
            seconds=raw.seconds,
            nodes=raw.nodes,
            message=N_("no solution found ({status}, limit {limit_s} s)",
                       status=raw.model_status, limit_s=f"{time_limit_s:g}"),
            method=method,
        )
    open_mask, x = plan_from_columns(raw.col_value, model.pairs, m, n)
    objective = float(problem.fixed_cost[open_mask].sum() + (problem.cost * x).sum())
    bound = None if raw.dual_bound is None else min(raw.dual_bound, outside_bound)
    lower = None if bound is None else min(bound, objective)
    gap = relative_gap(objective, lower)
    proven = gap is not None and gap <= OPTIMALITY_GAP
    status = "optimal" if proven else "feasible"
    if problem.single_source:
        assignment: np.ndarray = np.argmax(x, axis=0)
    else:
        assignment = x
    message = (
        N_("optimality proven")
        if proven
        else N_("stopped by {status} (limit {limit_s} s); gap {gap}",
                status=raw.model_status, limit_s=f"{time_limit_s:g}", gap=gap)
    )
    return FacilityResult(
        status=status,
        objective=objective,
        lower_bound=lower,
        gap=gap,
        open_sites=tuple(int(i) for i in np.flatnonzero(open_mask)),
        assignment=assignment,
        seconds=raw.seconds,
        nodes=raw.nodes,
        message=message,
        method=method,
    )


def solve_facility_location(
    problem: FacilityProblem, time_limit_s: float = 60.0, threads: int | None = None
) -> FacilityResult:
    """Solve ``problem`` to proven optimality within ``time_limit_s`` seconds (wall).

    Returns a frozen :class:`FacilityResult`; an infeasible problem is reported (status
    "infeasible", ``message`` says why), never raised.
    """
    start = time.perf_counter()
    reason = infeasibility_reason(problem)
    if reason is not None:
        return FacilityResult.without_solution(
            "infeasible",
            seconds=time.perf_counter() - start,
            nodes=0,
            message=reason,
            method="check",
        )
    if uses_lagrangian_bnb(problem):
        remaining = max(time_limit_s - (time.perf_counter() - start), 0.0)
        result = solve_cflp_bnb(problem, remaining)
        return replace(result, seconds=time.perf_counter() - start)
    extra: dict[str, float] = {}
    support = None
    outside_bound = np.inf
    if problem.capacity is None:
        # uncapacitated: prove most pairs useless first (module lagrangian), then solve the rest
        lag = uncapacitated_lagrangian(problem)
        support = reduced_support(problem, lag)
        dropped_bound = pair_bounds(problem, lag.multipliers)
        outside_bound = float(dropped_bound[~support].min()) if (~support).any() else np.inf
        extra = {
            "lagrangian_bound": lag.lower_bound,
            "lagrangian_upper_bound": lag.upper_bound,
            "lagrangian_iterations": float(lag.iterations),
            "pairs_kept": float(support.sum()),
        }
    model = build_facility_model(problem, support)
    remaining = max(time_limit_s - (time.perf_counter() - start), 0.0)
    options = CAPACITATED_MILP_OPTIONS if problem.capacity is not None else None
    raw = _run_highs(model, remaining, threads, options)
    result = _read_back(problem, model, raw, time_limit_s, outside_bound)
    return replace(result, seconds=time.perf_counter() - start, extra=extra)


def uses_lagrangian_bnb(problem: FacilityProblem) -> bool:
    """True when :func:`solve_facility_location` hands ``problem`` to cflp_bnb.py."""
    return (
        problem.capacity is not None
        and problem.p is None
        and not problem.single_source
        and problem.n_sites * problem.n_customers >= LAGRANGIAN_BNB_MIN_PAIRS
    )


def solve_plain_milp(
    problem: FacilityProblem, time_limit_s: float = 60.0, threads: int | None = None
) -> FacilityResult:
    """The strong MILP of every pair handed to HiGHS as it is (no Lagrangian reduction).

    Baseline for benchmarks/bench_location.py; same statuses as
    :func:`solve_facility_location`.
    """
    start = time.perf_counter()
    model = build_facility_model(problem)
    raw = _run_highs(model, time_limit_s, threads)
    result = _read_back(problem, model, raw, time_limit_s)
    return replace(result, seconds=time.perf_counter() - start)
