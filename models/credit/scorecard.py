"""A general points scorecard for any table with a binary outcome (Siddiqi, 2006).

Champion: optimal monotonic WOE binning per feature (``models.credit.binning``), logistic
regression on the WOE values, and points-to-double-odds (PDO) scaling onto 0-100, higher is
safer. Challenger: scikit-learn's ``HistGradientBoostingClassifier`` with calibrated
probabilities (``CalibratedClassifierCV``). Both learn from the rows they are given only.

Scaling. With ``ℓ = ln(odds good)`` from the regression, ``score = offset + factor × ℓ`` and
``pdo = factor × ln 2`` points double the odds. By default (``pdo=None``) ``factor`` and
``offset`` are chosen so that the worst and the best achievable rows score exactly 0 and 100;
with ``pdo``, ``base_score`` and ``base_odds`` given, ``score = base_score + pdo / ln 2 ×
(ℓ − ln base_odds)``, clipped to 0..100. Each feature's points are ``factor × (−β × WOE)``
shifted so that its worst bin gives 0 points; the intercept goes to ``base_points_``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from data.problems import InputError, Problem
from models.credit.binning import FeatureBinning, fit_feature_binning

#: features whose information value is below this carry no usable signal (Siddiqi: < 0.02)
MIN_IV = 0.02


def _problem(fn: str, param: str, expected: str, found: object) -> InputError:
    return InputError(Problem(fn, param, expected, repr(found)))


def split_target(
    df: pd.DataFrame, target: str, bad_value: object, fn: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """Feature frame and 0/1 bad array; refuses a missing or non-binary target."""
    if target not in df.columns:
        raise _problem(fn, "target", f"a column of df ({', '.join(map(str, df.columns))})", target)
    y = df[target]
    if y.isna().any():
        raise _problem(fn, f"df[{target!r}]", "no missing outcomes", int(y.isna().sum()))
    values = set(y.unique().tolist())
    if len(values) != 2 or bad_value not in values:
        raise _problem(
            fn,
            f"df[{target!r}]",
            f"two values, one of them bad_value={bad_value!r}",
            sorted(map(str, values)),
        )
    return df.drop(columns=[target]), (y == bad_value).to_numpy(dtype=int)


def is_categorical(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def ks_statistic(bad: np.ndarray, p_bad: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between the bads' and the goods' P(bad) distributions."""
    order = np.argsort(p_bad, kind="stable")
    y = np.asarray(bad)[order]
    cum_bad = np.cumsum(y) / max(y.sum(), 1)
    cum_good = np.cumsum(1 - y) / max((1 - y).sum(), 1)
    return float(np.max(np.abs(cum_bad - cum_good)))


