"""Pieces every page shares: choosing and loading the data set, and how measures are shown.

Loading is cached per folder and file stamp (name, mtime, size), so editing or regenerating
a data set is picked up on the next rerun; a refused data set is cached as its
:class:`~data.problems.DatasetError` and shown with every problem, never as a traceback. A data
set accepted before is read from its kept tables (:mod:`scenarios.dataset_cache`), so a new
server process does not check every row again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from data.dataset import Dataset
from data.problems import DatasetError, InputError, Problem, said
from scenarios.dataset_cache import load_dataset_kept
from scenarios.paths import default_dataset
from ui.i18n import N_, _

GENERATE_HINT = (
    "Create it with `make data` (or `pharmaops data generate --profile national "
    "--out data/national`)"
)

FileStamp = tuple[tuple[str, int, int], ...]


# --------------------------------------------------------------------------- data set
def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as a CSV file Excel opens on a Chinese Windows machine: UTF-8 with a byte
    order mark (without it Excel reads the file as GBK and garbles every Chinese name)."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An Excel workbook of ``sheets`` (sheet name → table, in order, no index)."""
    import io

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


#: session key of the data set chosen on the "Your data" page (ui/upload.py)
SESSION_DATASET_KEY = "session_dataset_folder"


def default_dataset_folder() -> str:
    """The folder the sidebar starts with: the session's data set from the "Your data" page,
    else ``$PHARMAOPS_DATASET`` or ``data/national``."""
    chosen = st.session_state.get(SESSION_DATASET_KEY)
    return str(chosen) if chosen else str(default_dataset())


def folder_stamp(folder: Path) -> FileStamp:
    """Name, mtime (ns) and size of every file in ``folder``: the cache key of its contents."""
    return tuple(
        sorted(
            (p.name, s.st_mtime_ns, s.st_size)
            for p in folder.iterdir()
            if p.is_file()
            for s in [p.stat()]
        )
    )


# no spinner of its own: its text would be fixed at import, in English; the caller says it
@st.cache_resource(max_entries=2, show_spinner=False)
def _load_cached(folder: str, stamp: FileStamp) -> Dataset | DatasetError:
    """Load once per (folder, stamp); shared read-only by all sessions."""
    del stamp  # part of the cache key only
    try:
        return load_dataset_kept(folder)
    except DatasetError as exc:
        return exc.with_traceback(None)


def load_dataset_or_error(folder: Path) -> Dataset | DatasetError:
    """The data set in ``folder`` (cached), or the error that refused it."""
    try:
        stamp = folder_stamp(folder)
    except OSError as exc:
        return DatasetError(Problem(str(folder), "", "a readable data set folder", str(exc)))
    with st.spinner(_("Loading and checking the data set …")):
        return _load_cached(str(folder.resolve()), stamp)


def show_missing_folder(folder: str) -> None:
    """Error for a data set folder that does not exist."""
    if not folder.strip():
        st.error(f"No data set folder given. Enter one in the sidebar. {GENERATE_HINT}.")
        return
    if Path(folder.strip()).expanduser().exists():
        st.error(
            f"`{folder}` is a file, not a data set folder. Enter the folder that holds "
            f"the tables. {GENERATE_HINT}."
        )
        return
    st.error(
        f"No data set folder at `{folder}`. {GENERATE_HINT}, "
        "or enter another folder in the sidebar."
    )


def show_refusal(error: DatasetError) -> None:
    """Error with the refusal summary and an expandable table of every problem."""
    st.error(_("{summary}. Fix the files listed below, or regenerate the data set: {hint}.")
             .format(summary=said(error.summary, _), hint=GENERATE_HINT))
    table = problem_table(error.problems)
    with st.expander(_("Problems ({count})").format(count=len(table)), expanded=True):
        st.dataframe(table, hide_index=True, width="stretch")


#: the columns of a problem table (data.problems.Problem's fields)
PROBLEM_COLUMNS = {"source": N_("File or field"), "location": N_("Where"),
                   "expected": N_("Expected"), "found": N_("Found")}


def problem_table(problems: list[Problem]) -> pd.DataFrame:
    """Every problem as a row, its words in the session's language."""
    return pd.DataFrame([[said(getattr(p, field), _) for field in PROBLEM_COLUMNS]
                         for p in problems],
                        columns=[_(label) for label in PROBLEM_COLUMNS.values()], dtype=object)


