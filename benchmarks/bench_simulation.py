"""Speed of the order-to-cash simulation (run by hand; figures go to docs/benchmarks.md).

1. events per second of the model's SimPy event loop vs a raw SimPy timeout loop, measured
   in the same run (both count ``Environment.step`` calls; the ratio is the figure of merit);
2. wall time of one national replication-year on one core (median of ``--repeat``);
3. wall time of ``--replications`` national replications on ``--workers`` local processes;
4. with ``--large``: the large profile (≈ 10× national) on a local Dask cluster.

``--forward S01,S06,…`` opens these forward warehouses with their stock plan (98% (s, Q)), so
the figures include keeping forward stock and split deliveries.

Usage: ``.venv/bin/python benchmarks/bench_simulation.py [--dataset data/national]
[--repeat 3] [--replications 30] [--workers 2] [--large] [--forward IDS]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd
import simpy

from data.dataset import Dataset, load_dataset
from scenarios.run import configure
from scenarios.schema import Scenario
from simulation.calibrate import calibrate
from simulation.order_flow import draw_orders, run_order_flow
from simulation.replication import replication_streams, run_replication
from simulation.runner import run_replications

STEPS = {"n": 0}
_step = simpy.Environment.step


def _counting_step(self):  # counts every processed event, for both measurements alike
    STEPS["n"] += 1
    return _step(self)


def raw_simpy(events: int) -> float:
    """Events per second of a bare timeout loop."""
    env = simpy.Environment()

    def loop():
        for _ in range(events):
            yield env.timeout(1.0)

    env.process(loop())
    STEPS["n"] = 0
    start = time.perf_counter()
    env.run()
    return STEPS["n"] / (time.perf_counter() - start)


def baseline(forward: list[str] | None = None) -> Scenario:
    logistics = {"forward_warehouses": forward} if forward else {}
    return Scenario.model_validate({"name": "bench", "dataset": "x", "horizon_days": 365,
                                    "warmup_days": 90, "seed": 20261, "logistics": logistics})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="data/national")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--forward", default="", help="comma-separated forward site ids")
    args = parser.parse_args()
    ds = load_dataset(args.dataset)
    t = time.perf_counter()
    params = calibrate(ds)
    print(f"calibrate {args.dataset}: {time.perf_counter() - t:.1f} s", flush=True)
    forward = [s for s in args.forward.split(",") if s]
    scen = baseline(forward)
    inputs, config = configure(ds, params, scen)
    raw, model, walls = [], [], []
    for r in range(args.repeat):
        simpy.Environment.step = _counting_step
        raw.append(raw_simpy(1_000_000))
        draws = draw_orders(inputs, params, scen.horizon_days, replication_streams(20261, r))
        STEPS["n"] = 0
        flow = run_order_flow(inputs, params, config, draws)
        model.append(STEPS["n"] / flow.event_loop_s)
        simpy.Environment.step = _step
        t = time.perf_counter()
        run_replication(inputs, params, config, r)
        walls.append(time.perf_counter() - t)
        print(f"repeat {r}: raw {raw[-1]:,.0f} ev/s; model event loop {model[-1]:,.0f} ev/s "
              f"({STEPS['n']:,} events in {flow.event_loop_s:.1f} s); whole replication "
              f"{walls[-1]:.1f} s", flush=True)
    print(f"median raw SimPy {statistics.median(raw):,.0f} events/s; model event loop "
          f"{statistics.median(model):,.0f} events/s; ratio "
          f"{statistics.median(model) / statistics.median(raw):.2f}")
    print(f"one national replication-year (365 d incl. 90 d warm-up), one core: median "
          f"{statistics.median(walls):.1f} s")
    if args.replications:
        t = time.perf_counter()
        run_replications(inputs, params, config, replications=args.replications, seed=20261,
                         workers=args.workers)
        print(f"{args.replications} replications on {args.workers} local processes: "
              f"{time.perf_counter() - t:.0f} s", flush=True)
    if args.large:
        from distributed import LocalCluster

        from data.generate import generate_dataset

        t = time.perf_counter()
        tables, meta = generate_dataset("large", 20261)
        big = Dataset(tables, pd.Timestamp(meta["as_of"]), "large", None, meta)
        print(f"large profile generated in {time.perf_counter() - t:.0f} s "
              f"({len(tables['orders']):,} orders)", flush=True)
        t = time.perf_counter()
        big_params = calibrate(big)
        big_inputs, big_config = configure(big, big_params, scen)
        print(f"large: calibrate + inputs {time.perf_counter() - t:.0f} s", flush=True)
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            t = time.perf_counter()
            run_replications(big_inputs, big_params, big_config, replications=args.workers,
                             seed=20261, scheduler=cluster.scheduler_address)
            print(f"large: {args.workers} replications on a local Dask cluster "
                  f"({args.workers} workers): {time.perf_counter() - t:.0f} s", flush=True)


if __name__ == "__main__":
    main()
