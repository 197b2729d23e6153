"""Customer credit score from payment history, operating condition and market reputation.

DOMAIN.md, "Credit and collection": premium ≥ 80, ordinary 60-79, risk ≤ 59 points. The
model is a logistic-regression scorecard (scikit-learn ``Pipeline``): features are taken at a
date *T* from events on or before *T* only, the label is the customer's payment behaviour in
the 365 days after *T*. The scale is absolute: ``score = 100 × (1 − P(bad))``, the model's
calibrated probability of staying good over the next 365 days, in points. A score therefore
means the same thing whatever the population: premium (≥ 80) is P(bad) ≤ 20%, risk (< 60,
i.e. ≤ 59 rounded down) is P(bad) > 40%. See ``docs/credit.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from data.dataset import Dataset
from data.dataset_memo import per_dataset
from data.problems import InputError, Problem
from data.tables import CUSTOMER_TYPES

#: days of invoices the payment-history flows look back over from the feature date
LOOKBACK_DAYS = 365
#: L2 strength (scikit-learn's C) on standardised features: shrinks the ~17 coefficients when a
#: small profile trains on ~150 customers; chosen over 10 small data sets (docs/credit.md)
INVERSE_REGULARISATION = 0.1
#: days between the feature date and the end of the outcome window
OUTCOME_DAYS = 365
#: an invoice counts as late in the history features when not settled this many days after due
LATE_GRACE_DAYS = 15
#: a customer is bad when its settled invoices are on average later than its kind's norm by more
#: than this (days): abnormal delinquency for the kind, not the channel's normal lateness
BAD_MEAN_DAYS_LATE = 30.0
#: a kind's norm is the median mean lateness of its customers in the window once at least this
#: many of them show one (fewer peers make no norm: it is 0 days)
MIN_PEERS = 20
#: ... or when the CNY written off in the outcome year is at least this share of the CNY it was
#: invoiced in that year: DOMAIN.md's bad-debt target (1%; today's portfolio runs at 2%), so a
#: bad customer is one whose own bad-debt rate exceeds what the company means to tolerate
BAD_WRITTEN_OFF_SHARE = 0.01
#: points of the absolute scale: score = SCORE_POINTS × (1 − P(bad within OUTCOME_DAYS))
SCORE_POINTS = 100.0
TIERS = ("premium", "ordinary", "risk")
#: a payment short of the invoice amount by less than this (CNY) still settles it
_CENTS = 0.01

OPERATING = ("operating_years", "revenue_growth_pct", "debt_ratio")
HISTORY = (
    "invoice_count",
    "late_15d_share",
    "mean_days_late",
    "written_off_share",
    "overdue_share",
)
TYPE_COLUMNS = tuple(f"type_{t}" for t in CUSTOMER_TYPES)
FEATURES = (
    *OPERATING,
    "reputation_score",
    "relationship_years",
    *HISTORY,
    "has_history",
    *TYPE_COLUMNS,
)
#: expected sign of each feature's effect on the log-odds of *good*; a fitted coefficient
#: against it is dropped (feature removed, model refitted), so the score is monotone in it
MONOTONE = {
    "operating_years": +1,
    "revenue_growth_pct": +1,
    "debt_ratio": -1,
    "reputation_score": +1,
    "late_15d_share": -1,
    "mean_days_late": -1,
    "written_off_share": -1,
    "overdue_share": -1,
}
_LOG_SCALED = ("operating_years", "relationship_years", "invoice_count")  # right-skewed counts


# --------------------------------------------------------------------------- checks
def _day(value: object, name: str, where: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(value).normalize()
    except (TypeError, ValueError) as exc:
        raise InputError(Problem(where, name, "a date (YYYY-MM-DD)", repr(value))) from exc


def _check_as_of(dataset: Dataset, as_of: object, where: str) -> pd.Timestamp:
    day = dataset.as_of if as_of is None else _day(as_of, "as_of", where)
    if day > dataset.as_of:
        raise InputError(
            Problem(
                where,
                "as_of",
                f"a date on or before the data set's as_of "
                f"{dataset.as_of:%Y-%m-%d} (later events are unknown)",
                f"{day:%Y-%m-%d}",
            )
        )
    return day


def _check_thresholds(premium_min: float, risk_max: float, where: str) -> None:
    if not 0.0 <= risk_max < premium_min <= 100.0:
        raise InputError(
            Problem(
                where,
                "premium_min, risk_max",
                "0 <= risk_max < premium_min <= 100 (points)",
                f"premium_min={premium_min}, risk_max={risk_max}",
            )
        )


# --------------------------------------------------------------------------- features
def _ledger_upto(dataset: Dataset, end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invoices dated on or before ``end`` and their payments dated on or before ``end``."""
    inv = dataset["invoices"]
    columns = [
        "invoice_id",
        "customer_id",
        "amount_cny",
        "invoice_date",
        "due_date",
        "write_off_date",
        "write_off_cny",
    ]
    inv = inv.loc[inv["invoice_date"] <= end, columns]
    pay = dataset["payments"]
    pay = pay.loc[pay["paid_date"] <= end, ["invoice_id", "paid_date", "amount_cny"]]
    pay = pay.merge(inv[["invoice_id", "due_date"]], on="invoice_id", how="inner")
    return inv.reset_index(drop=True), pay


