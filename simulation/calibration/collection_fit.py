"""Calibration of invoicing and collection: invoice delay, settlement, intended lateness,
reminders and their effect, defaults and write-offs (docs/calibration.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn.linear_model import LogisticRegression

from simulation.calibration.fitting import (
    DAY,
    EARLY_QUANTILE,
    FALLBACK_REMINDER_DAYS,
    FALLBACK_WRITE_OFF_DAYS,
    MIN_TYPE_INVOICES,
    SIM_INVOICES,
    gamma_moments,
    minimize_nll,
    most_common,
    need_records,
    to_days,
    uncensored,
)
from simulation.params import Dist, PaymentParams


# --------------------------------------------------------------------------- invoicing
def fit_invoice_delay(orders: pd.DataFrame, invoices: pd.DataFrame, shipped: np.ndarray,
                       epoch: pd.Timestamp, horizon: float) -> Dist:
    """Gamma delay (calendar days) from the shipping instant to the invoice, by interval MLE:
    an invoice dated day ``k`` was issued at some instant of that day, so the delay lies in
    ``[k - shipped, k + 1 - shipped)``."""
    pos = pd.Index(orders["order_id"]).get_indexer(invoices["order_id"])
    s = np.where(pos >= 0, shipped[np.maximum(pos, 0)], np.nan)
    k = to_days(invoices["invoice_date"], epoch)
    ok = uncensored(s, k + 1.0, horizon)
    lo, hi = np.maximum(k[ok] - s[ok], 0.0), k[ok] + 1.0 - s[ok]
    if not ok.any():
        return Dist(kind="gamma", mean=0.0, shape=1.0)

    def nll(theta: np.ndarray) -> float:
        mean, shape = np.exp(theta)
        prob = special.gammainc(shape, hi * shape / mean) - special.gammainc(shape,
                                                                             lo * shape / mean)
        return -float(np.log(np.maximum(prob, 1e-300)).sum())

    m0, k0 = gamma_moments(np.maximum(0.5 * (lo + hi), 1e-3))
    mean, shape = np.exp(minimize_nll(nll, [np.log(m0), np.log(k0)]))
    return Dist(kind="gamma", mean=float(mean), shape=float(shape))


# --------------------------------------------------------------------------- payments
def fit_payment(invoices: pd.DataFrame, payments: pd.DataFrame, customers: pd.DataFrame,
                 as_of: pd.Timestamp) -> PaymentParams:
    """Settlement, lateness before reminders, reminders, defaults and payment splits."""
    inv = invoices.reset_index(drop=True)
    n = len(inv)
    pos = pd.Index(inv["invoice_id"]).get_indexer(payments["invoice_id"])
    pay = payments[pos >= 0]
    pos = pos[pos >= 0]
    paid = np.bincount(pos, weights=pay["amount_cny"].to_numpy(dtype=float), minlength=n)
    n_pay = np.bincount(pos, minlength=n)
    last = pd.Series(pay["paid_date"].to_numpy(), index=pos).groupby(level=0).max()
    last = last.reindex(np.arange(n))
    due = pd.to_datetime(inv["due_date"])
    amount = inv["amount_cny"].to_numpy(dtype=float)
    written = inv["write_off_date"].notna().to_numpy()
    full = ~written & (paid >= amount - 0.01)
    late = ((last.to_numpy() - due.to_numpy()) / DAY).astype(float)
    reminders = inv["reminders"].to_numpy(dtype=float)
    ctype = inv["customer_id"].map(customers["customer_type"]).to_numpy(dtype=object)
    cust = inv["customer_id"].to_numpy(dtype=object)

    month_end = (pd.to_datetime(inv["invoice_date"]) + pd.offsets.MonthEnd(0)).dt.normalize()
    settlement = most_common(((due - month_end) / DAY).to_numpy(dtype=float))
    write_off = (FALLBACK_WRITE_OFF_DAYS if not written.any() else int(most_common(
        ((pd.to_datetime(inv["write_off_date"]) - due) / DAY).to_numpy(dtype=float)[written])))
    mature = (due + pd.Timedelta(days=write_off) <= as_of).to_numpy()
    settled = full & mature
    need_records(int(settled.sum()),
                 f"invoices paid in full and due {write_off}+ days before as-of")

    first, interval = _reminder_timing(late[full], reminders[full])
    opportunities = _opportunities(late[settled], first, interval)
    sent = reminders[settled].sum()
    p = float(sent / opportunities.sum()) if opportunities.sum() > 0 else 0.0
    p = min(p, 1.0)
    early = max(0.0, -float(np.quantile(late[settled], EARLY_QUANTILE,
                                        method="inverted_cdf")))

    # intended lateness: zero-reminder invoices, weighted by 1 / P(every reminder forgotten)
    quiet = settled & (reminders == 0)
    weight = (1.0 - min(p, 0.99)) ** -_opportunities(late[quiet], first, interval)
    types = sorted(set(customers["customer_type"]))
    pooled = float(np.average(late[quiet], weights=weight)) if quiet.any() else 0.0
    lateness_mean: dict[str, float] = {}
    samples: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
    for kind in types:
        sel = ctype[quiet] == kind
        mean_late = (float(np.average(late[quiet][sel], weights=weight[sel]))
                     if sel.sum() >= MIN_TYPE_INVOICES else pooled)
        lateness_mean[kind] = max(mean_late + 0.5 * early, 1e-3)
        if sel.any():
            samples[kind] = (late[quiet][sel], weight[sel], int((settled & (ctype == kind)).sum()))
    reminded = settled & (reminders > 0)
    effect = (_fit_reminder_effect(samples, _Reminders(first, interval, p, 0.0),
                                   float(late[reminded].mean()))
              if reminded.any() and samples else 0.0)
    policy = _Reminders(first, interval, p, effect)

    # customer factors: shrunk observed means, mapped back through the reminders; the shape
    # is estimated with the plain observed ratios first, then with the mapped factors
    type_of = dict(zip(cust, ctype, strict=True))
    observed = _shrunk_means(late[settled] + early, cust[settled], ctype[settled])
    factor = observed / observed.groupby(observed.index.map(type_of)).transform("mean")
    shape = _lateness_shape(late[quiet], weight, early, ctype[quiet], cust[quiet],
                            lateness_mean, factor)
    volume = pd.Series(cust).value_counts()  # invoices per customer: weights of the factors
    factor = _intended_factors(observed, type_of, lateness_mean, shape, early, policy, volume)
    shape = _lateness_shape(late[quiet], weight, early, ctype[quiet], cust[quiet],
                            lateness_mean, factor)
    lateness_factor = {str(c): float(f) for c, f in factor.sort_index().items()}

    default_probability, default_factor = _defaults(written[mature], cust[mature],
                                                    ctype[mature], types, volume, customers)
    wo = written & (amount > 0)
    partial = (float(np.clip(1.0 - inv["write_off_cny"].to_numpy(dtype=float)[wo] / amount[wo],
                             0.0, 1.0).mean()) if wo.any() else 0.0)
    split = float((n_pay[settled] >= 2).mean())
    return PaymentParams(
        settlement_days_after_month_end=int(settlement),
        lateness_mean_days=lateness_mean, lateness_shape=shape, early_payment_days=early,
        customer_lateness_factor=lateness_factor,
        reminder_first_days=first, reminder_interval_days=interval,
        reminder_sent_probability=p, reminder_effect=effect,
        default_probability=default_probability, customer_default_factor=default_factor,
        partial_payment_share=partial, split_payment_probability=split,
        write_off_days_after_due=int(write_off),
    )


def _reminder_timing(late: np.ndarray, reminders: np.ndarray) -> tuple[float, float]:
    """First reminder (days after due) = smallest lateness of an invoice paid after a reminder;
    interval = smallest lateness after two reminders minus that."""
    one, two = late[reminders >= 1], late[reminders >= 2]
    first = float(one.min()) if len(one) else FALLBACK_REMINDER_DAYS
    interval = float(two.min()) - first if len(two) else FALLBACK_REMINDER_DAYS
    return max(first, 0.0), interval if interval > 0 else FALLBACK_REMINDER_DAYS


def _opportunities(late: np.ndarray, first: float, interval: float) -> np.ndarray:
    """Expected reminder dates before payment, given the whole-day lateness ``late``: dates
    ``first + k × interval`` strictly before count 1; a date on the payment day counts 1/2 (the
    unrounded lateness was above it half the time)."""
    x = (late - first) / interval
    on_date = (x >= 0) & (np.abs(x - np.round(x)) < 1e-9)
    return np.maximum(np.ceil(np.round(x, 9)), 0.0) + 0.5 * on_date


class _Reminders:
    """Manual reminders ``first + k × interval`` days after due, each sent with probability
    ``p``; a sent reminder keeps the share ``effect`` of the delay beyond its date."""

    def __init__(self, first: float, interval: float, p: float, effect: float) -> None:
        self.first, self.interval, self.p, self.effect = first, interval, p, effect

    def apply(self, intended: np.ndarray, seed: int,
              effect: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Final lateness and reminders sent for ``intended`` (rows = invoices; further axes
        share the row's random numbers, so results are comparable across columns and calls
        with the same ``seed``)."""
        rng = np.random.default_rng(seed)
        effect = self.effect if effect is None else effect
        remaining = np.array(intended, dtype=float)
        count = np.zeros(remaining.shape)
        at = self.first
        while (remaining > at).any():
            u = rng.random(remaining.shape[0]).reshape((-1,) + (1,) * (remaining.ndim - 1))
            sent = (remaining > at) & (u < self.p)
            count += sent
            remaining = np.where(sent, at + (remaining - at) * effect, remaining)
            at += self.interval
        return remaining, count


