"""Customer credit scoring (DOMAIN.md, "Credit and collection"); see ``docs/credit.md``."""

from __future__ import annotations

from models.credit.scoring import (
    FEATURES,
    MEDIAN_SCORE,
    OUTCOME_DAYS,
    POINTS_TO_DOUBLE_ODDS,
    TIERS,
    CreditScorer,
    CreditScores,
    credit_tiers,
    customer_features,
    evaluate_holdout,
    fit_credit_scorer,
    label_bad,
    score_customers,
    training_data,
)

__all__ = [
    "FEATURES",
    "MEDIAN_SCORE",
    "OUTCOME_DAYS",
    "POINTS_TO_DOUBLE_ODDS",
    "TIERS",
    "CreditScorer",
    "CreditScores",
    "credit_tiers",
    "customer_features",
    "evaluate_holdout",
    "fit_credit_scorer",
    "label_bad",
    "score_customers",
    "training_data",
]
