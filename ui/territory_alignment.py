"""The territory page's maps of terminals by rep (today's and the proposed) and its section
"Proposed alignment": a balanced alignment of the hospitals and pharmacies to the reps
(``scenarios.territory_report.align_terminals``) under the page's doctor grading, with its
proof (status, bound, gap), km and disruption against today, each rep's visits a month
against the balance band, the terminals that change rep and the workbook. docs/territory.md.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from data.dataset import Dataset
from data.problems import said
from scenarios.channel import XLSX_MIME
from scenarios.territory_levers import TerritoryLevers
from scenarios.territory_report import DEFAULT_BALANCE, align_terminals, rep_visits, visits_due
from ui.base_map import base_layers
from ui.i18n import N_, _
from ui.overview import TYPE_LABELS, type_label

#: the page's time limit for one solve (s): default and the most a director may ask for
DEFAULT_SECONDS, MAX_SECONDS = 20, 120
#: widest balance offered (share of the average); the model refuses 1 and above
MAX_BALANCE = 0.5
STATE = "tr_alignment"
#: align_territories' objective -> the radio's label
OBJECTIVE_LABELS = {"distance": N_("km to the reps' bases"),
                    "disruption": N_("visits that change rep")}
#: the disruption slider at this share (%) means no cap
NO_CAP_PCT = 100.0
#: status -> (the metric's value, how it was reached)
STATUS_LABELS = {"optimal": (N_("optimal"), N_("proven")),
                 "time_limit": (N_("time limit"), N_("best found, not proven"))}
#: the table of changes' headers (the page shows them translated, the workbook in English)
CHANGE_LABELS = {"name": N_("hospital or pharmacy"), "type": N_("type"), "city": N_("city"),
                 "visits_per_month": N_("visits a month"), "rep_today": N_("rep today"),
                 "rep_proposed": N_("rep proposed"), "km_today": N_("km to today's rep's base"),
                 "km_proposed": N_("km to the proposed rep's base")}
REP_LABELS = {"rep": "rep (base)", "terminals_today": "terminals today",
              "terminals_proposed": "terminals proposed",
              "visits_today": "visits a month today", "visits_proposed": "visits a month proposed",
              "km_today": "km to the base today", "km_proposed": "km to the base proposed"}


def rep_colours(rep_ids: pd.Series) -> np.ndarray:
    """A stable, well-spread colour per rep (golden-angle hues), RGB 0-255 per row."""
    codes = pd.Categorical(rep_ids).codes.astype(float)
    hue = (codes * 0.618033988749895) % 1.0
    rgb = np.stack([np.abs(hue * 6 - 3) - 1, 2 - np.abs(hue * 6 - 2),
                    2 - np.abs(hue * 6 - 4)], axis=1).clip(0, 1)
    return (40 + 180 * rgb).round().astype(int)


def rep_map(ds: Dataset, rep_ids: pd.Series, detail: pd.Series, alt_text: str) -> None:
    """The terminals coloured by ``rep_ids`` (one rep per terminal row) with ``detail`` in the
    tooltip, and the reps' bases as black dots."""
    terminals, reps = ds["terminals"], ds["reps"]
    # colours over every rep first, so a rep keeps its colour on every map of the page
    colours = rep_colours(pd.concat([reps["rep_id"], pd.Series(rep_ids)]))[len(reps):]
    points = pd.DataFrame({
        "lon": terminals["longitude"].round(4), "lat": terminals["latitude"].round(4),
        "r": colours[:, 0], "g": colours[:, 1], "b": colours[:, 2],
        "name": terminals["name"], "what": terminals["terminal_type"].map(type_label),
        "where": terminals["city"], "detail": np.asarray(detail)})
    homes = reps.assign(what=_("rep's base"), where=reps["home_city"], detail=reps["team"])
    deck = pdk.Deck(layers=[
        *base_layers(),
        pdk.Layer("ScatterplotLayer", id="terminals", data=points.to_dict("records"),
                  get_position="[lon, lat]", get_radius=6000, radius_min_pixels=1.5,
                  radius_max_pixels=8, get_fill_color="[r, g, b, 170]", pickable=True),
        pdk.Layer("ScatterplotLayer", id="reps", data=homes[
            ["longitude", "latitude", "name", "what", "where", "detail"]].to_dict("records"),
                  get_position="[longitude, latitude]", radius_units="'pixels'", get_radius=4,
                  get_fill_color=[20, 20, 20, 235], pickable=True)],
        map_style=None, initial_view_state=pdk.ViewState(latitude=35.0, longitude=104.5,
                                                         zoom=3.2),
        tooltip={"html": "<b>{name}</b><br/>{what}<br/>{where}<br/>{detail}"})
    st.pydeck_chart(deck, height=480, alt=alt_text)


