"""The monthly call plan per rep and account (docs/territory.md, "Call plan").

Every account a rep calls on (a terminal, or an account sold to direct) gets a response curve
in CNY a month: its segment's ADBUDG share of potential estimated from the visits and the
flow data (:mod:`scenarios.territory_response`), times its potential a month, times its own
level (its sales over what the segment's curve expects at the calls it got: an account that
sells twice what its segment does at the same calls keeps doing so). The plan maximises the
margin on those sales within each rep's capacity (:func:`models.territory.allocate_calls`,
proven optimal), keeping today's alignment:

- a rep's capacity is field days × calls a day × :data:`CALL_SHARE`, scaled by the time a
  call takes it, travel included: × 1 / (call minutes + its travel a call), normalised so
  the factor averages 1 over the reps; travel a call is the round trip to its accounts
  (weighted by today's calls) at :data:`TRAVEL_KMH`, shared by :data:`CALLS_PER_TRIP` calls;
- the visit quota per doctor grade is each terminal's minimum (a pharmacy's: one visit); a
  rep whose quota needs more calls than its capacity has every minimum scaled down in
  proportion, and the shortfall is reported;
- no account is planned more calls than its segment got in 95% of its months of the history:
  the curves are estimated where the data are, and an optimizer chases the error of a curve's
  sparse tail (with the most ever seen as the ceiling, the plan's uplift on the generator's
  own curves was 9 points below the one it reported; docs/territory.md).

The current plan is each account's average calls a month over the last 12 months; the uplift
is the curves' sales at the plan against at today's calls. A rep with time to spare today
fills it in the plan; the uplift of today's calls per rep only moved between its accounts
(the Syntex study's question) is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.geography import great_circle_km
from data.tables import DISTRIBUTOR_TYPES
from models.territory.calls import CallPlan, adbudg_sales, allocate_calls
from models.territory.response import SegmentResponse
from models.territory.segmentation import SegmentRules
from scenarios.territory_prospects import (
    prospect_rows,
    win_panel,
    win_response,
    win_summary,
    wins_interval,
)
from scenarios.territory_response import (
    call_panel,
    estimate_responses,
    response_table,
    unusable,
    usable_estimates,
)

#: share of field time a rep plans for calls (the rest: meetings, paperwork)
CALL_SHARE = 0.9
TRAVEL_KMH = 40.0
CALLS_PER_TRIP = 4.0
#: no account is planned more calls than this quantile of its segment's account-months: the
#: curves are estimated where the data are, and the plan would chase their tail
MAX_CALLS_QUANTILE = 0.95
#: curves drawn for the uplift's interval
UPLIFT_DRAWS = 400
#: months of visits that make today's plan
CURRENT_MONTHS = 12


@dataclass(frozen=True)
class CallPlanReport:
    """The plan: per account (``accounts``), per rep (``reps``), the optimizer's answer
    (``plan``), the segments' curves (``responses``) and the totals (``summary``)."""

    accounts: pd.DataFrame
    reps: pd.DataFrame
    plan: CallPlan
    responses: pd.DataFrame
    summary: dict
    #: the usable curves the plan rests on, per account type
    estimates: dict[str, SegmentResponse] | None = None
    #: open prospects with their calls today and planned and their chance of a win a month
    #: (``plan.calls`` holds the accounts' rows, then these); None without a usable win curve
    prospects: pd.DataFrame | None = None
    #: the monthly win chance against calls, estimated (None: not estimable)
    win: SegmentResponse | None = None


def call_accounts(ds: Dataset) -> pd.DataFrame:
    """Every account reps call on: terminals and accounts sold to direct, with type, name,
    city, rep, potential a month (CNY) and km from the rep's base."""
    t, c = ds["terminals"], ds["customers"]
    c = c[~c["customer_type"].isin(DISTRIBUTOR_TYPES)]
    cols = ["name", "city", "rep_id", "longitude", "latitude"]
    out = pd.concat([
        t[["terminal_id", "terminal_type", *cols, "annual_potential_cny"]].rename(
            columns={"terminal_id": "account_id", "terminal_type": "account_type"}),
        c[["customer_id", "customer_type", *cols, "annual_potential_cny"]].rename(
            columns={"customer_id": "account_id", "customer_type": "account_type"})],
        ignore_index=True)
    reps = ds["reps"].set_index("rep_id")
    base = reps.reindex(out["rep_id"])
    out["km_to_base"] = great_circle_km(out["longitude"].to_numpy(), out["latitude"].to_numpy(),
                                        base["longitude"].to_numpy(), base["latitude"].to_numpy())
    out["potential_cny_month"] = out.pop("annual_potential_cny") / 12.0
    return out.drop(columns=["longitude", "latitude"])


