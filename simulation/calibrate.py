"""Estimate today's order-to-cash process (:class:`ProcessParams`) from a data set's history.

Only the recorded history is used: order timestamps, customers, sites, invoices and payments.
Nothing generator-specific (ids, ``dataset.json`` extras) is read, so a user's own data gives
the user's baseline. Methods, formulas and the reasons for them are in ``docs/calibration.md``.

Conventions: times are float days since the first order day (``epoch``); office stages are
measured in working hours with :func:`data.calendar.working_hours_between`; the history is
right-censored at the end of the ``as_of`` day (``horizon``), so every duration is estimated
only on records whose start is old enough for the slowest observed case to have finished.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from data.calendar import CLOSE_HOUR, OPEN_HOUR, weekday_of, working_hours_between
from data.dataset import Dataset
from data.geography import great_circle_km
from data.tables import CHANNELS
from models.transit import TransitParams
from simulation.params import Dist, PaymentParams, ProcessParams

#: road km / great-circle km; cannot be separated from km_per_day (docs/calibration.md)
DETOUR_FACTOR = 1.3
#: reminder timing used when the history holds too few reminders to show it (days after due)
FALLBACK_REMINDER_DAYS = 30.0
#: write-off delay used when the history holds no write-off (days after due)
FALLBACK_WRITE_OFF_DAYS = 365
#: grid points of the numerical deconvolution of replenishment and picking
_GRID = 128
#: fewest records a fitted stage may rest on
MIN_RECORDS = 10
#: zero-reminder settled invoices a customer type needs for its own lateness (else pooled)
MIN_TYPE_INVOICES = 30
#: the earliest payments (this quantile of lateness) give the early-payment days
_EARLY_QUANTILE = 0.0005
#: simulated invoices for the reminder effect (the customer-factor map uses 1/25 of it)
_SIM_INVOICES = 100_000
_DAY = pd.Timedelta(days=1)
_SECOND_HOURS = 1.0 / 3600.0


def calibrate(dataset: Dataset) -> ProcessParams:
    """Today's process estimated from ``dataset``'s history (never from its ``meta``)."""
    orders = dataset["orders"]
    _need(len(orders), "orders")
    epoch = pd.Timestamp(orders["placed_at"].min()).normalize()
    horizon = float((dataset.as_of.normalize() - epoch) / _DAY) + 1.0  # end of the as-of day
    t = {s: _to_days(orders[f"{s}_at"], epoch)
         for s in ("placed", "entered", "approved", "picked", "shipped", "delivered")}
    channel = orders["channel"].to_numpy(dtype=object)
    backordered = orders["backordered"].to_numpy(dtype=bool)

    counts = pd.Series(channel).value_counts()
    shares = {c: float(counts.get(c, 0)) / len(orders) for c in CHANNELS}

    manual = _done(t["placed"], t["entered"], horizon) & (channel != "app")
    entry = _fit_lognormal(_hours(t["placed"], t["entered"], epoch, manual,
                                  "entered phone/WeChat orders"))
    app = _done(t["placed"], t["entered"], horizon) & (channel == "app")
    app_hours = (t["entered"][app] - t["placed"][app]) * 24.0
    app_entry = Dist(kind="deterministic", mean=float(app_hours.mean()) if app.any() else 0.0)

    office = _fit_gamma_moments(_hours(t["entered"], t["approved"], epoch,
                                       _done(t["entered"], t["approved"], horizon),
                                       "approved orders"))
    picked_ok = _done(t["approved"], t["picked"], horizon)
    pick = _fit_gamma_mle(_hours(t["approved"], t["picked"], epoch, picked_ok & ~backordered,
                                 "picked orders that were in stock"))
    replenish = _fit_replenishment(t["approved"][picked_ok & backordered],
                                   t["picked"][picked_ok & backordered], pick, epoch)

    customers = dataset["customers"].set_index("customer_id")
    remote = orders["customer_id"].map(customers["remote"]).to_numpy(dtype=bool)
    promised = _to_days(orders["promised_date"], epoch)
    lead = promised - np.floor(t["placed"])
    promise = _mode(lead[~remote]) if (~remote).any() else _mode(lead)
    promise_remote = _mode(lead[remote]) if remote.any() else promise

    return ProcessParams(
        source=f"{dataset.path or '<in memory>'} ({dataset.fingerprint[:12]})",
        channel_shares=shares,
        entry_hours=entry,
        app_entry_hours=app_entry,
        office_hours=office,
        oversell_probability=float(backordered.mean()),
        replenishment_days=replenish,
        pick_hours=pick,
        carrier_cutoff_hour=_carrier_cutoff(t["picked"], t["shipped"]),
        transit=_fit_transit(orders, customers, dataset["sites"], t, remote, epoch, horizon),
        promise_days=int(promise),
        promise_days_remote=int(promise_remote),
        **_complaints(orders, t["delivered"], promised),
        invoice_delay_days=_fit_invoice_delay(orders, dataset["invoices"], t["shipped"], epoch,
                                              horizon),
        payment=_fit_payment(dataset["invoices"], dataset["payments"], customers,
                             dataset.as_of.normalize()),
    )


# --------------------------------------------------------------------------- helpers
def _to_days(times: pd.Series, epoch: pd.Timestamp) -> np.ndarray:
    """Timestamps -> float days since ``epoch`` (NaT -> NaN)."""
    return ((pd.to_datetime(times) - epoch) / _DAY).to_numpy(dtype=float, na_value=np.nan)


def _done(start: np.ndarray, end: np.ndarray, horizon: float) -> np.ndarray:
    """Rows where both times are known and ``start`` is old enough for the slowest observed
    ``end - start`` (capped at a quarter of the history) to have finished by ``horizon``:
    dropping the recent rest removes the right-censoring bias towards short durations."""
    known = np.isfinite(start) & np.isfinite(end)
    if not known.any():
        return known
    span = horizon - np.nanmin(start)
    window = min(float(np.max(end[known] - start[known])), span / 4.0)
    return known & (start <= horizon - window)


def _need(count: int, what: str) -> None:
    """Refuse a history too thin to estimate from."""
    if count < MIN_RECORDS:
        raise ValueError(f"calibration needs at least {MIN_RECORDS} {what} in the history "
                         f"(completed early enough to be uncensored); found {count}")


def _hours(t0: np.ndarray, t1: np.ndarray, epoch: pd.Timestamp, mask: np.ndarray,
           what: str) -> np.ndarray:
    """Working hours from ``t0`` to ``t1`` on ``mask`` rows, at least one second."""
    _need(int(mask.sum()), what)
    return np.maximum(working_hours_between(t0[mask], t1[mask], epoch), _SECOND_HOURS)


def _mode(values: np.ndarray) -> float:
    """Most common value (the smallest among ties)."""
    uniq, count = np.unique(np.round(np.asarray(values, dtype=float), 6), return_counts=True)
    return float(uniq[np.argmax(count)])


def _fit_lognormal(hours: np.ndarray) -> Dist:
    """Lognormal MLE: mean and standard deviation of the logs; ``Dist`` takes the mean."""
    logs = np.log(hours)
    mu, sigma = float(logs.mean()), float(logs.std())
    return Dist(kind="lognormal", mean=float(np.exp(mu + 0.5 * sigma**2)), sigma=sigma)


def _gamma_moments(x: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    """(mean, shape) of a gamma matched to the (weighted) mean and variance of ``x``."""
    mean = float(np.average(x, weights=w))
    var = float(np.average((x - mean) ** 2, weights=w))
    return mean, mean**2 / var if var > 0 else 1e6


def _fit_gamma_moments(x: np.ndarray) -> Dist:
    mean, shape = _gamma_moments(x)
    return Dist(kind="gamma", mean=mean, shape=shape)


def _fit_gamma_mle(x: np.ndarray) -> Dist:
    shape, _, scale = stats.gamma.fit(x, floc=0)
    return Dist(kind="gamma", mean=float(shape * scale), shape=float(shape))


def _minimize(nll: Callable[[np.ndarray], float], start: list[float]) -> np.ndarray:
    """Minimise a smooth negative log-likelihood over an unconstrained parametrisation:
    L-BFGS-B (numerical gradient), polished by Nelder-Mead if it stops short."""
    res = optimize.minimize(nll, np.asarray(start, dtype=float), method="L-BFGS-B")
    if not res.success:
        res = optimize.minimize(nll, res.x, method="Nelder-Mead",
                                options={"xatol": 1e-6, "fatol": 1e-7, "maxiter": 5000})
    return res.x


# --------------------------------------------------------------------------- order stages
def _fit_replenishment(approved: np.ndarray, picked: np.ndarray, pick: Dist,
                       epoch: pd.Timestamp) -> Dist:
    """Gamma replenishment (calendar days) deconvolved from approved -> picked of backorders.

    ``picked = add_working_hours(approved + R, H)`` with the pick time ``H`` known from normal
    orders; the likelihood of each order is ``∫ f_R(r) f_H(W(picked) - W(approved + r)) dr``
    over ``0 <= r <= picked - approved`` (``W`` = working hours), on a fixed grid.
    """
    if len(approved) < 2:
        return Dist(kind="gamma", mean=0.0, shape=1.0)
    span = np.maximum(picked - approved, 1e-6)
    frac = (np.arange(_GRID) + 0.5) / _GRID
    r = span[:, None] * frac[None, :]
    h = working_hours_between(approved[:, None] + r, picked[:, None], epoch)
    kernel = stats.gamma.pdf(np.maximum(h, 1e-3), pick.shape, scale=pick.mean / pick.shape)
    kernel = kernel * (span / _GRID)[:, None]

    log_r = np.log(r)

    def nll(theta: np.ndarray) -> float:
        mean, shape = np.exp(theta)
        rate = shape / mean
        log_pdf = (shape - 1) * log_r - rate * r + shape * np.log(rate) - special.gammaln(shape)
        like = (np.exp(log_pdf) * kernel).sum(axis=1)
        return -float(np.log(np.maximum(like, 1e-300)).sum())

    m0, k0 = _gamma_moments(np.maximum(span - pick.mean / 24.0, 1e-3))
    mean, shape = np.exp(_minimize(nll, [np.log(m0), np.log(k0)]))
    return Dist(kind="gamma", mean=float(mean), shape=float(shape))


def _carrier_cutoff(picked: np.ndarray, shipped: np.ndarray) -> float:
    """Most common shipping time of day (hours, to the minute) among orders picked earlier the
    same day: they waited for the carrier's cut-off."""
    ok = np.isfinite(picked) & np.isfinite(shipped)
    same = ok & (np.floor(picked) == np.floor(shipped)) & (shipped > picked + 1e-9)
    pool = shipped[same] if same.any() else shipped[ok]
    return _mode(np.round((pool - np.floor(pool)) * 1440.0) / 60.0)


