"""Page "Channel stock": each distributor's stock reconciled from our deliveries, its flow data
(流向) and its stock reports; the findings to follow up, the stock per distributor over the
months, pure sales (纯销) by region, rep and terminal, and channel stock days.

Everything shown is computed by :func:`scenarios.channel.channel_report` from the data set
(rules and thresholds: docs/channel.md); nothing is simulated.
"""

from __future__ import annotations

from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from data.dataset import Dataset
from data.problems import InputError
from models.channel import (
    ANOMALY_KINDS,
    DEFAULT_STALE_MONTHS,
    DEFAULT_TOLERANCE_SHARE,
    DEFAULT_TOLERANCE_UNITS,
    DEFAULT_WINDOW_MONTHS,
)
from models.channel.anomalies import held_stock
from scenarios.channel import (
    ANOMALY_LABELS,
    CHANNEL_TABLES,
    XLSX_MIME,
    ChannelReport,
    about_rows,
    anomaly_table,
    channel_report,
    ledger_table,
    missing_channel_tables,
    pure_sales_table,
    reconciliation_workbook,
    stock_days_text,
    stock_table,
)
from ui import page_index
from ui.common import csv_bytes, show_problems, sidebar_dataset
from ui.i18n import _

TITLE, ICON, URL_PATH = page_index.CHANNEL[:3]
#: products drawn at once in the per-distributor chart (the rest are a click away)
CHART_PRODUCTS = 6
#: reps and terminals in the pure-sales bar charts
TOP_BARS = 20


# --------------------------------------------------------------------------- page
def render() -> None:
    """Page body; the data set folder and the thresholds are in the sidebar."""
    st.title(_(TITLE))
    st.caption(_(
        "Distributors' stock reconciled month by month: opening stock (last month's report, "
        "else last month's computed closing) + our deliveries − their reported sales to "
        "terminals, against their month-end stock reports. Measured, not simulated."
    ))
    ds = sidebar_dataset("ch_dataset_folder")
    if ds is None:
        return
    show_channel(ds)


def _settings() -> tuple[int, int, float, int]:
    sb = st.sidebar
    sb.subheader(_("Findings"))
    stale = sb.number_input(_("Stale after (months without sales)"), 1, 60,
                            DEFAULT_STALE_MONTHS, key="ch_stale_months")
    units = sb.number_input(_("Tolerance (units)"), 0, 1_000_000, DEFAULT_TOLERANCE_UNITS,
                            key="ch_tolerance_units",
                            help=_("Differences and excess sales up to this many units are "
                                   "counting and cut-off noise."))
    share = sb.number_input(_("Tolerance (% of opening + purchases)"), 0.0, 100.0,
                            100 * DEFAULT_TOLERANCE_SHARE, step=0.5, key="ch_tolerance_pct",
                            help=_("The tolerance is the larger of the two."))
    window = sb.number_input(_("Stock-days window (months)"), 1, 24, DEFAULT_WINDOW_MONTHS,
                             key="ch_window_months",
                             help=_("Channel stock days use the average daily sales of the "
                                    "last this many months."))
    return int(stale), int(units), float(share) / 100, int(window)


# no spinner of its own: its text would be fixed at import, in English; the caller says it
@st.cache_resource(max_entries=4, show_spinner=False)
def _report(_dataset: Dataset, fingerprint: str, as_of: str,
            settings: tuple[int, int, float, int]) -> ChannelReport | InputError:
    """Cached :func:`channel_report` (shared read-only); a refusal is returned, not raised."""
    del fingerprint, as_of  # cache key only
    stale, units, share, window = settings
    try:
        return channel_report(_dataset, window_months=window, stale_months=stale,
                              tolerance_units=units, tolerance_share=share)
    except InputError as exc:
        return exc.with_traceback(None)


def show_channel(ds: Dataset) -> None:
    """The reconciliation of ``ds`` with the sidebar's thresholds."""
    settings = _settings()
    missing = missing_channel_tables(ds)
    if missing:
        st.warning(_(
            "This data set holds no channel data: the tables {missing} are missing (the "
            "channel needs {needed}: terminals, the distributors' monthly flow data and their "
            "month-end stock reports). Add them to the data set folder, or generate a data "
            "set that has them.").format(missing=", ".join(missing),
                                         needed=", ".join(CHANNEL_TABLES)))
        return
    with st.spinner(_("Reconciling the channel …")):
        report = _report(ds, ds.fingerprint, f"{ds.as_of:%Y-%m-%d}", settings)
    if isinstance(report, InputError):
        show_problems(_("The channel data were refused"), report)
        return
    if report.reconciliation.distributors.empty:
        st.info(_("The channel tables hold no month to reconcile."))
        return
    _summary(report)
    _findings(report)
    _stock_chart(report)
    _pure_sales(report)
    _stock_days(report)
    _downloads(ds, report)