# --------------------------------------------------------------------------- measures
@dataclass(frozen=True)
class Measure:
    """How a measure is labelled and formatted; ``unit`` is days, rate (share 0..1), cny or
    count; ``higher_is_better`` is set for KPIs that have a committee target."""

    #: the English label and help (catalogue msgids); ``label`` and ``help`` translate them
    label_text: str
    unit: str
    decimals: int = 1
    higher_is_better: bool | None = None
    help_text: str = ""

    @property
    def label(self) -> str:
        return _(self.label_text)

    @property
    def help(self) -> str:
        return _(self.help_text)


#: every measure of :class:`data.history.HistoryReport` tables, in display order
MEASURES: dict[str, Measure] = {
    "orders": Measure(N_("Orders"), "count", 0, help_text=N_("Orders placed in the period.")),
    "order_processing_days": Measure(
        N_("Order processing"), "days", 1, False,
        N_("Mean days from order placed to shipped, without the customer's prepayment wait."),
    ),
    "prepayment_wait_days": Measure(
        N_("Prepayment wait"), "days", 1,
        help_text=N_("Mean days an order waits for the customer's payment before picking (cash "
        "before delivery); not part of order processing."),
    ),
    "order_processing_p90_days": Measure(N_("Order processing p90"), "days", 1),
    "on_time_rate": Measure(
        N_("On-time delivery"),
        "rate",
        1,
        True,
        N_("Share of orders due by the end of the period delivered on or before the promised day."),
    ),
    "remote_delivery_days": Measure(
        N_("Remote-area delivery"),
        "days",
        1,
        False,
        N_("Mean days from order placed to delivered, remote-area customers."),
    ),
    "remote_transit_days": Measure(
        N_("Remote-area transit"), "days", 1,
        help_text=N_("Mean days from shipped to delivered, remote-area customers: what the "
                     "carrier's contractual limit covers."),
    ),
    "complaint_rate": Measure(
        N_("Complaint rate"), "rate", 1, False, N_("Complaints per delivered order.")
    ),
    "credit_sales_cny": Measure(N_("Credit sales"), "cny", 0),
    "new_customers_per_year": Measure(
        N_("New customers a year"), "count", 0,
        help_text=N_("Prospects won a year (terminals that start buying our products).")),
    "new_customers": Measure(
        N_("New customers"), "count", 0,
        help_text=N_("Terminals won in the period: prospects that first bought our products (the "
        "terminals' won_date).")),
    "receivables_cny": Measure(N_("Receivables"), "cny", 0),
    "dso_days": Measure(
        N_("DSO"),
        "days",
        1,
        False,
        N_("Days sales outstanding: receivables at the end of the period / credit sales of the "
        "last 90 days × 90.",)
    ),
    "dso_total_days": Measure(
        N_("DSO on total sales"), "days", 1,
        help_text=N_("Receivables / (credit + cash sales of the last 90 days) × 90; equals DSO "
                     "when no sale is paid before delivery."),
    ),
    "dso_countback_days": Measure(N_("DSO countback"), "days", 1),
    "average_collection_days": Measure(N_("Average collection"), "days", 1),
    "bad_debt_rate": Measure(
        N_("Bad-debt rate"), "rate", 2, False,
        N_("Amount written off in the period / credit sales."),
    ),
    "selling_expenses_cny": Measure(N_("Selling expenses"), "cny", 0),
    "selling_expense_ratio": Measure(
        N_("Selling-expense ratio"), "rate", 1, False,
        N_("Selling expenses of the period / credit sales of the period; — when the data set has "
        "no selling_expenses table. The committee's target: 5 points lower."),
    ),
}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_measure(name: str, value: float | None, decimals: int | None = None) -> str:
    """``value`` of measure ``name`` with its unit: ``3.0 days``, ``85.1%``, ``1,234 CNY``
    (``decimals`` overrides the measure's own)."""
    if _missing(value):
        return "—"
    m = MEASURES[name]
    d = m.decimals if decimals is None else decimals
    if m.unit == "days":
        return f"{value:.{d}f} " + _("days")
    if m.unit == "rate":
        return f"{100 * value:.{d}f}%"
    if m.unit == "cny":
        return f"{value:,.{d}f} " + _("CNY")
    return f"{value:,.{d}f}"


