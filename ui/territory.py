"""Page "Sales territory": customer tiers (RFM + clinical value), A/B/C/D and lifetime value
per account; today's territories on a map with each rep's workload against the average; a
proposed balanced alignment on request (ui/territory_alignment.py); doctor grades by weighted
points, re-graded at once when a director moves a weight; the potential × support value grid
per product; the call plan from response curves estimated from the visits and the sales-force
size curve on request (ui/territory_calls.py); the reps behind their monthly visit quota
(ui/territory_quota.py); the academic specialists' meetings at the core accounts
(ui/territory_meetings.py). Models: docs/territory.md. A new alignment's effect in the
simulation is not built yet, and the page says so.
"""

from __future__ import annotations

import io
from functools import partial

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from data.dataset import Dataset
from models.territory.grading import (
    ATTRIBUTES,
    DEFAULT_GRADE_CUTS,
    DEFAULT_WEIGHTS,
    POTENTIAL_LEVELS,
    SUPPORT_LEVELS,
    attribute_points,
    regrade,
    value_grid,
)
from models.territory.segmentation import TIERS
from scenarios.channel import XLSX_MIME
from scenarios.territory_report import DEFAULT_BALANCE, rep_workload, segment_table
from ui import page_index
from ui.common import sidebar_dataset
from ui.i18n import N_, _
from ui.overview import TYPE_LABELS, type_label
from ui.territory_alignment import alignment_section, rep_map
from ui.territory_calls import call_plan_section
from ui.territory_meetings import meetings_section
from ui.territory_quota import quota_section

TITLE, ICON, URL_PATH = page_index.TERRITORY[:3]
ATTRIBUTE_LABELS = {"hospital_grade": N_("hospital grade"), "title": N_("title"),
                    "outpatients": N_("weekly outpatients"), "beds": N_("beds in charge"),
                    "product_need": N_("product need (target patients)")}
AREA_LABELS = {"oncology": N_("Oncology"),
               "acute_anti_infective": N_("Acute-care anti-infectives")}
#: the customer tiers as the page names them
TIER_LABELS = {"core": N_("core"), "potential": N_("potential"), "basic": N_("basic")}
SEGMENT_LABELS = {"rank": "#", "name": N_("account"), "customer_type": N_("type"),
                  "city": N_("city"), "tier": N_("tier"), "abcd": "A/B/C/D",
                  "rfm_score": N_("RFM (3-15)"), "monetary_cny": N_("orders last year (CNY)"),
                  "retention": N_("retention (%)"), "clv_cny": N_("lifetime value (CNY)")}
NO_DOCTORS = N_("The data set has no doctors: grades and the value grid need the doctors "
                "table.")
NOT_BUILT = N_("In the simulation, the call plan moves order rates, the new customers its "
               "calls win and how long the reps take to key in phone and WeChat orders "
               "(scenario lever territory.allocation = \"optimize\"; the committee's what-if "
               "\"plan, optimized calls\"), the academic specialists' meetings move their "
               "hospitals' order rates (territory.academic_specialist_for_core, in the plan), "
               "and the selling-expense ratio follows. A new alignment's effect in the "
               "simulation is not built yet.")
SHOWN = 100
#: what the page says while it computes (the cached results show at once)
SCORING = N_("Scoring every account (RFM) …")
READING_DOCTORS = N_("Reading every doctor's attributes …")
COUNTING = N_("Counting each rep's territory …")


@st.cache_data(max_entries=2, show_spinner=False)
def _segments(_ds: Dataset, fingerprint: str) -> pd.DataFrame:
    del fingerprint  # cache key only
    return segment_table(_ds).set_index("customer_id")


@st.cache_data(max_entries=2, show_spinner=False)
def _doctors(_ds: Dataset, fingerprint: str):
    """The doctors with their hospital, the attribute points (computed once) and the grid."""
    del fingerprint  # cache key only
    terminals = _ds["terminals"].set_index("terminal_id")
    doctors = _ds["doctors"].reset_index(drop=True)
    hospital = doctors["terminal_id"].map(terminals["terminal_type"])
    city = doctors["terminal_id"].map(terminals["city"])
    return doctors.assign(hospital_type=hospital.to_numpy()), attribute_points(
        doctors, hospital), value_grid(doctors, city)