def _complaints(orders: pd.DataFrame, delivered: np.ndarray,
                promised: np.ndarray) -> dict[str, float]:
    """Complaint shares among delivered orders: ``late`` among late ones, ``error`` among on-time
    ones, ``no_visibility`` among on-time ones without an error complaint."""
    done = np.isfinite(delivered)
    reason = orders["complaint_reason"].fillna("").astype(str).to_numpy()[done]
    late = np.floor(delivered[done]) > promised[done]
    on_time = ~late
    quiet = on_time & (reason != "error")

    def share(mask: np.ndarray, what: str) -> float:
        return float((reason[mask] == what).mean()) if mask.any() else 0.0

    return {"complaint_if_late": share(late, "late"), "complaint_error": share(on_time, "error"),
            "complaint_no_visibility": share(quiet, "no_visibility")}


# --------------------------------------------------------------------------- transit
def _fit_transit(orders: pd.DataFrame, customers: pd.DataFrame, sites: pd.DataFrame,
                 t: dict[str, np.ndarray], remote: np.ndarray, epoch: pd.Timestamp,
                 horizon: float) -> TransitParams:
    """Maximum likelihood of shipped -> delivered days under the transit model.

    ``days = (base + road_km / km_per_day + remote × remote_extra) × LN(-σ²/2, σ)`` plus, with
    probability ``p``, ``U(1, max)`` days. A delivery recorded exactly at opening time (09:00) is
    interval-censored: the goods arrived some time since the previous closing (the generator,
    like a real receiving desk, moves arrivals into office hours); other deliveries are exact.
    """
    s, d = t["shipped"], t["delivered"]
    ok = _done(s, d, horizon) & (d > s)
    _need(int(ok.sum()), "delivered orders")
    site = sites.set_index("site_id")
    km = DETOUR_FACTOR * great_circle_km(
        orders["customer_id"].map(customers["longitude"]).to_numpy(dtype=float)[ok],
        orders["customer_id"].map(customers["latitude"]).to_numpy(dtype=float)[ok],
        orders["warehouse_id"].map(site["longitude"]).to_numpy(dtype=float)[ok],
        orders["warehouse_id"].map(site["latitude"]).to_numpy(dtype=float)[ok])
    rem = remote[ok].astype(float)
    s, d = s[ok], d[ok]
    day = np.floor(d)
    at_open = np.abs((d - day) * 24.0 - OPEN_HOUR) < 0.5 * _SECOND_HOURS
    before = weekday_of(day - 1, epoch)
    back = np.where(before == 6, 3, np.where(before == 5, 2, 1))
    lower = np.maximum(day - back + CLOSE_HOUR / 24.0 - s, 0.0)
    upper = d - s
    exact = [_Arg(upper[~at_open]), _Arg(upper[~at_open] - 1.0)]
    km_e, rem_e = km[~at_open], rem[~at_open]
    cens = [_Arg(upper[at_open]), _Arg(upper[at_open] - 1.0),
            _Arg(lower[at_open]), _Arg(lower[at_open] - 1.0)]
    km_c, rem_c = km[at_open], rem[at_open]

    def unpack(theta: np.ndarray) -> tuple[float, ...]:
        return (np.exp(theta[0]), 1000.0 * np.exp(theta[1]), np.exp(theta[2]),
                np.exp(theta[3]), special.expit(theta[4]), 1.0 + np.exp(theta[5]))

    def nll(theta: np.ndarray) -> float:
        a, v, extra, sigma, p, top = unpack(theta)
        ll = 0.0
        if len(km_e):
            dist = _LogNormal(a + km_e / v + extra * rem_e, sigma)
            t, t1 = exact
            incident = dist.cdf(t1) - dist.cdf(_Arg(t.x - top))
            dens = (1 - p) * dist.pdf(t) + p * incident / (top - 1)
            ll += np.log(np.maximum(dens, 1e-300)).sum()
        if len(km_c):
            dist = _LogNormal(a + km_c / v + extra * rem_c, sigma)
            hi, hi1, lo, lo1 = cens
            prob = dist.mix_cdf(hi, hi1, p, top) - dist.mix_cdf(lo, lo1, p, top)
            ll += np.log(np.maximum(prob, 1e-300)).sum()
        return -float(ll)

    theta = _minimize(nll, [np.log(0.5), np.log(0.8), np.log(0.3), np.log(0.3),
                            special.logit(0.03), np.log(2.0)])
    a, v, extra, sigma, p, top = unpack(theta)
    return TransitParams(base_days=float(a), km_per_day=float(v), last_mile_days=0.0,
                         remote_last_mile_days=float(extra), noise_sigma=float(min(sigma, 3.0)),
                         incident_probability=float(p), incident_max_days=float(top),
                         detour_factor=DETOUR_FACTOR)


