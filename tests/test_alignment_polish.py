"""shorten_moves: fewer km for a minimum-disruption alignment, never more disruption, every
rep within its limits, no unit kept by today's rep moved away."""

from __future__ import annotations

import numpy as np
import pytest

from models.territory.alignment import align_territories, load_limits
from models.territory.alignment_polish import shorten_moves


def test_a_far_move_goes_to_the_nearer_rep() -> None:
    # rep 0 has two units too many; minimum disruption may send them to the far rep 2
    km = np.array([[0, 1, 50], [0, 1, 50], [0, 5, 5], [9, 0, 9], [9, 9, 0]], dtype=float)
    w = np.ones(5)
    cur = np.array([0, 0, 0, 1, 2])
    far = np.array([2, 0, 0, 1, 2])  # unit 0 moved to rep 2 (50 km); rep 1 would be 1 km
    short = shorten_moves(far, w, km, cur, 1.0, 2.0)
    assert short.tolist() == [1, 0, 0, 1, 2]


@pytest.mark.parametrize("seed", range(6))
def test_random_alignments_keep_every_limit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m, balance = 60, 5, 0.2
    w = rng.integers(1, 6, n).astype(float)
    km = rng.uniform(0, 100, (n, m))
    cur = rng.choice(m, n, p=[0.4, 0.3, 0.1, 0.1, 0.1])  # out of balance
    r = align_territories(w, km, balance=balance, current=cur, objective="disruption",
                          time_limit_s=10)
    assert r.status == "optimal"
    lower, upper = load_limits(w, m, balance)
    a = shorten_moves(r.assignment, w, km, cur, lower, upper)
    loads = np.bincount(a, weights=w, minlength=m)
    assert ((loads >= lower - 1e-9) & (loads <= upper + 1e-9)).all()
    kept = r.assignment == cur
    assert (a[kept] == cur[kept]).all()  # nothing kept today is moved
    assert w[a != cur].sum() <= r.disruption + 1e-9
    rows = np.arange(n)
    assert km[rows, a].sum() <= km[rows, r.assignment].sum() + 1e-9
