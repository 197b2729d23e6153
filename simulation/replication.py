"""One replication: arrivals → order flow (SimPy) → invoices and collection → KPIs.

KPIs are measured from the records with the same functions as the history
(:mod:`data.kpis`) over the window ``[warmup, horizon)``; events after the horizon are
not known, as in a real export. Streams: one ``numpy.random.Generator`` per source of
randomness, spawned from ``SeedSequence(seed, spawn_key=(replication,))``, so a replication's
numbers do not depend on how many replications run or where (common random numbers across
scenarios with the same seed). New sources are appended at the end of :data:`STREAMS` so
existing ones keep their draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from data.kpis import KPI_NAMES, Ledger, Window, ledger_kpis, order_kpis
from simulation.collection import DRAWS_PER_INVOICE, Invoices, collect
from simulation.config import CreditPolicy, SimulationConfig
from simulation.inputs import SimulationInputs
from simulation.order_flow import FlowResult, draw_orders, kept_orders, run_order_flow
from simulation.params import ProcessParams
from simulation.stages import stage_statistics

STREAMS = ("arrivals", "amounts", "channel", "entry", "entry_app", "office", "esign", "stock",
           "replenish", "pick", "transit", "incident", "remote_limit", "complaints", "invoice",
           "payment", "opening", "split", "forward_lead", "sales_response")


def replication_streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """Independent named streams for one replication."""
    children = np.random.SeedSequence(seed, spawn_key=(replication,)).spawn(len(STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(STREAMS, children, strict=True)}


@dataclass(frozen=True)
class ReplicationResult:
    """KPIs of one replication: overall (the six names + details), by region and tier, and
    the statistics of each process stage."""

    replication: int
    kpis: dict[str, float]
    by_region: pd.DataFrame
    by_tier: pd.DataFrame
    stages: pd.DataFrame
    #: per forward warehouse: orders, units asked of its stock and shipped, fill rate, split
    #: deliveries (empty without forward stock)
    by_site: pd.DataFrame = field(default_factory=pd.DataFrame)


def _ledger(invoices: list[Invoices], epoch: np.datetime64, cash_day: np.ndarray | None = None,
            cash_amount: np.ndarray | None = None) -> Ledger:
    def day(values: np.ndarray) -> np.ndarray:
        out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
        ok = np.isfinite(values)
        out[ok] = epoch + values[ok].astype(np.int64).astype("timedelta64[D]")
        return out

    cat = {f: np.concatenate([getattr(inv, f) for inv in invoices])
           for f in Invoices.__dataclass_fields__}
    n = len(cat["amount"])
    pays = [(cat["first_pay_day"], cat["first_pay_amount"]), (cat["last_pay_day"],
                                                             cat["last_pay_amount"])]
    pos = np.concatenate([np.arange(n)] * 2)
    pay_day = np.concatenate([p[0] for p in pays])
    pay_amount = np.concatenate([p[1] for p in pays])
    real = np.isfinite(pay_day) & (pay_amount > 0)
    cash_day = np.zeros(0) if cash_day is None else cash_day
    return Ledger(invoice_day=day(np.floor(cat["invoice_day"])), amount=cat["amount"],
                  write_off_day=day(cat["write_off_day"]), write_off=cat["write_off_amount"],
                  pay_invoice=pos[real], pay_day=day(pay_day[real]),
                  pay_amount=pay_amount[real], cash_day=day(np.floor(cash_day)),
                  cash_amount=np.zeros(0) if cash_amount is None else cash_amount)


def _orders_frame(flow: FlowResult, inputs: SimulationInputs, horizon: float) -> pd.DataFrame:
    """Order records in the data set's columns, cut at the horizon."""
    def ts(values: np.ndarray) -> pd.Series:
        known = np.where(values < horizon, values, np.nan)
        return pd.Series(inputs.epoch + pd.to_timedelta(known, unit="D"))

    delivered_known = flow.delivered < horizon
    return pd.DataFrame({
        "placed_at": ts(flow.placed), "shipped_at": ts(flow.shipped),
        "delivered_at": ts(flow.delivered),
        "promised_date": pd.Series(inputs.epoch + pd.to_timedelta(flow.promised_day, unit="D")),
        "prepayment_wait_days": flow.prepayment_wait,
        "complaint": (flow.complaint_reason != "") & delivered_known,
        "remote": inputs.remote[flow.customer], "region": inputs.region[flow.customer],
        "tier": inputs.tier[flow.customer],
    })


