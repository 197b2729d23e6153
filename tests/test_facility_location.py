"""Forward-warehouse location against independent truths.

Published optima: OR-Library cap (Beasley 1988), UflLib uncapacitated (Hoefer 2002) and
pmed (Beasley 1990) in tests/data/orlib (copies of ../shared/benchmarks/orlib); brute force
over all site subsets with a transportation LP (scipy.optimize.linprog) per subset; invariants
of every solution.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from data.problems import InputError
from models.inventory import (
    FacilityProblem,
    FacilityResult,
    read_orlib_cap,
    read_orlib_pmed,
    solve_facility_location,
)

ORLIB = Path(__file__).parent / "data" / "orlib"  # verbatim copies, see SOURCE.md there
SHARED_ORLIB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib"
REL_TOL = 1e-6


def _rows(csv_path: Path) -> list[dict[str, str]]:
    with csv_path.open(newline="") as fh:
        return list(csv.DictReader(fh))


CAP_ROWS = [r for r in _rows(ORLIB / "cap" / "optima.csv") if not r["capacity_substitution"]]
UNCAP_ROWS = _rows(ORLIB / "uncap" / "optima.csv")
PMED_ROWS = _rows(ORLIB / "pmed" / "optima.csv")[:10]


def assert_valid(problem: FacilityProblem, result: FacilityResult) -> None:
    """Invariants: demand fully served from open sites, capacity respected, fixed_open open,
    p open, objective re-computed from the assignment, bound ≤ objective."""
    assert result.objective is not None and result.assignment is not None
    m, n = problem.n_sites, problem.n_customers
    open_mask = np.zeros(m, dtype=bool)
    open_mask[list(result.open_sites)] = True
    if problem.single_source:
        x = np.zeros((m, n))
        x[result.assignment, np.arange(n)] = 1.0
    else:
        x = result.assignment
    assert x.shape == (m, n)
    assert np.all(x >= -1e-9)
    np.testing.assert_allclose(x.sum(axis=0), 1.0, atol=1e-7)
    assert np.all(x[~open_mask] <= 1e-9), "a closed site serves demand"
    if problem.capacity is not None:
        load = x @ problem.demand
        assert np.all(load <= problem.capacity * (1 + 1e-7) + 1e-6), "capacity exceeded"
    assert set(problem.fixed_open) <= set(result.open_sites)
    if problem.p is not None:
        assert len(result.open_sites) == problem.p
    cost = problem.fixed_cost[open_mask].sum() + (problem.cost * x).sum()
    assert cost == pytest.approx(result.objective, rel=1e-9)
    assert result.lower_bound is not None
    assert result.lower_bound <= result.objective * (1 + 1e-12) + 1e-9
    assert result.gap == pytest.approx(
        (result.objective - result.lower_bound) / abs(result.objective), abs=1e-12
    )


def assert_optimum(result: FacilityResult, optimum: float) -> None:
    assert result.status == "optimal", result.message
    assert result.gap is not None and result.gap <= 1e-6
    assert abs(result.objective - optimum) <= REL_TOL * abs(optimum)


@pytest.mark.parametrize("row", CAP_ROWS, ids=[r["name"] for r in CAP_ROWS])
def test_cap_published_optimum(row: dict[str, str]) -> None:
    problem = read_orlib_cap(ORLIB / "cap" / row["file"])
    result = solve_facility_location(problem)
    assert_optimum(result, float(row["optimal_value"]))
    assert_valid(problem, result)


@pytest.mark.parametrize("row", UNCAP_ROWS, ids=[r["name"] for r in UNCAP_ROWS])
def test_uncapacitated_published_optimum(row: dict[str, str]) -> None:
    # capa/b/c leave capacities open; any number will do as they are dropped
    problem = read_orlib_cap(ORLIB / "uncap" / row["instance_file"], capacity=1.0)
    problem = dataclasses.replace(problem, capacity=None)
    result = solve_facility_location(problem)
    assert_optimum(result, float(row["optimal_value"]))
    assert_valid(problem, result)


def test_uncapacitated_matches_published_assignment_cost() -> None:
    """The UflLib .opt file's assignment costs exactly its stated objective in our reading."""
    problem = read_orlib_cap(ORLIB / "cap" / "cap71.txt")
    tokens = (ORLIB / "uncap" / "cap71.txt.opt").read_text().split()
    site = np.array([int(t) for t in tokens[:-1]])
    opened = np.unique(site)
    cost = problem.fixed_cost[opened].sum() + problem.cost[site, np.arange(site.size)].sum()
    assert cost == pytest.approx(float(tokens[-1]), rel=1e-9)


