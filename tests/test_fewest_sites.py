"""The fewest sites that put a share of demand within reach (partial set covering) and the
delivery-days rule's hint: a hand-computed instance, brute force over every site subset, the
share every site reaches as the infeasibility limit, and refused input naming the field."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from data.problems import InputError
from models.inventory.covering import fewest_sites, maximal_covering

#: 4 sites × 5 customers; site 0 reaches 0-1, site 1 reaches 1-2, site 2 reaches 3, site 3 4
HAND_REACH = np.array([[1, 1, 0, 0, 0],
                       [0, 1, 1, 0, 0],
                       [0, 0, 0, 1, 0],
                       [0, 0, 0, 0, 1]], dtype=bool)
HAND_DEMAND = np.array([40.0, 10.0, 20.0, 25.0, 5.0])  # total 100


@pytest.mark.parametrize(("share", "count"), [
    (0.40, 1),   # site 0 alone: 50
    (0.50, 1),   # exactly 50 counts as met
    (0.51, 2),   # site 0 + site 2: 75
    (0.75, 2),
    (0.76, 3),   # the best pair (0 + 2) covers 75
    (0.95, 3),   # only 0 + 1 + 2 covers 95
    (0.96, 4),
    (1.00, 4),
])
def test_hand_computed_counts(share: float, count: int) -> None:
    r = fewest_sites(HAND_DEMAND, HAND_REACH, share)
    assert r.status == "optimal" and r.n_sites == count and r.lower_bound == count
    assert r.covered_share >= share - 1e-12
    assert r.reachable_share == 1.0


def test_fixed_open_sites_are_not_counted() -> None:
    # site 0 already open covers 50: 75 needs only site 2
    r = fewest_sites(HAND_DEMAND, HAND_REACH, 0.75, fixed_open=(0,))
    assert r.n_sites == 1 and set(r.open_sites) == {0, 2}
    assert r.covered_share == pytest.approx(0.75)


def test_a_share_no_site_set_reaches_is_infeasible_with_the_reachable_share() -> None:
    reach = HAND_REACH.copy()
    reach[:, 4] = False  # customer 4 (5 %) out of everyone's reach
    r = fewest_sites(HAND_DEMAND, reach, 0.96)
    assert r.status == "infeasible" and r.n_sites is None
    assert r.reachable_share == pytest.approx(0.95)
    assert fewest_sites(HAND_DEMAND, reach, 0.95).n_sites == 3


def _brute_fewest(demand, reach, share, fixed):
    free = [i for i in range(reach.shape[0]) if i not in fixed]
    for k in range(len(free) + 1):
        for extra in combinations(free, k):
            opened = list(fixed) + list(extra)
            if demand[reach[opened].any(axis=0)].sum() >= share * demand.sum() * (1 - 1e-9):
                return k
    return None


@pytest.mark.parametrize("seed", range(12))
def test_fewest_sites_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(4, 9)), int(rng.integers(6, 15))
    demand = rng.uniform(1.0, 50.0, n)
    reach = rng.random((m, n)) < 0.3
    fixed = tuple(int(i) for i in rng.choice(m, size=int(rng.integers(0, 2)), replace=False))
    share = float(rng.uniform(0.3, 1.0))
    expected = _brute_fewest(demand, reach, share, fixed)
    r = fewest_sites(demand, reach, share, fixed_open=fixed)
    assert r.n_sites == expected
    if expected is None:
        assert r.status == "infeasible"
        assert r.reachable_share < share
        return
    assert r.status == "optimal"
    assert set(fixed) <= set(r.open_sites)
    assert r.covered_share >= share * (1 - 1e-9)
    if expected > 0:
        # one site fewer cannot reach the share: maximal covering agrees
        best = maximal_covering(demand, reach, max_sites=expected - 1, fixed_open=fixed)
        assert best.covered_share < share * (1 - 1e-9)


def test_refused_share_names_the_field() -> None:
    with pytest.raises(InputError, match="share"):
        fewest_sites(HAND_DEMAND, HAND_REACH, 1.5)
