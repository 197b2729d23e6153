"""Seconds to a proven optimum of the call allocation (models/territory/calls.py) against a plain
0-1 MILP of the same problem solved by CBC (through PuLP) and by HiGHS (from arrays).

Run by hand: ``.venv/bin/python benchmarks/bench_calls.py [--accounts 50000] [--reps 150]
[--repeat 3] [--milp-reps 15] [--milp-time 60] [--milp-full-time 0] [--s-share 0.5]
[--days 20] [--seed 20261] [--json out.json]``; ``--milp-reps 0`` times the allocation only.

The territory is seeded (:func:`synthetic_accounts`). The MILPs get the accounts of the first
``--milp-reps`` reps only (the full size is out of their reach) and a wall-time limit; the
call allocation is timed on that same sub-problem and on the full one. Every figure is the
median of ``--repeat`` runs in this process; the ratios are of medians from the same run.
A MILP's status, objective and bound are read from the solver (CBC's log, HiGHS's info),
never from PuLP's status, which may say "Optimal" after a time limit.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import queue as queue_mod
import re
import statistics
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import pulp
import scipy.sparse as sp

from models.inventory.highs import new_mip_highs
from models.territory.calls import account_value, allocate_calls

#: CNY per call (travel and time of a field visit)
CALL_COST = 150.0


def synthetic_accounts(n: int, reps: int, seed: int, s_share: float = 0.5,
                       days_per_period: int = 20) -> tuple[pd.DataFrame, dict]:
    """(accounts, capacity per rep). Accounts spread unevenly over reps (Dirichlet shares);
    monthly sales without calls lognormal around 30,000 CNY, with saturation 1.3-3 × that;
    a share ``s_share`` of the curves S-shaped (c 1.5-4), the rest concave (c 0.4-1), half
    response at 2-10 calls (d = x_half^c); margin 50-80 %; max_calls 2-20 (times
    ``days_per_period / 20``), one account in ten with min_calls 1-2; capacity 8 calls a day
    over 18-21 field days a month (``days_per_period`` 20) or pro rata."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    share = rng.dirichlet(np.full(reps, 20.0))
    rep = rng.choice(reps, size=n, p=share)
    s_shaped = rng.random(n) < s_share
    scale = days_per_period / 20
    c = np.where(s_shaped, rng.uniform(1.5, 4.0, n), rng.uniform(0.4, 1.0, n))
    sales_min = 30_000.0 * rng.lognormal(0.0, 0.8, n)
    min_calls = np.where(rng.random(n) < 0.1, rng.integers(1, 3, n), 0)
    accounts = pd.DataFrame({
        "rep": [f"R{r:03d}" for r in rep],
        "sales_min": sales_min,
        "sales_max": sales_min * rng.uniform(1.3, 3.0, n),
        "c": c,
        "d": rng.uniform(2.0, 10.0, n) ** c,
        "margin": rng.uniform(0.5, 0.8, n),
        "min_calls": min_calls,
        "max_calls": np.maximum(np.round(rng.integers(2, 21, n) * scale).astype(int), min_calls),
    })
    capacity = {f"R{r:03d}": int(8 * rng.integers(18, 22) * scale) for r in range(reps)}
    return accounts, capacity


def _levels(accounts: pd.DataFrame, capacity: dict, cost: float):
    """Plain 0-1 model data: one binary per account and call above min_calls, its increment,
    the rep row of each binary, the capacity left per rep, and the constant Σ value(min)."""
    lo, hi = accounts["min_calls"].to_numpy(), accounts["max_calls"].to_numpy()
    cols = {k: accounts[k].to_numpy() for k in ("margin", "sales_min", "sales_max", "c", "d")}
    width = hi - lo
    acc = np.repeat(np.arange(len(lo)), width)
    k = np.arange(len(acc)) - np.repeat(np.cumsum(width) - width, width) + lo[acc] + 1
    args = [cols[name][acc] for name in ("margin", "sales_min", "sales_max", "c", "d")]
    inc = account_value(k, *args, cost) - account_value(k - 1, *args, cost)
    reps, rep_code = np.unique(accounts["rep"].to_numpy(), return_inverse=True)
    left = np.array([capacity[r] for r in reps]) - np.bincount(rep_code, weights=lo)
    base = account_value(lo, *[cols[n] for n in ("margin", "sales_min", "sales_max", "c", "d")],
                         cost).sum()
    return acc, inc, rep_code[acc], left, float(base)


