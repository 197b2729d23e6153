"""Terms optimization (models/credit/terms.py) against brute force over every assignment."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from data.problems import InputError
from models.credit.terms import (
    TermsProblem,
    dominance_replacement,
    efficient_frontier,
    optimize_terms,
    reachable_limits,
)

N, K = 6, 5  # 5**6 = 15,625 assignments


def _problem(seed: int, allowed: np.ndarray | None = None) -> TermsProblem:
    """Random but shaped like the five options: longer terms sell more and cost more days and
    bad debt; cash before delivery loses sales but has no receivable."""
    rng = np.random.default_rng(seed)
    base = rng.lognormal(13.0, 0.8, N)[:, None]
    lift = np.array([1.0, 1.04, 0.99, 1.03, 0.8]) * rng.uniform(0.9, 1.1, (N, K))
    sales = base * lift
    margin = rng.uniform(0.25, 0.40, (N, 1)) * np.ones((1, K))
    days = np.array([45.0, 80.0, 15.0, 48.0, 3.0]) * rng.uniform(0.8, 1.3, (N, K))
    bad = rng.uniform(0.002, 0.03, (N, 1)) * np.array([1.0, 1.8, 0.6, 1.1, 0.0])
    cost = sales * np.array([0.0, 0.0, 0.006, 0.02, 0.0]) * rng.uniform(0.5, 1.5, (N, K))
    # today each customer is on its best-selling option, so any move loses sales
    return TermsProblem(sales, margin, days, bad, cost, 0.06, allowed=allowed,
                        current_option=sales.argmax(axis=1))


def _brute(problem: TermsProblem, dso: float | None = None, bad: float | None = None,
           loss: float | None = None) -> tuple[float, int | None, dict[str, np.ndarray]]:
    """Best profit over every allowed assignment meeting the limits (−inf if none), the row of
    the best assignment, and every assignment's measures."""
    mask = problem.allowed_mask()
    a = np.array(list(itertools.product(*[np.flatnonzero(mask[i]) for i in range(N)])))
    i = np.arange(N)
    s = problem.sales_cny[i, a]
    total = s.sum(axis=1)
    measures = {
        "dso_days": (s * problem.receivable_days[i, a]).sum(axis=1) / total,
        "bad_debt_rate": (s * problem.bad_debt_rate[i, a]).sum(axis=1) / total,
        "sales_loss_rate": 1.0 - total / problem.today_sales_cny().sum(),
    }
    profit = problem.profit_cny()[i, a].sum(axis=1)
    ok = np.ones(len(a), dtype=bool)
    for key, limit in (("dso_days", dso), ("bad_debt_rate", bad), ("sales_loss_rate", loss)):
        if limit is not None:
            ok &= measures[key] <= limit + 1e-12
    if not ok.any():
        return -np.inf, None, measures
    best = int(np.argmax(np.where(ok, profit, -np.inf)))
    return float(profit[best]), best, measures


def _active_limits(problem: TermsProblem, which: str) -> dict[str, float]:
    """Limits, one at a time, that the optimum so far breaks but a good other assignment
    meets: halfway between the two, the other being the most profitable assignment that meets
    the limits set before and is better on this one. (The limits pull against each other —
    less DSO means more cash before delivery and so less sales — so a limit none can beat is
    left out.)"""
    names = {"dso": "dso_days", "bad": "bad_debt_rate", "loss": "sales_loss_rate"}
    profit = _brute_profits(problem)
    out: dict[str, float] = {}
    for short, key in names.items():
        if which not in (short, "all"):
            continue
        _, best, m = _brute(problem, out.get("dso"), out.get("bad"), out.get("loss"))
        ok = np.ones(profit.size, dtype=bool)
        for s, limit in out.items():
            ok &= m[names[s]] <= limit
        better = ok & (m[key] < m[key][best])
        if key == "sales_loss_rate":
            better &= m[key][best] > 0
        if not better.any():
            continue
        other = int(np.argmax(np.where(better, profit, -np.inf)))
        out[short] = max(0.5 * (float(m[key][best]) + float(m[key][other])), 0.0)
    assert out, "no limit could be made active"
    return out


