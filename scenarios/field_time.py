"""Reps' field time and the wait for phone and WeChat orders to be keyed in (docs/territory.md,
"Field time and order entry").

Today a customer phones or messages its rep, who keys the order in (DOMAIN.md, "order
processing") between and after its calls. A plan that gives each rep more calls a month
leaves it less of that time: the entry stage's hours are multiplied by
``(calls a rep planned / calls a rep today) ** e``, ``e`` the assumption
``entry_wait_field_elasticity`` (1: the wait grows in proportion to the calls). The history
records the calls and their minutes, not the rest of a rep's day, so the time left cannot be
measured: the elasticity carries what is not known, and the sensitivity run moves it. App
orders, which enter themselves, are not touched.
"""

from __future__ import annotations


def keying_factor(calls_today: float, reps_today: int, calls_planned: float, reps_planned: int,
                  elasticity: float) -> dict:
    """The entry wait's multiplier under the scenario's calls and reps, with what it rests on
    (calls a month per rep, today and planned)."""
    basis = {"calls_per_rep_today": calls_today / max(reps_today, 1),
             "calls_per_rep_planned": calls_planned / max(reps_planned, 1)}
    return {**basis, **entry_factor(basis, elasticity)}


def entry_factor(basis: dict, elasticity: float) -> dict:
    """:func:`keying_factor`'s multiplier from its ``basis`` at ``elasticity`` (a sensitivity
    run changes the elasticity, not the plan); 1 when no call was made today."""
    today, planned = basis["calls_per_rep_today"], basis["calls_per_rep_planned"]
    ratio = planned / today if today > 0 else 1.0
    return {"keying_factor": float(ratio ** elasticity)}


__all__ = ["entry_factor", "keying_factor"]
