"""Shared pieces of calibration: censoring, working hours and distribution fits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import optimize, stats

from data.calendar import working_hours_between
from simulation.params import Dist

#: reminder timing used when the history holds too few reminders to show it (days after due)
FALLBACK_REMINDER_DAYS = 30.0
#: write-off delay used when the history holds no write-off (days after due)
FALLBACK_WRITE_OFF_DAYS = 365
#: grid points of the numerical deconvolution of replenishment and picking
GRID = 128
#: fewest records a fitted stage may rest on
MIN_RECORDS = 10
#: zero-reminder settled invoices a customer type needs for its own lateness (else pooled)
MIN_TYPE_INVOICES = 30
#: the earliest payments (this quantile of lateness) give the early-payment days
EARLY_QUANTILE = 0.0005
#: simulated invoices for the reminder effect (the customer-factor map uses 1/25 of it)
SIM_INVOICES = 100_000
DAY = pd.Timedelta(days=1)
SECOND_HOURS = 1.0 / 3600.0



# --------------------------------------------------------------------------- helpers
def to_days(times: pd.Series, epoch: pd.Timestamp) -> np.ndarray:
    """Timestamps -> float days since ``epoch`` (NaT -> NaN)."""
    return ((pd.to_datetime(times) - epoch) / DAY).to_numpy(dtype=float, na_value=np.nan)


def uncensored(start: np.ndarray, end: np.ndarray, horizon: float) -> np.ndarray:
    """Rows where both times are known and ``start`` is old enough for the slowest observed
    ``end - start`` (capped at a quarter of the history) to have finished by ``horizon``:
    dropping the recent rest removes the right-censoring bias towards short durations."""
    known = np.isfinite(start) & np.isfinite(end)
    if not known.any():
        return known
    span = horizon - np.nanmin(start)
    window = min(float(np.max(end[known] - start[known])), span / 4.0)
    return known & (start <= horizon - window)


def need_records(count: int, what: str) -> None:
    """Refuse a history too thin to estimate from."""
    if count < MIN_RECORDS:
        raise ValueError(f"calibration needs at least {MIN_RECORDS} {what} in the history "
                         f"(completed early enough to be uncensored); found {count}")


def working_hours(t0: np.ndarray, t1: np.ndarray, epoch: pd.Timestamp, mask: np.ndarray,
           what: str) -> np.ndarray:
    """Working hours from ``t0`` to ``t1`` on ``mask`` rows, at least one second."""
    need_records(int(mask.sum()), what)
    return np.maximum(working_hours_between(t0[mask], t1[mask], epoch), SECOND_HOURS)


def most_common(values: np.ndarray) -> float:
    """Most common value (the smallest among ties)."""
    uniq, count = np.unique(np.round(np.asarray(values, dtype=float), 6), return_counts=True)
    return float(uniq[np.argmax(count)])


def fit_lognormal(hours: np.ndarray) -> Dist:
    """Lognormal MLE: mean and standard deviation of the logs; ``Dist`` takes the mean."""
    logs = np.log(hours)
    mu, sigma = float(logs.mean()), float(logs.std())
    return Dist(kind="lognormal", mean=float(np.exp(mu + 0.5 * sigma**2)), sigma=sigma)


def gamma_moments(x: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    """(mean, shape) of a gamma matched to the (weighted) mean and variance of ``x``."""
    mean = float(np.average(x, weights=w))
    var = float(np.average((x - mean) ** 2, weights=w))
    return mean, mean**2 / var if var > 0 else 1e6


def fit_gamma_moments(x: np.ndarray) -> Dist:
    mean, shape = gamma_moments(x)
    return Dist(kind="gamma", mean=mean, shape=shape)


def fit_gamma_mle(x: np.ndarray) -> Dist:
    shape, _, scale = stats.gamma.fit(x, floc=0)
    return Dist(kind="gamma", mean=float(shape * scale), shape=float(shape))


def minimize_nll(nll: Callable[[np.ndarray], float], start: list[float]) -> np.ndarray:
    """Minimise a smooth negative log-likelihood over an unconstrained parametrisation:
    L-BFGS-B (numerical gradient), polished by Nelder-Mead if it stops short."""
    res = optimize.minimize(nll, np.asarray(start, dtype=float), method="L-BFGS-B")
    if not res.success:
        res = optimize.minimize(nll, res.x, method="Nelder-Mead",
                                options={"xatol": 1e-6, "fatol": 1e-7, "maxiter": 5000})
    return res.x
