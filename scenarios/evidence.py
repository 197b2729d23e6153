"""The evidence behind every assumption: its source, a plausible low and high, and the lever
that puts it to use.

DOMAIN.md names the measures but not how strongly each works, so a scenario states each effect
size under ``[assumptions]`` (:class:`scenarios.schema.Assumptions`). :data:`EVIDENCE` gives,
for every one of those fields, where its default comes from (a citation, or ``"judgement"``
where the project has nothing better), how far it may plausibly lie from it (``low``,
``high``), the reasoning, and when a scenario uses it at all. A scenario may replace a range
under ``[assumption_ranges]`` (``name = [low, high]``, docs/scenarios.md), for instance with
the company's own measurement; the source shown then says so.

The ranges are what ``pharmaops sensitivity`` varies (:mod:`scenarios.sensitivity`); the run
output and the committee page show them beside each value (:func:`assumption_rows`).
``tests/test_evidence.py`` checks that every field has an entry and that low <= default <=
high within the field's bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scenarios.schema import Assumptions, Scenario

#: the source of an assumption the project chose without a published figure
JUDGEMENT = "judgement"
#: the source shown for a range the scenario file sets under [assumption_ranges]
SCENARIO_RANGE = "range set in the scenario file"


@dataclass(frozen=True)
class Evidence:
    """Where an assumption comes from and how far it may plausibly lie from its default."""

    #: a citation, or :data:`JUDGEMENT`
    source: str
    low: float
    high: float
    #: why the default and the range, in a sentence or two
    reason: str
    #: the levers that put the assumption to use, in words
    used_when: str
    #: whether a scenario's levers put it to use (else it changes no simulated figure)
    in_play: Callable[[Scenario], bool]


def _always(_: Scenario) -> bool:
    return True


def _partner(s: Scenario) -> bool:
    return s.logistics.carrier == "strategic_partner"


def _remote_limit(s: Scenario) -> bool:
    return _partner(s) and s.logistics.remote_limit_days is not None


def _tracking(s: Scenario) -> bool:
    return s.logistics.tracking


def _real_time(s: Scenario) -> bool:
    return s.orders.stock_sync == "real_time"


def _terms_in_play(s: Scenario, option: str) -> bool:
    """Whether the scenario's credit policy can put an account on ``option``."""
    c = s.credit
    policy = c.effective_policy
    if policy == "optimize":
        return True
    if policy == "uniform":
        return c.uniform_terms == option
    # tiered: only scored accounts can be premium or risk; unscored ones are all ordinary
    return (c.ordinary_terms == option
            or (c.scored and option in (c.premium_terms, c.risk_terms)))


def _cash_before_delivery(s: Scenario) -> bool:
    return _terms_in_play(s, "cash_before_delivery")


def _cash_discount(s: Scenario) -> bool:
    return _terms_in_play(s, "cash_discount_1pct")


def _channel_driver(s: Scenario) -> bool:
    return s.channel.insurance_direct_settlement or s.channel.sme_payment_rule


def _insurance(s: Scenario) -> bool:
    return s.channel.insurance_direct_settlement


def _sme_rule(s: Scenario) -> bool:
    return s.channel.sme_payment_rule


def _rebate(s: Scenario) -> bool:
    return _terms_in_play(s, "monthly_plus_quarterly_rebate")


def _automated_reminders(s: Scenario) -> bool:
    return s.credit.reminders == "automated"


def _pre_due_reminders(s: Scenario) -> bool:
    return _automated_reminders(s) and min(s.credit.reminder_schedule_days) <= 0


def _online_payment(s: Scenario) -> bool:
    return s.credit.online_payment


def _e_invoice(s: Scenario) -> bool:
    return s.credit.e_invoice


def _forward(s: Scenario) -> bool:
    return s.logistics.forward_warehouses != "none"


FORWARD = "logistics.forward_warehouses other than 'none'"

CHANNEL_DRIVER = "channel.insurance_direct_settlement or channel.sme_payment_rule"

def _calls_planned(s: Scenario) -> bool:
    return s.territory.allocation == "optimize"


