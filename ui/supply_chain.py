"""Page "Supply chain": where to put forward warehouses, what it costs, how fast districts are
served, and what each chosen site stocks.

The location model is :mod:`models.inventory.network_design` with today's process calibrated
from the data set (:func:`simulation.calibrate.calibrate`, cached per data set fingerprint).
Nothing is solved until a button is pressed; results stay in the session until the settings
change.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from data.dataset import Dataset
from data.problems import InputError
from models.inventory import network_design as nd
from models.inventory import stocking
from simulation.calibrate import calibrate
from simulation.params import ProcessParams
from ui.common import (
    dataset_from_folder_text,
    default_dataset_folder,
)

TITLE = "Supply chain"
ICON = ":material/warehouse:"
URL_PATH = "supply-chain"

RULES = ("none", "every district within D days", "a share of demand within D days")
DEFAULT_TRADEOFF_N = 8
TRADEOFF_DAYS = 2
_PIXELS = "'pixels'"
_TOOLTIP = {"html": "<b>{name}</b><br/>{what}", "style": {"fontSize": "12px"}}
#: colour of a district by delivery days from its assigned site (1, 2, 3, 4+)
_DAY_COLOURS = ((44, 160, 44), (188, 189, 34), (255, 127, 14), (214, 39, 40))


# --------------------------------------------------------------------------- page
def render() -> None:
    """Page body; settings in the sidebar, solving only on a button press."""
    st.title(TITLE)
    st.caption(
        "Forward-warehouse location: candidate sites, chosen sites, cost and delivery days, "
        "from the location model with today's process calibrated from the data set."
    )
    folder_text = st.sidebar.text_input(
        "Data set folder", value=default_dataset_folder(), key="sc_dataset_folder"
    )
    settings = _sidebar()
    ds = dataset_from_folder_text(folder_text)
    if ds is None:
        return
    key = (ds.fingerprint, f"{ds.as_of:%Y-%m-%d}", tuple(sorted(settings.items())))

    if st.sidebar.button("Solve", type="primary", key="sc_solve"):
        try:
            params = _params(ds, ds.fingerprint, f"{ds.as_of:%Y-%m-%d}")
            with st.spinner("Solving the location problem …"):
                outcome = nd.solve_location(
                    nd.build_location_problem(ds, params, **location_kwargs(settings)),
                    settings["time_limit_s"],
                )
            st.session_state["sc_outcome"] = (key, outcome)
        except InputError as exc:
            st.error(f"The location problem was refused: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            st.error(f"Solving failed: {type(exc).__name__}: {exc}")
            return

    stored = st.session_state.get("sc_outcome")
    if stored is None or stored[0] != key:
        st.info("Choose the settings in the sidebar and press **Solve**. Nothing is solved "
                "until then.")
        return
    outcome = stored[1]
    try:
        _results(ds, outcome)
        _tradeoff(ds, settings, key)
    except Exception as exc:  # noqa: BLE001 - shown, never a traceback
        st.error(f"Showing the results failed: {type(exc).__name__}: {exc}")


def _sidebar() -> dict:
    sb = st.sidebar
    candidates = sb.radio("Candidates", ["sites", "prefectures"], key="sc_candidates",
                          help="The data set's sites table, or every prefecture-level city.")
    rule = sb.selectbox("Delivery-days rule", RULES, key="sc_rule")
    days = share = None
    if rule != RULES[0]:
        days = float(sb.number_input("D (days)", min_value=0.5, max_value=14.0, value=3.0,
                                     step=0.5, key="sc_days"))
    if rule == RULES[2]:
        share = float(sb.slider("Share of demand within D days", 0.05, 1.0, 0.9, 0.05,
                                key="sc_share"))
    max_sites = int(sb.number_input("Max forward sites", min_value=0, max_value=100, value=8,
                                    step=1, key="sc_max_sites"))
    time_limit = float(sb.number_input("Time limit (s)", min_value=1.0, max_value=600.0,
                                       value=30.0, step=5.0, key="sc_time_limit"))
    return {"candidates": candidates, "service_days": days, "service_share": share,
            "max_sites": max_sites, "time_limit_s": time_limit}


def location_kwargs(settings: Mapping) -> dict:
    """The keyword arguments of :func:`nd.build_location_problem` for the sidebar settings."""
    return {"candidates": settings["candidates"], "max_sites": settings["max_sites"],
            "service_days": settings["service_days"], "service_share": settings["service_share"]}


@st.cache_resource(max_entries=4, show_spinner="Calibrating today's process …")
def _params(_dataset: Dataset, fingerprint: str, as_of: str) -> ProcessParams:
    """Cached :func:`calibrate`, keyed on the data set fingerprint and as-of day."""
    del fingerprint, as_of  # cache key only
    return calibrate(_dataset)


# --------------------------------------------------------------------------- results
def _number(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def status_text(status: str) -> str:
    """The solver status as shown; "optimal" only when the status is optimal."""
    return {"optimal": "optimal (proven)", "feasible": "feasible (not proven optimal)",
            "time_limit": "time limit, no solution", "infeasible": "infeasible"}.get(
        status, status)


def _results(ds: Dataset, outcome: nd.LocationOutcome) -> None:
    r, inst = outcome.result, outcome.instance
    st.subheader("Solution")
    cols = st.columns(4)
    cols[0].metric("Status", status_text(r.status))
    cols[1].metric("Objective (CNY/year)", _number(r.objective))
    cols[2].metric("Lower bound (CNY/year)", _number(r.lower_bound))
    cols[3].metric("Gap", "—" if r.gap is None else f"{100 * r.gap:.2f}%")
    st.caption(f"{r.message} · {r.method} · {r.seconds:.1f} s · "
               f"{inst.problem.n_sites} candidates, {inst.problem.n_customers} districts")
    if inst.unreachable:
        st.warning(f"{len(inst.unreachable)} districts no candidate reaches within "
                   f"{inst.service_days:g} days are exempt from the rule.")
    if r.objective is None or r.assignment is None:
        st.error(f"No plan to show: {r.message}.")
        return
    assignment = nd.assignment_frame(outcome)
    sites = site_table(outcome)
    _map(outcome, assignment, sites)

    st.subheader("Cost components")
    st.dataframe(cost_table(outcome), hide_index=True, key="sc_costs")
    st.subheader("Coverage")
    coverage = coverage_table(outcome)
    st.dataframe(coverage, hide_index=True, key="sc_coverage",
                 column_config={"share_of_demand": st.column_config.NumberColumn(
                     "Share of demand", format="percent")})
    st.altair_chart(
        alt.Chart(coverage).mark_bar().encode(
            x=alt.X("within_days:O", title="Delivered within (days)"),
            y=alt.Y("share_of_demand:Q", title="Share of demand", axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            tooltip=["within_days", alt.Tooltip("share_of_demand:Q", format=".1%")]),
        width="stretch")

    st.subheader("Chosen sites")
    st.dataframe(sites, hide_index=True, key="sc_sites")
    stock = _stocking(ds, outcome, assignment)
    _downloads(ds, {"sites": sites, "assignment": assignment, "stocking": stock})


def site_table(outcome: nd.LocationOutcome) -> pd.DataFrame:
    """Every candidate with its kind, whether it is open, and the demand it serves."""
    inst = outcome.instance
    x = outcome.result.assignment
    served = [0.0] * inst.problem.n_sites
    if x is not None:
        assign = nd.assignment_frame(outcome)
        load = assign.groupby("site_id")["units_per_year"].sum()
        served = [float(load.get(s, 0.0)) for s in inst.site_ids]
    open_ids = set(outcome.open_site_ids)
    return pd.DataFrame({
        "site_id": inst.site_ids, "name": inst.site_names, "kind": inst.site_kind,
        "open": [s in open_ids for s in inst.site_ids],
        "lon": inst.site_lon, "lat": inst.site_lat,
        "fixed_cost_cny": inst.fixed_cost, "handling_cny_per_unit": inst.handling_cny_per_unit,
        "units_per_year": served,
    }).sort_values(["open", "kind", "site_id"], ascending=[False, True, True]).reset_index(
        drop=True)


def cost_table(outcome: nd.LocationOutcome) -> pd.DataFrame:
    total = outcome.costs.get("total", 0.0)
    return pd.DataFrame([
        {"component": k, "cny_per_year": v, "share": v / total if total else float("nan")}
        for k, v in outcome.costs.items()])


def coverage_table(outcome: nd.LocationOutcome) -> pd.DataFrame:
    return pd.DataFrame({"within_days": list(outcome.coverage),
                         "share_of_demand": list(outcome.coverage.values())})


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
        "what": [f"{d:.1f} days from {s}; {q:,.0f} units/year"
                 for d, s, q in zip(days, site, inst.demand, strict=True)],
        "r": [c[0] for c in colour], "g": [c[1] for c in colour], "b": [c[2] for c in colour],
    })


def _map(outcome: nd.LocationOutcome, assignment: pd.DataFrame, sites: pd.DataFrame) -> None:
    st.subheader("Map")
    pts = sites.assign(what=sites["kind"] + sites["open"].map({True: ", open", False: ""}))
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
    deck = pdk.Deck(layers=layers, map_style=None, tooltip=_TOOLTIP,
                    initial_view_state=pdk.ViewState(latitude=35.0, longitude=104.5, zoom=3.2))
    st.pydeck_chart(deck, height=520, alt="Map of candidate and chosen sites and districts")
    st.caption("Grey: candidates not chosen; blue: chosen forward sites; purple: central DCs. "
               "Districts: green ≤ 1 day, olive ≤ 2, orange ≤ 3, red > 3 days from their "
               "assigned site.")


# --------------------------------------------------------------------------- stocking
def _stocking(ds: Dataset, outcome: nd.LocationOutcome, assignment: pd.DataFrame) -> pd.DataFrame:
    st.subheader("Stocking of the chosen forward sites")
    forward = list(outcome.forward_site_ids)
    if not forward:
        st.info("No forward site is chosen: everything ships from the central DCs.")
        return pd.DataFrame()
    table = ds["sites"].set_index("site_id")
    classes = stocking.abc_xyz(ds)
    rows, cold_of = [], {}
    for site in forward:
        cold = bool(table["cold_chain_qualified"].get(site, False)) if site in table.index \
            else False
        cold_of[site] = cold
        a = stocking.forward_assortment(ds, cold, classes=classes)
        rows.append(a[a["forward"]].assign(site_id=site, site_cold_chain=cold))
    frame = pd.concat(rows, ignore_index=True)
    cols = ["site_id", "site_cold_chain", "product_id", "therapy_area", "cold_chain", "abc_xyz",
            "priority", "orders_per_week", "annual_units", "reason"]
    frame = frame[cols]
    if st.checkbox("Add (s, Q) stocking policies per site", value=True, key="sc_policies"):
        try:
            main = assignment.sort_values("share", ascending=False).drop_duplicates(
                "customer_id").set_index("customer_id")["site_id"]
            if len(main):
                cust = ds["customers"]
                site_of = cust["adcode"].astype(str).map(main)
                mapping = dict(zip(cust["customer_id"], site_of, strict=True))
                mapping = {k: v for k, v in mapping.items() if isinstance(v, str)}
                policies = stocking.site_policies(ds, forward, mapping)
                policies.insert(1, "site_cold_chain", policies["site_id"].map(cold_of))
                frame = policies
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            st.error(f"Stocking policies failed ({exc}); showing the assortment only.")
    st.dataframe(frame, hide_index=True, key="sc_stocking")
    return frame


# --------------------------------------------------------------------------- trade-off
def _tradeoff(ds: Dataset, settings: Mapping, key: tuple) -> None:
    st.subheader("Trade-off: forward sites vs cost vs service")
    n = int(st.number_input("Up to N forward sites", min_value=1, max_value=30,
                            value=DEFAULT_TRADEOFF_N, key="sc_tradeoff_n"))
    limit = float(st.number_input("Time limit per solve (s)", min_value=1.0, max_value=120.0,
                                  value=5.0, key="sc_tradeoff_limit"))
    if st.button("Compute trade-off curve", key="sc_tradeoff"):
        params = _params(ds, ds.fingerprint, f"{ds.as_of:%Y-%m-%d}")
        rows = []
        bar = st.progress(0.0)
        for p in range(n + 1):
            kw = {**location_kwargs(settings), "max_sites": p}
            out = nd.solve_location(nd.build_location_problem(ds, params, **kw), limit)
            rows.append({"max_sites": p, "forward_sites": len(out.forward_site_ids),
                         "status": out.result.status,
                         "total_cost_cny": out.costs.get("total", float("nan")),
                         f"within_{TRADEOFF_DAYS}_days": out.coverage.get(
                             TRADEOFF_DAYS, float("nan"))})
            bar.progress((p + 1) / (n + 1))
        st.session_state["sc_tradeoff_rows"] = (key, n, pd.DataFrame(rows))
    stored = st.session_state.get("sc_tradeoff_rows")
    if stored is None or stored[0] != key:
        st.caption("Press the button to solve for max forward sites p = 0..N.")
        return
    curve = stored[2]
    share = f"within_{TRADEOFF_DAYS}_days"
    base = alt.Chart(curve).encode(x=alt.X("max_sites:O", title="Max forward sites p"))
    cost = base.mark_line(point=True, color="#1f77b4").encode(
        y=alt.Y("total_cost_cny:Q", title="Total cost (CNY/year)"),
        tooltip=["max_sites", "forward_sites", "status", "total_cost_cny", share])
    service = base.mark_line(point=True, color="#ff7f0e").encode(
        y=alt.Y(f"{share}:Q", title=f"Share of demand within {TRADEOFF_DAYS} days",
                axis=alt.Axis(format="%")))
    st.altair_chart(alt.layer(cost, service).resolve_scale(y="independent"),
                    width="stretch")
    st.dataframe(curve, hide_index=True, key="sc_tradeoff_table")


# --------------------------------------------------------------------------- downloads
def workbook(tables: Mapping[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def _downloads(ds: Dataset, tables: Mapping[str, pd.DataFrame]) -> None:
    st.subheader("Downloads")
    stem = f"pharmaops_supply_chain_{ds.as_of:%Y%m%d}_{ds.fingerprint[:8]}"
    cols = st.columns(len(tables) + 1)
    for col, (name, frame) in zip(cols, tables.items(), strict=False):
        col.download_button(f"{name}.csv", frame.to_csv(index=False).encode("utf-8"),
                            file_name=f"{stem}_{name}.csv", mime="text/csv",
                            key=f"sc_dl_{name}", icon=":material/download:")
    cols[-1].download_button(
        "Excel workbook", workbook(tables), file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="sc_dl_xlsx", icon=":material/download:")
