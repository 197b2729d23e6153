"""Page "Today": the six headline KPIs measured from the data set's own history, against the
committee's targets, with the customer and site map and the KPI tables to download.

Everything shown is measured by :func:`data.history.measure_history` (kept on disk per data
set and period: :mod:`scenarios.history_cache`); nothing is simulated.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from functools import partial

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from data.dataset import Dataset
from data.history import DEFAULT_PERIOD_DAYS, HistoryReport
from data.kpis import AGING_BUCKETS, KPI_NAMES
from data.tables import CUSTOMER_TYPES, REGIONS
from scenarios.expense_projection import TARGET_CHANGE_POINTS
from scenarios.history_cache import measure_history_kept
from scenarios.schema import committee_targets
from ui import page_index
from ui.base_map import base_layers
from ui.common import (
    MEASURES,
    column_config,
    csv_bytes,
    dataset_from_folder_text,
    default_dataset_folder,
    format_gap,
    format_measure,
    region_label,
)
from ui.i18n import N_, _, language

TITLE, ICON, URL_PATH = page_index.TODAY[:3]
#: the data set's tables as the summary names them
TABLE_LABELS = {
    "customers": N_("customers"),
    "terminals": N_("terminals"),
    "prospects": N_("prospects"),
    "doctors": N_("doctors"),
    "reps": N_("reps"),
    "products": N_("products"),
    "sites": N_("sites"),
    "orders": N_("orders"),
    "order_lines": N_("order lines"),
    "invoices": N_("invoices"),
    "payments": N_("payments"),
    "flows": N_("flows"),
    "stock_reports": N_("stock reports"),
    "visits": N_("visits"),
    "selling_expenses": N_("selling expenses"),
}
MAX_PERIOD_DAYS = 3650
#: customer circle radius (m) per sqrt(CNY/year) of annual sales: area ∝ sales
RADIUS_M_PER_SQRT_CNY = 12.0
#: Tableau 10: colours stay tied to a region or type whatever the data set holds
_PALETTE = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
)
TYPE_LABELS = {
    "distributor_l1": N_("Level-1 distributor"),
    "distributor_l2": N_("Level-2 distributor"),
    "chain_pharmacy": N_("Pharmacy chain"),
    "private_hospital": N_("Private hospital"),
    "private_clinic": N_("Private clinic"),
    "hospital_3a": N_("3A hospital"),
    "hospital_3": N_("Grade-3 hospital"),
    "hospital_2": N_("Grade-2 hospital"),
    "community_clinic": N_("Community clinic"),
    "retail_pharmacy": N_("Retail pharmacy"),
}


def type_label(code: str) -> str:
    """A customer or terminal type's name in the page's language (the code if unknown)."""
    return _(TYPE_LABELS[code]) if code in TYPE_LABELS else code


#: quoted, or pydeck would send the bare string as an accessor expression ("@@=pixels")
_PIXELS = "'pixels'"
_UNIT_TEXT = {"days": "days", "rate": "share 0..1", "cny": "CNY", "count": "count"}
_TOOLTIP = {
    "html": "<b>{name}</b><br/>{what}<br/>{where}<br/>{detail}",
    "style": {"fontSize": "12px"},
}


# --------------------------------------------------------------------------- page
def render() -> None:
    """Page body; reads the data set folder and period from the sidebar."""
    st.title(_(TITLE))
    st.caption(_(
        "Measured from the data set's own order, invoice and payment history over the "
        "period ending on its as-of day. No simulation, no assumptions."
    ))
    folder_text = st.sidebar.text_input(
        _("Data set folder"),
        value=default_dataset_folder(),
        key="dataset_folder",
        help=_("A folder with one file per table (see `pharmaops data check`)."),
    )
    period_days = int(
        st.sidebar.number_input(
            _("Measurement period (days)"),
            min_value=1,
            max_value=MAX_PERIOD_DAYS,
            value=DEFAULT_PERIOD_DAYS,
            step=1,
            key="period_days",
            help=_("KPIs are measured over this many days, ending on the data set's as-of "
                   "day."),
        )
    )

    ds = dataset_from_folder_text(folder_text)
    if ds is None:
        return
    with st.spinner(_("Measuring KPIs …")):
        report = _measure(ds, ds.fingerprint, f"{ds.as_of:%Y-%m-%d}", period_days)
    targets = committee_targets()

    _dataset_summary(ds, report)
    _kpi_cards(report, targets)
    _map(ds)
    _tables(ds, report, targets)


# no spinner of its own: its text would be fixed at import, in English; the caller says it
@st.cache_data(max_entries=16, show_spinner=False)
def _measure(_dataset: Dataset, fingerprint: str, as_of: str, period_days: int) -> HistoryReport:
    """:func:`measure_history`, cached in memory and kept on disk per data set and period
    (:mod:`scenarios.history_cache`), so a new server process reads it. ``as_of`` is part of
    the key as well as the fingerprint, which covers ``dataset.json`` too."""
    del fingerprint, as_of  # cache key only
    return measure_history_kept(_dataset, period_days)


# --------------------------------------------------------------------------- sections
def _dataset_summary(ds: Dataset, report: HistoryReport) -> None:
    with st.container(border=True):
        counts = list(ds.counts().items())
        # rows of at most six: seven or more figures of six digits in one row get cut off
        per_row = -(-len(counts) // -(-len(counts) // 6))
        for start in range(0, len(counts), per_row):
            part = counts[start:start + per_row]
            for col, (name, rows) in zip(st.columns(per_row), part, strict=False):
                col.metric(_(TABLE_LABELS.get(name, name.replace("_", " "))), f"{rows:,}")
        w = report.window
        st.caption(_(
            "Data set `{path}` · as of **{as_of}** · period {start} – {end} ({days} days) · "
            "fingerprint `{fingerprint}`").format(
                path=ds.path, as_of=f"{ds.as_of:%Y-%m-%d}", start=f"{w.start:%Y-%m-%d}",
                end=f"{w.end:%Y-%m-%d}", days=w.days, fingerprint=ds.fingerprint[:12]))
    first = ds["orders"]["placed_at"].min()
    if pd.notna(first) and first.normalize() > w.start:
        st.warning(
            f"The period starts before the first recorded order ({first:%Y-%m-%d}); "
            "the KPIs cover only the recorded part of it."
        )


def _kpi_cards(report: HistoryReport, targets: Mapping[str, float]) -> None:
    st.subheader(_("KPIs today vs the committee's targets"))
    cols = st.columns(3)
    for i, name in enumerate(KPI_NAMES):
        m = MEASURES[name]
        value, target = report.kpis[name], targets[name]
        measured = not np.isnan(value)
        trend = report.by_month[name].dropna().astype(float).tolist()
        cols[i % 3].metric(
            m.label,
            format_measure(name, value),
            delta=format_gap(name, value, target) if measured else None,
            delta_color="normal" if m.higher_is_better else "inverse",
            delta_description=_("vs target {target}").format(
                target=format_measure(name, target)),
            help=m.help + " " + _("The line shows the monthly values."),
            border=True,
            chart_data=trend or None,
        )
    _expense_card(report, cols[len(KPI_NAMES) % 3])
    _new_customers_card(report, cols[(len(KPI_NAMES) + 1) % 3])


def _new_customers_card(report: HistoryReport, col) -> None:
    """Terminals won in the period against the committee's +20%."""
    value = report.overall.get("new_customers", np.nan)
    known = not np.isnan(value)
    col.metric(
        MEASURES["new_customers"].label,
        f"{value:,.0f}" if known else _("not known"),
        delta_description=_("target +20% ({count})").format(count=f"{1.2 * value:,.0f}")
        if known else _("the terminals carry no won_date"),
        help=MEASURES["new_customers"].help + " " + _("The line shows the monthly counts."),
        border=True,
        chart_data=report.by_month["new_customers"].dropna().astype(float).tolist() or None
        if "new_customers" in report.by_month else None)


