"""Estimate today's order-to-cash process (:class:`ProcessParams`) from a data set's history.

Only the recorded history is used: order timestamps, customers, sites, invoices and payments.
Nothing generator-specific (ids, ``dataset.json`` extras) is read, so a user's own data gives
the user's baseline. Methods, formulas and the reasons for them are in ``docs/calibration.md``.

Conventions: times are float days since the first order day (``epoch``); office stages are
measured in working hours with :func:`data.calendar.working_hours_between`; the history is
right-censored at the end of the ``as_of`` day (``horizon``), so every duration is estimated
only on records whose start is old enough for the slowest observed case to have finished.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.tables import CHANNELS
from simulation.calibration.collection_fit import fit_invoice_delay, fit_payment
from simulation.calibration.fitting import (
    DAY,
    fit_gamma_mle,
    fit_gamma_moments,
    fit_lognormal,
    most_common,
    need_records,
    to_days,
    uncensored,
    working_hours,
)
from simulation.calibration.order_stages import (
    fit_carrier_cutoff,
    fit_complaints,
    fit_replenishment,
)
from simulation.calibration.transit_fit import (
    DETOUR_FACTOR,  # noqa: F401 (re-exported: the detour factor calibration assumes)
    fit_transit,
)
from simulation.params import Dist, ProcessParams


def calibration_source(dataset: Dataset) -> str:
    """Where calibrated figures came from: the data set's folder and short fingerprint."""
    return f"{dataset.path or '<in memory>'} ({dataset.fingerprint[:12]})"


def calibrate(dataset: Dataset) -> ProcessParams:
    """Today's process estimated from ``dataset``'s history (never from its ``meta``)."""
    orders = dataset["orders"]
    need_records(len(orders), "orders")
    epoch = pd.Timestamp(orders["placed_at"].min()).normalize()
    horizon = float((dataset.as_of.normalize() - epoch) / DAY) + 1.0  # end of the as-of day
    t = {s: to_days(orders[f"{s}_at"], epoch)
         for s in ("placed", "entered", "approved", "picked", "shipped", "delivered")}
    channel = orders["channel"].to_numpy(dtype=object)
    backordered = orders["backordered"].to_numpy(dtype=bool)

    counts = pd.Series(channel).value_counts()
    shares = {c: float(counts.get(c, 0)) / len(orders) for c in CHANNELS}

    manual = uncensored(t["placed"], t["entered"], horizon) & (channel != "app")
    entry = fit_lognormal(working_hours(t["placed"], t["entered"], epoch, manual,
                                  "entered phone/WeChat orders"))
    app = uncensored(t["placed"], t["entered"], horizon) & (channel == "app")
    app_hours = (t["entered"][app] - t["placed"][app]) * 24.0
    app_entry = Dist(kind="deterministic", mean=float(app_hours.mean()) if app.any() else 0.0)

    office = fit_gamma_moments(working_hours(t["entered"], t["approved"], epoch,
                                       uncensored(t["entered"], t["approved"], horizon),
                                       "approved orders"))
    picked_ok = uncensored(t["approved"], t["picked"], horizon)
    pick = fit_gamma_mle(working_hours(t["approved"], t["picked"], epoch, picked_ok & ~backordered,
                                 "picked orders that were in stock"))
    replenish = fit_replenishment(t["approved"][picked_ok & backordered],
                                   t["picked"][picked_ok & backordered], pick, epoch)

    customers = dataset["customers"].set_index("customer_id")
    remote = orders["customer_id"].map(customers["remote"]).to_numpy(dtype=bool)
    promised = to_days(orders["promised_date"], epoch)
    lead = promised - np.floor(t["placed"])
    promise = most_common(lead[~remote]) if (~remote).any() else most_common(lead)
    promise_remote = most_common(lead[remote]) if remote.any() else promise

    return ProcessParams(
        source=calibration_source(dataset),
        channel_shares=shares,
        entry_hours=entry,
        app_entry_hours=app_entry,
        office_hours=office,
        oversell_probability=float(backordered.mean()),
        replenishment_days=replenish,
        pick_hours=pick,
        carrier_cutoff_hour=fit_carrier_cutoff(t["picked"], t["shipped"]),
        transit=fit_transit(orders, customers, dataset["sites"], t, remote, epoch, horizon),
        promise_days=int(promise),
        promise_days_remote=int(promise_remote),
        **fit_complaints(orders, t["delivered"], promised),
        invoice_delay_days=fit_invoice_delay(orders, dataset["invoices"], t["shipped"], epoch,
                                              horizon),
        payment=fit_payment(dataset["invoices"], dataset["payments"], customers,
                             dataset.as_of.normalize()),
    )
