"""Deterministic generator of a realistic data set for the company.

Customers are placed in real Chinese districts (``data/geo``); orders flow through today's
manual process (rep keys in phone/WeChat orders, office clerk, manual approval, daily stock
sync with overselling, picking and a 16:00 carrier cut-off, third-party transit by road
distance) and invoices are paid by behaviours that depend on each customer's hidden credit
quality, with manual reminders that are sometimes forgotten and a write-off rule. The
baseline KPIs of DOMAIN.md are *consequences* of these mechanisms and of the parameters in
:class:`ProcessTruth`, which is stored in ``dataset.json`` as the hidden truth a calibration
must recover. Every draw comes from one ``numpy.random.Generator`` stream per source.

One module per stage: ``parameters`` (profiles, ``ProcessTruth``, the market, the streams),
``master_data`` (accounts invoiced, reps, doctors, products, sites), ``channel`` (terminals,
their distributors and demand, distributors' replenishment orders, flow data and stock
reports), ``visits`` (today's call plan, the calls made and the hidden response of sales to
them), ``order_flow`` (direct orders, lines and every order's hand-off times), ``ledger``
(invoices and payments), ``expenses`` (selling expenses by month, region and category); this
module runs them in order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from data.generate import channel, expenses, ledger, master_data, order_flow, visits
from data.generate.parameters import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    PROFILES,
    STREAMS,
    ProcessTruth,
    Profile,
)
from data.geography import load_districts
from data.tables import DISTRIBUTOR_TYPES, REGIONS

__all__ = [
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "PROFILES",
    "STREAMS",
    "ProcessTruth",
    "Profile",
    "generate_dataset",
    "generate_to_folder",
    "hidden_call_truth",
    "hidden_payment_truth",
]
@dataclasses.dataclass(frozen=True)
class _Market:
    customers: pd.DataFrame
    terminals: pd.DataFrame
    products: pd.DataFrame
    sites: pd.DataFrame
    reps: pd.DataFrame
    accounts: pd.DataFrame      # accounts reps call on (terminals, then direct accounts)
    supplier: np.ndarray        # each terminal's distributor (customer row index)
    quality: np.ndarray         # each customer's hidden credit quality
    terminal_days: np.ndarray   # each customer's terminals' sales-weighted payment days
    prospect: np.ndarray        # terminals that do not buy our products at the start


def _call_accounts(customers: pd.DataFrame, terminals: pd.DataFrame,
                   c_affinity: np.ndarray, t_affinity: np.ndarray) -> pd.DataFrame:
    """The accounts reps call on: every terminal, then every account sold to direct."""
    direct = np.flatnonzero(~customers["customer_type"].isin(DISTRIBUTOR_TYPES).to_numpy())
    return pd.DataFrame({
        "account_id": np.concatenate([terminals["terminal_id"].to_numpy(),
                                      customers["customer_id"].to_numpy()[direct]]),
        "account_type": np.concatenate([terminals["terminal_type"].to_numpy(),
                                        customers["customer_type"].to_numpy()[direct]]),
        "region": np.concatenate([terminals["region"].to_numpy(),
                                  customers["region"].to_numpy()[direct]]),
        "potential": np.concatenate([terminals["annual_potential_cny"].to_numpy(),
                                     customers["annual_potential_cny"].to_numpy()[direct]]),
        "affinity": np.concatenate([t_affinity, c_affinity[direct]]),
        "terminal_row": np.concatenate([np.arange(len(terminals)),
                                        np.full(len(direct), -1)]),
        "customer_row": np.concatenate([np.full(len(terminals), -1), direct]),
    })


def _market(prof: Profile, geo: pd.DataFrame, epoch: pd.Timestamp, truth: ProcessTruth,
            rngs: dict[str, np.random.Generator]) -> _Market:
    """Accounts, terminals, products, sites, reps and today's call plan; each account's sales
    follow from its potential, affinity and planned calls, a distributor's from its
    terminals'."""
    customers, quality, c_aff = master_data.customers_and_quality(prof, geo, epoch,
                                                                   rngs["customers"])
    products = master_data.products(prof, rngs["products"])
    sites = master_data.sites(geo, rngs["sites"])
    # the channel: terminals and their distributor
    crng = rngs["channel"]
    terminals, terminal_days, t_aff = channel.terminals(prof, geo, truth, rngs["terminals"])
    supplier = channel.supplying_distributors(terminals, customers, crng)
    terminals["distributor_id"] = customers["customer_id"].to_numpy()[supplier]
    # reps by region in proportion to the sales they would make with time for every call
    accounts = _call_accounts(customers, terminals, c_aff, t_aff)
    prng = rngs["prospects"]
    prospect = prng.random(len(terminals)) < terminals["terminal_type"].map(
        truth.prospect_share).fillna(0.0).to_numpy()
    accounts["prospect"] = np.concatenate([prospect, np.zeros(len(accounts) - len(prospect),
                                                                bool)])
    types, potential = accounts["account_type"].to_numpy(), accounts["potential"].to_numpy()
    params = visits.curve_params(types, truth)
    desired = visits.desired_calls(types, potential, truth, rngs["visits"])
    desired = np.where(accounts["prospect"], visits.prospect_calls(
        accounts["prospect"].to_numpy(), truth, prng), desired)
    provisional = (potential * visits.response_share(desired, params) * accounts["affinity"]
                   * ~accounts["prospect"])
    reps = master_data.reps(prof, geo, provisional.groupby(accounts["region"]).sum(),
                            rngs["reps"])
    customers["rep_id"] = master_data.customer_reps(customers, reps)
    terminals["rep_id"] = master_data.customer_reps(terminals, reps)
    direct = accounts["customer_row"].to_numpy()[len(terminals):]
    accounts["rep_id"] = np.concatenate([terminals["rep_id"].to_numpy(),
                                         customers["rep_id"].to_numpy()[direct]])
    rep_index = pd.Index(reps["rep_id"]).get_indexer(accounts["rep_id"])
    accounts["planned_calls"] = visits.planned_calls(desired, rep_index,
                                                     visits.call_capacity(reps))
    sales = (potential * visits.response_share(accounts["planned_calls"].to_numpy(), params)
             * accounts["affinity"].to_numpy()).round(2)
    terminals["annual_sales_cny"] = sales[:len(terminals)]
    customers.loc[direct, "annual_sales_cny"] = sales[len(terminals):]
    # a distributor's sales and payment days are its customers' at the start
    t_sales = terminals["annual_sales_cny"].to_numpy() * ~prospect
    by_dist = np.bincount(supplier, t_sales, minlength=len(customers))
    dist_potential = np.bincount(supplier, terminals["annual_potential_cny"] * ~prospect,
                                 minlength=len(customers))
    distributor = customers["customer_type"].isin(DISTRIBUTOR_TYPES).to_numpy()
    customers.loc[distributor, "annual_sales_cny"] = by_dist[distributor].round(2)
    customers.loc[distributor, "annual_potential_cny"] = dist_potential[distributor].round(2)
    terminal_days = (np.bincount(supplier, t_sales * terminal_days, minlength=len(customers))
                     / np.where(by_dist > 0, by_dist, 1))
    return _Market(customers, terminals, products, sites, reps, accounts, supplier, quality,
                   terminal_days, prospect)