def format_gap(name: str, value: float, target: float) -> str | int:
    """Signed gap ``value - target`` in the measure's unit (rates in percentage points);
    the number 0 when the gap rounds to nothing, so the card shows it grey."""
    m = MEASURES[name]
    scale, unit = ((100.0, " " + _("pts")) if m.unit == "rate"
                   else (1.0, " " + _("days")))
    gap = round((value - target) * scale, m.decimals)
    return 0 if gap == 0 else f"{gap:+.{m.decimals}f}{unit}"


#: headers of the plain (non-KPI) columns the model tables carry, with their number format
#: (None: text); marked for translation, shown by :func:`column_config`
COLUMN_LABELS: dict[str, tuple[str, str | None]] = {
    "scenario": (N_("Scenario"), None),
    "region": (N_("Region"), None),
    "tier": (N_("Tier"), None),
    "customer_id": (N_("Customer"), None),
    "score": (N_("Credit score"), "%.1f"),
    "probability_bad": (N_("Probability of bad debt"), "percent"),
    "site_id": (N_("Forward warehouse"), None),
    "product_id": (N_("Product"), None),
    "therapy_area": (N_("Therapy area"), None),
    "cold_chain": (N_("Cold chain"), None),
    "abc_xyz": (N_("ABC-XYZ class"), None),
    "priority": (N_("Priority"), "%d"),
    "units_asked": (N_("Units asked"), "localized"),
    "units_from_stock": (N_("Units from stock"), "localized"),
    "fill_rate": (N_("Fill rate"), "percent"),
    "orders_from_stock": (N_("Orders from stock"), "%.1f"),
    "split_deliveries": (N_("Split deliveries"), "%.1f"),
    "mean_daily_units": (N_("Mean units a day"), "%.1f"),
    "sd_daily_units": (N_("SD of units a day"), "%.1f"),
    "holding_cost_cny_per_unit_year": (N_("Holding cost (CNY per unit a year)"), "%.2f"),
    "policy": (N_("Policy"), None),
    "s_units": (N_("Reorder point s (units)"), "%.0f"),
    "Q_units": (N_("Order quantity Q (units)"), "%.0f"),
    "S_units": (N_("Order-up-to level S (units)"), "%.0f"),
    "undershoot_units": (N_("Undershoot (units)"), "%.1f"),
    "review_days": (N_("Review period (days)"), "%.0f"),
    "k": (N_("Safety factor k"), "%.2f"),
    "sigma_protection_units": (N_("SD over protection time (units)"), "%.1f"),
    "protection_days": (N_("Protection time (days)"), "%.1f"),
    "lead_time_days": (N_("Lead time (days)"), "%.1f"),
    "lead_time_sd_days": (N_("SD of lead time (days)"), "%.1f"),
    "safety_stock_units": (N_("Safety stock (units)"), "%.0f"),
    "expected_on_hand_units": (N_("Expected on hand (units)"), "%.0f"),
    "holding_cost_cny_per_year": (N_("Holding cost (CNY a year)"), "localized"),
    # the location model's tables (supply-chain page)
    "name": (N_("Site"), None),
    "site": (N_("Site"), None),
    "kind": (N_("Kind"), None),
    "open": (N_("Open"), None),
    "lon": (N_("Longitude"), "%.3f"),
    "lat": (N_("Latitude"), "%.3f"),
    "annual_fixed_cost_cny": (N_("Fixed cost (CNY a year)"), "localized"),
    "handling_cny_per_unit": (N_("Handling cost (CNY per unit)"), "%.2f"),
    "units_per_year": (N_("Units a year"), "localized"),
    "transport_cny": (N_("Transport cost (CNY a year)"), "localized"),
    "handling_cny": (N_("Handling cost (CNY a year)"), "localized"),
    "component": (N_("Cost component"), None),
    "cny_per_year": (N_("CNY a year"), "localized"),
    "share": (N_("Share"), "percent"),
    "within_days": (N_("Delivered within (days)"), "%d"),
    "share_of_demand": (N_("Share of demand"), "percent"),
    "max_sites": (N_("Max forward sites p"), "%d"),
    "forward_sites": (N_("Forward warehouses opened"), "%d"),
    "forward_cities": (N_("Forward warehouses"), None),
    "status": (N_("Status"), None),
    "total_cost_cny": (N_("Total cost (CNY a year)"), "localized"),
    "within_2_days": (N_("Share of demand within 2 days"), "percent"),
    "covered_share": (N_("Share of demand covered"), "percent"),
    "gap": (N_("Gap"), "percent"),
    "on_time_simulated": (N_("Simulated on-time delivery"), "percent"),
    "on_time_ci_low": (N_("95% CI low"), "percent"),
    "on_time_ci_high": (N_("95% CI high"), "percent"),
    "kpi": (N_("KPI"), None),
    "network_mean": (N_("Chosen network: mean"), "%.3f"),
    "network_ci_low": (N_("Chosen network: 95% CI low"), "%.3f"),
    "network_ci_high": (N_("Chosen network: 95% CI high"), "%.3f"),
    "today_mean": (N_("Today's network: mean"), "%.3f"),
    "difference": (N_("Difference"), "%.3f"),
    "difference_ci_low": (N_("Difference: 95% CI low"), "%.3f"),
    "difference_ci_high": (N_("Difference: 95% CI high"), "%.3f"),
    "better": (N_("Better?"), None),
    "forward_fill_rate": (N_("Forward fill rate"), "percent"),
    "forward_order_share": (N_("Orders from forward stock"), "percent"),
    "split_delivery_rate": (N_("Split-delivery rate"), "percent"),
}