def _fit_reminder_effect(samples: dict[str, tuple[np.ndarray, np.ndarray, int]],
                         policy: _Reminders, target: float) -> float:
    """Share of the remaining delay kept after a reminder, by simulated matching: intended
    lateness resampled per type (importance weights, whole days jittered by ±½), reminders
    applied with ``p``; ``e`` solves ``mean lateness of reminded invoices = target``."""
    rng = np.random.default_rng(0)  # fixed: the estimate must not depend on global state
    total = sum(c for _, _, c in samples.values()) or 1
    parts = []
    for values, weight, count in samples.values():
        size = max(1, round(SIM_INVOICES * count / total))
        parts.append(rng.choice(values, size=size, p=weight / weight.sum()))
    intended = np.concatenate(parts)
    intended = intended + rng.uniform(-0.5, 0.5, len(intended))

    def gap(effect: float) -> float:
        final, count = policy.apply(intended, 1, effect)
        hit = count > 0
        return float(np.round(final[hit]).mean()) - target if hit.any() else 0.0

    lo, hi = gap(0.0), gap(1.0)
    if lo >= 0:
        return 0.0
    if hi <= 0:
        return 1.0
    return float(optimize.brentq(gap, 0.0, 1.0, xtol=1e-4))


def _shrunk_means(y: np.ndarray, cust: np.ndarray, ctype: np.ndarray) -> pd.Series:
    """Empirical-Bayes posterior mean of each customer's mean ``y`` within its type:
    ``ȳ_t + B (ȳ_c - ȳ_t)``, ``B = τ² / (τ² + σ²/n_c)`` with ``σ²`` the pooled within-customer
    variance and ``τ² = var(ȳ_c) - mean(σ²/n_c)`` the between-customer variance (moments)."""
    parts = []
    for kind in pd.unique(ctype):
        sel = ctype == kind
        stat = pd.DataFrame({"c": cust[sel], "y": y[sel]}).groupby("c")["y"].agg(
            ["mean", "count", "var"])
        centre = float(y[sel].mean())
        dof = stat["count"] - 1
        within = float((stat["var"].fillna(0) * dof).sum() / dof.sum()) if dof.sum() > 0 else 0.0
        noise = within / stat["count"]
        between = max(0.0, float(((stat["mean"] - centre) ** 2).mean() - noise.mean()))
        shrink = between / (between + noise) if between > 0 else noise * 0.0
        parts.append(centre + shrink * (stat["mean"] - centre))
    return pd.concat(parts) if parts else pd.Series(dtype=float)


