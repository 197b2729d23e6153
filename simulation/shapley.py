"""Shapley values of a cooperative game: what each player contributes to v(N) − v(∅).

The value of a coalition may be a number, an array (e.g. per replication × KPI) or a mapping
of such; contributions have the same shape. Shapley values are linear in the game, so a game
evaluated per replication gives per-replication Shapley values whose mean is the Shapley value
of the mean game.

* :func:`shapley_exact` enumerates all 2^n coalitions (Shapley 1953):
  φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S)).
* :func:`shapley_sampled` averages the marginal contributions along random orders of the
  players (Castro, Gómez & Tejada 2009, "Polynomial calculation of the Shapley value based on
  sampling", Computers & Operations Research 36(5)); optionally in antithetic pairs (an order
  and its reverse). A Student-t 95% CI over the orders (over the pairs when antithetic) states
  the sampling error.

Both satisfy efficiency exactly: along any order the marginal contributions telescope to
v(N) − v(∅). Each coalition's value is computed once (memoised).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

Player = Hashable
Coalition = frozenset
Value = Any  # float | np.ndarray | Mapping[str, float | np.ndarray]
Game = Callable[[frozenset], Value]

#: beyond this many players exact enumeration (2^n coalitions) is refused
EXACT_MAX_PLAYERS = 16


def _combine(terms: Iterable[tuple[float, Value]]) -> Value:
    """Σ weight · value over ``terms``; values numbers, arrays or mappings of them."""
    terms = list(terms)
    first = terms[0][1]
    if isinstance(first, Mapping):
        return {k: _combine((w, v[k]) for w, v in terms) for k in first}
    return sum((w * np.asarray(v, dtype=float) for w, v in terms),
               start=np.zeros_like(np.asarray(first, dtype=float)))


def _memoised(value: Game) -> Game:
    seen: dict[frozenset, Value] = {}

    def get(coalition: frozenset) -> Value:
        if coalition not in seen:
            seen[coalition] = value(coalition)
        return seen[coalition]

    return get


def _checked(players: Sequence[Player]) -> tuple[Player, ...]:
    players = tuple(players)
    if not players:
        raise ValueError("players(=[]) must name at least one player")
    if len(set(players)) != len(players):
        raise ValueError(f"players(={list(players)!r}) must be distinct")
    return players


def all_coalitions(players: Sequence[Player]) -> list[frozenset]:
    """Every subset of ``players``, smallest first (∅ first, N last)."""
    players = _checked(players)
    return [frozenset(c) for size in range(len(players) + 1)
            for c in combinations(players, size)]


def shapley_exact(players: Sequence[Player], value: Game) -> dict[Player, Value]:
    """Exact Shapley value of each player by enumerating every coalition (Shapley 1953).

    ``value(coalition)`` is called once per coalition (2^n calls); ``players`` at most
    ``EXACT_MAX_PLAYERS``."""
    players = _checked(players)
    n = len(players)
    if n > EXACT_MAX_PLAYERS:
        raise ValueError(f"players(={n}) must be at most {EXACT_MAX_PLAYERS} for exact "
                         "enumeration; use shapley_sampled")
    v = _memoised(value)
    for coalition in all_coalitions(players):  # in a fixed order, so progress is predictable
        v(coalition)
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        terms = []
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for s in combinations(others, size):
                s = frozenset(s)
                terms += [(weight, v(s | {i})), (-weight, v(s))]
        out[i] = _combine(terms)
    return out


def sample_orders(players: Sequence[Player], permutations: int, rng: np.random.Generator, *,
                  antithetic: bool = False) -> list[tuple[Player, ...]]:
    """``permutations`` random orders of ``players`` (with ``antithetic``: that many pairs, each
    an order followed by its reverse)."""
    players = _checked(players)
    if permutations < 1:
        raise ValueError(f"permutations(={permutations}) must be >= 1")
    orders = []
    for _ in range(permutations):
        order = tuple(players[k] for k in rng.permutation(len(players)))
        orders.append(order)
        if antithetic:
            orders.append(order[::-1])
    return orders


def coalitions_along(orders: Iterable[Sequence[Player]]) -> list[frozenset]:
    """The distinct coalitions the orders pass through (∅ and N included), in first-use
    order."""
    seen: dict[frozenset, None] = {}
    for order in orders:
        for k in range(len(order) + 1):
            seen.setdefault(frozenset(order[:k]), None)
    return list(seen)


@dataclass(frozen=True)
class SampledShapley:
    """Shapley values estimated from sampled orders: per player the mean marginal
    contribution and its 95% CI over the orders (over pairs when antithetic)."""

    mean: dict[Player, Value]
    ci_low: dict[Player, Value]
    ci_high: dict[Player, Value]
    #: orders used (antithetic pairs count twice)
    orders: int
    antithetic: bool


def _marginals(players: tuple, value: Game, order: Sequence[Player]) -> dict[Player, Value]:
    out, before = {}, frozenset()
    for p in order:
        after = before | {p}
        out[p] = _combine([(1.0, value(after)), (-1.0, value(before))])
        before = after
    return out


def _mean_ci(samples: list[Value]) -> tuple[Value, Value, Value]:
    """Mean and Student-t 95% CI over ``samples`` (elementwise; NaN CI with one sample)."""
    if isinstance(samples[0], Mapping):
        parts = {k: _mean_ci([s[k] for s in samples]) for k in samples[0]}
        return tuple({k: p[j] for k, p in parts.items()} for j in range(3))  # type: ignore
    stacked = np.stack([np.asarray(s, dtype=float) for s in samples])
    mean = stacked.mean(axis=0)
    m = len(samples)
    if m < 2:
        half = np.full_like(mean, math.nan)
    else:
        half = stats.t.ppf(0.975, m - 1) * stacked.std(axis=0, ddof=1) / math.sqrt(m)
    return mean, mean - half, mean + half


def shapley_from_orders(players: Sequence[Player], value: Game,
                        orders: Sequence[Sequence[Player]], *,
                        antithetic: bool = False) -> SampledShapley:
    """Shapley values as the mean marginal contribution along ``orders`` (Castro et al. 2009);
    ``antithetic``: the orders come in pairs (:func:`sample_orders`), averaged before the CI."""
    players = _checked(players)
    if antithetic and len(orders) % 2:
        raise ValueError(f"orders(={len(orders)}) must come in pairs when antithetic")
    v = _memoised(value)
    for coalition in coalitions_along(orders):
        v(coalition)
    marginals = [_marginals(players, v, order) for order in orders]
    if antithetic:
        marginals = [{p: _combine([(0.5, a[p]), (0.5, b[p])]) for p in players}
                     for a, b in zip(marginals[::2], marginals[1::2], strict=True)]
    stats_ = {p: _mean_ci([m[p] for m in marginals]) for p in players}
    return SampledShapley({p: s[0] for p, s in stats_.items()},
                          {p: s[1] for p, s in stats_.items()},
                          {p: s[2] for p, s in stats_.items()}, len(orders), antithetic)


def shapley_sampled(players: Sequence[Player], value: Game, permutations: int,
                    rng: np.random.Generator, *, antithetic: bool = False) -> SampledShapley:
    """Shapley values estimated from ``permutations`` random orders drawn with ``rng``
    (Castro, Gómez & Tejada 2009), with a 95% CI of the sampling error."""
    orders = sample_orders(players, permutations, rng, antithetic=antithetic)
    return shapley_from_orders(players, value, orders, antithetic=antithetic)
