"""The transit-days rule: road distance, carrier speed and last mile, in one place.

Used by the location model (delivery days from each candidate site), the simulated order flow
(each shipment's transit) and the forward stock plan (replenishment lead times from a central
DC), so the three agree by construction. The parameters are estimated from a data set's history
by :mod:`simulation.calibrate` (docs/calibration.md).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class TransitParams(BaseModel):
    """Transit of one carrier: ``days = (base + road_km / km_per_day + last mile) × noise``
    plus, with ``incident_probability``, ``U(1, incident_max_days)`` extra days; road km =
    great-circle km × ``detour_factor``. Delivery lands in receiving hours (working calendar).
    History identifies only ``base_days + last_mile_days`` and ``km_per_day`` for a fixed
    ``detour_factor`` (docs/calibration.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    base_days: float = Field(ge=0, le=30)
    km_per_day: float = Field(ge=10, le=5000)
    last_mile_days: float = Field(ge=0, le=30)
    remote_last_mile_days: float = Field(ge=0, le=30)
    noise_sigma: float = Field(ge=0, le=3)
    incident_probability: float = Field(ge=0, le=1)
    incident_max_days: float = Field(ge=1, le=60)
    detour_factor: float = Field(ge=1, le=3)


def road_km(great_circle_km: np.ndarray | float, transit: TransitParams) -> np.ndarray | float:
    """Road km from great-circle km (× the detour factor)."""
    return great_circle_km * transit.detour_factor


def mean_transit_days(road: np.ndarray | float, transit: TransitParams, *,
                      remote: np.ndarray | bool | None = None, km_per_day: float | None = None,
                      handling_days: float = 0.0) -> np.ndarray | float:
    """Transit days before noise and incidents: ``handling + base + road / speed + last mile``.

    ``remote`` chooses the remote or the ordinary last mile per destination; ``None`` is a
    trunk run between warehouses (no last mile). ``km_per_day`` overrides the carrier's speed
    (e.g. a faster partner); ``handling_days`` is added in front (an order handled at a DC
    before it leaves).
    """
    speed = transit.km_per_day if km_per_day is None else km_per_day
    days = handling_days + transit.base_days + road / speed
    if remote is None:
        return days
    return days + np.where(remote, transit.remote_last_mile_days, transit.last_mile_days)
