"""The fewest sites that put a share of demand within reach (partial set covering) and the
delivery-days rule's hint: hand-computed instances, brute force over every site subset, the
share every site reaches as the infeasibility limit, and refused input naming the field."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
import pytest

from data.problems import InputError
from models.inventory.covering import fewest_sites, maximal_covering
from scenarios.location import rule_hint

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


@dataclass(frozen=True)
class _Instance:
    """The fields of a LocationInstance that the rule's hint reads."""

    demand: np.ndarray
    transit_days: np.ndarray
    site_kind: tuple[str, ...]
    fixed_cost: np.ndarray
    service_days: float | None
    service_share: float | None
    max_sites: int | None

    @property
    def central(self) -> np.ndarray:
        return np.array([k == "central_dc" for k in self.site_kind])


#: 1 central DC + 3 forward candidates × 4 districts (days); demand 50, 30, 15, 5
HAND_DAYS = np.array([[1.0, 3.0, 3.0, 5.0],    # central DC: district 0 within 2 days
                      [3.0, 1.5, 3.0, 5.0],    # A: district 1
                      [3.0, 2.0, 1.0, 5.0],    # B: districts 1, 2
                      [3.0, 3.0, 3.0, 4.0]])   # C: nothing within 2 days
HAND_DISTRICT_DEMAND = np.array([50.0, 30.0, 15.0, 5.0])


def _hand(share: float | None, max_sites: int | None) -> _Instance:
    return _Instance(HAND_DISTRICT_DEMAND, HAND_DAYS,
                     ("central_dc", "candidate", "candidate", "candidate"),
                     np.zeros(4), 2.0, share, max_sites)


def test_rule_hint_on_a_hand_made_instance() -> None:
    # 90 % within 2 days: central 50 + B (30 + 15) = 95 → one forward site; with 0 allowed the
    # central DC alone reaches 50 %
    hint = rule_hint(_hand(0.9, 0), time_limit_s=10)
    assert (hint.min_sites, hint.proven, hint.sites_suffice) == (1, True, False)
    assert hint.share_with_max_sites == pytest.approx(0.5)
    assert hint.reachable_share == pytest.approx(0.95)
    # 96 %: district 3 is nobody's within 2 days, so no number of sites will do
    hint = rule_hint(_hand(0.96, 2), time_limit_s=10)
    assert hint.min_sites is None and hint.reachable_share == pytest.approx(0.95)
    # every district within 2 days: all the reachable demand (95 %), B alone covers it; with
    # one site allowed the sites suffice, so something else (capacity) rules a plan out
    hint = rule_hint(_hand(None, 1), time_limit_s=10)
    assert hint.share_needed == pytest.approx(0.95)
    assert (hint.min_sites, hint.sites_suffice) == (1, True)
    assert hint.share_with_max_sites == pytest.approx(0.95)
    # no rule, no hint
    assert rule_hint(replace(_hand(None, 1), service_days=None)) is None