def _expense_card(report: HistoryReport, col) -> None:
    """Today's selling-expense ratio against the committee's target, 5 points lower."""
    name = "selling_expense_ratio"
    value = report.overall.get(name, np.nan)
    known = not np.isnan(value)
    col.metric(
        MEASURES[name].label,
        format_measure(name, value) if known else _("not known"),
        delta_description=_("target {target} ({points} points)").format(
            target=format_measure(name, value + TARGET_CHANGE_POINTS / 100),
            points=f"{TARGET_CHANGE_POINTS:+.0f}")
        if known else _("the data set has no selling_expenses table"),
        help=MEASURES[name].help,
        border=True,
        chart_data=report.by_month[name].dropna().astype(float).tolist() or None
        if name in report.by_month else None,
    )


def _colour_map(keys: tuple[str, ...]) -> dict[str, tuple[int, int, int]]:
    return {k: _PALETTE[i % len(_PALETTE)] for i, k in enumerate(keys)}


def _escaped(values: pd.Series) -> pd.Series:
    return values.astype(str).map(html.escape)


def customer_points(customers: pd.DataFrame, colour_by: str) -> pd.DataFrame:
    """One row per customer for the map: position, radius (m), colour and tooltip fields."""
    keys = REGIONS if colour_by == "region" else CUSTOMER_TYPES
    rgb = customers[colour_by].map(_colour_map(keys))
    types = customers["customer_type"].map(type_label)
    regions = customers["region"].map(region_label)
    remote = np.where(customers["remote"], " · " + _("remote area"), "")
    return pd.DataFrame(
        {
            "lon": customers["longitude"].round(4),
            "lat": customers["latitude"].round(4),
            "radius_m": (RADIUS_M_PER_SQRT_CNY * np.sqrt(customers["annual_sales_cny"])).round(),
            "r": rgb.str[0],
            "g": rgb.str[1],
            "b": rgb.str[2],
            "name": _escaped(customers["name"]),
            "what": _escaped(types + " · " + regions),
            "where": _escaped(customers["city"] + " " + customers["district"]),
            "detail": _escaped(
                customers["annual_sales_cny"].map(
                    lambda v: _("sales {amount} CNY/year").format(amount=f"{v:,.0f}"))
                + remote
            ),
        }
    )


