"""Customer credit scoring (DOMAIN.md, "Credit and collection"); see ``docs/credit.md``."""

from __future__ import annotations

from models.credit.binning import FeatureBinning, fit_feature_binning
from models.credit.scorecard import Challenger, Scorecard, fit_challenger, fit_scorecard
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
from models.credit.stability import PSIResult, psi, psi_band

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
    "FeatureBinning",
    "fit_feature_binning",
    "Scorecard",
    "Challenger",
    "fit_scorecard",
    "fit_challenger",
    "PSIResult",
    "psi",
    "psi_band",
]

# Payment terms per customer (docs/credit.md, "Terms optimization")
from models.credit.terms import (  # noqa: E402
    OPTIONS,
    TermsProblem,
    TermsSolution,
    efficient_frontier,
    optimize_terms,
    reachable_limits,
)

__all__ += [
    "OPTIONS",
    "TermsProblem",
    "TermsSolution",
    "efficient_frontier",
    "optimize_terms",
    "reachable_limits",
]
