"""The channel reconciliation of a data set (docs/channel.md): the data set's tables handed to
:mod:`models.channel`, the tables people read (labels, names, units in the headers) and the
Excel workbook, written atomically. The CLI and the app's channel page share all of it."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from data.dataset import Dataset
from data.problems import DatasetError, Problem
from models.channel import (
    DEFAULT_STALE_MONTHS,
    DEFAULT_TOLERANCE_SHARE,
    DEFAULT_TOLERANCE_UNITS,
    DEFAULT_WINDOW_MONTHS,
    DISTRIBUTOR_TYPES,
    ChannelStockDays,
    Reconciliation,
    channel_stock_days,
    purchases_by_month,
    pure_sales,
    reconcile,
    reconciliation_payload,
)
from models.channel.payload import month_text
from scenarios.jsonio import write_file_atomically

#: the tables the reconciliation reads besides customers, products, reps, orders and lines
CHANNEL_TABLES = ("terminals", "flows", "stock_reports")
#: what each kind of finding is called where people read it
ANOMALY_LABELS = {
    "oversold": "Sold more than it held",
    "stock_mismatch": "Reported stock differs",
    "stale_stock": "Stock not selling",
    "missing_report": "Stock report missing",
    "missing_flows": "Flow data missing",
}
NOTE_LABELS = {
    "": "",
    "no_sales": "no sales in the window (infinite days)",
    "no_stock_no_sales": "no stock and no sales",
    "negative_stock": "computed stock below 0 (oversold), counted as 0",
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ChannelReport:
    """A data set's reconciliation with what is shown beside it: channel stock days, pure
    sales (``by_terminal``, ``by_rep``, ``by_region``) and the names of ids
    (``names[kind][id]`` for distributor, product, rep and terminal)."""

    reconciliation: Reconciliation
    stock: ChannelStockDays
    pure_sales: Mapping[str, pd.DataFrame]
    names: Mapping[str, Mapping[str, str]]


def missing_channel_tables(dataset: Dataset) -> list[str]:
    """The channel tables the data set does not hold."""
    return [name for name in CHANNEL_TABLES if name not in dataset.tables]


def _require_channel_tables(dataset: Dataset) -> None:
    missing = missing_channel_tables(dataset)
    if missing:
        raise DatasetError(Problem(
            str(dataset.path or "the data set"), "tables " + ", ".join(missing),
            "the channel tables " + ", ".join(CHANNEL_TABLES) + " (terminals, distributors' "
            "flow data and month-end stock reports: docs/channel.md)",
            "no " + ", ".join(missing)), summary="the data set holds no channel data")


def channel_reconciliation(
    dataset: Dataset,
    *,
    stale_months: int = DEFAULT_STALE_MONTHS,
    tolerance_units: float = DEFAULT_TOLERANCE_UNITS,
    tolerance_share: float = DEFAULT_TOLERANCE_SHARE,
) -> Reconciliation:
    """The data set's distributors reconciled: purchases = our order lines delivered to
    accounts of :data:`~models.channel.DISTRIBUTOR_TYPES`, sales = ``flows``, stock =
    ``stock_reports``. Raises :class:`DatasetError` when the channel tables are missing."""
    _require_channel_tables(dataset)
    customers = dataset["customers"]
    distributors = customers.loc[customers["customer_type"].isin(DISTRIBUTOR_TYPES),
                                 "customer_id"]
    orders = dataset["orders"]
    bought = purchases_by_month(orders[orders["customer_id"].isin(distributors)],
                                dataset["order_lines"])
    return reconcile(bought, dataset["flows"], dataset["stock_reports"],
                     stale_months=stale_months, tolerance_units=tolerance_units,
                     tolerance_share=tolerance_share)


def _names(dataset: Dataset) -> dict[str, dict[str, str]]:
    def lookup(table: str, key: str) -> dict[str, str]:
        frame = dataset[table]
        return dict(zip(frame[key], frame["name"], strict=True))

    return {"distributor": lookup("customers", "customer_id"),
            "product": lookup("products", "product_id"), "rep": lookup("reps", "rep_id"),
            "terminal": lookup("terminals", "terminal_id")}


def channel_report(
    dataset: Dataset,
    *,
    window_months: int = DEFAULT_WINDOW_MONTHS,
    stale_months: int = DEFAULT_STALE_MONTHS,
    tolerance_units: float = DEFAULT_TOLERANCE_UNITS,
    tolerance_share: float = DEFAULT_TOLERANCE_SHARE,
) -> ChannelReport:
    """:func:`channel_reconciliation`, channel stock days over ``window_months`` and pure
    sales over the reconciled months."""
    recon = channel_reconciliation(dataset, stale_months=stale_months,
                                   tolerance_units=tolerance_units,
                                   tolerance_share=tolerance_share)
    stock = channel_stock_days(recon, window_months)
    flows = dataset["flows"]
    reconciled = pd.to_datetime(flows["month"]).isin(pd.DatetimeIndex(recon.months))
    sales = {f"by_{by}": pure_sales(flows[reconciled], dataset["terminals"], by=by)
             for by in ("terminal", "rep", "region")}
    return ChannelReport(recon, stock, sales, _names(dataset))


def report_payload(report: ChannelReport, dataset: Dataset) -> dict:
    """The JSON document of ``pharmaops channel reconcile``: the data set, then
    :func:`~models.channel.reconciliation_payload` with pure sales."""
    return {"dataset": str(dataset.path), "fingerprint": dataset.fingerprint,
            "as_of": f"{dataset.as_of:%Y-%m-%d}",
            **reconciliation_payload(report.reconciliation, stock=report.stock,
                                     pure_sales=report.pure_sales)}


# --------------------------------------------------------------------------- for people
def finding_text(kind: str, figures: Mapping[str, float]) -> str:
    """One sentence saying what was found, with its numbers (units)."""
    f = {k: f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}" for k, v in figures.items()}
    texts = {
        "oversold": "sold {sales} units with {opening} in stock and {purchases} bought: "
                    "{excess} more than it could hold (tolerance {tolerance})",
        "stock_mismatch": "reported {reported} units in stock where the ledger computes "
                          "{closing}: a difference of {difference} (tolerance {tolerance})",
        "stale_stock": "{stock} units held with no sales for {months_without_sales} months",
        "missing_report": "no stock report although it opened with {opening} units, bought "
                          "{purchases} and sold {sales} (computed closing {closing})",
        "missing_flows": "bought {purchases} units of {products} product(s) and reported no "
                         "sales to terminals at all",
    }
    return texts[kind].format(**f)


def stock_days_text(days: float, note: str) -> str:
    """``19.3 days``, or what an infinite or undefined figure means."""
    return f"{days:,.1f} days" if math.isfinite(days) else NOTE_LABELS.get(note, "—")


def _named(ids: pd.Series, names: Mapping[str, str]) -> pd.Series:
    return ids.map(lambda v: names.get(v, "") if isinstance(v, str) else "")


def anomaly_table(report: ChannelReport, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The findings as people read them (all kinds, or ``kinds``)."""
    found = report.reconciliation.anomalies
    if kinds is not None:
        found = found[found["kind"].isin(kinds)]
    n = report.names
    return pd.DataFrame({
        "Finding": found["kind"].map(ANOMALY_LABELS),
        "Month": found["month"].map(month_text),
        "Distributor": found["distributor"],
        "Distributor name": _named(found["distributor"], n["distributor"]),
        "Product": found["product"].fillna("(all)"),
        "Product name": _named(found["product"], n["product"]),
        "What was found": [finding_text(k, f) for k, f in zip(found["kind"], found["figures"],
                                                               strict=True)],
    })