#: the sales regions' names (the data's values stay English: the CSV and JSON contracts)
REGION_LABELS = {"East": N_("East"), "South": N_("South"), "North": N_("North"),
                 "Central": N_("Central"), "Southwest": N_("Southwest"),
                 "Northwest": N_("Northwest"), "Northeast": N_("Northeast")}


def region_label(name: str) -> str:
    """A sales region's name in the page's language (华东, 华南…; the name if unknown)."""
    return _(REGION_LABELS[name]) if name in REGION_LABELS else name


def column_config(frame: pd.DataFrame) -> dict[str, st.column_config.Column]:
    """``st.dataframe`` column settings for ``frame``: the measure columns with their labels,
    units and formats, the plain columns of :data:`COLUMN_LABELS` with theirs."""
    formats = {"days": "%.1f", "rate": "percent", "cny": "localized", "count": "localized"}
    out: dict[str, st.column_config.Column] = {}
    for name in frame.columns:
        if name in COLUMN_LABELS:
            label, fmt = COLUMN_LABELS[name]
            out[name] = (st.column_config.Column(_(label)) if fmt is None
                         else st.column_config.NumberColumn(_(label), format=fmt))
        elif name in MEASURES:
            m = MEASURES[name]
            label = m.label + (
                " (" + _("days") + ")" if m.unit == "days"
                else " (" + _("CNY") + ")" if m.unit == "cny" else "")
            out[name] = st.column_config.NumberColumn(
                label, format=formats[m.unit], help=m.help or None
            )
    return out


def sidebar_dataset(key: str) -> Dataset | None:
    """The data set of the folder typed in the sidebar (default ``$PHARMAOPS_DATASET`` or
    ``data/national``), or ``None`` after showing why there is none."""
    folder_text = st.sidebar.text_input(
        _("Data set folder"), value=default_dataset_folder(), key=key,
        help=_("A folder with one file per table (see `pharmaops data check`)."))
    return dataset_from_folder_text(folder_text)


def dataset_from_folder_text(folder_text: str) -> Dataset | None:
    """The data set in the sidebar's folder, or ``None`` after showing why there is none."""
    folder = Path(folder_text.strip()).expanduser()
    if not folder_text.strip() or not folder.is_dir():
        show_missing_folder(folder_text)
        return None
    loaded = load_dataset_or_error(folder)
    if isinstance(loaded, DatasetError):
        show_refusal(loaded)
        return None
    return loaded


def show_problems(title: str, error: InputError) -> None:
    """An error naming what was refused, with the table of every problem."""
    st.error(_("{title}: {summary}. Fix the problems listed below and press **Run** again.")
             .format(title=title, summary=said(error.summary, _)))
    st.dataframe(problem_table(error.problems), hide_index=True, width="stretch")