class Settings(NamedTuple):
    """What a proposal depends on: the data set, the grading (weights, cuts), the visit
    quota, the balance (share of the average), the time limit (s), what is minimised
    ("distance" or "disruption") and the disruption cap (share of the visits, None: none)."""

    fingerprint: str
    grading: tuple
    quota: tuple
    balance: float
    seconds: float
    objective: str = "distance"
    cap: float | None = None


@st.cache_data(max_entries=4, show_spinner=False)
def _align(_ds: Dataset, _grades: pd.DataFrame, fingerprint: str, grading: tuple,
           quota: tuple, balance: float, seconds: float, objective: str,
           cap: float | None):
    """The alignment and its table; keyed by the data set, the grading (weights and cuts,
    which fix ``_grades``), the visit quota, the balance, the time limit (s), the objective
    and the disruption cap (share of the visits)."""
    del fingerprint, grading  # cache key only
    visits = visits_due(_ds, _grades, dict(quota))
    return align_terminals(_ds, visits, balance=balance, time_limit_s=seconds,
                           objective=objective, max_disruption_share=cap)


def alignment_section(ds: Dataset, grades: pd.DataFrame | None, grading: tuple,
                      why_not: str | None = None) -> None:
    """Controls, the button and the last proposal; ``grades`` one row per doctor
    (``terminal_id``, ``grade``) under the sidebar's ``grading``, None with ``why_not``."""
    st.subheader(_("Proposed alignment"))
    quota = TerritoryLevers().visit_quota
    st.caption(_(
        "Each hospital or pharmacy is due visits a month by its doctors' grades ({quota} a "
        "doctor, under the grading in the sidebar; a terminal without doctors 1). The "
        "alignment gives every terminal one rep so that the km to the reps' bases, or the "
        "visits a month that change rep, are least while each rep's visits a month stay "
        "within ± the balance of the average, optionally with at most a share of the visits "
        "changing rep; the optimizer proves how far from the best its answer can be (bound "
        "and gap).").format(quota=", ".join(f"{g} {v:g}" for g, v in quota.items())))
    if grades is None:
        st.info(_("No alignment can be proposed: {why}").format(why=why_not))
        return
    c1, c2 = st.columns(2)
    balance = c1.slider(_("Balance: each rep's visits a month within ± (% of the average)"),
                        0.0, 100 * MAX_BALANCE, 100 * DEFAULT_BALANCE, step=1.0,
                        format="%.0f%%", key="tr_al_balance") / 100
    seconds = float(c2.number_input(_("Time limit (seconds)"), 1, MAX_SECONDS,
                                    DEFAULT_SECONDS, step=5, key="tr_al_seconds"))
    objective, cap = _disruption_controls()
    key = Settings(ds.fingerprint, grading, tuple(quota.items()), balance, seconds, objective,
                   cap)
    if st.button(_("Propose an alignment"), key="tr_al_go", type="primary"):
        with st.spinner(_("Aligning {terminals} terminals to {reps} reps: this can take up "
                          "to {seconds} s …").format(terminals=f"{len(ds['terminals']):,}",
                                                     reps=len(ds["reps"]),
                                                     seconds=f"{seconds:g}")):
            st.session_state[STATE] = (key, *_align(ds, grades, *key))
    stored = st.session_state.get(STATE)  # (settings, result, table) of the last press
    if stored is None or stored[0].fingerprint != ds.fingerprint:
        st.caption(_("Press the button to propose an alignment."))
        return
    made, result, table = stored
    if made != key:
        st.warning(_("This proposal was made under other settings (balance, time limit, what "
                     "is minimised, the cap on visits changing rep or grading): press the "
                     "button to propose one for the current settings."))
    _show(ds, result, table, made)


