"""Simulate a terms assignment: the terms model's answer under finance's own limits goes
through the order-to-cash simulation, which projects DSO, bad debt and what the terms cost,
with confidence intervals over replications (docs/credit.md, "Credit policy in the
scenario"). The finance page's "simulate this policy" and ``pharmaops credit policy
--simulate`` are doors onto :func:`simulate_policy`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from models.credit.terms import OPTIONS
from scenarios.credit_policy import PolicyChoice, sales_retained
from scenarios.credit_report import CreditContext, PolicyReport
from scenarios.loading import LoadedScenario
from scenarios.run import SimulationRun, prepare, simulate
from simulation.runner import Progress
from simulation.summary import summarize

#: the projected figures, in the order shown: KPI → unit
POLICY_KPIS = {"dso_days": "days", "bad_debt_rate": "share of credit sales",
               "terms_cost_cny": "CNY/year", "discount_cost_cny": "CNY/year",
               "rebate_cost_cny": "CNY/year", "sales_loss_rate": "share of orders' value",
               "financing_cost_cny": "CNY/year"}
#: the terms model's figure for each projected one (its discount cost holds the rebates too)
MODEL_KEYS = {"dso_days": "dso_days", "bad_debt_rate": "bad_debt_rate",
              "terms_cost_cny": "discount_cost_cny", "sales_loss_rate": "sales_loss_rate",
              "financing_cost_cny": "financing_cost_cny"}


def policy_scenario(loaded: LoadedScenario, report: PolicyReport) -> LoadedScenario:
    """``loaded`` with the terms model as its credit policy under the report's limits."""
    limits = report.limits
    credit = loaded.scenario.credit.model_copy(update={
        "policy": "optimize", "dso_limit_days": limits["dso_target_days"],
        "bad_debt_limit": limits["bad_debt_target"],
        "sales_loss_limit": limits["sales_loss_limit"]})
    return replace(loaded, scenario=loaded.scenario.model_copy(update={"credit": credit}))


def policy_choice(ctx: CreditContext, report: PolicyReport) -> PolicyChoice:
    """The report's assignment as the simulation's terms per account (inputs' order)."""
    sol = report.solution
    if sol.objective_cny is None or sol.assignments is None:
        raise ValueError("the terms model found no assignment to simulate")
    terms = np.asarray(OPTIONS, dtype=object)[np.asarray(sol.assignments, dtype=int)]
    return PolicyChoice(terms, sales_retained(terms, ctx.effects), report.problem, sol)


def simulate_policy(loaded: LoadedScenario, ctx: CreditContext, report: PolicyReport, *,
                    replications: int, workers: int | None = None,
                    progress: Progress | None = None) -> SimulationRun:
    """Run the scenario with the report's assignment of terms (the rest of its levers as
    they are)."""
    run_as = policy_scenario(loaded, report)
    prepared = prepare(run_as, ctx.dataset, choice=policy_choice(ctx, report))
    return simulate(run_as, prepared, replications=replications, workers=workers,
                    progress=progress)


def policy_projection(run: SimulationRun, report: PolicyReport) -> pd.DataFrame:
    """Per projected figure: the simulated mean and 95% CI over replications, and the terms
    model's expectation beside it (``terms_cost_cny`` = discounts + rebates)."""
    per_rep = run.per_replication.assign(
        terms_cost_cny=lambda t: t["discount_cost_cny"] + t["rebate_cost_cny"])
    estimates = summarize(per_rep, tuple(POLICY_KPIS))
    model = report.solution.portfolio or {}
    return pd.DataFrame([
        {"kpi": key, "unit": unit, "mean": estimates[key].mean,
         "ci_low": estimates[key].ci_low, "ci_high": estimates[key].ci_high,
         "terms_model": model.get(MODEL_KEYS.get(key, ""), np.nan)}
        for key, unit in POLICY_KPIS.items()]).set_index("kpi")
