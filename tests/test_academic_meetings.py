"""The core tier's academic specialists: a meeting's effect estimated from the history against
the generator's hidden one and against known synthetic effects, the specialists' meetings
against exhaustive enumeration, judged on the hidden effect, and carried into the order rates
and the selling expenses."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from data.dataset import load_dataset
from models.territory.meetings import allocate_meetings, estimate_meeting_effect
from scenarios.academic_meetings import (
    estimate_effect,
    meeting_panel,
    meeting_rates,
    plan_meetings,
    specialist_capacity,
)


@pytest.fixture(scope="module")
def medium(medium_dir):
    return load_dataset(medium_dir)


@pytest.fixture(scope="module")
def medium_plan(medium):
    return plan_meetings(medium, rng=np.random.default_rng(3))


def test_allocation_equals_enumeration_on_small_cases():
    """Every 0/1 choice of meetings within the regions' capacities tried: none is worth more
    than the allocation's, which keeps within them and is reported proven."""
    rng = np.random.default_rng(11)
    for _ in range(60):
        n = int(rng.integers(1, 10))
        value = rng.normal(1000.0, 2000.0, n)
        region = rng.choice(["East", "North", "South"], n)
        capacity = {r: int(rng.integers(0, 4)) for r in ("East", "North")}  # South: none
        plan = allocate_meetings(value, region, capacity)
        best = 0.0
        for pick in itertools.product((0, 1), repeat=n):
            x = np.array(pick)
            if all(x[region == r].sum() <= capacity.get(r, 0) for r in set(region)):
                best = max(best, float(value @ x))
        assert plan.objective == pytest.approx(best, abs=1e-6)
        assert plan.status == "optimal" and plan.gap == 0.0 and plan.bound == plan.objective
        for r in set(region):
            assert plan.meetings[region == r].sum() <= capacity.get(r, 0)


def _synthetic_panel(rng: np.random.Generator, same: float, nxt: float, accounts: int = 200,
                     months: int = 24):
    """Log-normal monthly sales with account and month effects, calls, and meetings held at
    random (10% of account-months) that multiply the month's sales by 1 + ``same`` and the
    next month's by 1 + ``nxt``."""
    level = rng.normal(11.0, 1.0, accounts)[:, None]
    season = rng.normal(0.0, 0.1, months)[None, :]
    calls = rng.poisson(4.0, (accounts, months))
    held = rng.random((accounts, months)) < 0.1
    before = np.zeros_like(held)
    before[:, 1:] = held[:, :-1]
    sales = (np.exp(level + season + 0.2 * np.log1p(calls)
                    + rng.normal(0.0, 0.3, (accounts, months)))
             * (1 + same * held) * (1 + nxt * before))
    account = np.repeat(np.arange(accounts), months)
    period = np.tile(np.arange(months), accounts)
    return (account, period, sales.ravel(), calls.ravel(), held.ravel(), before.ravel())


def test_the_fit_holds_known_effects_and_its_intervals_cover_them():
    """Synthetic panels with known effects (an analytic truth): over 40 panels the 95%
    intervals from the cluster-robust standard errors hold each effect in at least 85% of
    them (binomial: 95% expected, 85% is three standard deviations below), and the average
    estimate is within 0.01 of the truth."""
    rng = np.random.default_rng(8)
    same, nxt = 0.15, 0.075
    hits, estimates = np.zeros(2), []
    for _ in range(40):
        fit = estimate_meeting_effect(*_synthetic_panel(rng, same, nxt))
        se = fit.standard_errors()
        hits += [abs(fit.same_month - same) <= 1.96 * se[0],
                 abs(fit.next_month - nxt) <= 1.96 * se[1]]
        estimates.append((fit.same_month, fit.next_month))
    assert (hits / 40 >= 0.85).all(), hits
    assert np.abs(np.mean(estimates, axis=0) - [same, nxt]).max() <= 0.01


def test_no_effect_is_found_where_there_is_none():
    """Meetings without an effect: both estimates within three standard errors of 0."""
    fit = estimate_meeting_effect(*_synthetic_panel(np.random.default_rng(2), 0.0, 0.0))
    se = fit.standard_errors()
    assert abs(fit.same_month) <= 3 * se[0] and abs(fit.next_month) <= 3 * se[1]


def test_estimation_gives_the_generators_effect_back(medium):
    """The medium data set's academic meetings against its hidden lift: each estimate within
    three standard errors of the truth, the effect read from the 3A hospitals only."""
    truth = medium.meta["process_truth"]
    panel = meeting_panel(medium)
    assert set(panel["account_type"]) == {"hospital_3a"}
    fit = estimate_effect(panel)
    se = fit.standard_errors()
    lift = truth["academic_meeting_lift"]
    assert abs(fit.same_month - lift) <= 3 * se[0], (fit.same_month, se[0])
    assert abs(fit.next_month - lift * truth["academic_meeting_carryover"]) <= 3 * se[1]
    assert fit.meetings >= 100


