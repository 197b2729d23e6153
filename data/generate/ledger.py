"""The ledger: invoices at shipping (+ paper delay), monthly settlement, payments by each
customer's hidden credit quality, manual reminders that are sometimes forgotten, and default
as an event of the account (insolvency, a dispute, a chain closing stores) that writes off
whatever it still owes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.generate.order_flow import gamma_draws
from data.generate.parameters import ProcessTruth


def passed_on_lateness(terminal_days: np.ndarray, term_days: float,
                       pass_through: np.ndarray) -> np.ndarray:
    """Days a distributor pays the company late because its own customers pay it late: it
    finances the share 1 - phi of their delay beyond our term and passes phi on,
    ``phi * max(0, H - T)`` (H: its terminals' payment days, T: our invoice-to-due days)."""
    return pass_through * np.maximum(0.0, terminal_days - term_days)


def pass_through_shares(customers: pd.DataFrame, truth: ProcessTruth) -> np.ndarray:
    """Each distributor's share phi of its customers' delay it passes on: its level's share,
    larger for a small distributor (less financing), ``phi_level * (median / size)^e``; 0 for
    an account the company sells to direct."""
    ctype = customers["customer_type"].to_numpy()
    size = customers["annual_sales_cny"].to_numpy()
    out = np.zeros(len(customers))
    for level, phi in truth.pass_through.items():
        mask = (ctype == level) & (size > 0)
        if mask.any():
            ratio = np.median(size[mask]) / size[mask]
            out[mask] = np.clip(phi * ratio**truth.pass_through_size_elasticity,
                                *truth.pass_through_bounds)
    return out


def term_days(truth: ProcessTruth) -> float:
    """Days from our invoice to its due date under monthly settlement, on average: half a
    month to the month's end, then the settlement days."""
    return 15.2 + truth.settlement_days_after_month_end


def account_default_events(customers: pd.DataFrame, quality: np.ndarray, horizon: int,
                           truth: ProcessTruth, rng: np.random.Generator,
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The accounts' default events by ``horizon``: ``(account, day, stop)`` sorted by account
    and day; ``day`` since the epoch, ``stop`` the day the account stopped paying before it
    (``default_stop_paying_mean_days`` earlier on average, gamma with shape 2).

    Each account has an annual default hazard ``h = sigmoid(intercept + b * quality + type
    offset + s * ln(size / median size of its type))``; its events are a Poisson process with
    the constant daily rate ``-ln(1 - h) / 365`` (P(at least one within a year) = h). An
    account that came through a default may default again, so the hazard does not wear off
    as the history goes on. Drawn first from the payments stream, so
    :func:`data.generate.hidden_payment_truth` can rebuild them."""
    ctype = customers["customer_type"].to_numpy()
    size = customers["annual_sales_cny"].to_numpy(dtype=float)
    median = pd.Series(size).groupby(ctype).transform("median").to_numpy()
    relative = np.log(np.maximum(size, 1.0) / np.maximum(median, 1.0))
    logit = (truth.default_logit_intercept + truth.default_logit_quality * quality
             + pd.Series(ctype).map(truth.default_type_offset).to_numpy(dtype=float)
             + truth.default_logit_size * relative)
    hazard = 1.0 / (1.0 + np.exp(-logit))
    rate = -np.log1p(-hazard) / 365.0
    count = rng.poisson(rate * (horizon + 1))
    account = np.repeat(np.arange(len(customers)), count)
    day = np.floor(rng.uniform(0.0, horizon + 1.0, len(account)))
    order = np.lexsort((day, account))
    account, day = account[order], day[order]
    stop = day - np.round(rng.gamma(2.0, truth.default_stop_paying_mean_days / 2.0,
                                    len(account)))
    return account, day, stop


def next_default(ci: np.ndarray, inv_day: np.ndarray, events: tuple[np.ndarray, np.ndarray,
                 np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For each invoice (account ``ci``, issued on ``inv_day``), its account's first default
    event on or after that day and the day the account stopped paying before it; NaN if
    none."""
    account, day, stop = events
    span = float(max(inv_day.max(initial=0.0), day.max(initial=0.0))) + 2.0
    keys = account * span + day
    at = np.searchsorted(keys, ci * span + inv_day, side="left")
    ok = at < len(keys)
    hit = np.zeros(len(ci), dtype=bool)
    hit[ok] = account[at[ok]] == ci[ok]
    pick = np.where(hit, at, 0)
    return (np.where(hit, day[pick] if len(day) else np.nan, np.nan),
            np.where(hit, stop[pick] if len(stop) else np.nan, np.nan))


def invoices_and_payments(orders: pd.DataFrame, lines: pd.DataFrame, customers: pd.DataFrame,
                          quality: np.ndarray, terminal_days: np.ndarray, epoch: pd.Timestamp,
                          end: pd.Timestamp, truth: ProcessTruth,
                          rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invoices at shipping (+ paper delay), monthly settlement, payment behaviour, write-off.

    ``terminal_days``: per customer, the sales-weighted days its terminals take to pay it
    (0 for accounts sold to direct)."""
    n = len(orders)
    horizon = (end - epoch).days  # index of the as-of day
    events = account_default_events(customers, quality, horizon, truth, rng)
    ci = orders["customer_index"].to_numpy()
    inv_day = np.floor(orders["shipped_days"].to_numpy()
                       + gamma_draws(rng, 2.0, truth.invoice_delay_mean_days, n))
    inv_date = epoch + pd.to_timedelta(inv_day, unit="D")
    month_end = (inv_date + pd.offsets.MonthEnd(0)).normalize()
    due = month_end + pd.Timedelta(days=truth.settlement_days_after_month_end)
    due_day = (due - epoch).days.to_numpy().astype(float)
    ctype = customers["customer_type"].to_numpy()[ci]
    q = quality[ci]
    passed = passed_on_lateness(terminal_days, term_days(truth),
                                pass_through_shares(customers, truth))[ci]
    mean_late = (pd.Series(ctype).map(truth.lateness_mean_days).to_numpy()
                 * np.exp(-truth.lateness_quality_effect * q)) + passed
    late = (rng.gamma(truth.lateness_shape, mean_late / truth.lateness_shape, n)
            - rng.uniform(0, truth.early_payment_days, n))
    # manual reminders: opportunities every interval after the first, each sometimes forgotten
    reminders = np.zeros(n, dtype=np.int64)
    remaining = late.copy()
    for k in range(6):
        at = truth.reminder_first_days + k * truth.reminder_interval_days
        due_now = remaining > at
        sent = due_now & (rng.random(n) < truth.reminder_sent_probability)
        reminders += sent
        remaining = np.where(sent, at + (remaining - at) * truth.reminder_effect, remaining)
    pay_day = np.maximum(inv_day, due_day + np.round(remaining))
    # the account's default event takes every invoice issued by then and not yet paid when
    # the account stopped paying
    default_day, stop_day = next_default(ci, inv_day, events)
    default = (inv_day <= default_day) & (pay_day > stop_day)
    amount = orders["amount_cny"].to_numpy()
    partial = default & (rng.random(n) < truth.default_partial_probability)
    paid_share = np.where(default, np.where(partial, rng.uniform(0.2, 0.6, n), 0.0), 1.0)
    split = ~default & (rng.random(n) < truth.split_payment_probability)
    wo_day = due_day + truth.write_off_days_after_due
    issued = inv_day <= horizon
    inv_ids = np.array([f"I{i + 1:07d}" for i in range(n)])
    # payments: first (or only) instalment, second instalment for split payers
    first_amt = np.where(split, np.round(amount * 0.5, 2), np.round(amount * paid_share, 2))
    first_day = np.where(split, np.floor((inv_day + pay_day) / 2),
                         np.where(default, due_day + np.round(remaining * 0.5), pay_day))
    second_amt = np.where(split, np.round(amount - first_amt, 2), 0.0)
    pay_inv = np.concatenate([np.arange(n), np.arange(n)])
    pay_amt = np.concatenate([first_amt, second_amt])
    pay_day_all = np.concatenate([first_day, pay_day])
    keep = (pay_amt > 0) & (pay_day_all <= horizon) & issued[pay_inv]
    order_p = np.lexsort((pay_day_all[keep], pay_inv[keep]))
    p_inv, p_amt, p_day = pay_inv[keep][order_p], pay_amt[keep][order_p], pay_day_all[keep][order_p]
    payments = pd.DataFrame({
        "payment_id": [f"Y{i + 1:07d}" for i in range(len(p_inv))],
        "invoice_id": inv_ids[p_inv],
        "paid_date": epoch + pd.to_timedelta(p_day, unit="D"),
        "amount_cny": p_amt,
    })
    written = default & (wo_day <= horizon)
    # reminders counted only up to the as-of day
    counted = np.where(pay_day <= horizon, reminders,
                       np.minimum(reminders, np.maximum(0, (horizon - due_day) // 30 + 1)))
    invoices = pd.DataFrame({
        "invoice_id": inv_ids, "order_id": orders["order_id"].to_numpy(),
        "customer_id": orders["customer_id"].to_numpy(),
        "amount_cny": np.round(amount, 2), "invoice_date": inv_date,
        "due_date": due, "reminders": counted.astype(np.int64),
        "write_off_date": pd.Series(epoch + pd.to_timedelta(
            np.where(written, wo_day, np.nan), unit="D")),
        "write_off_cny": np.where(written, np.round(amount - first_amt, 2), 0.0),
    })
    return invoices[issued].reset_index(drop=True), payments
