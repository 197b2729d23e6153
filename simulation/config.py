"""What the simulation consumes: one frozen :class:`SimulationConfig`, built beforehand.

The simulation never reads a scenario file or its schema. ``scenarios.run`` translates a
scenario and the models' answers (credit tiers → each account's terms, the location model →
the network plan, the stocking model → forward stock) into this config; anything else that
wants to simulate (a test, a benchmark) builds one the same way. New levers are added here as
fields the mechanisms read, and in the one translator that fills them.

Units are in the names; rates and shares are fractions in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from models.credit.reminders import AUTOMATED_SCHEDULE_DAYS
from simulation.forward_stock import ForwardStock


class Terms(StrEnum):
    """Payment terms of an account (DOMAIN.md, "Credit and collection")."""

    MONTHLY = "monthly"
    EXTENDED_75_DAYS = "extended_75_days"
    CASH_DISCOUNT_1PCT = "cash_discount_1pct"
    MONTHLY_PLUS_QUARTERLY_REBATE = "monthly_plus_quarterly_rebate"
    CASH_BEFORE_DELIVERY = "cash_before_delivery"


class Route(StrEnum):
    """How an order is approved."""

    OFFICE = "office"   # clerk review + manual approval (a shared resource)
    ESIGN = "esign"     # abnormal order signed on a phone
    AUTO = "auto"       # routine order of an auto-approved tier


@dataclass(frozen=True)
class OrderPolicy:
    """Order entry, approval and stock visibility."""

    #: share of orders through the app; None = the history's channel shares
    app_channel_share: float | None = None
    #: customer tiers whose routine orders skip manual approval
    auto_approval_tiers: frozenset[str] = frozenset()
    abnormal_order_threshold_cny: float = 200_000.0
    #: e-signature approval of abnormal orders within this many hours; None = manual approval
    esign_approval_hours: float | None = None
    #: real-time stock sync (True) or today's daily batch (False)
    real_time_stock: bool = False
    #: app orders in stock and on credit terms, not abnormal, skip clerk review (the plan: "if
    #: stock suffices it triggers shipping at once")
    app_release: bool = False


@dataclass(frozen=True)
class DeliveryPolicy:
    """Carrier and tracking (the network itself is :class:`NetworkPlan`)."""

    strategic_partner: bool = False
    #: the partner's contractual remote-area transit limit, days; None = no limit
    remote_limit_days: float | None = None
    tracking: bool = False


@dataclass(frozen=True)
class CreditPolicy:
    """Invoicing and collection; ``account_terms`` holds each account's terms (a
    :class:`Terms` value per account, in the inputs' account order)."""

    account_terms: np.ndarray
    #: per account, the change in mean lateness (days) outside drivers bring (None: none)
    lateness_change_days: np.ndarray | None = None
    #: per account, the share of its orders it still places under its terms (None: all); an
    #: account moved to cash before delivery buys less or leaves
    sales_retained: np.ndarray | None = None
    e_invoice: bool = False
    online_payment: bool = False
    automated_reminders: bool = False
    #: automated reminders' days from the due date (negative = before); after the last, every
    #: ``Effects.automated_reminder_interval_days``
    reminder_schedule_days: tuple[float, ...] = AUTOMATED_SCHEDULE_DAYS

    def prepaid(self, customer: np.ndarray) -> np.ndarray:
        """Whether each account in ``customer`` pays before delivery."""
        return self.account_terms[customer] == Terms.CASH_BEFORE_DELIVERY


@dataclass(frozen=True)
class Effects:
    """Effect sizes of the levers that DOMAIN.md does not quantify (the scenario's
    ``[assumptions]``; docs/scenarios.md gives their reasoning)."""

    staffing_utilization: float = 0.6
    real_time_backorder_reduction: float = 0.7
    cash_before_delivery_wait_days: float = 2.0
    partner_speed_factor: float = 1.2
    partner_incident_factor: float = 0.4
    remote_limit_compliance: float = 0.95
    tracking_late_complaint_factor: float = 0.6
    #: share of 'cannot see where it is' complaints that tracking removes
    tracking_visibility_complaint_reduction: float = 0.7
    #: share of invoices paid early when the discount far outearns the payer's cost of money
    cash_discount_take_up: float = 0.7
    #: payers' cost of money, per year: with bank credit / cash-constrained (collection.py)
    cost_of_money: float = 0.045
    cost_of_money_constrained: float = 0.12
    #: quarterly rebate, share of the invoices settled by their due date
    quarterly_rebate_rate: float = 0.005
    #: share of its purchases an account moved to cash before delivery stops making
    cash_before_delivery_sales_loss: float = 0.2
    #: the company's cost of financing receivables, per year
    cost_of_capital: float = 0.06
    cash_discount_pay_days: int = 10
    rebate_lateness_factor: float = 0.8
    #: share of the remaining delay an invoice keeps after a reminder on or before its due day
    pre_due_reminder_effect: float = 0.85
    automated_reminder_interval_days: float = 14.0
    online_payment_days_saved: float = 0.5
    e_invoice_delay_days: float = 0.0
    paper_invoice_mail_days: float = 4.0


