"""Parameters of today's order-to-cash process, as the simulation consumes them.

They are estimated from a data set's own history by :mod:`simulation.calibrate` (so a user's
data gives the user's baseline) and written as JSON by ``pharmaops calibrate``. Units are in
the field names: ``*_hours`` are office working hours (Mon-Fri 09:00-18:00, see
:mod:`data.calendar`), ``*_days`` calendar days, ``*_probability`` shares in 0..1.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.transit import TransitParams

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
#: the largest duration a stage may have, in its unit (hours or days): beyond it a number is
#: a typo, and left in it would overflow the calendar arithmetic
MAX_DURATION = 10_000.0
#: per-account multipliers of a type's lateness or default probability
MAX_FACTOR = 100.0
Share = Annotated[float, Field(ge=0, le=1)]
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR)]


class Dist(BaseModel):
    """A non-negative service-time distribution.

    ``exponential(mean)``, ``gamma(mean, shape)``, ``lognormal(mean, sigma)`` (``sigma`` the
    standard deviation of the log), ``deterministic(mean)``, ``empirical(values)`` (resampled
    with replacement).
    """

    model_config = _STRICT
    kind: Literal["exponential", "gamma", "lognormal", "deterministic", "empirical"]
    mean: float | None = Field(default=None, ge=0, le=MAX_DURATION)
    shape: float | None = Field(default=None, gt=0, le=1e6)
    sigma: float | None = Field(default=None, ge=0, le=5)
    values: tuple[Annotated[float, Field(ge=0, le=MAX_DURATION)], ...] | None = Field(
        default=None, max_length=1_000_000)

    @model_validator(mode="after")
    def _complete(self) -> Dist:
        need = {"exponential": ("mean",), "gamma": ("mean", "shape"),
                "lognormal": ("mean", "sigma"), "deterministic": ("mean",),
                "empirical": ("values",)}[self.kind]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {', '.join(missing)}")
        if self.kind == "empirical" and not self.values:
            raise ValueError("an empirical distribution needs at least one value")
        return self

    @property
    def expected(self) -> float:
        """The distribution's mean."""
        if self.kind == "empirical":
            return float(np.mean(self.values))
        return float(self.mean)

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        """Draw ``size`` values (a float when ``size`` is None)."""
        if self.kind == "exponential":
            return rng.exponential(self.mean, size)
        if self.kind == "gamma":
            return rng.gamma(self.shape, self.mean / self.shape, size)
        if self.kind == "lognormal":
            if self.mean == 0:  # degenerate: no draw, so other streams are not shifted
                return np.zeros(size) if size is not None else 0.0
            return rng.lognormal(np.log(self.mean) - 0.5 * self.sigma**2, self.sigma, size)
        if self.kind == "deterministic":
            return np.full(size, self.mean) if size is not None else float(self.mean)
        return rng.choice(np.asarray(self.values, dtype=float), size)


def scaled(dist: Dist, factor: float) -> Dist:
    """``dist`` with every duration multiplied by ``factor`` (≥ 0; its shape kept)."""
    if factor < 0:
        raise ValueError(f"a duration's factor must be >= 0; got {factor}")
    if dist.kind == "empirical":
        return dist.model_copy(update={"values": tuple(v * factor for v in dist.values)})
    return dist.model_copy(update={"mean": dist.mean * factor})


class PaymentParams(BaseModel):
    """Collection today. Intended lateness (days after due, before reminders) per customer type
    is gamma(mean × customer factor, shape) minus U(0, early_payment_days); manual reminders at
    ``reminder_first_days`` after due then every ``reminder_interval_days``, each sent with
    ``reminder_sent_probability``, keep ``reminder_effect`` of the remaining delay; a default
    (probability per customer type × customer factor) is written off
    ``write_off_days_after_due`` days after due."""

    model_config = _STRICT
    settlement_days_after_month_end: int = Field(ge=0, le=365)
    lateness_mean_days: dict[str, Annotated[float, Field(gt=0, le=730)]] = Field(
        min_length=1,
        description="per customer type, mean intended lateness over its paid invoices, days "
                    "(customer factors average 1 within a type)")
    lateness_shape: float = Field(gt=0, le=1e12)
    early_payment_days: float = Field(ge=0, le=90)
    customer_lateness_factor: dict[str, Factor] = Field(
        default_factory=dict, description="per customer_id multiplier of the type's mean")
    reminder_first_days: float = Field(ge=0, le=365)
    reminder_interval_days: float = Field(gt=0, le=365)
    reminder_sent_probability: float = Field(ge=0, le=1)
    reminder_effect: float = Field(ge=0, le=1)
    default_probability: dict[str, Share]
    customer_default_factor: dict[str, Factor] = Field(default_factory=dict)
    partial_payment_share: float = Field(
        ge=0, le=1, description="mean share of a defaulted invoice paid before write-off")
    split_payment_probability: float = Field(ge=0, le=1)
    write_off_days_after_due: int = Field(ge=1, le=2000)


class ProcessParams(BaseModel):
    """Today's order-to-cash process (what ``pharmaops calibrate`` estimates)."""

    model_config = _STRICT
    source: str = Field(description="where the figures came from (data set + fingerprint)")
    channel_shares: dict[Literal["app", "phone", "wechat"], Share] = Field(
        min_length=1, description="share of orders per channel; the shares add up to 1")
    entry_hours: Dist = Field(description="rep keys in a phone/WeChat order, working hours")
    app_entry_hours: Dist
    office_hours: Dist = Field(description="clerk review + manual approval, working hours")
    oversell_probability: float = Field(ge=0, le=1, description="daily batch stock sync")
    replenishment_days: Dist
    pick_hours: Dist
    carrier_cutoff_hour: float = Field(ge=0, le=24)
    transit: TransitParams
    promise_days: int = Field(ge=0, le=90)
    promise_days_remote: int = Field(ge=0, le=90)
    complaint_if_late: float = Field(ge=0, le=1)
    complaint_error: float = Field(
        ge=0, le=1, description="share of on-time orders complained as wrong or damaged "
                                "(error rate × complaint given an error)")
    complaint_no_visibility: float = Field(ge=0, le=1)
    complaint_error_if_late: float | None = Field(
        default=None, ge=0, le=1,
        description="share of late orders without a lateness complaint that are complained "
                    "as wrong or damaged; None = complaint_error (an order draws one complaint "
                    "at most, so a late order's other reasons are measured on late orders)")
    complaint_no_visibility_if_late: float | None = Field(
        default=None, ge=0, le=1,
        description="share of late orders with neither a lateness nor an error complaint that "
                    "are complained about for lack of visibility; None = "
                    "complaint_no_visibility")
    invoice_delay_days: Dist = Field(description="paper invoice after shipping, calendar days")
    payment: PaymentParams

    @model_validator(mode="after")
    def _shares_add_up(self) -> ProcessParams:
        total = sum(self.channel_shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"channel_shares must add up to 1; they add up to {total:g}")
        return self
