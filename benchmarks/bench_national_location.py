"""The national forward-warehouse instance: seconds to a proven gap, this solver vs one HiGHS
MILP of the same instance with its side rows.

Run by hand: ``.venv/bin/python benchmarks/bench_national_location.py [--dataset data/national]
[--time-limit 60] [--repeat 1]``. Instances (all prefecture-level cities × all districts with
demand, and the data set's 37 sites): cost only; every district within 2 days; 95% of demand
within 2 days. "ours" is :func:`models.inventory.network_design.solve_location` (the share rule
goes to :mod:`models.inventory.share_rule`); "one MILP" hands the strong formulation plus the
side rows to HiGHS in one go (``_solve_with_rows``, what ``solve_location`` did before the
share-rule method). Prints status, gap and median wall seconds per instance. Then maximal
covering (:mod:`models.inventory.covering`): the most demand within 2 days with the central DCs
and at most p forward warehouses (``--covering-only`` runs just this part).
"""

from __future__ import annotations

import argparse
import statistics
import time

from data.dataset import load_dataset
from models.inventory.covering import maximal_covering_location
from models.inventory.network_design import (
    _solve_with_rows,
    build_location_problem,
    solve_location,
)
from simulation.calibrate import calibrate

RULES = {"cost only": {}, "every district ≤ 2 days": {"service_days": 2.0},
         "95% of demand ≤ 2 days": {"service_days": 2.0, "service_share": 0.95}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="data/national")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--covering-only", action="store_true")
    args = ap.parse_args()
    ds = load_dataset(args.dataset)
    params = calibrate(ds)
    if not args.covering_only:
        location(ds, params, args)
    covering(ds, params, args)


def covering(ds, params, args) -> None:
    print(f"{'candidates':<12}{'p':>4}{'status':>10}{'covered':>9}{'gap':>10}{'s':>7}")
    for candidates in ("prefectures", "sites"):
        inst = build_location_problem(ds, params.transit, candidates=candidates)
        for p in (0, 1, 3, 5, 10):
            r = maximal_covering_location(inst, 2.0, max_sites=p, time_limit_s=args.time_limit)
            gap = "—" if r.gap is None else f"{r.gap:.1e}"
            print(f"{candidates:<12}{p:>4}{r.status:>10}{r.covered_share:>9.1%}{gap:>10}"
                  f"{r.seconds:>7.1f}", flush=True)


def location(ds, params, args) -> None:
    print(f"{'candidates':<12}{'rule':<26}{'solver':<9}{'status':<10}{'gap':>10}{'s':>8}  method")
    for candidates in ("prefectures", "sites"):
        for rule, kw in RULES.items():
            inst = build_location_problem(ds, params.transit, candidates=candidates, **kw)
            solvers = {"ours": lambda i=inst: solve_location(i, args.time_limit).result}
            if kw:
                solvers["one MILP"] = lambda i=inst: _solve_with_rows(i, args.time_limit)
            for name, solve in solvers.items():
                times = []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    result = solve()
                    times.append(time.perf_counter() - t)
                gap = "—" if result.gap is None else f"{result.gap:.2e}"
                print(f"{candidates:<12}{rule:<26}{name:<9}{result.status:<10}{gap:>10}"
                      f"{statistics.median(times):>8.1f}  {result.method} "
                      f"({inst.problem.n_sites} × {inst.problem.n_customers})", flush=True)


if __name__ == "__main__":
    main()
