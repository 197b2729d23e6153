"""Inventory network models: forward-warehouse location (docs/location.md)."""

from __future__ import annotations

from models.inventory.covering import CoveringResult, maximal_covering
from models.inventory.facility_location import build_facility_model, solve_facility_location
from models.inventory.facility_problem import FacilityProblem, FacilityResult
from models.inventory.orlib import read_orlib_cap, read_orlib_pmed

__all__ = [
    "CoveringResult",
    "FacilityProblem",
    "FacilityResult",
    "build_facility_model",
    "maximal_covering",
    "read_orlib_cap",
    "read_orlib_pmed",
    "solve_facility_location",
]

# forward-warehouse stocking: ABC/XYZ, assortment, (s, Q) / (R, S) policies (docs/stocking.md)
from models.inventory.assortment import abc_xyz_classes, forward_assortment  # noqa: E402
from models.inventory.reorder_policies import (  # noqa: E402
    RS_policy_for_fill_rate,
    RSPolicy,
    SQPolicy,
    eoq,
    pooling_safety_stock,
    safety_stock_normal,
    sQ_policy_for_fill_rate,
    standard_normal_loss,
)
from models.inventory.site_stocking import pooling_table, site_policies  # noqa: E402

__all__ += [
    "RSPolicy",
    "RS_policy_for_fill_rate",
    "SQPolicy",
    "abc_xyz_classes",
    "eoq",
    "forward_assortment",
    "pooling_safety_stock",
    "pooling_table",
    "safety_stock_normal",
    "site_policies",
    "sQ_policy_for_fill_rate",
    "standard_normal_loss",
]
