"""Seconds to grade 100,000 doctors: the attribute points once, then re-grading with new
weights (what a sales director's slider does) and the potential × support grid.

Run by hand: ``.venv/bin/python benchmarks/bench_grading.py [--doctors 100000] [--repeat 5]
[--data data/national]``. The doctors are the data set's, drawn with replacement up to the
count asked for.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from data.dataset import load_dataset
from models.territory.grading import DEFAULT_WEIGHTS, attribute_points, regrade, value_grid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--doctors", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", default="data/national")
    args = parser.parse_args()
    ds = load_dataset(args.data)
    terminals = ds["terminals"].set_index("terminal_id")
    rng = np.random.default_rng(0)
    pick = rng.integers(0, len(ds["doctors"]), args.doctors)
    doctors = ds["doctors"].iloc[pick].reset_index(drop=True)
    hospital = doctors["terminal_id"].map(terminals["terminal_type"])
    city = doctors["terminal_id"].map(terminals["city"])
    times: dict[str, list[float]] = {"points": [], "regrade": [], "grid": []}
    for k in range(args.repeat):
        t = time.perf_counter()
        points = attribute_points(doctors, hospital)
        times["points"].append(time.perf_counter() - t)
        weights = {**DEFAULT_WEIGHTS, "title": 0.2 + 0.05 * k}
        t = time.perf_counter()
        _, grade = regrade(points, weights)
        times["regrade"].append(time.perf_counter() - t)
        t = time.perf_counter()
        grid = value_grid(doctors, city)
        times["grid"].append(time.perf_counter() - t)
    counts = {str(g): int(c) for g, c in zip(*np.unique(grade, return_counts=True), strict=True)}
    print(f"{args.doctors:,} doctors; grades {counts}; in the grid "
          f"{(grid['cell'] != '').mean():.1%}")
    for step, values in times.items():
        print(f"{step:8s} median {statistics.median(values) * 1000:8.1f} ms  "
              f"({', '.join(f'{v * 1000:.1f}' for v in values)})")


if __name__ == "__main__":
    main()
