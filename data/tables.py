"""The data set's tables as data: columns, kinds, units, bounds, keys and date order.

Everything that reads, writes, validates or documents a table uses these specs, so a column
is described exactly once. Kinds: ``str``, ``int``, ``float``, ``bool``, ``date`` (ISO
``YYYY-MM-DD``), ``month`` (ISO ``YYYY-MM``, held as the month's first day), ``datetime`` (ISO
``YYYY-MM-DDTHH:MM:SS``), ``category`` (one of ``allowed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

REGIONS = ("East", "South", "North", "Central", "Southwest", "Northwest", "Northeast")
#: accounts the company invoices (two-invoice system: distributors deliver to public hospitals)
CUSTOMER_TYPES = (
    "distributor_l1", "distributor_l2", "chain_pharmacy", "private_hospital", "private_clinic",
)
DISTRIBUTOR_TYPES = ("distributor_l1", "distributor_l2")
#: terminals that use the drugs and buy them from a delivering distributor
TERMINAL_TYPES = ("hospital_3a", "hospital_3", "hospital_2", "community_clinic",
                  "retail_pharmacy")
PUBLIC_TERMINAL_TYPES = ("hospital_3a", "hospital_3", "hospital_2", "community_clinic")
THERAPY_AREAS = ("chronic", "oncology", "acute_anti_infective", "otc")
CHANNELS = ("phone", "wechat", "app")
DEPARTMENTS = (
    "oncology", "respiratory", "infectious_disease", "cardiology", "endocrinology",
    "general_medicine",
)
TITLES = ("chief", "associate_chief", "attending", "resident")
COMPLAINT_REASONS = ("late", "error", "no_visibility")
VISIT_KINDS = ("call", "department_meeting", "academic_meeting")
#: selling-expense categories (docs/data.md): reps' pay, calls, meetings, specialists,
#: promotion (conferences, sponsorship, marketing services)
EXPENSE_CATEGORIES = ("field_force", "calls", "department_meetings", "academic_meetings",
                      "academic_specialists", "promotion")


@dataclass(frozen=True)
class Column:
    """One column; ``kind`` as in the module docstring; bounds are inclusive."""

    name: str
    kind: str
    unit: str
    description: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] = ()
    references: str | None = None  # "table.column" foreign key


@dataclass(frozen=True)
class Table:
    """One table: ``key`` columns are unique together; ``date_order`` pairs must satisfy a <= b;
    an ``optional`` table may be left out of a data set."""

    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    date_order: tuple[tuple[str, str], ...] = field(default=())
    optional: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _geo(prefix: str = "") -> tuple[Column, ...]:
    return (
        Column("province", "str", "", f"{prefix}province (Chinese name)"),
        Column("city", "str", "", f"{prefix}prefecture-level city (Chinese name)"),
        Column("longitude", "float", "degrees", f"{prefix}longitude", min=73.0, max=136.0),
        Column("latitude", "float", "degrees", f"{prefix}latitude", min=3.0, max=54.0),
        Column("region", "category", "", "sales region", allowed=REGIONS),
    )


CUSTOMERS = Table(
    "customers", "Every account the company invoices: delivering distributors (level 1 and 2) "
    "and the accounts it sells to direct (pharmacy chains, private hospitals and clinics).",
    ("customer_id",),
    (
        Column("customer_id", "str", "", "customer identifier"),
        Column("name", "str", "", "display name"),
        Column("customer_type", "category", "", "type of account invoiced",
               allowed=CUSTOMER_TYPES),
        *_geo(),
        Column("district", "str", "", "county-level district (Chinese name)"),
        Column("adcode", "str", "", "six-digit administrative code of the district"),
        Column("remote", "bool", "", "remote area (see data/geo/SOURCE.md)"),
        Column("relationship_start", "date", "", "first day of the business relationship"),
        Column("annual_potential_cny", "float", "CNY/year", "market potential for our products",
               min=0),
        Column("annual_sales_cny", "float", "CNY/year", "our sales to the account, planned rate",
               min=0),
        Column("departments", "int", "count", "clinical departments (0 if not a hospital)",
               min=0, max=200),
        Column("beds", "int", "count", "hospital beds (0 if not a hospital)", min=0, max=20000),
        Column("operating_years", "float", "years", "years in operation", min=0, max=200),
        Column("revenue_growth_pct", "float", "%/year", "revenue growth, last year",
               min=-100, max=500),
        Column("debt_ratio", "float", "ratio", "liabilities / assets", min=0, max=5),
        Column("reputation_score", "float", "points 0-100", "market reputation", min=0, max=100),
        Column("payment_terms", "category", "", "current terms",
               allowed=("monthly", "extended_75_days", "cash_discount_1pct",
                        "monthly_plus_quarterly_rebate", "cash_before_delivery")),
        Column("rep_id", "str", "", "rep who covers the account", references="reps.rep_id"),
    ),
)

def _place_and_size() -> tuple[Column, ...]:
    """What a terminal and a prospect both record: type, place, potential and size."""
    return (
        Column("name", "str", "", "display name"),
        Column("terminal_type", "category", "", "type of terminal", allowed=TERMINAL_TYPES),
        Column("public", "bool", "", "public medical institution (bound by the two-invoice "
               "system)"),
        *_geo(),
        Column("district", "str", "", "county-level district (Chinese name)"),
        Column("adcode", "str", "", "six-digit administrative code of the district"),
        Column("remote", "bool", "", "remote area (see data/geo/SOURCE.md)"),
        Column("annual_potential_cny", "float", "CNY/year", "market potential for our products",
               min=0),
    )


def _beds() -> tuple[Column, ...]:
    return (Column("departments", "int", "count", "clinical departments (0 if not a hospital)",
                   min=0, max=200),
            Column("beds", "int", "count", "hospital beds (0 if not a hospital)", min=0,
                   max=20000))


TERMINALS = Table(
    "terminals", "Terminals that use the drugs (public hospitals, community clinics, retail "
    "pharmacies), supplied by a delivering distributor: a public hospital is reached through "
    "two invoices, the company's to the distributor and the distributor's to the hospital.",
    ("terminal_id",),
    (
        Column("terminal_id", "str", "", "terminal identifier"),
        *_place_and_size(),
        Column("annual_sales_cny", "float", "CNY/year",
               "our products' sales to the terminal, planned rate", min=0),
        *_beds(),
        Column("distributor_id", "str", "", "delivering distributor",
               references="customers.customer_id"),
        Column("rep_id", "str", "", "rep who covers the terminal", references="reps.rep_id"),
        Column("won_date", "date", "", "first day of the month it first bought our products, "
               "when it was won during the history (empty: a customer from before)",
               nullable=True),
    ),
)

PROSPECTS = Table(
    "prospects", "Target terminals that do not buy our products yet (new hospitals, clinics "
    "and pharmacies in the reps' territories): a rep's calls may win one, which then buys "
    "from its delivering distributor and moves to the terminals with its id and won_date.",
    ("prospect_id",),
    (
        Column("prospect_id", "str", "", "account identifier (kept when it is won)"),
        *_place_and_size(),
        *_beds(),
        Column("distributor_id", "str", "", "delivering distributor that would supply it",
               references="customers.customer_id"),
        Column("rep_id", "str", "", "rep who covers the prospect", references="reps.rep_id"),
    ),
)

DOCTORS = Table(
    "doctors", "Prescribers at hospital and clinic terminals, with what grading needs.",
    ("doctor_id",),
    (
        Column("doctor_id", "str", "", "doctor identifier"),
        Column("terminal_id", "str", "", "terminal the doctor works at",
               references="terminals.terminal_id"),
        Column("department", "category", "", "department", allowed=DEPARTMENTS),
        Column("title", "category", "", "professional title", allowed=TITLES),
        Column("weekly_outpatients", "int", "patients/week", "outpatients seen", min=0, max=2000),
        Column("weekly_target_patients", "int", "patients/week", "patients in our indication",
               min=0, max=2000),
        Column("weekly_relevant_prescriptions", "int", "prescriptions/week",
               "prescriptions in our product class", min=0, max=5000),
        Column("beds_in_charge", "int", "beds", "beds in the doctor's charge", min=0, max=500),
        Column("our_share", "float", "share 0-1", "our share of the doctor's relevant scripts",
               min=0, max=1),
        Column("kol", "bool", "", "key opinion leader"),
    ),
)

REPS = Table(
    "reps", "Sales representatives and academic specialists.",
    ("rep_id",),
    (
        Column("rep_id", "str", "", "rep identifier"),
        Column("name", "str", "", "display name"),
        Column("home_city", "str", "", "home base city (Chinese name)"),
        Column("longitude", "float", "degrees", "home base longitude", min=73.0, max=136.0),
        Column("latitude", "float", "degrees", "home base latitude", min=3.0, max=54.0),
        Column("region", "category", "", "sales region", allowed=REGIONS),
        Column("team", "str", "", "team name"),
        Column("field_days_per_month", "float", "days/month", "days in the field", min=0, max=31),
        Column("calls_per_day", "float", "calls/day", "customer calls per field day",
               min=0, max=30),
        Column("academic_specialist", "bool", "", "academic specialist (supports core accounts)"),
    ),
)

PRODUCTS = Table(
    "products", "The product list.",
    ("product_id",),
    (
        Column("product_id", "str", "", "product identifier"),
        Column("name", "str", "", "product name"),
        Column("therapy_area", "category", "", "therapy area", allowed=THERAPY_AREAS),
        Column("unit_price_cny", "float", "CNY/unit", "list price to customers", min=0.01),
        Column("unit_cost_cny", "float", "CNY/unit", "cost of goods", min=0.0),
        Column("cold_chain", "bool", "", "needs cold-chain (2-8 °C) handling"),
    ),
)

SITES = Table(
    "sites", "Central distribution centres and candidate forward-warehouse cities.",
    ("site_id",),
    (
        Column("site_id", "str", "", "site identifier"),
        Column("name", "str", "", "site name"),
        Column("kind", "category", "", "central DC (open) or forward-warehouse candidate",
               allowed=("central_dc", "candidate")),
        *_geo(),
        Column("adcode", "str", "", "administrative code of the city"),
        Column("annual_fixed_cost_cny", "float", "CNY/year", "fixed cost if open", min=0),
        Column("capacity_units_per_year", "float", "units/year", "throughput capacity", min=1),
        Column("handling_cost_cny_per_unit", "float", "CNY/unit", "handling cost", min=0),
        Column("cold_chain_qualified", "bool", "", "may hold cold-chain products"),
    ),
)

ORDERS = Table(
    "orders", "Order history with the timestamp of every hand-off.",
    ("order_id",),
    (
        Column("order_id", "str", "", "order identifier"),
        Column("customer_id", "str", "", "ordering account", references="customers.customer_id"),
        Column("channel", "category", "", "how the order came in", allowed=CHANNELS),
        Column("placed_at", "datetime", "", "customer placed the order"),
        Column("entered_at", "datetime", "", "order keyed into the system", nullable=True),
        Column("approved_at", "datetime", "", "order approved", nullable=True),
        Column("picked_at", "datetime", "", "order picked at the warehouse", nullable=True),
        Column("shipped_at", "datetime", "", "order left the warehouse", nullable=True),
        Column("delivered_at", "datetime", "", "order delivered", nullable=True),
        Column("promised_date", "date", "", "delivery date promised to the customer"),
        Column("warehouse_id", "str", "", "serving warehouse", references="sites.site_id"),
        Column("backordered", "bool", "", "accepted against stock that was not there"),
        Column("complaint", "bool", "", "the order drew a complaint"),
        Column("complaint_reason", "category", "", "late, error or no_visibility",
               nullable=True, allowed=COMPLAINT_REASONS),
    ),
    date_order=(
        ("placed_at", "entered_at"), ("entered_at", "approved_at"), ("approved_at", "picked_at"),
        ("picked_at", "shipped_at"), ("shipped_at", "delivered_at"),
        ("placed_at", "promised_date"),
    ),
)

ORDER_LINES = Table(
    "order_lines", "Order lines: product, quantity and amount.",
    ("order_id", "line_no"),
    (
        Column("order_id", "str", "", "order", references="orders.order_id"),
        Column("line_no", "int", "", "line number within the order", min=1, max=1000),
        Column("product_id", "str", "", "product", references="products.product_id"),
        Column("quantity", "int", "units", "quantity ordered", min=1),
        Column("amount_cny", "float", "CNY", "line amount", min=0),
    ),
)

INVOICES = Table(
    "invoices", "Receivables ledger: one invoice per shipped order.",
    ("invoice_id",),
    (
        Column("invoice_id", "str", "", "invoice identifier"),
        Column("order_id", "str", "", "order invoiced", references="orders.order_id"),
        Column("customer_id", "str", "", "account billed", references="customers.customer_id"),
        Column("amount_cny", "float", "CNY", "invoice amount", min=0.01),
        Column("invoice_date", "date", "", "invoice issued"),
        Column("due_date", "date", "", "payment due"),
        Column("reminders", "int", "count", "payment reminders sent", min=0, max=100),
        Column("write_off_date", "date", "", "written off as bad debt", nullable=True),
        Column("write_off_cny", "float", "CNY", "amount written off (0 if none)", min=0),
    ),
    date_order=(("invoice_date", "due_date"), ("invoice_date", "write_off_date")),
)

PAYMENTS = Table(
    "payments", "Payments received against invoices.",
    ("payment_id",),
    (
        Column("payment_id", "str", "", "payment identifier"),
        Column("invoice_id", "str", "", "invoice paid", references="invoices.invoice_id"),
        Column("paid_date", "date", "", "payment received"),
        Column("amount_cny", "float", "CNY", "amount received", min=0.01),
    ),
)

FLOWS = Table(
    "flows", "Flow data (流向): distributors' monthly sales to terminals by product, as the "
    "distributors report them.",
    ("distributor_id", "terminal_id", "product_id", "month"),
    (
        Column("distributor_id", "str", "", "reporting distributor",
               references="customers.customer_id"),
        Column("terminal_id", "str", "", "terminal sold to", references="terminals.terminal_id"),
        Column("product_id", "str", "", "product", references="products.product_id"),
        Column("month", "month", "", "month of the sales"),
        Column("quantity", "int", "units", "units sold", min=1),
        Column("amount_cny", "float", "CNY", "sales at the distributor's price", min=0),
    ),
)

STOCK_REPORTS = Table(
    "stock_reports", "Distributors' month-end stock by product, as they report it (a missing "
    "report is a missing row).",
    ("distributor_id", "product_id", "month"),
    (
        Column("distributor_id", "str", "", "reporting distributor",
               references="customers.customer_id"),
        Column("product_id", "str", "", "product", references="products.product_id"),
        Column("month", "month", "", "month whose closing stock is reported"),
        Column("units", "int", "units", "units in stock at the month's end", min=0),
    ),
)

VISITS = Table(
    "visits", "Reps' visits from the CRM: calls on a doctor or a pharmacy, department meetings "
    "(科室会) and academic meetings, each with its rep, account and time spent.",
    ("visit_id",),
    (
        Column("visit_id", "str", "", "visit identifier"),
        Column("rep_id", "str", "", "rep or academic specialist who made the visit",
               references="reps.rep_id"),
        Column("account_id", "str", "", "account visited: a terminal (terminal_id), a "
               "prospect (prospect_id) or an account sold to direct (customer_id)"),
        Column("doctor_id", "str", "", "doctor met (empty at a pharmacy or a direct account)",
               nullable=True, references="doctors.doctor_id"),
        Column("date", "date", "", "day of the visit"),
        Column("kind", "category", "", "kind of visit", allowed=VISIT_KINDS),
        Column("minutes", "int", "minutes", "time spent at the account", min=1, max=720),
    ),
)

SELLING_EXPENSES = Table(
    "selling_expenses", "Selling expenses (销售费用) from the finance ledger, by month, region "
    "and category: reps' pay and social insurance (field_force), travel, samples and materials "
    "of calls (calls), department and academic meetings, academic specialists' pay, and "
    "promotion (conferences, sponsorship, marketing services). Optional: without it the "
    "selling-expense ratio is not known.",
    ("month", "region", "category"),
    (
        Column("month", "month", "", "month the expense is booked in"),
        Column("region", "category", "", "sales region", allowed=REGIONS),
        Column("category", "category", "", "kind of expense", allowed=EXPENSE_CATEGORIES),
        Column("amount_cny", "float", "CNY", "expense of the month", min=0),
    ),
    optional=True,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (CUSTOMERS, TERMINALS, PROSPECTS, DOCTORS, REPS, PRODUCTS, SITES, ORDERS,
              ORDER_LINES, INVOICES, PAYMENTS, FLOWS, STOCK_REPORTS, VISITS, SELLING_EXPENSES)
}
#: load order: a table's foreign keys point only to tables earlier in this list
TABLE_ORDER = ("reps", "customers", "terminals", "prospects", "doctors", "products", "sites",
               "orders", "order_lines", "invoices", "payments", "flows", "stock_reports", "visits",
               "selling_expenses")


def tables_markdown() -> str:
    """The column reference of every table as Markdown (embedded in ``docs/data.md``)."""
    parts = []
    for name in TABLE_ORDER:
        table = TABLES[name]
        parts.append(f"### `{name}`{' (optional)' if table.optional else ''}\n\n"
                     f"{table.description} Key: "
                     f"{', '.join(f'`{k}`' for k in table.key)}.\n")
        parts.append("| column | kind | unit | allowed | meaning |\n|---|---|---|---|---|")
        for c in table.columns:
            allowed = ", ".join(c.allowed) if c.allowed else ""
            if c.min is not None or c.max is not None:
                lo = "" if c.min is None else f"{c.min:g}"
                hi = "" if c.max is None else f"{c.max:g}"
                allowed = f"{lo} .. {hi}"
            if c.references:
                allowed = f"→ `{c.references}`"
            kind = c.kind + (", may be empty" if c.nullable else "")
            parts.append(f"| `{c.name}` | {kind} | {c.unit} | {allowed} | {c.description} |")
        if table.date_order:
            pairs = "; ".join(f"`{a}` ≤ `{b}`" for a, b in table.date_order)
            parts.append(f"\nTime order (when both are present): {pairs}.")
        parts.append("")
    return "\n".join(parts)
