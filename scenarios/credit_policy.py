"""Each account's payment terms under a scenario's credit policy (``credit.policy``).

- ``uniform``: every account on ``credit.uniform_terms``;
- ``tiered``: the terms of the account's credit tier (``premium_terms`` / ``ordinary_terms`` /
  ``risk_terms``); types in ``never_cash_before_delivery`` keep ordinary terms when their tier
  says cash before delivery;
- ``optimize``: the terms model (:func:`models.credit.optimize_terms`) chooses one option per
  account, its inputs measured by the simulation's own collection mechanism
  (:func:`simulation.collection.collect`) on two years of invoices per account under each option,
  so the model's expected DSO, bad debt and discount cost are the simulation's.

The chosen terms and the share of orders each account still places (an account moved to cash
before delivery buys ``cash_before_delivery_sales_loss`` less) go into the simulation's
:class:`~simulation.config.CreditPolicy`. docs/credit.md, "Credit policy in the scenario".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from data.problems import Problem, ScenarioError
from models.credit.terms import OPTIONS, TermsProblem, TermsSolution, optimize_terms
from scenarios.schema import Scenario
from simulation.collection import DRAWS_PER_INVOICE, collect
from simulation.config import CreditPolicy, Effects, Terms
from simulation.inputs import SimulationInputs
from simulation.params import ProcessParams

#: invoices per account in the sample that measures each option (over LOOKBACK_DAYS: one
#: every 7.6 days)
INVOICES_PER_ACCOUNT = 96
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


#: how far back invoices can still be open on the review day (180 days to write-off after a
#: due date up to ~75 days out, plus lateness), days
LOOKBACK_DAYS = 730


def sales_density(inputs: SimulationInputs, day: np.ndarray, review_day: int,
                  period_days: int = 90) -> np.ndarray:
    """Relative daily sales on ``day`` (days since epoch) with the history's monthly
    seasonality and growth trend, scaled so that the ``period_days`` days ending on the
    review day average 1 (the DSO's denominator)."""
    def density(d: np.ndarray) -> np.ndarray:
        month = (inputs.epoch + pd.to_timedelta(d, unit="D")).month.to_numpy() - 1
        return inputs.month_factor[month] * np.exp(inputs.trend_per_year * d / 365.25)

    recent = density(np.arange(review_day - period_days + 1, review_day + 1))
    return density(np.asarray(day)) / recent.mean()


def _measures(inv, weight: np.ndarray, review_day: int, window_days: int) -> np.ndarray:
    """Per invoice, weighted by the sales density of its date: the amount still open at the
    end of the review day; the amount written off within the measured window (the
    ``window_days`` ending on the review day); and of the invoices dated in the window, the
    discount + rebate and the amount billed."""
    still_open = np.zeros(len(weight))
    for day, piece in ((inv.first_pay_day, inv.first_pay_amount),
                       (inv.last_pay_day, inv.last_pay_amount),
                       (inv.write_off_day, inv.write_off_amount)):
        still_open += np.where(np.isfinite(day) & (np.nan_to_num(day) > review_day), piece, 0.0)
    start = review_day - window_days

    def within(day: np.ndarray) -> np.ndarray:
        return np.isfinite(day) & (np.nan_to_num(day) > start) & (np.nan_to_num(day)
                                                                   <= review_day)

    dated = within(inv.invoice_day)
    return weight * np.stack([still_open, np.where(within(inv.write_off_day),
                                                   inv.write_off_amount, 0.0),
                              np.where(dated, inv.discount_amount + inv.rebate_amount, 0.0),
                              np.where(dated, inv.amount, 0.0),
                              np.where(dated, inv.amount + inv.discount_amount, 0.0)])


def option_outcomes(inputs: SimulationInputs, params: ProcessParams, credit: CreditPolicy,
                    effects: Effects, review_day: int, window_days: int, *,
                    invoices: int = INVOICES_PER_ACCOUNT, seed: int = SAMPLE_SEED,
                    options: tuple[str, ...] = OPTIONS) -> dict[str, np.ndarray]:
    """Per account × option (:data:`OPTIONS` order), the expected outcomes of its invoices
    under the simulation's collection mechanism, from ``invoices`` invoices per account dated
    over the :data:`LOOKBACK_DAYS` before ``review_day`` (days since epoch):

    - ``receivable_days``: the account's contribution to DSO as the KPI measures it on the
      review day (receivables then / the last 90 days' credit sales × 90), i.e.
      ``L/N · Σ_j s(t_j) · open_j`` over its invoices j dated t_j, with ``open_j`` the share of
      invoice j still open at the end of the review day and s the sales density of
      :func:`sales_density`. Measuring on the day itself matters: under monthly settlement
      receivables run in a saw-tooth over the month, and a month's end is near its top;
    - ``bad_debt_rate``: written off within the measured window (the ``window_days`` ending
      on the review day) / invoiced in it, as the KPI reads it: write-offs come 180 days
      after the due date, from the sales of an earlier, smaller month when sales grow;
    - ``cost_share``: cash discounts and on-time rebates / the invoices' value before
      discount, over the invoices dated in the window.

    So that an account's figures are its expectation, not the luck of a small sample (the
    model would pick accounts on luck): default and discount take-up enter as their
    probabilities (each invoice is collected as defaulting, as paying early for the discount,
    and as neither, and the three weighed), and each account's invoice dates and lateness
    quantiles are stratified over their ranges. Cash before delivery has none of the
    outcomes (nothing is receivable), and so has every option not in ``options`` (zeros)."""
    n, k = inputs.customers, len(OPTIONS)
    rng = np.random.default_rng(seed)
    customer = np.repeat(np.arange(n), invoices)
    m = customer.size

    def stratified() -> np.ndarray:
        # one draw in each of `invoices` equal strata per account, in a random order
        strata = (np.arange(invoices) + rng.random((n, invoices))) / invoices
        return rng.permuted(strata, axis=1).ravel()

    invoice_day = np.floor(review_day + 1 - LOOKBACK_DAYS * stratified())
    weight = sales_density(inputs, invoice_day, review_day) * LOOKBACK_DAYS / invoices
    u = rng.random((DRAWS_PER_INVOICE, m))
    u[0] = stratified()
    amount = np.full(m, 1000.0)
    out = {key: np.zeros((n, k)) for key in ("receivable_days", "bad_debt_rate", "cost_share")}
    for o, name in enumerate(OPTIONS):
        if o == CBD or name not in options:
            continue
        policy = replace(credit, account_terms=np.full(n, name, dtype=object),
                         sales_retained=None)

        def run(take: float, default: float, policy: CreditPolicy = policy):
            v = u.copy()
            v[2], v[4] = 1.0 - take, 1.0 - default   # 0 draws it for sure (p > 0), 1 never
            return collect(customer, amount, invoice_day, inputs.customer_type,
                           inputs.customer_id, inputs.epoch, params, policy, effects, v)

        neither = run(0.0, 0.0)
        defaults = run(0.0, 1.0)
        early = run(1.0, 0.0)
        p, q = neither.default_probability, neither.take_up_probability

        def measures(inv):
            return _measures(inv, weight, review_day, window_days)

        # an invoice defaults with p; if it does not, its payer takes the discount with q
        expected = (p * measures(defaults) + (1.0 - p) * (q * measures(early)
                                                          + (1.0 - q) * measures(neither)))
        per_account = np.stack([np.bincount(customer, row, n) for row in expected])
        out["receivable_days"][:, o] = per_account[0] / amount[0]
        out["bad_debt_rate"][:, o] = per_account[1] / np.maximum(per_account[3], 1e-12)
        out["cost_share"][:, o] = per_account[2] / np.maximum(per_account[4], 1e-12)
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
    outcome = option_outcomes(inputs, params, credit, effects, scenario.horizon_days - 1,
                              scenario.horizon_days - scenario.warmup_days)
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