# --------------------------------------------------------------------------- sections
def number_columns(frame: pd.DataFrame) -> dict[str, st.column_config.Column]:
    """Formats by the unit in each header: units and CNY with thousands separators, days and
    daily sales with one or two decimals; the finding's sentence wide."""
    out: dict[str, st.column_config.Column] = {}
    for name in frame.columns:
        if name.endswith("(days)"):
            out[name] = st.column_config.NumberColumn(name, format="%.1f")
        elif name.endswith("(units/day)"):
            out[name] = st.column_config.NumberColumn(name, format="%.2f")
        elif name.endswith(("(units)", "(CNY)")) or name == "Terminals buying":
            out[name] = st.column_config.NumberColumn(name, format="localized")
        elif name == "What was found":
            out[name] = st.column_config.TextColumn(name, width="large")
    return out


def _table(frame: pd.DataFrame, key: str) -> None:
    st.dataframe(frame, hide_index=True, key=key, column_config=number_columns(frame))


def _summary(report: ChannelReport) -> None:
    recon, total = report.reconciliation, report.stock.total
    ledger = recon.distributors
    with st.container(border=True):
        cols = st.columns(5)
        cols[0].metric(_("Distributors"), f"{ledger['distributor'].nunique():,}")
        cols[1].metric(_("Products"), f"{ledger['product'].nunique():,}")
        cols[2].metric(_("Months"), f"{len(recon.months):,}",
                       help=_("{first} – {last}, after the opening stock report").format(
                           first=f"{recon.months[0]:%Y-%m}", last=f"{recon.months[-1]:%Y-%m}"))
        cols[3].metric(_("Findings"), f"{len(recon.anomalies):,}")
        cols[4].metric(
            _("Channel stock days"), stock_days_text(total["stock_days"], str(total["note"])),
            help=_("Stock held by all distributors at the end of {month} ({units} units) in "
                   "days of their average daily sales over the last {window} months.").format(
                month=f"{recon.months[-1]:%Y-%m}", units=f"{total['stock_units']:,.0f}",
                window=report.stock.window_months))
        counts = recon.anomalies["kind"].value_counts()
        for col, kind in zip(st.columns(len(ANOMALY_KINDS)), ANOMALY_KINDS, strict=True):
            col.metric(ANOMALY_LABELS[kind], f"{int(counts.get(kind, 0)):,}")
        st.caption(_("Months {first} – {last}; findings by kind above (one finding can sit "
                     "beside another in the same month).").format(
            first=f"{recon.months[0]:%Y-%m}", last=f"{recon.months[-1]:%Y-%m}"))


def _findings(report: ChannelReport) -> None:
    st.subheader(_("Findings"))
    labels = [ANOMALY_LABELS[k] for k in ANOMALY_KINDS]
    chosen = st.multiselect(_("Kinds shown"), labels, default=labels, key="ch_kinds")
    kinds = tuple(k for k in ANOMALY_KINDS if ANOMALY_LABELS[k] in chosen)
    table = anomaly_table(report, kinds)
    _table(table, "ch_findings_table")
    t = report.reconciliation.thresholds
    st.caption(_(
        "{count} findings shown. Tolerance: the larger of {units} units and {share}% of "
        "opening + purchases; stale after {stale} months without sales. Definitions: "
        "docs/channel.md.").format(count=f"{len(table):,}", units=f"{t.tolerance_units:g}",
                                   share=f"{100 * t.tolerance_share:g}", stale=t.stale_months))


def stock_series(report: ChannelReport, distributor: str) -> pd.DataFrame:
    """One distributor's stock per product and month, long: computed closing and reported."""
    ledger = report.reconciliation.distributors
    rows = ledger[ledger["distributor"] == distributor]
    frames = [
        pd.DataFrame({"product": rows["product"], "month": rows["month"],
                      "series": "computed closing", "units": rows["closing"].astype(float)}),
        pd.DataFrame({"product": rows["product"], "month": rows["month"],
                      "series": "reported", "units": rows["reported"]}).dropna(),
    ]
    return pd.concat(frames, ignore_index=True)