@dataclass(frozen=True)
class Scorecard:
    """A fitted points scorecard; see the module docstring for the scale."""

    target: str
    binnings: tuple[FeatureBinning, ...]  # the features kept in the model
    coefficients: tuple[float, ...]  # on WOE, for the log-odds of bad
    intercept: float
    factor: float  # points per unit of ln(odds good)
    offset: float
    pdo: float  # points that double the odds
    clipped: bool  # True when a given pdo/base may push scores outside 0..100
    features_in: tuple[str, ...]
    dropped: tuple[tuple[str, str], ...]  # (feature, why)
    train_auc: float
    train_ks: float

    # --- scoring -------------------------------------------------------------------------
    def _woe_matrix(self, df: pd.DataFrame) -> np.ndarray:
        missing = [b.name for b in self.binnings if b.name not in df.columns]
        if missing:
            raise _problem("Scorecard", "df", f"the columns {missing}", list(df.columns))
        if not self.binnings:
            return np.zeros((len(df), 0))
        return np.column_stack([b.woe(df[b.name]) for b in self.binnings])

    def log_odds_good(self, df: pd.DataFrame) -> np.ndarray:
        return -(self.intercept + self._woe_matrix(df) @ np.asarray(self.coefficients))

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """Probability of the bad outcome, one per row."""
        return expit(-self.log_odds_good(df))

    def score(self, df: pd.DataFrame) -> np.ndarray:
        """Points 0..100, higher is safer."""
        return np.clip(self.offset + self.factor * self.log_odds_good(df), 0.0, 100.0)

    def points_table(self) -> list[np.ndarray]:
        """Points of every bin of every kept feature (worst bin 0, before clipping)."""
        out = []
        for b, beta in zip(self.binnings, self.coefficients, strict=True):
            raw = -beta * np.asarray(b.woe_by_bin) * self.factor
            out.append(raw)
        floor = [p.min() for p in out]
        return [p - f for p, f in zip(out, floor, strict=True)]

    def reasons(self, df: pd.DataFrame, k: int = 3) -> pd.DataFrame:
        """The ``k`` features that cost each row the most points against their best bin.

        One row per input row and rank: ``row`` (position), ``rank``, ``feature``,
        ``points_lost`` (best bin's points − this row's points, ≥ 0); features losing
        nothing are left out.
        """
        if k < 1:
            raise _problem("Scorecard.reasons", "k", "an integer ≥ 1", k)
        woe = self._woe_matrix(df)
        beta = np.asarray(self.coefficients)
        pts = -beta * woe * self.factor  # unshifted; only differences matter
        best = np.array(
            [
                (-bt * np.asarray(b.woe_by_bin) * self.factor).max()
                for b, bt in zip(self.binnings, beta, strict=True)
            ]
        )
        lost = best[None, :] - pts
        names = np.array([b.name for b in self.binnings])
        rows = []
        for r in range(len(df)):
            order = np.argsort(-lost[r], kind="stable")[:k]
            for rank, j in enumerate(order, start=1):
                if lost[r, j] > 1e-9:
                    rows.append((r, rank, names[j], float(lost[r, j])))
        return pd.DataFrame(rows, columns=["row", "rank", "feature", "points_lost"])

    def report(self) -> dict[str, object]:
        """Bins (label, goods, bads, WOE, points) per feature, IV, coefficients and fit metrics."""
        rows = []
        for b, pts, beta in zip(self.binnings, self.points_table(), self.coefficients, strict=True):
            for label, g, bd, w, p in zip(
                b.labels(), b.goods, b.bads, b.woe_by_bin, pts, strict=True
            ):
                rows.append(
                    {
                        "feature": b.name,
                        "bin": label,
                        "goods": g,
                        "bads": bd,
                        "bad_rate": bd / (g + bd) if g + bd else math.nan,
                        "woe": w,
                        "points": float(p),
                        "iv": b.iv,
                        "coefficient": beta,
                    }
                )
        auc = self.train_auc
        return {
            "bins": pd.DataFrame(rows),
            "iv": pd.Series({b.name: b.iv for b in self.binnings}, name="iv"),
            "dropped": list(self.dropped),
            "pdo": self.pdo,
            "base_points": self.offset
            + self.factor * (-self.intercept)
            + float(
                sum(
                    p.min()
                    for p in [
                        -bt * np.asarray(b.woe_by_bin) * self.factor
                        for b, bt in zip(self.binnings, self.coefficients, strict=True)
                    ]
                )
            ),
            "train_auc": auc,
            "train_gini": 2 * auc - 1,
            "train_ks": self.train_ks,
        }


def _fit_logistic(woe: np.ndarray, bad: np.ndarray, c: float, seed: int) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=1000, random_state=seed)
    return model.fit(woe, bad)


