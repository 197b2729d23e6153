"""Orders and their lines, and today's order-to-delivery process: each order's hand-off times
stage by stage on the working calendar (rep entry, clerk, approval, stock sync with
overselling, picking, carrier cut-off, transit by road distance), then what the ERP knows."""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from data.calendar import (
    CALENDAR_DAYS_PER_WORKING_HOUR,
    add_working_hours,
    next_working_instant,
    to_timestamps,
    working_hours_between,
)
from data.generate.parameters import AREA_PREFERENCE, MONTH_FACTOR, TYPE_MIX, ProcessTruth, Profile
from data.geography import great_circle_km
from data.tables import THERAPY_AREAS


def direct_orders(prof: Profile, customers: pd.DataFrame, products: pd.DataFrame,
                  epoch: pd.Timestamp, rng: np.random.Generator,
                  line_rng: np.random.Generator,
                  lift: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders of the accounts the company sells to direct (seasonal Poisson arrivals per
    account, times the account's ``lift`` that month: customers × the history's months, the
    calls it got against the plan) and their lines, in generator units (days since the epoch,
    customer and product row indices; lines carry ``order_index`` and ``group`` = -1)."""
    ctype = customers["customer_type"].to_numpy()
    order_value = np.array([TYPE_MIX[t][2] for t in ctype])
    direct = order_value > 0
    per_year = np.where(direct, np.clip(customers["annual_sales_cny"].to_numpy()
                                        / np.where(direct, order_value, 1.0), 2.0, 250.0), 0.0)
    months = pd.period_range(epoch, periods=int(np.ceil(prof.history_days / 30.44)) + 1, freq="M")
    m_start = np.array([(p.start_time - epoch).days for p in months], dtype=float)
    m_len = np.array([p.days_in_month for p in months], dtype=float)
    factor = MONTH_FACTOR[np.array([p.month - 1 for p in months])]
    lam = per_year[:, None] / 12.0 * factor[None, :] * (m_len / 30.44)[None, :]
    if lift is not None:  # months past the history keep their rate (no order is kept there)
        k = min(lift.shape[1], lam.shape[1])
        lam[:, :k] = lam[:, :k] * lift[:, :k]
    counts = rng.poisson(lam)
    cust_idx, month_idx = np.nonzero(counts)
    reps = counts[cust_idx, month_idx]
    cust = np.repeat(cust_idx, reps)
    month = np.repeat(month_idx, reps)
    day = m_start[month] + np.floor(rng.random(len(cust)) * m_len[month])
    t = day + rng.uniform(8.0, 20.0, len(cust)) / 24.0
    start = ((customers["relationship_start"] - epoch).dt.days.to_numpy())[cust]
    keep = (t >= np.maximum(start, 0)) & (t < prof.history_days)
    cust, t = cust[keep], t[keep]
    order = np.argsort(t, kind="stable")
    cust, t = cust[order], t[order]
    n = len(cust)
    value = order_value[cust] * rng.lognormal(-0.18, 0.6, n)
    orders = pd.DataFrame({"customer_index": cust, "placed_days": t, "value": value})
    lines = _order_lines(orders, customers, products, line_rng)
    amounts = lines.groupby("order_index")["amount_cny"].sum()
    orders["amount_cny"] = amounts.reindex(np.arange(n)).to_numpy()
    return orders, lines


def numbered(parts: list[tuple[pd.DataFrame, pd.DataFrame]],
             products: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders of every kind in the order they were placed, numbered, with their lines
    (``order_id``, ``line_no``, ``product_id``; ``order_index`` and ``group`` kept for the
    later stages)."""
    orders, lines, offset = [], [], 0
    for o, ln in parts:
        orders.append(o)
        lines.append(ln.assign(order_index=ln["order_index"] + offset))
        offset += len(o)
    all_orders = pd.concat(orders, ignore_index=True)
    rank = np.empty(len(all_orders), dtype=np.int64)
    order = np.argsort(all_orders["placed_days"].to_numpy(), kind="stable")
    rank[order] = np.arange(len(order))
    all_orders = all_orders.iloc[order].reset_index(drop=True)
    all_orders.insert(0, "order_id", [f"O{i + 1:07d}" for i in range(len(all_orders))])
    all_lines = pd.concat(lines, ignore_index=True)
    all_lines["order_index"] = rank[all_lines["order_index"].to_numpy()]
    all_lines = all_lines.sort_values("order_index", kind="stable").reset_index(drop=True)
    first = np.searchsorted(all_lines["order_index"].to_numpy(),
                            all_lines["order_index"].to_numpy(), side="left")
    all_lines["line_no"] = (np.arange(len(all_lines)) - first + 1).astype(np.int64)
    all_lines["order_id"] = all_orders["order_id"].to_numpy()[all_lines["order_index"]]
    all_lines["product_id"] = products["product_id"].to_numpy()[all_lines["product"]]
    return all_orders, all_lines


def preferred_products(group: np.ndarray, products: pd.DataFrame,
                       rng: np.random.Generator) -> np.ndarray:
    """A product (row index) for each entry of ``group`` (a key of ``AREA_PREFERENCE``): its
    therapy area by the group's preference, then a few best-sellers per area (Zipf-like)."""
    area = np.empty(len(group), dtype=np.int64)
    for g, pref in AREA_PREFERENCE.items():
        mask = group == g
        area[mask] = rng.choice(4, size=int(mask.sum()), p=np.array(pref) / sum(pref))
    prod_area = products["therapy_area"].map({a: i for i, a in enumerate(THERAPY_AREAS)})
    product = np.empty(len(group), dtype=np.int64)
    for a in range(4):
        pool = np.flatnonzero(prod_area.to_numpy() == a)
        mask = area == a
        w = 1.0 / np.arange(1, len(pool) + 1)
        product[mask] = pool[rng.choice(len(pool), size=int(mask.sum()), p=w / w.sum())]
    return product


def _order_lines(orders: pd.DataFrame, customers: pd.DataFrame, products: pd.DataFrame,
                 rng: np.random.Generator) -> pd.DataFrame:
    n = len(orders)
    k = np.minimum(1 + rng.poisson(1.2, n), 6)
    oi = np.repeat(np.arange(n), k)
    ctype = customers["customer_type"].to_numpy()[orders["customer_index"].to_numpy()][oi]
    group = np.where(ctype == "private_hospital", "hospital",
                     np.where(ctype == "private_clinic", "community_clinic", "pharmacy"))
    product = preferred_products(group, products, rng)
    weights = rng.gamma(1.0, 1.0, len(oi))
    share = weights / np.bincount(oi, weights)[oi]
    price = products["unit_price_cny"].to_numpy()[product]
    qty = np.maximum(1, np.round(orders["value"].to_numpy()[oi] * share / price)).astype(np.int64)
    return pd.DataFrame({"order_index": oi, "group": -1, "product": product, "quantity": qty,
                         "amount_cny": (qty * price).round(2)})


def gamma_draws(rng: np.random.Generator, shape: float, mean: float, n: int) -> np.ndarray:
    """``n`` gamma draws with the given shape and mean."""
    return rng.gamma(shape, mean / shape, n)


#: the days whose orders today's staff are sized for (simulation.inputs.RATE_WINDOW_DAYS)
RATE_WINDOW_DAYS = 365


def office_staff(orders_per_day: float, truth: ProcessTruth) -> int:
    """Today's office clerks: as many as keep ``truth.office_utilization`` of them busy with
    the mean order's office work (the sizing the simulation assumes, simulation/staff_sizing)."""
    work = truth.clerk_mean_hours + truth.approval_mean_hours
    load = orders_per_day * work * CALENDAR_DAYS_PER_WORKING_HOUR
    return max(1, int(np.ceil(load / truth.office_utilization)))


def office_queue_wait(entered: np.ndarray, work_hours: np.ndarray, staff: int,
                      epoch: pd.Timestamp) -> np.ndarray:
    """Working hours each order waits for one of ``staff`` clerks, first come first served,
    on the office clock (working hours since ``epoch``): after a festival the orders of the
    break arrive together and wait their turn, as in the ERP's real history."""
    clock = working_hours_between(np.zeros(len(entered)), entered, epoch)
    free = [0.0] * staff  # when each clerk is next free, a heap
    wait = np.zeros(len(entered))
    for i in np.argsort(clock, kind="stable"):
        start = max(clock[i], free[0])
        wait[i] = start - clock[i]
        heapq.heapreplace(free, start + work_hours[i])
    return wait


def orders_with_handoff_times(orders: pd.DataFrame, customers: pd.DataFrame,
                              sites: pd.DataFrame, epoch: pd.Timestamp, end: pd.Timestamp,
                              truth: ProcessTruth,
                              rngs: dict[str, np.random.Generator]) -> pd.DataFrame:
    """The orders with their hand-off times through today's order-to-delivery process, stage
    by stage, on the working calendar (channel, warehouse, promise and complaint too)."""
    rng, trng, crng = rngs["process"], rngs["transit"], rngs["complaints"]
    n = len(orders)
    ci = orders["customer_index"].to_numpy()
    names = list(truth.channel_shares)
    p = np.array([truth.channel_shares[c] for c in names])
    channel = rng.choice(np.array(names), size=n, p=p / p.sum())
    t0 = orders["placed_days"].to_numpy()
    rep_hours = rng.lognormal(np.log(truth.entry_median_hours), truth.entry_sigma, n)
    app = channel == "app"
    entered = np.where(app, t0 + truth.app_entry_minutes / 1440.0,
                       add_working_hours(t0, rep_hours, epoch))
    clerk = gamma_draws(rng, 2.0, truth.clerk_mean_hours, n)
    approval = gamma_draws(rng, 1.5, truth.approval_mean_hours, n)
    # sized for the last year's orders, as the simulation sizes today's staff
    last_year = (t0 >= (end - epoch).days + 1.0 - RATE_WINDOW_DAYS).sum() / RATE_WINDOW_DAYS
    staff = office_staff(float(last_year), truth)
    wait = office_queue_wait(entered, clerk + approval, staff, epoch)
    clerked = add_working_hours(entered, wait + clerk, epoch)
    approved = add_working_hours(clerked, approval, epoch)
    backordered = rng.random(n) < truth.oversell_probability
    replenish = np.where(backordered, gamma_draws(rng, 3.0, truth.replenishment_mean_days, n), 0.0)
    picked = add_working_hours(approved + replenish,
                               gamma_draws(rng, 2.0, truth.pick_mean_hours, n), epoch)
    cutoff = truth.carrier_cutoff_hour / 24.0
    day = np.floor(picked)
    ship_day = np.where(picked - day <= cutoff, day, day + 1)
    shipped = next_working_instant(ship_day + cutoff, epoch)
    shipped = np.maximum(shipped, picked)
    # serving warehouse: nearest central DC; transit by road distance and region
    central = sites[sites["kind"] == "central_dc"]
    lon = customers["longitude"].to_numpy()[ci]
    lat = customers["latitude"].to_numpy()[ci]
    d = great_circle_km(lon[:, None], lat[:, None], central["longitude"].to_numpy()[None, :],
                        central["latitude"].to_numpy()[None, :])
    wh = d.argmin(axis=1)
    road_km = d[np.arange(n), wh] * truth.detour_factor
    remote = customers["remote"].to_numpy()[ci]
    base = (truth.handover_days + road_km / truth.trunk_km_per_day
            + np.where(remote, truth.remote_last_mile_days, truth.last_mile_days))
    transit = base * trng.lognormal(-0.5 * truth.transit_sigma**2, truth.transit_sigma, n)
    incident = trng.random(n) < truth.incident_probability
    transit += np.where(incident, trng.uniform(1.0, truth.incident_max_days, n), 0.0)
    delivered = next_working_instant(shipped + transit, epoch)
    promise = np.where(remote, truth.promise_days_remote, truth.promise_days)
    promised = np.floor(t0) + promise
    late = np.floor(delivered) > promised
    error = crng.random(n) < truth.error_probability
    u = crng.random(n)
    reason = np.where(late & (u < truth.complaint_if_late), "late",
                      np.where(error & (u < truth.complaint_if_error), "error",
                               np.where(u < truth.complaint_no_visibility, "no_visibility", "")))
    out = orders.copy()
    out["customer_id"] = customers["customer_id"].to_numpy()[ci]
    out["channel"] = channel
    for name, value in (("entered_days", entered), ("approved_days", approved),
                        ("picked_days", picked), ("shipped_days", shipped),
                        ("delivered_days", delivered)):
        out[name] = value
    out["promised_days"] = promised
    out["warehouse_id"] = central["site_id"].to_numpy()[wh]
    out["backordered"] = backordered
    out["complaint_reason"] = reason
    return out


def orders_known_at_end(orders: pd.DataFrame, epoch: pd.Timestamp,
                        end: pd.Timestamp) -> pd.DataFrame:
    """The orders table as the ERP holds it at ``end``: later events are not known yet."""
    horizon = (end - epoch).days + 1.0  # end of the as-of day
    out = pd.DataFrame({"order_id": orders["order_id"],
                        "customer_id": orders["customer_id"], "channel": orders["channel"]})
    out["placed_at"] = to_timestamps(orders["placed_days"].to_numpy(), epoch)
    for stage in ("entered", "approved", "picked", "shipped", "delivered"):
        t = orders[f"{stage}_days"].to_numpy()
        out[f"{stage}_at"] = to_timestamps(np.where(t < horizon, t, np.nan), epoch)
    out["promised_date"] = to_timestamps(orders["promised_days"].to_numpy(), epoch).dt.normalize()
    out["warehouse_id"] = orders["warehouse_id"]
    out["backordered"] = orders["backordered"]
    known = orders["delivered_days"].to_numpy() < horizon
    reason = np.where(known, orders["complaint_reason"], "")
    out["complaint"] = reason != ""
    out["complaint_reason"] = pd.Series(reason).replace("", None)
    return out.reset_index(drop=True)