def site_points(sites: pd.DataFrame, kind: str) -> pd.DataFrame:
    """One row per site of ``kind`` (central_dc or candidate) with tooltip fields."""
    s = sites[sites["kind"] == kind]
    what = _("Central DC (open)") if kind == "central_dc" else _("Forward-warehouse candidate")
    cold = np.where(s["cold_chain_qualified"], _("cold chain qualified"), _("no cold chain"))
    return pd.DataFrame(
        {
            "lon": s["longitude"],
            "lat": s["latitude"],
            "name": _escaped(s["name"]),
            "what": what,
            "where": _escaped(
                s["city"].where(s["city"] == s["province"], s["city"] + ", " + s["province"])
                + " · "
                + s["region"].map(region_label)
            ),
            "detail": _escaped(
                pd.Series([_("capacity {units} units/year · fixed {cost} CNY/year").format(
                    units=f"{u:,.0f}", cost=f"{c:,.0f}") for u, c in zip(
                        s["capacity_units_per_year"], s["annual_fixed_cost_cny"], strict=True)],
                          index=s.index)
                + " · "
                + cold
            ),
        }
    )


def _legend(colours: Mapping[str, tuple[int, int, int]], labels: Mapping[str, str]) -> str:
    items = [
        f"<span style='color:rgb{colours[k]}'>&#9679;</span>&nbsp;{html.escape(labels[k])}"
        for k in colours
    ]
    items += [
        "<span style='color:#141414'>&#9679;</span>&nbsp;" + html.escape(_("central DC")),
        "<span style='color:#141414'>&#9675;</span>&nbsp;"
        + html.escape(_("forward-warehouse candidate")),
    ]
    return " &nbsp; ".join(items)