def test_the_specialists_plan_keeps_its_limits_and_is_judged_on_the_hidden_effect(
        medium, medium_plan):
    """At most one meeting an account a month, each region within what its specialists led
    a month, only meetings worth their cost; the change in sales the hidden effect gives for
    the planned meetings lies within the plan's 95% interval."""
    report = medium_plan
    acc = report.accounts
    assert report.summary["status"] == "optimal"
    assert set(acc["meetings_planned"]) <= {0, 1}
    cap = specialist_capacity(medium).set_index("region")["capacity"]
    for region, planned in acc.groupby("region")["meetings_planned"].sum().items():
        assert planned <= cap.get(region, 0), region
    assert (acc.loc[acc["meetings_planned"] > 0, "value_cny_month"] > 0).all()
    truth = medium.meta["process_truth"]
    tau = truth["academic_meeting_lift"] * (1 + truth["academic_meeting_carryover"])
    true_change = float((acc["sales_cny_month"]
                         * ((1 + tau * acc["meetings_planned"])
                            / (1 + tau * acc["meetings_today"]) - 1)).sum())
    low, high = report.summary["sales_change_ci95"]
    assert low <= true_change <= high, (low, true_change, high)
    # the meeting's cost is today's, from the selling expenses
    assert report.summary["meeting_cost_known"]
    assert report.summary["meeting_cost_cny"] == pytest.approx(
        truth["expense_academic_meeting_cny"], rel=0.1)


def test_a_higher_capacity_plans_at_least_as_many_meetings(medium, medium_plan):
    more = plan_meetings(medium, per_specialist=20.0)
    assert more.summary["capacity_month"] >= medium_plan.summary["capacity_month"]
    assert more.summary["meetings_planned_month"] >= medium_plan.summary[
        "meetings_planned_month"]
    assert more.summary["objective_cny_month"] >= medium_plan.summary[
        "objective_cny_month"] - 1e-6


def test_order_rates_move_with_the_hospitals_behind_them(medium, medium_plan):
    """A distributor's rate moves by its 3A hospitals' lifts (1 + effect · planned) /
    (1 + effect · today), weighted by their sales, by hand; an account behind no 3A hospital
    keeps its rate in every draw."""
    ids = medium["customers"]["customer_id"].to_numpy()
    rates = meeting_rates(medium, medium_plan, ids, np.random.default_rng(1), 16)
    acc = medium_plan.accounts
    tau = medium_plan.effect.months_of_sales
    own = (1 + tau * acc["meetings_planned"]) / (1 + tau * acc["meetings_today"])
    owner = acc["account_id"].map(medium["terminals"].set_index("terminal_id")[
        "distributor_id"])
    weight = acc["sales_cny_month"]
    expected = ((own * weight).groupby(owner).sum() / weight.groupby(owner).sum())
    lift = dict(zip(ids, rates.lift, strict=True))
    for customer in ids:
        want = expected.get(customer, 1.0)
        if not np.isfinite(want):  # a distributor whose 3A hospitals sold nothing
            want = 1.0
        assert lift[customer] == pytest.approx(want, rel=1e-9), customer
    untouched = ~np.isin(ids, owner.to_numpy())
    assert untouched.any() and (rates.rate_draws[:, untouched] == 1.0).all()
    assert rates.rate_draws.shape == (16, len(ids))


def test_too_few_meetings_are_not_planned_and_the_reason_is_said(tmp_path: Path):
    """A data set whose 3A hospitals held too few meetings to read an effect: no plan, every
    account keeps today's meetings, no order rate moves, and the summary says why."""
    from data.generate import Profile, generate_to_folder

    ds = load_dataset(generate_to_folder(
        Profile("few", customers=60, reps=8, products=8, terminals=300, history_days=400),
        5, tmp_path / "ds"))
    report = plan_meetings(ds)
    assert report.plan is None and report.summary["status"] == "not estimable"
    assert report.summary["left_out"]
    assert (report.accounts["meetings_planned"] == report.accounts["meetings_today"]).all()
    assert meeting_rates(ds, report, ds["customers"]["customer_id"].to_numpy(),
                         np.random.default_rng(0), 4) is None


def test_the_selling_expenses_count_the_planned_meetings():
    """Under the specialists' plan the academic meetings a month are today's plus the plan's
    change, costed at today's unit cost; without it, today's."""
    from models.expenses import ExpenseBasis, projected_expenses
    from scenarios.expense_projection import scenario_volumes

    basis = ExpenseBasis(rep_month_cny=0.0, call_cny=0.0, department_meeting_cny=0.0,
                         academic_meeting_cny=30000.0, specialist_month_cny=0.0,
                         promotion_share=0.0, reps=10, specialists=2, calls_month=0.0,
                         department_meetings_month=0.0, academic_meetings_month=40.0)
    plan = {"meetings_planned_month": 19, "meetings_today_month": 39.75}
    volumes = scenario_volumes(basis, None, plan)
    assert volumes["academic_meetings_month"] == pytest.approx(40.0 - 20.75)
    spent = projected_expenses(basis, np.array([0.0]), 30.4375, **volumes)
    assert spent[0] == pytest.approx(30000.0 * 19.25)
    assert scenario_volumes(basis, None, None)["academic_meetings_month"] == 40.0
