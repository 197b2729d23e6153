"""Reason codes of the national credit score, against the logistic model's own coefficients:
the points a feature costs are the score with the feature's term at its best observed value
less the score as it is, computed here from the fitted β and the transformed features."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from data.dataset import load_dataset
from models.credit.reasons import point_losses, score_reasons
from models.credit.scoring import customer_features, fit_credit_scorer


@pytest.fixture(scope="module")
def fitted(small_dir):
    ds = load_dataset(small_dir)
    scorer = fit_credit_scorer(ds, seed=1)
    return scorer, customer_features(ds)


def test_losses_are_the_best_term_against_the_rows_term(fitted) -> None:
    scorer, x = fitted
    prep, logit = scorer.pipeline.named_steps["prep"], scorer.pipeline.named_steps["logit"]
    z = prep.transform(x[list(scorer.feature_names)])
    names = list(prep.get_feature_names_out())
    beta, eta = logit.coef_[0], logit.decision_function(z)      # log-odds of bad
    score = 100 * expit(-eta)
    losses = point_losses(scorer, x)
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        groups.setdefault("customer_type" if name.startswith("type_") else name, []).append(j)
    assert sorted(groups) == sorted(losses.columns)
    for group, cols in groups.items():
        term = z[:, cols] @ beta[cols]
        best = term.min()                   # the most favourable observed term
        expected = 100 * expit(-(eta - term + best)) - score
        assert losses[group].to_numpy() == pytest.approx(expected, abs=1e-9), group
        assert np.all(losses[group] >= -1e-12)


def test_reasons_are_the_k_largest_losses_in_order(fitted) -> None:
    scorer, x = fitted
    losses = point_losses(scorer, x)
    reasons = score_reasons(scorer, x, k=3)
    for i in range(len(x)):
        row = losses.iloc[i].sort_values(ascending=False, kind="stable")
        top = row[row > 1e-9].head(3)
        listed = [r for r in reasons.iloc[i][["reason_1", "reason_2", "reason_3"]] if r]
        assert listed == list(top.index)
        assert list(reasons.iloc[i][["points_1", "points_2", "points_3"]])[:len(top)] == \
            pytest.approx(list(top))