class _Arg:
    """A fixed argument ``x`` of the lognormal functions with its log precomputed (the
    likelihood is evaluated hundreds of times on the same data)."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self.pos = x > 0
        self.log = np.log(np.where(self.pos, x, 1.0))


class _LogNormal:
    """``base × LN(-σ²/2, σ)``: a lognormal of mean ``base`` (an array) and log-sd ``σ``."""

    def __init__(self, base: np.ndarray, sigma: float) -> None:
        self.base, self.sigma = base, sigma
        self.mu = np.log(base) - 0.5 * sigma**2

    def z(self, x: _Arg) -> np.ndarray:
        return (x.log - self.mu) / self.sigma

    def pdf(self, x: _Arg) -> np.ndarray:
        z = self.z(x)
        return np.where(x.pos, np.exp(-0.5 * z**2 - x.log) / (self.sigma * np.sqrt(2 * np.pi)),
                        0.0)

    def cdf(self, x: _Arg) -> np.ndarray:
        return np.where(x.pos, special.ndtr(self.z(x)), 0.0)

    def cdf_integral(self, x: _Arg) -> np.ndarray:
        """``∫_0^x F(y) dy = x Φ(z) - base Φ(z - σ)``."""
        z = self.z(x)
        return np.where(x.pos, x.x * special.ndtr(z) - self.base * special.ndtr(z - self.sigma),
                        0.0)

    def mix_cdf(self, x: _Arg, x1: _Arg, p: float, top: float) -> np.ndarray:
        """CDF at ``x`` (``x1 = x - 1``) of the transit mixture: no incident, or lognormal +
        U(1, top) days, whose CDF is ``(∫F(x-1) - ∫F(x-top)) / (top - 1)``."""
        incident = (self.cdf_integral(x1) - self.cdf_integral(_Arg(x.x - top))) / (top - 1)
        return (1 - p) * self.cdf(x) + p * incident


# --------------------------------------------------------------------------- invoicing
def _fit_invoice_delay(orders: pd.DataFrame, invoices: pd.DataFrame, shipped: np.ndarray,
                       epoch: pd.Timestamp, horizon: float) -> Dist:
    """Gamma delay (calendar days) from the shipping instant to the invoice, by interval MLE:
    an invoice dated day ``k`` was issued at some instant of that day, so the delay lies in
    ``[k - shipped, k + 1 - shipped)``."""
    pos = pd.Index(orders["order_id"]).get_indexer(invoices["order_id"])
    s = np.where(pos >= 0, shipped[np.maximum(pos, 0)], np.nan)
    k = _to_days(invoices["invoice_date"], epoch)
    ok = _done(s, k + 1.0, horizon)
    lo, hi = np.maximum(k[ok] - s[ok], 0.0), k[ok] + 1.0 - s[ok]
    if not ok.any():
        return Dist(kind="gamma", mean=0.0, shape=1.0)

    def nll(theta: np.ndarray) -> float:
        mean, shape = np.exp(theta)
        prob = special.gammainc(shape, hi * shape / mean) - special.gammainc(shape,
                                                                             lo * shape / mean)
        return -float(np.log(np.maximum(prob, 1e-300)).sum())

    m0, k0 = _gamma_moments(np.maximum(0.5 * (lo + hi), 1e-3))
    mean, shape = np.exp(_minimize(nll, [np.log(m0), np.log(k0)]))
    return Dist(kind="gamma", mean=float(mean), shape=float(shape))


# --------------------------------------------------------------------------- payments
def _fit_payment(invoices: pd.DataFrame, payments: pd.DataFrame, customers: pd.DataFrame,
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
    late = ((last.to_numpy() - due.to_numpy()) / _DAY).astype(float)
    reminders = inv["reminders"].to_numpy(dtype=float)
    ctype = inv["customer_id"].map(customers["customer_type"]).to_numpy(dtype=object)
    cust = inv["customer_id"].to_numpy(dtype=object)

    month_end = (pd.to_datetime(inv["invoice_date"]) + pd.offsets.MonthEnd(0)).dt.normalize()
    settlement = _mode(((due - month_end) / _DAY).to_numpy(dtype=float))
    write_off = (FALLBACK_WRITE_OFF_DAYS if not written.any() else int(_mode(
        ((pd.to_datetime(inv["write_off_date"]) - due) / _DAY).to_numpy(dtype=float)[written])))
    mature = (due + pd.Timedelta(days=write_off) <= as_of).to_numpy()
    settled = full & mature
    _need(int(settled.sum()), f"invoices paid in full and due {write_off}+ days before as-of")

    first, interval = _reminder_timing(late[full], reminders[full])
    opportunities = _opportunities(late[settled], first, interval)
    sent = reminders[settled].sum()
    p = float(sent / opportunities.sum()) if opportunities.sum() > 0 else 0.0
    p = min(p, 1.0)
    early = max(0.0, -float(np.quantile(late[settled], _EARLY_QUANTILE,
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
                                                    ctype[mature], types, volume)
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
        size = max(1, round(_SIM_INVOICES * count / total))
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
    base = rng.standard_gamma(shape, _SIM_INVOICES // 25) / shape
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


def _defaults(written: np.ndarray, cust: np.ndarray, ctype: np.ndarray, types: list[str],
              volume: pd.Series) -> tuple[dict[str, float], dict[str, float]]:
    """Default probability per type (written-off / invoices old enough to be written off) and
    per-customer factors: gamma-Poisson empirical Bayes ``(D + α) / (E + α)`` with ``E`` the
    customer's expected defaults and ``1/α`` the over-dispersion ``Σ((D-E)² - E) / Σ E²``."""
    pooled = float(written.mean()) if len(written) else 0.0
    prob = {}
    for kind in types:
        sel = ctype == kind
        prob[kind] = float(written[sel].mean()) if sel.any() else pooled
    frame = pd.DataFrame({"c": cust, "t": ctype, "d": written.astype(float),
                          "e": pd.Series(ctype).map(prob).to_numpy(dtype=float)})
    per = frame.groupby("c").agg(d=("d", "sum"), e=("e", "sum"), t=("t", "first"))
    per["n"] = volume.reindex(per.index).to_numpy(dtype=float)
    spread = float(((per["d"] - per["e"]) ** 2 - per["e"]).sum() / (per["e"] ** 2).sum()) \
        if (per["e"] > 0).any() else 0.0
    if spread <= 0:
        factor = pd.Series(1.0, index=per.index)
    else:
        alpha = 1.0 / spread
        factor = (per["d"] + alpha) / (per["e"] + alpha)
        weighted = (factor * per["n"]).groupby(per["t"]).transform("sum")
        factor = factor * per["n"].groupby(per["t"]).transform("sum") / weighted
    return prob, {str(c): float(f) for c, f in factor.items()}
