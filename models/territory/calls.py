"""Call allocation over ADBUDG response curves, solved to a proven optimum (CALLPLAN).

Model (Lodish 1971, CALLPLAN; response curve of Little 1970, ADBUDG). An account given ``x``
calls in the period sells ``sales(x) = sales_min + (sales_max − sales_min) · x^c / (d + x^c)``
(CNY per period; ``c > 0``, ``d > 0``; ``c > 1`` is S-shaped). Choose integer calls per account
within ``[min_calls, max_calls]`` to maximise ``Σ margin · sales(x) − call_cost · x`` (CNY per
period) subject to each rep's capacity ``Σ x ≤ capacity[rep]`` (calls per period).

Method. The problem separates per rep into a separable resource allocation (Zoltners & Sinha
1980, "Integer programming models for sales resource allocation"), shifted so that every
account starts at its ``min_calls``. Per rep:

* calls an account would never use are cut first: past the account's smallest best call level
  more calls only cost capacity and value, so its level range ends there;
* accounts whose discrete increments are non-increasing (every ``c ≤ 1`` curve) are concave:
  for them together the best value of ``t`` calls is the sum of the ``t`` largest increments
  (greedy marginal allocation, exact by the exchange argument), one concave function ``H(t)``;
* the other (S-shaped) accounts go through an exact dynamic programme over capacity that starts
  from ``H`` instead of zero: ``V_j(c) = max_k V_{j−1}(c − k) + g_j(k)``, one vectorised numpy
  step per account, all reps of similar capacity at once. It enumerates every level of every
  S-shaped account implicitly, so it is exact whatever the curve's shape; only the concave
  accounts are merged, and for them greedy is exact. A rep whose accounts all fit at their best
  levels needs neither.

The bound is computed independently: greedy on the upper concave envelope of every account's
levels (the LP relaxation of the textbook 0-1 model with ordered levels). It equals the optimum
when all accounts are concave and is a valid upper bound always. When the dynamic programme
would not finish within ``time_limit_s`` a rep gets the greedy plan on whole envelope segments
(feasible) and the envelope bound, and the plan's status says ``"time_limit"`` unless that gap
is already within :data:`OPTIMALITY_GAP`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import expit

from data.problems import N_, InputError, Problem, Text

COLUMNS = ("rep", "sales_min", "sales_max", "c", "d", "margin", "min_calls", "max_calls")
#: a plan is called optimal when (bound − objective) / max(|objective|, TINY) is at most this
OPTIMALITY_GAP = 1e-9
TINY = 1e-9
#: most float cells one dynamic-programme step handles at once (memory ≈ 8 bytes × this)
_DP_STEP_CELLS = 1_000_000
#: assumed float cells per second until enough is timed (half the speed measured on a
#: shared 2-core VM)
_DP_RATE_GUESS = 1e8
#: cells timed before the measured speed replaces the guess
_DP_RATE_MIN_CELLS = 1e6
_FN = "allocate_calls"


@dataclass(frozen=True)
class CallPlan:
    """Calls per account (row order of ``accounts``) and the proof of their quality.

    ``objective`` and ``bound`` are CNY per period; ``gap = (bound − objective) /
    max(|objective|, TINY)``; ``status`` is ``"optimal"`` (proven), ``"time_limit"`` (best
    found, with a valid bound) or ``"infeasible"`` (``message`` names the reps).
    ``envelope_bound`` is the concave-envelope bound, computed whatever the method.
    """

    calls: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    method: str
    message: str = ""
    envelope_bound: float = math.nan
    used: dict = field(default_factory=dict)
    idle: dict = field(default_factory=dict)


def _problem(location: str, expected: str, found: object) -> InputError:
    return InputError(Problem(_FN, location, expected, repr(found)))


def adbudg_sales(x: np.ndarray, sales_min, sales_max, c, d) -> np.ndarray:
    """ADBUDG sales (CNY per period) at ``x`` calls (Little 1970).

    ``x^c / (d + x^c)`` is evaluated as ``expit(c ln x − ln d)``: no overflow for large ``c``.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        share = expit(np.asarray(c) * np.log(x) - np.log(d))
    return sales_min + (np.asarray(sales_max) - sales_min) * share


def account_value(x, margin, sales_min, sales_max, c, d, call_cost: float) -> np.ndarray:
    """Contribution of an account at ``x`` calls: margin · sales(x) − call_cost · x (CNY)."""
    return margin * adbudg_sales(x, sales_min, sales_max, c, d) - call_cost * np.asarray(x)


