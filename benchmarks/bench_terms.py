"""Seconds to a proven optimum of the terms model (models/credit/terms.py) on a synthetic
national portfolio, and a 10-point DSO frontier.

Run by hand: ``.venv/bin/python benchmarks/bench_terms.py [--customers 8000] [--repeat 3]
[--seed 20261] [--json out.json]``. The portfolio is seeded and shaped like the company's
customers (see :func:`synthetic_portfolio`); the DSO and bad-debt limits are set to bind (the
2 % sales-loss cap is given too, and is slack on the default portfolio). Prints
the median wall seconds of the repeats for: the optimum alone, the optimum with its limits
priced (one re-solve per limit), and the frontier.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from models.credit.terms import (
    OPTIONS,
    TermsProblem,
    efficient_frontier,
    optimize_terms,
    reachable_limits,
)

#: customer types: share of customers, median annual sales (CNY), days on monthly terms
TYPES = {
    "public_hospital": (0.15, 1_200_000.0, 150.0),
    "private_hospital": (0.15, 400_000.0, 75.0),
    "chain_pharmacy": (0.20, 600_000.0, 50.0),
    "retail_pharmacy": (0.40, 120_000.0, 35.0),
    "clinic": (0.10, 60_000.0, 40.0),
}
#: risk tiers: share, annual bad-debt rate on monthly terms
TIERS = {"premium": (0.30, 0.002), "ordinary": (0.50, 0.008), "risk": (0.20, 0.03)}


def synthetic_portfolio(n: int, seed: int) -> tuple[TermsProblem, np.ndarray, np.ndarray]:
    """(problem, customer type per customer, tier per customer). Per option, relative to
    monthly: 75 days sells 2-6 % more, +25-35 days, bad debt × 1.5-2; the 1 % cash discount is
    taken by 40-90 % of the sales (cost 1 % of that), cuts days to 10-20 and bad debt by half;
    the quarterly rebate (1.5-2.5 % of sales) sells 2-5 % more on monthly days; cash before
    delivery loses 10-40 % of sales (hospitals most), 1-3 days, no bad debt. Rules: risk tier
    never on 75 days, public hospitals never cash before delivery; today everyone is monthly."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    kinds = list(TYPES)
    kind = rng.choice(len(kinds), size=n, p=[TYPES[k][0] for k in kinds])
    tier_names = list(TIERS)
    tier = rng.choice(len(tier_names), size=n, p=[TIERS[t][0] for t in tier_names])
    median = np.array([TYPES[k][1] for k in kinds])[kind]
    monthly_days = np.array([TYPES[k][2] for k in kinds])[kind] * rng.uniform(0.8, 1.2, n)
    base_bad = np.array([TIERS[t][1] for t in tier_names])[tier] * rng.lognormal(0, 0.4, n)
    sales0 = median * rng.lognormal(0.0, 0.7, n)
    margin = rng.uniform(0.22, 0.38, n)
    k = len(OPTIONS)
    sales = np.empty((n, k))
    days = np.empty((n, k))
    bad = np.empty((n, k))
    cost = np.zeros((n, k))
    hospital = np.isin(kind, [kinds.index("public_hospital"), kinds.index("private_hospital")])
    sales[:, 0], days[:, 0], bad[:, 0] = sales0, monthly_days, base_bad
    sales[:, 1] = sales0 * rng.uniform(1.02, 1.06, n)
    days[:, 1] = monthly_days + rng.uniform(25, 35, n)
    bad[:, 1] = base_bad * rng.uniform(1.5, 2.0, n)
    uptake = rng.uniform(0.4, 0.9, n)
    sales[:, 2] = sales0 * rng.uniform(1.0, 1.02, n)
    days[:, 2] = uptake * rng.uniform(10, 20, n) + (1 - uptake) * monthly_days
    bad[:, 2] = base_bad * rng.uniform(0.4, 0.6, n)
    cost[:, 2] = 0.01 * uptake * sales[:, 2]
    sales[:, 3] = sales0 * rng.uniform(1.02, 1.05, n)
    days[:, 3] = monthly_days
    bad[:, 3] = base_bad
    cost[:, 3] = rng.uniform(0.015, 0.025, n) * sales[:, 3]
    loss = np.where(hospital, rng.uniform(0.25, 0.40, n), rng.uniform(0.10, 0.30, n))
    sales[:, 4] = sales0 * (1 - loss)
    days[:, 4] = rng.uniform(1, 3, n)
    bad[:, 4] = 0.0
    allowed = np.ones((n, k), dtype=bool)
    allowed[tier == tier_names.index("risk"), 1] = False
    allowed[kind == kinds.index("public_hospital"), 4] = False
    problem = TermsProblem(sales, margin[:, None] * np.ones((1, k)), days, bad, cost,
                           cost_of_capital_per_year=0.06, allowed=allowed,
                           current_option=np.zeros(n, dtype=int))
    return problem, kind, tier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    problem, _, _ = synthetic_portfolio(args.customers, args.seed)
    free = optimize_terms(problem, shadow_prices=False)
    best = reachable_limits(problem)
    p = free.portfolio
    # tighter than the unconstrained optimum on DSO and bad debt, a modest sales-loss cap
    limits = {"dso_target_days": best["dso_days"] + 0.6 * (p["dso_days"] - best["dso_days"]),
              "bad_debt_target": 0.8 * p["bad_debt_rate"], "sales_loss_limit": 0.02}
    print(f"{args.customers} customers x {len(OPTIONS)} options; unconstrained: profit "
          f"{p['profit_cny'] / 1e6:.2f} M CNY, DSO {p['dso_days']:.1f} d, bad debt "
          f"{p['bad_debt_rate']:.4f}, sales loss {p['sales_loss_rate']:.4f}; lowest DSO "
          f"reachable {best['dso_days']:.1f} d")
    print("limits:", {k: round(v, 4) for k, v in limits.items()})
    times: dict[str, list[float]] = {"optimum": [], "optimum_priced": [], "frontier_10": []}
    dso_points = list(np.linspace(best["dso_days"] + 1.0, p["dso_days"], 10))
    sol = priced = frontier = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        sol = optimize_terms(problem, shadow_prices=False, **limits)
        times["optimum"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        priced = optimize_terms(problem, **limits)
        times["optimum_priced"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        frontier = efficient_frontier(problem, dso_points,
                                      bad_debt_target=limits["bad_debt_target"],
                                      sales_loss_limit=limits["sales_loss_limit"])
        times["frontier_10"].append(time.perf_counter() - t0)
    assert sol is not None and priced is not None and frontier is not None
    medians = {k: statistics.median(v) for k, v in times.items()}
    print(f"optimum: {sol.status}, profit {sol.objective_cny / 1e6:.4f} M CNY, gap "
          f"{sol.gap:.2e}; portfolio", {k: round(v, 4) for k, v in sol.portfolio.items()})
    print("prices (CNY per day / per percentage point):",
          {k: round(v) for k, v in priced.binding.items()})
    for pt in frontier:
        print(f"  DSO <= {pt['dso_limit_days']:6.2f} d: {pt['status']:>10}, profit "
              f"{pt['profit_cny'] / 1e6 if pt['profit_cny'] is not None else float('nan'):.4f}"
              " M CNY")
    for k, v in times.items():
        print(f"{k}: median {medians[k]:.2f} s over {len(v)} ({', '.join(f'{x:.2f}' for x in v)})")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"customers": args.customers, "seed": args.seed, "limits": limits,
                       "times_s": times, "medians_s": medians, "status": sol.status,
                       "gap": sol.gap, "binding": priced.binding, "frontier": frontier}, fh,
                      indent=2)


if __name__ == "__main__":
    main()
