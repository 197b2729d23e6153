"""Sales territory: customer tiers, doctor grades, response curves, call allocation and
territory alignment (DOMAIN.md, "Customers"; docs/territory.md).

The public names load their module on first use (PEP 562), so the simulation's import of the
customer tiers does not load the optimisation code.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name → the module that defines it
_HOME = {
    **dict.fromkeys(("Alignment", "align_territories"), "alignment"),
    **dict.fromkeys(("CallPlan", "adbudg_sales", "allocate_calls"), "calls"),
    **dict.fromkeys(("attribute_points", "regrade", "value_grid"), "grading"),
    **dict.fromkeys(("ResponseCurve", "fit_judgemental", "fit_response"), "response"),
    **dict.fromkeys(("SegmentRules", "account_segments", "lifetime_value"), "segmentation"),
}

__all__ = list(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
