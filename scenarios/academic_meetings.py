"""The core tier's academic specialists (DOMAIN.md: "core customers get an academic
specialist plus a rep"; docs/territory.md, "Academic specialists").

The effect of an academic meeting on its hospital's sales is estimated from the history (the
visits' academic meetings against the flow data's monthly sales,
:func:`models.territory.meetings.estimate_meeting_effect`) for the terminal types that held
meetings. Under ``territory.academic_specialist_for_core`` the specialists lead their
meetings at the core accounts of those types (the key hospitals) where a meeting earns most:
a meeting is worth the margin on its effect times the account's sales a month (the flow
data's last 12 months at list price) less its cost (today's cost of an academic meeting from
the selling expenses), at most one an account a month, each region's specialists' meetings a
month as its capacity (what they led a month in the history, or
``academic_meetings_per_specialist`` each):
:func:`models.territory.meetings.allocate_meetings`. Today's meetings are each account's
average a month over the last 12 months; the plan's change in sales is the effect times
(planned − today's meetings) times sales, with its 95% interval from the effect's
uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.dataset import Dataset
from models.territory.meetings import (
    MeetingEffect,
    MeetingPlan,
    allocate_meetings,
    estimate_meeting_effect,
)
from models.territory.segmentation import KEY_HOSPITALS, SegmentRules
from scenarios.territory_prospects import recent_flow_sales
from scenarios.territory_response import call_panel

#: the visit kind a specialist leads
KIND = "academic_meeting"
#: fewest meetings in the history for their effect to be estimated
MIN_MEETINGS = 30
#: months of visits that make today's meetings and the specialists' rate
RECENT_MONTHS = 12
#: effects drawn for the plan's interval
EFFECT_DRAWS = 400


def _month_counts(visits: pd.DataFrame) -> pd.Series:
    """Academic meetings per (account_id, month start)."""
    held = visits[visits["kind"] == KIND]
    return held.groupby([held["account_id"],
                         held["date"].dt.to_period("M").dt.start_time.rename("month")]).size()


def meeting_panel(ds: Dataset, panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """The call panel's account-months (:func:`scenarios.territory_response.call_panel`) of
    the account types that held academic meetings, with ``held`` (a meeting that month) and
    ``held_before`` (one the month before)."""
    panel = call_panel(ds) if panel is None else panel
    counts = _month_counts(ds["visits"])
    types = panel.loc[panel["account_id"].isin(counts.index.get_level_values(0)),
                      "account_type"].unique()
    out = panel[panel["account_type"].isin(types)].copy()
    before = counts.copy()
    before.index = pd.MultiIndex.from_arrays(
        [counts.index.get_level_values(0),
         counts.index.get_level_values(1) + pd.offsets.MonthBegin(1)])
    key = pd.MultiIndex.from_frame(out[["account_id", "month"]])
    out["held"] = counts.reindex(key).fillna(0).to_numpy() > 0
    out["held_before"] = before.reindex(key).fillna(0).to_numpy() > 0
    return out.reset_index(drop=True)


def estimate_effect(panel: pd.DataFrame) -> MeetingEffect | None:
    """A meeting's effect from :func:`meeting_panel` (None: fewer than :data:`MIN_MEETINGS`
    meetings)."""
    if int(panel["held"].sum()) < MIN_MEETINGS:
        return None
    return estimate_meeting_effect(panel["account_id"].to_numpy(), panel["month"].to_numpy(),
                                   panel["sales_cny"].to_numpy(), panel["calls"].to_numpy(),
                                   panel["held"].to_numpy(), panel["held_before"].to_numpy())


def unusable(effect: MeetingEffect | None, meetings: int) -> str:
    """Why the effect is not planned on ("" when it is): too few meetings to estimate it, or
    an effect less certain than its own size (the data cannot tell it from none)."""
    if effect is None:
        return f"fewer than {MIN_MEETINGS} academic meetings in the history ({meetings})"
    tau, se = effect.months_of_sales, effect.months_of_sales_se
    if not se < tau:
        return (f"a meeting's effect {tau:+.1%} ± {se:.1%} of a month's sales: less certain "
                "than its size")
    return ""


def specialist_capacity(ds: Dataset, per_specialist: float | None = None) -> pd.DataFrame:
    """Per region: academic specialists, meetings a month each and the whole meetings a month
    they can lead: ``per_specialist`` each, or (None) what they led a month over the last
    :data:`RECENT_MONTHS` months, rounded."""
    reps = ds["reps"]
    spec = reps[reps["academic_specialist"].astype(bool)]
    counts = spec.groupby("region").size()
    if per_specialist is None:
        led = _recent(ds)["rep_id"].map(spec.set_index("rep_id")["region"]).value_counts()
        capacity = np.round(led.reindex(counts.index).fillna(0.0) / RECENT_MONTHS)
    else:
        capacity = np.floor(counts * float(per_specialist) + 1e-9)
    out = pd.DataFrame({"specialists": counts, "capacity": capacity.astype(np.int64)})
    out.insert(1, "meetings_per_specialist", out["capacity"] / out["specialists"])
    out.index.name = "region"
    return out.reset_index()


def _recent(ds: Dataset) -> pd.DataFrame:
    """The academic meetings of the last :data:`RECENT_MONTHS` months."""
    visits = ds["visits"]
    start = ds.as_of - pd.DateOffset(months=RECENT_MONTHS) + pd.Timedelta(days=1)
    return visits[(visits["kind"] == KIND) & (visits["date"] >= start)]


@dataclass(frozen=True)
class MeetingReport:
    """The specialists' plan: per candidate account (``accounts``), per region
    (``regions``), the estimated effect (None: not estimable), the optimizer's answer and
    the totals (``summary``)."""

    accounts: pd.DataFrame
    regions: pd.DataFrame
    #: the effect estimated (None: too few meetings); ``plan`` None: not planned on
    effect: MeetingEffect | None
    plan: MeetingPlan | None
    summary: dict


def plan_meetings(ds: Dataset, *, per_specialist: float | None = None,
                  meeting_cost_cny: float | None = None, panel: pd.DataFrame | None = None,
                  rng: np.random.Generator | None = None) -> MeetingReport:
    """The specialists' meetings at the core accounts (module docstring); the cost of a
    meeting is ``meeting_cost_cny`` or today's from the selling expenses (0 without them,
    said); with ``rng``, the change's 95% interval."""
    mp = meeting_panel(ds, panel)
    effect = estimate_effect(mp)
    regions = specialist_capacity(ds, per_specialist)
    t = ds["terminals"]
    # the core tier's key hospitals where meetings were held: the effect is read there
    types = sorted(set(mp["account_type"]) & set(KEY_HOSPITALS))
    acc = t[t["terminal_type"].isin(types)][["terminal_id", "name", "terminal_type", "city",
                                             "region", "rep_id"]].rename(
        columns={"terminal_id": "account_id", "terminal_type": "account_type"})
    acc = acc.reset_index(drop=True)
    acc["sales_cny_month"] = acc["account_id"].map(
        recent_flow_sales(ds, "terminal_id", RECENT_MONTHS)).fillna(0.0)
    acc["meetings_today"] = acc["account_id"].map(
        _recent(ds).groupby("account_id").size() / RECENT_MONTHS).fillna(0.0)
    cost, cost_known = _meeting_cost(ds, meeting_cost_cny)
    margin = SegmentRules().contribution_margin
    summary = {"types": types, "accounts": len(acc), "meeting_cost_cny": cost,
               "meeting_cost_known": cost_known, "margin": margin,
               "specialists": int(regions["specialists"].sum()),
               "capacity_month": int(regions["capacity"].sum()),
               "meetings_today_month": float(acc["meetings_today"].sum())}
    summary["effect"] = None if effect is None else _effect_json(effect)
    why = unusable(effect, int(mp["held"].sum()))
    if why:
        acc["meetings_planned"] = acc["meetings_today"]
        summary.update(status="not estimable", left_out=why)
        return MeetingReport(acc, _by_region(regions, acc), effect, None, summary)
    tau = effect.months_of_sales
    # sales without a meeting: today's sales carry today's meetings' effect
    base = acc["sales_cny_month"] / (1 + tau * acc["meetings_today"])
    acc["value_cny_month"] = margin * tau * base - cost
    plan = allocate_meetings(acc["value_cny_month"].to_numpy(), acc["region"].to_numpy(),
                             dict(zip(regions["region"], regions["capacity"], strict=True)))
    acc["meetings_planned"] = plan.meetings
    change = acc["meetings_planned"] - acc["meetings_today"]
    sales_change = float((acc["sales_cny_month"] * (_lift(acc, np.array([tau]))[0] - 1)).sum())
    summary.update(
        status=plan.status, objective_cny_month=plan.objective, bound_cny_month=plan.bound,
        gap=plan.gap, left_out="",
        meetings_planned_month=int(plan.meetings.sum()),
        accounts_with_meetings=int((plan.meetings > 0).sum()),
        sales_today_cny_month=float(acc["sales_cny_month"].sum()),
        sales_change_cny_month=sales_change,
        cost_change_cny_month=cost * float(change.sum()),
        margin_change_cny_month=margin * sales_change - cost * float(change.sum()))
    if rng is not None:
        drawn = (acc["sales_cny_month"].to_numpy()[None, :]
                 * (_lift(acc, effect.draw(rng, EFFECT_DRAWS)) - 1)).sum(axis=1)
        summary["sales_change_ci95"] = [float(np.quantile(drawn, q)) for q in (0.025, 0.975)]
    return MeetingReport(acc, _by_region(regions, acc), effect, plan, summary)


