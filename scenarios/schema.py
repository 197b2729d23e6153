"""The scenario schema: one what-if, as read from a TOML file.

The time unit is the day everywhere (``*_days``, ``*_hours`` only where the source states hours);
money is in CNY; rates and shares are fractions in 0..1. A scenario names a data set (the history
the models are fitted to), the simulation settings, the committee's targets and four lever
sections. Every lever default describes TODAY's process (DOMAIN.md, "the sales process, as it is
today"), so an empty section means "as today". The lever values are read later by the mechanisms
that implement them (order-to-cash simulation, territory, inventory and credit models); this
module only states what may be asked for.

Models are strict (unknown keys refused), frozen and bounded. Cross-field rules are checked on the
later field, so a violation is reported at that field's dotted path.
"""

from __future__ import annotations

import datetime
import difflib
import math
import operator
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from scenarios.credit_levers import CreditLevers
from scenarios.rollout_levers import RolloutLevers
from scenarios.section import Section
from scenarios.territory_levers import TerritoryLevers

Tier = Literal["core", "potential", "basic"]
"""Customer tiers from RFM + clinical value tiering (DOMAIN.md, "Customers")."""

FORWARD_WAREHOUSES_EXPECTED = "'none', 'optimize' or a non-empty list of site ids (strings)"


def _unique_items(items: list[Any]) -> list[Any]:
    """Refuse a list that names the same item twice."""
    seen: list[Any] = []
    for item in items:
        if item in seen:
            raise PydanticCustomError(
                "unique_items",
                "each item at most once; {item} is repeated",
                {"item": repr(item)},
            )
        seen.append(item)
    return items


def _forward_warehouses_kind(value: Any) -> str | None:
    """Pick the union member by input type, so an error names one member, not both."""
    if isinstance(value, str):
        return "mode"
    if isinstance(value, list | tuple):
        return "sites"
    return None


SiteId = Annotated[str, Field(min_length=1)]
ForwardWarehouses = Annotated[
    Annotated[Literal["none", "optimize"], Tag("mode")]
    | Annotated[
        Annotated[list[SiteId], Field(min_length=1), AfterValidator(_unique_items)], Tag("sites")
    ],
    Discriminator(
        _forward_warehouses_kind,
        custom_error_type="forward_warehouses",
        custom_error_message=FORWARD_WAREHOUSES_EXPECTED,
    ),
]


class Targets(Section):
    """The committee's KPI targets (DOMAIN.md, "The targets the committee will judge by")."""

    order_processing_days: float = Field(
        default=1.0, gt=0, le=30, description="Order-to-ship time, days (today 3)."
    )
    on_time_rate: float = Field(
        default=0.95, ge=0, le=1, description="Share of deliveries on time, 0..1 (today 0.85)."
    )
    dso_days: float = Field(
        default=45.0, gt=0, le=365, description="Days sales outstanding, days (today 60)."
    )
    bad_debt_rate: float = Field(
        default=0.01, ge=0, le=1, description="Bad debt as a share of sales, 0..1 (today 0.02)."
    )
    remote_delivery_days: float = Field(
        default=5.0, gt=0, le=30, description="Delivery time to remote areas, days (today 7)."
    )
    complaint_rate: float = Field(
        default=0.03, ge=0, le=1, description="Complaints per delivered order, 0..1 (today 0.08)."
    )


class OrderLevers(Section):
    """Order channel, approval and stock visibility (DOMAIN.md, "Orders")."""

    app_channel_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Share of orders placed through the app, 0..1; None = the data set's history.",
    )
    auto_approval_tiers: Annotated[list[Tier], AfterValidator(_unique_items)] = Field(
        default_factory=list,
        description="Tiers whose routine orders skip manual approval; [] = none (today).",
    )
    abnormal_order_threshold_cny: float = Field(
        default=200_000.0,
        gt=0,
        le=1e10,
        description="Order value above which an order is abnormal and needs approval, CNY.",
    )
    esign_approval_hours: float | None = Field(
        default=None,
        gt=0,
        le=72,
        description="E-signature approval time of abnormal orders, hours; None = manual (today).",
    )
    stock_sync: Literal["daily_batch", "real_time"] = Field(
        default="daily_batch",
        description="How often order entry sees warehouse stock; daily_batch = today.",
    )
    app_orders_skip_review: bool = Field(
        default=False,
        description="App orders that the app found in stock and on credit terms (not cash "
        "before delivery), and that are not abnormal, go to picking without clerk review; "
        "false = every such order is reviewed (today).",
    )


