"""Call allocation (models/territory/calls.py) against exhaustive enumeration, the KKT
conditions of concave allocation, and its input rules."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from data.problems import InputError
from models.territory.calls import OPTIMALITY_GAP, allocate_calls


def _value(x, row, cost) -> float:
    """ADBUDG written out plainly (Little 1970), independent of the module's evaluation."""
    x = float(x)
    share = x ** row.c / (row.d + x ** row.c)
    return row.margin * (row.sales_min + (row.sales_max - row.sales_min) * share) - cost * x


def _enumerate(accounts: pd.DataFrame, capacity: dict, cost: float) -> float:
    """Best total over every integer allocation, rep by rep (itertools.product)."""
    total = 0.0
    for rep, grp in accounts.groupby("rep"):
        rows = list(grp.itertuples())
        best = -np.inf
        for x in itertools.product(*[range(r.min_calls, r.max_calls + 1) for r in rows]):
            if sum(x) <= capacity[rep]:
                best = max(best, sum(_value(xi, r, cost) for xi, r in zip(x, rows, strict=True)))
        total += best
    return total


def _random_case(rng: np.random.Generator, n: int, reps: int, shape: str, tight: bool):
    """Small random territory; ``shape`` is concave (c ≤ 1), s (c 1.5-4) or mixed."""
    s = {"concave": 0.0, "s": 1.0, "mixed": 0.5}[shape]
    c = np.where(rng.random(n) < s, rng.uniform(1.5, 4.0, n), rng.uniform(0.3, 1.0, n))
    lo = rng.integers(0, 2, n)
    accounts = pd.DataFrame({
        "rep": rng.choice([f"rep{k}" for k in range(reps)], n),
        "sales_min": rng.uniform(0, 100, n), "sales_max": rng.uniform(100, 400, n), "c": c,
        "d": rng.uniform(1.5, 8.0, n) ** c, "margin": rng.uniform(0.2, 0.8, n),
        "min_calls": lo, "max_calls": lo + rng.integers(0, 5, n),
    })
    need = accounts.groupby("rep")["min_calls"].sum()
    room = accounts.groupby("rep").apply(lambda g: int((g.max_calls - g.min_calls).sum()))
    capacity = {r: int(need[r] + (rng.integers(0, room[r] // 2 + 1) if tight
                                  else rng.integers(room[r] // 2, room[r] + 3)))
                for r in need.index}
    return accounts, capacity


def _plan_value(accounts, calls, cost) -> float:
    return sum(_value(x, r, cost) for x, r in zip(calls, accounts.itertuples(), strict=True))


def _assert_feasible(accounts, capacity, plan) -> None:
    calls = plan.calls
    assert calls.dtype.kind == "i" and len(calls) == len(accounts)
    assert (calls >= accounts["min_calls"].to_numpy()).all()
    assert (calls <= accounts["max_calls"].to_numpy()).all()
    used = pd.Series(calls, index=accounts.index).groupby(accounts["rep"]).sum()
    for rep, u in used.items():
        assert u <= capacity[rep]
        assert plan.used[rep] == u and plan.idle[rep] == capacity[rep] - u


CASES = [(seed, shape, tight, cost) for seed in range(6) for shape in ("concave", "s", "mixed")
         for tight in (True, False) for cost in (0.0, 7.5)]


@pytest.mark.parametrize(("seed", "shape", "tight", "cost"), CASES)
def test_equals_enumeration(seed, shape, tight, cost):
    rng = np.random.default_rng(seed)
    accounts, capacity = _random_case(rng, int(rng.integers(3, 8)), 3, shape, tight)
    best = _enumerate(accounts, capacity, cost)
    plan = allocate_calls(accounts, capacity, call_cost=cost)
    _assert_feasible(accounts, capacity, plan)
    tol = 1e-9 * max(1.0, abs(best))
    assert plan.objective == pytest.approx(best, abs=tol)
    assert _plan_value(accounts, plan.calls, cost) == pytest.approx(best, abs=tol)
    assert plan.status == "optimal" and plan.gap <= OPTIMALITY_GAP
    assert plan.bound >= best - tol
    assert plan.envelope_bound >= best - tol


def test_s_shaped_needs_more_than_greedy():
    """Two S-shaped accounts: the first call of each is worth little, so marginal greedy
    splits 4 calls 2/2; putting all 4 on one account is worth more."""
    accounts = pd.DataFrame({"rep": ["a", "a"], "sales_min": [0.0, 0.0],
                             "sales_max": [100.0, 100.0], "c": [4.0, 4.0], "d": [81.0, 81.0],
                             "margin": [1.0, 1.0], "min_calls": [0, 0], "max_calls": [4, 4]})
    plan = allocate_calls(accounts, {"a": 4})
    assert sorted(plan.calls.tolist()) == [0, 4]
    assert plan.objective == pytest.approx(_enumerate(accounts, {"a": 4}, 0.0), rel=1e-12)
    assert plan.objective > 2 * _value(2, next(accounts.itertuples()), 0.0) + 1.0
    assert plan.method == "dp" and plan.status == "optimal"


@pytest.mark.parametrize("seed", range(5))
def test_concave_kkt(seed):
    """Concave curves, capacity binding: every rep's last call given is worth at least the
    next call any other account of that rep could get; with capacity left, no account that
    could take another call gains from it."""
    rng = np.random.default_rng(100 + seed)
    accounts, capacity = _random_case(rng, 60, 4, "concave", tight=seed % 2 == 0)
    cost = 3.0
    plan = allocate_calls(accounts, capacity, call_cost=cost)
    _assert_feasible(accounts, capacity, plan)
    rows = list(accounts.itertuples())
    last = np.array([_value(x, r, cost) - _value(x - 1, r, cost) if x > r.min_calls else np.inf
                     for x, r in zip(plan.calls, rows, strict=True)])
    nxt = np.array([_value(x + 1, r, cost) - _value(x, r, cost) if x < r.max_calls else -np.inf
                    for x, r in zip(plan.calls, rows, strict=True)])
    assert plan.envelope_bound == pytest.approx(plan.objective, rel=1e-12)
    for rep in capacity:
        m = (accounts["rep"] == rep).to_numpy()
        assert (last[m] >= -1e-9).all()  # no call is kept that loses money
        if plan.idle[rep] > 0:
            assert (nxt[m] <= 1e-9).all()
        elif m.sum() > 1:
            assert last[m].min() >= nxt[m].max() - 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_time_limit_keeps_a_valid_bound(seed):
    """With no time for the programme the plan is the envelope-segment greedy: feasible, not
    better than the optimum, and its bound not below it; "optimal" only with a zero gap."""
    rng = np.random.default_rng(200 + seed)
    accounts, capacity = _random_case(rng, 7, 2, "s", tight=True)
    best = _enumerate(accounts, capacity, 0.0)
    plan = allocate_calls(accounts, capacity, time_limit_s=1e-12)
    _assert_feasible(accounts, capacity, plan)
    tol = 1e-9 * max(1.0, abs(best))
    assert plan.objective <= best + tol
    assert plan.bound >= best - tol
    assert plan.gap == pytest.approx((plan.bound - plan.objective) / abs(plan.objective))
    assert plan.status == ("optimal" if plan.gap <= OPTIMALITY_GAP else "time_limit")


def test_time_limit_reported():
    """The tight case of the greedy test: out of time, the plan is 2/2 and says so."""
    accounts = pd.DataFrame({"rep": ["a"] * 3, "sales_min": [0.0] * 3, "sales_max": [100.0] * 3,
                             "c": [4.0] * 3, "d": [81.0] * 3, "margin": [1.0] * 3,
                             "min_calls": [0] * 3, "max_calls": [4] * 3})
    plan = allocate_calls(accounts, {"a": 5}, time_limit_s=1e-12)
    assert plan.status == "time_limit" and plan.gap > OPTIMALITY_GAP
    assert plan.bound >= _enumerate(accounts, {"a": 5}, 0.0) > plan.objective


def test_infeasible_min_calls_named():
    accounts, capacity = _random_case(np.random.default_rng(5), 8, 2, "mixed", tight=True)
    accounts["min_calls"] = 3
    accounts["max_calls"] = 5
    capacity = {r: 3 * int((accounts["rep"] == r).sum()) for r in capacity}
    capacity["rep1"] -= 1
    plan = allocate_calls(accounts, capacity)
    assert plan.status == "infeasible"
    assert "'rep1'" in plan.message and "'rep0'" not in plan.message
    assert np.isnan(plan.objective)


def test_row_order_and_index_kept():
    rng = np.random.default_rng(9)
    accounts, capacity = _random_case(rng, 7, 2, "mixed", tight=True)
    accounts.index = [f"acct{k}" for k in range(len(accounts))][::-1]
    plan = allocate_calls(accounts, capacity)
    shuffled = accounts.iloc[rng.permutation(len(accounts))]
    other = allocate_calls(shuffled, capacity)
    assert other.objective == pytest.approx(plan.objective, rel=1e-12)
    assert _plan_value(shuffled, other.calls, 0.0) == pytest.approx(plan.objective, rel=1e-12)


def test_large_c_and_fractional_capacity():
    """A step-like curve (c = 300) evaluates without overflow; 5.9 calls of capacity are 5."""
    accounts = pd.DataFrame({"rep": ["a", "a"], "sales_min": [0.0, 0.0],
                             "sales_max": [50.0, 80.0], "c": [300.0, 0.5], "d": [3.0 ** 300, 1.0],
                             "margin": [1.0, 1.0], "min_calls": [0, 0], "max_calls": [6, 6]})
    plan = allocate_calls(accounts, {"a": 5.9})
    assert np.isfinite(plan.objective) and plan.used["a"] <= 5
    assert plan.objective == pytest.approx(_enumerate(accounts, {"a": 5}, 0.0), rel=1e-12)


def _good():
    return pd.DataFrame({"rep": ["a", "b"], "sales_min": [1.0, 2.0], "sales_max": [5.0, 6.0],
                         "c": [2.0, 0.5], "d": [4.0, 1.0], "margin": [0.5, 0.5],
                         "min_calls": [0, 1], "max_calls": [3, 4]})


BAD = [
    ("missing column", lambda df: df.drop(columns=["d"]), {}, "accounts"),
    ("negative sales", lambda df: df.assign(sales_min=[-1.0, 2.0]), {}, "sales_min"),
    ("NaN c", lambda df: df.assign(c=[np.nan, 0.5]), {}, "'c'"),
    ("zero d", lambda df: df.assign(d=[0.0, 1.0]), {}, "'d'"),
    ("fractional min", lambda df: df.assign(min_calls=[0.5, 1.0]), {}, "min_calls"),
    ("min above max", lambda df: df.assign(max_calls=[3, 0]), {}, "max_calls"),
    ("max below min sales", lambda df: df.assign(sales_max=[0.5, 6.0]), {}, "sales_max"),
    ("text margin", lambda df: df.assign(margin=["x", "y"]), {}, "margin"),
    ("missing rep", lambda df: df, {"capacity": {"a": 3}}, "capacity['b']"),
    ("negative capacity", lambda df: df, {"capacity": {"a": 3, "b": -1}}, "capacity['b']"),
    ("zero time", lambda df: df, {"time_limit_s": 0}, "time_limit_s"),
    ("negative cost", lambda df: df, {"call_cost": -1.0}, "call_cost"),
]


@pytest.mark.parametrize(("name", "edit", "kw", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_named(name, edit, kw, field):
    kw = dict(kw)
    capacity = kw.pop("capacity", {"a": 3, "b": 4})
    with pytest.raises(InputError) as err:
        allocate_calls(edit(_good()), capacity, **kw)
    problem = err.value.problems[0]
    assert field in problem.location and problem.expected and problem.found


def test_row_named_in_error():
    df = _good()
    df.index = ["acct-1", "acct-2"]
    with pytest.raises(InputError, match="acct-2"):
        allocate_calls(df.assign(c=[2.0, -1.0]), {"a": 3, "b": 4})


@pytest.mark.parametrize("seed", range(4))
def test_envelope_bound_is_the_lp_relaxation(seed):
    """The envelope bound equals the LP relaxation of the 0-1 model with ordered levels
    (one variable per account and call, y_k ≥ y_{k+1}), solved here by scipy's linprog."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(300 + seed)
    accounts, capacity = _random_case(rng, 12, 2, "mixed", tight=True)
    cost = 2.0
    cols, gain, rep_of = [], [], []
    for i, r in enumerate(accounts.itertuples()):
        for x in range(r.min_calls + 1, r.max_calls + 1):
            cols.append(i)
            gain.append(_value(x, r, cost) - _value(x - 1, r, cost))
            rep_of.append(r.rep)
    n = len(cols)
    reps = sorted(capacity)
    a_cap = np.array([[rep_of[j] == rep for j in range(n)] for rep in reps], dtype=float)
    left = [capacity[rep] - accounts.loc[accounts["rep"] == rep, "min_calls"].sum()
            for rep in reps]
    order = [(j, j + 1) for j in range(n - 1) if cols[j] == cols[j + 1]]
    a_ord = np.zeros((len(order), n))
    for k, (j, j1) in enumerate(order):
        a_ord[k, j], a_ord[k, j1] = -1.0, 1.0
    lp = linprog(-np.array(gain), A_ub=np.vstack([a_cap, a_ord]),
                 b_ub=np.concatenate([left, np.zeros(len(order))]), bounds=(0, 1),
                 method="highs")
    base = sum(_value(r.min_calls, r, cost) for r in accounts.itertuples())
    plan = allocate_calls(accounts, capacity, call_cost=cost)
    assert plan.envelope_bound == pytest.approx(base - lp.fun, rel=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_hull_is_the_least_concave_majorant(seed):
    """The general hull (used where float noise breaks the chord shortcut) against the
    majorant by brute force: at y, the best chord between points a ≤ y ≤ b."""
    from models.territory.calls import _hull_steps

    g = np.random.default_rng(seed).normal(size=int(np.random.default_rng(seed).integers(2, 12)))
    env, head = _hull_steps(g)
    values = np.concatenate([[g[0]], g[0] + np.cumsum(env)])
    n = len(g)
    brute = [max(g[a] + (g[b] - g[a]) * (y - a) / (b - a) if b > a else g[a]
                 for a in range(y + 1) for b in range(y, n)) for y in range(n)]
    np.testing.assert_allclose(values, brute, rtol=0, atol=1e-12)
    assert (np.diff(env) <= 1e-12).all() and head[0]