def run_replication(inputs: SimulationInputs, params: ProcessParams, config: SimulationConfig,
                    replication: int, seed: int | None = None) -> ReplicationResult:
    """Simulate ``config.horizon_days`` and measure the window after the warm-up."""
    seed = config.seed if seed is None else seed
    streams = replication_streams(seed, replication)
    horizon = float(config.horizon_days)
    rate = config.demand.for_replication(replication)
    if rate is not None:  # this replication's draw of a demand change decided beforehand
        inputs = replace(inputs, orders_per_day=inputs.orders_per_day * rate)
    draws = draw_orders(inputs, params, horizon, streams, config.operations)
    # every order's draws are made before any is dropped, so the orders a scenario keeps see
    # the same numbers as in a scenario that keeps them all (common random numbers)
    n = len(draws.placed)
    on = config.switched(draws.customer, draws.placed)
    credits = _credit_policies(config)
    if all(c.e_invoice for c in credits):
        delay = np.full(n, config.effects.e_invoice_delay_days)
    else:
        delay = np.asarray(params.invoice_delay_days.sample(streams["invoice"], n))
        if any(c.e_invoice for c in credits):  # a roll-out, e-invoices on one side only
            electronic = on if config.credit.e_invoice else ~on
            delay = np.where(electronic, config.effects.e_invoice_delay_days, delay)
    u_pay = streams["payment"].random((DRAWS_PER_INVOICE, n))
    kept = np.ones(n, dtype=bool)
    if any(c.sales_retained is not None for c in credits):
        retained = [np.ones(len(c.account_terms)) if c.sales_retained is None
                    else c.sales_retained for c in credits]
        share = retained[0][draws.customer]
        if on is not None:
            share = np.where(on, share, retained[1][draws.customer])
        kept = streams["sales_response"].random(n) < share
    lost_day, lost_amount = draws.placed[~kept], draws.amount[~kept]
    if not kept.all():
        draws, delay, u_pay = kept_orders(draws, kept), delay[kept], u_pay[:, kept]
        on = None if on is None else on[kept]
    flow = run_order_flow(inputs, params, config, draws)
    common = dict(customer_type=inputs.customer_type, customer_id=inputs.customer_id,
                  epoch=inputs.epoch, params=params, effects=config.effects)
    u_open = streams["opening"].random((DRAWS_PER_INVOICE, len(inputs.opening_amount)))
    # the opening ledger is collected under each account's levers of day 0
    open_on = config.switched(inputs.opening_customer, np.zeros(len(inputs.opening_amount)))
    billed = ~flow.prepaid
    invoices: list[Invoices] = []
    for credit, mine, open_mine in _by_policy(credits, on, open_on, n=len(flow.placed),
                                              n_open=len(inputs.opening_amount)):
        open_billed = open_mine & ~credit.prepaid(inputs.opening_customer)
        invoices.insert(0, collect(
            inputs.opening_customer[open_billed], inputs.opening_amount[open_billed],
            inputs.opening_invoice_day[open_billed], u=u_open[:, open_billed], credit=credit,
            **common))
        rows = billed & mine
        invoices.append(collect(flow.customer[rows], flow.amount[rows],
                                np.floor(flow.shipped[rows] + delay[rows]), u=u_pay[:, rows],
                                credit=credit, **common))
    epoch_day = np.datetime64(inputs.epoch.date(), "D")
    # prepaid orders are cash sales on their shipping day: in total sales, never receivable
    ledger = _ledger(invoices, epoch_day, flow.shipped[flow.prepaid],
                     flow.amount[flow.prepaid])
    cash_customer = flow.customer[flow.prepaid]
    window = Window(inputs.epoch + pd.Timedelta(days=config.warmup_days),
                    inputs.epoch + pd.Timedelta(days=config.horizon_days - 1))
    orders = _orders_frame(flow, inputs, horizon)
    measured = orders[window.contains(orders["placed_at"])]
    invoice_customer = np.concatenate([inv.customer for inv in invoices])

    def kpis(order_rows: pd.DataFrame, part: Ledger) -> dict[str, float]:
        out = order_kpis(order_rows, order_rows["remote"], window.end)
        out.update(ledger_kpis(part, window))
        return out

    def grouped(values: np.ndarray, order_col: str, name: str) -> pd.DataFrame:
        rows = []
        for value in sorted(set(values)):
            part = ledger.subset(values[invoice_customer] == value,
                                 values[cash_customer] == value)
            rows.append({name: value, **kpis(measured[measured[order_col] == value], part)})
        return pd.DataFrame(rows)

    overall = kpis(measured, ledger)
    overall.update(terms_costs(invoices, window, inputs.epoch,
                               flow.placed, flow.amount, lost_day, lost_amount,
                               overall["receivables_cny"], config.effects.cost_of_capital))
    by_site = pd.DataFrame()
    if config.network.stock is not None:
        by_site = forward_stock_kpis(flow, inputs, config, measured.index.to_numpy())
        overall.update(_forward_totals(by_site, flow, measured.index.to_numpy()))
    stages = stage_statistics(flow.log.frame(), flow.servers, float(config.warmup_days),
                              horizon)
    return ReplicationResult(replication, overall, grouped(inputs.region, "region", "region"),
                             grouped(inputs.tier, "tier", "tier"), stages, by_site)


