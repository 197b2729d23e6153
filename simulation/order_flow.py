"""The order-to-delivery flow: one SimPy process per order, shared office and warehouse staff.

Stages (times in days since the simulation epoch; office stages in working hours on the
Mon-Fri 09:00-18:00 calendar):

1. **entry** — app orders enter at once; phone/WeChat orders wait for the rep to key them in.
2. **office** — clerk review + manual approval (a resource: the office staff). Routine orders
   (≤ the abnormal threshold) of accounts in ``auto_approval_tiers`` skip it, and so do app
   orders whose stock and credit the app cleared (in stock, not cash before delivery) when
   ``app_release`` is on; abnormal orders go to **esign** (within ``esign_approval_hours``)
   when e-signature is on.
3. **prepayment** — cash-before-delivery accounts pay before picking; their delivery promise
   runs from the payment.
4. **backorder** — the daily batch stock sync accepts orders against stock that is gone
   (overselling); they wait for replenishment. Real-time sync prevents part of these and
   announces the rest, so their promised date includes the wait.
5. **pick** — the serving warehouse's pickers (a resource per site). At a forward warehouse
   each order line is taken from its stock as far as it goes (:mod:`simulation.forward_stock`);
   lines it does not stock or lacks are picked at the account's central DC and shipped
   separately (a split delivery; the order is delivered when both shipments are). An order
   the forward warehouse can serve none of goes wholly to the central DC.
6. **cutoff** — the order waits for the next 16:00 carrier pick-up.
7. **transit** — by road distance and carrier; delivery lands in receiving hours.

Every random draw is made up front per order from the replication's streams, so the same
order sees the same draws in every scenario (common random numbers).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
import simpy

from data.calendar import day_offset, next_working_instant
from models.transit import mean_transit_days, road_km
from simulation.config import Operations, Route, SimulationConfig
from simulation.forward_stock import Served, StockKeeper
from simulation.inputs import SimulationInputs
from simulation.params import ProcessParams
from simulation.staff_sizing import size_staff
from simulation.stages import StageLog
from simulation.working_time import add_work, next_open


@dataclass(frozen=True)
class OrderDraws:
    """Per-order random draws (one stream per source of randomness)."""

    placed: np.ndarray
    customer: np.ndarray
    amount: np.ndarray
    u_channel: np.ndarray
    entry_hours: np.ndarray
    app_entry_hours: np.ndarray
    office_hours: np.ndarray
    esign_fraction: np.ndarray
    u_backorder: np.ndarray
    replenish_days: np.ndarray
    pick_hours: np.ndarray
    transit_noise: np.ndarray
    u_incident: np.ndarray
    incident_days: np.ndarray
    u_remote_limit: np.ndarray
    u_late: np.ndarray
    u_error: np.ndarray
    u_visibility: np.ndarray
    pool_index: np.ndarray          # the resampled past order (lines) per order
    split_pick_hours: np.ndarray    # picking of a split delivery's central-DC part
    split_transit_noise: np.ndarray
    split_u_incident: np.ndarray
    split_incident_days: np.ndarray
    #: replenishment lead times of forward stock, drawn as replenishments happen
    lead_rng: np.random.Generator


def kept_orders(draws: OrderDraws, keep: np.ndarray) -> OrderDraws:
    """``draws`` of the orders where ``keep`` is True (the rest are never placed)."""
    return replace(draws, **{f.name: getattr(draws, f.name)[keep] for f in fields(draws)
                             if f.name != "lead_rng"})


def draw_orders(inputs: SimulationInputs, params: ProcessParams, days: float,
                streams: dict[str, np.random.Generator],
                operations: Operations | None = None) -> OrderDraws:
    """Arrivals over ``days`` (Poisson per account, with the history's monthly seasonality and
    trend unless ``operations`` says otherwise, placed uniformly within its order hours) and
    their draws."""
    operations = operations or Operations()
    rng = streams["arrivals"]
    n_days = int(math.ceil(days))
    month = (inputs.epoch + pd.to_timedelta(np.arange(n_days), unit="D")).month.to_numpy() - 1
    season = inputs.month_factor[month] if operations.seasonal_arrivals else np.ones(n_days)
    # the history's growth goes on: the rate is the history's at trend_offset_days before day 0
    growth = (np.exp(inputs.trend_per_year * (np.arange(n_days) + 0.5 + inputs.trend_offset_days)
                     / 365.25) if operations.demand_trend else 1.0)
    lam = inputs.orders_per_day.sum() * season * growth
    per_day = rng.poisson(lam)
    first, last = operations.order_hours
    placed = np.repeat(np.arange(n_days), per_day) + rng.uniform(first, last, per_day.sum()) / 24
    placed.sort()
    n = len(placed)
    weights = inputs.orders_per_day / inputs.orders_per_day.sum()
    customer = rng.choice(inputs.customers, size=n, p=weights)
    # amounts: resample the account's own past orders
    arng = streams["amounts"]
    count = inputs.amount_count[customer]
    pick = inputs.amount_start[customer] + np.floor(arng.random(n) * np.maximum(count, 1)).astype(
        np.int64)
    pool_index = np.minimum(pick, len(inputs.amount_pool) - 1)
    amount = inputs.amount_pool[pool_index]
    srng = streams["split"]
    return OrderDraws(
        placed=placed, customer=customer, amount=amount,
        u_channel=streams["channel"].random(n),
        entry_hours=np.asarray(params.entry_hours.sample(streams["entry"], n)),
        app_entry_hours=np.asarray(params.app_entry_hours.sample(streams["entry_app"], n)),
        office_hours=np.asarray(params.office_hours.sample(streams["office"], n)),
        esign_fraction=streams["esign"].random(n),
        u_backorder=streams["stock"].random(n),
        replenish_days=np.asarray(params.replenishment_days.sample(streams["replenish"], n)),
        pick_hours=np.asarray(params.pick_hours.sample(streams["pick"], n)),
        transit_noise=streams["transit"].lognormal(
            -0.5 * params.transit.noise_sigma**2, params.transit.noise_sigma, n),
        u_incident=streams["incident"].random(n),
        incident_days=streams["incident"].uniform(1.0, params.transit.incident_max_days, n),
        u_remote_limit=streams["remote_limit"].random(n),
        u_late=streams["complaints"].random(n),
        u_error=streams["complaints"].random(n),
        u_visibility=streams["complaints"].random(n),
        pool_index=pool_index,
        split_pick_hours=np.asarray(params.pick_hours.sample(srng, n)),
        split_transit_noise=srng.lognormal(-0.5 * params.transit.noise_sigma**2,
                                           params.transit.noise_sigma, n),
        split_u_incident=srng.random(n),
        split_incident_days=srng.uniform(1.0, params.transit.incident_max_days, n),
        lead_rng=streams["forward_lead"],
    )


@dataclass(frozen=True)
class FlowResult:
    """Per-order times (days since epoch) and flags, plus the stage log and staffing."""

    placed: np.ndarray
    customer: np.ndarray
    amount: np.ndarray
    channel: np.ndarray
    entered: np.ndarray
    approved: np.ndarray
    shipped: np.ndarray
    delivered: np.ndarray
    promised_day: np.ndarray
    site: np.ndarray
    backordered: np.ndarray
    prepaid: np.ndarray
    complaint_reason: np.ndarray
    split: np.ndarray                 # delivered in two shipments (forward + central DC)
    prepayment_wait: np.ndarray       # days waited for the customer's prepayment (0: none)
    forward_asked_units: np.ndarray   # units of stocked products asked of a forward warehouse
    forward_filled_units: np.ndarray  # of which shipped from its stock
    log: StageLog
    servers: dict[str, int | None]
    event_loop_s: float  # wall time of the SimPy event loop alone (for benchmarks)


def _choose(on: np.ndarray | None, plan, today):
    """Per order: the config's value where the order's account has switched (``on``),
    today's where it has not (:class:`simulation.config.Rollout`); without a roll-out
    (``on`` None) the config's value as it is."""
    if on is None:
        return plan
    return np.where(on, plan, today)


