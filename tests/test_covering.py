"""Maximal covering under a site budget: brute force over every site subset, limiting cases,
refused input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from data.problems import InputError
from models.inventory.covering import maximal_covering


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(5, 9)), int(rng.integers(8, 16))
    sites, customers = rng.uniform(0, 100, (m, 2)), rng.uniform(0, 100, (n, 2))
    reach = np.linalg.norm(sites[:, None] - customers[None], axis=2) <= rng.uniform(20, 45)
    demand = rng.integers(1, 50, n).astype(float)
    cost = rng.integers(1, 10, m).astype(float)
    return demand, reach, cost


def _brute(demand, reach, cost, p, budget, fixed):
    m = reach.shape[0]
    free = [i for i in range(m) if i not in fixed]
    best = -1.0
    for k in range(len(free) + 1):
        for extra in itertools.combinations(free, k):
            if p is not None and k > p:
                continue
            if budget is not None and cost[list(extra)].sum() > budget + 1e-9:
                continue
            sites = list(fixed) + list(extra)
            best = max(best, float(reach[sites].any(axis=0) @ demand) if sites else 0.0)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_maximal_covering_equals_brute_force(seed: int) -> None:
    demand, reach, cost = _instance(seed)
    fixed = (0,) if seed % 2 else ()
    p = 2 if seed % 3 else None
    budget = float(cost.sum() / 3) if seed % 3 != 1 else None
    if p is None and budget is None:
        p = 1
    result = maximal_covering(demand, reach, max_sites=p, fixed_cost=cost, budget=budget,
                              fixed_open=fixed)
    expected = _brute(demand, reach, cost, p, budget, fixed)
    assert result.status == "optimal"
    assert result.covered_demand == pytest.approx(expected)
    assert result.upper_bound >= expected - 1e-6
    opened = set(result.open_sites)
    assert set(fixed) <= opened
    free = opened - set(fixed)
    assert p is None or len(free) <= p
    assert budget is None or cost[list(free)].sum() <= budget + 1e-9
    np.testing.assert_array_equal(result.covered, reach[list(opened)].any(axis=0))


def test_enough_sites_cover_everything_reachable() -> None:
    demand, reach, cost = _instance(3)
    result = maximal_covering(demand, reach, max_sites=reach.shape[0])
    reachable = reach.any(axis=0)
    assert result.covered_demand == pytest.approx(float(demand[reachable].sum()))
    assert result.covered_share == pytest.approx(demand[reachable].sum() / demand.sum())


def test_refused_input_names_the_field() -> None:
    demand, reach, cost = _instance(1)
    with pytest.raises(InputError, match="max_sites, budget"):
        maximal_covering(demand, reach)
    with pytest.raises(InputError, match="fixed_cost"):
        maximal_covering(demand, reach, budget=5.0)