def milp_highs(accounts, capacity, cost, time_limit) -> dict:
    """The plain MILP from arrays in HiGHS: max Σ inc·y, Σ_rep y ≤ left, y_k ≥ y_{k+1}."""
    acc, inc, row, left, base = _levels(accounts, capacity, cost)
    n = len(acc)
    nxt = np.flatnonzero(acc[1:] == acc[:-1])  # y[j] − y[j+1] ≥ 0
    r = np.concatenate([row, len(left) + np.arange(len(nxt)), len(left) + np.arange(len(nxt))])
    cidx = np.concatenate([np.arange(n), nxt, nxt + 1])
    val = np.concatenate([np.ones(n), np.ones(len(nxt)), -np.ones(len(nxt))])
    a = sp.csc_matrix((val, (r, cidx)), shape=(len(left) + len(nxt), n))
    h = new_mip_highs(time_limit)
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                            np.full(n, highspy.HighsVarType.kInteger))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), -inc)
    ar = a.tocsr()
    lower = np.concatenate([np.full(len(left), -inf), np.zeros(len(nxt))])
    upper = np.concatenate([left, np.full(len(nxt), inf)])
    h.addRows(ar.shape[0], lower, upper, ar.nnz, ar.indptr.astype(np.int32),
              ar.indices.astype(np.int32), ar.data)
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    info = h.getInfo()
    return {"solver": "HiGHS", "binaries": n, "status": h.modelStatusToString(h.getModelStatus()),
            "objective": base - info.objective_function_value
            if info.primal_solution_status == 2 else float("nan"),  # 2: a feasible solution
            "bound": base - info.mip_dual_bound, "gap": info.mip_gap, "seconds": seconds}


def _feasible(x: np.ndarray, acc, row, left) -> bool:
    """A 0-1 solution of the plain MILP meets the capacities and the level order."""
    same = acc[1:] == acc[:-1]
    ordered = not (same & ~x[:-1] & x[1:]).any()
    return ordered and bool((np.bincount(row, weights=x, minlength=len(left)) <= left).all())


def milp_cbc(accounts, capacity, cost, time_limit) -> dict:
    """The same MILP through PuLP and CBC; status and bound from CBC's own log."""
    acc, inc, row, left, base = _levels(accounts, capacity, cost)
    prob = pulp.LpProblem("calls", pulp.LpMaximize)
    y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(len(acc))]
    prob += pulp.lpSum(float(inc[j]) * y[j] for j in range(len(acc)))
    for k in range(len(left)):
        prob += pulp.lpSum(y[j] for j in np.flatnonzero(row == k)) <= float(left[k])
    for j in np.flatnonzero(acc[1:] == acc[:-1]):
        prob += y[j] >= y[j + 1]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        t0 = time.perf_counter()
        prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, threads=1,
                                     logPath=str(log)))
        seconds = time.perf_counter() - t0
        text = log.read_text(encoding="utf-8", errors="replace")
    result = re.search(r"Result - (.+)", text)
    status = result.group(1).strip() if result else "unknown"
    # CBC minimises −Σ inc·y internally and prints the bound in the problem's (max) sense as
    # "Upper bound"; with a proof ("Optimal solution found") it prints none: bound = objective
    x = np.array([(v.value() or 0.0) > 0.5 for v in y])
    feasible = "No feasible solution" not in text and _feasible(x, acc, row, left)
    attained = float(inc[x].sum()) if feasible else float("nan")
    upper = re.search(r"Upper bound:\s+(\S+)", text)
    if upper:
        bound = base + float(upper.group(1))
    else:
        bound = base + attained if status.startswith("Optimal") else float("nan")
    return {"solver": "CBC (PuLP)", "binaries": len(acc),
            "status": status, "pulp_status": pulp.LpStatus[prob.status],
            "objective": base + attained, "bound": bound, "seconds": seconds}


def _ours(accounts, capacity, repeat) -> tuple[list[float], object]:
    times, plan = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan = allocate_calls(accounts, capacity, call_cost=CALL_COST, time_limit_s=60)
        times.append(time.perf_counter() - t0)
    return times, plan


