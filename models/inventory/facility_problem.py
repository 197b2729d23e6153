"""Data of the forward-warehouse location problem and of its solution (no solver here).

A problem is the textbook capacitated facility location problem (CFLP, Beasley 1988,
EJOR 33:314-325) with the p-median (Beasley 1990, JORS 41:1069-1072) and the uncapacitated
problem (UFL) as special cases:

    min  Σ_i f_i y_i + Σ_ij c_ij x_ij
    s.t. Σ_i x_ij = 1                 (every customer fully served)
         Σ_j d_j x_ij ≤ s_i y_i       (site capacity, when given)
         Σ_i y_i = p                  (exactly p open, when given)
         y_i = 1 for i in fixed_open; y binary; x ≥ 0 (binary when single-sourced)

``c_ij`` is the cost of serving *all* of customer j's demand from site i; a fraction x_ij of
it costs ``x_ij × c_ij``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from data.problems import N_, InputError, Problem, Text

#: relative gap (obj − bound)/|obj| under which a result counts as proven optimal
OPTIMALITY_GAP = 1e-6


@dataclass(frozen=True)
class FacilityProblem:
    """One facility location instance, as arrays (sites i = 0..m-1, customers j = 0..n-1).

    Attributes
    ----------
    fixed_cost : (m,) cost of opening each site (currency per planning period).
    capacity : (m,) capacity of each site (demand units), or None for uncapacitated.
    demand : (n,) demand of each customer (demand units, > 0).
    cost : (m, n) cost of serving *all* of customer j's demand from site i (currency).
    p : exactly this many sites open, or None for no restriction.
    single_source : each customer served by exactly one site.
    fixed_open : sites that must be open (e.g. central DCs).
    name : label used in messages.
    """

    fixed_cost: np.ndarray
    capacity: np.ndarray | None
    demand: np.ndarray
    cost: np.ndarray
    p: int | None = None
    single_source: bool = False
    fixed_open: tuple[int, ...] = ()
    name: str = "facility problem"

    def __post_init__(self) -> None:
        fixed = np.asarray(self.fixed_cost, dtype=float)
        demand = np.asarray(self.demand, dtype=float)
        cost = np.asarray(self.cost, dtype=float)
        capacity = None if self.capacity is None else np.asarray(self.capacity, dtype=float)
        for attr, value in (
            ("fixed_cost", fixed),
            ("demand", demand),
            ("cost", cost),
            ("capacity", capacity),
        ):
            if value is not None:
                value.setflags(write=False)
            object.__setattr__(self, attr, value)
        object.__setattr__(self, "fixed_open", tuple(sorted({int(i) for i in self.fixed_open})))
        problems = check_facility_problem(self)
        if problems:
            raise InputError(problems, f"facility problem {self.name!r} refused")

    @property
    def n_sites(self) -> int:
        """Number of candidate sites m."""
        return int(self.fixed_cost.shape[0])

    @property
    def n_customers(self) -> int:
        """Number of customers n."""
        return int(self.demand.shape[0])


def check_facility_problem(problem: FacilityProblem) -> list[Problem]:
    """Shape and sign checks; each problem says what to fix. Feasibility is not checked here."""
    src = problem.name
    out: list[Problem] = []
    if problem.fixed_cost.ndim != 1:
        out.append(
            Problem(src, "fixed_cost", "a 1-d array (m,)", f"shape {problem.fixed_cost.shape}")
        )
        return out
    if problem.demand.ndim != 1:
        out.append(Problem(src, "demand", "a 1-d array (n,)", f"shape {problem.demand.shape}"))
        return out
    m, n = problem.fixed_cost.shape[0], problem.demand.shape[0]
    if m == 0 or n == 0:
        out.append(Problem(src, "", "at least one site and one customer", f"m={m}, n={n}"))
        return out
    if problem.cost.shape != (m, n):
        out.append(Problem(src, "cost", f"shape (m, n) = ({m}, {n})", f"{problem.cost.shape}"))
    arrays = {"fixed_cost": problem.fixed_cost, "demand": problem.demand, "cost": problem.cost}
    if problem.capacity is not None:
        if problem.capacity.shape != (m,):
            out.append(Problem(src, "capacity", f"shape ({m},)", f"{problem.capacity.shape}"))
        arrays["capacity"] = problem.capacity
    for name, arr in arrays.items():
        if not np.all(np.isfinite(arr)):
            out.append(Problem(src, name, "finite numbers", "NaN or infinity"))
        elif np.any(arr < 0):
            i = int(np.flatnonzero(np.ravel(arr) < 0)[0])
            out.append(Problem(src, f"{name}[{i}]", ">= 0", f"{np.ravel(arr)[i]:g}"))
    if np.all(np.isfinite(problem.demand)) and np.any(problem.demand <= 0):
        j = int(np.flatnonzero(problem.demand <= 0)[0])
        out.append(Problem(src, f"demand[{j}]", "> 0", f"{problem.demand[j]:g}"))
    if problem.p is not None and not (1 <= problem.p <= m):
        out.append(Problem(src, "p", f"an integer in 1..{m}", f"{problem.p}"))
    bad = [i for i in problem.fixed_open if not 0 <= i < m]
    if bad:
        out.append(Problem(src, "fixed_open", f"site indices in 0..{m - 1}", f"{bad}"))
    return out


@dataclass(frozen=True)
class FacilityResult:
    """Solution of a :class:`FacilityProblem`, read back from a solver run.

    ``status`` is "optimal" only when ``gap`` ≤ 1e-6 (bound proven), "feasible" when a
    solution exists without that proof, "infeasible" when no solution exists (``message``
    says why), "time_limit" when the limit stopped the search before any solution.
    ``gap`` = (objective − lower_bound) / |objective|. ``assignment`` is (m, n) fractions of
    each customer's demand served from each site, or for single-source an (n,) vector of site
    indices. ``nodes`` counts branch-and-bound nodes; ``seconds`` is wall time.
    """

    status: str
    objective: float | None
    lower_bound: float | None
    gap: float | None
    open_sites: tuple[int, ...]
    assignment: np.ndarray | None
    seconds: float
    nodes: int
    message: str = ""
    method: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @classmethod
    def without_solution(cls, status: str, *, seconds: float, nodes: int, message: str,
                         method: str, lower_bound: float | None = None,
                         extra: dict[str, float] | None = None) -> FacilityResult:
        """A run that ended with no solution ("infeasible", "time_limit" or "error")."""
        return cls(status=status, objective=None, lower_bound=lower_bound, gap=None,
                   open_sites=(), assignment=None, seconds=seconds, nodes=nodes,
                   message=message, method=method, extra=extra or {})

    @property
    def is_optimal(self) -> bool:
        """True when optimality is proven within :data:`OPTIMALITY_GAP`."""
        return self.status == "optimal"


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(objective − bound) / |objective|, 0 when both are 0, None when either is missing."""
    if objective is None or bound is None:
        return None
    diff = max(objective - bound, 0.0)
    if diff == 0.0:
        return 0.0
    return diff / max(abs(objective), 1e-12)


