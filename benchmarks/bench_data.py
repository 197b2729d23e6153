"""Wall time of the data pipeline: generate, write, load + validate, measure KPIs.

Run by hand: ``.venv/bin/python benchmarks/bench_data.py [--repeat 3] [--profiles small national]``.
Prints the median of the repeats per step; figures go to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from data.dataset import load_dataset
from data.dataset_writer import write_dataset
from data.generate import generate_dataset
from data.history import measure_history


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def bench(profile: str, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"generate": [], "write": [], "load": [], "measure": []}
    rows = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            (tables, meta), t = _timed(generate_dataset, profile, 20261)
            times["generate"].append(t)
            _, t = _timed(write_dataset, tables, Path(tmp) / "ds", meta)
            times["write"].append(t)
            ds, t = _timed(load_dataset, Path(tmp) / "ds")
            times["load"].append(t)
            _, t = _timed(measure_history, ds)
            times["measure"].append(t)
            rows = sum(ds.counts().values())
    out = {step: statistics.median(v) for step, v in times.items()}
    out["rows"] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profiles", nargs="+", default=["small", "national"])
    args = parser.parse_args()
    print("| profile | rows | generate s | write s | load + validate s | measure KPIs s |")
    print("|---|---|---|---|---|---|")
    for profile in args.profiles:
        r = bench(profile, args.repeat)
        print(f"| {profile} | {r['rows']:,} | {r['generate']:.2f} | {r['write']:.2f} | "
              f"{r['load']:.2f} | {r['measure']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
