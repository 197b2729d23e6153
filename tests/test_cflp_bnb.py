"""Lagrangian branch-and-bound for the multi-source CFLP (models/inventory/cflp_bnb.py).

Truths: OR-Library published optima (capa/capb/capc with substituted capacities and the 37
numbered cap instances, tests/data/orlib/cap/optima.csv), brute force over all site subsets
with a transportation LP on small random instances, and enumeration for the site knapsack.

All 12 large variants run (2-14 s each alone on the 2-core machine, docs/location.md).
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest

from models.inventory import read_orlib_cap, solve_facility_location
from models.inventory.cflp_bnb import cover_knapsack, solve_cflp_bnb
from models.inventory.facility_location import uses_lagrangian_bnb
from tests.test_facility_location import assert_optimum, assert_valid, brute_force, random_problem

ORLIB = Path(__file__).parent / "data" / "orlib"
with (ORLIB / "cap" / "optima.csv").open(newline="") as _fh:
    _ROWS = list(csv.DictReader(_fh))
LARGE_ROWS = [r for r in _ROWS if r["capacity_substitution"]]
NUMBERED_ROWS = [r for r in _ROWS if not r["capacity_substitution"]]


def _large(row: dict[str, str]):
    return read_orlib_cap(ORLIB / "cap" / row["file"], capacity=float(row["capacity_substitution"]))


@pytest.mark.parametrize("row", LARGE_ROWS, ids=[r["name"] for r in LARGE_ROWS])
def test_large_published_optimum(row: dict[str, str]) -> None:
    problem = _large(row)
    assert uses_lagrangian_bnb(problem)
    result = solve_facility_location(problem, time_limit_s=60.0)
    assert result.method == "lagrangian-bnb"
    assert_optimum(result, float(row["optimal_value"]))
    assert_valid(problem, result)
    assert result.extra["root_bound"] <= float(row["optimal_value"]) * (1 + 1e-9)


def test_large_time_limited_bound_is_valid() -> None:
    row = next(r for r in LARGE_ROWS if r["name"] == "capb_6000")
    optimum = float(row["optimal_value"])
    problem = _large(row)
    result = solve_facility_location(problem, time_limit_s=3.0)
    assert result.status in {"feasible", "optimal"}
    assert result.lower_bound is not None and result.objective is not None
    assert result.lower_bound <= optimum * (1 + 1e-9)
    assert result.objective >= optimum * (1 - 1e-9)
    assert_valid(problem, result)
    if result.status == "feasible":
        assert result.gap > 1e-6


@pytest.mark.parametrize("row", NUMBERED_ROWS, ids=[r["name"] for r in NUMBERED_ROWS])
def test_numbered_cap_by_bnb(row: dict[str, str]) -> None:
    """The B&B itself proves the 37 numbered instances (the dispatch keeps them on HiGHS)."""
    problem = read_orlib_cap(ORLIB / "cap" / row["file"])
    assert not uses_lagrangian_bnb(problem)
    result = solve_cflp_bnb(problem, time_limit_s=60.0)
    assert_optimum(result, float(row["optimal_value"]))
    assert_valid(problem, result)


@pytest.mark.parametrize("name", ["cap41", "cap94", "cap113", "cap131"])
def test_numbered_cap_through_dispatch(name: str) -> None:
    row = next(r for r in NUMBERED_ROWS if r["name"] == name)
    problem = read_orlib_cap(ORLIB / "cap" / row["file"])
    result = solve_facility_location(problem)
    assert result.method == "highs-milp"
    assert_optimum(result, float(row["optimal_value"]))


def _variant(seed: int, kind: str):
    """random_problem with float, integer or equal capacities (LP, DP or cardinality knapsack)."""
    base = random_problem(seed)
    cap = base.capacity
    if kind == "integer":
        cap = np.round(cap / 10.0) * 10.0
    elif kind == "equal":
        cap = np.full_like(cap, np.round(cap.mean()))
    return dataclasses.replace(base, capacity=cap)


@pytest.mark.parametrize("kind", ["float", "integer", "equal"])
@pytest.mark.parametrize("seed", range(8))
def test_brute_force_small(seed: int, kind: str) -> None:
    problem = _variant(seed, kind)
    truth = brute_force(problem)
    result = solve_cflp_bnb(problem, time_limit_s=30.0)
    assert result.lower_bound is not None
    assert result.lower_bound <= truth * (1 + 1e-9) + 1e-9, "bound above the optimum"
    assert result.extra["root_bound"] <= truth * (1 + 1e-9) + 1e-9
    assert_optimum(result, truth)
    assert_valid(problem, result)


@pytest.mark.parametrize("seed", range(300, 306))
def test_brute_force_fixed_open(seed: int) -> None:
    base = random_problem(seed)
    fixed = (int(np.random.default_rng(seed).integers(base.n_sites)),)
    problem = dataclasses.replace(base, fixed_open=fixed)
    result = solve_cflp_bnb(problem, time_limit_s=30.0)
    assert_optimum(result, brute_force(problem))
    assert_valid(problem, result)


@pytest.mark.parametrize("seed", range(20))
def test_cover_knapsack_against_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(3, 10))
    v = rng.normal(0, 10, m)
    s = rng.integers(1, 8, m).astype(float) * (5.0 if seed % 2 else 1.0)
    if seed % 5 == 0:
        s[:] = s[0]
    fixed = np.full(m, -1, dtype=np.int8)
    fixed[rng.random(m) < 0.2] = 1
    fixed[(rng.random(m) < 0.2) & (fixed == -1)] = 0
    need = float(rng.uniform(0.2, 0.8) * s.sum())
    best = np.inf
    for bits in itertools.product([0, 1], repeat=m):
        y = np.array(bits)
        if np.any((fixed >= 0) & (y != fixed)) or s @ y < need:
            continue
        best = min(best, float(v @ y))
    value, y, exact = cover_knapsack(v, s, need, fixed)
    assert exact
    if np.isinf(best):
        assert np.isinf(value)
    else:
        assert value == pytest.approx(best, abs=1e-9)
        assert s @ y >= need - 1e-9 and float(v @ y) == pytest.approx(value, abs=1e-9)


def test_cover_knapsack_lp_relaxation_is_a_lower_bound() -> None:
    v = np.array([3.0, 5.0, 4.0, -1.0])
    s = np.array([2.5, 3.7, 1.3, 0.4])
    value, y, exact = cover_knapsack(v, s, 4.0, np.full(4, -1, dtype=np.int8))
    assert not exact
    assert value <= 3.0 + 5.0 - 1.0 + 1e-12  # best 0-1 choice: sites 0, 1, 3
    assert s @ y >= 4.0 - 1e-12


def test_dispatch_rule() -> None:
    row = next(r for r in LARGE_ROWS if r["name"] == "capa_8000")
    problem = _large(row)
    assert uses_lagrangian_bnb(problem)
    assert not uses_lagrangian_bnb(dataclasses.replace(problem, p=10))
    assert not uses_lagrangian_bnb(dataclasses.replace(problem, single_source=True))
    assert not uses_lagrangian_bnb(dataclasses.replace(problem, capacity=None))
    with pytest.raises(ValueError):
        solve_cflp_bnb(dataclasses.replace(problem, p=10))