class LogisticsLevers(Section):
    """Carrier, tracking and forward warehouses (DOMAIN.md, "Logistics")."""

    carrier: Literal["current_3pl", "strategic_partner"] = Field(
        default="current_3pl", description="Third-party logistics provider; current_3pl = today."
    )
    remote_limit_days: float | None = Field(
        default=None,
        gt=0,
        le=15,
        description="Contractual remote-area delivery limit, days; None = no limit (today).",
    )
    tracking: bool = Field(
        default=False, description="Delivery status visible to customers; false = today."
    )
    tracking_notice_days_before: float = Field(
        default=1.0,
        ge=0,
        le=7,
        description="Arrival notice sent this many days before delivery (only with tracking).",
    )
    forward_warehouses: ForwardWarehouses = Field(
        default="none",
        description="'none' (today), 'optimize' (the model picks sites) or a list of site ids.",
    )
    warehouse_max_sites: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="With 'optimize': at most this many forward warehouses (central DCs not "
        "counted), count; None = no limit.",
    )
    warehouse_budget_cny: float | None = Field(
        default=None,
        ge=0,
        le=1e10,
        description="With 'optimize': annual fixed cost of the forward warehouses at most, "
        "CNY/year; None = no budget.",
    )
    warehouse_service_days: float | None = Field(
        default=None,
        gt=0,
        le=15,
        description="With 'optimize': delivery-days limit of the location model (transit "
        "days from the serving site), days; None = cost only.",
    )
    warehouse_service_share: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="With 'optimize': share of demand that must arrive within "
        "warehouse_service_days, 0..1; None = every district (that any site can reach).",
    )

    forward_fill_rate: float = Field(
        default=0.98,
        ge=0.5,
        lt=1,
        description="Fill-rate target of each forward warehouse's reorder policies (units "
        "shipped from its stock / units asked of it), share; the rest comes from the central "
        "DC as a second shipment.",
    )
    forward_policy: Literal["sQ", "RS"] = Field(
        default="sQ",
        description="Reorder policy per forward warehouse and product: sQ = continuous review, "
        "reorder point s and EOQ quantity Q; RS = review every forward_review_days, order up "
        "to S.",
    )
    forward_review_days: float = Field(
        default=7.0,
        gt=0,
        le=90,
        description="Review period of the RS policy, days.",
    )
    forward_max_products: int | None = Field(
        default=None,
        ge=1,
        le=10000,
        description="At most this many products per forward warehouse (chronic-disease drugs "
        "first, then fast movers), count; None = every eligible product.",
    )

    @field_validator("warehouse_service_share")
    @classmethod
    def _share_needs_days(cls, share: float | None, info: ValidationInfo) -> float | None:
        # a days value that failed its own check is absent from info.data: no second report
        if share is not None and info.data.get("warehouse_service_days", 0.0) is None:
            raise PydanticCustomError(
                "share_without_days", "warehouse_service_days to be set as well", {})
        return share


class ChannelLevers(Section):
    """Outside drivers of how the channel pays (docs/simulation.md, "Payment as China's
    market pays"): decided by the state, not the company, and modelled so the committee sees
    what each would do to DSO."""

    insurance_direct_settlement: bool = Field(
        default=False,
        description="The medical-insurance funds settle procured drugs directly with the "
                    "delivering distributor instead of through the hospital.")
    sme_payment_rule: bool = Field(
        default=False,
        description="Public institutions pay small and medium suppliers within 30 days, at "
                    "most 60 by contract (the 2025 rule); level-2 distributors count as such.")


