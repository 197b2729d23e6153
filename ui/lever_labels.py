"""The scenario levers and assumptions as people read them: each lever's label with its unit
and its help (the schema's own description, ``scenarios.schema``), and the sources the
evidence of an assumption cites (``scenarios.evidence``), all from the catalogue. Keyed by the
lever's dotted path, as ``pharmaops validate`` and ``scenarios.scenario_edit.levers`` name it;
``tests/test_lever_labels.py`` keeps the keys equal to the schema's levers and the English
help equal to the schema's descriptions."""

from __future__ import annotations

from scenarios.evidence import SCENARIO_RANGE
from ui.i18n import N_, _
from ui.overview import type_label

#: lever path → its label, with its unit
LEVER_LABELS = {
    "name": N_("Name"),
    "description": N_("Description"),
    "horizon_days": N_("Simulated horizon (days)"),
    "warmup_days": N_("Warm-up (days)"),
    "replications": N_("Replications (count)"),
    "seed": N_("Seed"),
    "targets.order_processing_days": N_("Target: order processing (days)"),
    "targets.on_time_rate": N_("Target: on-time delivery (0..1)"),
    "targets.dso_days": N_("Target: DSO (days)"),
    "targets.bad_debt_rate": N_("Target: bad-debt rate (0..1)"),
    "targets.remote_delivery_days": N_("Target: remote-area delivery (days)"),
    "targets.complaint_rate": N_("Target: complaint rate (0..1)"),
    "orders.app_channel_share": N_("App channel share (0..1)"),
    "orders.auto_approval_tiers": N_("Tiers approved automatically"),
    "orders.abnormal_order_threshold_cny": N_("Abnormal order threshold (CNY)"),
    "orders.esign_approval_hours": N_("E-signature approval time (hours)"),
    "orders.stock_sync": N_("Stock visibility at order entry"),
    "orders.app_orders_skip_review": N_("App orders skip clerk review"),
    "logistics.carrier": N_("Carrier"),
    "logistics.remote_limit_days": N_("Remote-area delivery limit (days)"),
    "logistics.tracking": N_("Delivery tracking for customers"),
    "logistics.tracking_notice_days_before": N_("Arrival notice (days before delivery)"),
    "logistics.forward_warehouses": N_("Forward warehouses"),
    "logistics.warehouse_max_sites": N_("Most forward warehouses (count)"),
    "logistics.warehouse_budget_cny": N_("Forward warehouse budget (CNY/year)"),
    "logistics.warehouse_service_days": N_("Service limit of the location model (days)"),
    "logistics.warehouse_service_share": N_("Demand within the service limit (0..1)"),
    "logistics.forward_fill_rate": N_("Forward fill-rate target (share)"),
    "logistics.forward_policy": N_("Reorder policy"),
    "logistics.forward_review_days": N_("Review period of RS (days)"),
    "logistics.forward_max_products": N_("Most products per forward warehouse (count)"),
    "territory.tiering": N_("Customer tiering"),
    "territory.academic_specialist_for_core": N_("Academic specialists for core customers"),
    "territory.academic_meetings_per_specialist": N_("Meetings per specialist "
                                                     "(meetings/month)"),
    "territory.field_days_per_month": N_("Rep field days (days/month)"),
    "territory.calls_per_day": N_("Rep calls per field day (calls/day)"),
    "territory.grading_weights": N_("Doctor grading weights"),
    "territory.grade_cuts": N_("Doctor grade cuts (points)"),
    "territory.visit_quota": N_("Visit quota (visits/month per doctor)"),
    "territory.allocation": N_("Calls per account"),
    "territory.reps": N_("Reps in the field (count)"),
    "territory.rep_cost_cny_per_month": N_("Cost of one rep (CNY/month)"),
    "credit.scoring": N_("Credit scoring"),
    "credit.premium_min_score": N_("Lowest premium score (points)"),
    "credit.risk_max_score": N_("Highest risk score (points)"),
    "credit.premium_terms": N_("Terms of premium customers"),
    "credit.ordinary_terms": N_("Terms of ordinary customers"),
    "credit.risk_terms": N_("Terms of risk customers"),
    "credit.policy": N_("Terms policy"),
    "credit.uniform_terms": N_("Uniform terms"),
    "credit.dso_limit_days": N_("DSO limit (days)"),
    "credit.bad_debt_limit": N_("Bad-debt limit (share)"),
    "credit.sales_loss_limit": N_("Sales-loss limit (share)"),
    "credit.contribution_margin": N_("Contribution margin (share)"),
    "credit.risk_never_extended": N_("Risk never on 75 days"),
    "credit.cash_before_delivery_only_risk": N_("Cash before delivery for risk only"),
    "credit.never_cash_before_delivery": N_("Types never on cash before delivery"),
    "credit.e_invoice": N_("E-invoices"),
    "credit.online_payment": N_("Online payment"),
    "credit.reminders": N_("Payment reminders"),
    "channel.insurance_direct_settlement": N_("Insurance direct settlement"),
    "channel.sme_payment_rule": N_("Payment rule for small and medium suppliers"),
    "rollout.regions": N_("Regions of the roll-out"),
    "rollout.months_to_full": N_("Months to full roll-out (months)"),
    "assumptions.staffing_utilization": N_("Staff utilization (share)"),
    "assumptions.real_time_backorder_reduction": N_("Backorders prevented by real-time stock "
                                                    "(share)"),
    "assumptions.cash_before_delivery_wait_days": N_("Cash-before-delivery wait (days)"),
    "assumptions.partner_speed_factor": N_("Partner speed factor (ratio)"),
    "assumptions.partner_incident_factor": N_("Partner incident factor (ratio)"),
    "assumptions.remote_limit_compliance": N_("Remote-limit compliance (share)"),
    "assumptions.tracking_late_complaint_factor": N_("Complaints per late order with tracking "
                                                     "(ratio)"),
    "assumptions.tracking_visibility_complaint_reduction": N_("Visibility complaints removed "
                                                              "by tracking (share)"),
    "assumptions.cash_discount_take_up": N_("Cash-discount take-up (share)"),
    "assumptions.cost_of_money": N_("Cost of money, accounts with bank credit (per year)"),
    "assumptions.cost_of_money_constrained": N_("Cost of money, cash-constrained accounts "
                                                "(per year)"),
    "assumptions.quarterly_rebate_rate": N_("Quarterly rebate rate (share)"),
    "assumptions.cash_before_delivery_sales_loss": N_("Sales lost to cash before delivery "
                                                      "(share)"),
    "assumptions.cost_of_capital": N_("Cost of capital (per year)"),
    "assumptions.entry_wait_field_elasticity": N_("Order-entry wait elasticity to calls "
                                                  "(ratio)"),
    "assumptions.cash_discount_pay_days": N_("Cash-discount pay days (days)"),
    "assumptions.rebate_lateness_factor": N_("Lateness with rebate (ratio)"),
    "assumptions.pre_due_reminder_effect": N_("Delay kept after a pre-due reminder (share)"),
    "assumptions.automated_reminder_interval_days": N_("Automated reminder interval (days)"),
    "assumptions.online_payment_days_saved": N_("Days saved by online payment (days)"),
    "assumptions.e_invoice_delay_days": N_("E-invoice delay (days)"),
    "assumptions.forward_replenishment_handling_days": N_("Replenishment handling at the "
                                                          "central DC (days)"),
    "assumptions.forward_lead_time_sd_days": N_("Lead-time standard deviation (days)"),
    "assumptions.forward_order_cost_cny": N_("Cost of a replenishment order (CNY)"),
    "assumptions.forward_holding_rate_per_year": N_("Holding rate (share/year)"),
    "assumptions.paper_invoice_mail_days": N_("Paper invoice in the post (days)"),
    "assumptions.public_terminal_payment_days": N_("Public terminals' payment days (days)"),
    "assumptions.other_terminal_payment_days": N_("Pharmacies' payment days (days)"),
    "assumptions.pass_through_size_elasticity": N_("Pass-through size elasticity (ratio)"),
    "assumptions.insured_share_of_public_sales": N_("Insured share of public sales (share)"),
    "assumptions.insurance_settlement_days": N_("Insurance settlement (days)"),
    "assumptions.sme_rule_compliance": N_("Compliance with the SME rule (share)"),
    "assumptions.sme_rule_max_days": N_("Longest term under the SME rule (days)"),
}

