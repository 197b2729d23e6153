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
from scipy.special import expit

from data.problems import InputError, Problem
from models.territory.calls import adbudg_sales

#: the range of the shape c a segment's fit may take
C_BOUNDS = (0.05, 10.0)
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


@dataclass(frozen=True)
class SegmentResponse:
    """A segment's response estimated from account-months: the curve in share of the
    account's potential per month (at the year's average season), the calendar months'
    factors (mean 1), cluster-robust standard errors (accounts are the clusters), and the
    observations used."""

    curve: ResponseCurve
    month_factors: np.ndarray
    month_factor_se: np.ndarray
    accounts: int
    observations: int
    rmse: float
    #: cluster-robust covariance of (sales_min, sales_max − sales_min, c, ln d), for drawing
    #: curves the data allow (None when not estimated)
    covariance: np.ndarray | None = None

    def draw_curves(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` curves (rows sales_min, sales_max, c, d) drawn from the estimate's normal
        approximation, kept within the fit's bounds (parameter uncertainty of the curve)."""
        c = self.curve
        mean = np.array([c.sales_min, c.sales_max - c.sales_min, c.c, np.log(c.d)])
        cov = self.covariance if self.covariance is not None else np.zeros((4, 4))
        theta = rng.multivariate_normal(mean, cov, size=n, method="eigh")
        lo, span = np.maximum(theta[:, 0], 0.0), np.maximum(theta[:, 1], 0.0)
        shape = np.clip(theta[:, 2], *C_BOUNDS)
        return np.column_stack([lo, lo + span, shape, np.exp(theta[:, 3])])


def _unpack(theta: np.ndarray) -> tuple[float, float, float, float, np.ndarray]:
    lo, span, c, log_d = theta[:4]
    g = np.concatenate([[0.0], theta[4:]])
    factors = 12.0 * np.exp(g) / np.exp(g).sum()
    return lo, lo + span, c, float(np.exp(log_d)), factors


def fit_segment_response(calls: np.ndarray, share: np.ndarray, month: np.ndarray,
                         account: np.ndarray) -> SegmentResponse:
    """ADBUDG of a segment from account-months: ``share`` = the month's sales / the
    account's monthly potential, ``calls`` that month, ``month`` the calendar month (1-12),
    ``account`` a cluster label. Model: E[share] = f[month] · sales(calls), with f the
    calendar month's factor (mean 1) and accounts' own level as noise of mean 1; nonlinear
    least squares from several starts (S-shaped and concave), standard errors from the
    cluster-robust sandwich (Liang & Zeger 1986) so that an account's months do not count as
    independent."""
    from scipy.optimize import least_squares

    x, y = np.asarray(calls, dtype=float), np.asarray(share, dtype=float)
    k = np.asarray(month, dtype=np.int64) - 1
    if not (len(x) == len(y) == len(k) == len(account)) or len(x) < 30:
        raise _problem("observations", "≥ 30 account-months with calls, share and month",
                       len(x))
    if (x < 0).any() or not np.all(np.isfinite(y)) or ((k < 0) | (k > 11)).any():
        raise _problem("observations", "calls ≥ 0, finite shares, months 1-12", "other")
    present = np.unique(k)

    def model(theta: np.ndarray) -> np.ndarray:
        lo, hi, c, d, f = _unpack(theta)
        return f[k] * adbudg_sales(x, lo, hi, c, d)

    def residual(theta: np.ndarray) -> np.ndarray:
        return model(theta) - y

    logx = np.log(np.where(x > 0, x, 1.0))
    onehot = np.eye(12)[k]

    def jacobian(theta: np.ndarray) -> np.ndarray:
        lo, hi, c, d, f = _unpack(theta)
        with np.errstate(divide="ignore"):
            sig = expit(c * np.log(x) - np.log(d))
        fk, dsig = f[k], sig * (1.0 - sig) * (hi - lo)
        sales = lo + (hi - lo) * sig
        p = f / 12.0  # d f_k / d g_j = f_k (1[k = j] - p_j)
        dg = (sales * fk)[:, None] * (onehot[:, 1:] - p[None, 1:])
        return np.column_stack([fk, fk * sig, fk * dsig * np.where(x > 0, logx, 0.0),
                                -fk * dsig, dg])

    low = float(y[x == 0].mean()) if (x == 0).sum() >= 5 else float(np.quantile(y, 0.1))
    high = float(np.quantile(y, 0.9))
    med = float(np.median(x[x > 0])) if (x > 0).any() else 1.0
    g0 = np.zeros(11)
    best = None
    for c0 in (0.8, 1.5, 2.5):
        theta0 = np.concatenate([[max(low, 1e-4), max(high - low, 1e-3), c0,
                                  c0 * np.log(max(med, 0.5))], g0])
        fit = least_squares(residual, theta0, jac=jacobian, bounds=(
            np.concatenate([[0.0, 0.0, C_BOUNDS[0], -20.0], np.full(11, -3.0)]),
            np.concatenate([[np.inf, np.inf, C_BOUNDS[1], 40.0], np.full(11, 3.0)])),
            x_scale="jac", max_nfev=400)
        if best is None or fit.cost < best.cost:
            best = fit
    assert best is not None
    theta, jac, r = best.x, best.jac, best.fun
    free = np.r_[np.arange(4), 4 + np.flatnonzero(np.isin(np.arange(1, 12), present))]
    jac = jac[:, free]
    bread = np.linalg.pinv(jac.T @ jac)
    labels, inverse = np.unique(np.asarray(account), return_inverse=True)
    scores = np.zeros((len(labels), len(free)))
    np.add.at(scores, inverse, jac * r[:, None])
    g = len(labels)
    cov = bread @ (scores.T @ scores) @ bread * (g / max(g - 1, 1))
    lo, hi, c, d, factors = _unpack(theta)
    var_lo, var_span, cov_ls = cov[0, 0], cov[1, 1], cov[0, 1]
    se = {"sales_min": float(np.sqrt(max(var_lo, 0.0))),
          "sales_max": float(np.sqrt(max(var_lo + var_span + 2 * cov_ls, 0.0))),
          "c": float(np.sqrt(max(cov[2, 2], 0.0))),
          "d": float(d * np.sqrt(max(cov[3, 3], 0.0)))}
    # f = 12 softmax(g), g_1 = 0: by the delta method over the free g's
    p = factors / 12.0
    grad = 12.0 * (np.diag(p) - np.outer(p, p))[:, 1:][:, free[4:] - 4]
    f_se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", grad, cov[4:, 4:], grad), 0.0, None))
    return SegmentResponse(ResponseCurve(float(lo), float(hi), float(c), d, se), factors, f_se,
                           g, len(x), float(np.sqrt(np.mean(r**2))), cov[:4, :4].copy())