class Assumptions(Section):
    """Effect sizes of the levers that DOMAIN.md does not quantify.

    Each is an assumption of the project (not a measured figure); a scenario states it so that
    a reader sees it and a sensitivity run can change it. Sources are in docs/scenarios.md.
    """

    staffing_utilization: float = Field(
        default=0.6, ge=0.05, lt=1,
        description="Office and warehouse staff are sized so today's offered load would keep "
                    "them this busy, share (nominal; see docs/simulation.md).")
    real_time_backorder_reduction: float = Field(
        default=0.7, ge=0, le=1,
        description="Share of backorders that real-time stock sync prevents (the ones caused by "
                    "stale stock), share.")
    cash_before_delivery_wait_days: float = Field(
        default=2.0, ge=0, le=30,
        description="Days a cash-before-delivery order waits for the payment before picking.")
    partner_speed_factor: float = Field(
        default=1.2, ge=0.2, le=5,
        description="Strategic partner's road km per day relative to today's carrier, ratio.")
    partner_incident_factor: float = Field(
        default=0.4, ge=0, le=1,
        description="Strategic partner's incident probability relative to today's, ratio.")
    remote_limit_compliance: float = Field(
        default=0.95, ge=0, le=1,
        description="Share of remote deliveries the partner brings within remote_limit_days.")
    tracking_late_complaint_factor: float = Field(
        default=0.6, ge=0, le=1,
        description="With tracking and notices, complaints per late order relative to today.")
    tracking_visibility_complaint_reduction: float = Field(
        default=0.7, ge=0, le=1,
        description="Share of 'cannot see where it is' complaints that tracking removes, share.")
    cash_discount_take_up: float = Field(
        default=0.7, ge=0, le=1,
        description="Share of cash-discount invoices paid early when the discount's implied "
                    "annual rate far exceeds the payer's cost of money, share.")
    cost_of_money: float = Field(
        default=0.045, ge=0, le=1,
        description="Cost of money of accounts with bank credit (level-1 platforms, pharmacy "
                    "chains), per year.")
    cost_of_money_constrained: float = Field(
        default=0.12, ge=0, le=1,
        description="Cost of money of cash-constrained accounts (level-2 distributors, private "
                    "hospitals and clinics), per year.")
    quarterly_rebate_rate: float = Field(default=0.005, ge=0, le=0.1, description="Quarterly "
                                         "rebate on invoices settled by their due date, share.")
    cash_before_delivery_sales_loss: float = Field(
        default=0.2, ge=0, le=1,
        description="Share of its purchases an account moved to cash before delivery stops "
                    "making (buys less or leaves), share.")
    cost_of_capital: float = Field(default=0.06, ge=0, le=1, description="The company's cost "
                                   "of financing receivables, per year.")
    entry_wait_field_elasticity: float = Field(
        default=1.0, ge=0, le=3,
        description="Elasticity of the wait for a rep to key in a phone or WeChat order to the "
                    "calls a rep makes a month (1: the wait grows in proportion), ratio.")
    cash_discount_pay_days: int = Field(
        default=10, ge=0, le=60, description="Days after invoice to earn the cash discount.")
    rebate_lateness_factor: float = Field(
        default=0.8, ge=0, le=1,
        description="Lateness of ordinary customers with a quarterly on-time rebate, ratio.")
    pre_due_reminder_effect: float = Field(
        default=0.85, ge=0, le=1,
        description="Share of the delay still intended that an invoice keeps after a reminder "
                    "on or before its due date (after due: the measured reminder effect).")
    automated_reminder_interval_days: float = Field(
        default=14.0, gt=0, le=90,
        description="After credit.reminder_schedule_days' last, automated reminders repeat "
                    "every, days.")
    online_payment_days_saved: float = Field(
        default=0.5, ge=0, le=30,
        description="Days online payment takes off each payment (keying and matching; bank "
                    "transfers settle the same day).")
    e_invoice_delay_days: float = Field(
        default=0.0, ge=0, le=30, description="Days from shipping to an e-invoice.")
    forward_replenishment_handling_days: float = Field(
        default=1.0, ge=0, le=30,
        description="Days the central DC takes to ship a forward warehouse's replenishment "
                    "order (trunk transit is added from the road distance).")
    forward_lead_time_sd_days: float = Field(
        default=1.0, ge=0, le=30,
        description="Standard deviation of a replenishment lead time, days.")
    forward_order_cost_cny: float = Field(
        default=500.0, ge=0, le=1e6,
        description="Cost of one replenishment order (handling, paperwork, trunk slot), CNY; "
                    "sets the EOQ order quantity.")
    forward_holding_rate_per_year: float = Field(
        default=0.25, gt=0, le=2,
        description="Holding cost per year as a share of unit cost (capital, storage, "
                    "expiry), share/year.")
    paper_invoice_mail_days: float = Field(
        default=4.0, ge=0, le=30,
        description="Days a paper invoice spends in the post and the customer's mailroom "
                    "before its payment process starts; an e-invoice saves them.")
    public_terminal_payment_days: float = Field(
        default=154.0, ge=0, le=720,
        description="Days public hospitals and clinics take to pay their distributor, days "
                    "(MOFCOM drug-distribution report, 2024).")
    other_terminal_payment_days: float = Field(
        default=60.0, ge=0, le=720,
        description="Days retail pharmacies take to pay their distributor, days.")
    pass_through_size_elasticity: float = Field(
        default=0.3, ge=0, le=2,
        description="How much more of its customers' delay a small distributor passes on: "
                    "(median size / size) to this power.")
    insured_share_of_public_sales: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of public terminals' purchases the insurance funds settle "
                    "directly (procured drugs), share.")
    insurance_settlement_days: float = Field(
        default=30.0, ge=0, le=365,
        description="Days the insurance funds take to settle directly, days.")
    sme_rule_compliance: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of public institutions that keep the 2025 rule with small and "
                    "medium suppliers, share.")
    sme_rule_max_days: float = Field(
        default=60.0, ge=0, le=365,
        description="Longest payment term the 2025 rule allows by contract, days.")


