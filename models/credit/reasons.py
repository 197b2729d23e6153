"""Reason codes for the national credit score: the features that cost each customer most.

For a feature, the points it costs a customer are the score the customer would have with that
feature at its most favourable value (among the reference customers, e.g. those scored), all
else equal, less the customer's score. The score is 100 × P(stay good) from a logistic model
(:class:`models.credit.scoring.CreditScorer`), so each loss is in the score's own points. The
one-hot customer-type columns count as one feature, ``customer_type``: its best value is the
most favourable type. This is the "points below the best attribute" rule of scorecard reason
codes (Siddiqi, *Credit Risk Scorecards*, 2006, ch. 9), evaluated on the fitted model rather
than a points table, since the national score is not additive in points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.credit.scoring import CreditScorer

TYPE_PREFIX = "type_"


def _groups(names: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in names:
        out.setdefault("customer_type" if name.startswith(TYPE_PREFIX) else name, []).append(name)
    return out


def point_losses(scorer: CreditScorer, features: pd.DataFrame,
                 reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Points each feature costs each row of ``features`` (rows × features, ≥ 0): the score
    with the feature at its best value among ``reference``'s rows (default ``features``)
    less the score as it is."""
    reference = features if reference is None else reference
    x = features[list(scorer.feature_names)].astype(float)
    base = scorer.score(x).to_numpy()
    out = {}
    for group, columns in _groups(scorer.feature_names).items():
        candidates = reference[columns].astype(float).drop_duplicates()
        if len(columns) == 1:   # linear in the feature: the best is at an end of its range
            col = columns[0]
            candidates = pd.DataFrame({col: [candidates[col].min(), candidates[col].max()]})
        best = base.copy()
        for _, value in candidates.iterrows():
            trial = x.copy()
            trial[columns] = value.to_numpy()
            best = np.maximum(best, scorer.score(trial).to_numpy())
        out[group] = best - base
    return pd.DataFrame(out, index=features.index)


def score_reasons(scorer: CreditScorer, features: pd.DataFrame, k: int = 3,
                  reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``k`` features that cost each row most, largest first: columns ``reason_1`` ..
    ``reason_k`` (feature names, '' when the feature costs nothing) and ``points_1`` ..
    ``points_k`` (points lost)."""
    losses = point_losses(scorer, features, reference)
    names = np.asarray(losses.columns)
    values = losses.to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")[:, :k]
    out = {}
    for j in range(min(k, values.shape[1])):
        lost = np.take_along_axis(values, order[:, j:j + 1], axis=1)[:, 0]
        out[f"reason_{j + 1}"] = np.where(lost > 1e-9, names[order[:, j]], "")
        out[f"points_{j + 1}"] = np.where(lost > 1e-9, lost, 0.0)
    return pd.DataFrame(out, index=features.index)


__all__ = ["point_losses", "score_reasons"]
