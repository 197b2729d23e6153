"""Fewer km for a minimum-disruption alignment, without more disruption.

Minimum disruption (``align_territories(objective="disruption")``) counts only the workload
that changes rep, so it sends the units it moves to whichever reps balance the loads, however
far (on the national data it nearly triples the km). :func:`shorten_moves` re-places only the
units already moved: a shift to a nearer rep, or a swap of two moved units between their
reps, kept when every rep stays within its load limits and the km fall. A unit never leaves
its current rep, so the workload moved never rises (it falls when a unit goes back), and the
disruption's proven bound stays valid.
"""

from __future__ import annotations

import time

import numpy as np

#: best swaps looked at per round (a round makes at most one swap per rep)
BATCH = 20_000


def shorten_moves(assignment: np.ndarray, workload: np.ndarray, distance: np.ndarray,
                  current: np.ndarray, lower: float, upper: float, *,
                  max_seconds: float = 5.0) -> np.ndarray:
    """A copy of ``assignment`` (rep index per unit) with its moved units re-placed for fewer
    km (``distance`` units × reps, km), every rep's ``workload`` kept within [lower, upper]
    and no unit moved that ``assignment`` keeps with its ``current`` rep; stops after
    ``max_seconds`` wall seconds."""
    a = np.asarray(assignment, dtype=np.int64).copy()
    w = np.asarray(workload, dtype=float)
    m = distance.shape[1]
    loads = np.bincount(a, weights=w, minlength=m)
    tol = 1e-9 * max(upper, 1.0)
    deadline = time.perf_counter() + max_seconds
    while time.perf_counter() < deadline:
        shifted = _shift(a, w, distance, current, loads, lower - tol, upper + tol)
        swapped = _swap(a, w, distance, current, loads, lower - tol, upper + tol, deadline)
        if not (shifted or swapped):
            break
    return a


def _shift(a, w, d, cur, loads, lower, upper) -> int:
    """Each moved unit, farthest first, to its nearest rep with room; changes made."""
    moved = np.flatnonzero(a != cur)
    changes = 0
    for i in moved[np.argsort(-d[moved, a[moved]])]:
        p = a[i]
        if loads[p] - w[i] < lower:
            continue  # its rep would fall below its lower limit
        room = (loads + w[i] <= upper) & (d[i] < d[i, p])
        room[p] = False
        if room.any():
            j = int(np.flatnonzero(room)[np.argmin(d[i, room])])
            a[i], changes = j, changes + 1
            loads[p] -= w[i]
            loads[j] += w[i]
    return changes


def _swap(a, w, d, cur, loads, lower, upper, deadline) -> int:
    """Swaps of two moved units between their reps, best first; each round takes the best
    swaps that share no rep (their load checks stay valid together); swaps made."""
    changes = 0
    while time.perf_counter() < deadline:
        moved = np.flatnonzero(a != cur)
        if moved.size < 2:
            break
        rep = a[moved]
        here = d[moved, rep]
        there = d[np.ix_(moved, rep)]  # [i, k]: km of unit i at unit k's rep
        gain = here[:, None] + here[None, :] - there - there.T
        shift = w[moved][:, None] - w[moved][None, :]  # load leaving i's rep, entering k's
        after_i = loads[rep][:, None] - shift
        after_k = loads[rep][None, :] + shift
        gain[~((rep[:, None] != rep[None, :]) & (after_i >= lower) & (after_i <= upper)
               & (after_k >= lower) & (after_k <= upper))] = 0.0
        flat = gain.ravel()
        top = np.flatnonzero(flat > 1e-9)
        if top.size == 0:
            break
        top = top[np.argsort(-flat[top])[:BATCH]]
        used = np.zeros(d.shape[1], dtype=bool)
        for best in top:
            i, k = moved[best // moved.size], moved[best % moved.size]
            p, q = a[i], a[k]
            if used[p] or used[q]:
                continue
            used[p] = used[q] = True
            a[i], a[k] = q, p
            loads[p] += w[k] - w[i]
            loads[q] += w[i] - w[k]
            changes += 1
    return changes
