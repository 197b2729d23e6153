"""Seconds of ``pharmaops credit policy`` on a real data set, step by step: scoring (the
national scorecard's holdout check and refit), the terms model's inputs from the simulation's
collection (5 options × 3 weighed outcomes × 96 invoices per account), the proven optimum with
its binding limits priced, the 10-point DSO frontier, the two reminder schedules compared and
the collection worklist (every open receivable valued, 256 draws each).

Run by hand: ``.venv/bin/python benchmarks/bench_credit_policy.py [scenarios/2026Q4/plan.toml]
[--repeat 3]``. Loading and calibrating the data set happen once, before the timed steps.
"""

from __future__ import annotations

import argparse
import statistics
import time

from models.credit.scoring import score_customers
from models.credit.terms import efficient_frontier, optimize_terms
from scenarios.collections import collection_worklist, reminder_comparison
from scenarios.credit_policy import policy_limits, terms_problem
from scenarios.credit_report import credit_context, frontier_limits
from scenarios.loading import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default="scenarios/2026Q4/plan.toml")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    loaded = load_scenario(args.scenario)
    t0 = time.perf_counter()
    ctx = credit_context(loaded)
    print(f"load, calibrate, score once: {time.perf_counter() - t0:.1f} s; "
          f"{ctx.inputs.customers:,} accounts")
    times: dict[str, list[float]] = {"score": [], "inputs": [], "optimum": [], "frontier": [],
                                     "reminders": [], "worklist": []}
    limits = policy_limits(ctx.scenario)
    for _ in range(args.repeat):
        t = time.perf_counter()
        score_customers(ctx.dataset, seed=ctx.scenario.seed)
        times["score"].append(time.perf_counter() - t)
        t = time.perf_counter()
        problem = terms_problem(ctx.inputs, ctx.params, ctx.scenario, ctx.credit, ctx.effects,
                                ctx.tier)
        times["inputs"].append(time.perf_counter() - t)
        t = time.perf_counter()
        sol = optimize_terms(problem, **limits)
        times["optimum"].append(time.perf_counter() - t)
        others = {k: v for k, v in limits.items() if k != "dso_target_days"}
        t = time.perf_counter()
        points = efficient_frontier(problem, frontier_limits(problem, 50.0), **others)
        times["frontier"].append(time.perf_counter() - t)
        t = time.perf_counter()
        compared = reminder_comparison(ctx)
        times["reminders"].append(time.perf_counter() - t)
        t = time.perf_counter()
        wl = collection_worklist(ctx)
        times["worklist"].append(time.perf_counter() - t)
    print(f"optimum: {sol.status}, gap {sol.gap}, binding {sol.binding}")
    print(f"frontier: {[p['status'] for p in points]}")
    print(compared.to_string(index=False))
    print(f"worklist: {len(wl.accounts):,} accounts, {len(wl.invoices):,} invoices, "
          f"{wl.accounts['recovered_cny'].sum():,.0f} CNY brought in by one contact each")
    for step, values in times.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"{step:9s} median {statistics.median(values):6.2f} s  ({runs})")


if __name__ == "__main__":
    main()