@pytest.mark.parametrize("row", PMED_ROWS, ids=[r["name"] for r in PMED_ROWS])
def test_pmed_published_optimum(row: dict[str, str]) -> None:
    problem = read_orlib_pmed(ORLIB / "pmed" / f"{row['name']}.txt")
    assert problem.p == int(row["p"]) and problem.n_sites == int(row["n"])
    result = solve_facility_location(problem)
    assert_optimum(result, float(row["optimal_value"]))
    assert_valid(problem, result)


# ---------------------------------------------------------------- brute force


def _transport_cost(problem: FacilityProblem, subset: tuple[int, ...]) -> float:
    """Cheapest service from ``subset`` (open sites): a transportation LP, inf if infeasible."""
    k, n = len(subset), problem.n_customers
    cost = problem.cost[list(subset)].ravel()
    a_eq = np.zeros((n, k * n))
    for j in range(n):
        a_eq[j, j::n] = 1.0
    a_ub = b_ub = None
    if problem.capacity is not None:
        a_ub = np.zeros((k, k * n))
        for r in range(k):
            a_ub[r, r * n : (r + 1) * n] = problem.demand
        b_ub = problem.capacity[list(subset)]
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1))
    if res.status == 2:
        return np.inf
    assert res.status == 0
    return float(problem.fixed_cost[list(subset)].sum() + res.fun)


def brute_force(problem: FacilityProblem) -> float:
    """Optimum over every admissible subset of sites (inf when none is feasible)."""
    m = problem.n_sites
    best = np.inf
    for size in range(1, m + 1):
        if problem.p is not None and size != problem.p:
            continue
        for subset in itertools.combinations(range(m), size):
            if not set(problem.fixed_open) <= set(subset):
                continue
            best = min(best, _transport_cost(problem, subset))
    return best