#: lever path → its help: the schema's description of the field
LEVER_HELP = {
    "name": N_("Short name shown in reports."),
    "description": N_("Free text."),
    "horizon_days": N_("Simulated time per replication, days."),
    "warmup_days": N_("Simulated days dropped before KPIs are measured, days (< "
                      "horizon_days)."),
    "replications": N_("Independent simulation runs, count."),
    "seed": N_("Root seed; every random stream is spawned from it."),
    "targets.order_processing_days": N_("Order-to-ship time, days (today 3)."),
    "targets.on_time_rate": N_("Share of deliveries on time, 0..1 (today 0.85)."),
    "targets.dso_days": N_("Days sales outstanding, days (today 60)."),
    "targets.bad_debt_rate": N_("Bad debt as a share of sales, 0..1 (today 0.02)."),
    "targets.remote_delivery_days": N_("Delivery time to remote areas, days (today 7)."),
    "targets.complaint_rate": N_("Complaints per delivered order, 0..1 (today 0.08)."),
    "orders.app_channel_share": N_("Share of orders placed through the app, 0..1; None = the "
                                   "data set's history."),
    "orders.auto_approval_tiers": N_("Tiers whose routine orders skip manual approval; [] = "
                                     "none (today)."),
    "orders.abnormal_order_threshold_cny": N_("Order value above which an order is abnormal "
                                              "and needs approval, CNY."),
    "orders.esign_approval_hours": N_("E-signature approval time of abnormal orders, hours; "
                                      "None = manual (today)."),
    "orders.stock_sync": N_("How often order entry sees warehouse stock; daily_batch = today."),
    "orders.app_orders_skip_review": N_("App orders that the app found in stock and on credit "
                                        "terms (not cash before delivery), and that are not "
                                        "abnormal, go to picking without clerk review; false "
                                        "= every such order is reviewed (today)."),
    "logistics.carrier": N_("Third-party logistics provider; current_3pl = today."),
    "logistics.remote_limit_days": N_("Contractual remote-area delivery limit, days; None = "
                                      "no limit (today)."),
    "logistics.tracking": N_("Delivery status visible to customers; false = today."),
    "logistics.tracking_notice_days_before": N_("Arrival notice sent this many days before "
                                                "delivery (only with tracking)."),
    "logistics.forward_warehouses": N_("'none' (today), 'optimize' (the model picks sites) or "
                                       "a list of site ids."),
    "logistics.warehouse_max_sites": N_("With 'optimize': at most this many forward "
                                        "warehouses (central DCs not counted), count; None = "
                                        "no limit."),
    "logistics.warehouse_budget_cny": N_("With 'optimize': annual fixed cost of the forward "
                                         "warehouses at most, CNY/year; None = no budget."),
    "logistics.warehouse_service_days": N_("With 'optimize': delivery-days limit of the "
                                           "location model (transit days from the serving "
                                           "site), days; None = cost only."),
    "logistics.warehouse_service_share": N_("With 'optimize': share of demand that must "
                                            "arrive within warehouse_service_days, 0..1; None "
                                            "= every district (that any site can reach)."),
    "logistics.forward_fill_rate": N_("Fill-rate target of each forward warehouse's reorder "
                                      "policies (units shipped from its stock / units asked "
                                      "of it), share; the rest comes from the central DC as a "
                                      "second shipment."),
    "logistics.forward_policy": N_("Reorder policy per forward warehouse and product: sQ = "
                                   "continuous review, reorder point s and EOQ quantity Q; RS "
                                   "= review every forward_review_days, order up to S."),
    "logistics.forward_review_days": N_("Review period of the RS policy, days."),
    "logistics.forward_max_products": N_("At most this many products per forward warehouse "
                                         "(chronic-disease drugs first, then fast movers), "
                                         "count; None = every eligible product."),
    "territory.tiering": N_("Customer tiering; none = reps choose by relationship (today)."),
    "territory.academic_specialist_for_core": N_("Core customers get an academic specialist "
                                                 "besides the rep: the specialists hold their "
                                                 "academic meetings at the core accounts "
                                                 "where a meeting earns most "
                                                 "(docs/territory.md, \"Academic "
                                                 "specialists\"); false = where they hold "
                                                 "them today."),
    "territory.academic_meetings_per_specialist": N_("Academic meetings a month each "
                                                     "specialist can lead, meetings/month; "
                                                     "None = the history's rate (their "
                                                     "meetings of the last 12 months)."),
    "territory.field_days_per_month": N_("Rep field days per month, days; None = the data "
                                         "set's history."),
    "territory.calls_per_day": N_("Rep calls per field day, calls/day; None = the data set's "
                                  "history."),
    "territory.grading_weights": N_("Doctor grading: weight of each attribute (relative; only "
                                    "ratios count; an attribute left out weighs 0)."),
    "territory.grade_cuts": N_("Doctor grading: lowest points of grades A, B and C (A > B > "
                               "C); below C is D."),
    "territory.visit_quota": N_("Visits a month each doctor of a grade is due; a grade left "
                                "out gets none. A hospital's workload is the sum over its "
                                "doctors (a pharmacy: 1 visit)."),
    "territory.allocation": N_("Calls per account: current = today's (the history's order "
                               "rates); optimize = the call plan on the response curves "
                               "estimated from the visits (docs/territory.md), which changes "
                               "every account's order rate."),
    "territory.reps": N_("Reps in the field; left out = today's. Needs allocation = "
                         "\"optimize\": the plan at this size, calls pooled per region as the "
                         "size curve does."),
    "territory.rep_cost_cny_per_month": N_("Cost of one rep a month, CNY (salary, social "
                                           "insurance, travel and expenses): an assumption, "
                                           "used by the sales-force size curve."),
    "credit.scoring": N_("Score customers and set terms by grade; false = today."),
    "credit.premium_min_score": N_("Lowest credit score of a premium customer, points."),
    "credit.risk_max_score": N_("Highest credit score of a risk customer, points (< "
                                "premium_min_score)."),
    "credit.premium_terms": N_("Payment terms of premium customers; monthly = today."),
    "credit.ordinary_terms": N_("Payment terms of ordinary customers; monthly = today."),
    "credit.risk_terms": N_("Payment terms of risk customers; monthly = today."),
    "credit.policy": N_("How terms are set: 'uniform' (everyone on uniform_terms), 'tiered' "
                        "(terms by credit tier) or 'optimize' (the terms model, "
                        "docs/credit.md); unset = 'tiered' (without scoring every account is "
                        "ordinary)."),
    "credit.uniform_terms": N_("Terms of every account under policy 'uniform'."),
    "credit.dso_limit_days": N_("policy 'optimize': portfolio DSO at most, days; unset = "
                                "targets.dso_days."),
    "credit.bad_debt_limit": N_("policy 'optimize': bad debt at most, share of credit sales; "
                                "unset = targets.bad_debt_rate."),
    "credit.sales_loss_limit": N_("optimize: sales lost to the terms at most, share of "
                                  "today's."),
    "credit.contribution_margin": N_("Contribution margin (price less variable cost), share "
                                     "of sales."),
    "credit.risk_never_extended": N_("optimize: risk never on 75 days."),
    "credit.cash_before_delivery_only_risk": N_("policy 'optimize': only risk-tier accounts "
                                                "can be put on cash before delivery (a credit "
                                                "sanction, not a way to pull cash in)."),
    "credit.never_cash_before_delivery": N_("Account types never put on cash before delivery "
                                            "(level-1 platforms supply the public hospitals); "
                                            "under 'tiered' they keep ordinary terms."),
    "credit.e_invoice": N_("Invoices sent electronically at once."),
    "credit.online_payment": N_("Customers can pay online."),
    "credit.reminders": N_("Payment reminders; manual (often forgotten) = today."),
    "channel.insurance_direct_settlement": N_("The medical-insurance funds settle procured "
                                              "drugs directly with the delivering distributor "
                                              "instead of through the hospital."),
    "channel.sme_payment_rule": N_("Public institutions pay small and medium suppliers within "
                                   "30 days, at most 60 by contract (the 2025 rule); level-2 "
                                   "distributors count as such."),
    "rollout.regions": N_("Sales regions whose accounts get the plan (names of the data set's "
                          "customers.region, e.g. East, South); None = every region."),
    "rollout.months_to_full": N_("Months from the start of the measured window until every "
                                 "account (of the regions) has switched, months; each account "
                                 "switches on its own day, spread evenly over them; 0 = every "
                                 "account from the first day."),
    "assumptions.staffing_utilization": N_("Office and warehouse staff are sized so today's "
                                           "offered load would keep them this busy, share "
                                           "(nominal; see docs/simulation.md)."),
    "assumptions.real_time_backorder_reduction": N_("Share of backorders that real-time stock "
                                                    "sync prevents (the ones caused by stale "
                                                    "stock), share."),
    "assumptions.cash_before_delivery_wait_days": N_("Days a cash-before-delivery order waits "
                                                     "for the payment before picking."),
    "assumptions.partner_speed_factor": N_("Strategic partner's road km per day relative to "
                                           "today's carrier, ratio."),
    "assumptions.partner_incident_factor": N_("Strategic partner's incident probability "
                                              "relative to today's, ratio."),
    "assumptions.remote_limit_compliance": N_("Share of remote deliveries the partner brings "
                                              "within remote_limit_days."),
    "assumptions.tracking_late_complaint_factor": N_("With tracking and notices, complaints "
                                                     "per late order relative to today."),
    "assumptions.tracking_visibility_complaint_reduction": N_("Share of 'cannot see where it "
                                                              "is' complaints that tracking "
                                                              "removes, share."),
    "assumptions.cash_discount_take_up": N_("Share of cash-discount invoices paid early when "
                                            "the discount's implied annual rate far exceeds "
                                            "the payer's cost of money, share."),
    "assumptions.cost_of_money": N_("Cost of money of accounts with bank credit (level-1 "
                                    "platforms, pharmacy chains), per year."),
    "assumptions.cost_of_money_constrained": N_("Cost of money of cash-constrained accounts "
                                                "(level-2 distributors, private hospitals and "
                                                "clinics), per year."),
    "assumptions.quarterly_rebate_rate": N_("Quarterly rebate on invoices settled by their "
                                            "due date, share."),
    "assumptions.cash_before_delivery_sales_loss": N_("Share of its purchases an account "
                                                      "moved to cash before delivery stops "
                                                      "making (buys less or leaves), share."),
    "assumptions.cost_of_capital": N_("The company's cost of financing receivables, per year."),
    "assumptions.entry_wait_field_elasticity": N_("Elasticity of the wait for a rep to key in "
                                                  "a phone or WeChat order to the calls a rep "
                                                  "makes a month (1: the wait grows in "
                                                  "proportion), ratio."),
    "assumptions.cash_discount_pay_days": N_("Days after invoice to earn the cash discount."),
    "assumptions.rebate_lateness_factor": N_("Lateness of ordinary customers with a quarterly "
                                             "on-time rebate, ratio."),
    "assumptions.pre_due_reminder_effect": N_("Share of the delay still intended that an "
                                              "invoice keeps after a reminder on or before "
                                              "its due date (after due: the measured reminder "
                                              "effect)."),
    "assumptions.automated_reminder_interval_days": N_("After credit.reminder_schedule_days' "
                                                       "last, automated reminders repeat "
                                                       "every, days."),
    "assumptions.online_payment_days_saved": N_("Days online payment takes off each payment "
                                                "(keying and matching; bank transfers settle "
                                                "the same day)."),
    "assumptions.e_invoice_delay_days": N_("Days from shipping to an e-invoice."),
    "assumptions.forward_replenishment_handling_days": N_("Days the central DC takes to ship "
                                                          "a forward warehouse's "
                                                          "replenishment order (trunk transit "
                                                          "is added from the road distance)."),
    "assumptions.forward_lead_time_sd_days": N_("Standard deviation of a replenishment lead "
                                                "time, days."),
    "assumptions.forward_order_cost_cny": N_("Cost of one replenishment order (handling, "
                                             "paperwork, trunk slot), CNY; sets the EOQ order "
                                             "quantity."),
    "assumptions.forward_holding_rate_per_year": N_("Holding cost per year as a share of unit "
                                                    "cost (capital, storage, expiry), "
                                                    "share/year."),
    "assumptions.paper_invoice_mail_days": N_("Days a paper invoice spends in the post and "
                                              "the customer's mailroom before its payment "
                                              "process starts; an e-invoice saves them."),
    "assumptions.public_terminal_payment_days": N_("Days public hospitals and clinics take to "
                                                   "pay their distributor, days (MOFCOM "
                                                   "drug-distribution report, 2024)."),
    "assumptions.other_terminal_payment_days": N_("Days retail pharmacies take to pay their "
                                                  "distributor, days."),
    "assumptions.pass_through_size_elasticity": N_("How much more of its customers' delay a "
                                                   "small distributor passes on: (median size "
                                                   "/ size) to this power."),
    "assumptions.insured_share_of_public_sales": N_("Share of public terminals' purchases the "
                                                    "insurance funds settle directly "
                                                    "(procured drugs), share."),
    "assumptions.insurance_settlement_days": N_("Days the insurance funds take to settle "
                                                "directly, days."),
    "assumptions.sme_rule_compliance": N_("Share of public institutions that keep the 2025 "
                                          "rule with small and medium suppliers, share."),
    "assumptions.sme_rule_max_days": N_("Longest payment term the 2025 rule allows by "
                                        "contract, days."),
}

