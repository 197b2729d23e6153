"""Finance's views of a scenario: each account's credit score, tier and reasons, and the
payment terms the terms model chooses with its proof, limits, prices and DSO-profit frontier.

The CLI (``pharmaops credit score`` / ``credit policy``) and the finance page are doors onto
these functions; docs/credit.md describes the models.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.dataset import Dataset, load_dataset
from models.credit.reasons import score_reasons
from models.credit.scoring import CreditScores, customer_features, score_customers
from models.credit.terms import (
    OPTIONS,
    TermsProblem,
    TermsSolution,
    efficient_frontier,
    optimize_terms,
    portfolio_measures,
    reachable_limits,
)
from scenarios.credit_policy import (
    TERMS_TIME_LIMIT_S,
    annual_sales_cny,
    policy_limits,
    terms_problem,
    tiered_terms,
)
from scenarios.jsonio import json_ready, write_file_atomically
from scenarios.loading import LoadedScenario
from scenarios.outside_drivers import lateness_change_days
from scenarios.process_cache import today_process
from scenarios.run import credit_levers, scenario_effects, todays_work
from scenarios.schema import Scenario
from simulation.config import CreditPolicy, Effects
from simulation.inputs import SimulationInputs, build_inputs
from simulation.params import ProcessParams

#: points on the DSO-profit frontier
FRONTIER_POINTS = 10
#: reasons listed per account
REASONS = 3


@dataclass(frozen=True)
class CreditContext:
    """What finance's views of one scenario share: the data set, today's process, the
    simulation's inputs, the credit scores and each account's tier (inputs' order)."""

    scenario: Scenario
    dataset: Dataset
    params: ProcessParams
    inputs: SimulationInputs
    scores: CreditScores
    tier: np.ndarray
    credit: CreditPolicy
    effects: Effects


def credit_context(loaded: LoadedScenario, dataset: Dataset | None = None,
                   status: Callable[[str], None] | None = None) -> CreditContext:
    """Load, calibrate and score for ``loaded``'s data set (scores at its ``as_of`` with the
    scenario's seed and tier thresholds)."""
    ds = dataset if dataset is not None else load_dataset(loaded.dataset_path)
    sc = loaded.scenario
    measured = today_process(ds, process_path=loaded.process_path, status=status)
    inputs = build_inputs(ds)
    params = todays_work(ds, measured, sc, inputs)
    if status is not None:
        status("scoring every account")
    scores = score_customers(ds, seed=sc.seed, premium_min=sc.credit.premium_min_score,
                             risk_max=sc.credit.risk_max_score)
    tier = (pd.Series(inputs.customer_id).map(scores.scores["tier"]).fillna("ordinary")
            .to_numpy(dtype=object))
    change = lateness_change_days(ds, params, inputs, sc)
    credit = credit_levers(sc, np.full(inputs.customers, "monthly", dtype=object), change)
    return CreditContext(sc, ds, params, inputs, scores, tier, credit, scenario_effects(sc))


# ------------------------------------------------------------------------------ scores
def invoiced_last_year(dataset: Dataset) -> pd.Series:
    """CNY invoiced per customer_id over the 365 days to ``as_of``."""
    inv = dataset["invoices"]
    start = dataset.as_of - pd.Timedelta(days=364)
    recent = inv[(inv["invoice_date"] >= start) & (inv["invoice_date"] <= dataset.as_of)]
    return recent.groupby("customer_id")["amount_cny"].sum()


def score_table(ctx: CreditContext, k: int = REASONS) -> pd.DataFrame:
    """One row per scored account: who it is, its score (points), tier, P(bad within a
    year), last year's invoicing (CNY) and the ``k`` features that cost it most points."""
    ds = ctx.dataset
    features = customer_features(ds)
    reasons = score_reasons(ctx.scores.scorer, features, k=k)
    customers = ds["customers"].set_index("customer_id")
    out = customers.loc[ctx.scores.scores.index, ["name", "customer_type", "city", "province"]]
    out = out.join(ctx.scores.scores[["score", "tier", "probability_bad"]])
    out["invoiced_cny"] = invoiced_last_year(ds).reindex(out.index).fillna(0.0)
    out = out.join(reasons)
    out.index.name = "customer_id"
    return out.reset_index()


def tier_summary(table: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Accounts and last year's invoicing per tier (and per ``by`` column), with shares of
    the whole."""
    keys = ["tier"] if by is None else [by, "tier"]
    g = table.groupby(keys)
    out = pd.DataFrame({"accounts": g.size(), "invoiced_cny": g["invoiced_cny"].sum()})
    out["share_of_accounts"] = out["accounts"] / out["accounts"].sum()
    out["share_of_invoicing"] = out["invoiced_cny"] / max(out["invoiced_cny"].sum(), 1e-9)
    return out.reset_index()


def score_payload(ctx: CreditContext, table: pd.DataFrame) -> dict:
    """``pharmaops credit score --json``: holdout check, tier shares, every account."""
    s = ctx.scores
    return json_ready({
        "dataset": str(ctx.dataset.path), "as_of": f"{s.as_of:%Y-%m-%d}",
        "thresholds": {"premium_min_score": ctx.scenario.credit.premium_min_score,
                       "risk_max_score": ctx.scenario.credit.risk_max_score},
        "holdout": {"customers": s.holdout_customers, "bad_rate": s.holdout_bad_rate,
                    "auc": s.holdout_auc, "brier": s.holdout_brier},
        "tiers": tier_summary(table).to_dict(orient="records"),
        "accounts": table.to_dict(orient="records"),
    })


def stability(ctx: CreditContext, quarter_days: int = 91) -> tuple[object, pd.DataFrame]:
    """Population stability between the last two quarters: the score's PSI (its
    ``PSIResult``) and each feature's (``psi``, ``band``), scoring the accounts' features at
    ``as_of − quarter_days`` (expected) and at ``as_of`` (actual) with the same scorer."""
    from models.credit.stability import psi

    ds, scorer = ctx.dataset, ctx.scores.scorer
    before = customer_features(ds, as_of=ds.as_of - pd.Timedelta(days=quarter_days))
    now = customer_features(ds)
    names = list(scorer.feature_names)
    numeric = [c for c in names if not c.startswith("type_") and c != "has_history"]
    return (psi(scorer.score(before), scorer.score(now)),
            psi(before[numeric], now[numeric]).sort_values("psi", ascending=False))


# ------------------------------------------------------------------------------ policy
@dataclass(frozen=True)
class PolicyReport:
    """The terms model's answer for a scenario and what it is compared with."""

    problem: TermsProblem
    solution: TermsSolution
    limits: dict[str, float | None]
    frontier: list[dict[str, object]]
    today: dict[str, float]
    tiered: dict[str, float]
    reachable: dict[str, float]
    customer_id: np.ndarray


def frontier_limits(problem: TermsProblem, today_dso: float,
                    points: int = FRONTIER_POINTS) -> list[float]:
    """``points`` DSO limits, whole days, from the lowest reachable to today's DSO."""
    low = float(np.ceil(reachable_limits(problem)["dso_days"]))
    high = float(max(np.ceil(today_dso), low + points - 1))
    return sorted({float(v) for v in np.round(np.linspace(low, high, points))})


def policy_report(ctx: CreditContext, *, frontier_points: int = FRONTIER_POINTS,
                  time_limit_s: float = TERMS_TIME_LIMIT_S) -> PolicyReport:
    """Solve the terms model under the scenario's limits, price the binding ones and trace
    the DSO-profit frontier; today's terms (everyone monthly) and the scenario's tiered terms
    are measured by the same model for comparison."""
    problem = terms_problem(ctx.inputs, ctx.params, ctx.scenario, ctx.credit, ctx.effects,
                            ctx.tier)
    limits = policy_limits(ctx.scenario)
    solution = optimize_terms(problem, **limits, time_limit_s=time_limit_s)
    n = problem.shape[0]
    today = portfolio_measures(problem, np.zeros(n, dtype=int))
    tiered = tiered_terms(ctx.scenario, ctx.inputs.customer_type, ctx.tier)
    tiered_index = np.array([OPTIONS.index(t) for t in tiered])
    others = {key: value for key, value in limits.items() if key != "dso_target_days"}
    frontier = efficient_frontier(problem, frontier_limits(problem, today["dso_days"],
                                                           frontier_points),
                                  time_limit_s=time_limit_s, **others)
    return PolicyReport(problem, solution, limits, frontier, today,
                        portfolio_measures(problem, tiered_index), reachable_limits(problem),
                        ctx.inputs.customer_id)


def assignment_table(ctx: CreditContext, report: PolicyReport) -> pd.DataFrame:
    """Per account: who, tier, last year's sales, today's and the chosen terms, and the
    model's expected receivable days and bad-debt rate on the chosen terms."""
    sol, problem = report.solution, report.problem
    customers = ctx.dataset["customers"].set_index("customer_id")
    ids = pd.Index(report.customer_id, name="customer_id")
    out = customers.reindex(ids)[["name", "customer_type", "city"]].copy()
    out["tier"] = ctx.tier
    out["annual_sales_cny"] = annual_sales_cny(ctx.inputs)
    out["today_terms"] = OPTIONS[0]
    if sol.objective_cny is None:
        out["terms"] = ""
        return out.reset_index()
    i, o = np.arange(len(ids)), sol.assignments
    out["terms"] = np.asarray(OPTIONS)[o]
    out["receivable_days"] = np.asarray(problem.receivable_days)[i, o]
    out["bad_debt_rate"] = np.asarray(problem.bad_debt_rate)[i, o]
    out["profit_cny"] = problem.profit_cny()[i, o]
    out["profit_gain_cny"] = problem.profit_cny()[i, o] - problem.profit_cny()[i, 0]
    return out.reset_index()


#: the unit of each limit's price in ``binding``
PRICE_UNITS_TEXT = {"dso_days": "CNY/year per day", "bad_debt_rate":
                    "CNY/year per percentage point", "sales_loss_rate":
                    "CNY/year per percentage point"}
PORTFOLIO_KEYS = ("dso_days", "bad_debt_rate", "sales_loss_rate", "discount_cost_cny",
                  "financing_cost_cny", "bad_debt_cny", "profit_cny", "sales_cny")


def policy_payload(ctx: CreditContext, report: PolicyReport) -> dict:
    """``pharmaops credit policy --json``: status, objective, bound, gap, the limits used,
    the portfolio, binding limits with their prices, the frontier and the assignment."""
    sol = report.solution
    targets = {"dso_days": report.limits["dso_target_days"],
               "bad_debt_rate": report.limits["bad_debt_target"],
               "sales_loss_rate": report.limits["sales_loss_limit"]}
    counts = (pd.Series(sol.assignment_names).value_counts().to_dict()
              if sol.objective_cny is not None else {})
    portfolio = {key: sol.portfolio.get(key) for key in PORTFOLIO_KEYS} if sol.portfolio else {}
    return json_ready({
        "scenario": ctx.scenario.name, "dataset": str(ctx.dataset.path),
        "status": sol.status, "objective_cny": sol.objective_cny, "bound_cny": sol.bound_cny,
        "gap": sol.gap, "message": sol.message, "seconds": sol.seconds,
        "infeasible_constraint": sol.infeasible_constraint,
        "targets": targets, "portfolio": portfolio,
        "today": {key: report.today[key] for key in PORTFOLIO_KEYS},
        "tiered": {key: report.tiered[key] for key in PORTFOLIO_KEYS},
        "reachable": report.reachable,
        "binding": sol.binding, "frontier": report.frontier,
        "option_counts": counts,
        "assumptions": {"contribution_margin": ctx.scenario.credit.contribution_margin,
                        "cost_of_capital": ctx.effects.cost_of_capital,
                        "cash_before_delivery_sales_loss":
                            ctx.effects.cash_before_delivery_sales_loss,
                        "quarterly_rebate_rate": ctx.effects.quarterly_rebate_rate},
        "assignments": ({str(c): o for c, o in zip(report.customer_id, sol.assignment_names,
                                                   strict=True)}
                        if sol.objective_cny is not None else {}),
    })


def portfolio_table(report: PolicyReport) -> pd.DataFrame:
    """Today's terms, the scenario's tiered terms and the optimum side by side."""
    cols = {"today (all monthly)": report.today, "tiered (scenario)": report.tiered}
    if report.solution.portfolio:
        cols["optimized"] = report.solution.portfolio
    return pd.DataFrame({name: {key: values.get(key) for key in PORTFOLIO_KEYS}
                         for name, values in cols.items()})


def policy_workbook(ctx: CreditContext, report: PolicyReport,
                    about: Mapping[str, str] | None = None) -> bytes:
    """Excel: the assignment, the portfolio comparison, the frontier, binding limits."""
    sol = report.solution
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        assignment_table(ctx, report).to_excel(writer, sheet_name="Assignments", index=False)
        portfolio_table(report).rename_axis("measure").to_excel(writer, sheet_name="Portfolio")
        pd.DataFrame(report.frontier).to_excel(writer, sheet_name="Frontier", index=False)
        pd.DataFrame({"limit": list(sol.binding), "profit per unit (CNY)":
                      list(sol.binding.values())}).to_excel(writer, sheet_name="Binding limits",
                                                            index=False)
        rows = {"Scenario": ctx.scenario.name, "Data set": str(ctx.dataset.path),
                "Status": sol.status, "Objective (CNY/year)": f"{sol.objective_cny}",
                "Bound (CNY/year)": f"{sol.bound_cny}", "Gap": f"{sol.gap}",
                "Message": sol.message, "Model": "docs/credit.md, 'Terms optimization'",
                **(about or {})}
        pd.DataFrame({"Field": list(rows), "Value": list(rows.values())}).to_excel(
            writer, sheet_name="About", index=False)
    return buffer.getvalue()


def write_policy_xlsx(path: str, ctx: CreditContext, report: PolicyReport) -> None:
    write_file_atomically(policy_workbook(ctx, report), path)


def score_workbook(ctx: CreditContext, table: pd.DataFrame) -> bytes:
    """Excel: every account's score, tier and reasons; the tier shares overall and by type."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name="Scores", index=False)
        tier_summary(table).to_excel(writer, sheet_name="Tiers", index=False)
        tier_summary(table, "customer_type").to_excel(writer, sheet_name="Tiers by type",
                                                      index=False)
    return buffer.getvalue()


__all__ = ["PRICE_UNITS_TEXT", "CreditContext", "PolicyReport", "assignment_table",
           "credit_context", "frontier_limits", "invoiced_last_year", "policy_payload",
           "policy_report", "policy_workbook", "portfolio_table", "score_payload", "score_table",
           "score_workbook", "stability", "tier_summary", "write_policy_xlsx"]