def _map(ds: Dataset) -> None:
    st.subheader(_("Customers and sites"))
    # labels in the page's language, one widget per language (its options change with it)
    by = {_("region"): "region", _("customer type"): "customer_type"}
    choice = st.radio(_("Colour customers by"), list(by), horizontal=True,
                      key=f"map_colour_by_{language()}")
    colour_by = by[choice]
    keys = REGIONS if colour_by == "region" else CUSTOMER_TYPES
    labels = ({k: region_label(k) for k in REGIONS} if colour_by == "region"
              else {k: type_label(k) for k in CUSTOMER_TYPES})
    st.markdown(_legend(_colour_map(keys), labels), unsafe_allow_html=True)
    customers = customer_points(ds["customers"], colour_by)
    layers = [
        pdk.Layer(
            "ScatterplotLayer",
            id="customers",
            data=customers.to_dict("records"),
            get_position="[lon, lat]",
            get_radius="radius_m",
            radius_min_pixels=1.5,
            radius_max_pixels=22,
            get_fill_color="[r, g, b, 150]",
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="candidates",
            data=site_points(ds["sites"], "candidate").to_dict("records"),
            get_position="[lon, lat]",
            radius_units=_PIXELS,
            get_radius=7,
            filled=True,
            get_fill_color=[255, 255, 255, 90],
            stroked=True,
            get_line_color=[20, 20, 20, 230],
            line_width_min_pixels=2,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="central_dcs",
            data=site_points(ds["sites"], "central_dc").to_dict("records"),
            get_position="[lon, lat]",
            radius_units=_PIXELS,
            get_radius=10,
            get_fill_color=[20, 20, 20, 235],
            stroked=True,
            get_line_color=[255, 255, 255, 255],
            line_width_min_pixels=2,
            pickable=True,
        ),
    ]
    deck = pdk.Deck(
        layers=[*base_layers(), *layers],
        map_style=None,
        tooltip=_TOOLTIP,
        initial_view_state=pdk.ViewState(latitude=35.0, longitude=104.5, zoom=3.2),
    )
    st.pydeck_chart(
        deck, height=560, alt="Map of customers, central DCs and forward-warehouse candidate cities"
    )
    st.caption(_("{count} customers; circle area proportional to annual sales (CNY/year). "
                 "Hover for details.").format(count=f"{len(customers):,}"))


# --------------------------------------------------------------------------- tables
def kpi_tables(report: HistoryReport, targets: Mapping[str, float]) -> dict[str, pd.DataFrame]:
    """The KPI tables as downloaded: overall, by_region, by_customer_type, by_month, aging.

    Raw values in the units their names carry (rates as shares 0..1, money in CNY)."""
    overall = pd.DataFrame(
        [
            {
                "measure": name,
                "label": m.label,
                "unit": _UNIT_TEXT[m.unit],
                "today": report.overall[name],
                "target": targets.get(name, np.nan),
            }
            for name, m in MEASURES.items()
            if name in report.overall
        ]
    )
    overall["gap"] = overall["today"] - overall["target"]
    open_cny = pd.Series(report.aging_cny, dtype=float)
    total = open_cny.sum()
    aging = pd.DataFrame(
        {
            "days_since_invoice": open_cny.index,
            "open_cny": open_cny.to_numpy(),
            "share": (open_cny / total).to_numpy() if total > 0 else np.nan,
        }
    )
    return {
        "overall": overall,
        "by_region": report.by_region,
        "by_customer_type": report.by_customer_type,
        "by_month": report.by_month,
        "aging": aging,
    }


