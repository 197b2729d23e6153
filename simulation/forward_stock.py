"""Forward warehouses' stock during a run: the plan's arrays and the keeper of the stock.

The plan (which products each forward warehouse stocks, and each (site, product) reorder
policy) is made before the simulation, from the stocking model (``scenarios.network_plan``),
and reaches the simulation in :class:`simulation.config.NetworkPlan`. The order flow
(:mod:`simulation.order_flow`) asks :class:`StockKeeper` for each order's lines: a line is
shipped from the forward warehouse as far as its stock goes; what the forward warehouse does
not stock, or lacks, comes from the account's nearest central DC as a second shipment (a split
delivery). Replenishment from the central DC arrives after a gamma-distributed lead time
(mean = order handling + trunk transit central DC → site, sd a stated assumption).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd
import simpy


@dataclass(frozen=True)
class ForwardStock:
    """One policy row per stocked (site, product) (indices refer to the inputs' tables):
    ``policy`` "sQ" (continuous review: when the inventory position falls to ``reorder_point``
    s, order ``order_qty`` Q, as many times as needed to rise above s) or "RS" (every
    ``review_days`` R, order up to ``order_up_to`` S). Units are order-line units; times are
    days.
    """

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


def draw_lead_days(rng: np.random.Generator, mean: float, sd: float) -> float:
    """A gamma lead time with ``mean`` and ``sd``, days (exactly ``mean`` when sd = 0)."""
    if sd <= 0 or mean <= 0:
        return mean
    return float(rng.gamma((mean / sd) ** 2, sd * sd / mean))


class Served(IntEnum):
    """What a forward warehouse could serve of an order from its stock."""

    NONE = 1
    PART = 2
    ALL = 3


class StockKeeper:
    """Stock of the forward warehouses during one run (plain lists: scalar access in the event
    loop). Demand is taken when an order reaches picking; a line takes what is on hand (lost to
    the forward warehouse, not backordered there: the central DC ships the rest).

    ``stock`` None: no forward stock is kept (``active`` is False)."""

    def __init__(self, env: simpy.Environment, stock: ForwardStock | None,
                 site_central: np.ndarray, central_site: np.ndarray, pool_index: np.ndarray,
                 line_start: np.ndarray, line_count: np.ndarray, line_product: np.ndarray,
                 line_quantity: np.ndarray, lead_rng: np.random.Generator, n: int) -> None:
        self.env, self.rng = env, lead_rng
        self.asked, self.filled = [0.0] * n, [0.0] * n
        self.pending = n  # orders not yet at picking: (R, S) reviews run until none is left
        self.active = stock is not None  # a plan with no rows: forward sites stock nothing
        if stock is None:
            return
        self.forward_site = (~site_central).tolist()
        self.backup = central_site.tolist()
        self.row_of = {(s, p): r for r, (s, p) in enumerate(zip(stock.row_site.tolist(),
                                                              stock.row_product.tolist(),
                                                              strict=True))}
        self.on_hand = stock.initial_units.tolist()
        self.position = list(self.on_hand)  # on hand + on order
        self.continuous = (stock.policy == "sQ").tolist()
        # lost sales at the forward site (the central DC ships the rest): the position never
        # falls below 0, so a negative reorder point (the backorder model's answer when Q
        # alone meets the fill rate) means "reorder at stock-out"
        self.s = np.maximum(stock.reorder_point, 0.0).tolist()
        self.q = stock.order_qty.tolist()
        self.big_s, self.review = stock.order_up_to.tolist(), stock.review_days.tolist()
        self.lead, self.lead_sd = stock.lead_days.tolist(), stock.lead_sd_days.tolist()
        self.pool = pool_index.tolist()
        self.line_start, self.line_count = line_start.tolist(), line_count.tolist()
        self.product, self.quantity = line_product.tolist(), line_quantity.tolist()

    def take(self, i: int, site: int) -> Served:
        """Serve order ``i``'s lines from ``site``'s stock."""
        p = self.pool[i]
        lo = self.line_start[p]
        asked = filled = rest = 0.0
        row_of, on_hand = self.row_of, self.on_hand
        for k in range(lo, lo + self.line_count[p]):
            q = self.quantity[k]
            r = row_of.get((site, self.product[k]))
            if r is None:
                rest += q
                continue
            asked += q
            take = min(q, on_hand[r])
            if take > 0:
                on_hand[r] -= take
                self.position[r] -= take
                filled += take
                if self.continuous[r] and self.position[r] <= self.s[r]:
                    self._reorder_sq(r)
            rest += q - take
        self.asked[i], self.filled[i] = asked, filled
        if filled <= 0:
            return Served.NONE
        return Served.PART if rest > 0 else Served.ALL

    def picked(self) -> None:
        self.pending -= 1

    def _ship(self, r: int, units: float) -> None:
        self.position[r] += units
        arrival = self.env.timeout(draw_lead_days(self.rng, self.lead[r], self.lead_sd[r]))
        arrival.callbacks.append(lambda _event: self._arrive(r, units))

    def _arrive(self, r: int, units: float) -> None:
        self.on_hand[r] += units

    def _reorder_sq(self, r: int) -> None:
        """Order Q as many times as it takes to lift the position above s."""
        times = math.floor((self.s[r] - self.position[r]) / self.q[r]) + 1
        self._ship(r, times * self.q[r])

    def _review(self, r: int):
        while self.pending > 0:
            yield self.env.timeout(self.review[r])
            short = self.big_s[r] - self.position[r]
            if short > 0:
                self._ship(r, short)

    def start_reviews(self) -> None:
        """One periodic review process per (R, S) row."""
        if self.active:
            for r, continuous in enumerate(self.continuous):
                if not continuous:
                    self.env.process(self._review(r))