# ---------------------------------------------------------------------------------- validation
def _row(df: pd.DataFrame, mask: np.ndarray) -> object:
    return df.index[np.flatnonzero(mask)[0]]


def _check_columns(accounts: object) -> None:
    if not isinstance(accounts, pd.DataFrame):
        raise _problem("accounts", "a pandas DataFrame", type(accounts).__name__)
    missing = [c for c in COLUMNS if c not in accounts.columns]
    if missing:
        raise _problem("accounts", f"the columns {', '.join(COLUMNS)}", list(accounts.columns))


def _numeric(accounts: pd.DataFrame, col: str) -> np.ndarray:
    s = accounts[col]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise _problem(f"accounts[{col!r}]", "numbers", str(s.dtype))
    v = s.to_numpy(dtype=float)
    bad = ~np.isfinite(v)
    if bad.any():
        row = _row(accounts, bad)
        raise _problem(f"accounts[{col!r}] row {row!r}", "a finite number", s.loc[row])
    return v


def _check_rule(accounts, col, v, bad, expected) -> None:
    if bad.any():
        row = _row(accounts, bad)
        raise _problem(f"accounts[{col!r}] row {row!r}", expected, v[np.flatnonzero(bad)[0]])


def _validate(accounts, capacity, call_cost, time_limit_s) -> dict:
    """Arrays of the problem, or :class:`InputError` naming the first bad field."""
    _check_columns(accounts)
    v = {col: _numeric(accounts, col) for col in COLUMNS[1:]}
    for col in ("sales_min", "sales_max", "margin", "min_calls", "max_calls"):
        _check_rule(accounts, col, v[col], v[col] < 0, "a number ≥ 0")
    for col in ("c", "d"):
        _check_rule(accounts, col, v[col], v[col] <= 0, "a number > 0")
    for col in ("min_calls", "max_calls"):
        _check_rule(accounts, col, v[col], v[col] != np.round(v[col]), "a whole number of calls")
    _check_rule(accounts, "sales_max", v["sales_max"], v["sales_max"] < v["sales_min"],
                "sales_max ≥ sales_min")
    _check_rule(accounts, "max_calls", v["max_calls"], v["max_calls"] < v["min_calls"],
                "max_calls ≥ min_calls")
    rep = accounts["rep"]
    if rep.isna().any():
        raise _problem(f"accounts['rep'] row {_row(accounts, rep.isna().to_numpy())!r}",
                       "a rep", None)
    _check_scalars(call_cost, time_limit_s)
    codes, reps = pd.factorize(rep, sort=False)
    caps = _capacities(capacity, list(reps))
    v["rep_code"], v["reps"], v["capacity"] = codes.astype(np.int64), list(reps), caps
    v["min_calls"] = v["min_calls"].astype(np.int64)
    v["max_calls"] = v["max_calls"].astype(np.int64)
    return v


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)


def _check_scalars(call_cost, time_limit_s) -> None:
    if not _is_number(call_cost) or not math.isfinite(call_cost) or call_cost < 0:
        raise _problem("call_cost", "a finite number ≥ 0 (CNY per call)", call_cost)
    if not _is_number(time_limit_s) or not time_limit_s > 0 or math.isnan(time_limit_s):
        raise _problem("time_limit_s", "a number of seconds > 0", time_limit_s)


def _capacities(capacity, reps: list) -> np.ndarray:
    """Whole calls per rep: a fractional capacity is floored, as calls are whole."""
    if not isinstance(capacity, Mapping):
        raise _problem("capacity", "a mapping rep → calls per period", type(capacity).__name__)
    out = np.empty(len(reps), dtype=np.int64)
    for k, r in enumerate(reps):
        if r not in capacity:
            raise _problem(f"capacity[{r!r}]", "the calls of every rep in accounts", "missing")
        cap = capacity[r]
        if not _is_number(cap) or not math.isfinite(cap) or cap < 0:
            raise _problem(f"capacity[{r!r}]", "a finite number of calls ≥ 0", cap)
        out[k] = math.floor(cap + 1e-9)  # 160.0 stored as 159.99999 is still 160 calls
    return out