def _bounds_phrase(field: FieldInfo) -> str:
    """``in 0..1``, ``> 0 and <= 90``: a field's bounds as the problems print them."""
    bound = {type(m).__name__: m for m in field.metadata
             if isinstance(m, annotated_types.Ge | annotated_types.Gt | annotated_types.Le
                           | annotated_types.Lt)}
    ge, gt, le, lt = (bound.get(k) for k in ("Ge", "Gt", "Le", "Lt"))
    if ge is not None and le is not None:
        return f"in {ge.ge:g}..{le.le:g}"
    parts = [f"> {gt.gt:g}" if gt is not None else f">= {ge.ge:g}" if ge is not None else "",
             f"< {lt.lt:g}" if lt is not None else f"<= {le.le:g}" if le is not None else ""]
    return " and ".join(p for p in parts if p)


def _within(field: FieldInfo, value: float) -> bool:
    """Whether ``value`` satisfies the field's bounds."""
    return all(limit is None or holds(value, limit)
               for m in field.metadata
               for attr, holds in (("ge", operator.ge), ("gt", operator.gt),
                                   ("le", operator.le), ("lt", operator.lt))
               for limit in [getattr(m, attr, None)])


def _range_of(name: str) -> Any:
    """The type of ``assumption_ranges.<name>``: ``[low, high]``, both within the bounds of
    ``assumptions.<name>`` (whole numbers for a whole-number assumption), low <= high."""
    field = Assumptions.model_fields[name]
    whole = field.annotation is int
    expected = (f"[low, high]: two {'whole numbers' if whole else 'numbers'} "
                f"{_bounds_phrase(field)} with low <= high")

    def number(v: Any) -> bool:
        if whole:
            return type(v) is int
        return type(v) in (int, float) and math.isfinite(v)

    def check(value: Any) -> tuple[float, float]:
        if (not isinstance(value, list | tuple) or len(value) != 2
                or not all(number(v) and _within(field, v) for v in value)
                or value[0] > value[1]):
            raise PydanticCustomError("assumption_range", expected)
        low, high = value
        return (low, high) if whole else (float(low), float(high))

    return Annotated[Any, AfterValidator(check)]


AssumptionRanges = create_model(
    "AssumptionRanges", __base__=Section,
    __doc__="Plausible ranges that replace those of scenarios/evidence.py for this scenario: "
            "``name = [low, high]`` per assumption (docs/scenarios.md).",
    **{name: (_range_of(name), Field(default=None, description=f"[low, high] of "
                                                                 f"assumptions.{name}."))
       for name in Assumptions.model_fields})


