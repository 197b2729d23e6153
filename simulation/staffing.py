"""Today's work content of the staffed stages, net of the waiting the model adds.

History records how long an order spent in the office (entered → approved) and at picking
(approved → picked), waiting included: the ERP does not record when a clerk took the order up.
Calibration fits those durations whole. The simulation then queues the orders for a finite
staff, which adds waiting again, so a simulated baseline would be slower than history by the
modelled wait (about 1.2 working hours per order in the office on the national data set, most
of it the queue after each festival, and more missed carrier cut-offs as a result).

:func:`net_of_modelled_wait` removes that double count: it runs today's process through the
order flow with the scenario's staffing, measures the mean wait in working hours at each staffed
stage, and lowers the stage's mean work by it (shape kept), repeating until the work plus the
modelled wait equals the measured stage time (a fixed point, found by damped iteration in a
few rounds). The same
orders and streams are used in every round, so the answer is deterministic; staff that
cannot reach it (a utilisation at which the queue alone outlasts the measured time) are refused
with a clear problem.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from data.calendar import working_hours_between
from data.problems import InputError, Problem
from simulation.config import SimulationConfig
from simulation.inputs import SimulationInputs
from simulation.order_flow import draw_orders, run_order_flow
from simulation.params import Dist, ProcessParams
from simulation.replication import replication_streams

#: staffed stages and the process parameter holding their work, working hours
STAFFED = {"office": "office_hours", "pick": "pick_hours"}
#: stop when every stage's work changed by less than this, working hours
TOLERANCE_HOURS = 0.005
MAX_ROUNDS = 12


def modelled_wait_hours(inputs: SimulationInputs, params: ProcessParams,
                        config: SimulationConfig, seed: int) -> dict[str, float]:
    """Mean wait before service at each staffed stage, in working hours, over one simulated
    year of ``config`` (all visits after the warm-up)."""
    streams = replication_streams(seed, 0)
    draws = draw_orders(inputs, params, float(config.horizon_days), streams, config.operations)
    flow = run_order_flow(inputs, params, config, draws)
    log = flow.log.frame()
    log = log[(log["arrive"] >= config.warmup_days) & np.isfinite(log["start"])]
    out = {}
    for stage in STAFFED:
        rows = log[log["stage"] == stage]
        wait = working_hours_between(rows["arrive"].to_numpy(), rows["start"].to_numpy(),
                                     inputs.epoch) if config.operations.working_calendar else (
            (rows["start"] - rows["arrive"]).to_numpy() * 24.0)
        out[stage] = float(np.mean(wait)) if len(wait) else 0.0
    return out


def _with_mean(dist: Dist, mean: float) -> Dist:
    if dist.kind == "empirical":
        values = np.asarray(dist.values, dtype=float)
        scaled = values * (mean / values.mean()) if values.mean() > 0 else values
        return dist.model_copy(update={"values": tuple(float(v) for v in scaled)})
    return dist.model_copy(update={"mean": mean})


def net_of_modelled_wait(inputs: SimulationInputs, params: ProcessParams,
                         config: SimulationConfig, seed: int) -> ProcessParams:
    """``params`` whose staffed stages' work plus the wait ``config``'s staff adds at the
    history's load (no growth) equals the measured stage time (``config`` should describe
    today's process and staffing)."""
    measured = {stage: getattr(params, field).expected for stage, field in STAFFED.items()}
    # the wait the measured times hold is the one at the history's load: without the growth
    # the simulated year carries on (a busier year queues longer after each festival, and
    # netting that would cut the work below what history shows)
    inputs = replace(inputs, trend_per_year=0.0)
    # staff are sized for the work each round (the work, not work plus wait, is the load)
    config = replace(config, operations=replace(config.operations, office_servers=None,
                                                pick_servers=None))
    current = params
    for _ in range(MAX_ROUNDS):
        wait = modelled_wait_hours(inputs, current, config, seed)
        gap = {stage: getattr(current, field).expected + wait[stage] - measured[stage]
               for stage, field in STAFFED.items()}
        if max(abs(g) for g in gap.values()) < TOLERANCE_HOURS:
            return current
        # half steps: staff are resized with the work, and a full step can overshoot a
        # staff-count boundary and oscillate
        update = {field: _with_mean(getattr(params, field), max(
            getattr(current, field).expected - gap[stage] / 2, 0.05 * measured[stage]))
                  for stage, field in STAFFED.items()}
        current = params.model_copy(update=update)
    raise InputError(Problem(
        "assumptions", "staffing_utilization",
        "staff that do today's work in the stage times history shows",
        f"utilisation {config.effects.staffing_utilization:g}: after {MAX_ROUNDS} rounds work + "
        f"modelled wait still differs from the measured time by "
        f"{max(abs(g) for g in gap.values()):.2f} h (office wait {wait['office']:.1f} h, "
        f"measured {measured['office']:.1f} h); a lower staffing_utilization queues less"))
