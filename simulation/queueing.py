"""Analytic results of the M/M/c queue, used as independent truth for the simulation.

Symbols follow Kleinrock (1975), *Queueing Systems, Vol. 1*, §3.5, and Gross & Harris,
*Fundamentals of Queueing Theory*, §2.3: arrival rate ``λ`` and service rate ``μ`` (per day),
``c`` servers, offered load ``a = λ/μ`` (erlangs), utilisation ``ρ = a/c``.
"""

from __future__ import annotations

import math
import numbers

from data.problems import InputError, Problem


def _check_servers(where: str, c: int) -> None:
    if isinstance(c, bool) or not isinstance(c, numbers.Integral) or c < 1:
        raise InputError(Problem(where, "c", "an integer >= 1 (number of servers)", repr(c)),
                         f"{where} refused its input")


def _check_nonnegative(where: str, name: str, value: float, strict: bool = False) -> None:
    ok = math.isfinite(value) and (value > 0 if strict else value >= 0)
    if not ok:
        allowed = "a finite number > 0" if strict else "a finite number >= 0"
        raise InputError(Problem(where, name, allowed, repr(value)), f"{where} refused its input")


def erlang_b(c: int, offered_load_a: float) -> float:
    """Erlang B blocking probability of M/M/c/c with offered load ``a`` erlangs.

    The recursion ``B(0) = 1``, ``B(k) = a·B(k-1) / (k + a·B(k-1))`` (Kleinrock 1975, §3.6,
    in recursive form) avoids the factorials of the closed form, so it is stable for large ``c``.
    """
    _check_servers("erlang_b", c)
    _check_nonnegative("erlang_b", "offered_load_a", offered_load_a)
    b = 1.0
    for k in range(1, int(c) + 1):
        b = offered_load_a * b / (k + offered_load_a * b)
    return b


def erlang_c(c: int, offered_load_a: float) -> float:
    """Erlang C: probability that an arrival to M/M/c waits (Kleinrock 1975, §3.5).

    Computed from Erlang B as ``C = c·B / (c - a·(1 - B))``; for ``a >= c`` (no steady state)
    every arrival eventually waits and the result is 1.
    """
    _check_servers("erlang_c", c)
    _check_nonnegative("erlang_c", "offered_load_a", offered_load_a)
    if offered_load_a >= c:
        return 1.0
    b = erlang_b(c, offered_load_a)
    return c * b / (c - offered_load_a * (1.0 - b))


def mmc_mean_wait(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean wait in queue ``Wq = C(c, a) / (cμ - λ)`` of M/M/c (Gross & Harris §2.3), in
    the time unit of the rates (days for rates per day); ``inf`` when ``λ >= cμ``."""
    _check_servers("mmc_mean_wait", c)
    _check_nonnegative("mmc_mean_wait", "arrival_rate", arrival_rate)
    _check_nonnegative("mmc_mean_wait", "service_rate", service_rate, strict=True)
    if arrival_rate >= c * service_rate:
        return math.inf
    return erlang_c(c, arrival_rate / service_rate) / (c * service_rate - arrival_rate)


def mmc_mean_queue_length(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean number waiting ``Lq = λ·Wq = C(c, a)·ρ / (1 - ρ)`` of M/M/c (Gross & Harris
    §2.3); ``inf`` when ``λ >= cμ``."""
    _check_servers("mmc_mean_queue_length", c)
    _check_nonnegative("mmc_mean_queue_length", "arrival_rate", arrival_rate)
    _check_nonnegative("mmc_mean_queue_length", "service_rate", service_rate, strict=True)
    if arrival_rate >= c * service_rate:
        return math.inf
    rho = arrival_rate / (c * service_rate)
    return erlang_c(c, arrival_rate / service_rate) * rho / (1.0 - rho)