def _by_region(regions: pd.DataFrame, acc: pd.DataFrame) -> pd.DataFrame:
    """The specialists per region with their core accounts and meetings today and planned."""
    return regions.merge(acc.groupby("region").agg(
        core_accounts=("account_id", "size"), meetings_today=("meetings_today", "sum"),
        meetings_planned=("meetings_planned", "sum")).reset_index(), on="region", how="left")


def _effect_json(effect: MeetingEffect) -> dict:
    se = effect.standard_errors()
    return {"same_month": effect.same_month, "next_month": effect.next_month,
            "same_month_se": se[0], "next_month_se": se[1],
            "months_of_sales": effect.months_of_sales,
            "months_of_sales_se": effect.months_of_sales_se, "accounts": effect.accounts,
            "account_months": effect.observations, "meetings": effect.meetings}


def _meeting_cost(ds: Dataset, given: float | None) -> tuple[float, bool]:
    """The cost of an academic meeting (CNY): ``given``, or today's from the selling
    expenses; 0 and False when neither is known."""
    if given is not None:
        return float(given), True
    from scenarios.expense_projection import todays_basis

    basis = todays_basis(ds)
    if basis is None or not np.isfinite(basis[0].academic_meeting_cny):
        return 0.0, False
    return float(basis[0].academic_meeting_cny), True


