"""Calibration of transit: interval-censored maximum likelihood of shipped → delivered days
under the transit rule of :mod:`models.transit` (docs/calibration.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from data.calendar import CLOSE_HOUR, OPEN_HOUR, previous_working_day
from data.geography import great_circle_km
from models.transit import TransitParams
from simulation.calibration.fitting import (
    SECOND_HOURS,
    minimize_nll,
    need_records,
    uncensored,
)

#: road km / great-circle km; cannot be separated from km_per_day (docs/calibration.md)
DETOUR_FACTOR = 1.3


# --------------------------------------------------------------------------- transit
def fit_transit(orders: pd.DataFrame, customers: pd.DataFrame, sites: pd.DataFrame,
                 t: dict[str, np.ndarray], remote: np.ndarray, epoch: pd.Timestamp,
                 horizon: float) -> TransitParams:
    """Maximum likelihood of shipped -> delivered days under the transit model.

    ``days = (base + road_km / km_per_day + remote × remote_extra) × LN(-σ²/2, σ)`` plus, with
    probability ``p``, ``U(1, max)`` days. A delivery recorded exactly at opening time (09:00) is
    interval-censored: the goods arrived some time since the previous closing (the generator,
    like a real receiving desk, moves arrivals into office hours); other deliveries are exact.
    """
    s, d = t["shipped"], t["delivered"]
    ok = uncensored(s, d, horizon) & (d > s)
    need_records(int(ok.sum()), "delivered orders")
    site = sites.set_index("site_id")
    km = DETOUR_FACTOR * great_circle_km(
        orders["customer_id"].map(customers["longitude"]).to_numpy(dtype=float)[ok],
        orders["customer_id"].map(customers["latitude"]).to_numpy(dtype=float)[ok],
        orders["warehouse_id"].map(site["longitude"]).to_numpy(dtype=float)[ok],
        orders["warehouse_id"].map(site["latitude"]).to_numpy(dtype=float)[ok])
    rem = remote[ok].astype(float)
    s, d = s[ok], d[ok]
    day = np.floor(d)
    at_open = np.abs((d - day) * 24.0 - OPEN_HOUR) < 0.5 * SECOND_HOURS
    back = day - previous_working_day(day, epoch)  # to the last working day's close
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

    theta = minimize_nll(nll, [np.log(0.5), np.log(0.8), np.log(0.3), np.log(0.3),
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