#: the levers' option codes as the page names them; a code not listed shows as it is (sQ, RS
#: and the grade letters are the textbook's own names; customer types: ui.overview.type_label)
OPTION_LABELS = {
    "core": N_("core"), "potential": N_("potential"), "basic": N_("basic"),
    "daily_batch": N_("daily batch"), "real_time": N_("real time"),
    "current_3pl": N_("current 3PL"), "strategic_partner": N_("strategic partner"),
    "none": N_("none"), "rfm_clinical": N_("RFM and clinical value"),
    "current": N_("current"), "optimize": N_("optimize"),
    "uniform": N_("uniform"), "tiered": N_("tiered"),
    "monthly": N_("monthly settlement"), "extended_75_days": N_("75 days"),
    "cash_discount_1pct": N_("1% cash discount"),
    "monthly_plus_quarterly_rebate": N_("monthly + quarterly rebate"),
    "cash_before_delivery": N_("cash before delivery"),
    "manual": N_("manual"), "automated": N_("automated"),
    "hospital_grade": N_("hospital grade"), "title": N_("title"),
    "outpatients": N_("weekly outpatients"), "beds": N_("beds in charge"),
    "product_need": N_("product need (target patients)"),
}

#: the sources assumptions cite (``scenarios.evidence.EVIDENCE``), marked for the catalogue
SOURCES = (
    N_("judgement"),
    N_("DOMAIN.md, 'Effect sizes seen elsewhere': tracking cuts 'where is my order' "
       "complaints by 60-80% in published (B2C) figures"),
    N_("People's Bank of China loan prime rate (1-year LPR 3.0-3.45% in 2025) plus the "
       "spread large distributors and chains borrow at"),
    N_("DOMAIN.md, 'Effect sizes seen elsewhere': a 1% discount for paying at day 10"),
    N_("Ministry of Commerce, drug-distribution report 2024 (via Yicai): about 154 days, "
       "about 150 for five years"),
    N_("Regulations on Ensuring Payments to Small and Medium Enterprises, revised 2025: 30 "
       "days, at most 60 by contract"),
)
#: the note a source gets when the scenario file sets the range (``scenarios.evidence``)
RANGE_NOTE = N_("range set in the scenario file")
_RANGE_SUFFIX = f" ({SCENARIO_RANGE})"


def lever_label(path: str) -> str:
    """The lever at dotted ``path`` as the page names it (the path where none is known)."""
    return _(LEVER_LABELS[path]) if path in LEVER_LABELS else path


def lever_help(path: str) -> str:
    """The lever's help in the page's language ('' where none is known)."""
    return _(LEVER_HELP[path]) if path in LEVER_HELP else ""


def option_label(code: str) -> str:
    """A lever's option (or weight key) ``code`` as the page names it."""
    return _(OPTION_LABELS[code]) if code in OPTION_LABELS else type_label(code)


def assumption_label(name: str) -> str:
    """The assumption ``name`` (a field of ``[assumptions]``) as the page names it."""
    path = f"assumptions.{name}"
    return lever_label(path) if path in LEVER_LABELS else name


def source_label(source: str) -> str:
    """An assumption's source in the page's language; a citation the catalogue does not
    hold stays as written."""
    if source.endswith(_RANGE_SUFFIX):
        return f"{_(source.removesuffix(_RANGE_SUFFIX))} ({_(RANGE_NOTE)})"
    return _(source)