def _child(queue, fn, args) -> None:
    queue.put(fn(*args))


def _guarded(fn, args, wall: float) -> dict:
    """``fn(*args)`` in a forked process, stopped after ``wall`` seconds: a solver that does
    not honour its time limit (HiGHS on the full territory) still gives a row."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, fn, args))
    t0 = time.perf_counter()
    proc.start()
    try:
        return queue.get(timeout=wall)
    except queue_mod.Empty:
        return {"solver": fn.__name__, "binaries": -1,
                "status": f"no answer, stopped at {wall:.0f} s",
                "objective": float("nan"), "bound": float("nan"),
                "seconds": time.perf_counter() - t0}
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()


def _milps(accounts, capacity, limit, repeat, ours_s, suffix) -> dict:
    """Both MILPs ``repeat`` times each; the last run's figures with the median seconds. A run
    is stopped at twice its time limit plus a minute for building the model."""
    out = {}
    for name, fn in (("highs", milp_highs), ("cbc", milp_cbc)):
        runs = [_guarded(fn, (accounts, capacity, CALL_COST, limit), 2 * limit + 60)
                for _ in range(repeat)]
        secs = [r["seconds"] for r in runs]
        last = runs[-1] | {"median_s": statistics.median(secs), "runs_s": secs,
                           "ratio_to_ours": statistics.median(secs) / ours_s, "limit_s": limit}
        out[name + suffix] = last
        print(f"  {last['solver']} ({len(accounts)} accounts, limit {limit:.0f} s): "
              f"{last['status']}, objective {last['objective']:,.2f}, bound "
              f"{last['bound']:,.2f}, {last['binaries']} binaries, median "
              f"{last['median_s']:.2f} s ({last['ratio_to_ours']:.0f}x ours)"
              + (f", PuLP says {last['pulp_status']}" if "pulp_status" in last else ""),
              flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--reps", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--milp-reps", type=int, default=15)
    parser.add_argument("--milp-time", type=float, default=60.0)
    parser.add_argument("--milp-full-time", type=float, default=0.0,
                        help="also give each MILP the full territory once, with this limit (s)")
    parser.add_argument("--s-share", type=float, default=0.5, help="share of S-shaped curves")
    parser.add_argument("--days", type=int, default=20, help="field days in the period")
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    accounts, capacity = synthetic_accounts(args.accounts, args.reps, args.seed, args.s_share,
                                            args.days)
    out: dict = {"accounts": args.accounts, "reps": args.reps, "seed": args.seed,
                 "s_share": args.s_share, "days": args.days}
    times, plan = _ours(accounts, capacity, args.repeat)
    out["full"] = {"median_s": statistics.median(times), "runs_s": times,
                   "status": plan.status, "method": plan.method, "objective": plan.objective,
                   "bound": plan.bound, "envelope_bound": plan.envelope_bound,
                   "calls": int(plan.calls.sum()), "s_shaped": int((accounts["c"] > 1).sum())}
    print(f"full {args.accounts} accounts x {args.reps} reps: {plan.status} ({plan.method}), "
          f"objective {plan.objective:,.0f} CNY, envelope bound {plan.envelope_bound:,.0f}, "
          f"median {out['full']['median_s']:.2f} s ({', '.join(f'{t:.2f}' for t in times)})")
    if args.milp_reps > 0:
        keep = sorted(capacity)[: args.milp_reps]
        sub = accounts[accounts["rep"].isin(keep)].reset_index(drop=True)
        cap = {r: capacity[r] for r in keep}
        times, plan = _ours(sub, cap, args.repeat)
        med = statistics.median(times)
        out["sub"] = {"accounts": len(sub), "reps": len(keep), "median_s": med, "runs_s": times,
                      "status": plan.status, "objective": plan.objective, "bound": plan.bound}
        print(f"sub {len(sub)} accounts x {len(keep)} reps: ours {plan.status}, objective "
              f"{plan.objective:,.2f}, median {med:.3f} s")
        out |= _milps(sub, cap, args.milp_time, args.repeat, med, "")
    if args.milp_full_time:
        out |= _milps(accounts, capacity, args.milp_full_time, 1, out["full"]["median_s"],
                      "_full")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2, default=float)


if __name__ == "__main__":
    main()
