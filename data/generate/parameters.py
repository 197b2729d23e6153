"""What the generator is given: data-set sizes (profiles), today's process (``ProcessTruth``,
written to ``dataset.json`` as the hidden truth a calibration must recover), the shape of the
market, and the random streams, one per source of randomness."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

GENERATOR_VERSION = "1"


@dataclass(frozen=True)
class Profile:
    """Size of a generated data set."""

    name: str
    customers: int
    reps: int
    products: int
    history_days: int = 730


PROFILES: dict[str, Profile] = {
    "small": Profile("small", customers=300, reps=8, products=12),
    "national": Profile("national", customers=8000, reps=150, products=40),
    "large": Profile("large", customers=80000, reps=1500, products=40),
}
DEFAULT_SEED = 20261


@dataclass(frozen=True)
class ProcessTruth:
    """Parameters of today's process used by the generator (days unless stated)."""

    channel_shares: dict[str, float] = field(
        default_factory=lambda: {"phone": 0.50, "wechat": 0.42, "app": 0.08})
    # office stages take working hours (Mon-Fri 09:00-18:00), see data.calendar
    entry_median_hours: float = 4.0          # rep keys in after the field day, lognormal
    entry_sigma: float = 0.7
    app_entry_minutes: float = 5.0
    clerk_mean_hours: float = 3.0            # gamma, shape 2
    approval_mean_hours: float = 4.0         # gamma, shape 1.5
    oversell_probability: float = 0.08       # daily batch stock sync
    replenishment_mean_days: float = 3.5     # calendar days, gamma, shape 3
    pick_mean_hours: float = 2.5             # gamma, shape 2
    carrier_cutoff_hour: float = 16.0
    detour_factor: float = 1.3               # road km / great-circle km
    trunk_km_per_day: float = 900.0
    handover_days: float = 0.3
    last_mile_days: float = 0.4
    remote_last_mile_days: float = 1.0
    transit_sigma: float = 0.30              # multiplicative lognormal noise
    incident_probability: float = 0.05       # lost in hub, vehicle trouble
    incident_max_days: float = 4.0           # uniform 1..max extra days
    promise_days: int = 7
    promise_days_remote: int = 10
    error_probability: float = 0.015         # wrong or damaged delivery
    complaint_if_late: float = 0.30
    complaint_if_error: float = 0.90
    complaint_no_visibility: float = 0.030   # untracked orders
    invoice_delay_mean_days: float = 2.5     # paper invoice, gamma shape 2
    settlement_days_after_month_end: int = 30
    lateness_mean_days: dict[str, float] = field(default_factory=lambda: {
        "hospital_3a": 26.0, "hospital_3": 24.0, "hospital_2": 20.0, "community_clinic": 14.0,
        "chain_pharmacy": 5.0, "single_pharmacy": 10.0, "distributor": 12.0})
    lateness_quality_effect: float = 0.35    # mean x exp(-effect * quality)
    lateness_shape: float = 1.5
    early_payment_days: float = 3.0
    reminder_first_days: float = 15.0        # after due date, then every 30 days
    reminder_interval_days: float = 30.0
    reminder_sent_probability: float = 0.6   # manual reminders get forgotten
    reminder_effect: float = 0.5             # remaining lateness kept after a reminder
    default_logit_intercept: float = -4.3
    default_logit_quality: float = -1.1
    default_type_offset: dict[str, float] = field(default_factory=lambda: {
        "hospital_3a": -1.2, "hospital_3": -1.0, "hospital_2": -0.4, "community_clinic": 0.2,
        "chain_pharmacy": 0.0, "single_pharmacy": 0.9, "distributor": 0.5})
    default_partial_probability: float = 0.3
    split_payment_probability: float = 0.15
    write_off_days_after_due: int = 180


# per customer type: share of accounts, median annual potential (CNY), order value (CNY),
# doctors per account
TYPE_MIX = {
    "hospital_3a": (0.04, 3.0e6, 40000, 12), "hospital_3": (0.06, 1.5e6, 25000, 8),
    "hospital_2": (0.15, 6.0e5, 12000, 5), "community_clinic": (0.25, 8.0e4, 3000, 2),
    "chain_pharmacy": (0.22, 4.0e5, 15000, 0), "single_pharmacy": (0.23, 6.0e4, 2500, 0),
    "distributor": (0.05, 5.0e6, 120000, 0),
}
REGION_WEIGHT = {"East": 0.32, "South": 0.14, "North": 0.14, "Central": 0.14,
                 "Southwest": 0.12, "Northwest": 0.06, "Northeast": 0.08}
# seasonality by calendar month (Spring Festival dip, year-end push)
MONTH_FACTOR = np.array([1.05, 0.75, 1.05, 1.0, 1.0, 1.0, 0.95, 0.95, 1.0, 0.95, 1.05, 1.25])
AREA_PREFERENCE = {  # therapy-area weights in chronic, oncology, acute_anti_infective, otc order
    "hospital": (0.35, 0.30, 0.30, 0.05), "community_clinic": (0.50, 0.02, 0.30, 0.18),
    "pharmacy": (0.45, 0.05, 0.15, 0.35), "distributor": (0.35, 0.20, 0.25, 0.20),
}
PRICE_RANGE = {"chronic": (30, 150), "oncology": (800, 3000), "acute_anti_infective": (20, 200),
               "otc": (10, 40)}
CENTRAL_DC_CITIES = ("310000", "420100")  # Shanghai, Wuhan
STREAMS = ("customers", "doctors", "reps", "products", "sites", "arrivals", "lines", "process",
           "transit", "complaints", "payments")
