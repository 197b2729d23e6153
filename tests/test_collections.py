"""The value of one collection contact (models.credit.collections): Bayes by hand, the
degenerate contacts, and the conditioned draws against brute force (simulate invoices from
scratch, keep those still open today)."""

from __future__ import annotations

import numpy as np
import pytest

from models.credit.collections import contact_value, default_probability_open
from models.credit.reminders import MAX_REMINDERS, apply_reminders, manual_schedule

SHAPE, EARLY = 1.5, 5.0
MANUAL = manual_schedule(15.0, 30.0, 0.6, 0.5, 0.85)


def test_bayes_by_hand():
    # prior 10%, a paying invoice still open with probability 20%: 0.1 / (0.1 + 0.9·0.2)
    assert default_probability_open(np.array([0.1]), np.array([0.2]))[0] == pytest.approx(
        0.1 / 0.28)
    assert default_probability_open(np.array([0.0, 0.3]), np.array([0.5, 1.0])).tolist() == [
        0.0, pytest.approx(0.3)]


def _value(a, keep, p=0.05, mean=10.0, seed=1, horizon=30.0):
    n = len(a)
    return contact_value(np.asarray(a, dtype=float), np.full(n, 1000.0), np.full(n, mean),
                         SHAPE, EARLY, np.full(n, p), MANUAL, MANUAL, np.full(n, keep),
                         horizon, np.random.default_rng(seed))


def test_a_contact_that_changes_nothing_recovers_nothing():
    v = _value([-2.0, 0.0, 20.0, 60.0], keep=1.0)
    assert np.allclose(v.recovered_cny, 0.0) and np.allclose(v.days_sooner, 0.0)


def test_a_contact_that_settles_at_once_collects_every_paying_invoice():
    v = _value([0.0, 20.0, 60.0], keep=0.0)
    assert v.collected_with_cny == pytest.approx(1000.0 * (1 - v.default_probability_open))
    assert np.all(v.recovered_cny >= 0)


def test_the_longer_an_invoice_is_open_the_likelier_it_defaults():
    v = _value([0.0, 20.0, 60.0, 150.0], keep=0.5)
    assert np.all(np.diff(v.default_probability_open) > 0)
    assert v.default_probability_open[-1] > 0.99  # nobody paying means to be that late


def test_conditioned_draws_agree_with_invoices_simulated_from_scratch():
    """Brute force: 4 million invoices with the mechanism from scratch (default, intended
    lateness, every reminder sent or forgotten); those still unpaid on day 20 after due are
    today's open ones; with and without a call today, the share paid within 15 days."""
    a, keep, p, mean, horizon, n = 20.0, 0.5, 0.05, 40.0, 15.0, 4_000_000
    rng = np.random.default_rng(11)
    intended = rng.gamma(SHAPE, mean / SHAPE, n) - rng.random(n) * EARLY
    default = rng.random(n) < p
    draws = rng.random((MAX_REMINDERS, n))
    so_far, _ = apply_reminders(intended, MANUAL, draws, before=a)
    open_today = default | (so_far > a)
    paying = open_today & ~default
    without, _ = apply_reminders(so_far[paying], MANUAL, draws[:, paying], after=a - 1e-9)
    called = a + (so_far[paying] - a) * keep
    with_call, _ = apply_reminders(called, MANUAL, draws[:, paying], after=a)
    m = open_today.sum()
    truth_default = default.sum() / m
    truth_without = 1000.0 * (without <= a + horizon).sum() / m
    truth_with = 1000.0 * (with_call <= a + horizon).sum() / m

    v = _value(np.full(200, a), keep, p=p, mean=mean, seed=5, horizon=horizon)
    # 200 invoices × 256 draws each; brute force over ~m open invoices: a few per mille
    assert v.default_probability_open.mean() == pytest.approx(truth_default, abs=0.01)
    assert v.collected_without_cny.mean() == pytest.approx(truth_without, abs=15.0)
    assert v.collected_with_cny.mean() == pytest.approx(truth_with, abs=15.0)
    assert v.recovered_cny.mean() == pytest.approx(truth_with - truth_without, abs=10.0)
    assert truth_with - truth_without > 100.0  # the call matters here, so the check has teeth
