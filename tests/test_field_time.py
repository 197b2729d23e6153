"""Reps' field time and the wait to key in phone and WeChat orders: the entry wait's
multiplier from the calls a rep makes (analytic), scaled service times, and the call plan
under "optimize" slowing the keying in as it gives the reps more calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scenarios.field_time import entry_factor, keying_factor
from simulation.params import Dist, scaled


def test_the_wait_follows_the_calls_a_rep_makes():
    same = keying_factor(8700.0, 100, 8700.0, 100, 1.0)
    assert same["keying_factor"] == pytest.approx(1.0)
    # 87 → 130.5 calls a rep: half as many again, the wait 1.5 times as long at elasticity 1
    more = keying_factor(8700.0, 100, 13050.0, 100, 1.0)
    assert more["calls_per_rep_planned"] == pytest.approx(130.5)
    assert more["keying_factor"] == pytest.approx(1.5)
    # the same calls over two thirds of the reps: each makes 1.5 times the calls
    fewer = keying_factor(8700.0, 150, 8700.0, 100, 1.0)
    assert fewer["keying_factor"] == pytest.approx(1.5)
    # the elasticity bends it: 1.5 ** 0.5 and 1.5 ** 2; fewer calls a rep, a shorter wait
    assert entry_factor(more, 0.5)["keying_factor"] == pytest.approx(1.5 ** 0.5)
    assert entry_factor(more, 2.0)["keying_factor"] == pytest.approx(2.25)
    assert entry_factor(more, 0.0)["keying_factor"] == pytest.approx(1.0)
    assert keying_factor(8700.0, 100, 4350.0, 100, 1.0)["keying_factor"] == pytest.approx(0.5)
    assert keying_factor(0.0, 100, 100.0, 100, 1.0)["keying_factor"] == 1.0


@pytest.mark.parametrize("dist", [
    Dist(kind="lognormal", mean=4.0, sigma=0.7), Dist(kind="gamma", mean=3.0, shape=2.0),
    Dist(kind="exponential", mean=2.0), Dist(kind="deterministic", mean=1.5),
    Dist(kind="empirical", values=(1.0, 2.0, 6.0))])
def test_a_scaled_duration_draws_the_same_luck_times_the_factor(dist):
    a = dist.sample(np.random.default_rng(3), 200)
    b = scaled(dist, 1.3).sample(np.random.default_rng(3), 200)
    np.testing.assert_allclose(b, 1.3 * a, rtol=1e-12)
    assert scaled(dist, 1.3).expected == pytest.approx(1.3 * dist.expected)
    with pytest.raises(ValueError):
        scaled(dist, -1.0)


def test_the_plan_keys_orders_in_slower_as_its_reps_call_more(small_dir: Path,
                                                                  tmp_path: Path):
    from scenarios.compare import load_scenarios
    from scenarios.run import prepare, with_assumptions

    path = tmp_path / "o.toml"
    path.write_text(f'name = "o"\ndataset = "{small_dir}"\nreplications = 2\n'
                    '[territory]\nallocation = "optimize"\n', encoding="utf-8")
    loaded = load_scenarios([path], allow_outside_data=True)[0]
    prepared = prepare(loaded)
    c = prepared.calls
    assert c["calls_per_rep_planned"] > c["calls_per_rep_today"]  # the plan fills idle time
    ratio = c["calls_per_rep_planned"] / c["calls_per_rep_today"]
    assert c["keying_factor"] == pytest.approx(ratio)  # elasticity 1 by default
    measured = prepared.measured.entry_hours.expected
    assert prepared.params.entry_hours.expected == pytest.approx(measured * ratio)
    # app orders enter themselves: untouched
    assert prepared.params.app_entry_hours == prepared.measured.app_entry_hours
    # a sensitivity run's elasticity re-derives the factor from the same plan
    _, half = with_assumptions(loaded, prepared, {"entry_wait_field_elasticity": 0.5})
    assert half.calls["keying_factor"] == pytest.approx(ratio ** 0.5)
    assert half.params.entry_hours.expected == pytest.approx(measured * ratio ** 0.5)