def _credit_policies(config: SimulationConfig) -> list[CreditPolicy]:
    """The config's credit policy, then today's of its roll-out (if any)."""
    return [config.credit] + ([config.rollout.credit] if config.rollout is not None else [])


def _by_policy(credits: list[CreditPolicy], on: np.ndarray | None, open_on: np.ndarray | None,
               n: int, n_open: int):
    """(credit policy, its orders, its opening invoices) for each policy in ``credits``."""
    if on is None or open_on is None:
        yield credits[0], np.ones(n, dtype=bool), np.ones(n_open, dtype=bool)
        return
    yield credits[0], on, open_on
    yield credits[1], ~on, ~open_on


def terms_costs(invoices: list[Invoices], window: Window, epoch: pd.Timestamp,
                placed: np.ndarray, amount: np.ndarray, lost_day: np.ndarray,
                lost_amount: np.ndarray, receivables_cny: float,
                cost_of_capital: float) -> dict[str, float]:
    """What the payment terms cost, per year: cash discounts and on-time rebates on the
    invoices dated in ``window`` scaled to 365 days (CNY/year), orders not placed because of
    the terms as a share of the orders that would have been (by value, placed in the window),
    and the cost of financing the receivables at the window's end for a year (CNY/year)."""
    start = float((window.start - epoch).days)
    end = start + window.days

    def within(day: np.ndarray) -> np.ndarray:
        return (day >= start) & (day < end)

    discount = sum(float(inv.discount_amount[within(inv.invoice_day)].sum()) for inv in invoices)
    rebate = sum(float(inv.rebate_amount[within(inv.invoice_day)].sum()) for inv in invoices)
    lost = float(lost_amount[within(lost_day)].sum())
    placed_value = float(amount[within(placed)].sum()) + lost
    per_year = 365.0 / window.days
    return {"discount_cost_cny": discount * per_year, "rebate_cost_cny": rebate * per_year,
            "sales_loss_rate": lost / placed_value if placed_value > 0 else 0.0,
            "financing_cost_cny": receivables_cny * cost_of_capital}


def forward_stock_kpis(flow: FlowResult, inputs: SimulationInputs, config: SimulationConfig,
                       rows: np.ndarray) -> pd.DataFrame:
    """Per forward warehouse, over the orders ``rows`` (placed in the window) that it serves
    by the plan: orders, units of stocked products asked of it and shipped from its stock
    (``fill_rate`` = shipped / asked), orders it shipped from stock wholly or in part, and split
    deliveries. Under a roll-out an order placed before its account's switch day is today's
    site's."""
    planned = config.network.serving_site[flow.customer[rows]]
    on = config.switched(flow.customer[rows], flow.placed[rows])
    if on is not None:  # an order placed before its account's switch day: today's site
        planned = np.where(on, planned, config.rollout.serving_site[flow.customer[rows]])
    asked, filled = flow.forward_asked_units[rows], flow.forward_filled_units[rows]
    split = flow.split[rows]
    out = []
    for s in np.flatnonzero(~inputs.site_central):
        mine = planned == s
        if not mine.any():
            continue
        a, f = float(asked[mine].sum()), float(filled[mine].sum())
        out.append({"site_id": inputs.site_id[s], "orders": int(mine.sum()),
                    "units_asked": a, "units_from_stock": f,
                    "fill_rate": f / a if a > 0 else np.nan,
                    "orders_from_stock": int((filled[mine] > 0).sum()),
                    "split_deliveries": int(split[mine].sum())})
    return pd.DataFrame(out)


def _forward_totals(by_site: pd.DataFrame, flow: FlowResult, rows: np.ndarray) -> dict:
    """Overall forward-stock details: fill rate (units), share of orders shipped from a
    forward warehouse's stock, share of orders delivered in two shipments."""
    n = max(len(rows), 1)
    asked = float(by_site["units_asked"].sum()) if len(by_site) else 0.0
    filled = float(by_site["units_from_stock"].sum()) if len(by_site) else 0.0
    return {"forward_fill_rate": filled / asked if asked > 0 else np.nan,
            "forward_order_share": float((flow.forward_filled_units[rows] > 0).sum()) / n,
            "split_delivery_rate": float(flow.split[rows].sum()) / n}


__all__ = ["KPI_NAMES", "ReplicationResult", "run_replication", "replication_streams"]
