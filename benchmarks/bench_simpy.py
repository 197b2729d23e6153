"""Events per second: a raw SimPy timeout loop vs :func:`simulation.network.simulate_network`.

Run by hand: ``.venv/bin/python benchmarks/bench_simpy.py [--repeat 3] [--events 500000]
[--horizon-days 50000]``. Prints medians of the repeats (wall and CPU seconds; the two runs
are interleaved so that other load on a shared machine hits both alike); figures go to
``docs/benchmarks.md``. Event counts (every event SimPy processes: arrivals, process starts and
ends, requests, releases, service timeouts) come from separate, untimed runs with a counting
``Environment.step``; the timed runs are unpatched.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager

import numpy as np
import simpy

from simulation.network import NetworkSpec, StageSpec, simulate_network
from simulation.params import Dist

#: intake (infinite servers, lognormal), review (2 servers, gamma), pick (1 server, exponential)
LINE = NetworkSpec(
    stages=[StageSpec(name="intake", servers=None,
                      service=Dist(kind="lognormal", mean=2.0, sigma=0.8)),
            StageSpec(name="review", servers=2, service=Dist(kind="gamma", mean=1.5, shape=2.0)),
            StageSpec(name="pick", servers=1, service=Dist(kind="exponential", mean=0.7))],
    arrival=Dist(kind="exponential", mean=1.0))


def raw_timeouts(n_events: int) -> None:
    """One process yielding ``n_events`` timeouts of 1 day."""
    env = simpy.Environment()

    def ticker() -> Generator[simpy.Event, object, None]:
        for _ in range(n_events):
            yield env.timeout(1.0)

    env.process(ticker())
    env.run()


def network(horizon_days: float) -> int:
    """The 3-stage line for ``horizon_days`` (10% warm-up); returns the number of visits."""
    result = simulate_network(LINE, horizon_days, 0.1 * horizon_days, np.random.default_rng(1))
    return len(result.log)


@contextmanager
def counting_steps() -> Iterator[list[int]]:
    """Count the events SimPy processes while the block runs (slows SimPy down)."""
    counter = [0]
    original = simpy.Environment.step

    def step(self: simpy.Environment) -> None:
        counter[0] += 1
        original(self)

    simpy.Environment.step = step  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        simpy.Environment.step = original  # type: ignore[method-assign]


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--events", type=int, default=500_000, help="raw loop timeouts")
    parser.add_argument("--horizon-days", type=float, default=50_000.0, help="network run")
    args = parser.parse_args()

    with counting_steps() as counter:
        raw_timeouts(args.events)
        raw_events = counter[0]
        counter[0] = 0
        visits = network(args.horizon_days)
        network_events = counter[0]

    # interleaved, so that load from other work on a shared machine hits both alike
    raw, net = [], []
    for _ in range(args.repeat):
        raw.append(_timed(lambda: raw_timeouts(args.events)))
        net.append(_timed(lambda: network(args.horizon_days)))
    rows = {"raw SimPy timeout loop": (raw_events, raw),
            "simulate_network (3 stages, incl. statistics)": (network_events, net)}
    print(f"median of {args.repeat}; network: {args.horizon_days:,.0f} days, {visits:,} visits, "
          f"{network_events / visits:.2f} events per visit")
    print("| run | events | wall s | events/s (wall) | CPU s | events/s (CPU) |")
    print("|---|---|---|---|---|---|")
    rates = []
    for name, (events, times) in rows.items():
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        rates.append((events / wall, events / cpu))
        print(f"| {name} | {events:,} | {wall:.3f} | {events / wall:,.0f} | {cpu:.3f} | "
              f"{events / cpu:,.0f} |")
    print(f"ratio network / raw events per second: {rates[1][0] / rates[0][0]:.2f} (wall), "
          f"{rates[1][1] / rates[0][1]:.2f} (CPU)")


if __name__ == "__main__":
    main()