def _settlement(inv: pd.DataFrame, pay: pd.DataFrame) -> pd.DataFrame:
    """Per invoice: amount paid, last payment date, fully paid flag and days late (≥ 0)."""
    by = pay.groupby("invoice_id").agg(
        paid_cny=("amount_cny", "sum"), last_paid=("paid_date", "max")
    )
    out = inv.join(by, on="invoice_id")
    out["paid_cny"] = out["paid_cny"].fillna(0.0)
    out["fully_paid"] = out["paid_cny"] >= out["amount_cny"] - _CENTS
    late = (out["last_paid"] - out["due_date"]).dt.days.clip(lower=0)
    out["days_late"] = late.where(out["fully_paid"])
    return out


def _weighted_mean(values: pd.Series, weights: pd.Series, keys: pd.Series) -> pd.Series:
    ok = values.notna()
    num = (values[ok] * weights[ok]).groupby(keys[ok]).sum()
    den = weights[ok].groupby(keys[ok]).sum()
    return num / den


def _payment_history(dataset: Dataset, as_of: pd.Timestamp) -> pd.DataFrame:
    full, pay = _ledger_upto(dataset, as_of)
    full = _settlement(full, pay)
    # flows use a fixed look-back window so that a customer with two years of history looks
    # like one with one (training features see at most one year); open receivables are a stock
    since = as_of - pd.Timedelta(days=LOOKBACK_DAYS)
    inv = full[full["invoice_date"] > since]
    cust = inv["customer_id"]
    out = pd.DataFrame(index=pd.Index(full["customer_id"].unique(), name="customer_id"))
    out["invoice_count"] = cust.value_counts()
    # late > 15 days: judged only for invoices whose due date + 15 days has passed by as_of
    # and not written off by then (write-offs have their own feature)
    judged = (inv["due_date"] + pd.Timedelta(days=LATE_GRACE_DAYS) <= as_of) & ~(
        inv["write_off_date"] <= as_of
    )
    on_time = pay[pay["paid_date"] <= pay["due_date"] + pd.Timedelta(days=LATE_GRACE_DAYS)]
    paid_in_grace = on_time.groupby("invoice_id")["amount_cny"].sum()
    settled = inv["invoice_id"].map(paid_in_grace).fillna(0.0) >= inv["amount_cny"] - _CENTS
    out["late_15d_share"] = (~settled[judged]).groupby(cust[judged]).mean()
    out["mean_days_late"] = _weighted_mean(inv["days_late"], inv["amount_cny"], cust)
    # write-offs dated in the window / credit sales in the window (the bad-debt KPI's shape)
    dated = (full["write_off_date"] > since) & (full["write_off_date"] <= as_of)
    written = full["write_off_cny"].where(dated, 0.0).groupby(full["customer_id"]).sum()
    sales = inv["amount_cny"].groupby(cust).sum().reindex(written.index, fill_value=0.0)
    share = (written / sales.where(sales > 0)).where(written > 0, 0.0)
    out["written_off_share"] = share.fillna(1.0).clip(upper=1.0)
    out["overdue_share"] = _overdue_share(full, as_of)
    return out


