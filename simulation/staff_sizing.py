"""How many clerks and pickers: staff sized so that a load keeps them a given share busy.

Today's staff are not in the data set; the scenario states how busy today's load keeps them
(``staffing_utilization``, an assumption). The office serves every order; each open site's
pickers serve the accounts assigned to it: central DCs keep today's staff (sized for the
accounts nearest to them), a forward warehouse is staffed for the load it takes.
"""

from __future__ import annotations

import math

import numpy as np

from data.calendar import CALENDAR_DAYS_PER_WORKING_HOUR
from simulation.config import NetworkPlan
from simulation.inputs import SimulationInputs


def servers(offered_working_hours_per_day: float, utilization: float) -> int:
    """Staff needed so the offered load keeps them ``utilization`` busy (calendar time)."""
    load = offered_working_hours_per_day * CALENDAR_DAYS_PER_WORKING_HOUR
    return max(1, int(math.ceil(load / utilization)))


def size_staff(inputs: SimulationInputs, network: NetworkPlan, office_work_hours: float,
               pick_work_hours: float, utilization: float,
               growth: float = 1.0) -> tuple[int, tuple[int, ...]]:
    """Office staff and pickers per site (1 at a closed site) for mean work per order of
    ``office_work_hours`` and ``pick_work_hours`` (working hours), at the history's order rate
    times ``growth``."""
    rate = inputs.orders_per_day * growth
    office = servers(float(rate.sum()) * office_work_hours, utilization)
    sites = len(inputs.site_id)
    today = np.bincount(network.central_site, weights=rate, minlength=sites)
    planned = np.bincount(network.serving_site, weights=rate, minlength=sites)
    staffed = np.where(inputs.site_central, today, planned)
    pick = tuple(servers(r * pick_work_hours, utilization) if is_open else 1
                 for r, is_open in zip(staffed, network.open_sites, strict=True))
    return office, pick