def meeting_lifts(report: MeetingReport) -> np.ndarray:
    """Each candidate account's sales under the plan over today's (its meetings' effect):
    (1 + effect · planned) / (1 + effect · today's meetings a month); 1 without an effect."""
    if report.plan is None:
        return np.ones(len(report.accounts))
    return _lift(report.accounts, np.array([report.effect.months_of_sales]))[0]


def _lift(acc: pd.DataFrame, taus: np.ndarray) -> np.ndarray:
    """draws × accounts lifts for effects ``taus`` (months of sales)."""
    planned = acc["meetings_planned"].to_numpy(dtype=float)[None, :]
    today = acc["meetings_today"].to_numpy(dtype=float)[None, :]
    return (1 + taus[:, None] * planned) / (1 + taus[:, None] * today)


def drawn_meeting_lifts(report: MeetingReport, rng: np.random.Generator,
                        draws: int) -> np.ndarray:
    """Each candidate account's lift (draws × accounts) under effects drawn within the
    estimate's uncertainty."""
    if report.plan is None:
        return np.ones((draws, len(report.accounts)))
    return _lift(report.accounts, report.effect.draw(rng, draws))




@dataclass(frozen=True)
class MeetingRates:
    """Order-rate multipliers per invoiced account (``customer_ids`` order) from the
    specialists' plan at the effect's estimate (``lift``), the same under effects drawn
    within its uncertainty relative to those (``rate_draws``, draws × accounts), and the
    plan's figures (``summary``)."""

    lift: np.ndarray
    rate_draws: np.ndarray
    summary: dict


def meeting_rates(ds: Dataset, report: MeetingReport, customer_ids: np.ndarray,
                  rng: np.random.Generator, draws: int) -> MeetingRates | None:
    """The plan's change to each invoiced account's order rate: a hospital's lift
    (:func:`meeting_lifts`) goes to its distributor weighted by its sales, as the call plan's
    does (:func:`scenarios.territory_effect.customer_lifts`); None without an effect."""
    from scenarios.territory_effect import customer_lifts

    if report.plan is None:
        return None
    acc = report.accounts.assign(sales_today_cny=report.accounts["sales_cny_month"])
    point = customer_lifts(ds, acc, meeting_lifts(report), customer_ids)
    drawn = customer_lifts(ds, acc, drawn_meeting_lifts(report, rng, draws), customer_ids)
    return MeetingRates(point, drawn / np.where(point > 0, point, 1.0), report.summary)


__all__ = ["EFFECT_DRAWS", "KIND", "MIN_MEETINGS", "MeetingRates", "MeetingReport",
           "drawn_meeting_lifts", "estimate_effect", "meeting_lifts", "meeting_panel",
           "meeting_rates", "plan_meetings", "specialist_capacity", "unusable"]