def calls_a_month(ds: Dataset) -> pd.Series:
    """Calls a month on each account (by id) over the visits' last :data:`CURRENT_MONTHS`
    months: today's plan."""
    visits = ds["visits"]
    start = ds.as_of - pd.DateOffset(months=CURRENT_MONTHS) + pd.Timedelta(days=1)
    recent = visits[(visits["kind"] == "call") & (visits["date"] >= start)]
    return recent.groupby("account_id").size() / CURRENT_MONTHS


def _levels(panel: pd.DataFrame, estimates: dict[str, SegmentResponse]) -> pd.Series:
    """Each account's own level: its sales over what its segment's curve expects."""
    parts = []
    for segment, rows in panel.groupby("account_type"):
        est = estimates.get(str(segment))
        if est is None:
            continue
        expected = (est.month_factors[rows["month"].dt.month.to_numpy() - 1]
                    * est.curve.sales(rows["calls"].to_numpy()) * rows["potential_cny"])
        got = rows.assign(expected=expected.to_numpy())
        sums = got.groupby("account_id")[["sales_cny", "expected"]].sum()
        parts.append(sums["sales_cny"] / sums["expected"].where(sums["expected"] > 0))
    return pd.concat(parts) if parts else pd.Series(dtype=float)


def rep_capacity(ds: Dataset, accounts: pd.DataFrame, *,
                 field_days_per_month: float | None = None,
                 calls_per_day: float | None = None) -> pd.DataFrame:
    """Calls a month each rep can make, travel from its base included (module docstring);
    ``field_days_per_month`` and ``calls_per_day`` replace every rep's own when given (the
    scenario's ``territory`` levers)."""
    reps = ds["reps"].set_index("rep_id")
    if field_days_per_month is not None:
        reps = reps.assign(field_days_per_month=float(field_days_per_month))
    if calls_per_day is not None:
        reps = reps.assign(calls_per_day=float(calls_per_day))
    visits = ds["visits"]
    call_minutes = float(visits.loc[visits["kind"] == "call", "minutes"].mean()) if len(
        visits) else 15.0
    weight = accounts["current_calls"].clip(lower=0.1)
    km = (accounts["km_to_base"] * weight).groupby(accounts["rep_id"]).sum() / weight.groupby(
        accounts["rep_id"]).sum()
    km = km.reindex(reps.index).fillna(0.0)
    travel = 2 * km / TRAVEL_KMH * 60 / CALLS_PER_TRIP
    time_factor = 1.0 / (call_minutes + travel)
    time_factor = time_factor / time_factor.mean()  # the average rep keeps its calls a day
    cap = np.floor(reps["field_days_per_month"] * reps["calls_per_day"] * CALL_SHARE
                   * time_factor)
    return pd.DataFrame({"name": reps["name"], "home_city": reps["home_city"],
                         "region": reps["region"],
                         "km_to_accounts": km, "travel_minutes_per_call": travel,
                         "capacity": cap.astype(np.int64)})


def _minimums(accounts: pd.DataFrame, due: pd.Series, capacity: pd.Series) -> pd.Series:
    """Whole calls a month each account is due, scaled down for a rep who cannot make them
    all (largest remainder keeps the total at the capacity)."""
    need = accounts["account_id"].map(due).fillna(0.0)
    total = need.groupby(accounts["rep_id"]).transform("sum")
    cap = accounts["rep_id"].map(capacity).astype(float)
    scale = np.minimum(1.0, cap / total.where(total > 0, 1.0))
    return np.floor(need * scale + 1e-9).astype(np.int64)


