"""One replication: arrivals → order flow (SimPy) → invoices and collection → KPIs.

KPIs are measured from the records with the same functions as the history
(:mod:`simulation.kpis`) over the window ``[warmup, horizon)``; events after the horizon are
not known, as in a real export. Streams: one ``numpy.random.Generator`` per source of
randomness, spawned from ``SeedSequence(seed, spawn_key=(replication,))``, so a replication's
numbers do not depend on how many replications run or where (common random numbers across
scenarios with the same seed). New sources are appended at the end of :data:`STREAMS` so
existing ones keep their draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scenarios.schema import Scenario
from simulation.collection import DRAWS_PER_INVOICE, Invoices, collect
from simulation.inputs import SimulationInputs
from simulation.kpis import KPI_NAMES, Ledger, Window, ledger_kpis, order_kpis
from simulation.order_flow import FlowResult, draw_orders, run_order_flow
from simulation.params import ProcessParams
from simulation.stages import stage_statistics

STREAMS = ("arrivals", "amounts", "channel", "entry", "entry_app", "office", "esign", "stock",
           "replenish", "pick", "transit", "incident", "remote_limit", "complaints", "invoice",
           "payment", "opening")


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


def _ledger(invoices: list[Invoices], epoch: np.datetime64) -> Ledger:
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
    return Ledger(invoice_day=day(np.floor(cat["invoice_day"])), amount=cat["amount"],
                  write_off_day=day(cat["write_off_day"]), write_off=cat["write_off_amount"],
                  pay_invoice=pos[real], pay_day=day(pay_day[real]),
                  pay_amount=pay_amount[real])


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
        "complaint": (flow.complaint_reason != "") & delivered_known,
        "remote": inputs.remote[flow.customer], "region": inputs.region[flow.customer],
        "tier": inputs.tier[flow.customer],
    })


def run_replication(inputs: SimulationInputs, params: ProcessParams, scenario: Scenario,
                    replication: int, seed: int | None = None) -> ReplicationResult:
    """Simulate ``scenario.horizon_days`` and measure the window after the warm-up."""
    seed = scenario.seed if seed is None else seed
    streams = replication_streams(seed, replication)
    horizon = float(scenario.horizon_days)
    draws = draw_orders(inputs, params, horizon, streams)
    flow = run_order_flow(inputs, params, scenario, draws)
    n = len(flow.placed)
    if scenario.credit.e_invoice:
        delay = np.full(n, scenario.assumptions.e_invoice_delay_days)
    else:
        delay = np.asarray(params.invoice_delay_days.sample(streams["invoice"], n))
    u_pay = streams["payment"].random((DRAWS_PER_INVOICE, n))
    billed = ~flow.prepaid
    common = dict(customer_type=inputs.customer_type, customer_id=inputs.customer_id,
                  credit_tier=inputs.credit_tier, epoch=inputs.epoch, params=params,
                  scenario=scenario)
    simulated = collect(flow.customer[billed], flow.amount[billed],
                        np.floor(flow.shipped[billed] + delay[billed]), u=u_pay[:, billed],
                        **common)
    u_open = streams["opening"].random((DRAWS_PER_INVOICE, len(inputs.opening_amount)))
    open_billed = ~((inputs.credit_tier[inputs.opening_customer] == "risk")
                    & (scenario.credit.risk_terms == "cash_before_delivery"))
    opening = collect(inputs.opening_customer[open_billed], inputs.opening_amount[open_billed],
                      inputs.opening_invoice_day[open_billed], u=u_open[:, open_billed], **common)
    epoch_day = np.datetime64(inputs.epoch.date(), "D")
    ledger = _ledger([opening, simulated], epoch_day)
    window = Window(inputs.epoch + pd.Timedelta(days=scenario.warmup_days),
                    inputs.epoch + pd.Timedelta(days=scenario.horizon_days - 1))
    orders = _orders_frame(flow, inputs, horizon)
    measured = orders[window.contains(orders["placed_at"])]
    invoice_customer = np.concatenate([opening.customer, simulated.customer])

    def kpis(order_rows: pd.DataFrame, part: Ledger) -> dict[str, float]:
        out = order_kpis(order_rows, order_rows["remote"], window.end)
        out.update(ledger_kpis(part, window))
        return out

    def grouped(values: np.ndarray, order_col: str, name: str) -> pd.DataFrame:
        rows = []
        for value in sorted(set(values)):
            part = ledger.subset(values[invoice_customer] == value)
            rows.append({name: value, **kpis(measured[measured[order_col] == value], part)})
        return pd.DataFrame(rows)

    overall = kpis(measured, ledger)
    stages = stage_statistics(flow.log.frame(), flow.servers, float(scenario.warmup_days),
                              horizon)
    return ReplicationResult(replication, overall, grouped(inputs.region, "region", "region"),
                             grouped(inputs.tier, "tier", "tier"), stages)


__all__ = ["KPI_NAMES", "ReplicationResult", "run_replication", "replication_streams"]
