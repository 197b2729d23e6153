"""Calibration of the order stages: replenishment (deconvolved from picking), the carrier's
cut-off and complaint rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from data.calendar import working_hours_between
from simulation.calibration.fitting import GRID, gamma_moments, minimize_nll, most_common
from simulation.params import Dist


# --------------------------------------------------------------------------- order stages
def fit_replenishment(approved: np.ndarray, picked: np.ndarray, pick: Dist,
                       epoch: pd.Timestamp) -> Dist:
    """Gamma replenishment (calendar days) deconvolved from approved -> picked of backorders.

    ``picked = add_working_hours(approved + R, H)`` with the pick time ``H`` known from normal
    orders; the likelihood of each order is ``∫ f_R(r) f_H(W(picked) - W(approved + r)) dr``
    over ``0 <= r <= picked - approved`` (``W`` = working hours), on a fixed grid.
    """
    if len(approved) < 2:
        return Dist(kind="gamma", mean=0.0, shape=1.0)
    span = np.maximum(picked - approved, 1e-6)
    frac = (np.arange(GRID) + 0.5) / GRID
    r = span[:, None] * frac[None, :]
    h = working_hours_between(approved[:, None] + r, picked[:, None], epoch)
    kernel = stats.gamma.pdf(np.maximum(h, 1e-3), pick.shape, scale=pick.mean / pick.shape)
    kernel = kernel * (span / GRID)[:, None]

    log_r = np.log(r)

    def nll(theta: np.ndarray) -> float:
        mean, shape = np.exp(theta)
        rate = shape / mean
        log_pdf = (shape - 1) * log_r - rate * r + shape * np.log(rate) - special.gammaln(shape)
        like = (np.exp(log_pdf) * kernel).sum(axis=1)
        return -float(np.log(np.maximum(like, 1e-300)).sum())

    m0, k0 = gamma_moments(np.maximum(span - pick.mean / 24.0, 1e-3))
    mean, shape = np.exp(minimize_nll(nll, [np.log(m0), np.log(k0)]))
    return Dist(kind="gamma", mean=float(mean), shape=float(shape))


def fit_carrier_cutoff(picked: np.ndarray, shipped: np.ndarray) -> float:
    """Most common shipping time of day (hours, to the minute) among orders picked earlier the
    same day: they waited for the carrier's cut-off."""
    ok = np.isfinite(picked) & np.isfinite(shipped)
    same = ok & (np.floor(picked) == np.floor(shipped)) & (shipped > picked + 1e-9)
    pool = shipped[same] if same.any() else shipped[ok]
    return most_common(np.round((pool - np.floor(pool)) * 1440.0) / 60.0)


def fit_complaints(orders: pd.DataFrame, delivered: np.ndarray,
                promised: np.ndarray) -> dict[str, float]:
    """Complaint shares among delivered orders: ``late`` among late ones, ``error`` among on-time
    ones, ``no_visibility`` among on-time ones without an error complaint, and the same two
    among late orders (an order draws one complaint at most: a late order's customer who
    complains does so about the lateness, so its other reasons have their own shares)."""
    done = np.isfinite(delivered)
    reason = orders["complaint_reason"].fillna("").astype(str).to_numpy()[done]
    late = np.floor(delivered[done]) > promised[done]
    on_time = ~late
    quiet = on_time & (reason != "error")

    def share(mask: np.ndarray, what: str) -> float:
        return float((reason[mask] == what).mean()) if mask.any() else 0.0

    late_other = late & (reason != "late")
    late_quiet = late_other & (reason != "error")
    return {"complaint_if_late": share(late, "late"), "complaint_error": share(on_time, "error"),
            "complaint_no_visibility": share(quiet, "no_visibility"),
            "complaint_error_if_late": share(late_other, "error"),
            "complaint_no_visibility_if_late": share(late_quiet, "no_visibility")}