def render() -> None:
    st.title(_(TITLE))
    st.caption(_("Customer tiers from order history and clinical value, today's territories "
                 "and a proposed alignment, the call plan and sales-force size, doctor grades "
                 "and the potential × support grid, and the reps behind their visit quota "
                 "(docs/territory.md). Measured and optimized on the data set, not simulated."))
    ds = sidebar_dataset("tr_dataset_folder")
    if ds is None:
        return
    _tiers(ds)
    _territories(ds)
    if "doctors" in ds.tables and len(ds["doctors"]):
        _with_doctors(ds)
    else:
        # every terminal is then due the pharmacy's visits: the alignment still balances them
        no_doctors = pd.DataFrame({"terminal_id": [], "grade": []})
        alignment_section(ds, no_doctors, ())
        call_plan_section(ds, no_doctors, ())
        quota_section(ds, None, (), _("the data set has no doctors."))
        st.info(_(NO_DOCTORS))
    meetings_section(ds)
    st.subheader(_("Not built yet"))
    st.info(_(NOT_BUILT))


def _with_doctors(ds: Dataset) -> None:
    """The alignment, grades and grid under the sidebar's grading (graded once per run)."""
    weights, cuts = _grading_settings()
    problem = _grading_problem(weights, cuts)
    with st.spinner(_(READING_DOCTORS)):
        doctors, points, _grid = _doctors(ds, ds.fingerprint)
    graded = None if problem else regrade(points, weights, cuts)  # (points, grade)
    grades = None if graded is None else pd.DataFrame(
        {"terminal_id": doctors["terminal_id"], "grade": graded[1]})
    grading = (tuple(weights.items()), tuple(cuts.items()))
    why = _("the doctor grading is not usable: {problem}").format(problem=problem)
    alignment_section(ds, grades, grading, why)
    call_plan_section(ds, grades, grading, why)
    _grades(ds, graded, cuts, problem)
    quota_section(ds, None if grades is None else grades.assign(
        doctor_id=doctors["doctor_id"].to_numpy()), grading, why)


def _tiers(ds: Dataset) -> None:
    st.subheader(_("Customer tiers"))
    with st.spinner(_(SCORING)):
        seg = _segments(ds, ds.fingerprint)
    value = seg.groupby("tier")["monetary_cny"].sum().reindex(list(TIERS)).fillna(0)
    counts = seg["tier"].value_counts().reindex(list(TIERS)).fillna(0)
    cols = st.columns(3)
    for col, tier in zip(cols, TIERS, strict=True):
        col.metric(_("{tier} accounts").format(tier=_(TIER_LABELS[tier])),
                   f"{int(counts[tier]):,}",
                   _("{share} of last year's orders").format(
                       share=f"{value[tier] / max(value.sum(), 1e-9):.1%}"),
                   delta_color="off")
    st.caption(_("RFM of the last year's orders (each 1-5 against the accounts' quintiles) "
                 "plus clinical value: core = the accounts that bring the first 80% of the "
                 "value (A), or supply grade-3 hospitals with RFM ≥ 12; potential = supply "
                 "grade-3 or grade-2 hospitals with RFM ≥ 7, or won within two years; basic = "
                 "the rest."))
    # the workbook keeps the codes' English names; the page shows them translated
    by_type = pd.crosstab(seg["customer_type"], seg["tier"]).reindex(columns=list(TIERS),
                                                                     fill_value=0)
    by_type.index.name = "type"
    c1, c2 = st.columns([2, 1])
    shown_by_type = by_type.rename(index=type_label, columns=lambda t: _(
        "{tier} (accounts)").format(tier=_(TIER_LABELS[t])))
    shown_by_type.index.name = _("type")
    c1.dataframe(shown_by_type, width="stretch")
    abcd = seg["abcd"].value_counts().reindex(list("ABCD"), fill_value=0)
    c2.dataframe(pd.DataFrame({_("class"): abcd.index, _("accounts"): abcd.to_numpy()}),
                 hide_index=True, width="stretch")
    top = seg.sort_values("clv_cny", ascending=False).reset_index()
    top.insert(0, "rank", range(1, len(top) + 1))
    top["retention"] = 100 * top["retention"]
    cols = list(SEGMENT_LABELS)
    st.caption(_("Lifetime value: the net present value of 5 years of margin (30% of orders), "
                 "kept with the retention of the account's type and discounted at 8% a year."))
    labels = {k: _(v) for k, v in SEGMENT_LABELS.items()}
    shown = top.head(SHOWN)[cols].assign(
        customer_type=lambda t: t["customer_type"].map(type_label),
        tier=lambda t: t["tier"].map(lambda v: _(TIER_LABELS.get(v, v))))
    st.dataframe(shown.rename(columns=labels).style.format({
        labels["monetary_cny"]: "{:,.0f}", labels["clv_cny"]: "{:,.0f}",
        labels["retention"]: "{:.1f}"}), hide_index=True, width="stretch")
    top["customer_type"] = top["customer_type"].map(lambda c: TYPE_LABELS.get(c, c))
    # made when clicked: writing every account with openpyxl took seconds on every rerun
    st.download_button(_("Download the tiers (Excel)"), partial(_tiers_workbook, top, by_type),
                       file_name="customer_tiers.xlsx", mime=XLSX_MIME, key="tr_tiers_xlsx",
                       on_click="ignore")