def _intended_factors(observed: pd.Series, type_of: dict[str, str],
                      lateness_mean: dict[str, float], shape: float, early: float,
                      policy: _Reminders, volume: pd.Series) -> pd.Series:
    """Customer multipliers of the type's intended mean lateness: the factor φ whose simulated
    mean observed lateness (+ early days) after reminders equals the customer's shrunk observed
    mean (reminders compress long delays, so observed ratios understate the spread); then
    rescaled to a mean of 1 within each type, weighted by the customers' invoices ``volume``."""
    rng = np.random.default_rng(2)
    base = rng.standard_gamma(shape, SIM_INVOICES // 25) / shape
    jitter = rng.uniform(0.0, early, len(base))
    grid = np.geomspace(0.05, 10.0, 60)
    kinds = observed.index.map(type_of)
    out = []
    for kind in pd.unique(kinds):
        sel = observed[kinds == kind]
        intended = grid[None, :] * base[:, None] * lateness_mean[kind] - jitter[:, None]
        final, _ = policy.apply(intended, 3)
        mean_y = np.maximum.accumulate((np.round(final) + early).mean(axis=0))
        phi = pd.Series(np.interp(sel.to_numpy(), mean_y, grid), index=sel.index)
        out.append(phi / np.average(phi, weights=volume.reindex(phi.index)))
    return pd.concat(out) if out else pd.Series(dtype=float)


def _lateness_shape(late: np.ndarray, weight: np.ndarray, early: float, ctype: np.ndarray,
                    cust: np.ndarray, lateness_mean: dict[str, float],
                    factors: pd.Series) -> float:
    """Gamma shape of intended lateness within a customer: weighted moments of
    ``(L + early/2) / (type mean × customer factor)``, less the variance of the early-payment
    uniform and of whole-day rounding."""
    if len(late) < 2:
        return 1.0
    scale = (pd.Series(ctype).map(lateness_mean).to_numpy(dtype=float)
             * pd.Series(cust).map(factors).fillna(1.0).to_numpy(dtype=float))
    x = (late + 0.5 * early) / scale
    mean = np.average(x, weights=weight)
    var = np.average((x - mean) ** 2, weights=weight)
    var -= np.average((early**2 / 12.0 + 1.0 / 12.0) / scale**2, weights=weight)
    return float(mean**2 / var) if var > 0 else 1e3


#: the operating condition the customer table records: what the default factors rest on
CONDITION_COLUMNS = ("operating_years", "revenue_growth_pct", "debt_ratio", "reputation_score")


def _defaults(written: np.ndarray, cust: np.ndarray, ctype: np.ndarray, types: list[str],
              volume: pd.Series, customers: pd.DataFrame,
              ) -> tuple[dict[str, float], dict[str, float]]:
    """Default probability per type (written-off / invoices old enough to be written off) and
    per-customer factors from the accounts' operating condition, not from their own past
    write-offs: a default is an episode of the account (it stops paying, what it owes is
    written off), so an account that defaulted in the history has that episode behind it, and
    a factor on its own write-offs would send the simulated defaults to exactly those
    accounts. A logistic regression of "the account had a write-off" on its operating
    condition (log operating years, revenue growth, debt ratio, reputation, log size) and its
    type gives each account's relative risk within its type; the factors are these
    probabilities over their type's invoice-weighted mean (so the type's rate is kept)."""
    pooled = float(written.mean()) if len(written) else 0.0
    prob = {}
    for kind in types:
        sel = ctype == kind
        prob[kind] = float(written[sel].mean()) if sel.any() else pooled
    ids = volume.index
    ever = pd.Series(written, index=cust).groupby(level=0).max()
    seen = ever.index.intersection(ids)
    y = ever.reindex(seen).to_numpy(dtype=bool)
    if len(seen) < 10 or y.all() or not y.any():
        return prob, {str(c): 1.0 for c in ids}
    frame = customers.reindex(ids)
    kinds = frame["customer_type"].astype(str).to_numpy()
    x = np.column_stack([
        np.log1p(frame["operating_years"].to_numpy(dtype=float)),
        frame["revenue_growth_pct"].to_numpy(dtype=float),
        frame["debt_ratio"].to_numpy(dtype=float),
        frame["reputation_score"].to_numpy(dtype=float),
        np.log1p(frame["annual_sales_cny"].to_numpy(dtype=float)),
    ] + [(kinds == k).astype(float) for k in types])
    x = np.nan_to_num(x)
    centre, scale = x.mean(axis=0), x.std(axis=0)
    x = (x - centre) / np.where(scale > 0, scale, 1.0)
    fit = LogisticRegression(C=1.0, max_iter=2000).fit(x[ids.get_indexer(seen)], y)
    risk = pd.Series(fit.predict_proba(x)[:, 1], index=ids)
    weight = volume.reindex(ids).to_numpy(dtype=float)
    mean = (risk * weight).groupby(kinds).transform("sum") / pd.Series(
        weight, index=ids).groupby(kinds).transform("sum")
    factor = risk / mean
    return prob, {str(c): float(f) for c, f in factor.items()}