def ledger_table(report: ChannelReport) -> pd.DataFrame:
    """The ledger with names and units in the headers."""
    ledger, n = report.reconciliation.distributors, report.names
    return pd.DataFrame({
        "Distributor": ledger["distributor"],
        "Distributor name": _named(ledger["distributor"], n["distributor"]),
        "Product": ledger["product"],
        "Product name": _named(ledger["product"], n["product"]),
        "Month": ledger["month"].map(month_text),
        "Opening stock (units)": ledger["opening"],
        "Purchases (units)": ledger["purchases"],
        "Sales to terminals (units)": ledger["sales"],
        "Closing stock, computed (units)": ledger["closing"],
        "Reported stock (units)": ledger["reported"],
        "Reported − computed (units)": ledger["difference"],
    })


def stock_table(report: ChannelReport, level: str = "pairs") -> pd.DataFrame:
    """Channel stock days per distributor × product (``pairs``) or per ``products``."""
    frame, n = getattr(report.stock, level), report.names
    out = {}
    if level == "pairs":
        out["Distributor"] = frame["distributor"]
        out["Distributor name"] = _named(frame["distributor"], n["distributor"])
    out |= {
        "Product": frame["product"],
        "Product name": _named(frame["product"], n["product"]),
        "Stock (units)": frame["stock_units"],
        f"Sales in the last {report.stock.window_months} months (units)":
            frame["window_sales_units"],
        "Average daily sales (units/day)": frame["daily_sales_units"],
        "Stock days (days)": frame["stock_days"],
        "Note": frame["note"].map(NOTE_LABELS),
    }
    return pd.DataFrame(out)