def run_order_flow(inputs: SimulationInputs, params: ProcessParams, config: SimulationConfig,
                   draws: OrderDraws) -> FlowResult:
    """Run the SimPy model over the pre-drawn orders. An order placed before its account's
    switch day (``config.rollout``) follows today's order, delivery and credit levers."""
    lev_o, effects, network = config.orders, config.effects, config.network
    ops = config.operations
    on = config.switched(draws.customer, draws.placed)
    roll = config.rollout
    today_o = roll.orders if roll is not None else lev_o
    # staff work on the office calendar, or round the clock (a textbook queue, see Operations)
    work = add_work if ops.working_calendar else _round_the_clock
    n = len(draws.placed)
    wd0 = day_offset(inputs.epoch)  # the epoch's day in the working calendar
    cust = draws.customer
    # ---- channel
    shares = params.channel_shares

    def app_share_of(levers) -> float:
        return (levers.app_channel_share if levers.app_channel_share is not None
                else shares.get("app", 0.0))

    app_share = _choose(on, app_share_of(lev_o), app_share_of(today_o))
    phone_share = shares.get("phone", 0.0) / max(1e-12, 1.0 - shares.get("app", 0.0))
    app = draws.u_channel < app_share
    channel = np.where(app, "app", np.where(
        (draws.u_channel - app_share) / np.maximum(1e-12, 1.0 - app_share) < phone_share,
        "phone", "wechat"))
    # ---- entry (infinite server: reps key in on the working calendar)
    placed_l, entry_h, app_l = draws.placed.tolist(), draws.entry_hours.tolist(), app.tolist()
    app_h = draws.app_entry_hours.tolist()
    entered = np.array([placed_l[i] + app_h[i] / 24.0 if app_l[i]
                        else work(placed_l[i], entry_h[i], wd0) for i in range(n)])
    # ---- stock
    def oversell(levers) -> float:
        p = params.oversell_probability
        if levers.real_time_stock:
            p *= 1.0 - effects.real_time_backorder_reduction
        return p

    backordered = draws.u_backorder < _choose(on, oversell(lev_o), oversell(today_o))
    # ---- routing
    tier = inputs.tier[cust]
    prepaid = _choose(on, config.credit.prepaid(cust),
                      roll.credit.prepaid(cust) if roll is not None else None)

    def routed(levers) -> tuple[np.ndarray, np.ndarray]:
        abnormal = draws.amount > levers.abnormal_order_threshold_cny
        auto = np.isin(tier, list(levers.auto_approval_tiers)) & ~abnormal
        if levers.app_release:  # the app checked stock and credit: shipping starts at once
            # with the daily batch sync the app's stock figure is stale: oversold orders pass
            in_stock = ~backordered if levers.real_time_stock else np.ones(n, dtype=bool)
            auto |= app & ~abnormal & in_stock & ~prepaid
        esign = abnormal & (levers.esign_approval_hours is not None)
        return auto, esign

    auto, esign = routed(lev_o)
    if on is not None:
        today_auto, today_esign = routed(today_o)
        auto, esign = np.where(on, auto, today_auto), np.where(on, esign, today_esign)
    route = np.where(auto, Route.AUTO, np.where(esign, Route.ESIGN, Route.OFFICE))
    # ---- sites and staffing (sized for today's load, see docs/simulation.md)
    open_mask = network.open_sites
    serving = network.serving_site
    site = _choose(on, serving[cust], roll.serving_site[cust] if roll is not None else None)
    # staff grow with the orders: sized for the load of the middle of the measured days,
    # the history's rate carried on by its growth (as today's are for the history's load)
    growth = math.exp(inputs.trend_per_year * (inputs.trend_offset_days + (
        config.warmup_days + config.horizon_days) / 2) / 365.25) if ops.demand_trend else 1.0
    office_servers, pick_servers = size_staff(inputs, network, params.office_hours.expected,
                                              params.pick_hours.expected,
                                              effects.staffing_utilization, growth)
    office_servers = ops.office_servers or office_servers
    pick_servers = list(ops.pick_servers or pick_servers)

    # plain Python lists: scalar access in the event loop is several times faster than numpy
    office_h, pick_h = draws.office_hours.tolist(), draws.pick_hours.tolist()
    esign_u, replenish = draws.esign_fraction.tolist(), draws.replenish_days.tolist()
    route_l, prepaid_l, back_l = route.tolist(), prepaid.tolist(), backordered.tolist()
    site_l = site.tolist()
    env = simpy.Environment()
    office = simpy.Resource(env, capacity=office_servers)
    pickers = [simpy.Resource(env, capacity=c) for c in pick_servers]
    cutoff = params.carrier_cutoff_hour / 24.0
    esign_days = np.broadcast_to(_choose(on, (lev_o.esign_approval_hours or 0.0) / 24.0,
                                         (today_o.esign_approval_hours or 0.0) / 24.0),
                                 (n,)).tolist()
    prepay_days = effects.cash_before_delivery_wait_days
    # stage times per order, filled in the event loop (list item assignment is the cheapest
    # record) and logged in bulk afterwards; NaN = the order did not visit the stage
    nan = [math.nan] * n
    office_in, office_start, office_out = nan.copy(), nan.copy(), nan.copy()
    esign_out, prepay_in, prepay_out = nan.copy(), nan.copy(), nan.copy()
    back_in, back_out = nan.copy(), nan.copy()
    pick_in, pick_start, pick_out, ship = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    split_in, split_start, split_out, split_ship = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    timeout = env.timeout
    stock = StockKeeper(env, network.stock, inputs.site_central, network.central_site,
                        draws.pool_index, inputs.line_start, inputs.line_count,
                        inputs.line_product, inputs.line_quantity, draws.lead_rng, n)
    split_pick_h = draws.split_pick_hours.tolist()
    cust_l = cust.tolist()

    def pick_and_ship(i: int, site: int, hours: float, started: list, picked: list,
                      shipped_at: list):
        """Order ``i`` (or its split part) picked at ``site`` with ``hours`` of work, then
        handed to the next carrier pick-up; times go into the given lists."""
        with pickers[site].request() as req:
            yield req
            started[i] = now = env.now
            yield timeout(work(now, hours, wd0) - now)
        picked[i] = now = env.now
        # waiting for the carrier holds no resource and nothing waits on it: computed, not
        # scheduled (one event fewer per order)
        shipped_at[i] = max(next_open(_next_cutoff(now, cutoff), wd0), now)

    def order(i: int):
        now = env.now
        route_i = route_l[i]
        if route_i == Route.OFFICE:
            office_in[i] = now
            with office.request() as req:
                yield req
                office_start[i] = now = env.now
                yield timeout(work(now, office_h[i], wd0) - now)
            office_out[i] = now = env.now
        elif route_i == Route.ESIGN:  # signed on a phone, not office-bound
            yield timeout(esign_u[i] * esign_days[i])
            esign_out[i] = now = env.now
        if prepaid_l[i]:
            prepay_in[i] = now
            yield timeout(prepay_days)
            prepay_out[i] = now = env.now
        if back_l[i]:
            back_in[i] = now
            yield timeout(replenish[i])
            back_out[i] = now = env.now
        pick_in[i] = now
        if stock.active and stock.forward_site[site_l[i]]:
            served = stock.take(i, site_l[i])
            if served is Served.NONE:  # the whole order from the central DC
                site_l[i] = stock.backup[cust_l[i]]
            elif served is Served.PART:  # the rest from the central DC, in parallel
                split_in[i] = now
                env.process(pick_and_ship(i, stock.backup[cust_l[i]], split_pick_h[i],
                                          split_start, split_out, split_ship))
        stock.picked()
        yield from pick_and_ship(i, site_l[i], pick_h[i], pick_start, pick_out, ship)

    entered_l = entered.tolist()

    def source():
        for i in np.argsort(entered, kind="stable").tolist():
            yield timeout(max(0.0, entered_l[i] - env.now))
            env.process(order(i))

    env.process(source())
    stock.start_reviews()
    clock = time.perf_counter()
    env.run()
    event_loop_s = time.perf_counter() - clock
    ids = np.arange(n)
    office_in_a = np.array(office_in)
    esign_out_a = np.array(esign_out)
    approved = np.where(~np.isnan(office_out), office_out,
                        np.where(~np.isnan(esign_out_a), esign_out_a, entered))
    esign_in = np.where(np.isnan(esign_out_a), np.nan, entered)
    shipped = np.array(ship)
    log = StageLog()
    log.extend("entry", ids, draws.placed, draws.placed, entered)
    log.extend("office", ids, office_in_a, np.array(office_start), np.array(office_out))
    log.extend("esign", ids, esign_in, esign_in, esign_out_a)
    log.extend("prepayment", ids, np.array(prepay_in), np.array(prepay_in), np.array(prepay_out))
    log.extend("backorder", ids, np.array(back_in), np.array(back_in), np.array(back_out))
    log.extend("pick", ids, np.array(pick_in), np.array(pick_start), np.array(pick_out))
    log.extend("cutoff", ids, np.array(pick_out), np.array(pick_out), shipped)
    split_ship_a = np.array(split_ship)
    split = ~np.isnan(np.array(split_in))
    # a split delivery's central-DC part is a visit of its own (entity id n + order)
    log.extend("pick", n + ids[split], np.array(split_in)[split], np.array(split_start)[split],
               np.array(split_out)[split])
    site = np.array(site_l)
    delivered, promised, reason = _deliver(inputs, params, config, draws, site, shipped,
                                           backordered, log, split_ship_a,
                                           np.array(prepay_out, dtype=float), on)
    servers: dict[str, int | None] = {"entry": None, "office": office_servers, "esign": None,
                                      "prepayment": None, "backorder": None,
                                      "pick": int(np.sum(np.array(pick_servers)[open_mask])),
                                      "cutoff": None,
                                      "transit": None}
    wait = np.nan_to_num(np.array(prepay_out) - np.array(prepay_in), nan=0.0)
    return FlowResult(draws.placed, cust, draws.amount, channel, entered, approved, shipped,
                      delivered, promised, inputs.site_id[site], backordered, prepaid, reason,
                      split, wait, np.array(stock.asked), np.array(stock.filled), log, servers,
                      event_loop_s)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _round_the_clock(t: float, hours: float, _offset: int) -> float:
    """``hours`` of work from ``t`` with staff on duty at every hour (days)."""
    return t + hours / 24.0