def fit_scorecard(
    df: pd.DataFrame,
    target: str,
    *,
    bad_value: object = 1,
    seed: int = 0,
    categorical: Sequence[str] | None = None,
    max_prebins: int = 20,
    min_bin_share: float = 0.05,
    max_bins: int = 8,
    min_iv: float = MIN_IV,
    inverse_regularisation: float = 1.0,
    pdo: float | None = None,
    base_score: float = 50.0,
    base_odds: float = 1.0,
) -> Scorecard:
    """Fit the champion scorecard on ``df`` (features + ``target``); see the module docstring.

    ``categorical`` names the categorical columns (default: every non-numeric column).
    Features with IV < ``min_iv`` are dropped, then, one at a time, any whose coefficient has
    the wrong sign (a higher WOE must never lower the score).
    """
    fn = "fit_scorecard"
    if not 0 < min_bin_share < 0.5:
        raise _problem(fn, "min_bin_share", "a share in (0, 0.5)", min_bin_share)
    if max_prebins < 2 or max_bins < 1:
        raise _problem(fn, "max_prebins / max_bins", "≥ 2 / ≥ 1", (max_prebins, max_bins))
    if pdo is not None and pdo <= 0:
        raise _problem(fn, "pdo", "points > 0, or None for the 0..100 span", pdo)
    x, bad = split_target(df, target, bad_value, fn)
    cats = (
        set(categorical)
        if categorical is not None
        else {c for c in x.columns if is_categorical(x[c])}
    )
    binnings = {
        c: fit_feature_binning(
            x[c],
            bad,
            categorical=c in cats,
            max_prebins=max_prebins,
            min_bin_share=min_bin_share,
            max_bins=max_bins,
        )
        for c in x.columns
    }
    dropped = [(c, f"iv {b.iv:.4f} < {min_iv}") for c, b in binnings.items() if b.iv < min_iv]
    kept = [c for c, b in binnings.items() if b.iv >= min_iv]
    while True:
        woe = (
            np.column_stack([binnings[c].woe(x[c]) for c in kept])
            if kept
            else np.zeros((len(x), 0))
        )
        if not kept:
            intercept = float(np.log((bad.mean() + 1e-12) / (1 - bad.mean() + 1e-12)))
            coef = np.zeros(0)
            break
        model = _fit_logistic(woe, bad, inverse_regularisation, seed)
        coef, intercept = model.coef_[0], float(model.intercept_[0])
        wrong = np.flatnonzero(coef > 0)
        if len(wrong) == 0:
            break
        worst = int(wrong[np.argmax(coef[wrong])])
        dropped.append((kept[worst], f"coefficient sign wrong ({coef[worst]:+.3f})"))
        kept.pop(worst)
    kept_b = tuple(binnings[c] for c in kept)
    ell = -(intercept + woe @ coef)
    lo = -intercept + sum(
        float((-bt * np.asarray(b.woe_by_bin)).min()) for b, bt in zip(kept_b, coef, strict=True)
    )
    hi = -intercept + sum(
        float((-bt * np.asarray(b.woe_by_bin)).max()) for b, bt in zip(kept_b, coef, strict=True)
    )
    if pdo is None:
        factor = 100.0 / (hi - lo) if hi - lo > 1e-12 else 0.0
        offset = -factor * lo if factor else 50.0
        clipped = False
    else:
        factor = pdo / math.log(2)
        offset = base_score - factor * math.log(base_odds)
        clipped = bool(offset + factor * lo < 0 or offset + factor * hi > 100)
    p_bad = expit(-ell)
    return Scorecard(
        target=target,
        binnings=kept_b,
        coefficients=tuple(float(v) for v in coef),
        intercept=intercept,
        factor=factor,
        offset=offset,
        pdo=factor * math.log(2),
        clipped=clipped,
        features_in=tuple(x.columns),
        dropped=tuple(dropped),
        train_auc=float(roc_auc_score(bad, p_bad)) if len(kept) else 0.5,
        train_ks=ks_statistic(bad, p_bad),
    )


@dataclass(frozen=True)
class Challenger:
    """Calibrated gradient boosting on the raw features; same ``predict_proba`` interface."""

    target: str
    features_in: tuple[str, ...]
    model: CalibratedClassifierCV

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """Probability of the bad outcome, one per row."""
        return self.model.predict_proba(df[list(self.features_in)])[:, 1]


def fit_challenger(
    df: pd.DataFrame,
    target: str,
    *,
    bad_value: object = 1,
    seed: int = 0,
    categorical: Sequence[str] | None = None,
    calibration: str = "sigmoid",
    cv: int = 3,
) -> Challenger:
    """HistGradientBoostingClassifier (categoricals ordinal-encoded, NaN native) calibrated by
    ``CalibratedClassifierCV(method=calibration, cv=cv)``."""
    fn = "fit_challenger"
    if calibration not in ("sigmoid", "isotonic"):
        raise _problem(fn, "calibration", "'sigmoid' or 'isotonic'", calibration)
    x, bad = split_target(df, target, bad_value, fn)
    cats = (
        list(categorical)
        if categorical is not None
        else [c for c in x.columns if is_categorical(x[c])]
    )
    nums = [c for c in x.columns if c not in cats]
    x = x.copy()
    for c in cats:
        x[c] = x[c].astype(object).where(x[c].notna(), np.nan)
    encode = ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value",
                    unknown_value=np.nan,
                    encoded_missing_value=np.nan,
                ),
                cats,
            ),
            ("num", "passthrough", nums),
        ],
        verbose_feature_names_out=False,
    )
    hgb = HistGradientBoostingClassifier(
        categorical_features=[True] * len(cats) + [False] * len(nums),
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        max_iter=300,
        early_stopping=True,
        random_state=seed,
    )
    pipe = Pipeline([("encode", encode), ("hgb", hgb)])
    model = CalibratedClassifierCV(pipe, method=calibration, cv=cv).fit(x, bad)
    return Challenger(target=target, features_in=tuple(x.columns), model=model)