def _stock_chart(report: ChannelReport) -> None:
    st.subheader(_("Stock per distributor"))
    ledger = report.reconciliation.distributors
    names = report.names["distributor"]
    held = ledger.assign(held=held_stock(ledger))
    last = held[held["month"] == held["month"].max()]
    order = last.groupby("distributor")["held"].sum().sort_values(ascending=False).index
    distributor = st.selectbox(_("Distributor"), list(order), key="ch_distributor",
                               format_func=lambda d: f"{d} · {names.get(d, '')}")
    rows = ledger[ledger["distributor"] == distributor]
    by_sales = rows.groupby("product")["sales"].sum().sort_values(ascending=False).index
    products = st.multiselect(_("Products"), list(by_sales), default=list(by_sales)[
        :CHART_PRODUCTS], key="ch_products",
        format_func=lambda p: f"{p} · {report.names['product'].get(p, '')}")
    data = stock_series(report, distributor)
    data = data[data["product"].isin(products)]
    colour = alt.Color("product:N", title=_("Product"))
    x = alt.X("yearmonth(month):T", title=None)
    y = alt.Y("units:Q", title=_("Stock at month end (units)"))
    tooltip = [alt.Tooltip("product:N"), alt.Tooltip("yearmonth(month):T", title="month"),
               alt.Tooltip("series:N"), alt.Tooltip("units:Q", format=",.0f")]
    line = alt.Chart(data[data["series"] == "computed closing"]).mark_line().encode(
        x=x, y=y, color=colour, tooltip=tooltip)
    points = alt.Chart(data[data["series"] == "reported"]).mark_point(
        filled=True, size=60).encode(x=x, y=y, color=colour, tooltip=tooltip)
    st.altair_chart(alt.layer(line, points).properties(height=320), width="stretch")
    st.caption(_("Lines: the computed closing stock; dots: the stock the distributor reported. "
                 "A dot off its line is a difference; a missing dot a missing report."))


def _bars(table: pd.DataFrame, label: str) -> alt.Chart:
    top = table.head(TOP_BARS)
    return alt.Chart(top).mark_bar().encode(
        x=alt.X("Sales (CNY):Q"), y=alt.Y(f"{label}:N", sort="-x", title=None),
        tooltip=list(top.columns)).properties(height=max(120, 32 * len(top)))


def _pure_sales(report: ChannelReport) -> None:
    st.subheader(_("Pure sales (sales to terminals)"))
    st.caption(_("The distributors' reported sales to hospitals, clinics and pharmacies over "
                 "the reconciled months, by the terminal's region and rep."))
    region, rep, terminal = st.tabs([_("By region"), _("By rep"), _("By terminal")])
    with region:
        table = pure_sales_table(report, "region")
        st.altair_chart(_bars(table, "Region"), width="stretch")
        _table(table, "ch_sales_region")
    with rep:
        table = pure_sales_table(report, "rep")
        st.altair_chart(_bars(table, "Rep"), width="stretch")
        _table(table, "ch_sales_rep")
    with terminal:
        _table(pure_sales_table(report, "terminal"), "ch_sales_terminal")


def _stock_days(report: ChannelReport) -> None:
    stock = report.stock
    st.subheader(_("Channel stock days"))
    st.caption(_(
        "Stock at the end of {month} (the report, else the computed closing) in days of "
        "average daily sales over the last {window} months ({days} days). Stock with no sales "
        "in the window is infinite days; no stock and no sales has no figure.").format(
            month=f"{stock.month:%Y-%m}", window=stock.window_months, days=stock.window_days))
    by_product, by_pair = st.tabs([_("By product"), _("By distributor and product")])
    with by_product:
        _table(stock_table(report, "products"), "ch_stock_products")
    with by_pair:
        _table(stock_table(report, "pairs"), "ch_stock_pairs")


def _downloads(ds: Dataset, report: ChannelReport) -> None:
    st.subheader(_("Downloads"))
    stem = f"pharmaops_channel_{ds.as_of:%Y%m%d}_{ds.fingerprint[:8]}"
    cols = st.columns(3)
    # the files are made when clicked: the ledger alone takes seconds to build, and a page
    # that built it on every rerun made every widget wait for it
    for col, (name, table) in zip(cols, (("findings", anomaly_table),
                                         ("ledger", ledger_table)), strict=False):
        col.download_button(f"{name}.csv", partial(lambda t: csv_bytes(t(report)), table),
                            file_name=f"{stem}_{name}.csv", mime="text/csv",
                            key=f"ch_dl_{name}", on_click="ignore",
                            icon=":material/download:")
    cols[-1].download_button(
        _("Excel workbook"), lambda: reconciliation_workbook(report, about_rows(report, ds)),
        file_name=f"{stem}.xlsx", mime=XLSX_MIME, key="ch_dl_xlsx", on_click="ignore",
        icon=":material/table_view:", type="primary")
