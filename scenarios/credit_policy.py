"""Each account's payment terms under a scenario's credit policy (``credit.policy``).

- ``uniform``: every account on ``credit.uniform_terms``;
- ``tiered``: the terms of the account's credit tier (``premium_terms`` / ``ordinary_terms`` /
  ``risk_terms``); types in ``never_cash_before_delivery`` keep ordinary terms when their tier
  says cash before delivery;
- ``optimize``: the terms model (:func:`models.credit.optimize_terms`) chooses one option per
  account, its inputs measured by the simulation's own collection mechanism
  (:func:`simulation.collection.collect`) on a year of invoices per account under each option,
  so the model's expected DSO, bad debt and discount cost are the simulation's.

The chosen terms and the share of orders each account still places (an account moved to cash
before delivery buys ``cash_before_delivery_sales_loss`` less) go into the simulation's
:class:`~simulation.config.CreditPolicy`. docs/credit.md, "Credit policy in the scenario".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.problems import Problem, ScenarioError
from models.credit.terms import OPTIONS, TermsProblem, TermsSolution, optimize_terms
from scenarios.schema import Scenario
from simulation.collection import DRAWS_PER_INVOICE, collect
from simulation.config import CreditPolicy, Effects, Terms
from simulation.inputs import SimulationInputs
from simulation.params import ProcessParams

#: invoices per account and year in the sample that measures each option
INVOICES_PER_ACCOUNT = 48
#: seed of that sample: fixed, so a policy does not change with the run's seed
SAMPLE_SEED = 20261
#: wall-time limit of the terms model, s
TERMS_TIME_LIMIT_S = 60.0
CBD = OPTIONS.index(Terms.CASH_BEFORE_DELIVERY.value)


def tiered_terms(scenario: Scenario, customer_type: np.ndarray,
                 tier: np.ndarray) -> np.ndarray:
    """The terms of each account's tier ('premium' / 'ordinary' / 'risk')."""
    lev = scenario.credit
    terms = np.select([tier == "premium", tier == "risk"],
                      [lev.premium_terms, lev.risk_terms], lev.ordinary_terms).astype(object)
    spared = (terms == Terms.CASH_BEFORE_DELIVERY.value) & np.isin(
        customer_type, lev.never_cash_before_delivery)
    terms[spared] = lev.ordinary_terms
    return terms


def annual_sales_cny(inputs: SimulationInputs) -> np.ndarray:
    """Each account's sales over a year at its history's order rate and mean order (CNY)."""
    count = np.maximum(inputs.amount_count, 1)
    csum = np.concatenate([[0.0], np.cumsum(inputs.amount_pool)])
    start = inputs.amount_start
    mean = (csum[np.minimum(start + count, len(inputs.amount_pool))] - csum[start]) / count
    return inputs.orders_per_day * 365.0 * mean


def review_weights(inputs: SimulationInputs, review_day: int, period_days: int = 90,
                   max_days: int = 1100) -> np.ndarray:
    """``W[D]`` = ∫₀ᴰ s(T − a) da / s̄₉₀ for whole days D: the sales issued in the D days before
    the review day T (days since epoch) relative to the mean daily sales of the DSO's
    ``period_days``, with the history's monthly seasonality and growth trend. A receivable
    outstanding D days then adds W[D] to DSO as the KPI measures it on T (receivables at T /
    the last ``period_days`` days' credit sales × ``period_days``): with flat sales W[D] = D.
    """
    offset = np.arange(max_days + 1)
    day = review_day - offset
    month = (inputs.epoch + pd.to_timedelta(day, unit="D")).month.to_numpy() - 1
    sales = inputs.month_factor[month] * np.exp(inputs.trend_per_year * day / 365.25)
    sales = sales / sales[:period_days].mean()
    return np.concatenate([[0.0], np.cumsum(sales)[:-1]])


