"""The simulated-vs-history table: the prediction interval of one simulated year (checked by
hand and by its coverage on normal data), the verdicts, and today's-process detection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scenarios.schema import Scenario
from scenarios.validation import is_todays_process, validation_table


def test_hand_computed_interval_and_verdicts() -> None:
    per = pd.DataFrame({"dso_days": [60.0, 61.0, 62.0, 63.0]})
    row = validation_table({"dso_days": 61.0}, per, names=("dso_days",)).iloc[0]
    sd = math.sqrt(5 / 3)  # sample sd of 60..63
    t = 3.182446305284263  # t(0.975, 3)
    assert row.simulated_mean == 61.5 and row.difference == pytest.approx(0.5)
    assert row.ci_low == pytest.approx(61.5 - t * sd / 2)
    assert row.year_high == pytest.approx(61.5 + t * sd * math.sqrt(1.25))
    assert row.z == pytest.approx(0.5 / (sd * math.sqrt(1.25)))
    assert row.verdict == "consistent"
    far = validation_table({"dso_days": 75.0}, per, names=("dso_days",)).iloc[0]
    assert far.verdict == "biased" and far.difference_ci_high < 0
    one = validation_table({"dso_days": 61.0}, per.iloc[:1], names=("dso_days",)).iloc[0]
    assert one.verdict == "too few replications" and math.isnan(one.year_low)


def test_prediction_interval_covers_a_new_year_95_percent_of_the_time() -> None:
    """When history is one more draw of the same model, it is judged consistent 95% of the
    time (normal data: the t prediction interval is exact)."""
    rng = np.random.default_rng(7)
    trials, n = 4000, 8
    hits = in_ci = 0
    for _ in range(trials):
        draws = rng.normal(3.0, 0.2, n + 1)
        row = validation_table({"order_processing_days": draws[-1]},
                               pd.DataFrame({"order_processing_days": draws[:-1]}),
                               names=("order_processing_days",)).iloc[0]
        hits += row.verdict == "consistent"
        in_ci += row.ci_low <= row.history <= row.ci_high
    share = hits / trials
    se = math.sqrt(0.95 * 0.05 / trials)
    assert abs(share - 0.95) < 4 * se, share
    # the CI of the mean is no such test: a right model's new year falls outside it about
    # half the time (P(|T| < t / sqrt(n + 1)), T ~ t(n - 1))
    expected = 2 * stats.t.cdf(stats.t.ppf(0.975, n - 1) / math.sqrt(n + 1), n - 1) - 1
    assert in_ci / trials == pytest.approx(expected, abs=4 * math.sqrt(0.25 / trials))


def test_todays_process_means_no_lever_pulled() -> None:
    base = {"name": "x", "dataset": "."}
    assert is_todays_process(Scenario.model_validate(base))
    assert is_todays_process(Scenario.model_validate({**base, "seed": 3, "replications": 4,
                                                      "assumptions": {"cash_discount_take_up":
                                                                      0.2}}))
    assert not is_todays_process(Scenario.model_validate({**base, "logistics":
                                                          {"tracking": True}}))
