"""What one collection contact today is expected to bring in (docs/credit.md, "Collections").

An open invoice ``a`` days past its due date (negative: not yet due) is still unpaid for one
of two reasons: its payer is heading for default, or it means to pay later than ``a``. The
payment mechanism is the simulation's (:mod:`simulation.collection`): intended lateness
gamma(mean, shape) minus U(0, early) days, reminders that keep a share of the remaining delay
(:mod:`models.credit.reminders`), a default probability per invoice. Given the invoice is open
today:

- P(default | open) = p / (p + (1 − p)·S(a)) by Bayes, with S(a) the probability that a
  paying invoice is still open on day ``a`` (a defaulting one always is);
- a paying invoice's lateness is drawn from its law conditioned on being open: for each draw
  of the past reminders' sent-or-forgotten pattern, intended lateness above the threshold
  that pattern turns into ``a`` (:func:`models.credit.reminders.lateness_before`), drawn by
  the inverse survival function and weighed by the pattern's S;
- a contact today keeps the share ``contact_keep`` of the delay left beyond today, like a
  sent reminder; the future reminders follow either way.

The expected amount recovered per contact is the open amount × (1 − P(default | open)) ×
[P(paid within the horizon | contact) − P(paid within it | no contact)], the same draws on
both sides (common random numbers). Pure: every draw comes from the ``rng`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import gamma as gamma_dist

from models.credit.reminders import ReminderSchedule, apply_reminders, lateness_before

#: draws per invoice
SAMPLES = 256


@dataclass(frozen=True)
class ContactValue:
    """Per open invoice: P(default | still open), the expected CNY collected within the
    horizon without and with a contact today, and the expected days a paying invoice is
    paid sooner for the contact."""

    default_probability_open: np.ndarray
    collected_without_cny: np.ndarray
    collected_with_cny: np.ndarray
    days_sooner: np.ndarray

    @property
    def recovered_cny(self) -> np.ndarray:
        """Expected CNY a contact today brings into the horizon."""
        return self.collected_with_cny - self.collected_without_cny


def default_probability_open(prior: np.ndarray, open_share: np.ndarray) -> np.ndarray:
    """P(default | still open) by Bayes: a defaulting invoice is always open, a paying one
    with probability ``open_share``."""
    prior = np.asarray(prior, dtype=float)
    denominator = prior + (1.0 - prior) * np.asarray(open_share, dtype=float)
    return np.where(denominator > 0, prior / np.maximum(denominator, 1e-300), 1.0)


def contact_value(days_since_due: np.ndarray, open_cny: np.ndarray, lateness_mean: np.ndarray,
                  lateness_shape: float, early_days: float, default_probability: np.ndarray,
                  past: ReminderSchedule, future: ReminderSchedule, contact_keep: np.ndarray,
                  horizon_days: float, rng: np.random.Generator,
                  samples: int = SAMPLES) -> ContactValue:
    """The value of one contact today for each open invoice (arrays of one value per
    invoice): ``past`` is the reminder schedule the invoice has lived under, ``future`` the
    one that follows; days are counted from the due date."""
    a = np.asarray(days_since_due, dtype=float)[:, None]
    n = a.shape[0]
    mean = np.maximum(np.asarray(lateness_mean, dtype=float), 1e-9)[:, None]
    scale = mean / lateness_shape
    early = rng.random((n, samples)) * early_days
    past_sent = rng.random((len(past.days), n, samples)) < past.sent_probability
    # the intended lateness each pattern of past reminders turns into exactly `a`
    threshold = lateness_before(np.broadcast_to(a, (n, samples)), past, past_sent, a)
    still_open = gamma_dist.sf(threshold + early, lateness_shape, scale=scale)
    weight = still_open / np.maximum(still_open.sum(axis=1, keepdims=True), 1e-300)
    # intended lateness conditioned on being open today, by the inverse survival function
    tail = still_open * (1.0 - rng.random((n, samples)))
    intended = gamma_dist.isf(np.maximum(tail, 1e-300), lateness_shape, scale=scale) - early
    intended = np.maximum(intended, threshold)  # the tail's numerical floor
    # today's remaining lateness: the past reminders the invoice received
    past_draws = np.where(past_sent, 0.0, 1.0)
    today, _ = apply_reminders(intended, past, past_draws, before=a)
    future_draws = rng.random((len(future.days), n, samples))
    keep = np.asarray(contact_keep, dtype=float)[:, None]
    contacted = a + (today - a) * keep
    # a reminder due today is the contact itself when one is made, and sent without one
    without, _ = apply_reminders(today, future, future_draws, after=a - 1e-9)
    with_contact, _ = apply_reminders(contacted, future, future_draws, after=a)
    due_by = a + horizon_days
    p_default = default_probability_open(default_probability, still_open.mean(axis=1))
    paying = np.asarray(open_cny, dtype=float) * (1.0 - p_default)
    return ContactValue(
        default_probability_open=p_default,
        collected_without_cny=paying * (weight * (without <= due_by)).sum(axis=1),
        collected_with_cny=paying * (weight * (with_contact <= due_by)).sum(axis=1),
        days_sooner=(weight * (without - with_contact)).sum(axis=1))