def _brute_profits(problem: TermsProblem) -> np.ndarray:
    mask = problem.allowed_mask()
    a = np.array(list(itertools.product(*[np.flatnonzero(mask[i]) for i in range(N)])))
    return problem.profit_cny()[np.arange(N), a].sum(axis=1)


KW = {"dso": "dso_target_days", "bad": "bad_debt_target", "loss": "sales_loss_limit"}


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("which", ["none", "dso", "bad", "loss", "all"])
def test_optimum_equals_brute_force(seed: int, which: str) -> None:
    problem = _problem(seed)
    limits = {} if which == "none" else _active_limits(problem, which)
    best, _, _ = _brute(problem, limits.get("dso"), limits.get("bad"), limits.get("loss"))
    unconstrained, _, _ = _brute(problem)
    if which != "none":
        assert best < unconstrained  # the limits are active
    sol = optimize_terms(problem, **{KW[k]: v for k, v in limits.items()})
    assert sol.status == "optimal"
    assert sol.objective_cny == pytest.approx(best, rel=1e-7)
    assert sol.bound_cny >= sol.objective_cny and sol.gap <= 1e-6
    p = sol.portfolio
    tol = 1e-6
    if "dso" in limits:
        assert p["dso_days"] <= limits["dso"] + tol
    if "bad" in limits:
        assert p["bad_debt_rate"] <= limits["bad"] + tol
    if "loss" in limits:
        assert p["sales_loss_rate"] <= limits["loss"] + tol
    assert sol.assignment_names == tuple(problem.option_names[o] for o in sol.assignments)
    i = np.arange(N)
    s = problem.sales_cny[i, sol.assignments]
    assert p["financing_cost_cny"] == pytest.approx(
        (0.06 * problem.receivable_days[i, sol.assignments] / 365 * s).sum())
    assert p["discount_cost_cny"] == pytest.approx(
        problem.discount_cost_cny[i, sol.assignments].sum())


