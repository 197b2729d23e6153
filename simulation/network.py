"""A process described as data: a line of stages (an open queueing network) run with SimPy.

Entities arrive with i.i.d. inter-arrival times and visit the stages of ``routing`` in order;
a stage has ``c`` identical servers fed by one FIFO queue (``simpy.Resource``) or infinitely
many (no queue). Every visit is recorded in a :class:`~simulation.stages.StageLog`; statistics
come from the records after the run, warm-up dropped (:func:`~simulation.stages.stage_statistics`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from data.problems import InputError, Problem
from simulation.params import Dist
from simulation.stages import StageLog, stage_statistics

_STRICT = ConfigDict(extra="forbid", frozen=True)
#: random numbers are drawn this many at a time per stream (one numpy call per chunk)
CHUNK = 4096


class StageSpec(BaseModel):
    """One stage: ``servers`` parallel servers (``None``: infinitely many, no queue) with
    service times ``service`` in days."""

    model_config = _STRICT
    name: str = Field(min_length=1)
    servers: int | None = Field(default=..., ge=1)
    service: Dist


class NetworkSpec(BaseModel):
    """Stages, the inter-arrival time ``arrival`` (days) and the order in which an entity
    visits stages (``routing``, stage names, repeats allowed; default: ``stages`` in order)."""

    model_config = _STRICT
    stages: tuple[StageSpec, ...] = Field(min_length=1)
    arrival: Dist
    routing: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> NetworkSpec:
        names = [s.name for s in self.stages]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"stage names must be unique; got {twice} more than once")
        if self.routing is not None:
            if not self.routing:
                raise ValueError("routing must name at least one stage; got an empty list")
            unknown = [n for n in self.routing if n not in names]
            if unknown:
                raise ValueError(f"routing must name defined stages {names}; got {unknown}")
        if not self.arrival.expected > 0:
            raise ValueError(f"the mean inter-arrival time must be > 0; got "
                             f"{self.arrival.expected}")
        return self

    @property
    def route(self) -> tuple[str, ...]:
        """The stage names an entity visits, in order."""
        return self.routing if self.routing is not None else tuple(s.name for s in self.stages)


@dataclass(frozen=True)
class NetworkResult:
    """Visit records (``log``, see :class:`~simulation.stages.StageLog`) and per-stage
    statistics over ``[warmup_days, horizon_days]`` (``stats``, see
    :func:`~simulation.stages.stage_statistics`)."""

    log: pd.DataFrame
    stats: pd.DataFrame
    horizon_days: float
    warmup_days: float


def _draws(dist: Dist, rng: np.random.Generator) -> Iterator[float]:
    """An endless stream of samples of ``dist``, drawn ``CHUNK`` at a time."""
    while True:
        yield from np.asarray(dist.sample(rng, CHUNK), dtype=float).tolist()


def simulate_network(spec: NetworkSpec, horizon_days: float, warmup_days: float,
                     rng: np.random.Generator) -> NetworkResult:
    """Run ``spec`` from empty for ``horizon_days`` and measure it over ``[warmup_days,
    horizon_days]``.

    Random numbers come from ``rng.spawn(1 + len(spec.stages))``: stream 0 for inter-arrival
    times, stream ``1 + i`` for service times of the ``i``-th stage (the ``k``-th visit to
    arrive at a stage gets its ``k``-th draw). Changing a stage's servers or service therefore
    leaves the arrival times and every other stage's sequence of draws unchanged (common random
    numbers); inserting or removing a stage renumbers the streams of the stages after it.
    Visits still open at the horizon are in the log with NaN ``start``/``end``.
    """
    if not (np.isfinite(horizon_days) and np.isfinite(warmup_days)
            and 0 <= warmup_days < horizon_days):
        raise InputError(Problem("simulate_network", "horizon_days, warmup_days",
                                 "finite days with 0 <= warmup_days < horizon_days",
                                 f"horizon_days={horizon_days}, warmup_days={warmup_days}"),
                         "run length refused")
    streams = rng.spawn(1 + len(spec.stages))
    env = simpy.Environment()
    log = StageLog()
    by_name: dict[str, tuple[str, simpy.Resource | None, Iterator[float]]] = {}
    for i, stage in enumerate(spec.stages):
        resource = None if stage.servers is None else simpy.Resource(env, capacity=stage.servers)
        by_name[stage.name] = (stage.name, resource, _draws(stage.service, streams[1 + i]))
    route = [by_name[name] for name in spec.route]
    gaps = _draws(spec.arrival, streams[0])

    # bound once: these run for every visit
    append, starts, ends, timeout = log.append, log.start, log.end, env.timeout

    def entity(number: int) -> Generator[simpy.Event, object, None]:
        for name, resource, service in route:
            service_days = next(service)
            if resource is None:
                row = append(name, number, env.now, env.now)
                yield timeout(service_days)
            else:
                row = append(name, number, env.now)
                with resource.request() as request:
                    yield request
                    starts[row] = env.now
                    yield timeout(service_days)
            ends[row] = env.now

    def source() -> Generator[simpy.Event, object, None]:
        number = 0
        while True:
            yield env.timeout(next(gaps))
            env.process(entity(number))
            number += 1

    env.process(source())
    env.run(until=horizon_days)
    frame = log.frame()
    servers = {stage.name: stage.servers for stage in spec.stages}
    stats = stage_statistics(frame, servers, warmup_days, horizon_days)
    return NetworkResult(log=frame, stats=stats, horizon_days=float(horizon_days),
                         warmup_days=float(warmup_days))