def _next_cutoff(t: float, cutoff: float) -> float:
    day = math.floor(t)
    return day + cutoff if t - day <= cutoff else day + 1 + cutoff


def _transit_days(inputs: SimulationInputs, params: ProcessParams, config: SimulationConfig,
                  cust: np.ndarray, site: np.ndarray, noise: np.ndarray, u_incident: np.ndarray,
                  incident_days: np.ndarray, u_remote_limit: np.ndarray,
                  on: np.ndarray | None = None) -> np.ndarray:
    """Transit days of shipments from ``site`` to accounts ``cust`` (the transit rule of
    :mod:`models.transit`, with the per-shipment noise and incident draws); a shipment not
    ``on`` the config's levers goes with today's carrier (``config.rollout.delivery``)."""
    args = (inputs, params, cust, site, noise, u_incident, incident_days, u_remote_limit)
    plan = _carried(config.delivery, config.effects, *args)
    if on is None or config.rollout is None:
        return plan
    return np.where(on, plan, _carried(config.rollout.delivery, config.effects, *args))


def _carried(delivery, effects, inputs: SimulationInputs, params: ProcessParams,
             cust: np.ndarray, site: np.ndarray, noise: np.ndarray, u_incident: np.ndarray,
             incident_days: np.ndarray, u_remote_limit: np.ndarray) -> np.ndarray:
    """:func:`_transit_days` under one delivery policy."""
    tp = params.transit
    remote = inputs.remote[cust]
    partner = delivery.strategic_partner
    speed = tp.km_per_day * (effects.partner_speed_factor if partner else 1.0)
    p_incident = tp.incident_probability * (effects.partner_incident_factor if partner else 1.0)
    base = mean_transit_days(road_km(inputs.km_to_sites()[cust, site], tp), tp, remote=remote,
                             km_per_day=speed)
    transit = base * noise + np.where(u_incident < p_incident, incident_days, 0.0)
    if partner and delivery.remote_limit_days is not None:
        kept = remote & (u_remote_limit < effects.remote_limit_compliance)
        transit = np.where(kept, np.minimum(transit, delivery.remote_limit_days), transit)
    return transit


