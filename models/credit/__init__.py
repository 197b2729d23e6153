"""Customer credit scoring (DOMAIN.md, "Credit and collection"); see ``docs/credit.md``."""

from __future__ import annotations

from models.credit.scoring import (
    FEATURES,
    OUTCOME_DAYS,
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
    "OUTCOME_DAYS",
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
