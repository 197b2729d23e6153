"""Sales-force size: reps spread over the regions, each size re-planned; with no visit quota
a larger force can only earn more margin (its plan may leave the extra calls unused), and
profit is margin less the reps' cost at every size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from scenarios.call_planning import plan_calls
from scenarios.force_size import _spread, size_curve, size_payload


@pytest.mark.parametrize("total", [3, 7, 8, 20, 151])
def test_reps_spread_over_the_regions_add_up_with_one_each_at_least(total):
    weights = pd.Series([5.0, 1.0, 0.5, 3.0, 2.0, 0.1, 1.0], index=list("ABCDEFG"))
    n = _spread(total, weights)
    assert n.sum() == max(total, len(weights)) and (n >= 1).all()
    # in proportion: no region is more than one rep from its share of the rest
    rest = weights / weights.sum() * (max(total, len(weights)) - len(weights))
    assert (np.abs(n - 1 - rest) < 1).all()


@pytest.fixture(scope="module")
def report(small_dir):
    ds = load_dataset(small_dir)
    return plan_calls(ds, pd.Series(0.0, index=ds["terminals"]["terminal_id"]))


def test_more_reps_never_earn_less_margin_without_a_quota(report):
    curve = size_curve(report, 20000.0, shares=(0.5, 0.75, 1.0, 1.25, 1.5, 2.0))
    assert (curve["status"] == "optimal").all()
    assert (np.diff(curve["reps"]) >= 0).all()
    assert (np.diff(curve["margin_cny_month"]) >= -1e-6).all()
    assert (curve["calls"] <= curve["capacity"]).all()
    assert curve["profit_cny_month"].to_numpy() == pytest.approx(
        (curve["margin_cny_month"] - 20000.0 * curve["reps"]).to_numpy())
    doc = size_payload(curve, report, 20000.0)
    assert doc["best_reps"] == int(curve.loc[curve["profit_cny_month"].idxmax(), "reps"])
    assert doc["today_reps"] == len(report.reps)


def test_free_reps_are_worth_adding_until_every_account_is_saturated(report):
    """At zero cost the best size is the largest tried; at a cost above any call's margin,
    the smallest."""
    curve = size_curve(report, 0.0, shares=(0.5, 1.0, 2.0))
    assert size_payload(curve, report, 0.0)["best_profit_cny_month"] == pytest.approx(
        curve["margin_cny_month"].max())
    dear = size_curve(report, 1e9, shares=(0.5, 1.0, 2.0))
    assert size_payload(dear, report, 1e9)["best_reps"] == dear["reps"].min()
