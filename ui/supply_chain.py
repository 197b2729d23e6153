"""Page "Supply chain": where to put forward warehouses, what it costs, how fast districts are
served, what each chosen site stocks, and what the order-to-cash simulation says the chosen
network does to on-time delivery (with confidence intervals, paired against today).

The location model is :mod:`models.inventory.network_design` with today's process calibrated
from the data set (:func:`simulation.calibrate.calibrate`, cached per data set fingerprint).
Nothing is solved until a button is pressed; results stay in the session until the settings
change. The network's simulation runs outside the server, as a job of the shared queue
(:mod:`ui.supply_chain_simulation`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from data.dataset import Dataset
from data.problems import InputError, said
from models.inventory import network_design as nd
from scenarios.forward_network import network_scenario
from scenarios.location import LocationLevers, RuleHint, rule_hint, solve_warehouses
from scenarios.network_plan import build_network_plan, district_assignment
from scenarios.process_cache import today_process
from scenarios.warehouses import (
    TRADEOFF_DAYS,
    cost_table,
    coverage_table,
    covering_curve,
    site_table,
    tradeoff_curve,
)
from simulation.inputs import SimulationInputs, build_inputs
from simulation.params import ProcessParams
from ui import page_index
from ui.base_map import base_layers
from ui.common import (
    COLUMN_LABELS,
    column_config,
    csv_bytes,
    dataset_from_folder_text,
    default_dataset_folder,
    xlsx_bytes,
)
from ui.i18n import N_, _
from ui.supply_chain_hint import show_hint
from ui.supply_chain_simulation import simulated_service

TITLE, ICON, URL_PATH = page_index.SUPPLY_CHAIN[:3]

RULES = ("none", "every district within D days", "a share of demand within D days")
#: the rules and candidate sets as shown (the values stay the codes above)
RULE_LABELS = {"none": N_("None: cost only"),
               "every district within D days": N_("Every district within D days"),
               "a share of demand within D days": N_("A share of demand within D days")}
CANDIDATE_LABELS = {"sites": N_("Sites table"), "prefectures": N_("Prefecture-level cities")}
#: the sidebar's first settings: 90 % of demand within 2 days, at most 8 forward warehouses
#: (national data set: 3 forward warehouses, optimal in ≈ 4 s; docs/location.md)
DEFAULT_RULE, DEFAULT_DAYS, DEFAULT_SHARE, DEFAULT_MAX_SITES = RULES[2], 2.0, 0.9, 8
DEFAULT_TIME_LIMIT_S = 30.0
STATUS_TEXTS = {"optimal": N_("optimal (proven)"),
                "feasible": N_("feasible (not proven optimal)"),
                "time_limit": N_("time limit, no solution"), "infeasible": N_("infeasible")}
KIND_TEXTS = {"central_dc": N_("central DC"), "candidate": N_("candidate"),
              "prefecture": N_("prefecture-level city")}
COMPONENT_TEXTS = {"fixed": N_("fixed"), "handling": N_("handling"),
                   "transport": N_("transport"), "total": N_("total")}
DEFAULT_TRADEOFF_N = 8
_PIXELS = "'pixels'"
_TOOLTIP = {"html": "<b>{name}</b><br/>{what}", "style": {"fontSize": "12px"}}
#: colour of a district by delivery days from its assigned site (1, 2, 3, 4+)
_DAY_COLOURS = ((44, 160, 44), (188, 189, 34), (255, 127, 14), (214, 39, 40))


# --------------------------------------------------------------------------- page
def render() -> None:
    """Page body; settings in the sidebar, solving only on a button press."""
    st.title(_(TITLE))
    st.caption(_(
        "Forward-warehouse location: candidate sites, chosen sites, cost and delivery days, "
        "from the location model with today's process calibrated from the data set."
    ))
    folder_text = st.sidebar.text_input(
        _("Data set folder"), value=default_dataset_folder(), key="sc_dataset_folder"
    )
    levers, time_limit_s = _sidebar()
    ds = dataset_from_folder_text(folder_text)
    if ds is None:
        return
    key = (ds.fingerprint, f"{ds.as_of:%Y-%m-%d}", levers, time_limit_s)

    if st.sidebar.button(_("Solve"), type="primary", key="sc_solve"):
        try:
            params = _process(ds)
            with st.spinner(_("Solving the location problem …")):
                outcome = solve_warehouses(ds, params, levers, time_limit_s)
                # an infeasible rule: what would make it feasible (fewest sites, best share)
                hint = (rule_hint(outcome.instance, time_limit_s / 2)
                        if outcome.result.status == "infeasible" else None)
            _keep("sc_outcome", key, (outcome, hint))
        except InputError as exc:
            st.error(_("The location problem was refused: {error}").format(error=exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            st.error(_("Solving failed: {kind}: {error}").format(kind=type(exc).__name__,
                                                                 error=exc))
            return

    kept = _kept("sc_outcome", key)
    if kept is None:
        st.info(_("Choose the settings in the sidebar and press **Solve**. Nothing is solved "
                  "until then."))
        return
    outcome, hint = kept
    try:
        if not _results(ds, outcome, hint):
            return
        _tradeoff(ds, levers, key)
        _covering(ds, outcome, key)
    except Exception as exc:  # noqa: BLE001 - shown, never a traceback
        st.error(_("Showing the results failed: {kind}: {error}").format(
            kind=type(exc).__name__, error=exc))


def _keep(name: str, key: tuple, value: object) -> None:
    """Keep a computed result in the session with the settings it was computed for."""
    st.session_state[name] = (key, value)


def _kept(name: str, key: tuple) -> object | None:
    """The kept result ``name`` if it was computed for these settings, else None."""
    stored = st.session_state.get(name)
    return stored[1] if stored is not None and stored[0] == key else None


def _sidebar() -> tuple[LocationLevers, float]:
    sb = st.sidebar
    # labels translated now: the format function is also called outside the script run
    candidate_labels = {c: _(label) for c, label in CANDIDATE_LABELS.items()}
    rule_labels = {r: _(label) for r, label in RULE_LABELS.items()}
    candidates = sb.radio(_("Candidates"), list(CANDIDATE_LABELS), key="sc_candidates",
                          format_func=candidate_labels.__getitem__,
                          help=_("The data set's sites table, or every prefecture-level city."))
    rule = sb.selectbox(_("Delivery-days rule"), RULES, index=RULES.index(DEFAULT_RULE),
                        key="sc_rule", format_func=rule_labels.__getitem__)
    days = share = None
    if rule != RULES[0]:
        days = float(sb.number_input(_("D (days)"), min_value=0.5, max_value=14.0,
                                     value=DEFAULT_DAYS, step=0.5, key="sc_days"))
    if rule == RULES[2]:
        share = float(sb.slider(_("Share of demand within D days"), 0.05, 1.0, DEFAULT_SHARE,
                                0.05, key="sc_share"))
    max_sites = int(sb.number_input(_("Max forward sites"), min_value=0, max_value=100,
                                    value=DEFAULT_MAX_SITES, step=1, key="sc_max_sites"))
    time_limit = float(sb.number_input(_("Time limit (s)"), min_value=1.0, max_value=600.0,
                                       value=DEFAULT_TIME_LIMIT_S, step=5.0,
                                       key="sc_time_limit"))
    return LocationLevers(candidates=candidates, max_sites=max_sites, service_days=days,
                          service_share=share), time_limit


def _process(ds: Dataset) -> ProcessParams:
    """Today's process of ``ds`` (calibrated once per data set, then kept)."""
    with st.spinner(_("Today's process: calibrated once per data set, then kept …")):
        return _params(ds, ds.fingerprint, f"{ds.as_of:%Y-%m-%d}")