EVIDENCE: dict[str, Evidence] = {
    "entry_wait_field_elasticity": Evidence(
        JUDGEMENT, 0.5, 1.5,
        "The history records calls and their minutes, not the rest of a rep's day, so how much "
        "longer orders wait when reps call more cannot be measured. 1 keeps the keying in to "
        "the share of the day the calls leave; 0.5 to 1.5 spans reps who key in at fixed "
        "times to reps who key in only in the gaps between calls.",
        "territory.allocation = 'optimize' (the plan's calls a rep)", _calls_planned),
    "staffing_utilization": Evidence(
        JUDGEMENT, 0.5, 0.7,
        "The history shows stage times, not head counts. Office and warehouse staff planned "
        "50-70% busy leave room for the day's peaks; much busier staff would queue more than "
        "the measured stage times hold (the run is then refused, docs/simulation.md).",
        "always (staff are sized for today's load)", _always),
    "real_time_backorder_reduction": Evidence(
        JUDGEMENT, 0.5, 0.9,
        "The share of today's backorders that come from selling stock the daily batch still "
        "showed; the history does not tell oversold orders from true stock-outs.",
        "orders.stock_sync = 'real_time'", _real_time),
    "cash_before_delivery_wait_days": Evidence(
        JUDGEMENT, 1.0, 4.0,
        "The customer must see the pro-forma invoice and pay, and finance must see the money "
        "before release; the transfer itself settles the same day.",
        "a credit policy that puts accounts on 'cash_before_delivery'", _cash_before_delivery),
    "partner_speed_factor": Evidence(
        JUDGEMENT, 1.0, 1.4,
        "Dedicated trunk lines: no slower on the road than today's carrier, at most about 40% "
        "faster (handling and the last mile do not change).",
        "logistics.carrier = 'strategic_partner'", _partner),
    "partner_incident_factor": Evidence(
        JUDGEMENT, 0.25, 0.7,
        "A qualified carrier under contract loses and delays fewer shipments; no figure for "
        "the partner yet.",
        "logistics.carrier = 'strategic_partner'", _partner),
    "remote_limit_compliance": Evidence(
        JUDGEMENT, 0.85, 0.99,
        "A contractual limit with penalties is mostly kept, never always.",
        "logistics.carrier = 'strategic_partner' with logistics.remote_limit_days",
        _remote_limit),
    "tracking_late_complaint_factor": Evidence(
        JUDGEMENT, 0.4, 0.9,
        "A notice the day before lets a customer plan around a late order; how many still "
        "complain is not published (the 60-80% figures are about 'where is it' complaints).",
        "logistics.tracking = true", _tracking),
    "tracking_visibility_complaint_reduction": Evidence(
        "DOMAIN.md, 'Effect sizes seen elsewhere': tracking cuts 'where is my order' "
        "complaints by 60-80% in published (B2C) figures", 0.6, 0.8,
        "The middle of the published range; B2C customers are not hospitals, so the range is "
        "kept as published rather than narrowed.",
        "logistics.tracking = true", _tracking),
    "cash_discount_take_up": Evidence(
        JUDGEMENT, 0.5, 0.9,
        "Even when a discount pays for itself, payment runs are monthly and some invoices miss "
        "the window; the share paid early then follows from the payer's cost of money against "
        "the discount's implied rate (1% for paying at day 10 instead of day 60 is 7.4% a "
        "year; docs/credit.md).",
        "a credit policy that offers 'cash_discount_1pct'", _cash_discount),
    "cost_of_money": Evidence(
        "People's Bank of China loan prime rate (1-year LPR 3.0-3.45% in 2025) plus the spread "
        "large distributors and chains borrow at", 0.03, 0.06,
        "Level-1 platforms (listed, state-owned) and pharmacy chains borrow near the prime "
        "rate; the range runs from the LPR to a modest corporate spread.",
        "a credit policy that offers 'cash_discount_1pct'", _cash_discount),
    "cost_of_money_constrained": Evidence(
        JUDGEMENT, 0.08, 0.18,
        "Level-2 distributors and private hospitals and clinics wait 120-180 days for public "
        "hospitals or live on thin cash; they fund themselves by supplier credit, factoring or "
        "private loans at around 8-18% a year, above what a 1% discount earns.",
        "a credit policy that offers 'cash_discount_1pct'", _cash_discount),
    "quarterly_rebate_rate": Evidence(
        JUDGEMENT, 0.0025, 0.01,
        "Quarterly payment rebates in China's pharmaceutical distribution run at a fraction of "
        "a percent to about 1% of the settled amount; 0.5% is the middle.",
        "a credit policy that offers 'monthly_plus_quarterly_rebate'", _rebate),
    "cash_before_delivery_sales_loss": Evidence(
        JUDGEMENT, 0.05, 0.4,
        "An account told to pay before delivery can buy the same drug from a competitor's "
        "distributor on credit; some stay (the product is on their formulary), some buy less, "
        "some leave. Not measured: the company has never moved accounts to prepayment.",
        "a credit policy that puts accounts on 'cash_before_delivery'", _cash_before_delivery),
    "cost_of_capital": Evidence(
        JUDGEMENT, 0.04, 0.08,
        "What the company pays to finance its receivables (bank credit and equity); for a "
        "Chinese pharmaceutical maker 4-8% a year. It changes no simulated KPI, only the "
        "financing cost reported and the terms model's choice.",
        "every run (the cost of financing receivables is reported)", _always),
    "cash_discount_pay_days": Evidence(
        "DOMAIN.md, 'Effect sizes seen elsewhere': a 1% discount for paying at day 10", 7, 15,
        "A term the company sets; the range covers the early-payment windows commonly offered.",
        "a credit policy that offers 'cash_discount_1pct'", _cash_discount),
    "rebate_lateness_factor": Evidence(
        JUDGEMENT, 0.6, 1.0,
        "A quarterly rebate rewards paying on time, but public hospitals pay late for lack of "
        "funds rather than of reasons (DOMAIN.md, 'Who pays when'), so it may change nothing.",
        "a credit policy that offers 'monthly_plus_quarterly_rebate'", _rebate),
    "pre_due_reminder_effect": Evidence(
        JUDGEMENT, 0.6, 1.0,
        "A reminder before the due date reaches the payer before its payment run, but asks for "
        "nothing yet owed: a nudge weaker than the measured chase after due (about half of the "
        "delay kept), possibly none at all.",
        "automated reminders on or before the due date", _pre_due_reminders),
    "automated_reminder_interval_days": Evidence(
        JUDGEMENT, 7.0, 21.0,
        "A setting of the reminder system once its listed days are past: weekly to "
        "three-weekly.",
        "credit.reminders = 'automated'", _automated_reminders),
    "online_payment_days_saved": Evidence(
        JUDGEMENT, 0.0, 1.0,
        "Bank transfers in China settle the same day, so online payment saves only the keying "
        "of a transfer and its matching to the invoice by hand: at most a day.",
        "credit.online_payment = true", _online_payment),
    "e_invoice_delay_days": Evidence(
        JUDGEMENT, 0.0, 1.0,
        "The system issues the e-invoice at shipping, at the latest the next working day.",
        "credit.e_invoice = true", _e_invoice),
    "paper_invoice_mail_days": Evidence(
        JUDGEMENT, 2.0, 7.0,
        "Domestic post takes two to four days, and the customer's mailroom adds to it.",
        "credit.e_invoice = true", _e_invoice),
    "forward_replenishment_handling_days": Evidence(
        JUDGEMENT, 0.5, 2.0,
        "The central DC picks and loads a replenishment order within one to two working "
        "days, half a day when trunk departures are daily.",
        FORWARD, _forward),
    "forward_lead_time_sd_days": Evidence(
        JUDGEMENT, 0.5, 2.0,
        "The spread of a trunk transit of one to three days plus handling.",
        FORWARD, _forward),
    "forward_order_cost_cny": Evidence(
        JUDGEMENT, 200.0, 1000.0,
        "Handling, paperwork and a trunk slot per replenishment order.",
        FORWARD, _forward),
    "forward_holding_rate_per_year": Evidence(
        JUDGEMENT, 0.15, 0.35,
        "Capital, storage and expiry; textbook carrying charges are quoted at about 20-30% of "
        "unit cost a year.",
        FORWARD, _forward),
    "public_terminal_payment_days": Evidence(
        "Ministry of Commerce, drug-distribution report 2024 (via Yicai): about 154 days, about "
        "150 for five years", 120.0, 180.0,
        "Drug wholesalers waited about 154 days to be paid by medical institutions in 2024; "
        "the 120-180 range spans the grades and provinces behind that average.",
        CHANNEL_DRIVER, _channel_driver),
    "other_terminal_payment_days": Evidence(
        JUDGEMENT, 45.0, 90.0,
        "Retail pharmacies pay their distributor on commercial monthly terms, one to three "
        "months.", CHANNEL_DRIVER, _channel_driver),
    "pass_through_size_elasticity": Evidence(
        JUDGEMENT, 0.0, 0.6,
        "A small distributor has less bank credit to wait for hospitals, so passes more of the "
        "delay on; 0 means size does not matter.", CHANNEL_DRIVER, _channel_driver),
    "insured_share_of_public_sales": Evidence(
        JUDGEMENT, 0.3, 0.7,
        "Direct settlement covers procured (volume-based) drugs, about half of a public "
        "hospital's purchases of products like ours.",
        "channel.insurance_direct_settlement = true", _insurance),
    "insurance_settlement_days": Evidence(
        JUDGEMENT, 20.0, 45.0,
        "The direct-settlement pilots pay within about a month of the hospital's receipt.",
        "channel.insurance_direct_settlement = true", _insurance),
    "sme_rule_compliance": Evidence(
        JUDGEMENT, 0.2, 0.8,
        "The 2025 rule binds public institutions, but hospitals short of funds will keep it "
        "only in part; how far is open.", "channel.sme_payment_rule = true", _sme_rule),
    "sme_rule_max_days": Evidence(
        "Regulations on Ensuring Payments to Small and Medium Enterprises, revised 2025: 30 "
        "days, at most 60 by contract", 30.0, 60.0,
        "The rule's own bounds: 30 days by default, 60 where the contract says so.",
        "channel.sme_payment_rule = true", _sme_rule),
}


