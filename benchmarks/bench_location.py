"""Seconds to a proven optimum: :func:`solve_facility_location` vs plain HiGHS vs PuLP + CBC.

Run by hand: ``.venv/bin/python benchmarks/bench_location.py [--repeat 3] [--time-limit 60]
[--set numbered|large|uncap|pmed|all] [--json out.json]``. Every solver gets the same arrays;
"plain HiGHS" hands the strong formulation of docs/location.md with all pairs to HiGHS, "CBC"
is the same model through PuLP. "ours" is what :func:`solve_facility_location` dispatches to:
the Lagrangian branch-and-bound of models/inventory/cflp_bnb.py for the large multi-source
capacitated instances (``--set large``: capa/capb/capc, 100 × 1000), the reduced MILP for
uncapacitated ones and the strong MILP otherwise (capacitated: with
``CAPACITATED_MILP_OPTIONS``; "plain" keeps HiGHS's defaults); the method is printed per
instance.
``--only capa_8000,capb_5000`` restricts the set. Prints per instance the median wall
seconds of the repeats, status, relative error to the published optimum, and the ratios
plain/ours and CBC/ours (a run stopped by the limit is charged the limit, so with a limit the
ratios are lower bounds). CBC's "Optimal" is not trusted: a run is proven only when its
objective meets the published optimum within 1e-6 and it stopped before the limit.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pulp

from models.inventory import FacilityProblem, read_orlib_cap, read_orlib_pmed
from models.inventory.facility_location import solve_facility_location, solve_plain_milp

ORLIB = Path(__file__).resolve().parents[1] / "tests" / "data" / "orlib"


def instances(which: str) -> list[tuple[str, FacilityProblem, float]]:
    """(name, problem, published optimum) of the chosen set."""
    out: list[tuple[str, FacilityProblem, float]] = []
    with (ORLIB / "cap" / "optima.csv").open() as fh:
        cap_rows = list(csv.DictReader(fh))
    for row in cap_rows:
        large = bool(row["capacity_substitution"])
        if (which in {"numbered", "all"} and not large) or (which in {"large", "all"} and large):
            cap = float(row["capacity_substitution"]) if large else None
            problem = read_orlib_cap(ORLIB / "cap" / row["file"], capacity=cap)
            out.append((row["name"], problem, float(row["optimal_value"])))
    if which in {"uncap", "all"}:
        with (ORLIB / "uncap" / "optima.csv").open() as fh:
            for row in csv.DictReader(fh):
                problem = read_orlib_cap(ORLIB / "uncap" / row["instance_file"], capacity=1.0)
                problem = dataclasses.replace(problem, capacity=None, name=f"{row['name']}_ufl")
                out.append((f"{row['name']}_ufl", problem, float(row["optimal_value"])))
    if which in {"pmed", "all"}:
        with (ORLIB / "pmed" / "optima.csv").open() as fh:
            for row in list(csv.DictReader(fh))[:10]:
                problem = read_orlib_pmed(ORLIB / "pmed" / f"{row['name']}.txt")
                out.append((row["name"], problem, float(row["optimal_value"])))
    return out


def solve_cbc(problem: FacilityProblem, time_limit_s: float) -> tuple[str, float | None]:
    """Same strong MILP through PuLP + CBC; returns (PuLP status, objective)."""
    m, n = problem.n_sites, problem.n_customers
    mdl = pulp.LpProblem("cflp", pulp.LpMinimize)
    y = [pulp.LpVariable(f"y{i}", cat="Binary") for i in range(m)]
    x = [[pulp.LpVariable(f"x{i}_{j}", 0, 1) for j in range(n)] for i in range(m)]
    mdl += pulp.lpSum(problem.fixed_cost[i] * y[i] for i in range(m)) + pulp.lpSum(
        problem.cost[i, j] * x[i][j] for i in range(m) for j in range(n)
    )
    for j in range(n):
        mdl += pulp.lpSum(x[i][j] for i in range(m)) == 1, f"demand_{j}"
    for i in range(m):
        for j in range(n):
            mdl += x[i][j] <= y[i], f"link_{i}_{j}"
    if problem.capacity is not None:
        d = problem.demand
        for i in range(m):
            expr = pulp.lpSum(d[j] * x[i][j] for j in range(n))
            mdl += expr <= problem.capacity[i] * y[i], f"capacity_{i}"
        mdl += pulp.lpSum(problem.capacity[i] * y[i] for i in range(m)) >= d.sum(), "aggregate"
    if problem.p is not None:
        mdl += pulp.lpSum(y) == problem.p, "open_count"
    mdl.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=1e-7))
    return pulp.LpStatus[mdl.status], pulp.value(mdl.objective)


def timed(fn: Callable[[], tuple[str, float | None]], repeat: int) -> tuple[float, str, float]:
    """Median wall seconds over ``repeat`` runs, with the last run's status and objective."""
    times: list[float] = []
    status, obj = "", float("nan")
    for _ in range(repeat):
        t0 = time.perf_counter()
        status, value = fn()
        times.append(time.perf_counter() - t0)
        obj = float("nan") if value is None else float(value)
    return statistics.median(times), status, obj


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument(
        "--set", default="numbered", choices=["numbered", "large", "uncap", "pmed", "all"]
    )
    ap.add_argument("--no-cbc", action="store_true", help="skip PuLP + CBC")
    ap.add_argument("--only", default="", help="comma-separated instance names")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    lim = args.time_limit

    methods: dict[str, str] = {}

    def ours(p: FacilityProblem) -> tuple[str, float | None]:
        r = solve_facility_location(p, time_limit_s=lim)
        methods[p.name] = r.method
        return r.status, r.objective

    def plain(p: FacilityProblem) -> tuple[str, float | None]:
        r = solve_plain_milp(p, time_limit_s=lim)
        return r.status, r.objective

    rows = []
    head = f"{'instance':<14}{'ours s':>9} {'status':<9}{'plain s':>9} {'status':<9}"
    head += f"{'cbc s':>9} {'status':<11}{'plain/ours':>11}{'cbc/ours':>9}  method"
    print(head)
    only = {x for x in args.only.split(",") if x}
    for name, problem, opt in instances(args.set):
        if only and name not in only:
            continue
        t_o, s_o, z_o = timed(lambda p=problem: ours(p), args.repeat)
        t_p, s_p, z_p = timed(lambda p=problem: plain(p), args.repeat)
        if args.no_cbc:
            t_c, s_c, z_c = float("nan"), "skipped", float("nan")
        else:
            t_c, s_c, z_c = timed(lambda p=problem: solve_cbc(p, lim), args.repeat)
            proven = abs(z_c - opt) <= 1e-6 * abs(opt) and t_c < lim
            s_c = "optimal" if proven else f"{s_c}?"
        row = {
            "instance": name,
            "method": methods.get(problem.name, ""),
            "optimum": opt,
            "ours_s": t_o,
            "ours_status": s_o,
            "ours_rel_err": abs(z_o - opt) / abs(opt),
            "plain_s": t_p,
            "plain_status": s_p,
            "plain_rel_err": abs(z_p - opt) / abs(opt),
            "cbc_s": t_c,
            "cbc_status": s_c,
            "cbc_rel_err": abs(z_c - opt) / abs(opt),
        }
        rows.append(row)
        print(
            f"{name:<14}{t_o:>9.2f} {s_o:<9}{t_p:>9.2f} {s_p:<9}{t_c:>9.2f} {s_c:<11}"
            f"{t_p / t_o:>11.2f}{t_c / t_o:>9.2f}  {row['method']}",
            flush=True,
        )
    ratio_p = [r["plain_s"] / r["ours_s"] for r in rows]
    ratio_c = [r["cbc_s"] / r["ours_s"] for r in rows if np.isfinite(r["cbc_s"])]
    print(f"median ratio plain/ours {statistics.median(ratio_p):.2f}", end="")
    print(f", cbc/ours {statistics.median(ratio_c):.2f}" if ratio_c else "")
    print(f"total seconds ours {sum(r['ours_s'] for r in rows):.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