def hidden_payment_truth(profile: str | Profile = "national", seed: int = DEFAULT_SEED,
                         as_of: str = "2026-09-30",
                         truth: ProcessTruth | None = None) -> pd.DataFrame:
    """What the generator knows and the data do not show, per customer: hidden credit
    ``quality``, ``passed_on_days``, the lateness a distributor passes on from its terminals,
    and its default events by ``as_of``: how many (``default_events``), the last one's
    ``default_date`` and ``stopped_paying``, the day it stopped paying before it (NaT for an
    account without one). For tests that check a calibration or a score against the truth."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    truth = truth or ProcessTruth()
    end = pd.Timestamp(as_of)
    epoch = end - pd.Timedelta(days=prof.history_days - 1)
    rngs = _streams(seed)
    market = _market(prof, load_districts(), epoch, truth, rngs)
    passed = ledger.passed_on_lateness(market.terminal_days, ledger.term_days(truth),
                                       ledger.pass_through_shares(market.customers, truth))
    # the ledger draws the default events first from its stream
    account, day, stop = ledger.account_default_events(
        market.customers, market.quality, (end - epoch).days, truth, rngs["payments"])
    n = len(market.customers)
    last = np.full(n, np.nan)
    last_stop = np.full(n, np.nan)
    last[account], last_stop[account] = day, stop  # sorted by day: the last one stays
    return pd.DataFrame({
        "quality": market.quality, "passed_on_days": passed,
        "default_events": np.bincount(account, minlength=n),
        "default_date": epoch + pd.to_timedelta(last, unit="D"),
        "stopped_paying": epoch + pd.to_timedelta(last_stop, unit="D"),
    }, index=market.customers["customer_id"].to_numpy())


def hidden_call_truth(profile: str | Profile = "national", seed: int = DEFAULT_SEED,
                      as_of: str = "2026-09-30",
                      truth: ProcessTruth | None = None) -> pd.DataFrame:
    """What the generator knows of the calls and the data do not show, per account reps call
    on (terminals, then accounts sold to direct; index ``account_id``): its type, hidden
    ``affinity`` and today's ``planned_calls`` a month; with ``truth.call_response`` its sales
    at x calls are potential × affinity × that type's curve. For tests of the response
    estimates and the call plan."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    truth = truth or ProcessTruth()
    epoch = pd.Timestamp(as_of) - pd.Timedelta(days=prof.history_days - 1)
    acc = _market(prof, load_districts(), epoch, truth, _streams(seed)).accounts
    return acc.set_index("account_id")[["account_type", "potential", "affinity",
                                        "planned_calls"]]


