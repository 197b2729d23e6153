"""Invoicing and collection under a scenario's credit policy (vectorised per invoice).

Collection holds no shared resource, so each invoice's life is drawn directly rather than
through SimPy events: invoice date (paper delay or e-invoice), due date by the account's
terms, intended lateness by account type and the account's own factor, reminders (manual ones
are sometimes forgotten; automated ones are not and start earlier), online payment, cash
discount, default and write-off. The mechanism and its parameters are
:class:`simulation.params.PaymentParams`; each account's terms and the lever effects come from
the :class:`~simulation.config.SimulationConfig`. Days are counted from the simulation epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import gamma as gamma_dist

from models.credit.reminders import (
    MAX_REMINDERS,
    ReminderSchedule,
    apply_reminders,
    automated_schedule,
    manual_schedule,
)
from simulation.config import CreditPolicy, Effects, Terms
from simulation.params import ProcessParams

#: account types whose own customers pay them late or who live on thin cash: their cost of money
#: is the constrained one (``Effects.cost_of_money_constrained``)
CASH_CONSTRAINED_TYPES = ("distributor_l2", "private_hospital", "private_clinic")
#: the cash discount's size (1% off the invoice)
CASH_DISCOUNT = 0.01
#: how sharply take-up turns on as the discount's implied rate passes the payer's cost of
#: money: a logistic of (implied − cost) / spread, per year
TAKE_UP_SPREAD_PER_YEAR = 0.02
#: rows of uniform draws each invoice needs (see :func:`collect`)
DRAWS_PER_INVOICE = 6 + MAX_REMINDERS


@dataclass(frozen=True)
class Invoices:
    """Invoices with their payments and write-offs (days since epoch; NaN = never)."""

    customer: np.ndarray
    amount: np.ndarray
    invoice_day: np.ndarray
    due_day: np.ndarray
    first_pay_day: np.ndarray
    first_pay_amount: np.ndarray
    last_pay_day: np.ndarray
    last_pay_amount: np.ndarray
    write_off_day: np.ndarray
    write_off_amount: np.ndarray
    reminders: np.ndarray
    #: CNY taken off for early payment (cash discount), per invoice
    discount_amount: np.ndarray
    #: CNY of quarterly on-time rebate earned, per invoice
    rebate_amount: np.ndarray
    #: the probabilities each invoice's default, and its discount take-up if it does not
    #: default, were drawn with
    default_probability: np.ndarray
    take_up_probability: np.ndarray


def _lookup(keys: np.ndarray, table: dict[str, float], default: float) -> np.ndarray:
    """``table[key]`` for each key (``default`` when absent), vectorised."""
    return pd.Series(keys, dtype=object).map(table).fillna(default).to_numpy(dtype=float)


def _month_end_days(day: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """Days since epoch of the last day of the month containing ``day``."""
    dates = np.datetime64(epoch.date(), "D") + np.floor(day).astype("timedelta64[D]")
    month_end = (dates.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    return (month_end - np.datetime64(epoch.date(), "D")).astype(float)


def implied_annual_rate(discount: float, discount_day: float, normal_day: np.ndarray
                        ) -> np.ndarray:
    """Annual rate a payer earns by taking a ``discount`` (share) for paying at
    ``discount_day`` instead of ``normal_day`` (days after invoice): d/(1 − d) · 365 / Δdays.
    1% at day 10 instead of day 60 is ≈ 7.4% a year."""
    gap = np.maximum(np.asarray(normal_day, dtype=float) - discount_day, 1.0)
    return discount / (1.0 - discount) * 365.0 / gap


def discount_take_up(implied_rate: np.ndarray, cost_of_money: np.ndarray,
                     max_take_up: float) -> np.ndarray:
    """Share of invoices paid early for the discount: ``max_take_up`` (payment runs, habits)
    times a logistic in the discount's implied rate over the payer's own cost of money, both
    per year. A payer whose money costs more than the discount earns keeps its cash."""
    z = (np.asarray(implied_rate) - np.asarray(cost_of_money)) / TAKE_UP_SPREAD_PER_YEAR
    return max_take_up / (1.0 + np.exp(-z))


def lateness_means(params: ProcessParams, customer_type: np.ndarray, customer_id: np.ndarray,
                   factor_scale: np.ndarray | None = None) -> np.ndarray:
    """Mean intended lateness (days after due, before reminders) per invoice: its type's mean
    (the types' average for an unknown type) × the account's own factor (× ``factor_scale``)."""
    pp = params.payment
    type_mean = float(np.mean(list(pp.lateness_mean_days.values())))
    factor = _lookup(customer_id, pp.customer_lateness_factor, 1.0)
    if factor_scale is not None:
        factor = factor * factor_scale
    return _lookup(customer_type, pp.lateness_mean_days, type_mean) * factor


def default_probabilities(params: ProcessParams, customer_type: np.ndarray,
                          customer_id: np.ndarray) -> np.ndarray:
    """Probability each invoice defaults: its type's × the account's own factor."""
    pp = params.payment
    return np.clip(_lookup(customer_type, pp.default_probability, 0.0)
                   * _lookup(customer_id, pp.customer_default_factor, 1.0), 0.0, 1.0)


def reminder_schedule(params: ProcessParams, credit: CreditPolicy,
                      effects: Effects) -> ReminderSchedule:
    """The reminders under ``credit``: today's manual ones as measured, or the automated
    schedule; after due a sent reminder keeps the measured share of the delay, on or before
    due the assumed ``pre_due_reminder_effect``."""
    pp = params.payment
    if credit.automated_reminders:
        return automated_schedule(credit.reminder_schedule_days,
                                  effects.automated_reminder_interval_days, pp.reminder_effect,
                                  effects.pre_due_reminder_effect)
    return manual_schedule(pp.reminder_first_days, pp.reminder_interval_days,
                           pp.reminder_sent_probability, pp.reminder_effect,
                           effects.pre_due_reminder_effect)


def collect(customer: np.ndarray, amount: np.ndarray, invoice_day: np.ndarray,
            customer_type: np.ndarray, customer_id: np.ndarray, epoch: pd.Timestamp,
            params: ProcessParams, credit: CreditPolicy, effects: Effects,
            u: np.ndarray) -> Invoices:
    """Draw the payment life of each invoice. ``customer`` indexes the account arrays; ``u``
    holds ``DRAWS_PER_INVOICE`` uniform draws per invoice (rows), drawn by the caller per
    order so the same order sees the same draws in every scenario."""
    pp, lev, assume = params.payment, credit, effects
    ctype = customer_type[customer]
    terms = lev.account_terms[customer]
    cid = customer_id[customer]
    month_due = _month_end_days(invoice_day, epoch) + pp.settlement_days_after_month_end
    due = np.where(terms == Terms.EXTENDED_75_DAYS, invoice_day + 75.0, month_due)
    # intended lateness (before reminders), account factor on the type's mean
    mean = lateness_means(params, ctype, cid, np.where(
        terms == Terms.MONTHLY_PLUS_QUARTERLY_REBATE, assume.rebate_lateness_factor, 1.0))
    if lev.lateness_change_days is not None:  # outside drivers (models.pass_through)
        mean = np.maximum(mean + lev.lateness_change_days[customer], 1e-6)
    lateness = (gamma_dist.ppf(np.clip(u[0], 1e-12, 1 - 1e-12), pp.lateness_shape,
                               scale=mean / pp.lateness_shape)
                - u[1] * pp.early_payment_days)
    # reminders (models.credit.reminders): the schedule's days from due, sent or forgotten
    lateness, reminders = apply_reminders(lateness, reminder_schedule(params, credit, effects),
                                          u[6:])
    if lev.e_invoice:  # the customer's payment process starts without waiting for the post
        lateness = np.maximum(lateness - assume.paper_invoice_mail_days, -pp.early_payment_days)
    if lev.online_payment:
        lateness = np.maximum(lateness - assume.online_payment_days_saved,
                              -pp.early_payment_days)
    pay_day = np.maximum(invoice_day, due + np.round(lateness))
    # cash discount: taken up when it earns the payer more than its money costs. The payer
    # weighs paying at the discount's day against paying when it means to (due + its mean
    # lateness); accounts waiting on hospitals borrow dearly and seldom take it
    cost = np.where(np.isin(ctype, CASH_CONSTRAINED_TYPES), assume.cost_of_money_constrained,
                    assume.cost_of_money)
    implied = implied_annual_rate(CASH_DISCOUNT, assume.cash_discount_pay_days,
                                  due - invoice_day + np.maximum(mean, 0.0))
    take_up = discount_take_up(implied, cost, assume.cash_discount_take_up)
    take_up = np.where(terms == Terms.CASH_DISCOUNT_1PCT, take_up, 0.0)
    # default first: an account heading for default does not pay early for 1%, so the
    # discount pulls cash in but does not prevent bad debt
    p_default = default_probabilities(params, ctype, cid)
    default = u[4] < p_default
    discount = (u[2] < take_up) & ~default
    full_amount = amount
    amount = np.where(discount, np.round(amount * (1.0 - CASH_DISCOUNT), 2), amount)
    pay_day = np.where(discount, invoice_day + np.floor(u[3] * (assume.cash_discount_pay_days
                                                                + 1)), pay_day)
    # default and write-off
    paid_before = np.where(default, np.round(amount * pp.partial_payment_share, 2), 0.0)
    split = ~default & (u[5] < pp.split_payment_probability)
    first_amount = np.where(default, paid_before, np.where(split, np.round(amount / 2, 2), amount))
    first_day = np.where(split, np.floor((invoice_day + pay_day) / 2),
                         np.where(default, due + np.round(np.maximum(lateness, 0) / 2), pay_day))
    last_amount = np.where(split, np.round(amount - first_amount, 2), 0.0)
    write_off_day = np.where(default, due + pp.write_off_days_after_due, np.nan)
    # the quarterly rebate is earned by invoices settled by their due date
    rebate = np.where((terms == Terms.MONTHLY_PLUS_QUARTERLY_REBATE) & ~default
                      & (pay_day <= due), np.round(amount * assume.quarterly_rebate_rate, 2), 0.0)
    return Invoices(customer, amount, invoice_day, due, first_day, first_amount,
                    np.where(split, pay_day, np.nan), last_amount, write_off_day,
                    np.where(default, np.round(amount - paid_before, 2), 0.0), reminders,
                    np.round(full_amount - amount, 2), rebate, p_default, take_up)
