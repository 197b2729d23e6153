"""Sales territory: customer tiers, doctor grades, response curves, call allocation and
territory alignment (DOMAIN.md, "Customers"; docs/territory.md).

The public names load their module on first use (PEP 562), so the simulation's import of the
customer tiers does not load the optimisation code.
"""

from __future__ import annotations

from models.lazy import lazy_exports

#: public name → the module that defines it
_HOME = {
    **dict.fromkeys(("Alignment", "align_territories"), "alignment"),
    **dict.fromkeys(("CallPlan", "adbudg_sales", "allocate_calls"), "calls"),
    **dict.fromkeys(("attribute_points", "regrade", "value_grid"), "grading"),
    **dict.fromkeys(("ResponseCurve", "fit_judgemental", "fit_response"), "response"),
    **dict.fromkeys(("SegmentRules", "account_segments", "lifetime_value"), "segmentation"),
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _HOME)
