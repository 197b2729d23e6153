"""When a three-scenario comparison shows its first CIs (issue: within 30 s, refined as
replications arrive), and what preparing its scenarios costs.

Runs ``pharmaops compare`` on baseline, plan and the plan without forward warehouses of the
default data set as the committee page's job does (``--workers 2``), once all at once (the
first CIs come with the finished run) and once refined (``--partial-json``), alternating, a
new seed per round and nothing stored, so neither is served from the other. Reported per
variant (medians over the rounds): the base's first CIs, every scenario's first CIs, the end.
A warm-up run fills the results kept beside the run store (today's process and work, the
data set's typed tables), as on a server that has answered once. Then, in this process, the
three scenarios prepared on one data set object (the per-data-set results shared) and each on
its own copy (as before they were shared).

    .venv/bin/python benchmarks/bench_refined_compare.py [--rounds 2] [--replications 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SCENARIOS = [str(PROJECT / "scenarios" / "2026Q4" / f"{name}.toml")
             for name in ("baseline", "plan", "whatif_no_forward_warehouses")]


def _compare(env: dict, seed: int, replications: int, refined: bool,
             folder: Path) -> dict[str, float]:
    """Seconds from the command's start to the base's first CIs, every scenario's, the end."""
    partial = folder / f"partial-{seed}-{int(refined)}.json"
    command = [sys.executable, "-m", "scenarios.cli", "compare", *SCENARIOS, "--replications",
               str(replications), "--seed", str(seed), "--workers", "2", "--no-store"]
    command += ["--partial-json", str(partial)] if refined else []
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    seen: dict[str, float] = {}
    while process.poll() is None:
        try:
            scenarios = len(json.loads(partial.read_text())["scenarios"])
        except (OSError, ValueError, KeyError):
            scenarios = 0
        now = time.perf_counter() - start
        if scenarios >= 1:
            seen.setdefault("base", now)
        if scenarios == len(SCENARIOS):
            seen.setdefault("all", now)
        time.sleep(0.1)
    if process.returncode != 0:
        raise SystemExit(f"compare failed with exit code {process.returncode}")
    end = time.perf_counter() - start
    return {"base": seen.get("base", end), "all": seen.get("all", end), "end": end}


def _preparation() -> tuple[float, float]:
    """Seconds to prepare the three scenarios on one data set object, then on a copy each."""
    from data.dataset import Dataset
    from scenarios.compare import load_scenarios
    from scenarios.dataset_cache import load_dataset_kept
    from scenarios.run import prepare

    loaded = load_scenarios(SCENARIOS)
    ds = load_dataset_kept(loaded[0].dataset_path)
    start = time.perf_counter()
    for item in loaded:
        prepare(item, ds)
    shared = time.perf_counter() - start
    start = time.perf_counter()
    for item in loaded:
        prepare(item, Dataset(dict(ds.tables), ds.as_of, ds.fingerprint, ds.path, ds.meta))
    return shared, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_refined_"))
    store = os.environ.get("PHARMAOPS_RUN_STORE") or str(folder / "runs.sqlite")
    os.environ["PHARMAOPS_RUN_STORE"] = store
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    print(f"run store {store}; load {os.getloadavg()[0]:.1f}", flush=True)
    _compare(env, 1, 2, True, folder)  # warm-up: what a server keeps after its first answer
    figures: dict[str, list[dict[str, float]]] = {"at once": [], "refined": []}
    for r in range(args.rounds):
        for name in figures if r % 2 == 0 else reversed(figures):
            got = _compare(env, 100 + r, args.replications, name == "refined", folder)
            figures[name].append(got)
            print(f"round {r + 1} {name}: base's first CIs {got['base']:.1f} s, every "
                  f"scenario's {got['all']:.1f} s, end {got['end']:.1f} s; load "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
    for name, runs in figures.items():
        med = {k: statistics.median(run[k] for run in runs) for k in ("base", "all", "end")}
        print(f"{name}: median base's first CIs {med['base']:.1f} s, every scenario's "
              f"{med['all']:.1f} s, end {med['end']:.1f} s")
    shared, separate = _preparation()
    print(f"preparing the three scenarios: {shared:.1f} s on one data set object, "
          f"{separate:.1f} s on a copy each ({separate / shared:.1f}×)")


if __name__ == "__main__":
    main()