def lever_paths() -> list[str]:
    """Every dotted path a log entry may name: the scenario's fields (``seed``) and sections
    (``credit``), and every field of a section (``orders.app_channel_share``)."""
    paths: list[str] = []
    for name, field in Scenario.model_fields.items():
        if name == "log":
            continue
        paths.append(name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            paths.extend(f"{name}.{inner}" for inner in annotation.model_fields)
    return paths


def _known_lever(path: str) -> str:
    """Refuse a lever path the schema does not have; suggest the nearest ones."""
    known = lever_paths()
    if path not in known:
        near = difflib.get_close_matches(path, known, n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        raise PydanticCustomError(
            "unknown_lever",
            "a dotted path of the scenario's fields, such as 'orders.app_channel_share'{hint}",
            {"hint": hint})
    return path


LeverPath = Annotated[str, AfterValidator(_known_lever)]


class LogEntry(Section):
    """One change in the scenario's assumptions log: who changed which levers, when and
    why (``[[log]]`` tables, oldest first)."""

    date: datetime.date = Field(description="When the change was made (a TOML date).")
    author: str = Field(min_length=1, max_length=80,
                        description="Who made it: a person or a department.")
    levers: Annotated[list[LeverPath], Field(min_length=1),
                      AfterValidator(_unique_items)] = Field(
        description="Dotted paths of the fields changed, such as 'orders.app_channel_share'.")
    note: str = Field(min_length=1, max_length=2000,
                      description="Why: the mechanism and the assumptions behind the change.")


class Scenario(Section):
    """One what-if: data set, simulation settings, targets and levers."""

    name: str = Field(min_length=1, max_length=80, description="Short name shown in reports.")
    description: str = Field(default="", max_length=2000, description="Free text.")
    dataset: str = Field(
        min_length=1,
        description="Data set folder, relative to the scenario file's folder.",
    )
    process: str | None = Field(
        default=None,
        min_length=1,
        description="Today's process as a JSON file (the format `pharmaops calibrate --json` "
        "writes), relative to the scenario file's folder; left out = calibrated from the data "
        "set's history.",
    )
    horizon_days: int = Field(
        default=365, ge=30, le=3650, description="Simulated time per replication, days."
    )
    warmup_days: int = Field(
        default=90,
        ge=0,
        le=730,
        validate_default=True,
        description="Simulated days dropped before KPIs are measured, days (< horizon_days).",
    )
    replications: int = Field(
        default=30, ge=1, le=1000, description="Independent simulation runs, count."
    )
    seed: int = Field(
        default=20260101,
        ge=0,
        le=2**63 - 1,
        description="Root seed; every random stream is spawned from it.",
    )
    targets: Targets = Field(default_factory=Targets, description="The committee's targets.")
    orders: OrderLevers = Field(default_factory=OrderLevers, description="Order levers.")
    logistics: LogisticsLevers = Field(
        default_factory=LogisticsLevers, description="Logistics levers."
    )
    territory: TerritoryLevers = Field(
        default_factory=TerritoryLevers, description="Territory levers."
    )
    credit: CreditLevers = Field(default_factory=CreditLevers, description="Credit levers.")
    channel: ChannelLevers = Field(default_factory=ChannelLevers,
                                   description="Outside drivers of the channel's payment.")
    assumptions: Assumptions = Field(
        default_factory=Assumptions, description="Effect sizes DOMAIN.md does not give.")
    assumption_ranges: AssumptionRanges = Field(  # type: ignore[valid-type]
        default_factory=AssumptionRanges,
        description="Plausible [low, high] of assumptions, replacing scenarios/evidence.py's.")
    rollout: RolloutLevers = Field(
        default_factory=RolloutLevers,
        description="Where and how fast the plan's order, logistics and credit levers apply.")
    log: list[LogEntry] = Field(
        default_factory=list, description="The assumptions log: who changed what, when, why.")

    @field_validator("warmup_days")
    @classmethod
    def _warmup_before_horizon(cls, warmup_days: int, info: ValidationInfo) -> int:
        horizon_days = info.data.get("horizon_days")
        if horizon_days is not None and warmup_days >= horizon_days:
            raise PydanticCustomError(
                "warmup_not_before_horizon",
                "fewer days than horizon_days ({horizon_days})",
                {"horizon_days": horizon_days},
            )
        return warmup_days


LEVER_SECTIONS: tuple[str, ...] = ("orders", "logistics", "territory", "credit", "channel")
"""Names of the lever sections, in file order."""


def committee_targets() -> dict[str, float]:
    """The committee's targets as the scenario schema defines them (its defaults)."""
    return Targets().model_dump()
