"""The warehouse network a scenario runs, built once before the simulation.

Which sites are open (the central DCs plus the scenario's forward warehouses), which site
picks each account's orders (the location model's district assignment where it has one, else
the nearest open site), each account's nearest central DC, and the forward warehouses' stock:
the forward assortment and the (s, Q) / (R, S) policies of :mod:`models.inventory.site_stocking`,
sized for the scenario's fill-rate target on the history's demand, with replenishment lead
times from each site's central DC by the transit rule (:mod:`models.transit`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.geography import great_circle_km
from data.problems import Problem, ScenarioError
from models.inventory.site_stocking import site_policies
from models.transit import TransitParams, mean_transit_days, road_km
from scenarios.schema import Scenario
from simulation.config import NetworkPlan
from simulation.forward_stock import ForwardStock
from simulation.inputs import SimulationInputs

#: the assumptions the network plan reads (the forward stock's lead times and costs)
NETWORK_ASSUMPTIONS = ("forward_replenishment_handling_days", "forward_lead_time_sd_days",
                       "forward_order_cost_cny", "forward_holding_rate_per_year")
POLICY_COLUMNS = ["site_id", "product_id", "policy", "s_units", "Q_units", "S_units",
                  "review_days", "lead_time_days", "lead_time_sd_days"]


def district_assignment(assignment: pd.DataFrame) -> dict[str, str]:
    """District (``customer_id`` of the location model) → the site serving the largest share
    of it, from :func:`models.inventory.network_design.assignment_frame`."""
    pairs = assignment.sort_values("share", kind="stable")
    return dict(zip(pairs["customer_id"], pairs["site_id"], strict=True))  # largest share last


def replenishment_lead_days(inputs: SimulationInputs, transit: TransitParams,
                            handling_days: float) -> np.ndarray:
    """Mean lead time per site from its nearest central DC, days: order handling at the DC plus
    trunk transit (no last mile; 0 km for a DC itself)."""
    central = np.flatnonzero(inputs.site_central)
    km = great_circle_km(inputs.site_lon[:, None], inputs.site_lat[:, None],
                         inputs.site_lon[None, central], inputs.site_lat[None, central]).min(axis=1)
    return mean_transit_days(road_km(km, transit), transit, handling_days=handling_days)


def open_sites(inputs: SimulationInputs, scenario: Scenario) -> np.ndarray:
    """Central DCs plus the scenario's forward warehouses (a list of site ids; ``"optimize"``
    must be resolved first), as a mask over the inputs' sites."""
    mask = inputs.site_central.copy()
    chosen = scenario.logistics.forward_warehouses
    if chosen == "optimize":
        raise ScenarioError(Problem(
            "scenario", "logistics.forward_warehouses",
            "'optimize' resolved to site ids first (scenarios.run.prepare solves the location "
            "model)", "'optimize' unresolved"))
    if isinstance(chosen, list):
        known = {s: i for i, s in enumerate(inputs.site_id)}
        unknown = [s for s in chosen if s not in known]
        if unknown:
            raise ScenarioError(Problem(
                "scenario", "logistics.forward_warehouses",
                "site ids of the data set's sites table", ", ".join(unknown)))
        mask[[known[s] for s in chosen]] = True
    return mask


def build_network_plan(dataset: Dataset, transit: TransitParams, inputs: SimulationInputs,
                       scenario: Scenario,
                       assignment: Mapping[str, str] | None = None) -> NetworkPlan:
    """The network of ``scenario`` (its ``forward_warehouses`` a list of site ids or "none").

    ``assignment`` maps district adcode → serving site id (the location model's answer);
    accounts it does not cover, and every account without it, go to their nearest open site.
    A list of sites gets a stock plan (possibly with no rows: a forward site that stocks
    nothing); "none" keeps no forward stock and serves every account from its nearest central
    DC.
    """
    mask = open_sites(inputs, scenario)
    central_site = inputs.nearest_sites(inputs.site_central)
    chosen = scenario.logistics.forward_warehouses
    if not isinstance(chosen, list):
        return NetworkPlan(open_sites=mask, serving_site=central_site, central_site=central_site)
    position = {s: i for i, s in enumerate(inputs.site_id)}
    customer_site = inputs.nearest_sites(mask)
    if assignment:
        adcode = dataset["customers"]["adcode"].astype(str).to_numpy()
        mapped = np.array([position.get(assignment.get(a, ""), -1) for a in adcode])
        usable = (mapped >= 0) & mask[np.maximum(mapped, 0)]
        customer_site = np.where(usable, mapped, customer_site)
    lev, assume = scenario.logistics, scenario.assumptions
    lead = replenishment_lead_days(inputs, transit, assume.forward_replenishment_handling_days)
    forward = [s for s in chosen if not inputs.site_central[position[s]]]
    table = site_policies(
        dataset, forward,
        dict(zip(inputs.customer_id, inputs.site_id[customer_site], strict=True)),
        fill_rate=lev.forward_fill_rate,
        lead_time_days={s: float(lead[position[s]]) for s in forward},
        lead_time_sd_days=assume.forward_lead_time_sd_days,
        review_days=lev.forward_review_days if lev.forward_policy == "RS" else None,
        order_cost_cny=assume.forward_order_cost_cny,
        holding_rate_per_year=assume.forward_holding_rate_per_year,
        max_products=lev.forward_max_products)
    if table.empty:
        table = pd.DataFrame(columns=POLICY_COLUMNS)
    product_pos = {p: i for i, p in enumerate(inputs.product_id)}
    stock = ForwardStock(
        row_site=np.array([position[s] for s in table["site_id"]], dtype=np.int64),
        row_product=np.array([product_pos[p] for p in table["product_id"]], dtype=np.int64),
        policy=table["policy"].to_numpy(dtype=object),
        reorder_point=table["s_units"].to_numpy(dtype=float),
        order_qty=table["Q_units"].to_numpy(dtype=float),
        order_up_to=table["S_units"].to_numpy(dtype=float),
        review_days=table["review_days"].to_numpy(dtype=float),
        lead_days=table["lead_time_days"].to_numpy(dtype=float),
        lead_sd_days=table["lead_time_sd_days"].to_numpy(dtype=float),
        policies=table.reset_index(drop=True))
    # a forward warehouse serves the accounts assigned to it; with none open (a list of
    # central DCs only) every account keeps its nearest open site
    serving = customer_site if forward else inputs.nearest_sites(mask)
    return NetworkPlan(open_sites=mask, serving_site=serving, central_site=central_site,
                       stock=stock)