# ------------------------------------------------------------------------------ level tables
@dataclass(frozen=True)
class _Levels:
    """Ragged table of every account's levels ``y = 0..u`` above its ``min_calls``.

    ``g[off[i] + y]`` is the value gained by ``y`` calls above ``min_calls`` (CNY).
    """

    u: np.ndarray
    off: np.ndarray
    g: np.ndarray


def _levels(p: dict, u: np.ndarray, call_cost: float) -> _Levels:
    off = np.concatenate([[0], np.cumsum(u + 1)[:-1]]).astype(np.int64)
    acc = np.repeat(np.arange(len(u)), u + 1)
    y = np.arange(len(acc)) - off[acc]

    def value(x):
        return account_value(x, p["margin"][acc], p["sales_min"][acc], p["sales_max"][acc],
                             p["c"][acc], p["d"][acc], call_cost)

    lo = p["min_calls"][acc]
    return _Levels(u, off, value(lo + y) - value(lo))


def _trim_to_best(lv: _Levels) -> np.ndarray:
    """Smallest best level per account: levels past it use capacity for no gain."""
    n = len(lv.u)
    acc = np.repeat(np.arange(n), lv.u + 1)
    best = np.maximum.reduceat(lv.g, lv.off)
    y = np.arange(len(acc)) - lv.off[acc]
    return np.minimum.reduceat(np.where(lv.g >= best[acc], y, np.iinfo(np.int64).max), lv.off)


def _increments(lv: _Levels) -> tuple[np.ndarray, np.ndarray]:
    """(account, increment) of every step ``y−1 → y``, accounts in order, steps ascending."""
    acc = np.repeat(np.arange(len(lv.u)), lv.u)
    first = np.repeat(lv.off - np.concatenate([[0], np.cumsum(lv.u)[:-1]]), lv.u)
    pos = np.arange(len(acc)) + first + 1  # index of level y ≥ 1 in g
    return acc, lv.g[pos] - lv.g[pos - 1]


def _concave(n: int, acc: np.ndarray, inc: np.ndarray) -> np.ndarray:
    """Accounts whose increments never rise (exactly, in floating point)."""
    rise = (acc[1:] == acc[:-1]) & (inc[1:] > inc[:-1])
    return np.bincount(acc[1:][rise], minlength=n) == 0


def _take_top(group, key, budget, length=None) -> np.ndarray:
    """Mask of the items taken by greedy per group: best ``key`` first while the group's
    running ``length`` fits ``budget[group]``; only items with ``key > 0``. Ties keep the
    given order, so steps listed in order per account are taken as a prefix."""
    length = np.ones(len(group), dtype=np.int64) if length is None else length
    order = np.lexsort((-key, group))  # lexsort is stable: ties keep the given order
    g, k, ln = group[order], key[order], length[order]
    cum = np.cumsum(ln)
    first = np.concatenate([[True], g[1:] != g[:-1]]) if len(g) else np.zeros(0, dtype=bool)
    within = cum - (cum - ln)[np.flatnonzero(first)][np.cumsum(first) - 1]
    mask = np.zeros(len(group), dtype=bool)
    mask[order] = (within <= budget[g]) & (k > 0)
    return mask


# ----------------------------------------------------------------------- concave envelope
def _envelope(lv: _Levels) -> tuple[np.ndarray, np.ndarray]:
    """Increments of the upper concave envelope of each account's levels and a flag marking
    the first step of every envelope segment (for whole-segment greedy).

    ADBUDG minus a linear cost has unimodal increments, so the envelope is a chord from level
    0 to the level of best average slope, then the curve itself; this is checked per account
    and the general hull is used where the check fails.
    """
    acc, inc = _increments(lv)
    n = len(lv.u)
    start = np.concatenate([[0], np.cumsum(lv.u)[:-1]]).astype(np.int64)
    y = np.arange(len(acc)) - start[acc] + 1
    slope = (np.cumsum(inc) - np.concatenate([[0], np.cumsum(inc)])[start[acc]]) / y
    has = lv.u > 0
    best = np.full(n, -np.inf)
    best[has] = np.maximum.reduceat(slope, start[has]) if has.any() else best[has]
    tstar = np.zeros(n, dtype=np.int64)
    np.maximum.at(tstar, acc, np.where(slope >= best[acc], y, 0))
    chord = y <= tstar[acc]
    env = np.where(chord, best[acc], inc)
    head = ~chord | (y == 1)
    bad = np.zeros(n, dtype=bool)
    same = acc[1:] == acc[:-1]
    bad[acc[1:][same & (env[1:] > env[:-1])]] = True
    for i in np.flatnonzero(bad):  # float noise broke unimodality: exact hull, rare
        sl = slice(start[i], start[i] + lv.u[i])
        env[sl], head[sl] = _hull_steps(lv.g[lv.off[i]: lv.off[i] + lv.u[i] + 1])
    return env, head


