"""Today's work content of the staffed stages, net of the waiting the model adds.

History records how long an order spent in the office (entered → approved) and at picking
(approved → picked), waiting included: the ERP does not record when a clerk took the order up.
Calibration fits those durations whole. The simulation then queues the orders for a finite
staff, which adds waiting again, so a simulated baseline would be slower than history by the
modelled wait (about 0.4 working hours per order in the office on the national data set, and
more missed carrier cut-offs as a result).

:func:`net_of_modelled_wait` removes that double count: it runs today's process through the
order flow with the scenario's staffing, measures the mean wait in working hours at each staffed
stage, and lowers the stage's mean work by it (shape kept), repeating until the work plus the
modelled wait equals the measured stage time (a fixed point; two or three rounds). The same
orders, streams and staff are used in every round, so the answer is deterministic.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from data.calendar import working_hours_between
from simulation.config import SimulationConfig
from simulation.inputs import SimulationInputs
from simulation.order_flow import draw_orders, run_order_flow
from simulation.params import Dist, ProcessParams
from simulation.replication import replication_streams

#: staffed stages and the process parameter holding their work, working hours
STAFFED = {"office": "office_hours", "pick": "pick_hours"}
#: stop when every stage's work changed by less than this, working hours
TOLERANCE_HOURS = 0.005
MAX_ROUNDS = 6


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
    """``params`` whose staffed stages' work plus the wait ``config``'s staff adds equals the
    measured stage time (``config`` should describe today's process and staffing)."""
    measured = {stage: getattr(params, field).expected for stage, field in STAFFED.items()}
    # staff are sized for the work each round (the work, not work plus wait, is the load)
    config = replace(config, operations=replace(config.operations, office_servers=None,
                                                pick_servers=None))
    current = params
    for _ in range(MAX_ROUNDS):
        wait = modelled_wait_hours(inputs, current, config, seed)
        update = {field: _with_mean(getattr(params, field),
                                    max(measured[stage] - wait[stage], 0.05 * measured[stage]))
                  for stage, field in STAFFED.items()}
        change = max(abs(update[f].expected - getattr(current, f).expected)
                     for f in STAFFED.values())
        current = params.model_copy(update=update)
        if change < TOLERANCE_HOURS:
            break
    return current
