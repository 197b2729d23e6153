"""Outside drivers of the channel's payment: what the medical-insurance funds' direct
settlement and the 2025 rule on paying small and medium suppliers change in each
distributor's lateness to the company (the mechanism: :mod:`models.pass_through`).

The pass-through share φ per distributor level is estimated here from today's calibrated
lateness (the type's mean × the account's factor) against each distributor's exposure to its
customers' delay (flow data × the stated payment days), so the effect of a driver follows
from the history and the stated assumptions, not from a figure written in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.dataset import Dataset
from models.pass_through import (
    PassThrough,
    customers_days,
    exposure,
    exposure_x,
    fit_pass_through,
    lateness_change,
    public_days_under_drivers,
    size_weight,
    term_days,
)
from scenarios.schema import Scenario
from simulation.inputs import SimulationInputs
from simulation.params import ProcessParams

#: the level the 2025 rule protects (small and medium enterprises): level-2 distributors
SME_LEVELS = ("distributor_l2",)


def _term(params: ProcessParams) -> float:
    return term_days(params.payment.settlement_days_after_month_end)


def _exposure_today(dataset: Dataset, params: ProcessParams,
                    scenario: Scenario) -> pd.DataFrame:
    """Each distributor's exposure today (:func:`models.pass_through.exposure`) with its size
    ``weight`` and ``x`` (against our term under today's calibrated settlement)."""
    a = scenario.assumptions
    frame = exposure(dataset["customers"], dataset["terminals"], dataset["flows"],
                     dataset.as_of)
    frame["weight"] = size_weight(frame["level"].to_numpy(), frame["sales_cny"].to_numpy(),
                                  a.pass_through_size_elasticity)
    frame["x"] = exposure_x(customers_days(frame["public_share"].to_numpy(),
                                           a.public_terminal_payment_days,
                                           a.other_terminal_payment_days),
                            frame["weight"].to_numpy(), _term(params))
    return frame


def estimate_pass_through(dataset: Dataset, params: ProcessParams, scenario: Scenario,
                          frame: pd.DataFrame | None = None) -> PassThrough:
    """φ per distributor level from today's calibrated lateness of each distributor
    (``frame``: :func:`_exposure_today`, computed when not given)."""
    frame = _exposure_today(dataset, params, scenario) if frame is None else frame
    pay = params.payment
    mean = frame["level"].map(pay.lateness_mean_days).to_numpy(dtype=float)
    factor = pd.Series(frame.index).map(pay.customer_lateness_factor).fillna(1.0).to_numpy()
    known = frame.index.isin(list(pay.customer_lateness_factor)) & np.isfinite(mean)
    return fit_pass_through(frame["level"].to_numpy()[known], (mean * factor)[known],
                            frame["x"].to_numpy()[known])


def drivers_on(scenario: Scenario) -> bool:
    return scenario.channel.insurance_direct_settlement or scenario.channel.sme_payment_rule


def lateness_change_days(dataset: Dataset, params: ProcessParams, inputs: SimulationInputs,
                         scenario: Scenario) -> np.ndarray | None:
    """Per account in the inputs' order: the change in mean lateness (days) the scenario's
    outside drivers bring (0 for accounts sold to direct); None when no driver is on."""
    if not drivers_on(scenario):
        return None
    a, lev = scenario.assumptions, scenario.channel
    frame = _exposure_today(dataset, params, scenario)
    fit = estimate_pass_through(dataset, params, scenario, frame)
    large, sme = public_days_under_drivers(
        a.public_terminal_payment_days,
        insured_share=a.insured_share_of_public_sales if lev.insurance_direct_settlement
        else 0.0,
        insurance_days=a.insurance_settlement_days,
        sme_compliance=a.sme_rule_compliance if lev.sme_payment_rule else 0.0,
        sme_max_days=a.sme_rule_max_days)
    public_new = np.where(frame["level"].isin(SME_LEVELS), sme, large)
    x_new = exposure_x(customers_days(frame["public_share"].to_numpy(), public_new,
                                      a.other_terminal_payment_days),
                       frame["weight"].to_numpy(), _term(params))
    phi = frame["level"].map(fit.phi).fillna(0.0).to_numpy()
    change = pd.Series(lateness_change(frame["x"].to_numpy(), x_new, phi), index=frame.index)
    return pd.Series(inputs.customer_id).map(change).fillna(0.0).to_numpy()