def uplift_interval(acc: pd.DataFrame, columns: tuple[str, ...],
                    estimates: dict[str, SegmentResponse], rng: np.random.Generator,
                    draws: int = UPLIFT_DRAWS) -> dict[str, list[float]]:
    """95% interval of the uplift of each calls column in ``columns`` over today's calls,
    from curves drawn within their estimates' uncertainty (accounts keep their own level):
    the curves' estimation error, not the optimizer's curse (docs/territory.md)."""
    today = np.zeros(draws)
    totals = {col: np.zeros(draws) for col in columns}
    for segment, rows in acc.groupby("account_type"):
        curves = estimates[str(segment)].draw_curves(rng, draws)  # draws × 4
        scale = (rows["potential_cny_month"] * rows["level"]).to_numpy()[None, :]

        def sales(calls: pd.Series, curves: np.ndarray = curves,
                  scale: np.ndarray = scale) -> np.ndarray:
            x = calls.to_numpy(dtype=float)[None, :]
            return (scale * adbudg_sales(x, curves[:, [0]], curves[:, [1]], curves[:, [2]],
                                         curves[:, [3]])).sum(axis=1)

        today += sales(rows["current_calls"])
        for col in columns:
            totals[col] += sales(rows[col])
    out = {}
    for col, total in totals.items():
        uplift = total / np.where(today > 0, today, np.nan) - 1
        out[col] = [float(np.nanquantile(uplift, 0.025)), float(np.nanquantile(uplift, 0.975))]
    return out


