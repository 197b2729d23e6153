"""Academic meetings: their effect on a hospital's sales, estimated from a panel, and the
specialists' meetings allocated to the accounts where they earn most (docs/territory.md,
"Academic specialists").

**Effect.** A fixed-effects regression of log monthly sales on a meeting that month and a
meeting the month before, with the calls that month (log 1 + calls) and the calendar month:
``ln s_at = α_a + δ_t + β0 M_at + β1 M_a,t−1 + γ ln(1 + x_at) + ε``. The account effects are
swept out by demeaning (Frisch-Waugh-Lovell); standard errors are cluster-robust by account
(Cameron & Miller 2015). A meeting raises the month's sales by e^β0 − 1 and the next month's
by e^β1 − 1: in months of the account's sales, its effect is their sum.

**Allocation.** At most one meeting an account a month (the history never holds more: no
effect beyond one can be read from it), each region's specialists' meetings a month as its
capacity. A meeting at account a is worth v_a = margin · effect · sales_a − cost; every
meeting takes one unit of its region's capacity, so the best plan takes each region's
highest positive values up to its capacity (the exchange argument: swapping a chosen
meeting for one left out never gains), and the bound equals the objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class MeetingEffect:
    """A meeting's effect on sales: ``same_month`` and ``next_month`` (shares of that month's
    sales), their log coefficients' cluster-robust covariance, and what it rests on."""

    same_month: float
    next_month: float
    covariance: np.ndarray
    accounts: int
    observations: int
    meetings: int

    @property
    def months_of_sales(self) -> float:
        """A meeting's effect in months of the account's sales."""
        return self.same_month + self.next_month

    def standard_errors(self) -> tuple[float, float]:
        """Standard errors of ``same_month`` and ``next_month`` (delta method)."""
        se = np.sqrt(np.maximum(np.diag(self.covariance), 0.0))
        return (float((1 + self.same_month) * se[0]), float((1 + self.next_month) * se[1]))

    @property
    def months_of_sales_se(self) -> float:
        """Standard error of :attr:`months_of_sales` (delta method)."""
        grad = np.array([1 + self.same_month, 1 + self.next_month])
        return float(np.sqrt(max(grad @ self.covariance @ grad, 0.0)))

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` effects in months of sales, drawn from the estimate's normal approximation."""
        b = np.log1p([self.same_month, self.next_month])
        theta = rng.multivariate_normal(b, self.covariance, size=n, method="eigh")
        return np.expm1(theta).sum(axis=1)


def estimate_meeting_effect(account: np.ndarray, period: np.ndarray, sales: np.ndarray,
                            calls: np.ndarray, held: np.ndarray, held_before: np.ndarray
                            ) -> MeetingEffect:
    """The fixed-effects estimate (module docstring) from one row per account-month with
    sales > 0: ``account`` and ``period`` labels, ``sales`` (CNY), ``calls``, ``held`` (a
    meeting that month, 0/1) and ``held_before`` (one the month before)."""
    keep = np.asarray(sales, dtype=float) > 0
    frame = pd.DataFrame({"account": np.asarray(account)[keep],
                          "period": np.asarray(period)[keep]})
    y = np.log(np.asarray(sales, dtype=float)[keep])
    months = pd.get_dummies(frame["period"], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([np.asarray(held, dtype=float)[keep],
                         np.asarray(held_before, dtype=float)[keep],
                         np.log1p(np.asarray(calls, dtype=float)[keep]), months])
    groups = frame["account"].to_numpy()
    codes, _ = pd.factorize(groups)

    def within(a: np.ndarray) -> np.ndarray:
        sums = np.zeros((codes.max() + 1, *a.shape[1:]))
        np.add.at(sums, codes, a)
        counts = np.bincount(codes).reshape(-1, *([1] * (a.ndim - 1)))
        return a - (sums / counts)[codes]

    yd, xd = within(y), within(x)
    beta, *_ = np.linalg.lstsq(xd, yd, rcond=None)
    resid = yd - xd @ beta
    bread = np.linalg.pinv(xd.T @ xd)
    scores = np.zeros((codes.max() + 1, xd.shape[1]))
    np.add.at(scores, codes, xd * resid[:, None])
    g, n, k = len(scores), len(yd), xd.shape[1] + codes.max() + 1
    # the small-sample factor of Stata's cluster option: G/(G−1) · (N−1)/(N−K)
    factor = g / max(g - 1, 1) * (n - 1) / max(n - k, 1)
    cov = factor * bread @ (scores.T @ scores) @ bread
    return MeetingEffect(float(np.expm1(beta[0])), float(np.expm1(beta[1])), cov[:2, :2],
                         accounts=g, observations=n,
                         meetings=int(np.asarray(held, dtype=float)[keep].sum()))


@dataclass(frozen=True)
class MeetingPlan:
    """Meetings a month per account (0 or 1, in the candidates' order), the plan's value
    (CNY a month), its bound, gap and status."""

    meetings: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str


def allocate_meetings(value: np.ndarray, region: np.ndarray,
                      capacity: dict[str, int]) -> MeetingPlan:
    """At most one meeting a month per account, at most ``capacity[region]`` a month per
    region (a region not in ``capacity``: none), maximising the sum of ``value`` (CNY a
    month per meeting); exact (module docstring)."""
    value = np.asarray(value, dtype=float)
    region = np.asarray(region)
    out = np.zeros(len(value), dtype=np.int64)
    for r in pd.unique(region):
        rows = np.flatnonzero(region == r)
        rows = rows[value[rows] > 0]
        best = rows[np.argsort(-value[rows], kind="stable")]
        out[best[:max(0, int(capacity.get(r, 0)))]] = 1
    objective = float((value * out).sum())
    return MeetingPlan(out, objective, objective, 0.0, "optimal")


__all__ = ["MeetingEffect", "MeetingPlan", "allocate_meetings", "estimate_meeting_effect"]