def _overdue_share(inv: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Per customer: open CNY past its due date / open CNY at the end of ``as_of``."""
    written = inv["write_off_date"] <= as_of
    open_cny = (inv["amount_cny"] - inv["paid_cny"]).where(~written, 0.0).clip(lower=0.0)
    overdue_cny = open_cny.where(inv["due_date"] < as_of, 0.0)
    cust = inv["customer_id"]
    open_sum = open_cny.groupby(cust).sum()
    return (overdue_cny.groupby(cust).sum() / open_sum).where(open_sum > 0, 0.0)


def customer_features(dataset: Dataset, as_of: object = None) -> pd.DataFrame:
    """Scorecard features of every customer at the end of day ``as_of`` (default
    ``dataset.as_of``), indexed by ``customer_id``; columns :data:`FEATURES`.

    Operating condition and reputation are the customer table's values; ``relationship_years``
    (years, ≥ 0) counts from ``relationship_start``. Payment history uses only invoices,
    payments and write-offs dated on or before ``as_of``; flows look back ``LOOKBACK_DAYS``
    (365) days, over the invoices issued in ``as_of − 364 .. as_of``:

    - ``invoice_count``: invoices issued;
    - ``late_15d_share``: of the invoices whose due date + 15 days has passed by ``as_of`` and
      that are not written off, the share not fully paid within 15 days after the due date
      (paid late or still unpaid);
    - ``mean_days_late`` (days): amount-weighted mean of ``max(0, last payment − due date)``
      over the fully paid invoices;
    - ``written_off_share``: CNY written off with a write-off date in the window / CNY invoiced
      in the window (1 if written off with no sales in the window);
    - ``overdue_share``: open CNY past its due date / open CNY at the end of ``as_of``, over all
      invoices (0 when nothing is open).

    A customer without any invoice up to ``as_of`` gets 0 for every history feature and
    ``has_history = 0``; a rate without a denominator (e.g. nothing paid yet) is 0.
    ``type_<customer_type>`` are one-hot 0/1 columns over :data:`data.tables.CUSTOMER_TYPES`.
    """
    day = _check_as_of(dataset, as_of, "customer_features")
    cust = dataset["customers"].set_index("customer_id")
    out = pd.DataFrame(index=pd.Index(cust.index.astype(object), name="customer_id"))
    for col in (*OPERATING, "reputation_score"):
        out[col] = cust[col].astype(float).to_numpy()
    years = (day - cust["relationship_start"]).dt.days.to_numpy() / 365.25
    out["relationship_years"] = np.clip(years, 0.0, None)
    history = _payment_history(dataset, day)
    out["has_history"] = out.index.isin(history.index).astype(float)
    history = history.reindex(out.index)
    for col in HISTORY:
        out[col] = history[col].fillna(0.0).astype(float)
    ctype = cust["customer_type"].to_numpy()
    for t, col in zip(CUSTOMER_TYPES, TYPE_COLUMNS, strict=True):
        out[col] = (ctype == t).astype(float)
    return out[list(FEATURES)]


# --------------------------------------------------------------------------- label
def _outcomes(dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Per customer: ``bad`` (0/1), ``observed`` (an invoice settled or written off in the
    window), ``mean_days_late`` of the invoices settled in the window, ``norm_days_late`` (its
    kind's median of that, see :func:`label_bad`) and
    ``written_off_share`` (CNY written off in the window / CNY invoiced in the window; inf when
    something was written off but nothing invoiced, NaN when neither)."""
    inv, pay = _ledger_upto(dataset, end)
    inv = _settlement(inv, pay)
    cust = inv["customer_id"]
    settled = inv["fully_paid"] & (inv["last_paid"] >= start)
    written = (
        (inv["write_off_date"] >= start)
        & (inv["write_off_date"] <= end)
        & (inv["write_off_cny"] > 0)
    )
    late = _weighted_mean(inv["days_late"].where(settled), inv["amount_cny"], cust)
    ids = pd.Index(dataset["customers"]["customer_id"].astype(object), name="customer_id")
    written_cny = inv["write_off_cny"].where(written, 0.0).groupby(cust).sum()
    invoiced_cny = inv["amount_cny"].where(inv["invoice_date"] >= start, 0.0).groupby(cust).sum()
    written_cny = written_cny.reindex(ids, fill_value=0.0)
    invoiced_cny = invoiced_cny.reindex(ids, fill_value=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = written_cny / invoiced_cny  # x / 0 = inf, 0 / 0 = NaN
    out = pd.DataFrame(index=ids)
    out["mean_days_late"] = late.reindex(ids)
    out["written_off"] = written_cny > 0
    out["written_off_share"] = share
    out["observed"] = out["written_off"] | out["mean_days_late"].notna()
    kind = dataset["customers"].set_index("customer_id")["customer_type"].reindex(ids)
    out["norm_days_late"] = out["mean_days_late"].groupby(kind.to_numpy()).transform(
        lambda late: late.median() if late.notna().sum() >= MIN_PEERS else 0.0)
    out["bad"] = ((share >= BAD_WRITTEN_OFF_SHARE)
                  | (out["mean_days_late"] > out["norm_days_late"] + BAD_MEAN_DAYS_LATE)
                  ).astype(int)
    return out


def label_bad(dataset: Dataset, start: object, end: object) -> pd.Series:
    """1 if the customer, within ``start .. end`` (days, inclusive), had write-offs of at least
    1% (``BAD_WRITTEN_OFF_SHARE``) of the CNY it was invoiced in the window, or paid its
    invoices on average more than 30 days later than is normal for its kind, else 0; indexed by
    ``customer_id``. The kind's norm is the median of its customers' mean lateness in the
    window (``MIN_PEERS`` or more of them; else 0): a distributor waiting on hospitals that pay
    in 120-180 days is routinely 20-30 days late, which is the channel, not a credit risk.

    The write-off share is CNY with a write-off date in the window / CNY of the invoices dated
    in the window (the ``bad_debt_rate`` KPI's shape, per customer); a write-off with nothing
    invoiced in the window is bad. "On average" is the amount-weighted mean of
    ``max(0, last payment − due date)`` over the invoices whose final payment falls in the
    window. A customer with neither a settled invoice nor a write-off in the window is 0 (no
    evidence); :func:`fit_credit_scorer` leaves such customers out of training. Invoices still
    open at ``end`` are not judged (censored).
    """
    lo, hi = _day(start, "start", "label_bad"), _day(end, "end", "label_bad")
    if lo > hi:
        raise InputError(
            Problem(
                "label_bad", "start, end", "start <= end", f"start={lo:%Y-%m-%d}, end={hi:%Y-%m-%d}"
            )
        )
    _check_as_of(dataset, hi, "label_bad")
    return _outcomes(dataset, lo, hi)["bad"].rename("bad")


# --------------------------------------------------------------------------- model
def _pipeline(columns: Sequence[str], seed: int) -> Pipeline:
    logged = [c for c in columns if c in _LOG_SCALED]
    scaled = [c for c in columns if c not in _LOG_SCALED and c in MONOTONE]
    passed = [c for c in columns if c not in logged and c not in scaled]
    log_scale = Pipeline(
        [
            ("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
            ("scale", StandardScaler()),
        ]
    )
    prep = ColumnTransformer(
        [
            ("log", log_scale, logged),
            ("scale", StandardScaler(), scaled),
            ("pass", "passthrough", passed),
        ],
        verbose_feature_names_out=False,
    )
    # plain class weights, never 'balanced': the score *is* the predicted probability, so it
    # must stay calibrated (reweighting would shift the intercept and every score with it)
    model = LogisticRegression(C=INVERSE_REGULARISATION, max_iter=2000, random_state=seed)
    return Pipeline([("prep", prep), ("logit", model)])


def _fit_monotone(
    x: pd.DataFrame, y: np.ndarray, seed: int
) -> tuple[Pipeline, tuple[str, ...], tuple[str, ...]]:
    """Fit; while a coefficient has the wrong sign (``MONOTONE``), drop the worst and refit."""
    columns = list(x.columns)
    dropped: list[str] = []
    while True:
        pipe = _pipeline(columns, seed).fit(x[columns], y)
        names = pipe.named_steps["prep"].get_feature_names_out()
        # the model predicts "bad": its coefficients are minus the effect on ln(odds good)
        good = dict(zip(names, -pipe.named_steps["logit"].coef_[0], strict=True))
        wrong = {
            c: abs(good[c]) for c, sign in MONOTONE.items() if c in good and good[c] * sign < 0
        }
        if not wrong:
            return pipe, tuple(columns), tuple(dropped)
        worst = max(wrong, key=wrong.__getitem__)
        columns.remove(worst)
        dropped.append(worst)


@dataclass(frozen=True)
class CreditScorer:
    """A fitted scorecard: ``score = 100 × (1 − probability_bad)`` points, where
    ``probability_bad`` is the logistic model's P(bad within the next ``OUTCOME_DAYS`` days).

    There is no anchoring to the training population: the score is an absolute, calibrated
    probability of staying good. ``feature_as_of`` is the training feature date, the labels
    cover the following ``OUTCOME_DAYS`` days; ``train_bad_rate`` is their base rate.
    """

    pipeline: Pipeline
    feature_names: tuple[str, ...]
    dropped_features: tuple[str, ...]
    feature_as_of: pd.Timestamp
    outcome_end: pd.Timestamp
    train_customers: int
    train_bad_rate: float

    def log_odds_good(self, features: pd.DataFrame) -> pd.Series:
        """ln(P(good) / P(bad)) per row of ``features`` (columns as :func:`customer_features`)."""
        missing = [c for c in self.feature_names if c not in features.columns]
        if missing:
            raise InputError(
                Problem(
                    "CreditScorer",
                    "features",
                    "the columns of customer_features()",
                    "missing " + ", ".join(missing),
                )
            )
        logit = -self.pipeline.decision_function(features[list(self.feature_names)])
        return pd.Series(logit, index=features.index, name="log_odds_good")

    def probability_bad(self, features: pd.DataFrame) -> pd.Series:
        """Predicted probability of being bad over the next 365 days."""
        return expit(-self.log_odds_good(features)).rename("probability_bad")

    def score(self, features: pd.DataFrame) -> pd.Series:
        """Credit score ``100 × (1 − P(bad))``, points 0..100 (float), per row of ``features``."""
        return (SCORE_POINTS * (1.0 - self.probability_bad(features))).rename("score")

    def tiers(
        self, scores: pd.Series, premium_min: float = 80.0, risk_max: float = 59.0
    ) -> pd.Series:
        """Tier per score; see :func:`credit_tiers`."""
        return credit_tiers(scores, premium_min=premium_min, risk_max=risk_max)


def credit_tiers(
    scores: pd.Series, *, premium_min: float = 80.0, risk_max: float = 59.0
) -> pd.Series:
    """ "premium" / "ordinary" / "risk" from the score rounded *down* to whole points.

    With the defaults: ``floor(score) ≥ 80`` premium, ``floor(score) ≤ 59`` risk, else
    ordinary; so 79.99 is ordinary, 80 premium, 59.5 risk, 60 ordinary (DOMAIN.md's integer
    bands 60-79 and ≤ 59 leave no gap).
    """
    _check_thresholds(premium_min, risk_max, "credit_tiers")
    points = np.floor(scores.to_numpy(dtype=float))
    tier = np.where(
        points >= premium_min, "premium", np.where(points <= risk_max, "risk", "ordinary")
    )
    return pd.Series(tier, index=scores.index, name="tier")


def training_data(
    dataset: Dataset, *, as_of: object = None, customers: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Features at ``as_of − 365`` days and :func:`label_bad` over ``as_of − 364 .. as_of`` of
    the customers with an observed outcome (optionally only ``customers``)."""
    day = _check_as_of(dataset, as_of, "training_data")
    feature_day = day - pd.Timedelta(days=OUTCOME_DAYS)
    first = dataset["invoices"]["invoice_date"].min()
    if pd.isna(first) or feature_day < first:
        expected = (
            f"a date at least {OUTCOME_DAYS} days after the first invoice "
            f"({first:%Y-%m-%d}) so that features precede the outcome year"
            if pd.notna(first)
            else "a data set with invoices"
        )
        raise InputError(Problem("training_data", "as_of", expected, f"{day:%Y-%m-%d}"))
    x = customer_features(dataset, feature_day)
    out = _outcomes(dataset, feature_day + pd.Timedelta(days=1), day)
    keep = out["observed"].to_numpy(dtype=bool, copy=True)
    if customers is not None:
        keep &= out.index.isin(pd.Index(customers))
    ids = out.index[keep]
    return x.loc[ids], out.loc[ids, "bad"]


def fit_credit_scorer(
    dataset: Dataset, *, as_of: object = None, seed: int, customers: Sequence[str] | None = None
) -> CreditScorer:
    """Fit the scorecard: features at ``as_of − 365`` days, labels (:func:`label_bad`) over
    ``as_of − 364 .. as_of``, on the customers with an observed outcome (optionally only
    ``customers``). ``as_of`` defaults to ``dataset.as_of``; ``seed`` seeds the estimator."""
    day = _check_as_of(dataset, as_of, "fit_credit_scorer")
    x, y = training_data(dataset, as_of=day, customers=customers)
    feature_day = day - pd.Timedelta(days=OUTCOME_DAYS)
    if y.nunique() < 2:
        raise InputError(
            Problem(
                "fit_credit_scorer",
                "labels",
                "both good and bad customers in the outcome window",
                f"{len(y)} customers, all {'bad' if y.any() else 'good'}",
            )
        )
    pipe, used, dropped = _fit_monotone(x, y.to_numpy(), seed)
    return CreditScorer(pipe, used, dropped, feature_day, day, len(y), float(y.mean()))


# --------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class CreditScores:
    """Scores at ``as_of`` and the out-of-time holdout check of the same procedure.

    ``scores``: per ``customer_id``, ``score`` (points 0..100), ``tier`` and ``probability_bad``
    (next 365 days). ``holdout_tiers``: per tier, ``customers``, ``share``, realised
    ``bad_rate`` and mean predicted ``predicted_bad_rate`` of the holdout (features at
    ``as_of − 365``, outcomes to ``as_of``); ``holdout_reliability``: the same per decile of
    predicted P(bad) (see :func:`evaluate_holdout`). AUC and Brier are NaN when the holdout
    holds a single class.
    """

    scores: pd.DataFrame
    scorer: CreditScorer
    as_of: pd.Timestamp
    holdout_customers: int
    holdout_bad_rate: float
    holdout_auc: float
    holdout_brier: float
    holdout_tiers: pd.DataFrame
    holdout_reliability: pd.DataFrame


def _split(ids: pd.Index, holdout_share: float, seed: int) -> tuple[pd.Index, pd.Index]:
    """Seeded permutation of the sorted ids: the first ``holdout_share`` is the holdout."""
    ordered = pd.Index(sorted(ids))
    perm = np.random.default_rng(np.random.SeedSequence(seed)).permutation(len(ordered))
    n_hold = round(holdout_share * len(ordered))
    return ordered[perm[n_hold:]], ordered[perm[:n_hold]]


def reliability_table(
    probability_bad: pd.Series, bad: pd.Series, groups: pd.Series | None = None
) -> pd.DataFrame:
    """Calibration check: per group, ``customers``, mean predicted P(bad)
    (``predicted_bad_rate``) and realised ``bad_rate``. ``groups`` defaults to the deciles of
    ``probability_bad`` (equal counts, ties broken by order; decile 1 = lowest predicted)."""
    if groups is None:
        rank = probability_bad.rank(method="first").to_numpy()
        decile = np.ceil(rank * 10 / max(len(rank), 1)).astype(int)
        groups = pd.Series(decile, index=probability_bad.index, name="decile")
    frame = pd.DataFrame(
        {
            "group": groups.reindex(probability_bad.index).to_numpy(),
            "p": probability_bad.to_numpy(),
            "y": bad.reindex(probability_bad.index).to_numpy(dtype=float),
        }
    )
    out = frame.groupby("group").agg(
        customers=("y", "size"), predicted_bad_rate=("p", "mean"), bad_rate=("y", "mean")
    )
    out.index.name = groups.name
    return out


def evaluate_holdout(
    scorer: CreditScorer,
    dataset: Dataset,
    customers: Sequence[str],
    *,
    premium_min: float = 80.0,
    risk_max: float = 59.0,
) -> dict[str, object]:
    """AUC, Brier, and per tier and per decile of predicted P(bad) the realised bad rate next
    to the mean predicted one, of ``scorer`` on ``customers`` (features at
    ``scorer.feature_as_of``, outcomes over the following year, observed customers only)."""
    x, y = training_data(dataset, as_of=scorer.outcome_end, customers=customers)
    p_bad = scorer.probability_bad(x)
    tier = scorer.tiers(scorer.score(x), premium_min, risk_max).rename("tier")
    two = y.nunique() == 2
    table = reliability_table(p_bad, y, tier).reindex(TIERS)
    table["customers"] = table["customers"].fillna(0).astype(int)
    table["share"] = table["customers"] / max(len(y), 1)
    table.index.name = "tier"
    return {
        "customers": len(y),
        "bad_rate": float(y.mean()) if len(y) else math.nan,
        "predicted_bad_rate": float(p_bad.mean()) if len(y) else math.nan,
        "auc": float(roc_auc_score(y, p_bad)) if two else math.nan,
        "brier": float(brier_score_loss(y, p_bad)) if len(y) else math.nan,
        "tiers": table[["customers", "share", "bad_rate", "predicted_bad_rate"]],
        "reliability": reliability_table(p_bad, y),
    }


@per_dataset
def score_customers(dataset: Dataset, *, seed: int, premium_min: float = 80.0,
                    risk_max: float = 59.0, holdout_share: float = 0.5) -> CreditScores:
    """Score every customer at ``dataset.as_of``.

    Check: fit on ``1 − holdout_share`` of the customers (seeded permutation) with features at
    ``as_of − 365`` and outcomes to ``as_of``, measure on the rest. Then refit on all customers
    with an observed outcome and score everyone with features at ``as_of``.
    """
    _check_thresholds(premium_min, risk_max, "score_customers")
    if not 0.0 < holdout_share < 1.0:
        raise InputError(
            Problem("score_customers", "holdout_share", "a share in (0, 1)", repr(holdout_share))
        )
    _, y = training_data(dataset)
    train, hold = _split(y.index, holdout_share, seed)
    check = fit_credit_scorer(dataset, seed=seed, customers=list(train))
    metrics = evaluate_holdout(
        check, dataset, list(hold), premium_min=premium_min, risk_max=risk_max
    )
    scorer = fit_credit_scorer(dataset, seed=seed)
    x = customer_features(dataset)
    score = scorer.score(x)
    scores = pd.DataFrame(
        {
            "score": score,
            "tier": scorer.tiers(score, premium_min, risk_max),
            "probability_bad": scorer.probability_bad(x),
        }
    )
    return CreditScores(
        scores,
        scorer,
        dataset.as_of,
        int(metrics["customers"]),
        float(metrics["bad_rate"]),
        float(metrics["auc"]),
        float(metrics["brier"]),
        metrics["tiers"],
        metrics["reliability"],
    )