@pytest.mark.parametrize("seed", range(3))
def test_mask_respected(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    allowed = np.ones((N, K), dtype=bool)
    risk = rng.random(N) < 0.4            # risk tier: never extended terms
    hospital = rng.random(N) < 0.4        # public hospitals: never cash before delivery
    allowed[risk, 1] = False
    allowed[hospital, 4] = False
    allowed &= rng.random((N, K)) < 0.8
    allowed[:, 0] = True
    problem = _problem(seed, allowed)
    limits = _active_limits(problem, "dso")
    best, _, _ = _brute(problem, dso=limits["dso"])
    sol = optimize_terms(problem, dso_target_days=limits["dso"])
    assert sol.status == "optimal"
    assert allowed[np.arange(N), sol.assignments].all()
    assert sol.objective_cny == pytest.approx(best, rel=1e-7)


def test_frontier_monotone_and_exact() -> None:
    problem = _problem(7)
    lowest = reachable_limits(problem)["dso_days"]
    limits = list(np.linspace(lowest + 0.5, 70.0, 10))[::-1]   # loosest first: order kept
    points = efficient_frontier(problem, limits)
    assert [pt["dso_limit_days"] for pt in points] == limits
    assert all(pt["status"] == "optimal" for pt in points)
    for pt in points:
        assert pt["profit_cny"] == pytest.approx(_brute(problem, dso=pt["dso_limit_days"])[0],
                                                 rel=1e-7)
    profits = [pt["profit_cny"] for pt in sorted(points, key=lambda q: q["dso_limit_days"])]
    assert all(b >= a for a, b in itertools.pairwise(profits))


def test_impossible_dso_is_infeasible_and_named() -> None:
    problem = _problem(3)
    _, _, m = _brute(problem)
    lowest = float(m["dso_days"].min())
    assert reachable_limits(problem)["dso_days"] == pytest.approx(lowest, rel=1e-9)
    sol = optimize_terms(problem, dso_target_days=0.5 * lowest)
    assert sol.status == "infeasible"
    assert sol.infeasible_constraint == "dso_days"
    assert f"{lowest:.6g}" in sol.message
    assert sol.objective_cny is None and (sol.assignments == -1).all()
    assert optimize_terms(problem, dso_target_days=lowest + 1e-6).status == "optimal"


def test_limits_feasible_alone_but_not_together_are_named_together() -> None:
    problem = _problem(4)
    best = reachable_limits(problem)
    # the lowest DSO needs cash before delivery, which loses sales: forbid any loss as well
    sol = optimize_terms(problem, dso_target_days=best["dso_days"] + 1e-6, sales_loss_limit=0.0)
    assert _brute(problem, dso=best["dso_days"] + 1e-6, loss=0.0)[1] is None
    assert sol.status == "infeasible"
    assert sol.infeasible_constraint == "dso_days, sales_loss_rate"


def test_shadow_price_equals_finite_difference() -> None:
    """Each price is the brute-force profit gained by relaxing its limit by the step, per
    unit; a limit whose relaxation gains nothing is not listed."""
    steps = {"dso_days": ("dso", 1.0, 1.0), "bad_debt_rate": ("bad", 0.001, 0.01),
             "sales_loss_rate": ("loss", 0.001, 0.01)}
    priced = 0
    for seed in range(6):
        problem = _problem(seed)
        limits = _active_limits(problem, "all")
        sol = optimize_terms(problem, **{KW[k]: v for k, v in limits.items()})
        here, _, _ = _brute(problem, limits.get("dso"), limits.get("bad"), limits.get("loss"))
        for key, (short, step, unit) in steps.items():
            if short not in limits:
                assert key not in sol.binding
                continue
            looser = dict(limits)
            looser[short] += step
            there, _, _ = _brute(problem, looser.get("dso"), looser.get("bad"),
                                 looser.get("loss"))
            expected = (there - here) / step * unit
            if expected > 1e-6 * abs(here):
                assert sol.binding[key] == pytest.approx(expected, rel=1e-5, abs=1e-3)
                priced += 1
            else:
                assert key not in sol.binding
    assert priced >= 3  # the check is not vacuous


def test_dominated_options_stand_in_for_their_dominator() -> None:
    # one customer; rows: cost (−profit), DSO row. B ties A (A has the lower index), C trades
    # profit for days, D is beaten by A, E is not allowed
    coef = np.array([[[-10.0, -10.0, -12.0, -9.0, -20.0]], [[5.0, 5.0, 6.0, 7.0, 0.0]]])
    allowed = np.array([[True, True, True, True, False]])
    assert dominance_replacement(coef, allowed).tolist() == [[0, 0, 2, 0, -1]]


def test_unconstrained_takes_each_customers_best_option() -> None:
    problem = _problem(11)
    sol = optimize_terms(problem)
    assert (sol.assignments == problem.profit_cny().argmax(axis=1)).all()
    assert sol.binding == {}


def test_bad_input_is_refused_with_every_problem() -> None:
    good = _problem(0)
    allowed = np.ones((N, K), dtype=bool)
    allowed[2] = False
    bad = TermsProblem(good.sales_cny, good.margin_rate[:, :3], good.receivable_days,
                       good.bad_debt_rate, good.discount_cost_cny, 1.5, allowed=allowed)
    with pytest.raises(InputError) as err:
        optimize_terms(bad)
    where = {p.location for p in err.value.problems}
    assert where == {"margin_rate", "cost_of_capital_per_year", "allowed"}
    with pytest.raises(InputError, match="dso_target_days"):
        optimize_terms(good, dso_target_days=-1.0)