def _disruption_controls() -> tuple[str, float | None]:
    """The radio (what is minimised) and the slider (the most visits that may change rep,
    % of all; 100% = no cap): the objective and the cap as a share, None without one."""
    c1, c2 = st.columns(2)
    # labels translated now: a format_func may be called outside the page's run
    labels = {o: _(label) for o, label in OBJECTIVE_LABELS.items()}
    objective = c1.radio(_("Minimise"), list(labels), horizontal=True,
                         format_func=labels.__getitem__, key="tr_al_objective")
    pct = c2.slider(_("At most this share of visits change rep (% of all visits a month; "
                      "100% = no limit)"), 0.0, NO_CAP_PCT, NO_CAP_PCT, step=1.0,
                    format="%.0f%%", key="tr_al_cap")
    return objective, None if pct >= NO_CAP_PCT else pct / 100


def _show(ds: Dataset, result, table: pd.DataFrame, made: Settings) -> None:
    if (result.assignment < 0).any():
        _no_alignment(result, made)
        return
    balance = made.balance
    _metrics(result, table, made.objective)
    names = _rep_names(ds)
    detail = _("proposed rep: {proposed}<br/>today: {today}")
    rep_map(ds, table["rep_proposed"],
            [detail.format(proposed=p, today=t) for p, t in zip(
                table["rep_proposed"].map(names),
                table["rep_today"].map(names).fillna(_("none")), strict=True)],
            _("Map of hospitals and pharmacies coloured by the proposed rep"))
    st.caption(_("Hospitals and pharmacies coloured by the proposed rep (each rep the same "
                 "colour as on today's map); black dots: the reps' bases. Hover for details."))
    _balance_chart(ds, table, balance)
    _changes(ds, table, names)
    _download(ds, table, names)


def _metrics(result, table: pd.DataFrame, objective: str) -> None:
    """The proof (status, bound and gap in the minimised quantity's units: km or visits a
    month), then km today and proposed, and the visits that change rep."""
    km_today = float(table["km_today"].sum())
    # from the table: the model's objective is km only when it minimises km
    km_proposed = float(table["km_proposed"].sum())
    visits = float(table["visits_per_month"].sum())
    unit = _("km") if objective == "distance" else _("visits")
    proof, km = st.columns(3), st.columns(3)
    value, how = STATUS_LABELS.get(result.status, (result.status, ""))
    proof[0].metric(_("status"), _(value), _("{how}, in {seconds} s").format(
        how=_(how), seconds=f"{result.seconds:.1f}"), delta_color="off")
    proof[1].metric(_("lower bound: no balanced alignment has fewer"),
                    f"{result.bound:,.0f} {unit}",
                    _("km to the reps' bases") if objective == "distance"
                    else _("visits a month that change rep"), delta_color="off")
    proof[2].metric(_("gap to the bound"), f"{result.gap:.2%}")
    km[0].metric(_("km to the reps' bases, today"), f"{km_today:,.0f} " + _("km"))
    km[1].metric(_("km to the reps' bases, proposed"), f"{km_proposed:,.0f} " + _("km"),
                 _("{change} km vs today").format(change=f"{km_proposed - km_today:+,.0f}"),
                 delta_color="inverse")
    km[2].metric(_("visits a month that change rep"),
                 f"{result.disruption:,.0f} " + _("visits"),
                 _("{share} of {visits}").format(
                     share=f"{result.disruption / max(visits, 1e-9):.1%}",
                     visits=f"{visits:,.0f}"), delta_color="off")


def _no_alignment(result, made: Settings) -> None:
    """Why there is no proposal, and what would help."""
    balance, cap = made.balance, made.cap
    if result.status == "infeasible":
        text = (_("Infeasible: no alignment keeps every rep within ±{balance} of the average "
                  "visits a month ({why}). A wider balance would help; so would a grading or "
                  "visit quota that splits the visits more finely.") if cap is None else
                _("Infeasible: no alignment keeps every rep within ±{balance} of the average "
                  "visits a month while at most {cap} of the visits change rep ({why}). A "
                  "looser cap on the visits that change rep or a wider balance would help; so "
                  "would a grading or visit quota that splits the visits more finely."))
        st.error(text.format(balance=f"{balance:.0%}", cap=f"{cap or 0:.0%}",
                             why=said(result.message, _)))
    else:
        text = (_("No alignment found within {seconds} s ({why}). Allow more seconds or a "
                  "wider balance.") if cap is None else
                _("No alignment found within {seconds} s ({why}). Allow more seconds, a "
                  "looser cap, or a wider balance."))
        st.warning(text.format(seconds=f"{made.seconds:g}", why=said(result.message, _)))


def _rep_names(ds: Dataset) -> pd.Series:
    reps = ds["reps"].set_index("rep_id")
    return reps["name"] + " (" + reps["home_city"] + ")"


