"""Inventory network models: forward-warehouse location (docs/location.md)."""

from __future__ import annotations

from models.inventory.facility_location import build_facility_model, solve_facility_location
from models.inventory.facility_problem import FacilityProblem, FacilityResult
from models.inventory.orlib import read_orlib_cap, read_orlib_pmed

__all__ = [
    "FacilityProblem",
    "FacilityResult",
    "build_facility_model",
    "read_orlib_cap",
    "read_orlib_pmed",
    "solve_facility_location",
]