def plan_calls(ds: Dataset, due: pd.Series, *, time_limit_s: float = 60.0,
               estimates: dict[str, SegmentResponse] | None = None,
               field_days_per_month: float | None = None,
               calls_per_day: float | None = None,
               rng: np.random.Generator | None = None) -> CallPlanReport:
    """The call plan for ``ds`` with ``due`` visits a month per terminal (the visit quota,
    :func:`scenarios.territory_report.visits_due`); the field-time overrides as in
    :func:`rep_capacity`; with ``rng``, the uplifts' 95% intervals from the curves'
    uncertainty (:func:`uplift_interval`); module docstring."""
    panel = call_panel(ds)
    everything = estimates if estimates is not None else estimate_responses(panel)
    estimates = usable_estimates(everything)
    acc = call_accounts(ds)
    current = calls_a_month(ds)
    acc["current_calls"] = acc["account_id"].map(current).fillna(0.0)
    missing = sorted(set(acc["account_type"]) - set(estimates))
    left_out = int((~acc["account_type"].isin(list(estimates))).sum())
    acc = acc[acc["account_type"].isin(list(estimates))].reset_index(drop=True)
    level = acc["account_id"].map(_levels(panel, estimates)).fillna(1.0)
    acc["level"] = level.clip(lower=0.0)
    # the type's curve; its ends scaled from a share of potential to the account's CNY
    scale = acc["potential_cny_month"] * acc["level"]
    for name in ("sales_min", "sales_max", "c", "d"):
        value = acc["account_type"].map({s: getattr(e.curve, name) for s, e in estimates.items()})
        acc[name] = scale * value if name.startswith("sales") else value
    seen = panel.groupby("account_type")["calls"].quantile(MAX_CALLS_QUANTILE).round()
    reps = rep_capacity(ds, acc, field_days_per_month=field_days_per_month,
                        calls_per_day=calls_per_day)
    acc["min_calls"] = _minimums(acc, due, reps["capacity"])
    acc["max_calls"] = np.maximum(acc["account_type"].map(seen).fillna(0).astype(np.int64),
                                  acc["min_calls"])
    acc["margin"] = SegmentRules().contribution_margin
    wins = win_panel(ds) if "prospects" in ds.tables else None
    win = win_response(ds) if wins is not None else None
    pros = (prospect_rows(ds, win, wins, current) if win is not None and not unusable(win)
            else None)
    columns = ["rep_id", "sales_min", "sales_max", "c", "d", "margin", "min_calls",
               "max_calls"]
    inputs = pd.concat([acc[columns], pros[columns]] if pros is not None else [acc[columns]],
                       ignore_index=True).rename(columns={"rep_id": "rep"})
    plan = allocate_calls(inputs, reps["capacity"].to_dict(), time_limit_s=time_limit_s)
    acc["planned_calls"] = plan.calls[:len(acc)]
    if pros is not None:
        pros = pros.assign(planned_calls=plan.calls[len(acc):])
    # customers and prospects: every call a rep makes
    everyone = pd.concat([acc, pros]) if pros is not None else acc
    # the same calls as today per rep, only moved between its accounts (Syntex's question)
    today = everyone.groupby("rep_id")["current_calls"].sum().reindex(reps.index).fillna(0.0)
    same = np.maximum(np.minimum(np.round(today), reps["capacity"]),
                      acc.groupby("rep_id")["min_calls"].sum().reindex(reps.index).fillna(0))
    moved = allocate_calls(inputs, same.astype(np.int64).to_dict(), time_limit_s=time_limit_s)
    acc["reallocated_calls"] = moved.calls[:len(acc)]
    if pros is not None:
        pros = pros.assign(reallocated_calls=moved.calls[len(acc):])
    acc["quota_calls"] = acc["account_id"].map(due).fillna(0.0)
    acc["sales_today_cny"] = adbudg_sales(acc["current_calls"], acc["sales_min"],
                                          acc["sales_max"], acc["c"], acc["d"])
    acc["sales_planned_cny"] = adbudg_sales(acc["planned_calls"], acc["sales_min"],
                                            acc["sales_max"], acc["c"], acc["d"])
    reallocated = float(adbudg_sales(acc["reallocated_calls"], acc["sales_min"],
                                     acc["sales_max"], acc["c"], acc["d"]).sum())
    by_rep = acc.groupby("rep_id")
    reps["calls_today"] = today
    reps["calls_planned"] = everyone.groupby("rep_id")["planned_calls"].sum().reindex(
        reps.index).fillna(0)
    reps["quota_calls"] = by_rep["quota_calls"].sum().reindex(reps.index).fillna(0.0)
    reps["idle_calls"] = reps["capacity"] - reps["calls_planned"]
    reps["sales_today_cny"] = by_rep["sales_today_cny"].sum().reindex(reps.index).fillna(0.0)
    reps["sales_planned_cny"] = by_rep["sales_planned_cny"].sum().reindex(reps.index).fillna(
        0.0)
    reps.index.name = "rep_id"
    today, planned = float(acc["sales_today_cny"].sum()), float(acc["sales_planned_cny"].sum())
    summary = {
        "status": plan.status, "objective_cny_month": plan.objective,
        "bound_cny_month": plan.bound, "gap": plan.gap, "seconds": plan.seconds,
        "method": plan.method, "accounts": len(acc),
        # too few accounts of a type, or too uncertain a curve: left out of the plan, said
        "types_without_curve": missing, "accounts_left_out": left_out,
        "calls_today": float(everyone["current_calls"].sum()),
        "calls_planned": int(everyone["planned_calls"].sum()),
        "capacity": int(reps["capacity"].sum()),
        "idle_calls": int(reps["idle_calls"].sum()),
        "quota_calls": float(acc["quota_calls"].sum()),
        "quota_met_share": float((acc["planned_calls"] >= np.ceil(acc["quota_calls"] - 1e-9)
                                  ).mean()),
        "sales_today_cny_month": today, "sales_planned_cny_month": planned,
        "uplift_cny_month": planned - today,
        "uplift_share": (planned - today) / today if today > 0 else float("nan"),
        # today's calls per rep, reallocated: the uplift without one more call
        "reallocated_status": moved.status, "reallocated_gap": moved.gap,
        "sales_reallocated_cny_month": reallocated,
        "uplift_reallocated_share": (reallocated - today) / today if today > 0
        else float("nan"),
    }
    summary.update(win_summary(pros, win))
    if rng is not None and len(acc):
        interval = uplift_interval(acc, ("planned_calls", "reallocated_calls"), estimates, rng)
        summary["uplift_ci95"] = interval["planned_calls"]
        summary["uplift_reallocated_ci95"] = interval["reallocated_calls"]
        if pros is not None:
            summary["wins_change_ci95"] = wins_interval(pros, "planned_calls", win, rng)
    return CallPlanReport(acc, reps.reset_index(), plan, response_table(everything), summary,
                          estimates, pros, win)


def coverage(report: CallPlanReport) -> pd.DataFrame:
    """Per account type: accounts, calls a month today and planned, accounts with no call
    today and planned, sales a month today and planned (CNY)."""
    a = report.accounts
    g = a.groupby("account_type")
    return pd.DataFrame({
        "accounts": g.size(), "calls_today": g["current_calls"].sum(),
        "calls_planned": g["planned_calls"].sum(),
        "uncalled_today": g["current_calls"].apply(lambda s: int((s < 0.5).sum())),
        "uncalled_planned": g["planned_calls"].apply(lambda s: int((s == 0).sum())),
        "sales_today_cny": g["sales_today_cny"].sum(),
        "sales_planned_cny": g["sales_planned_cny"].sum()}).reset_index()


__all__ = ["CALLS_PER_TRIP", "CALL_SHARE", "CallPlanReport", "call_accounts", "calls_a_month",
           "coverage",
           "plan_calls", "rep_capacity"]
