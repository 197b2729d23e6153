"""Sales response to calls: the ADBUDG curve (Little 1970), calibrated by managers' judgement
as in the Syntex study (Lodish et al. 1988) or estimated from observed calls and sales.

``sales(x) = sales_min + (sales_max − sales_min) · x^c / (d + x^c)`` for x calls in a period:
``sales_min`` with no calls, ``sales_max`` at saturation; c > 1 is S-shaped (a few calls do
little), c ≤ 1 concave.

- **Judgemental calibration.** Managers state sales with no calls, with half, with 50% more
  than today's calls, and at saturation, relative to today's. The ends fix sales_min and
  sales_max; in between, ``ln(y / (1 − y)) = c ln x − ln d`` with ``y`` the share of the
  range reached, so c and d are a straight-line fit through today's point and the judged
  ones (exact when the judgements lie on one curve).
- **Estimation** from (calls, sales) observations by nonlinear least squares
  (``scipy.optimize.curve_fit``), with standard errors from the covariance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

from data.problems import InputError, Problem
from models.territory.calls import adbudg_sales

#: the Syntex study's judgement points, as ratios of today's calls
JUDGEMENT_POINTS = (0.0, 0.5, 1.5, float("inf"))


@dataclass(frozen=True)
class ResponseCurve:
    """An ADBUDG curve in sales per period (CNY) against calls per period, with standard
    errors when estimated from data (None when set by judgement)."""

    sales_min: float
    sales_max: float
    c: float
    d: float
    standard_errors: Mapping[str, float] | None = None

    def sales(self, calls: np.ndarray | float) -> np.ndarray:
        return adbudg_sales(calls, self.sales_min, self.sales_max, self.c, self.d)


def _problem(where: str, expected: str, found: object) -> InputError:
    return InputError([Problem("response curve", where, expected, repr(found))])


def fit_judgemental(calls_now: float, sales_now: float, judged: Mapping[float, float]
                    ) -> ResponseCurve:
    """The curve through managers' judgements: ``judged`` maps a ratio of today's calls
    (0, 0.5, 1.5 and ``inf`` for saturation, at least) to sales as a ratio of today's."""
    missing = [p for p in JUDGEMENT_POINTS if p not in judged]
    if missing:
        raise _problem("judgements", f"sales at {list(JUDGEMENT_POINTS)} × today's calls",
                       f"missing {missing}")
    if calls_now <= 0 or sales_now <= 0:
        raise _problem("today", "calls and sales > 0", (calls_now, sales_now))
    low, high = judged[0.0], judged[float("inf")]
    if not 0 <= low < 1 < high:
        raise _problem("judgements", "no calls < today (1.0) < saturation", (low, high))
    points = {1.0: 1.0, **{r: s for r, s in judged.items() if 0 < r < float("inf")}}
    ratios = np.array(sorted(points))
    rel = np.array([points[r] for r in ratios])
    if not np.all(np.diff(rel) > 0) or rel[0] <= low or rel[-1] >= high:
        raise _problem("judgements", "sales rising with calls, strictly between no calls and "
                       "saturation", dict(judged))
    y = (rel - low) / (high - low)
    x = ratios * calls_now
    c, intercept = np.polyfit(np.log(x), np.log(y / (1.0 - y)), 1)
    if c <= 0:
        raise _problem("judgements", "sales rising with calls", dict(judged))
    return ResponseCurve(low * sales_now, high * sales_now, float(c), float(np.exp(-intercept)))


def fit_response(calls: np.ndarray, sales: np.ndarray, *, start: ResponseCurve | None = None
                 ) -> ResponseCurve:
    """ADBUDG by nonlinear least squares on (calls, sales) observations, with standard errors
    (square roots of the covariance's diagonal)."""
    x, s = np.asarray(calls, dtype=float), np.asarray(sales, dtype=float)
    if x.shape != s.shape or len(x) < 5 or not (np.all(np.isfinite(x)) and np.all(
            np.isfinite(s))) or (x < 0).any():
        raise _problem("observations", "≥ 5 finite (calls ≥ 0, sales) pairs", len(x))
    if start is None:
        start = ResponseCurve(float(s[x == x.min()].mean()), float(s.max()) * 1.2, 1.5,
                              float(np.median(x[x > 0]) if (x > 0).any() else 1.0) ** 1.5)
    p0 = [start.sales_min, start.sales_max, start.c, start.d]
    params, cov = curve_fit(adbudg_sales, x, s, p0=p0, bounds=([0, 0, 0.05, 1e-9],
                                                          [np.inf, np.inf, 10.0, np.inf]),
                            maxfev=20000)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    names = ("sales_min", "sales_max", "c", "d")
    return ResponseCurve(*map(float, params), standard_errors=dict(zip(names, map(float, se),
                                                                       strict=True)))