def infeasibility_reason(problem: FacilityProblem) -> Text | None:
    """A reason the problem cannot have a solution, from simple counting; None if none found.

    These are necessary conditions only; the solver proves the rest.
    """
    m = problem.n_sites
    total_demand = float(problem.demand.sum())
    k_open = len(problem.fixed_open)
    if problem.p is not None and k_open > problem.p:
        return N_(
            "fixed_open has {k_open} sites but exactly p={p} may be open; "
            "raise p or release sites", k_open=k_open, p=problem.p
        )
    if problem.capacity is None:
        return None
    cap = problem.capacity
    if float(cap.sum()) < total_demand * (1 - 1e-12):
        return N_(
            "aggregate_capacity: total capacity {capacity} < total demand {demand}; "
            "add capacity or sites", capacity=f"{cap.sum():g}", demand=f"{total_demand:g}"
        )
    if problem.p is not None:
        forced = np.zeros(m, dtype=bool)
        forced[list(problem.fixed_open)] = True
        rest = np.sort(cap[~forced])[::-1][: problem.p - k_open]
        best = float(cap[forced].sum() + rest.sum())
        if best < total_demand * (1 - 1e-12):
            return N_(
                "aggregate_capacity: the {p} largest admissible sites hold {best} < "
                "total demand {demand}; raise p or capacities",
                p=problem.p, best=f"{best:g}", demand=f"{total_demand:g}"
            )
    if problem.single_source:
        j = int(np.argmax(problem.demand))
        if problem.demand[j] > cap.max():
            return N_(
                "single_source: customer {customer} demands {demand} > largest site "
                "capacity {capacity}; allow split deliveries",
                customer=j, demand=f"{problem.demand[j]:g}", capacity=f"{cap.max():g}"
            )
    return None