def option_outcomes(inputs: SimulationInputs, params: ProcessParams, credit: CreditPolicy,
                    effects: Effects, *, weights: np.ndarray | None = None,
                    invoices: int = INVOICES_PER_ACCOUNT,
                    seed: int = SAMPLE_SEED) -> dict[str, np.ndarray]:
    """Per account × option (:data:`OPTIONS` order), measured on ``invoices`` equal invoices
    per account over a year with the same draws under every option: receivable days (the
    amount-weighted days from invoice to each payment and to the write-off; through
    ``weights`` from :func:`review_weights` when given, so they add up to DSO as measured on
    the review day), bad-debt rate (written off / invoiced), and the discount and rebate cost
    as a share of the invoiced amount. Cash before delivery has none of them (nothing is
    receivable)."""
    n, k = inputs.customers, len(OPTIONS)
    rng = np.random.default_rng(seed)
    customer = np.repeat(np.arange(n), invoices)
    m = customer.size
    # shipping days drawn over the year rather than evenly spaced: evenly spaced invoices
    # alias with month ends, and monthly settlement makes the days to the due date depend on
    # where in the month an invoice falls
    shipped = rng.uniform(0.0, 365.0, m)
    delay = (np.zeros(m) + effects.e_invoice_delay_days if credit.e_invoice
             else np.asarray(params.invoice_delay_days.sample(rng, m)))
    invoice_day = np.floor(shipped + delay)
    u = rng.random((DRAWS_PER_INVOICE, m))
    amount = np.full(m, 1000.0)
    out = {key: np.zeros((n, k)) for key in ("receivable_days", "bad_debt_rate", "cost_share")}
    for o, name in enumerate(OPTIONS):
        if o == CBD:
            continue
        policy = CreditPolicy(account_terms=np.full(n, name, dtype=object),
                              lateness_change_days=credit.lateness_change_days,
                              e_invoice=credit.e_invoice, online_payment=credit.online_payment,
                              automated_reminders=credit.automated_reminders)
        inv = collect(customer, amount, invoice_day, inputs.customer_type, inputs.customer_id,
                      inputs.epoch, params, policy, effects, u)
        days = np.zeros(m)
        for day, paid in ((inv.first_pay_day, inv.first_pay_amount),
                          (inv.last_pay_day, inv.last_pay_amount),
                          (inv.write_off_day, inv.write_off_amount)):
            held = np.maximum(np.nan_to_num(day) - inv.invoice_day, 0.0)
            if weights is not None:
                held = weights[np.minimum(held.astype(np.int64), len(weights) - 1)]
            days += np.where(np.isfinite(day) & (paid > 0), held * paid, 0.0)
        billed = np.bincount(customer, inv.amount, n)
        out["receivable_days"][:, o] = np.bincount(customer, days, n) / billed
        out["bad_debt_rate"][:, o] = np.bincount(customer, inv.write_off_amount, n) / billed
        out["cost_share"][:, o] = (np.bincount(customer, inv.discount_amount + inv.rebate_amount,
                                               n) / np.bincount(customer, amount, n))
    out["receivable_days"] = np.maximum(out["receivable_days"], 0.0)
    return out


def terms_problem(inputs: SimulationInputs, params: ProcessParams, scenario: Scenario,
                  credit: CreditPolicy, effects: Effects, tier: np.ndarray) -> TermsProblem:
    """The terms model's arrays for the scenario (customers in the inputs' order): sales a
    year on each option (cash before delivery loses ``cash_before_delivery_sales_loss``), the
    contribution margin, the collection outcomes of :func:`option_outcomes`, the cost of
    capital, and the rules as the allowed mask; today every account is on monthly terms."""
    lev = scenario.credit
    n, k = inputs.customers, len(OPTIONS)
    # DSO as the committee reads it: on the last day of the scenario's horizon
    outcome = option_outcomes(inputs, params, credit, effects,
                              weights=review_weights(inputs, scenario.horizon_days - 1))
    sales = np.repeat(annual_sales_cny(inputs)[:, None], k, axis=1)
    sales[:, CBD] *= 1.0 - effects.cash_before_delivery_sales_loss
    credit_share = np.ones((n, k))
    credit_share[:, CBD] = 0.0
    allowed = np.ones((n, k), dtype=bool)
    if lev.risk_never_extended:
        allowed[tier == "risk", OPTIONS.index(Terms.EXTENDED_75_DAYS.value)] = False
    if lev.cash_before_delivery_only_risk:
        allowed[tier != "risk", CBD] = False
    allowed[np.isin(inputs.customer_type, lev.never_cash_before_delivery), CBD] = False
    return TermsProblem(
        sales_cny=sales, margin_rate=np.full((n, k), lev.contribution_margin),
        receivable_days=outcome["receivable_days"], bad_debt_rate=outcome["bad_debt_rate"],
        discount_cost_cny=outcome["cost_share"] * sales,
        cost_of_capital_per_year=effects.cost_of_capital, allowed=allowed,
        current_option=np.zeros(n, dtype=int), credit_share=credit_share)