def pure_sales_table(report: ChannelReport, by: str) -> pd.DataFrame:
    """Pure sales per terminal, rep or region with names."""
    frame, n = report.pure_sales[f"by_{by}"], report.names
    money = {"Sales (units)": frame["units"], "Sales (CNY)": frame["amount_cny"]}
    if by == "terminal":
        return pd.DataFrame({"Terminal": frame["terminal"], "Terminal name": frame["name"],
                             "Type": frame["terminal_type"], "Region": frame["region"],
                             "Rep": frame["rep"], **money})
    label = {"rep": "Rep", "region": "Region"}[by]
    head = {label: frame[by]}
    if by == "rep":
        head["Rep name"] = _named(frame["rep"], n["rep"])
    return pd.DataFrame({**head, "Terminals buying": frame["terminals"], **money})


def report_sheets(report: ChannelReport) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, by sheet name."""
    return {
        "Anomalies": anomaly_table(report),
        "Distributors": ledger_table(report),
        "Pure sales by terminal": pure_sales_table(report, "terminal"),
        "Pure sales by rep": pure_sales_table(report, "rep"),
        "Pure sales by region": pure_sales_table(report, "region"),
        "Channel stock": stock_table(report, "pairs"),
        "Channel stock by product": stock_table(report, "products"),
    }


def about_rows(report: ChannelReport, dataset: Dataset) -> dict[str, str]:
    """Provenance and thresholds, for the workbook's ``About`` sheet."""
    recon, stock = report.reconciliation, report.stock
    t = recon.thresholds
    months = recon.months
    return {
        "Data set": str(dataset.path), "Fingerprint": dataset.fingerprint,
        "As of": f"{dataset.as_of:%Y-%m-%d}",
        "Opening report month": month_text(recon.opening_month) or "none",
        "Months reconciled": f"{month_text(months[0])} .. {month_text(months[-1])}"
        if months else "none",
        "Stale after (months without sales)": str(t.stale_months),
        "Tolerance (units)": f"{t.tolerance_units:g}",
        "Tolerance (share of opening + purchases)": f"{t.tolerance_share:g}",
        "Stock-days window (months)": str(stock.window_months),
        "Channel stock days (days)": stock_days_text(stock.total["stock_days"],
                                                     str(stock.total["note"])),
        "Rules": "docs/channel.md",
    }


def reconciliation_workbook(report: ChannelReport, about: Mapping[str, str]) -> bytes:
    """An Excel workbook: one sheet per :func:`report_sheets` table, then ``About``."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in report_sheets(report).items():
            frame.to_excel(writer, sheet_name=name, index=False)
        pd.DataFrame({"Field": list(about), "Value": list(about.values())}).to_excel(
            writer, sheet_name="About", index=False)
    return buffer.getvalue()


def write_reconciliation_xlsx(path: str, report: ChannelReport, dataset: Dataset) -> None:
    """Write the workbook to ``path`` atomically (a temporary file renamed into place)."""
    write_file_atomically(reconciliation_workbook(report, about_rows(report, dataset)), path)
