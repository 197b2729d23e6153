"""The scenario's credit section: scoring, payment terms per account (uniform, by tier or
chosen by the terms model) and collection (DOMAIN.md, "Credit and collection";
docs/credit.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from models.credit.reminders import AUTOMATED_SCHEDULE_DAYS, MAX_REMINDERS
from scenarios.section import Section


class CreditLevers(Section):
    """Credit scoring, payment terms and collection (DOMAIN.md, "Credit and collection")."""

    scoring: bool = Field(
        default=False, description="Score customers and set terms by grade; false = today."
    )
    premium_min_score: float = Field(
        default=80.0, ge=0, le=100, description="Lowest credit score of a premium customer, points."
    )
    risk_max_score: float = Field(
        default=59.0,
        ge=0,
        le=100,
        validate_default=True,
        description="Highest credit score of a risk customer, points (< premium_min_score).",
    )
    premium_terms: Literal["monthly", "extended_75_days", "cash_discount_1pct"] = Field(
        default="monthly", description="Payment terms of premium customers; monthly = today."
    )
    ordinary_terms: Literal["monthly", "monthly_plus_quarterly_rebate"] = Field(
        default="monthly", description="Payment terms of ordinary customers; monthly = today."
    )
    risk_terms: Literal["monthly", "cash_before_delivery"] = Field(
        default="monthly", description="Payment terms of risk customers; monthly = today."
    )
    policy: Literal["uniform", "tiered", "optimize"] | None = Field(
        default=None,
        description="How terms are set: 'uniform' (everyone on uniform_terms), 'tiered' (terms "
                    "by credit tier) or 'optimize' (the terms model, docs/credit.md); unset = "
                    "'tiered' (without scoring every account is ordinary).")
    uniform_terms: Literal["monthly", "extended_75_days", "cash_discount_1pct",
                           "monthly_plus_quarterly_rebate", "cash_before_delivery"] = Field(
        default="monthly", description="Terms of every account under policy 'uniform'.")
    dso_limit_days: float | None = Field(
        default=None, gt=0, le=365,
        description="policy 'optimize': portfolio DSO at most, days; unset = targets.dso_days.")
    bad_debt_limit: float | None = Field(
        default=None, ge=0, le=1,
        description="policy 'optimize': bad debt at most, share of credit sales; unset = "
                    "targets.bad_debt_rate.")
    sales_loss_limit: float = Field(default=0.02, ge=0, le=1, description="optimize: sales lost "
                                    "to the terms at most, share of today's.")
    contribution_margin: float = Field(default=0.30, ge=0, le=1, description="Contribution "
                                       "margin (price less variable cost), share of sales.")
    risk_never_extended: bool = Field(default=True, description="optimize: risk never on 75 days.")
    cash_before_delivery_only_risk: bool = Field(
        default=True,
        description="policy 'optimize': only risk-tier accounts can be put on cash before "
                    "delivery (a credit sanction, not a way to pull cash in).")
    never_cash_before_delivery: list[Literal[
        "distributor_l1", "distributor_l2", "chain_pharmacy", "private_hospital",
        "private_clinic"]] = Field(
        default_factory=lambda: ["distributor_l1"],
        description="Account types never put on cash before delivery (level-1 platforms "
                    "supply the public hospitals); under 'tiered' they keep ordinary terms.")
    e_invoice: bool = Field(default=False, description="Invoices sent electronically at once.")
    online_payment: bool = Field(default=False, description="Customers can pay online.")
    reminders: Literal["manual", "automated"] = Field(
        default="manual", description="Payment reminders; manual (often forgotten) = today."
    )
    reminder_schedule_days: list[Annotated[float, Field(ge=-30, le=365)]] = Field(
        default_factory=lambda: list(AUTOMATED_SCHEDULE_DAYS), min_length=1,
        max_length=MAX_REMINDERS,
        description="reminders = 'automated': days from the due date each reminder is sent "
                    "(negative = before, increasing); after the last, every "
                    "assumptions.automated_reminder_interval_days.")

    @property
    def effective_policy(self) -> str:
        """The policy in force: ``policy``, else 'tiered' (every account 'ordinary' when
        customers are not scored, as before policies existed)."""
        return self.policy or "tiered"

    @property
    def scored(self) -> bool:
        """Whether customers are scored: ``scoring``, or a policy chosen that needs tiers."""
        return self.scoring or self.policy in ("tiered", "optimize")

    @field_validator("reminder_schedule_days")
    @classmethod
    def _increasing(cls, days: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(days, days[1:], strict=False)):
            raise PydanticCustomError("increasing", "days in increasing order, each once", {})
        return days

    @field_validator("risk_max_score")
    @classmethod
    def _risk_below_premium(cls, risk_max_score: float, info: ValidationInfo) -> float:
        premium_min_score = info.data.get("premium_min_score")
        if premium_min_score is not None and risk_max_score >= premium_min_score:
            raise PydanticCustomError(
                "risk_not_below_premium",
                "a score below premium_min_score ({premium_min_score})",
                {"premium_min_score": f"{premium_min_score:g}"},
            )
        return risk_max_score
