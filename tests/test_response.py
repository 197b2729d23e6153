"""ADBUDG response curves (models.territory.response): the curve's ends and shape, managers'
judgements read back exactly from a known curve, and estimation recovering a known curve from
noisy observations within its own standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from data.problems import InputError
from models.territory.calls import adbudg_sales
from models.territory.response import ResponseCurve, fit_judgemental, fit_response


def test_the_curve_runs_from_no_calls_to_saturation():
    curve = ResponseCurve(100.0, 300.0, 2.5, 40.0)
    assert curve.sales(0.0) == pytest.approx(100.0)
    assert curve.sales(1e6) == pytest.approx(300.0, rel=1e-9)
    # at x = d^(1/c) the curve is half way
    assert curve.sales(40.0 ** (1 / 2.5)) == pytest.approx(200.0)
    # S-shaped: the second call adds more than the first
    s = curve.sales(np.arange(4.0))
    assert s[2] - s[1] > s[1] - s[0]
    # concave: it never does
    concave = adbudg_sales(np.arange(10.0), 100.0, 300.0, 0.8, 3.0)
    assert np.all(np.diff(np.diff(concave)) < 0)


@pytest.mark.parametrize(("c", "d"), [(0.7, 2.0), (1.0, 6.0), (2.2, 30.0), (3.5, 600.0)])
def test_judgements_taken_from_a_curve_give_that_curve_back(c, d):
    truth = ResponseCurve(60.0, 180.0, c, d)
    now_calls = 6.0
    now = float(truth.sales(now_calls))
    judged = {0.0: 60.0 / now, float("inf"): 180.0 / now,
              0.5: float(truth.sales(3.0)) / now, 1.5: float(truth.sales(9.0)) / now}
    got = fit_judgemental(now_calls, now, judged)
    assert got.c == pytest.approx(c, rel=1e-9) and got.d == pytest.approx(d, rel=1e-9)
    assert got.sales_min == pytest.approx(60.0) and got.sales_max == pytest.approx(180.0)


@pytest.mark.parametrize("judged", [
    {0.0: 0.7, 0.5: 0.9, 1.5: 1.1},                        # no saturation point
    {0.0: 1.1, 0.5: 1.2, 1.5: 1.3, float("inf"): 1.5},     # no calls sells more than today
    {0.0: 0.6, 0.5: 1.05, 1.5: 1.1, float("inf"): 1.2},    # half the calls sells more
])
def test_inconsistent_judgements_are_refused(judged):
    with pytest.raises(InputError):
        fit_judgemental(6.0, 1000.0, judged)


def test_estimation_recovers_a_known_curve_within_its_standard_errors():
    """600 account-months drawn from a known S-shaped curve with 5% noise: each parameter
    within 3 standard errors of the truth, and the errors small enough to matter."""
    truth = ResponseCurve(50.0, 150.0, 2.0, 25.0)
    rng = np.random.default_rng(12)
    calls = rng.integers(0, 16, 600).astype(float)
    sales = truth.sales(calls) * rng.lognormal(0.0, 0.05, 600)
    got = fit_response(calls, sales)
    for name in ("sales_min", "sales_max", "c", "d"):
        est, se = getattr(got, name), got.standard_errors[name]
        assert abs(est - getattr(truth, name)) <= 3 * se, name
    assert got.standard_errors["c"] < 0.3 and got.standard_errors["sales_max"] < 10.0