def random_problem(seed: int, **kw: object) -> FacilityProblem:
    """Euclidean instance: m ≤ 8 sites, n ≤ 15 customers, capacities 0.3-0.7 of demand."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(3, 9)), int(rng.integers(5, 16))
    sites, customers = rng.uniform(0, 100, (m, 2)), rng.uniform(0, 100, (n, 2))
    demand = rng.integers(5, 40, n).astype(float)
    dist = np.linalg.norm(sites[:, None, :] - customers[None, :, :], axis=2)
    capacity = rng.uniform(0.3, 0.7, m) * demand.sum()
    return FacilityProblem(
        fixed_cost=rng.uniform(200, 1500, m),
        capacity=capacity,
        demand=demand,
        cost=dist * demand,
        name=f"random{seed}",
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("seed", range(12))
def test_brute_force_capacitated(seed: int) -> None:
    problem = random_problem(seed)
    result = solve_facility_location(problem)
    assert_optimum(result, brute_force(problem))
    assert_valid(problem, result)


@pytest.mark.parametrize("seed", range(100, 106))
def test_brute_force_uncapacitated(seed: int) -> None:
    problem = dataclasses.replace(random_problem(seed), capacity=None)
    result = solve_facility_location(problem)
    assert_optimum(result, brute_force(problem))
    assert_valid(problem, result)


@pytest.mark.parametrize("seed", range(200, 206))
def test_brute_force_p_and_fixed_open(seed: int) -> None:
    base = random_problem(seed)
    rng = np.random.default_rng(seed)
    p = int(rng.integers(2, base.n_sites + 1))
    fixed = (int(rng.integers(base.n_sites)),)
    capacity = base.capacity if seed % 2 else None
    problem = dataclasses.replace(base, p=p, fixed_open=fixed, capacity=capacity)
    result = solve_facility_location(problem)
    truth = brute_force(problem)
    if np.isinf(truth):
        assert result.status == "infeasible"
        return
    assert_optimum(result, truth)
    assert_valid(problem, result)


def _brute_force_single_source(problem: FacilityProblem) -> float:
    m, n = problem.n_sites, problem.n_customers
    best = np.inf
    for assign in itertools.product(range(m), repeat=n):
        a = np.array(assign)
        load = np.bincount(a, weights=problem.demand, minlength=m)
        if problem.capacity is not None and np.any(load > problem.capacity):
            continue
        opened = np.unique(a)
        best = min(best, problem.fixed_cost[opened].sum() + problem.cost[a, np.arange(n)].sum())
    return best


@pytest.mark.parametrize("seed", range(300, 304))
def test_brute_force_single_source(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = 3, 7
    demand = rng.integers(5, 40, n).astype(float)
    problem = FacilityProblem(
        fixed_cost=rng.uniform(100, 800, m),
        capacity=rng.uniform(0.4, 0.6, m) * demand.sum(),
        demand=demand,
        cost=rng.uniform(1, 30, (m, n)) * demand,
        single_source=True,
    )
    result = solve_facility_location(problem)
    truth = _brute_force_single_source(problem)
    if np.isinf(truth):
        assert result.status == "infeasible"
        return
    assert result.assignment is not None and result.assignment.shape == (n,)
    assert_optimum(result, truth)
    assert_valid(problem, result)


# ---------------------------------------------------------------- statuses and input


def test_infeasible_total_capacity_is_reported() -> None:
    base = random_problem(3)
    problem = dataclasses.replace(base, capacity=np.full(base.n_sites, 1.0))
    result = solve_facility_location(problem)
    assert result.status == "infeasible"
    assert result.objective is None and result.assignment is None
    assert "total capacity" in result.message and "total demand" in result.message


def test_infeasible_found_by_solver_is_reported() -> None:
    """Total capacity suffices but one customer cannot be split across the sites (single
    source), which only the solver proves."""
    problem = FacilityProblem(
        fixed_cost=np.ones(2),
        capacity=np.array([10.0, 10.0]),
        demand=np.array([6.0, 6.0, 6.0]),
        cost=np.ones((2, 3)),
        single_source=True,
    )
    result = solve_facility_location(problem)
    assert result.status == "infeasible"
    assert "capacity" in result.message


def test_time_limit_never_claims_optimal() -> None:
    problem = read_orlib_cap(ORLIB / "cap" / "capa.txt", capacity=8000)
    result = solve_facility_location(problem, time_limit_s=2.0)
    assert result.status in {"optimal", "feasible", "time_limit"}
    if result.status == "optimal":
        assert result.gap is not None and result.gap <= 1e-6
    if result.status == "feasible":
        assert result.gap is not None and result.gap > 1e-6
        assert_valid(problem, result)


def test_capa_needs_capacity_argument_naming_file() -> None:
    with pytest.raises(InputError, match="capa"):
        read_orlib_cap(ORLIB / "cap" / "capa.txt")
    problem = read_orlib_cap(ORLIB / "cap" / "capa.txt", capacity=8000)
    assert problem.cost.shape == (100, 1000)
    assert np.all(problem.capacity == 8000)


def test_cap_reader_shapes() -> None:
    problem = read_orlib_cap(ORLIB / "cap" / "cap41.txt")
    assert problem.cost.shape == (16, 50) and problem.demand.shape == (50,)
    assert problem.fixed_cost[0] == 7500.0 and problem.capacity[0] == 5000.0


def test_pmed_last_duplicate_edge_counts(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("3 3 1\n1 2 5\n2 3 7\n2 1 9\n")
    problem = read_orlib_pmed(path)
    assert problem.cost[0, 1] == 9.0 and problem.cost[1, 0] == 9.0
    assert problem.cost[0, 2] == 16.0
    assert problem.p == 1 and problem.capacity is None


def test_bad_input_names_the_value() -> None:
    with pytest.raises(InputError, match=r"demand\[1\]"):
        FacilityProblem(
            fixed_cost=np.ones(2), capacity=None, demand=np.array([1.0, 0.0]), cost=np.ones((2, 2))
        )


def test_vendored_instances_equal_the_shared_benchmarks() -> None:
    """The copies under tests/data/orlib are byte-identical to the shared originals."""
    files = sorted(p for p in ORLIB.rglob("*") if p.is_file() and p.name != "SOURCE.md")
    assert len(files) > 60
    if not SHARED_ORLIB.is_dir():  # a clone without the shared folder beside it
        return
    for path in files:
        original = SHARED_ORLIB / path.relative_to(ORLIB)
        assert original.read_bytes() == path.read_bytes(), path
