"""The scenario's roll-out section: where and how fast the plan's order, logistics and credit
levers reach the accounts (docs/scenarios.md, "[rollout]"; the mechanism: docs/simulation.md,
"Roll-out: the switch day")."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from scenarios.section import Section

#: days in an average month (365.25 / 12), to turn months_to_full into days
DAYS_PER_MONTH = 365.25 / 12


def _unique_regions(items: list[str]) -> list[str]:
    if len(set(items)) != len(items):
        raise ValueError("each region at most once")
    return items


class RolloutLevers(Section):
    """Which accounts get the plan's order, logistics and credit levers, and from when; the
    others keep today's. Left out: every account from the first day."""

    regions: Annotated[list[Annotated[str, Field(min_length=1)]],
                       Field(min_length=1), AfterValidator(_unique_regions)] | None = Field(
        default=None,
        description="Sales regions whose accounts get the plan (names of the data set's "
                    "customers.region, e.g. East, South); None = every region.")
    months_to_full: float = Field(
        default=0.0, ge=0, le=36,
        description="Months from the start of the measured window until every account (of "
                    "the regions) has switched, months; each account switches on its own day, "
                    "spread evenly over them; 0 = every account from the first day.")
