"""Payment reminder schedules as a mechanism (docs/credit.md, "Collections").

A reminder is sent on a day counted from the invoice's due date (negative = before it) when
the invoice is still unpaid then, with a probability (manual reminders are sometimes
forgotten, automated ones are not). A sent reminder keeps the share ``keep`` of the delay the
payer still intends beyond that day: intended lateness ``L > t`` becomes ``t + (L − t)·keep``.
The share is the one measured in the ledger for reminders after the due date
(``PaymentParams.reminder_effect``) and a stated assumption for reminders on or before it
(a nudge before the payment run, ``pre_due_reminder_effect``).

- manual (today): the measured first day after due, then every measured interval, each sent
  with the measured probability;
- automated: the scenario's days (by default due − 3, due, + 7, + 15, + 30), then every
  ``automated_reminder_interval_days``, each sent.

Every step is continuous and increasing in ``L``, so the whole schedule is; that is what lets
:func:`lateness_before` invert it (the collection worklist conditions on an invoice still
being open today).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: reminders an invoice can receive (the simulation draws one uniform per reminder)
MAX_REMINDERS = 12
#: the automated schedule of the issue: days from the due date
AUTOMATED_SCHEDULE_DAYS = (-3.0, 0.0, 7.0, 15.0, 30.0)


@dataclass(frozen=True)
class ReminderSchedule:
    """Reminder days from the due date (increasing), the probability each is sent, and the
    share of the remaining delay each keeps once sent."""

    days: np.ndarray
    sent_probability: float
    keep: np.ndarray

    def table(self) -> list[dict[str, float]]:
        """One row per reminder: day from due, probability sent, share of delay kept."""
        return [{"day_from_due": float(d), "sent_probability": self.sent_probability,
                 "delay_kept": float(k)} for d, k in zip(self.days, self.keep, strict=True)]


def _keep(days: np.ndarray, after_due_keep: float, pre_due_keep: float) -> np.ndarray:
    return np.where(days <= 0, pre_due_keep, after_due_keep)


def manual_schedule(first_days: float, interval_days: float, sent_probability: float,
                    keep: float, pre_due_keep: float) -> ReminderSchedule:
    """Today's manual reminders: ``first_days`` after due, then every ``interval_days``."""
    days = first_days + interval_days * np.arange(MAX_REMINDERS)
    return ReminderSchedule(days, sent_probability, _keep(days, keep, pre_due_keep))


def automated_schedule(days: tuple[float, ...], repeat_days: float, keep: float,
                       pre_due_keep: float) -> ReminderSchedule:
    """Automated reminders on ``days`` from due (increasing), then every ``repeat_days``
    after the last, up to :data:`MAX_REMINDERS`; every one is sent."""
    listed = np.asarray(days, dtype=float)[:MAX_REMINDERS]
    more = listed[-1] + repeat_days * np.arange(1, MAX_REMINDERS - len(listed) + 1)
    every = np.concatenate([listed, more])
    return ReminderSchedule(every, 1.0, _keep(every, keep, pre_due_keep))


def apply_reminders(lateness: np.ndarray, schedule: ReminderSchedule, sent_draws: np.ndarray,
                    after: float | np.ndarray = -np.inf, before: float | np.ndarray = np.inf
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Lateness after the schedule's reminders on days beyond ``after`` and before ``before``
    (per invoice or one for all), and how many were sent. ``sent_draws`` holds one uniform
    per reminder (rows) and invoice: reminder k is sent when the invoice is still unpaid on
    its day and ``sent_draws[k] < sent_probability``."""
    late = np.asarray(lateness, dtype=float)
    count = np.zeros(late.shape, dtype=np.int64)
    for k, (at, keep) in enumerate(zip(schedule.days, schedule.keep, strict=True)):
        due = (at > after) & (at < before)
        sent = (late > at) & due & (sent_draws[k] < schedule.sent_probability)
        count += sent
        late = np.where(sent, at + (late - at) * keep, late)
    return late, count


def lateness_before(lateness: np.ndarray, schedule: ReminderSchedule, sent: np.ndarray,
                    before: float | np.ndarray) -> np.ndarray:
    """The intended lateness that the reminders on days before ``before`` (those with
    ``sent[k]`` true) turn into ``lateness``: the inverse of :func:`apply_reminders` over them,
    so ``intended > lateness_before(a, …)`` exactly when the invoice is still unpaid on day
    ``a``."""
    y = np.asarray(lateness, dtype=float)
    for k in reversed(range(len(schedule.days))):
        at, keep = schedule.days[k], schedule.keep[k]
        undo = sent[k] & (y > at) & (at < before)
        y = np.where(undo, at + (y - at) / max(keep, 1e-12), y)
    return y