def _deliver(inputs: SimulationInputs, params: ProcessParams, config: SimulationConfig,
             draws: OrderDraws, site: np.ndarray, shipped: np.ndarray, backordered: np.ndarray,
             log: StageLog, split_shipped: np.ndarray, paid_at: np.ndarray,
             on: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transit, promised dates and complaints (vectorised: no shared resource). A split
    order (finite ``split_shipped``) is delivered when its second shipment, from the account's
    central DC, arrives too. A cash-before-delivery order's promise runs from its payment
    (finite ``paid_at``), as such a contract reads: the customer's own wait is not the
    company's lateness. Orders not ``on`` the config's levers follow today's
    (``config.rollout``)."""
    roll, effects = config.rollout, config.effects
    tracking = _choose(on, config.delivery.tracking,
                       roll.delivery.tracking if roll is not None else None)
    cust = draws.customer
    remote = inputs.remote[cust]
    transit = _transit_days(inputs, params, config, cust, site, draws.transit_noise,
                            draws.u_incident, draws.incident_days, draws.u_remote_limit, on)
    delivered = next_working_instant(shipped + transit, inputs.epoch)
    log.extend("transit", np.arange(len(shipped)), shipped, shipped, delivered)
    split = np.flatnonzero(np.isfinite(split_shipped))
    if len(split):
        backup = config.network.central_site[cust[split]]
        second = _transit_days(inputs, params, config, cust[split], backup,
                               draws.split_transit_noise[split], draws.split_u_incident[split],
                               draws.split_incident_days[split], draws.u_remote_limit[split],
                               None if on is None else on[split])
        arrived = next_working_instant(split_shipped[split] + second, inputs.epoch)
        log.extend("transit", len(shipped) + split, split_shipped[split], split_shipped[split],
                   arrived)
        delivered = delivered.copy()
        delivered[split] = np.maximum(delivered[split], arrived)
    promise = np.where(remote, params.promise_days_remote, params.promise_days).astype(float)
    told = _choose(on, config.orders.real_time_stock,
                   roll.orders.real_time_stock if roll is not None else None)
    if np.any(told):  # with real-time stock the customer is told the replenishment date
        promise = promise + np.where(backordered & told, np.ceil(draws.replenish_days), 0.0)
    promised = np.floor(np.where(np.isfinite(paid_at), paid_at, draws.placed)) + promise
    late = np.floor(delivered) > promised
    p_late = params.complaint_if_late * np.where(tracking, effects.tracking_late_complaint_factor,
                                                 1.0)
    # one complaint per order at most: a late order's other reasons have their own shares
    p_error = np.where(late, _or(params.complaint_error_if_late, params.complaint_error),
                       params.complaint_error)
    # tracking removes a share of the "cannot see where it is" complaints, not all of them
    p_vis = np.where(
        late, _or(params.complaint_no_visibility_if_late, params.complaint_no_visibility),
        params.complaint_no_visibility) * np.where(
        tracking, 1.0 - effects.tracking_visibility_complaint_reduction, 1.0)
    reason = np.where(late & (draws.u_late < p_late), "late",
                      np.where(draws.u_error < p_error, "error",
                               np.where(draws.u_visibility < p_vis, "no_visibility", "")))
    return delivered, promised, reason