def _prospects_apart(terminals: pd.DataFrame, doctors: pd.DataFrame, visit_rows: pd.DataFrame,
                     won: np.ndarray, prospect: np.ndarray, months: pd.DataFrame
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Terminals with the day a prospect won during the history first bought (``won_date``,
    empty for customers from before), and the prospects still not won in a table of their
    own (their doctors are not known: the CRM records doctors of customers)."""
    starts = np.array([p.start_time for p in months["period"]], dtype="datetime64[ns]")
    terminals = terminals.copy()
    terminals["won_date"] = pd.Series(np.where(prospect & (won >= 0),
                                               starts[np.maximum(won, 0)],
                                               np.datetime64("NaT", "ns")),
                                      index=terminals.index)
    open_ = prospect & (won < 0)
    prospects = (terminals[open_].drop(columns=["annual_sales_cny", "won_date"])
                 .rename(columns={"terminal_id": "prospect_id"}).reset_index(drop=True))
    terminals = terminals[~open_].reset_index(drop=True)
    doctors = doctors[doctors["terminal_id"].isin(terminals["terminal_id"])].reset_index(
        drop=True)
    visit_rows = visit_rows.copy()
    visit_rows["doctor_id"] = visit_rows["doctor_id"].where(
        visit_rows["doctor_id"].isin(doctors["doctor_id"]), None)
    return terminals, prospects, doctors, visit_rows


def _streams(seed: int) -> dict[str, np.random.Generator]:
    return dict(zip(STREAMS, (np.random.default_rng(s)
                              for s in np.random.SeedSequence(seed).spawn(len(STREAMS))),
                    strict=True))


def generate_dataset(profile: str | Profile = "national", seed: int = DEFAULT_SEED,
                     as_of: str = "2026-09-30",
                     truth: ProcessTruth | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Build all tables for ``profile``; returns ``(tables, meta)``. Pure: same seed, same data."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    if prof.reps < len(REGIONS) or prof.products < 4 or prof.customers < 1:
        raise ValueError(f"profile {prof.name!r} needs >= {len(REGIONS)} reps (one per region), "
                         f">= 4 products (one per therapy area) and >= 1 customer; got {prof}")
    truth = truth or ProcessTruth()
    rngs = _streams(seed)
    end = pd.Timestamp(as_of)
    epoch = end - pd.Timedelta(days=prof.history_days - 1)
    geo = load_districts()
    market = _market(prof, geo, epoch, truth, rngs)
    customers, terminals, products, sites, reps = (market.customers, market.terminals,
                                                   market.products, market.sites, market.reps)
    supplier, quality, crng = market.supplier, market.quality, rngs["channel"]
    doctors = master_data.doctors(terminals, rngs["doctors"])
    months = channel.months_of(epoch, prof.history_days)
    # the calls made month by month and what they did to each account's sales
    acc = market.accounts
    params = visits.curve_params(acc["account_type"].to_numpy(), truth)
    calls = visits.monthly_calls(acc["planned_calls"].to_numpy(),
                                 pd.Index(reps["rep_id"]).get_indexer(acc["rep_id"]), len(reps),
                                 months, truth, rngs["visits"])
    lift = visits.sales_lift(calls, acc["planned_calls"].to_numpy(), params)
    meetings = visits.meeting_months(acc["account_type"].to_numpy(), len(months), truth,
                                     rngs["meetings"])
    lift *= visits.meeting_lift(meetings["academic_meeting"], truth)
    # a prospect buys nothing until the month it is won
    won = visits.won_months(calls, acc["prospect"].to_numpy(), truth, rngs["prospects"])
    month = np.arange(lift.shape[1])
    lift[acc["prospect"].to_numpy()[:, None]
         & ((won[:, None] < 0) | (month[None, :] < won[:, None]))] = 0.0
    c_lift = np.ones((len(customers), len(months)))
    c_lift[acc["customer_row"].to_numpy()[len(terminals):]] = lift[len(terminals):]
    pairs = channel.terminal_products(terminals, products, crng)
    expected, demand = channel.terminal_demand(pairs, terminals, products, months, truth, crng,
                                               lift=lift[:len(terminals)])
    d_orders, d_lines, groups = channel.distributor_orders(
        customers, supplier, pairs, expected, demand, months, products, truth, crng)
    orders, lines = order_flow.numbered(
        [order_flow.direct_orders(prof, customers, products, epoch, rngs["arrivals"],
                                  rngs["lines"], lift=c_lift), (d_orders, d_lines)], products)
    orders = order_flow.orders_with_handoff_times(orders, customers, sites, epoch, end, truth,
                                                  rngs)
    invoices, payments = ledger.invoices_and_payments(orders, lines, customers, quality,
                                                      market.terminal_days, epoch, end, truth,
                                                      rngs["payments"])
    flows, stock_reports = channel.flows_and_stock(
        orders, lines, groups, pairs, demand, months, prof.history_days, customers, terminals,
        products, epoch, truth, rngs["reports"])
    orders = order_flow.orders_known_at_end(orders, epoch, end)
    visit_rows = visits.visits_table(
        acc, calls, meetings, months, epoch, end,
        doctors.assign(terminal_row=pd.Index(terminals["terminal_id"]).get_indexer(
            doctors["terminal_id"])), reps, rngs["visits"])
    terminals, prospects, doctors, visit_rows = _prospects_apart(
        terminals, doctors, visit_rows, won[:len(terminals)], market.prospect, months)
    flows = flows[flows["terminal_id"].isin(terminals["terminal_id"])].reset_index(drop=True)
    lines = lines[["order_id", "line_no", "product_id", "quantity", "amount_cny"]]
    selling = expenses.selling_expenses(reps, visit_rows, invoices, customers, epoch, end, truth,
                                        rngs["expenses"])
    tables = {"customers": customers, "terminals": terminals, "prospects": prospects,
              "doctors": doctors, "reps": reps,
              "products": products, "sites": sites, "orders": orders, "order_lines": lines,
              "invoices": invoices, "payments": payments, "flows": flows,
              "stock_reports": stock_reports, "visits": visit_rows,
              "selling_expenses": selling}
    meta = {"profile": prof.name, "seed": seed, "as_of": end.strftime("%Y-%m-%d"),
            "history_start": epoch.strftime("%Y-%m-%d"), "generator_version": GENERATOR_VERSION,
            "process_truth": dataclasses.asdict(truth)}
    return tables, meta


def generate_to_folder(profile: str | Profile, seed: int, out_dir: str | Path) -> Path:
    """Generate ``profile`` with ``seed`` and write it atomically to ``out_dir``."""
    from data.dataset_writer import write_dataset

    tables, meta = generate_dataset(profile, seed)
    return write_dataset(tables, out_dir, meta)