def _tiers_workbook(top: pd.DataFrame, by_type: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        top.drop(columns=["rank"]).to_excel(xl, sheet_name="accounts", index=False)
        by_type.rename(index=lambda c: TYPE_LABELS.get(c, c)).to_excel(
            xl, sheet_name="tiers by type")
    return buffer.getvalue()


@st.cache_data(max_entries=2, show_spinner=False)
def _workload(_ds: Dataset, fingerprint: str) -> pd.DataFrame:
    del fingerprint  # cache key only
    return rep_workload(_ds)


def _territories(ds: Dataset) -> None:
    st.subheader(_("Territories today"))
    with st.spinner(_(COUNTING)):
        work = _workload(ds, ds.fingerprint)
    terminals = ds["terminals"]
    names = work.set_index("rep_id")["name"]
    rep_text = _("rep: {name}")
    rep_map(ds, terminals["rep_id"], terminals["rep_id"].map(names).fillna("").map(
        lambda n: rep_text.format(name=n)),
            _("Map of hospitals and pharmacies coloured by rep"))
    st.caption(_("{terminals} hospitals and pharmacies coloured by the rep who covers them; "
                 "black dots: the {reps} reps' bases. Hover for details.").format(
        terminals=f"{len(terminals):,}", reps=len(work)))
    low, high = work["terminals_vs_average"].quantile([0.1, 0.9])
    st.caption(_("Workload today: hospitals and pharmacies per rep against the average rep "
                 "({average}); the middle 80% of reps carry {low}-{high} of it. The shaded "
                 "band is ±{balance} of the average, the balance an alignment is asked to "
                 "keep by default (below, on visits a month).").format(
        average=f"{work['terminals'].mean():.0f}", low=f"{low:.0%}", high=f"{high:.0%}",
        balance=f"{DEFAULT_BALANCE:.0%}"))
    ordered = work.sort_values("terminals", ascending=False).reset_index(drop=True)
    ordered["rank"] = np.arange(1, len(ordered) + 1)
    mean = float(work["terminals"].mean())
    band = alt.Chart(pd.DataFrame({"low": [(1 - DEFAULT_BALANCE) * mean],
                                   "high": [(1 + DEFAULT_BALANCE) * mean]})).mark_rect(
        opacity=0.15, color="#2e7d32").encode(y="low:Q", y2="high:Q")
    bars = alt.Chart(ordered).mark_bar().encode(
        x=alt.X("rank:O", title=_("reps, most loaded first"), axis=alt.Axis(labels=False)),
        y=alt.Y("terminals:Q", title=_("hospitals and pharmacies covered")),
        tooltip=[alt.Tooltip("name:N", title=_("rep")),
                 alt.Tooltip("home_city:N", title=_("base")),
                 alt.Tooltip("team:N", title=_("team")),
                 alt.Tooltip("terminals:Q", title=_("terminals")),
                 alt.Tooltip("doctors:Q", title=_("doctors")),
                 alt.Tooltip("accounts:Q", title=_("accounts")),
                 alt.Tooltip("orders_cny:Q", format=",.0f",
                             title=_("orders of its accounts (CNY)"))])
    st.altair_chart(band + bars, width="stretch")


def _grading_settings() -> tuple[dict[str, float], dict[str, float]]:
    sb = st.sidebar
    sb.subheader(_("Doctor grading"))
    weights = {a: sb.slider(_("Weight: {attribute}").format(attribute=_(ATTRIBUTE_LABELS[a])),
                            0.0, 1.0, DEFAULT_WEIGHTS[a], step=0.05, key=f"tr_w_{a}")
               for a in ATTRIBUTES}
    cuts = {g: float(sb.number_input(_("Grade {grade} from (points)").format(grade=g), 0.0,
                                     100.0, v, step=5.0, key=f"tr_cut_{g}"))
            for g, v in DEFAULT_GRADE_CUTS.items()}
    return weights, cuts


def _grading_problem(weights: dict[str, float], cuts: dict[str, float]) -> str | None:
    """Why the sidebar's weights and cut points cannot grade, or None."""
    if sum(weights.values()) <= 0:
        return _("every weight is 0: give at least one attribute a weight.")
    values = list(cuts.values())
    if any(b >= a for a, b in zip(values, values[1:], strict=False)):
        return _("grade cut points must fall from A to C (A highest): {cuts}.").format(
            cuts=", ".join(f"{g} {v:g}" for g, v in cuts.items()))
    return None


def _grades(ds: Dataset, graded: tuple[np.ndarray, np.ndarray] | None,
            cuts: dict[str, float], problem: str | None) -> None:
    st.subheader(_("Doctor grades"))
    doctors, _points, grid = _doctors(ds, ds.fingerprint)
    if graded is None:
        st.warning(problem[0].upper() + problem[1:])
        return
    total, grade = graded
    st.caption(_("Each doctor scores 0-100 on hospital grade, title, weekly outpatients, beds "
                 "in charge and product need; the grade comes from the weighted points "
                 "(weights and cut points in the sidebar: every doctor is re-graded at once)."))
    counts = pd.Series(grade).value_counts().reindex([*cuts, "D"], fill_value=0)
    cols = st.columns(len(counts))
    for col, (g, n) in zip(cols, counts.items(), strict=True):
        col.metric(_("grade {grade} doctors").format(grade=g), f"{int(n):,}",
                   f"{n / len(grade):.1%}",
                   delta_color="off")
    chart = alt.Chart(pd.DataFrame({"points": total})).mark_bar().encode(
        x=alt.X("points:Q", bin=alt.Bin(step=5), title=_("weighted points")),
        y=alt.Y("count():Q", title=_("doctors")))
    st.altair_chart(chart, width="stretch")
    st.subheader(_("Value grid: potential × support"))
    st.caption(_("Per product (DOMAIN.md's thresholds; key cities 北京, 上海, 广州, 南京, 杭州 "
                 "for oncology): potential A-C by prescriptions, target patients, outpatients "
                 "or beds (any one suffices), support 1-3 by our share. Doctors below C or "
                 "below support 3 are outside the grid; chronic products have no grid."))
    cols = st.columns(len(AREA_LABELS))
    for col, (area, label) in zip(cols, AREA_LABELS.items(), strict=True):
        rows = grid["therapy_area"] == area
        table = pd.crosstab(grid.loc[rows, "potential"], grid.loc[rows, "support"]).reindex(
            index=list(POTENTIAL_LEVELS), columns=list(SUPPORT_LEVELS), fill_value=0)
        kol = doctors.loc[rows & (grid["cell"] != ""), "kol"].astype(bool).sum()
        col.markdown(_("**{area}** — {doctors} doctors, {in_grid} in the grid ({kol} KOL)")
                     .format(area=_(label), doctors=f"{int(rows.sum()):,}",
                             in_grid=f"{int((grid.loc[rows, 'cell'] != '').sum()):,}",
                             kol=f"{int(kol):,}"))
        # the row and column labels name the levels: no axis names
        col.dataframe(table.rename(index=lambda p: _("potential {level}").format(level=p),
                                   columns=lambda s: _("support {level}").format(level=s))
                      .rename_axis(index=None, columns=None), width="stretch")


__all__ = ["ICON", "TITLE", "URL_PATH", "render"]