@dataclass(frozen=True)
class Operations:
    """How the company's day runs: when orders come in, when the office and the warehouses
    work, and how many office staff there are. The defaults are today's; the other settings
    exist so the production flow can be set up as a textbook queue and checked against queueing
    theory (a round-the-clock office fed by a constant-rate Poisson stream is M/M/c when its
    work is exponential)."""

    #: office and warehouse staff work Mon-Fri 09:00-18:00 (True, today) or round the clock
    working_calendar: bool = True
    #: orders are placed uniformly between these hours of the day, hours
    order_hours: tuple[float, float] = (8.0, 20.0)
    #: arrivals follow the history's monthly seasonality (False: no seasons)
    seasonal_arrivals: bool = True
    #: arrivals continue the history's growth trend (False: the last year's average rate)
    demand_trend: bool = True
    #: office staff, count; None = sized for the load at ``Effects.staffing_utilization``
    office_servers: int | None = None
    #: pickers per site (the inputs' sites order), count; None = sized likewise
    pick_servers: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        lo, hi = self.order_hours
        if not 0.0 <= lo < hi <= 24.0:
            raise ValueError(f"order_hours(={self.order_hours}) must satisfy 0 <= from < to <= 24")
        if self.office_servers is not None and self.office_servers < 1:
            raise ValueError(f"office_servers(={self.office_servers}) must be >= 1")


@dataclass(frozen=True)
class DemandPolicy:
    """Demand changes decided before the simulation, drawn per replication.

    ``rate_draws`` (draws × accounts): multipliers of every account's order rate; replication
    r uses row r mod draws (e.g. a call plan's lifts under curves drawn within their
    estimation error, relative to the lift the inputs already carry). None: the inputs'
    rates."""

    rate_draws: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.rate_draws is not None and (self.rate_draws.ndim != 2
                                            or len(self.rate_draws) == 0
                                            or (self.rate_draws < 0).any()):
            raise ValueError("rate_draws must be draws × accounts of multipliers >= 0")

    def for_replication(self, replication: int) -> np.ndarray | None:
        if self.rate_draws is None:
            return None
        return self.rate_draws[replication % len(self.rate_draws)]


@dataclass(frozen=True)
class NetworkPlan:
    """The warehouse network, decided before the simulation (site indices refer to the
    inputs' sites table; account arrays follow the inputs' account order).

    ``open_sites``: central DCs plus the open forward warehouses. ``serving_site``: the site
    that picks each account's orders. ``central_site``: each account's nearest central DC,
    today's serving site and the source of a split delivery's second shipment. ``stock``: the
    forward warehouses' stock plan (None: no forward stock is kept).
    """

    open_sites: np.ndarray
    serving_site: np.ndarray
    central_site: np.ndarray
    stock: ForwardStock | None = None


@dataclass(frozen=True)
class Rollout:
    """A gradual or partial roll-out of the config's order, delivery and credit levers.

    ``switch_day`` (per account, days since the epoch): an order placed on or after its
    account's switch day follows the config's levers; one placed before it follows these
    (today's) levers: ``orders``, ``delivery``, ``credit`` and ``serving_site`` (today's
    serving site per account, the central DC). 0 = switched from the start, ``inf`` = never.
    Staffing, demand and the network's stock stay the config's."""

    switch_day: np.ndarray
    credit: CreditPolicy
    serving_site: np.ndarray
    orders: OrderPolicy = OrderPolicy()
    delivery: DeliveryPolicy = DeliveryPolicy()

    def __post_init__(self) -> None:
        if np.isnan(self.switch_day).any() or (self.switch_day < 0).any():
            raise ValueError("switch_day must be >= 0 per account (inf = never)")


@dataclass(frozen=True)
class SimulationConfig:
    """One simulated what-if: window, seed, policies, effect sizes and the network plan."""

    name: str
    horizon_days: int
    warmup_days: int
    seed: int
    network: NetworkPlan
    credit: CreditPolicy
    orders: OrderPolicy = OrderPolicy()
    delivery: DeliveryPolicy = DeliveryPolicy()
    effects: Effects = Effects()
    operations: Operations = Operations()
    demand: DemandPolicy = DemandPolicy()
    #: per-account switch to these levers (None: every order follows them)
    rollout: Rollout | None = None

    def switched(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray | None:
        """Per order (account ``customer``, placed on ``day``): whether it follows the
        config's levers rather than the roll-out's today's; None without a roll-out."""
        if self.rollout is None:
            return None
        return np.asarray(day) >= self.rollout.switch_day[customer]

    def __post_init__(self) -> None:
        if not 0 <= self.warmup_days < self.horizon_days:
            raise ValueError(f"warmup_days(={self.warmup_days}) must be in "
                             f"0..horizon_days(={self.horizon_days}) - 1")
        if len(self.network.serving_site) != len(self.credit.account_terms):
            raise ValueError("network.serving_site and credit.account_terms must have one "
                             "entry per account")
        draws = self.demand.rate_draws
        if draws is not None and draws.shape[1] != len(self.credit.account_terms):
            raise ValueError("demand.rate_draws must have one column per account")
        accounts = len(self.credit.account_terms)
        if self.rollout is not None and not (
                len(self.rollout.switch_day) == len(self.rollout.serving_site)
                == len(self.rollout.credit.account_terms) == accounts):
            raise ValueError("rollout.switch_day, serving_site and credit.account_terms must "
                             "have one entry per account")
