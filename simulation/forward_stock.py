"""Forward warehouses' stock as the simulation runs it: which site serves each account, which
products each forward warehouse stocks, and each (site, product) reorder policy.

The plan comes from the models (:func:`plan_forward_stock`): the location model's assignment
(or the nearest open site), the forward assortment and the (s, Q) / (R, S) policies of
:mod:`models.inventory.stocking`, sized for the scenario's fill-rate target on the history's
demand. The order flow (:mod:`simulation.order_flow`) then keeps the stock: an order line is
shipped from the forward warehouse as far as its stock goes; what the forward warehouse does not
stock, or lacks, comes from the account's nearest central DC as a second shipment (a split
delivery). Replenishment from the central DC arrives after a gamma-distributed lead time
(mean = order handling + trunk transit central DC → site, sd a stated assumption).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from data.geography import great_circle_km

if TYPE_CHECKING:
    from collections.abc import Mapping

    from data.dataset import Dataset
    from scenarios.schema import Scenario
    from simulation.inputs import SimulationInputs
    from simulation.params import ProcessParams


@dataclass(frozen=True)
class ForwardStock:
    """Arrays the order flow needs (site and product indices refer to the inputs' tables).

    One policy row per stocked (site, product): ``policy`` "sQ" (continuous review: when the
    inventory position falls to ``reorder_point`` s, order ``order_qty`` Q, as many times as
    needed to rise above s) or "RS" (every ``review_days`` R, order up to ``order_up_to`` S).
    Units are order-line units; times are days.
    """

    customer_site: np.ndarray   # per account: index of the serving site (forward or central)
    backup_site: np.ndarray     # per account: index of its nearest central DC
    row_site: np.ndarray
    row_product: np.ndarray
    policy: np.ndarray          # "sQ" / "RS" per row
    reorder_point: np.ndarray   # s (NaN for RS)
    order_qty: np.ndarray       # Q (NaN for RS)
    order_up_to: np.ndarray     # S (NaN for sQ)
    review_days: np.ndarray     # R (NaN for sQ)
    lead_days: np.ndarray       # mean replenishment lead time per row
    lead_sd_days: np.ndarray
    policies: pd.DataFrame      # the stocking model's table (site_policies + lead times)

    @property
    def initial_units(self) -> np.ndarray:
        """Stock on hand at the start: s + Q for (s, Q), S for (R, S)."""
        return np.where(self.policy == "sQ", self.reorder_point + self.order_qty,
                        self.order_up_to)


def nearest_sites(inputs: SimulationInputs, open_sites: np.ndarray) -> np.ndarray:
    """Index of the nearest (great-circle) open site for each account."""
    km = inputs.km_to_sites()
    km[:, ~open_sites] = np.inf
    return km.argmin(axis=1)


def replenishment_lead_days(inputs: SimulationInputs, params: ProcessParams,
                            handling_days: float) -> np.ndarray:
    """Mean lead time per site from its nearest central DC, days: order handling at the DC plus
    trunk transit ``base_days + road km / km_per_day`` (no last mile; 0 km for a DC itself)."""
    central = np.flatnonzero(inputs.site_central)
    km = great_circle_km(inputs.site_lon[:, None], inputs.site_lat[:, None],
                         inputs.site_lon[None, central], inputs.site_lat[None, central]).min(axis=1)
    tp = params.transit
    return handling_days + tp.base_days + km * tp.detour_factor / tp.km_per_day


def plan_forward_stock(dataset: Dataset, params: ProcessParams, inputs: SimulationInputs,
                       scenario: Scenario,
                       assignment: Mapping[str, str] | None = None) -> SimulationInputs:
    """``inputs`` with the forward stock of ``scenario``'s forward warehouses (a list of site
    ids; ``"optimize"`` must be resolved first). ``assignment`` maps district adcode → serving
    site id (the location model's answer); accounts it does not cover, and every account without
    it, go to their nearest open site. No forward warehouse: ``inputs`` without forward stock.
    """
    from models.inventory.stocking import site_policies

    chosen = scenario.logistics.forward_warehouses
    if not isinstance(chosen, list):
        return replace(inputs, forward=None)
    position = {s: i for i, s in enumerate(inputs.site_id)}
    open_mask = inputs.site_central.copy()
    open_mask[[position[s] for s in chosen]] = True
    customer_site = nearest_sites(inputs, open_mask)
    if assignment:
        adcode = dataset["customers"]["adcode"].astype(str).to_numpy()
        mapped = np.array([position.get(assignment.get(a, ""), -1) for a in adcode])
        usable = (mapped >= 0) & open_mask[np.maximum(mapped, 0)]
        customer_site = np.where(usable, mapped, customer_site)
    backup = nearest_sites(inputs, inputs.site_central)
    lev, assume = scenario.logistics, scenario.assumptions
    lead = replenishment_lead_days(inputs, params, assume.forward_replenishment_handling_days)
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
        table = pd.DataFrame(columns=["site_id", "product_id", "policy", "s_units", "Q_units",
                                      "S_units", "review_days", "lead_time_days",
                                      "lead_time_sd_days"])
    product_pos = {p: i for i, p in enumerate(inputs.product_id)}
    stock = ForwardStock(
        customer_site=customer_site, backup_site=backup,
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
    return replace(inputs, forward=stock)


def draw_lead_days(rng: np.random.Generator, mean: float, sd: float) -> float:
    """A gamma lead time with ``mean`` and ``sd``, days (exactly ``mean`` when sd = 0)."""
    if sd <= 0 or mean <= 0:
        return mean
    return float(rng.gamma((mean / sd) ** 2, sd * sd / mean))