def _simulation_inputs(ds: Dataset) -> SimulationInputs:
    with st.spinner(_("Preparing the simulation inputs …")):
        return _inputs(ds, ds.fingerprint, f"{ds.as_of:%Y-%m-%d}")


@st.cache_resource(max_entries=4, show_spinner=False)
def _params(_dataset: Dataset, fingerprint: str, as_of: str) -> ProcessParams:
    """:func:`today_process` (kept per data set fingerprint), cached per session too."""
    del fingerprint, as_of  # cache key only
    return today_process(_dataset)


@st.cache_resource(max_entries=2, show_spinner=False)
def _inputs(_dataset: Dataset, fingerprint: str, as_of: str) -> SimulationInputs:
    """Cached :func:`build_inputs` (no credit scores: today's terms)."""
    del fingerprint, as_of  # cache key only
    return build_inputs(_dataset)


# --------------------------------------------------------------------------- results
def _number(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def status_text(status: str) -> str:
    """The solver status as shown; "optimal" only when the status is optimal."""
    return _(STATUS_TEXTS[status]) if status in STATUS_TEXTS else status


def _results(ds: Dataset, outcome: nd.LocationOutcome, hint: RuleHint | None) -> bool:
    """The solution, map, tables, stocking and downloads; False when there is no plan."""
    r, inst = outcome.result, outcome.instance
    st.subheader(_("Solution"))
    cols = st.columns(4)
    cols[0].metric(_("Status"), status_text(r.status))
    cols[1].metric(_("Objective (CNY/year)"), _number(r.objective))
    cols[2].metric(_("Lower bound (CNY/year)"), _number(r.lower_bound))
    cols[3].metric(_("Gap"), "—" if r.gap is None else f"{100 * r.gap:.2f}%")
    st.caption(_("{seconds} s · {candidates} candidates, {districts} districts · solver: "
                 "{details}").format(seconds=f"{r.seconds:.1f}",
                                     candidates=inst.problem.n_sites,
                                     districts=inst.problem.n_customers,
                                     details=f"{said(r.message, _)} · {r.method}"))
    if inst.unreachable:
        st.warning(_("{n} districts that no candidate reaches within {days} days are exempt "
                     "from the rule.").format(n=len(inst.unreachable),
                                              days=f"{inst.service_days:g}"))
    if r.objective is None or r.assignment is None:
        st.error(_("No plan meets these settings ({status}).").format(
            status=status_text(r.status)))
        if hint is not None:
            show_hint(hint)
        elif r.status == "time_limit":
            st.info(_("Raise the time limit in the sidebar and solve again."))
        return False
    assignment = nd.assignment_frame(outcome)
    sites = site_table(outcome).sort_values(["open", "kind", "site_id"],
                                            ascending=[False, True, True])
    _map(outcome, assignment, sites)

    st.subheader(_("Cost components"))
    costs = cost_table(outcome)
    shown_costs = costs.assign(component=[_(COMPONENT_TEXTS.get(c, c))
                                          for c in costs["component"]])
    st.dataframe(shown_costs, hide_index=True, key="sc_costs",
                 column_config=column_config(shown_costs))
    st.subheader(_("Coverage"))
    coverage = coverage_table(outcome)
    st.dataframe(coverage, hide_index=True, key="sc_coverage",
                 column_config=column_config(coverage))
    st.altair_chart(
        alt.Chart(coverage).mark_bar().encode(
            x=alt.X("within_days:O", title=_("Delivered within (days)")),
            y=alt.Y("share_of_demand:Q", title=_("Share of demand"), axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("within_days:O", title=_("Delivered within (days)")),
                     alt.Tooltip("share_of_demand:Q", format=".1%",
                                 title=_("Share of demand"))]),
        width="stretch")

    st.subheader(_("Chosen sites"))
    shown_sites = sites.assign(kind=[_(KIND_TEXTS.get(k, k)) for k in sites["kind"]])
    st.dataframe(shown_sites, hide_index=True, key="sc_sites",
                 column_config={**column_config(shown_sites), "site_id": None})
    fill, policy = _stock_settings()
    stock = _stocking(ds, outcome, assignment, fill, policy)
    tables = {"sites": sites, "assignment": assignment, "stocking": stock}
    network = simulated_service(ds, outcome, assignment, fill, policy)
    if network is not None:
        tables["simulated_service"] = network
    _downloads(ds, tables)
    return True


def _district_points(outcome: nd.LocationOutcome, assignment: pd.DataFrame) -> pd.DataFrame:
    inst = outcome.instance
    # the site serving the largest share of each district decides its colour
    main = assignment.sort_values("share", ascending=False).drop_duplicates("customer_id")
    main = main.set_index("customer_id")
    ids = pd.Index(inst.customer_ids)
    days = main["transit_days"].reindex(ids).to_numpy(float)
    site = main["site"].reindex(ids).fillna("").to_numpy(object)
    colour = [_DAY_COLOURS[min(max(int(math.ceil(d)) - 1, 0), 3)] if d == d else (127, 127, 127)
              for d in days]
    return pd.DataFrame({
        "name": inst.customer_names, "lon": inst.customer_lon, "lat": inst.customer_lat,
        "what": [_("{days} days from {site}; {units} units/year").format(
                     days=f"{d:.1f}", site=s, units=f"{q:,.0f}")
                 for d, s, q in zip(days, site, inst.demand, strict=True)],
        "r": [c[0] for c in colour], "g": [c[1] for c in colour], "b": [c[2] for c in colour],
    })


def _map(outcome: nd.LocationOutcome, assignment: pd.DataFrame, sites: pd.DataFrame) -> None:
    st.subheader(_("Map"))
    opened = ", " + _("open")
    pts = sites.assign(what=[_(KIND_TEXTS.get(k, k)) + (opened if o else "")
                             for k, o in zip(sites["kind"], sites["open"], strict=True)])
    pts = pts[["name", "lon", "lat", "what", "open", "kind"]]
    closed = pts[~pts["open"]].drop(columns=["open", "kind"])
    forward = pts[pts["open"] & (pts["kind"] != "central_dc")].drop(columns=["open", "kind"])
    central = pts[pts["open"] & (pts["kind"] == "central_dc")].drop(columns=["open", "kind"])
    districts = _district_points(outcome, assignment)

    def sites_layer(layer_id: str, frame: pd.DataFrame, colour: list[int], radius: int):
        return pdk.Layer("ScatterplotLayer", id=layer_id, data=frame.to_dict("records"),
                         get_position="[lon, lat]", radius_units=_PIXELS, get_radius=radius,
                         get_fill_color=colour, stroked=True, get_line_color=[20, 20, 20, 230],
                         line_width_min_pixels=1, pickable=True)

    layers = [
        pdk.Layer("ScatterplotLayer", id="districts", data=districts.to_dict("records"),
                  get_position="[lon, lat]", radius_units=_PIXELS, get_radius=4,
                  get_fill_color="[r, g, b, 170]", pickable=True),
        sites_layer("candidates", closed, [160, 160, 160, 160], 6),
        sites_layer("forward_sites", forward, [31, 119, 180, 240], 9),
        sites_layer("central_dcs", central, [148, 103, 189, 250], 11),
    ]
    deck = pdk.Deck(layers=[*base_layers(), *layers], map_style=None, tooltip=_TOOLTIP,
                    initial_view_state=pdk.ViewState(latitude=35.0, longitude=104.5, zoom=3.2))
    st.pydeck_chart(deck, height=520, alt=_("Map of candidate and chosen sites and districts"))
    st.caption(_("Grey: candidates not chosen; blue: chosen forward sites; purple: central "
                 "DCs. Districts: green ≤ 1 day, olive ≤ 2, orange ≤ 3, red > 3 days from their "
                 "assigned site."))


# --------------------------------------------------------------------------- stocking
def _stock_settings() -> tuple[float, str]:
    cols = st.columns(2)
    fill = float(cols[0].slider(_("Fill-rate target of the forward stock"), 0.80, 0.995, 0.98,
                                0.005, key="sc_fill_rate", format="%.3f"))
    policy = cols[1].radio(_("Reorder policy"), ["sQ", "RS"], key="sc_policy", horizontal=True,
                           help=_("sQ: continuous review, reorder point s, EOQ quantity Q. "
                                  "RS: weekly review, order up to S."))
    return fill, policy


def stocking_table(ds: Dataset, params: ProcessParams, inputs: SimulationInputs,
                   forward: list[str], assignment: pd.DataFrame, fill_rate: float,
                   policy: str) -> pd.DataFrame:
    """What each chosen forward site stocks and its reorder policy: exactly the plan the
    simulation runs (:func:`build_network_plan`, lead times from each site's central DC)."""
    scenario = network_scenario(forward, fill_rate=fill_rate, policy=policy)
    plan = build_network_plan(ds, params.transit, inputs, scenario,
                              district_assignment(assignment))
    return plan.stock.policies if plan.stock is not None else pd.DataFrame()


def _stocking(ds: Dataset, outcome: nd.LocationOutcome, assignment: pd.DataFrame,
              fill_rate: float, policy: str) -> pd.DataFrame:
    st.subheader(_("Stocking of the chosen forward sites"))
    forward = list(outcome.forward_site_ids)
    if not forward:
        st.info(_("No forward site is chosen: everything ships from the central DCs."))
        return pd.DataFrame()
    if outcome.instance.candidates != "sites":
        st.info(_("Stocking policies and the simulation need sites of the data set's sites "
                  "table (costs, capacity, cold-chain qualification): choose the candidates "
                  "\"Sites table\" to see them."))
        return pd.DataFrame()
    frame = stocking_table(ds, _process(ds), _simulation_inputs(ds), forward,
                           assignment, fill_rate, policy)
    st.caption(_("Chronic-disease drugs first, then A/B × X/Y products (ABC-XYZ); cold chain "
                 "only at qualified sites; lead time = 1 day at the central DC + trunk "
                 "transit. Everything else ships from the central DC."))
    if frame.empty:
        st.info(_("The forward sites stock no product at this fill-rate target: everything "
                  "ships from the central DCs."))
        return frame
    names = dict(zip(outcome.instance.site_ids, outcome.instance.site_names, strict=True))
    shown = frame.assign(site=frame["site_id"].map(names))
    shown = shown[["site", *frame.columns]]
    st.dataframe(shown, hide_index=True, key="sc_stocking",
                 column_config={**column_config(shown), "site_id": None})
    return frame


# --------------------------------------------------------------------------- trade-off
def _tradeoff(ds: Dataset, levers: LocationLevers, key: tuple) -> None:
    st.subheader(_("Trade-off: forward sites vs cost vs service"))
    cols = st.columns(3)
    n = int(cols[0].number_input(_("Up to N forward sites"), min_value=1, max_value=30,
                                 value=DEFAULT_TRADEOFF_N, key="sc_tradeoff_n"))
    limit = float(cols[1].number_input(_("Time limit per solve (s)"), min_value=1.0,
                                       max_value=120.0, value=5.0, key="sc_tradeoff_limit"))
    simulate = levers.candidates == "sites" and cols[2].checkbox(
        _("Simulate on-time delivery at each point"), value=False, key="sc_tradeoff_sim",
        help=_("Runs the order-to-cash simulation for every network (2 replications each, "
               "98% fill-rate (s, Q) stock): minutes on the national data set."))
    if st.button(_("Compute trade-off curve"), key="sc_tradeoff"):
        params = _process(ds)
        inputs = _simulation_inputs(ds) if simulate else None
        bar = st.progress(0.0)
        curve = tradeoff_curve(ds, params, levers, n, limit,
                               simulate_replications=2 if simulate else 0, inputs=inputs,
                               progress=lambda done, total: bar.progress(done / total))
        _keep("sc_tradeoff_rows", key, curve)
    curve = _kept("sc_tradeoff_rows", key)
    if curve is None:
        st.caption(_("Press the button to solve for max forward sites p = 0..N."))
        return
    simulated = "on_time_simulated" in curve.columns
    share = "on_time_simulated" if simulated else f"within_{TRADEOFF_DAYS}_days"
    title = (_("Simulated on-time delivery (mean of replications)") if simulated else
             _("Share of demand within {days} days (transit times)").format(days=TRADEOFF_DAYS))
    shown = curve.assign(status=[status_text(x) for x in curve["status"]])
    base = alt.Chart(shown).encode(x=alt.X("max_sites:O", title=_("Max forward sites p")))
    cost = base.mark_line(point=True, color="#1f77b4").encode(
        y=alt.Y("total_cost_cny:Q", title=_("Total cost (CNY/year)")),
        tooltip=_tooltips(shown))
    service = base.mark_line(point=True, color="#ff7f0e").encode(
        y=alt.Y(f"{share}:Q", title=title, axis=alt.Axis(format="%")))
    layers = [cost, service]
    if simulated:
        layers.append(base.mark_errorbar(color="#ff7f0e").encode(
            y=alt.Y("on_time_ci_low:Q", title=title), y2="on_time_ci_high:Q"))
    st.altair_chart(alt.layer(*layers).resolve_scale(y="independent"), width="stretch")
    st.caption(_("Blue: total cost (left axis); orange: service (right axis), with the 95% "
                 "confidence interval of the simulated on-time rate.") if simulated else
               _("Blue: total cost (left axis); orange: service (right axis)."))
    st.dataframe(shown, hide_index=True, key="sc_tradeoff_table",
                 column_config=column_config(shown))


def _tooltips(frame: pd.DataFrame) -> list[alt.Tooltip]:
    """A chart tooltip per column, titled as the table's header."""
    tips = []
    for c in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool
        label, fmt = COLUMN_LABELS.get(c, (c, None))
        extra = {"format": ".1%"} if fmt == "percent" else {}
        tips.append(alt.Tooltip(f"{c}:{'Q' if numeric else 'N'}", title=_(label), **extra))
    return tips


# --------------------------------------------------------------------------- covering
def _covering(ds: Dataset, outcome: nd.LocationOutcome, key: tuple) -> None:
    st.subheader(_("Maximal covering: the most demand within D days for p sites"))
    cols = st.columns(3)
    days = float(cols[0].number_input(_("D (days)"), min_value=0.5, max_value=14.0, value=2.0,
                                      step=0.5, key="sc_cover_days"))
    n = int(cols[1].number_input(_("Up to p forward sites"), min_value=1, max_value=30, value=5,
                                 key="sc_cover_n"))
    if cols[2].button(_("Compute coverage"), key="sc_cover"):
        with st.spinner(_("Solving maximal covering for each p …")):
            curve = covering_curve(outcome, days, n, 60.0)
        _keep("sc_cover_rows", key, (days, curve))
    stored = _kept("sc_cover_rows", key)
    if stored is None:
        st.caption(_("Ignores cost: which p sites (besides the central DCs) put the most "
                     "demand within D days of transit, proven optimal per p."))
        return
    shown_days, curve = stored
    names = dict(zip(outcome.instance.site_ids, outcome.instance.site_names, strict=True))
    shown = curve.assign(
        status=[status_text(x) for x in curve["status"]],
        forward_sites=[", ".join(names.get(i, i) for i in ids.split(", ") if i)
                       for ids in curve["forward_sites"]]).rename(
        columns={"forward_sites": "forward_cities"})
    st.altair_chart(alt.Chart(shown).mark_line(point=True).encode(
        x=alt.X("max_sites:O", title=_("Forward sites p")),
        y=alt.Y("covered_share:Q", axis=alt.Axis(format="%"),
                title=_("Demand within {days} days").format(days=f"{shown_days:g}")),
        tooltip=_tooltips(shown)), width="stretch")
    st.dataframe(shown, hide_index=True, key="sc_cover_table",
                 column_config=column_config(shown))


# --------------------------------------------------------------------------- downloads
def workbook(tables: Mapping[str, pd.DataFrame]) -> bytes:
    return xlsx_bytes(dict(tables))


NO_ROWS = N_("the table has no rows")
#: why a table has no rows, said beside the downloads instead of an empty file
EMPTY_BECAUSE = {"stocking": N_("no forward site stocks anything in this plan (see \"Stocking "
                                "of the chosen forward sites\")")}


def _downloads(ds: Dataset, tables: Mapping[str, pd.DataFrame]) -> None:
    """A CSV per table with rows (UTF-8 with BOM for Excel), and the workbook of those; an
    empty table is named with the reason instead of offered as an empty file."""
    st.subheader(_("Downloads"))
    stem = f"pharmaops_supply_chain_{ds.as_of:%Y%m%d}_{ds.fingerprint[:8]}"
    full = {name: frame for name, frame in tables.items() if len(frame)}
    cols = st.columns(len(full) + 1)
    for col, (name, frame) in zip(cols, full.items(), strict=False):
        col.download_button(f"{name}.csv", csv_bytes(frame),
                            file_name=f"{stem}_{name}.csv", mime="text/csv",
                            key=f"sc_dl_{name}", icon=":material/download:")
    for name in tables.keys() - full.keys():
        st.caption(_("{name}.csv is not offered: {why}.").format(
            name=name, why=_(EMPTY_BECAUSE.get(name, NO_ROWS))))
    cols[-1].download_button(
        _("Excel workbook"), workbook(full), file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="sc_dl_xlsx", icon=":material/download:")
