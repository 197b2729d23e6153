"""Reminder schedules (models.credit.reminders): the days, the effect of each reminder by hand,
and the inverse the collection worklist conditions with."""

from __future__ import annotations

import numpy as np
import pytest

from models.credit.reminders import (
    AUTOMATED_SCHEDULE_DAYS,
    MAX_REMINDERS,
    apply_reminders,
    automated_schedule,
    lateness_before,
    manual_schedule,
)

SENT = np.zeros((MAX_REMINDERS, 1))  # a draw of 0 sends every reminder with p > 0


def test_manual_days_repeat_from_the_first():
    s = manual_schedule(15.0, 30.0, 0.6, 0.5, 0.85)
    assert s.days.tolist() == [15.0 + 30.0 * k for k in range(MAX_REMINDERS)]
    assert s.sent_probability == 0.6 and set(s.keep) == {0.5}


def test_automated_days_are_the_list_then_every_interval():
    s = automated_schedule(AUTOMATED_SCHEDULE_DAYS, 14.0, 0.5, 0.85)
    assert s.days.tolist()[:7] == [-3.0, 0.0, 7.0, 15.0, 30.0, 44.0, 58.0]
    assert len(s.days) == MAX_REMINDERS and s.sent_probability == 1.0
    # on or before due the nudge's share, after due the chase's
    assert s.keep.tolist()[:4] == [0.85, 0.85, 0.5, 0.5]


def test_an_invoice_twenty_days_late_by_hand():
    s = automated_schedule(AUTOMATED_SCHEDULE_DAYS, 14.0, 0.5, 0.85)
    late, count = apply_reminders(np.array([20.0]), s, SENT)
    # -3: -3 + 23·0.85 = 16.55; 0: 16.55·0.85 = 14.0675; 7: 7 + 7.0675·0.5 = 10.53375;
    # 15 and later: paid before
    assert late[0] == pytest.approx(10.53375)
    assert count[0] == 3


def test_early_payers_get_no_reminder_and_forgotten_ones_change_nothing():
    s = manual_schedule(15.0, 30.0, 0.6, 0.5, 0.85)
    late, count = apply_reminders(np.array([-2.0, 10.0, 40.0]), s, SENT)
    assert late.tolist() == [-2.0, 10.0, 27.5] and count.tolist() == [0, 0, 1]
    forgotten = np.full((MAX_REMINDERS, 3), 0.7)  # ≥ 0.6: none sent
    late, count = apply_reminders(np.array([-2.0, 10.0, 40.0]), s, forgotten)
    assert late.tolist() == [-2.0, 10.0, 40.0] and count.sum() == 0


def test_reminders_never_lengthen_a_delay_and_keep_the_order_of_payers():
    rng = np.random.default_rng(3)
    s = manual_schedule(15.0, 30.0, 0.6, 0.5, 0.85)
    intended = np.sort(rng.gamma(1.5, 20.0, 2000) - 5.0)
    draws = np.repeat(rng.random((MAX_REMINDERS, 1)), 2000, axis=1)  # one pattern for all
    late, _ = apply_reminders(intended, s, draws)
    assert np.all(late <= intended + 1e-12)
    assert np.all(np.diff(late) >= -1e-12)


@pytest.mark.parametrize("today", [-3.0, 0.0, 12.0, 47.0, 100.0])
def test_the_inverse_tells_exactly_which_invoices_are_still_open(today):
    rng = np.random.default_rng(7)
    s = manual_schedule(15.0, 30.0, 0.6, 0.5, 0.85)
    n = 5000
    intended = rng.gamma(1.5, 25.0, n) - 5.0
    draws = rng.random((MAX_REMINDERS, n))
    # lateness with only the reminders before today
    before = s.days < today
    so_far, _ = apply_reminders(intended, type(s)(s.days[before], s.sent_probability,
                                                  s.keep[before]), draws[before])
    threshold = lateness_before(np.full(n, today), s, draws < s.sent_probability, today)
    assert np.array_equal(so_far > today, intended > threshold)