def evidence(name: str) -> Evidence:
    """The evidence of assumption ``name`` (a field of :class:`Assumptions`)."""
    if name not in EVIDENCE:
        raise KeyError(f"assumption(={name!r}) has no evidence; known: {', '.join(EVIDENCE)}")
    return EVIDENCE[name]


def assumption_range(scenario: Scenario, name: str) -> tuple[float, float]:
    """The plausible [low, high] of ``name`` for ``scenario``: the scenario's own
    ``[assumption_ranges]`` entry, else the catalogue's."""
    own = getattr(scenario.assumption_ranges, name)
    if own is not None:
        return own
    found = evidence(name)
    return found.low, found.high


def in_play(scenario: Scenario) -> list[str]:
    """The assumptions the scenario's levers put to use, in the schema's order; the others
    change no simulated figure of this scenario."""
    return [name for name in Assumptions.model_fields if evidence(name).in_play(scenario)]


def assumption_rows(scenario: Scenario) -> dict[str, dict]:
    """Every assumption of ``scenario`` as shown: ``{name: {"value", "low", "high",
    "source", "used"}}``; ``source`` says when the range comes from the scenario file."""
    rows = {}
    for name in Assumptions.model_fields:
        found = evidence(name)
        low, high = assumption_range(scenario, name)
        own = getattr(scenario.assumption_ranges, name) is not None
        rows[name] = {"value": getattr(scenario.assumptions, name), "low": low, "high": high,
                      "source": f"{found.source} ({SCENARIO_RANGE})" if own else found.source,
                      "used": found.in_play(scenario)}
    return rows
