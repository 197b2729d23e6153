"""Customer credit scoring, payment terms and collections (DOMAIN.md, "Credit and
collection"); see ``docs/credit.md``.

The public names load their module on first use (PEP 562), so the simulation can import the
light reminder mechanism (:mod:`models.credit.reminders`) without loading scikit-learn and
HiGHS in every worker.
"""

from __future__ import annotations

from models.lazy import lazy_exports

#: public name → the module that defines it
_HOME = {
    **dict.fromkeys(("FeatureBinning", "fit_feature_binning"), "binning"),
    **dict.fromkeys(("Challenger", "Scorecard", "fit_challenger", "fit_scorecard"),
                    "scorecard"),
    **dict.fromkeys(("FEATURES", "OUTCOME_DAYS", "TIERS", "CreditScorer", "CreditScores",
                     "credit_tiers", "customer_features", "evaluate_holdout",
                     "fit_credit_scorer", "label_bad", "score_customers", "training_data"),
                    "scoring"),
    **dict.fromkeys(("PSIResult", "psi", "psi_band"), "stability"),
    # payment terms per customer (docs/credit.md, "Terms optimization")
    **dict.fromkeys(("OPTIONS", "TermsProblem", "TermsSolution", "efficient_frontier",
                     "optimize_terms", "reachable_limits"), "terms"),
    # collections (docs/credit.md, "Collections")
    **dict.fromkeys(("ReminderSchedule", "apply_reminders", "automated_schedule",
                     "manual_schedule"), "reminders"),
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _HOME)