def _hull_steps(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least concave majorant of points (y, g[y]) as unit-step slopes and segment starts."""
    hull = [0]
    for y in range(1, len(g)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (g[b] - g[a]) * (y - a) <= (g[y] - g[a]) * (b - a):
                hull.pop()
            else:
                break
        hull.append(y)
    env = np.empty(len(g) - 1)
    head = np.zeros(len(g) - 1, dtype=bool)
    for a, b in zip(hull[:-1], hull[1:], strict=True):
        env[a:b] = (g[b] - g[a]) / (b - a)
        head[a] = True
    return env, head


# ------------------------------------------------------------------------ dynamic programme
def _concave_curves(rep, acc, inc, concave, budget, n_reps) -> list[np.ndarray]:
    """Per rep, ``H(t)`` for t = 0..budget: the best value of t calls over its concave
    accounts (cumulative sum of their largest increments)."""
    keep = concave[acc] & (inc > 0)
    r, v = rep[acc[keep]], inc[keep]
    order = np.lexsort((-v, r))
    r, v = r[order], v[order]
    bounds = np.searchsorted(r, np.arange(n_reps + 1))
    return [np.concatenate([[0.0], np.cumsum(v[bounds[k]: bounds[k + 1]][: budget[k]])])
            for k in range(n_reps)]


def _batches(reps: np.ndarray, budget: np.ndarray, kmax: np.ndarray) -> list[np.ndarray]:
    """Reps of similar capacity together (little padding), each batch within memory."""
    order = reps[np.argsort(budget[reps], kind="stable")]
    out, cur = [], []
    for r in order:
        trial = cur + [r]
        cells = len(trial) * (budget[trial].max() + 1) * (kmax[trial].max() + 1)
        similar = budget[r] <= 1.25 * budget[cur[0]] + 16 if cur else True
        if cur and (cells > _DP_STEP_CELLS or not similar):
            out.append(np.array(cur))
            trial = [r]
        cur = trial
    if cur:
        out.append(np.array(cur))
    return out


def _dp_cells(batch, s_lists, budget, u) -> float:
    width = budget[batch].max() + 1
    steps = max(len(s_lists[r]) for r in batch)
    ks = np.zeros(steps)
    for r in batch:
        ks[: len(s_lists[r])] = np.maximum(ks[: len(s_lists[r])], u[s_lists[r]])
    return float(len(batch) * width * (ks + 1).sum())


def _dp_batch(batch, s_lists, budget, curves, lv: _Levels, deadline: float):
    """Exact DP for a batch of reps: (calls above minimum per S account, calls left for the
    concave accounts per rep), or None when the deadline passed first."""
    R, width = len(batch), int(budget[batch].max()) + 1
    cap = np.arange(width)
    V = np.stack([curves[r][np.minimum(cap, len(curves[r]) - 1)] for r in batch])
    steps = max(len(s_lists[r]) for r in batch)
    choices, accs = [], []
    for j in range(steps):
        acc = np.array([s_lists[r][j] if j < len(s_lists[r]) else -1 for r in batch])
        real = acc >= 0
        u = np.where(real, lv.u[np.maximum(acc, 0)], 0)
        K = int(u.max())
        ks = np.arange(K + 1)
        idx = lv.off[np.maximum(acc, 0)][:, None] + np.minimum(ks[None, :], u[:, None])
        G = np.where(ks[None, :] <= u[:, None], lv.g[idx], -np.inf)
        pad = np.concatenate([np.full((R, K), -np.inf), V], axis=1)
        cand = sliding_window_view(pad, K + 1, axis=1) + G[:, None, ::-1]  # [r, c, K − k]
        m = cand.argmax(axis=2)
        V = np.take_along_axis(cand, m[..., None], axis=2)[..., 0]
        choices.append((K - m).astype(np.int32))
        accs.append(acc)
        if time.perf_counter() > deadline:
            return None
    left = budget[batch].copy()
    rows = np.arange(R)
    picked, levels = [], []
    for j in range(steps - 1, -1, -1):
        k = choices[j][rows, left]
        picked.append(accs[j][accs[j] >= 0])
        levels.append(k[accs[j] >= 0])
        left = left - k
    return (np.concatenate(picked), np.concatenate(levels)), left


# ---------------------------------------------------------------------------------- driver
def _infeasible(p: dict) -> list[Text]:
    need = np.bincount(p["rep_code"], weights=p["min_calls"], minlength=len(p["reps"]))
    return [N_("rep {rep}: min_calls sum to {need} > capacity {capacity}", rep=repr(r),
               need=int(need[k]), capacity=int(p["capacity"][k]))
            for k, r in enumerate(p["reps"]) if need[k] > p["capacity"][k]]


def _budgets(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(calls above minimums per rep, level ceiling per account, infeasible rep flags)."""
    n_reps = len(p["reps"])
    need = np.bincount(p["rep_code"], weights=p["min_calls"], minlength=n_reps).astype(np.int64)
    budget = p["capacity"] - need
    infeasible = budget < 0
    budget = np.maximum(budget, 0)
    u = np.minimum(p["max_calls"] - p["min_calls"], budget[p["rep_code"]])
    return budget, u, infeasible


def _solve(p, call_cost, time_limit_s, t0):
    """Levels above minimums per account, per-rep exact flags, envelope bound per rep, method."""
    n, n_reps, rep = len(p["rep_code"]), len(p["reps"]), p["rep_code"]
    budget, u, _ = _budgets(p)
    lv = _levels(p, u, call_cost)
    lv = _levels(p, _trim_to_best(lv), call_cost)
    acc, inc = _increments(lv)
    concave = _concave(n, acc, inc)
    env, head = _envelope(lv)
    env_take = _take_top(rep[acc], env, budget)
    env_bound = np.bincount(rep[acc[env_take]], weights=env[env_take], minlength=n_reps)
    loose = np.bincount(rep, weights=lv.u, minlength=n_reps) <= budget
    y = np.where(loose[rep], lv.u, 0)  # a rep whose accounts all fit takes every best level
    s_lists = [np.array([], dtype=np.int64)] * n_reps
    s_acc = np.flatnonzero(~concave & ~loose[rep] & (lv.u > 0))
    s_acc = s_acc[np.lexsort((-lv.u[s_acc], rep[s_acc]))]  # big ranges first in every batch
    for r, grp in pd.Series(s_acc).groupby(rep[s_acc]):
        s_lists[int(r)] = grp.to_numpy()
    dp_reps = np.array([r for r in range(n_reps) if len(s_lists[r])], dtype=np.int64)
    exact = np.ones(n_reps, dtype=bool)
    concave_budget = np.where(loose, 0, budget)
    curves = _concave_curves(rep, acc, inc, concave, budget, n_reps) if len(dp_reps) else []
    deadline, done_cells, done_s = t0 + time_limit_s, 0.0, 0.0
    kmax = np.zeros(n_reps, dtype=np.int64)
    np.maximum.at(kmax, rep[s_acc], lv.u[s_acc])
    for batch in _batches(dp_reps, budget, kmax):
        cells, start = _dp_cells(batch, s_lists, budget, lv.u), time.perf_counter()
        # speed measured so far, once enough work was timed that call overheads do not rule
        rate = done_cells / done_s if done_cells >= _DP_RATE_MIN_CELLS else _DP_RATE_GUESS
        res = None if start + cells / rate > deadline else _dp_batch(
            batch, s_lists, budget, curves, lv, deadline)
        if res is None:
            exact[batch] = False
            continue
        done_cells += cells
        done_s += max(time.perf_counter() - start, 1e-6)
        (picked, levels), left = res
        y[picked] = levels
        concave_budget[batch] = left
    # concave accounts of rep r share the calls the DP left them (all calls in a pure-concave
    # rep): greedy on their increments, exact because they never rise
    take = concave[acc] & _take_top(rep[acc], np.where(concave[acc], inc, 0.0), concave_budget)
    take &= ~loose[rep[acc]] & exact[rep[acc]]
    y += np.bincount(acc[take], minlength=n).astype(np.int64)
    if not exact.all():
        y = _segment_greedy(y, ~exact, rep, acc, env, head, budget)
        y = _fill_left(y, ~exact, rep, lv, budget)
    method = "dp" if len(dp_reps) else "greedy"
    method += "" if exact.all() else " (envelope greedy where out of time)"
    return y, exact, env_bound, method


def _segment_greedy(y, reps_mask, rep, acc, env, head, budget) -> np.ndarray:
    """Feasible plan for the flagged reps: whole envelope segments by slope while they fit."""
    seg = np.cumsum(head) - 1
    seg_len = np.bincount(seg)
    seg_acc = acc[head]
    seg_slope = env[head]
    sel = reps_mask[rep[seg_acc]]
    take = _take_top(rep[seg_acc[sel]], seg_slope[sel], budget, seg_len[sel])
    y = y.copy()
    y[np.flatnonzero(reps_mask[rep])] = 0
    np.add.at(y, seg_acc[sel][take], seg_len[sel][take])
    return y


def _fill_left(y, reps_mask, rep, lv: _Levels, budget) -> np.ndarray:
    """One more call for the accounts of the flagged reps whose next call gains most, while
    the rep has calls left (a segment that did not fit leaves some)."""
    n_reps = len(budget)
    left = budget - np.bincount(rep, weights=y, minlength=n_reps).astype(np.int64)
    ok = reps_mask[rep] & (y < lv.u)
    idx = lv.off + np.minimum(y, lv.u)
    gain = np.where(ok, lv.g[np.minimum(idx + 1, len(lv.g) - 1)] - lv.g[idx], 0.0)
    take = _take_top(rep, gain, np.where(reps_mask, left, 0))
    return y + take


def allocate_calls(accounts: pd.DataFrame, capacity: Mapping, *, call_cost: float = 0.0,
                   time_limit_s: float = 60) -> CallPlan:
    """Calls per account maximising Σ margin · sales(x) − call_cost · x (CNY per period) within
    every account's [min_calls, max_calls] and every rep's capacity (calls per period).

    Lodish 1971 CALLPLAN on Little 1970 ADBUDG curves; see the module docstring for the method
    and why it is exact for S-shaped curves. Bad input raises :class:`InputError` first.
    """
    t0 = time.perf_counter()
    p = _validate(accounts, capacity, call_cost, time_limit_s)
    rep = p["rep_code"]
    n_reps = len(p["reps"])
    if not len(rep):
        return CallPlan(np.zeros(0, dtype=np.int64), 0.0, 0.0, 0.0, "optimal",
                        time.perf_counter() - t0, "none", "no accounts")
    _, _, infeasible = _budgets(p)
    bad = _infeasible(p)
    y, exact, env_bound, method = _solve(p, float(call_cost), float(time_limit_s), t0)
    calls = p["min_calls"] + y
    calls[infeasible[rep]] = p["min_calls"][infeasible[rep]]
    value = account_value(calls, p["margin"], p["sales_min"], p["sales_max"], p["c"], p["d"],
                          float(call_cost))
    base = account_value(p["min_calls"], p["margin"], p["sales_min"], p["sales_max"], p["c"],
                         p["d"], float(call_cost))
    per_rep = np.bincount(rep, weights=value, minlength=n_reps)
    env_rep = np.bincount(rep, weights=base, minlength=n_reps) + env_bound
    # an attained value is a valid bound too: guards the envelope against rounding below it
    bound_rep = np.where(exact, per_rep, np.maximum(env_rep, per_rep))
    used_k = np.bincount(rep, weights=calls, minlength=n_reps).astype(np.int64)
    used = {r: int(used_k[k]) for k, r in enumerate(p["reps"])}
    idle = {r: int(p["capacity"][k] - used_k[k]) for k, r in enumerate(p["reps"])}
    seconds = time.perf_counter() - t0
    if bad:
        return CallPlan(calls, math.nan, math.nan, math.nan, "infeasible", seconds, method,
                        Text.join("; ", bad), math.nan, used, idle)
    objective, bound = float(per_rep.sum()), float(bound_rep.sum())
    gap = max(bound - objective, 0.0) / max(abs(objective), TINY)
    status = "optimal" if exact.all() or gap <= OPTIMALITY_GAP else "time_limit"
    message = ("" if exact.all()
               else N_("{count} rep(s) not solved exactly in time", count=int((~exact).sum())))
    return CallPlan(calls, objective, bound, gap, status, seconds, method, message,
                    float(env_rep.sum()), used, idle)
