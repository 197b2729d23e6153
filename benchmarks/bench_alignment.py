"""National territory alignment: :func:`models.territory.alignment.align_territories` against a
plain MILP of the same problem (HiGHS from arrays, and PuLP + CBC), same time limit, one run.

Run by hand: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_alignment.py [--units 8000]
[--reps 150] [--time-limit 60] [--repeat 1] [--skip-cbc]``. Instance (synthetic, seeded):
units in clusters around real district coordinates of mainland China (data/geo), workload
lognormal, rep bases near the clusters (drawn ∝ workload), distance = great-circle km.
Cases: minimum distance at balance ±15%; minimum disruption from a balanced alignment after
30% workload growth in East China, at balance ±15%. For each solver: status, objective, the
solver's own bound and gap (PuLP can say "Optimal" after a time limit, so CBC's log is read),
wall seconds (model building included; the limit applies to the solve).
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from data.geography import great_circle_km, load_districts
from models.territory.alignment import align_territories, load_limits
from models.territory.alignment_bounds import GapProblem, relative_gap
from models.territory.alignment_solve import solve_milp

GROWTH_REGION = "East"
GROWTH = 1.3
BALANCE = 0.15


def instance(units: int, reps: int, rng: np.random.Generator):
    """(workload, distance km, unit regions) of a clustered national instance."""
    dist = load_districts()
    dist = dist[dist["level"] == "county"].reset_index(drop=True)
    centres = rng.choice(len(dist), size=min(max(units // 20, 1), len(dist)), replace=False)
    pick = rng.choice(centres, size=units)
    lon = dist["longitude"].to_numpy()[pick] + rng.normal(0, 0.25, units)
    lat = dist["latitude"].to_numpy()[pick] + rng.normal(0, 0.2, units)
    workload = rng.lognormal(mean=3.0, sigma=0.8, size=units)
    base = rng.choice(units, size=reps, replace=False, p=workload / workload.sum())
    blon = lon[base] + rng.normal(0, 0.1, reps)
    blat = lat[base] + rng.normal(0, 0.1, reps)
    km = great_circle_km(lon[:, None], lat[:, None], blon[None, :], blat[None, :])
    return workload, km, dist["region"].to_numpy()[pick]


def highs_plain(workload, km, current, objective, time_limit):
    """One HiGHS MILP on all unit-rep pairs, no reductions or start."""
    n, m = km.shape
    lo, up = load_limits(workload, m, BALANCE)
    if objective == "disruption":
        cost = workload[:, None] * (np.arange(m)[None, :] != current[:, None])
    else:
        cost = km
    problem = GapProblem(cost, np.broadcast_to(workload[:, None], (n, m)), np.full(m, lo),
                         np.full(m, up), current, workload, None, km)
    t0 = time.perf_counter()
    cu, cr = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    status, _, z, bound = solve_milp(problem, cu, cr, None, time_limit, 1e-9)
    return status, z, bound, time.perf_counter() - t0


def cbc_plain(workload, km, current, objective, time_limit):
    """The same MILP written with PuLP and solved by CBC; bound and status from CBC's log."""
    import pulp

    n, m = km.shape
    lo, up = load_limits(workload, m, BALANCE)
    t0 = time.perf_counter()
    prob = pulp.LpProblem("align", pulp.LpMinimize)
    x = [[pulp.LpVariable(f"x_{i}_{j}", cat="Binary") for j in range(m)] for i in range(n)]
    if objective == "disruption":
        prob += pulp.lpSum(workload[i] * x[i][j] for i in range(n) for j in range(m)
                           if j != current[i])
    else:
        prob += pulp.lpSum(km[i, j] * x[i][j] for i in range(n) for j in range(m))
    for i in range(n):
        prob += pulp.lpSum(x[i]) == 1
    for j in range(m):
        load = pulp.lpSum(workload[i] * x[i][j] for i in range(n))
        prob += load <= up
        prob += load >= lo
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        prob.solve(pulp.PULP_CBC_CMD(timeLimit=time_limit, msg=False, logPath=str(log),
                                     threads=1))
        text = log.read_text() if log.exists() else ""
    seconds = time.perf_counter() - t0
    result = re.search(r"Result - (.+)", text)
    obj = re.search(r"Objective value:\s+([-\d.eE+]+)", text)
    low = re.search(r"Lower bound:\s+([-\d.eE+]+)", text)
    return (result.group(1).strip() if result else pulp.LpStatus[prob.status],
            float(obj.group(1)) if obj else np.nan,
            float(low.group(1)) if low else np.nan, seconds)


def grown(workload, km, regions, time_limit):
    """Today's alignment (balanced min-distance) and the workload after regional growth."""
    base = align_territories(workload, km, balance=BALANCE, time_limit_s=time_limit)
    new = workload * np.where(regions == GROWTH_REGION, GROWTH, 1.0)
    return base.assignment, new


def row(case, solver, status, z, bound, seconds):
    gap = relative_gap(z, bound) if np.isfinite(z) and np.isfinite(bound) else np.nan
    print(f"{case:<12}{solver:<10}{status:<28}{z:>14.1f}{bound:>14.1f}{gap:>10.2e}"
          f"{seconds:>8.1f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=8000)
    ap.add_argument("--reps", type=int, default=150)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--skip-cbc", action="store_true")
    ap.add_argument("--only", choices=("distance", "disruption"))
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    workload, km, regions = instance(args.units, args.reps, rng)
    current, new = grown(workload, km, regions, args.time_limit)
    lo, up = load_limits(new, args.reps, BALANCE)
    load = np.bincount(current, weights=new, minlength=args.reps)
    print(f"{args.units} units × {args.reps} reps; after growth {int((load > up).sum())} reps "
          f"over and {int((load < lo).sum())} under the ±{BALANCE:.0%} limits")
    print(f"{'case':<12}{'solver':<10}{'status':<28}{'objective':>14}{'bound':>14}{'gap':>10}"
          f"{'s':>8}")
    cases = {"distance": (workload, None), "disruption": (new, current)}
    for case, (w, cur) in cases.items():
        if args.only and case != args.only:
            continue
        ours = []
        for _ in range(args.repeat):
            r = align_territories(w, km, balance=BALANCE, current=cur, objective=case,
                                  time_limit_s=args.time_limit)
            ours.append(r.seconds)
        row(case, "ours", r.status, r.objective, r.bound, statistics.median(ours))
        row(case, "highs", *highs_plain(w, km, cur, case, args.time_limit))
        if not args.skip_cbc:
            row(case, "pulp+cbc", *cbc_plain(w, km, cur, case, args.time_limit))


if __name__ == "__main__":
    main()
