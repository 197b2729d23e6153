"""Today's work net of the modelled wait: the fixed point it promises, and no change where the
staff add no wait."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from data.dataset import load_dataset
from data.problems import InputError
from scenarios.process_cache import today_process
from scenarios.run import configure
from scenarios.schema import Scenario
from simulation.config import Operations
from simulation.staffing import (
    STAFFED,
    TOLERANCE_HOURS,
    modelled_wait_hours,
    net_of_modelled_wait,
)


@pytest.fixture(scope="module")
def today(small_dir: Path):
    ds = load_dataset(small_dir)
    params = today_process(ds)
    scenario = Scenario.model_validate({"name": "today", "dataset": ".", "seed": 0,
                                        "horizon_days": 200, "warmup_days": 30})
    inputs, config = configure(ds, params, scenario)
    return inputs, params, config


def test_work_plus_modelled_wait_equals_the_measured_stage_time(today) -> None:
    inputs, measured, config = today
    busy = config  # today's staffing assumption (0.6): the office queues a little
    net = net_of_modelled_wait(inputs, measured, busy, seed=0)
    # at the history's load, the one the measured times were taken under (no growth)
    wait = modelled_wait_hours(replace(inputs, trend_per_year=0.0), net, busy, seed=0)
    assert wait["office"] > 0.01, "the setting must make the office queue"
    for stage, field in STAFFED.items():
        work = getattr(net, field).expected
        assert work < getattr(measured, field).expected
        assert work + wait[stage] == pytest.approx(getattr(measured, field).expected,
                                                   abs=2 * TOLERANCE_HOURS)
        assert getattr(net, field).kind == getattr(measured, field).kind


def test_ample_staff_leave_the_work_as_measured(today) -> None:
    inputs, measured, config = today
    ample = replace(config, operations=Operations(office_servers=500,
                                                  pick_servers=(500,) * len(inputs.site_id)))
    # staff are sized per round by the flow; with a tiny utilisation the count is ample too
    ample = replace(ample, effects=replace(ample.effects, staffing_utilization=0.05))
    net = net_of_modelled_wait(inputs, measured, ample, seed=0)
    for field in STAFFED.values():
        assert getattr(net, field).expected == pytest.approx(getattr(measured, field).expected,
                                                             abs=2 * TOLERANCE_HOURS)


def test_staff_that_cannot_do_todays_work_are_refused(today) -> None:
    inputs, measured, config = today
    overloaded = replace(config, effects=replace(config.effects, staffing_utilization=0.97))
    with pytest.raises(InputError, match="staffing_utilization"):
        net_of_modelled_wait(inputs, measured, overloaded, seed=0)
