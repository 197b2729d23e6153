"""Prospects won by calls: the data set's prospects and won terminals, the win curve
estimated from the prospect-months of the history against the generator's hidden one, the
call plan's calls on prospects, and the wins the simulation draws."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.dataset import DatasetError, load_dataset
from data.generate.visits import response_share
from scenarios.prospect_effect import simulate_wins, win_effect
from scenarios.territory_prospects import (
    estimate_win_response,
    new_customers_per_year,
    prospect_accounts,
    win_chance,
    win_panel,
    wins_by_month,
)


@pytest.fixture(scope="module")
def medium(medium_dir):
    return load_dataset(medium_dir)


def test_a_won_terminal_sells_nothing_before_it_was_won(medium):
    t = medium["terminals"]
    won = t[t["won_date"].notna()].set_index("terminal_id")["won_date"]
    assert len(won) >= 30
    flows = medium["flows"]
    flows = flows[flows["terminal_id"].isin(won.index)]
    early = flows[(flows["month"] < flows["terminal_id"].map(won)).to_numpy()]
    # a distributor may over-report sales to any terminal of its area, a prospect too (0.4%
    # of its product-months): those are the only flows before a win, a handful
    assert len(early) <= 0.01 * len(flows)
    assert early[["terminal_id", "month"]].drop_duplicates().shape[0] <= 0.05 * len(won)
    # the open prospects buy nothing at all, and are no terminals
    assert not flows["terminal_id"].isin(medium["prospects"]["prospect_id"]).any()
    # they were called on before being won (today's reps call where they have a relationship)
    v = medium["visits"]
    called = v[v["account_id"].isin(won.index)]
    before = called["date"] < called["account_id"].map(won)
    assert before.any()


def test_the_panel_ends_with_the_win(medium):
    panel = win_panel(medium)
    pros = prospect_accounts(medium).set_index("account_id")
    last = panel.groupby("account_id").tail(1).set_index("account_id")
    won = pros["won_date"].dropna()
    assert (last.loc[won.index, "month"] == won).all()
    assert (last.loc[won.index, "won"] == 1).all()
    assert panel["won"].sum() == len(won)  # one win per won prospect, in its last month
    open_ = pros.index[pros["won_date"].isna()]
    months = panel["month"].nunique()
    assert (panel[panel["account_id"].isin(open_)].groupby("account_id").size()
            == months).all()
    # the panel's calls are the visits' calls of that month
    v = medium["visits"]
    one = won.index[0]
    month = won.iloc[0]
    made = ((v["account_id"] == one) & (v["kind"] == "call")
            & (v["date"].dt.to_period("M").dt.start_time == month)).sum()
    assert panel[(panel["account_id"] == one) & (panel["month"] == month)]["calls"].item() == made
    assert wins_by_month(medium).sum() == len(won)
    assert new_customers_per_year(medium) == wins_by_month(medium).iloc[-12:].sum()


def test_the_estimated_win_chance_holds_the_hidden_one(medium):
    """At the calls the history shows on prospects, the generator's true chance of a win lies
    within the 95% band of curves drawn from the estimate's covariance."""
    est = estimate_win_response(win_panel(medium))
    assert est is not None
    truth = np.asarray(medium.meta["process_truth"]["win_response"])
    curves = est.draw_curves(np.random.default_rng(1), 2000)
    for x in (0, 1, 2, 3, 4):
        drawn = win_chance(np.full(1, float(x)), curves)[:, 0]
        low, high = np.quantile(drawn, [0.025, 0.975])
        true = float(response_share(np.array([float(x)]), truth)[0])
        assert low <= true <= high, (x, low, true, high)


def test_simulated_wins_follow_a_constant_chance_analytically():
    """With the same chance p every month, a prospect is won within M months with
    probability 1 − (1 − p)^M, and in month m with p (1 − p)^m."""
    p, months, n = 0.05, 12, 4000
    curves = np.array([[p, p, 1.0, 1.0]] * 8)
    won = simulate_wins(np.ones(n), curves, months, np.random.default_rng(5))
    share = (won >= 0).mean()
    expected = 1 - (1 - p) ** months
    assert abs(share - expected) <= 4 * np.sqrt(expected * (1 - expected) / won.size)
    first = (won == 0).mean()
    assert abs(first - p) <= 4 * np.sqrt(p * (1 - p) / won.size)
    assert (won < months).all()


def test_more_calls_win_more_and_their_orders_go_to_the_distributor(medium):
    ids = medium["customers"]["customer_id"].to_numpy()
    today = win_effect(medium, ids, 365, 7)
    assert today is not None
    pros = prospect_accounts(medium)
    open_ = pros[pros["won_date"].isna()]
    more = win_effect(medium, ids, 365, 7,
                      planned_calls=pd.Series(4.0, index=open_["account_id"].to_numpy()))
    assert more.wins_per_year.mean() > 1.5 * today.wins_per_year.mean()
    assert (more.rate_draws >= 1.0).all() and (today.rate_draws >= 1.0).all()
    # only the distributors that would supply a prospect see more orders
    supplies = np.isin(ids, open_["distributor_id"].to_numpy())
    assert (more.rate_draws[:, ~supplies] == 1.0).all()
    assert (more.rate_draws[:, supplies] > 1.0).any()
    assert more.wins_per_year.max() <= len(open_)


def test_the_call_plan_calls_on_prospects_within_their_bounds(medium):
    from scenarios.call_planning import plan_calls

    due = pd.Series(1.0, index=medium["terminals"]["terminal_id"])
    report = plan_calls(medium, due, time_limit_s=30)
    pros = report.prospects
    assert pros is not None and report.plan.status == "optimal"
    assert len(report.plan.calls) == len(report.accounts) + len(pros)
    assert ((pros["planned_calls"] >= 0) & (pros["planned_calls"] <= pros["max_calls"])).all()
    s = report.summary
    assert s["wins_planned_month"] == pytest.approx(
        float(win_chance(pros["planned_calls"], report.win).sum()))
    # every rep's calls, customers and prospects together, within its capacity
    both = pd.concat([report.accounts[["rep_id", "planned_calls"]],
                      pros[["rep_id", "planned_calls"]]])
    used = both.groupby("rep_id")["planned_calls"].sum()
    cap = report.reps.set_index("rep_id")["capacity"]
    assert (used <= cap.reindex(used.index)).all()


def test_a_prospect_that_is_also_a_terminal_is_refused(small_dir: Path, tmp_path: Path):
    folder = Path(shutil.copytree(small_dir, tmp_path / "ds"))
    path = folder / "prospects.csv"
    frame = pd.read_csv(path, dtype=object, keep_default_na=False)
    terminal = pd.read_csv(folder / "terminals.csv", dtype=object)["terminal_id"].iloc[0]
    frame.loc[0, "prospect_id"] = terminal
    frame.to_csv(path, index=False)
    with pytest.raises(DatasetError) as err:
        load_dataset(folder)
    (p,) = [p for p in err.value.problems if "prospect" in p.source]
    assert p.location.endswith("prospect_id") and terminal in p.found
    assert "not among terminals" in p.expected


def test_a_visit_to_a_prospect_is_a_known_account(small_dir: Path):
    ds = load_dataset(small_dir)
    v = ds["visits"]
    assert v["account_id"].isin(ds["prospects"]["prospect_id"]).any()