def policy_limits(scenario: Scenario) -> dict[str, float | None]:
    """The terms model's limits: the policy's own, else the scenario's targets."""
    lev, targets = scenario.credit, scenario.targets
    return {"dso_target_days": lev.dso_limit_days if lev.dso_limit_days is not None
            else targets.dso_days,
            "bad_debt_target": lev.bad_debt_limit if lev.bad_debt_limit is not None
            else targets.bad_debt_rate,
            "sales_loss_limit": lev.sales_loss_limit}


@dataclass(frozen=True)
class PolicyChoice:
    """Each account's terms, the share of its orders it still places, and (policy
    'optimize') the terms model's problem and solution."""

    terms: np.ndarray
    sales_retained: np.ndarray | None
    problem: TermsProblem | None = None
    solution: TermsSolution | None = None


def sales_retained(terms: np.ndarray, effects: Effects) -> np.ndarray | None:
    """Share of orders each account still places (None: every account all of them)."""
    cbd = terms == Terms.CASH_BEFORE_DELIVERY.value
    if not cbd.any() or effects.cash_before_delivery_sales_loss == 0:
        return None
    return np.where(cbd, 1.0 - effects.cash_before_delivery_sales_loss, 1.0)


def choose_terms(inputs: SimulationInputs, params: ProcessParams, scenario: Scenario,
                 credit: CreditPolicy, effects: Effects, credit_tier: pd.Series | None,
                 source: str = "scenario",
                 time_limit_s: float = TERMS_TIME_LIMIT_S) -> PolicyChoice:
    """The scenario's terms per account (``credit_tier``: tier per customer_id; every account
    'ordinary' when not scored). An optimize policy whose limits cannot be met together is a
    :class:`ScenarioError` at ``credit.policy`` naming the limit that cannot be met."""
    lev = scenario.credit
    tier = (np.full(inputs.customers, "ordinary", dtype=object) if credit_tier is None else
            pd.Series(inputs.customer_id).map(credit_tier).fillna("ordinary")
            .to_numpy(dtype=object))
    policy = lev.effective_policy
    if policy == "uniform":
        terms = np.full(inputs.customers, lev.uniform_terms, dtype=object)
        return PolicyChoice(terms, sales_retained(terms, effects))
    if policy == "tiered":
        terms = tiered_terms(scenario, inputs.customer_type, tier)
        return PolicyChoice(terms, sales_retained(terms, effects))
    problem = terms_problem(inputs, params, scenario, credit, effects, tier)
    solution = optimize_terms(problem, **policy_limits(scenario), time_limit_s=time_limit_s)
    if solution.objective_cny is None:
        raise ScenarioError([Problem(source, "credit.policy",
                                     "limits the terms model can meet together",
                                     f"{solution.status}: {solution.message}")])
    terms = np.asarray(solution.assignment_names, dtype=object)
    return PolicyChoice(terms, sales_retained(terms, effects), problem, solution)


__all__ = ["PolicyChoice", "annual_sales_cny", "choose_terms", "option_outcomes",
           "policy_limits", "sales_retained", "terms_problem", "tiered_terms"]