def kpi_workbook(tables: Mapping[str, pd.DataFrame], about: Mapping[str, str]) -> bytes:
    """An Excel workbook with one sheet per table, then an ``about`` sheet (provenance)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name, index=False)
        pd.DataFrame({"field": list(about), "value": list(about.values())}).to_excel(
            writer, sheet_name="about", index=False
        )
    return buffer.getvalue()


def _csv(frame: pd.DataFrame) -> bytes:
    return csv_bytes(frame)


def _overall_view(overall: pd.DataFrame) -> pd.DataFrame:
    fmt = [
        (format_measure(name, today), format_measure(name, target) if name in KPI_NAMES else "")
        for name, today, target in zip(
            overall["measure"], overall["today"], overall["target"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "measure": overall["label"],
            "today": [a for a, _ in fmt],
            "committee target": [b for _name, b in fmt],
        }
    )


def _trend_chart(by_month: pd.DataFrame, name: str, target: float) -> alt.LayerChart:
    m = MEASURES[name]
    scale, unit = (100.0, "%") if m.unit == "rate" else (1.0, "days")
    data = pd.DataFrame({"month": by_month["month"], "value": by_month[name] * scale})
    line = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title=None),
            y=alt.Y("value:Q", title=f"{m.label} ({unit})", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("month:O"), alt.Tooltip("value:Q", format=".1f", title=unit)],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [target * scale]}))
        .mark_rule(color="#d62728", strokeDash=[5, 4])
        .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", format=".1f", title="target")])
    )
    return alt.layer(line, rule).properties(height=240, title=f"{m.label} (target dashed)")


def _aging_chart(aging: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(aging)
        .mark_bar()
        .encode(
            x=alt.X(
                "days_since_invoice:N",
                sort=[b[0] for b in AGING_BUCKETS],
                title="Days since invoice",
            ),
            y=alt.Y("open_cny:Q", title="Open receivables (CNY)"),
            tooltip=[
                alt.Tooltip("days_since_invoice:N", title="days since invoice"),
                alt.Tooltip("open_cny:Q", format=",.0f", title="CNY"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(height=300)
    )


def _tables(ds: Dataset, report: HistoryReport, targets: Mapping[str, float]) -> None:
    st.subheader(_("KPI tables"))
    tables = kpi_tables(report, targets)
    stem = f"pharmaops_kpis_{ds.as_of:%Y%m%d}_{report.window.days}d_{ds.fingerprint[:8]}"

    def csv_button(name: str) -> None:
        st.download_button(
            _("Download {name} (CSV)").format(name=name),
            _csv(tables[name]),
            file_name=f"{stem}_{name}.csv",
            mime="text/csv",
            key=f"csv_{name}",
            on_click="ignore",
            icon=":material/download:",
        )

    overall, region, ctype, month, aging = st.tabs(
        [_("Overall"), _("By region"), _("By customer type"), _("By month"),
         _("Receivables aging")]
    )
    with overall:
        st.dataframe(_overall_view(tables["overall"]), hide_index=True)
        csv_button("overall")
    for tab, name in ((region, "by_region"), (ctype, "by_customer_type")):
        with tab:
            frame = tables[name]
            st.dataframe(frame, hide_index=True, column_config=column_config(frame))
            csv_button(name)
    with month:
        cols = st.columns(3)
        for col, name in zip(
            cols, ("on_time_rate", "order_processing_days", "dso_days"), strict=True
        ):
            col.altair_chart(_trend_chart(report.by_month, name, targets[name]))
        st.caption(_(
            "Monthly DSO uses each month's own credit sales (receivables at month end / "
            "the month's credit sales × its days), not the 90-day headline definition."
        ))
        st.dataframe(
            tables["by_month"], hide_index=True, column_config=column_config(tables["by_month"])
        )
        csv_button("by_month")
    with aging:
        st.altair_chart(_aging_chart(tables["aging"]))
        st.dataframe(
            tables["aging"],
            hide_index=True,
            column_config={
                "open_cny": st.column_config.NumberColumn("Open (CNY)", format="localized"),
                "share": st.column_config.NumberColumn("Share", format="percent"),
            },
        )
        csv_button("aging")

    about = {
        "dataset": str(ds.path),
        "fingerprint": ds.fingerprint,
        "as_of": f"{ds.as_of:%Y-%m-%d}",
        "period_start": f"{report.window.start:%Y-%m-%d}",
        "period_end": f"{report.window.end:%Y-%m-%d}",
        "period_days": str(report.window.days),
    }
    # made when clicked: writing the workbook on every rerun slowed the page
    st.download_button(
        _("Download all KPI tables (Excel)"),
        partial(kpi_workbook, tables, about),
        file_name=f"{stem}.xlsx",
        key="xlsx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_view:",
        type="primary",
    )
