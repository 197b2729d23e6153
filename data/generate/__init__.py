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
``master_data`` (customers, reps, doctors, products, sites), ``order_flow`` (orders, lines
and their hand-off times), ``ledger`` (invoices and payments); this module runs them in order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from data.generate import ledger, master_data, order_flow
from data.generate.parameters import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    PROFILES,
    STREAMS,
    ProcessTruth,
    Profile,
)
from data.geography import load_districts
from data.tables import REGIONS

__all__ = [
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "PROFILES",
    "STREAMS",
    "ProcessTruth",
    "Profile",
    "generate_dataset",
    "generate_to_folder",
]
# the customers stage under its former private name (tests/test_calibrate.py uses it)
_customers = master_data.customers_and_quality


def generate_dataset(profile: str | Profile = "national", seed: int = DEFAULT_SEED,
                     as_of: str = "2026-09-30",
                     truth: ProcessTruth | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Build all tables for ``profile``; returns ``(tables, meta)``. Pure: same seed, same data."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    if prof.reps < len(REGIONS) or prof.products < 4 or prof.customers < 1:
        raise ValueError(f"profile {prof.name!r} needs >= {len(REGIONS)} reps (one per region), "
                         f">= 4 products (one per therapy area) and >= 1 customer; got {prof}")
    truth = truth or ProcessTruth()
    rngs = dict(zip(STREAMS, (np.random.default_rng(s)
                              for s in np.random.SeedSequence(seed).spawn(len(STREAMS))),
                    strict=True))
    end = pd.Timestamp(as_of)
    epoch = end - pd.Timedelta(days=prof.history_days - 1)
    geo = load_districts()
    customers, quality = master_data.customers_and_quality(prof, geo, epoch, rngs["customers"])
    reps = master_data.reps(prof, geo, customers, rngs["reps"])
    customers["rep_id"] = master_data.customer_reps(customers, reps)
    doctors = master_data.doctors(customers, rngs["doctors"])
    products = master_data.products(prof, rngs["products"])
    sites = master_data.sites(geo, rngs["sites"])
    orders, lines = order_flow.orders_and_lines(prof, customers, products, epoch,
                                                rngs["arrivals"], rngs["lines"])
    orders = order_flow.orders_with_handoff_times(orders, customers, sites, epoch, end, truth,
                                                  rngs)
    invoices, payments = ledger.invoices_and_payments(orders, lines, customers, quality, epoch,
                                                      end, truth, rngs["payments"])
    orders = order_flow.orders_known_at_end(orders, epoch, end)
    tables = {"customers": customers, "doctors": doctors, "reps": reps, "products": products,
              "sites": sites, "orders": orders, "order_lines": lines, "invoices": invoices,
              "payments": payments}
    meta = {"profile": prof.name, "seed": seed, "as_of": end.strftime("%Y-%m-%d"),
            "history_start": epoch.strftime("%Y-%m-%d"), "generator_version": GENERATOR_VERSION,
            "process_truth": dataclasses.asdict(truth)}
    return tables, meta


def generate_to_folder(profile: str | Profile, seed: int, out_dir: str | Path) -> Path:
    """Generate ``profile`` with ``seed`` and write it atomically to ``out_dir``."""
    from data.dataset import write_dataset

    tables, meta = generate_dataset(profile, seed)
    return write_dataset(tables, out_dir, meta)