def _balance_chart(ds: Dataset, table: pd.DataFrame, balance: float) -> None:
    per_rep = rep_visits(ds, table).sort_values("visits_today", ascending=False)
    per_rep["rep"] = per_rep["rep_id"].map(_rep_names(ds))
    mean = float(per_rep["visits_today"].mean())
    inside = per_rep[["visits_today", "visits_proposed"]].apply(
        lambda v: int(v.between((1 - balance) * mean, (1 + balance) * mean).sum()))
    st.caption(_("Visits a month per rep, today and proposed, most loaded today first; the "
                 "shaded band is ±{balance} of the average ({average}). Within the band: "
                 "{today} of {reps} reps today, {proposed} proposed.").format(
        balance=f"{balance:.0%}", average=f"{mean:,.0f}", today=inside["visits_today"],
        reps=len(per_rep), proposed=inside["visits_proposed"]))
    long = per_rep.melt(id_vars=["rep"], value_vars=["visits_today", "visits_proposed"],
                        var_name="when", value_name="visits")
    when = {"visits_today": _("today"), "visits_proposed": _("proposed")}
    long["when"] = long["when"].map(when)
    order = list(when.values())
    band = alt.Chart(pd.DataFrame({"low": [(1 - balance) * mean],
                                   "high": [(1 + balance) * mean]})).mark_rect(
        opacity=0.15, color="#2e7d32").encode(y="low:Q", y2="high:Q")
    bars = alt.Chart(long).mark_bar().encode(
        x=alt.X("rep:N", sort=list(per_rep["rep"]),
                title=_("rep (base), most loaded today first")),
        xOffset=alt.XOffset("when:N", sort=order),
        y=alt.Y("visits:Q", title=_("visits a month")),
        color=alt.Color("when:N", sort=order, title=None),
        tooltip=[alt.Tooltip("rep:N", title=_("rep (base)")), alt.Tooltip("when:N", title=""),
                 alt.Tooltip("visits:Q", format=",.0f", title=_("visits a month"))])
    st.altair_chart(band + bars, width="stretch")


def _labelled(ds: Dataset, table: pd.DataFrame, names: pd.Series,
              translate=lambda text: text) -> pd.DataFrame:
    """The alignment table with human labels: type, rep names with their bases; headers and
    types through ``translate`` (the page's language; the workbook keeps English)."""
    types = ds["terminals"].set_index("terminal_id")["terminal_type"]
    out = table.assign(type=table["terminal_id"].map(types).map(
                           lambda c: translate(TYPE_LABELS[c]) if c in TYPE_LABELS else c),
                       rep_today=table["rep_today"].map(names),
                       rep_proposed=table["rep_proposed"].map(names))
    return out[list(CHANGE_LABELS)].rename(columns=lambda c: translate(CHANGE_LABELS[c]))


def _changes(ds: Dataset, table: pd.DataFrame, names: pd.Series) -> None:
    moved = table[table["rep_today"] != table["rep_proposed"]]
    moved = moved.sort_values("visits_per_month", ascending=False)
    st.markdown(_("**Hospitals and pharmacies that change rep** — {moved} of {total}").format(
        moved=f"{len(moved):,}", total=f"{len(table):,}"))
    if moved.empty:
        st.caption(_("None: today's alignment is already the proposal."))
        return
    st.dataframe(_labelled(ds, moved, names, _).style.format(
        {_(CHANGE_LABELS[k]): "{:,.0f}" for k in ("visits_per_month", "km_today",
                                                  "km_proposed")}),
        hide_index=True, width="stretch")


def _download(ds: Dataset, table: pd.DataFrame, names: pd.Series) -> None:
    per_rep = rep_visits(ds, table)
    per_rep.insert(0, "rep", per_rep.pop("rep_id").map(names))
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        # the id too, so the sheet can be joined back to the CRM
        _labelled(ds, table, names).assign(**{"terminal id": table["terminal_id"]}).to_excel(
            xl, sheet_name="alignment", index=False)
        per_rep.drop(columns=["name", "home_city"]).rename(columns=REP_LABELS).to_excel(
            xl, sheet_name="reps", index=False)
    st.download_button(_("Download the proposed alignment (Excel)"), buffer.getvalue(),
                       file_name="territory_alignment.xlsx", mime=XLSX_MIME,
                       key="tr_alignment_xlsx")
