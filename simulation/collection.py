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

from simulation.config import SimulationConfig, Terms
from simulation.params import ProcessParams

MAX_REMINDERS = 12
#: account types whose own customers pay them late (cash-constrained): they seldom pay early
#: for a 1% discount whatever its implied rate
CASH_CONSTRAINED_TYPES = ("distributor_l2", "private_hospital", "private_clinic")
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


def _lookup(keys: np.ndarray, table: dict[str, float], default: float) -> np.ndarray:
    """``table[key]`` for each key (``default`` when absent), vectorised."""
    return pd.Series(keys, dtype=object).map(table).fillna(default).to_numpy(dtype=float)


def _month_end_days(day: np.ndarray, epoch: pd.Timestamp) -> np.ndarray:
    """Days since epoch of the last day of the month containing ``day``."""
    dates = np.datetime64(epoch.date(), "D") + np.floor(day).astype("timedelta64[D]")
    month_end = (dates.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    return (month_end - np.datetime64(epoch.date(), "D")).astype(float)


def collect(customer: np.ndarray, amount: np.ndarray, invoice_day: np.ndarray,
            customer_type: np.ndarray, customer_id: np.ndarray, epoch: pd.Timestamp,
            params: ProcessParams, config: SimulationConfig, u: np.ndarray) -> Invoices:
    """Draw the payment life of each invoice. ``customer`` indexes the account arrays; ``u``
    holds ``DRAWS_PER_INVOICE`` uniform draws per invoice (rows), drawn by the caller per
    order so the same order sees the same draws in every scenario."""
    pp, lev, assume = params.payment, config.credit, config.effects
    n = len(amount)
    ctype = customer_type[customer]
    terms = lev.account_terms[customer]
    cid = customer_id[customer]
    month_due = _month_end_days(invoice_day, epoch) + pp.settlement_days_after_month_end
    due = np.where(terms == Terms.EXTENDED_75_DAYS, invoice_day + 75.0, month_due)
    # intended lateness (before reminders), account factor on the type's mean
    type_mean = float(np.mean(list(pp.lateness_mean_days.values())))
    mean = _lookup(ctype, pp.lateness_mean_days, type_mean)
    factor = _lookup(cid, pp.customer_lateness_factor, 1.0)
    factor = np.where(terms == Terms.MONTHLY_PLUS_QUARTERLY_REBATE,
                      factor * assume.rebate_lateness_factor, factor)
    mean = mean * factor
    if lev.lateness_change_days is not None:  # outside drivers (models.pass_through)
        mean = np.maximum(mean + lev.lateness_change_days[customer], 1e-6)
    lateness = (gamma_dist.ppf(np.clip(u[0], 1e-12, 1 - 1e-12), pp.lateness_shape,
                               scale=mean / pp.lateness_shape)
                - u[1] * pp.early_payment_days)
    # reminders
    if lev.automated_reminders:
        first, every, p_sent = (assume.automated_reminder_first_days,
                                assume.automated_reminder_interval_days, 1.0)
    else:
        first, every, p_sent = (pp.reminder_first_days, pp.reminder_interval_days,
                                pp.reminder_sent_probability)
    reminders = np.zeros(n, dtype=np.int64)
    sent_draws = u[6:]
    for k in range(MAX_REMINDERS):
        at = first + k * every
        sent = (lateness > at) & (sent_draws[k] < p_sent)
        reminders += sent
        lateness = np.where(sent, at + (lateness - at) * pp.reminder_effect, lateness)
    if lev.e_invoice:  # the customer's payment process starts without waiting for the post
        lateness = np.maximum(lateness - assume.paper_invoice_mail_days, -pp.early_payment_days)
    if lev.online_payment:
        lateness = np.maximum(lateness - assume.online_payment_days_saved,
                              -pp.early_payment_days)
    pay_day = np.maximum(invoice_day, due + np.round(lateness))
    # cash discount: premium invoices taken up are paid early, 1% off the invoice
    # hospitals pay late for lack of funds, not for lack of a discount: accounts waiting on
    # them take the discount up far less often
    take_up = np.where(np.isin(ctype, CASH_CONSTRAINED_TYPES),
                       assume.cash_discount_take_up_constrained, assume.cash_discount_take_up)
    discount = (terms == Terms.CASH_DISCOUNT_1PCT) & (u[2] < take_up)
    amount = np.where(discount, np.round(amount * 0.99, 2), amount)
    pay_day = np.where(discount, invoice_day + np.floor(u[3] * (assume.cash_discount_pay_days
                                                                + 1)), pay_day)
    # default and write-off
    p_default = (_lookup(ctype, pp.default_probability, 0.0)
                 * _lookup(cid, pp.customer_default_factor, 1.0))
    default = (u[4] < np.clip(p_default, 0.0, 1.0)) & ~discount
    paid_before = np.where(default, np.round(amount * pp.partial_payment_share, 2), 0.0)
    split = ~default & (u[5] < pp.split_payment_probability)
    first_amount = np.where(default, paid_before, np.where(split, np.round(amount / 2, 2), amount))
    first_day = np.where(split, np.floor((invoice_day + pay_day) / 2),
                         np.where(default, due + np.round(np.maximum(lateness, 0) / 2), pay_day))
    last_amount = np.where(split, np.round(amount - first_amount, 2), 0.0)
    write_off_day = np.where(default, due + pp.write_off_days_after_due, np.nan)
    return Invoices(customer, amount, invoice_day, due, first_day, first_amount,
                    np.where(split, pay_day, np.nan), last_amount, write_off_day,
                    np.where(default, np.round(amount - paid_before, 2), 0.0), reminders)
