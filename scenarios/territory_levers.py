"""The scenario's territory section: customer tiering, doctor grading and sales-force effort
(DOMAIN.md, "Customers"; docs/territory.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from models.territory.grading import DEFAULT_GRADE_CUTS, DEFAULT_WEIGHTS
from scenarios.section import Section


class TerritoryLevers(Section):
    """Customer tiering and sales-force effort (DOMAIN.md, "Customers")."""

    tiering: Literal["none", "rfm_clinical"] = Field(
        default="none", description="Customer tiering; none = reps choose by relationship (today)."
    )
    academic_specialist_for_core: bool = Field(
        default=False,
        description="Core customers get an academic specialist besides the rep: the "
                    "specialists hold their academic meetings at the core accounts where a "
                    "meeting earns most (docs/territory.md, \"Academic specialists\"); "
                    "false = where they hold them today.")
    academic_meetings_per_specialist: float | None = Field(
        default=None, ge=0, le=31,
        description="Academic meetings a month each specialist can lead, meetings/month; "
                    "None = the history's rate (their meetings of the last 12 months).")
    field_days_per_month: float | None = Field(
        default=None,
        ge=1,
        le=31,
        description="Rep field days per month, days; None = the data set's history.",
    )
    calls_per_day: float | None = Field(
        default=None,
        gt=0,
        le=30,
        description="Rep calls per field day, calls/day; None = the data set's history.",
    )
    grading_weights: dict[Literal["hospital_grade", "title", "outpatients", "beds",
                                  "product_need"], Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description="Doctor grading: weight of each attribute (relative; only ratios count; "
                    "an attribute left out weighs 0).")
    grade_cuts: dict[Literal["A", "B", "C"], Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: dict(DEFAULT_GRADE_CUTS),
        description="Doctor grading: lowest points of grades A, B and C (A > B > C); below C "
                    "is D.")

    visit_quota: dict[Literal["A", "B", "C", "D"], Annotated[float, Field(ge=0, le=31)]] = Field(
        default_factory=lambda: {"A": 4.0, "B": 2.0, "C": 1.0, "D": 0.0},
        description="Visits a month each doctor of a grade is due; a grade left out gets none. "
                    "A hospital's workload is the sum over its doctors (a pharmacy: 1 visit).")
    allocation: Literal["current", "optimize"] = Field(
        default="current",
        description="Calls per account: current = today's (the history's order rates); "
                    "optimize = the call plan on the response curves estimated from the visits "
                    "(docs/territory.md), which changes every account's order rate.")
    reps: int | None = Field(
        default=None, ge=1, le=100000,
        description="Reps in the field; left out = today's. Needs allocation = \"optimize\": "
                    "the plan at this size, calls pooled per region as the size curve does.")
    rep_cost_cny_per_month: float = Field(
        default=25000.0, ge=0, le=1e6,
        description="Cost of one rep a month, CNY (salary, social insurance, travel and "
                    "expenses): an assumption, used by the sales-force size curve.")

    @field_validator("reps")
    @classmethod
    def _reps_need_a_plan(cls, reps: int | None, info: ValidationInfo) -> int | None:
        # an invalid allocation is reported on its own: judge reps only against a valid one
        allocation = info.data.get("allocation")
        if reps is not None and allocation is not None and allocation != "optimize":
            raise PydanticCustomError(
                "reps_need_plan", "reps only with allocation = \"optimize\" (a new size needs "
                "its calls re-planned)", {})
        return reps

    @field_validator("grading_weights")
    @classmethod
    def _some_weight(cls, weights: dict[str, float]) -> dict[str, float]:
        if not any(v > 0 for v in weights.values()):
            raise PydanticCustomError("no_weight", "at least one weight above 0", {})
        return weights

    @field_validator("grade_cuts")
    @classmethod
    def _falling_cuts(cls, cuts: dict[str, float]) -> dict[str, float]:
        if set(cuts) != {"A", "B", "C"} or not cuts["A"] > cuts["B"] > cuts["C"]:
            raise PydanticCustomError("grade_cuts", "points for A, B and C with A > B > C", {})
        return cuts

