"""Page "Finance / credit": each account's credit score, tier and the features that cost it
most points, population stability between the last two quarters; the payment terms the terms
model chooses under finance's limits, with its proof, the price of each binding limit and the
DSO-profit frontier, the assignment as Excel and simulated with CIs; the reminder schedules
and the collection worklist (:mod:`ui.finance_collections`).

Everything shown comes from :mod:`scenarios.credit_report`, :mod:`scenarios.credit_simulation`
and :mod:`scenarios.collections` (models: docs/credit.md).
"""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from data.problems import InputError
from scenarios.channel import XLSX_MIME
from scenarios.credit_report import (
    PRICE_UNITS_TEXT,
    CreditContext,
    PolicyReport,
    assignment_table,
    credit_context,
    policy_report,
    policy_workbook,
    portfolio_table,
    score_table,
    stability,
    tier_summary,
)
from scenarios.loading import load_scenario
from scenarios.paths import default_scenarios_dir
from ui.committee_run import scenario_files
from ui.common import show_problems
from ui.finance_collections import reminders_section, simulate_section, worklist_section
from ui.i18n import N_, _

TITLE = N_("Finance / credit")
ICON = ":material/account_balance:"
URL_PATH = "credit"
TIERS = ("premium", "ordinary", "risk")
TIER_COLOURS = ("#2e7d32", "#f9a825", "#c62828")
#: the tiers as the page names them
TIER_LABELS = {"premium": N_("premium"), "ordinary": N_("ordinary"), "risk": N_("risk")}
TERMS_LABELS = {"monthly": "monthly settlement", "extended_75_days": "75 days",
                "cash_discount_1pct": "1% cash discount", "monthly_plus_quarterly_rebate":
                "monthly + quarterly rebate", "cash_before_delivery": "cash before delivery"}
MEASURE_LABELS = {"dso_days": "DSO (days)", "bad_debt_rate": "bad debt (% of credit sales)",
                  "sales_loss_rate": "sales lost to terms (%)",
                  "discount_cost_cny": "discount + rebate cost (CNY/year)",
                  "financing_cost_cny": "financing cost (CNY/year)",
                  "bad_debt_cny": "bad debt (CNY/year)", "profit_cny": "expected profit (CNY/year)",
                  "sales_cny": "sales (CNY/year)"}
PERCENT_MEASURES = ("bad_debt_rate", "sales_loss_rate")


@st.cache_resource(max_entries=2, show_spinner="Loading the data set, calibrating and scoring …")
def _context(path: str, mtime: float, allow_outside: bool) -> CreditContext | InputError:
    """Cached :func:`credit_context` of a scenario file; a refusal is returned, not raised."""
    del mtime  # cache key only
    try:
        return credit_context(load_scenario(path, allow_outside_data=allow_outside))
    except InputError as exc:
        return exc.with_traceback(None)


@st.cache_data(max_entries=4, show_spinner=False)
def _scores(path: str, mtime: float, allow_outside: bool) -> pd.DataFrame:
    ctx = _context(path, mtime, allow_outside)
    return score_table(ctx)  # type: ignore[arg-type]


@st.cache_resource(max_entries=8, show_spinner="Solving the terms model and its frontier …")
def _policy(path: str, mtime: float, allow_outside: bool, limits: tuple[float, float, float],
            points: int) -> PolicyReport:
    ctx = _context(path, mtime, allow_outside)
    credit = ctx.scenario.credit.model_copy(update={  # type: ignore[union-attr]
        "dso_limit_days": limits[0], "bad_debt_limit": limits[1], "sales_loss_limit": limits[2]})
    scenario = ctx.scenario.model_copy(update={"credit": credit})  # type: ignore[union-attr]
    return policy_report(replace(ctx, scenario=scenario), frontier_points=points)


def render() -> None:
    st.title(_(TITLE))
    st.caption(_("Credit scores, tiers and reasons from the payment history; payment terms per "
                 "account from the terms model (docs/credit.md). Limits in the sidebar."))
    folder, configured = default_scenarios_dir()
    files = scenario_files(folder)
    if not files:
        st.warning(_("No scenario files (`*.toml`) in `{folder}`.").format(folder=folder))
        return
    sb = st.sidebar
    name = sb.selectbox(_("Scenario (data set, seed, limits)"), files,
                        index=files.index("plan.toml") if "plan.toml" in files else 0,
                        key="fin_scenario")
    path = folder / name
    ctx = _context(str(path), path.stat().st_mtime, configured)
    if isinstance(ctx, InputError):
        show_problems(_("The scenario {name} was refused").format(name=name), ctx)
        return
    table = _scores(str(path), path.stat().st_mtime, configured)
    _scores_section(ctx, table)
    _one_account(table)
    _stability(str(path), path.stat().st_mtime, configured)
    limits = _limits(ctx)
    key = (str(path), path.stat().st_mtime, configured)
    report = _policy(*key, limits, 10)
    _policy_section(ctx, report)
    simulate_section(load_scenario(str(path), allow_outside_data=configured), ctx, report,
                     (*key, limits))
    reminders_section(ctx, key)
    worklist_section(ctx, key)


def _scores_section(ctx: CreditContext, table: pd.DataFrame) -> None:
    s = ctx.scores
    st.subheader(_("Credit scores and tiers"))
    st.caption(_("Score = 100 × P(no default or severe abnormal delinquency within a year), at "
                 "{as_of}. Out-of-time check on {accounts} accounts: AUC {auc}, bad rate "
                 "{bad}.").format(as_of=f"{s.as_of:%Y-%m-%d}",
                                  accounts=f"{s.holdout_customers:,}",
                                  auc=f"{s.holdout_auc:.3f}", bad=f"{s.holdout_bad_rate:.1%}"))
    summary = tier_summary(table).set_index("tier").reindex(list(TIERS)).fillna(0)
    cols = st.columns(3)
    for col, tier in zip(cols, TIERS, strict=True):
        row = summary.loc[tier]
        col.metric(_("{tier} accounts").format(tier=_(TIER_LABELS[tier])),
                   f"{int(row['accounts']):,}",
                   _("{accounts} of accounts, {invoicing} of invoicing").format(
                       accounts=f"{row['share_of_accounts']:.1%}",
                       invoicing=f"{row['share_of_invoicing']:.1%}"), delta_color="off")
    chart = alt.Chart(table).mark_bar().encode(
        x=alt.X("score:Q", bin=alt.Bin(step=5), title=_("credit score (points)")),
        y=alt.Y("count():Q", title=_("accounts")),
        color=alt.Color("tier:N", scale=alt.Scale(domain=list(TIERS), range=list(TIER_COLOURS)),
                        title=_("tier")))
    st.altair_chart(chart, width="stretch")
    by_type = tier_summary(table, "customer_type")
    by_type = by_type.pivot(index="customer_type", columns="tier", values="share_of_accounts")
    st.dataframe((by_type.reindex(columns=list(TIERS)).fillna(0) * 100).round(1)
                 .rename(columns=lambda t: f"{t} (% of the type's accounts)"),
                 width="stretch")


def _one_account(table: pd.DataFrame) -> None:
    st.subheader(_("One account's score and its reasons"))
    labels = (table["name"] + " — " + table["city"] + " (" + table["customer_id"] + ")")
    order = table["score"].argsort().to_numpy()
    choice = st.selectbox(_("Account (lowest scores first)"), labels.iloc[order].tolist(),
                          key="fin_account")
    row = table.iloc[int(labels[labels == choice].index[0])]
    c1, c2, c3 = st.columns(3)
    c1.metric(_("score (points)"), f"{row['score']:.1f}")
    c2.metric(_("tier"), _(TIER_LABELS.get(row["tier"], row["tier"])))
    c3.metric(_("P(bad within a year)"), f"{row['probability_bad']:.1%}")
    reasons = [(row[f"reason_{j}"], row[f"points_{j}"]) for j in (1, 2, 3)
               if isinstance(row.get(f"reason_{j}"), str) and row[f"reason_{j}"]]
    if reasons:
        st.dataframe(pd.DataFrame(reasons, columns=["feature", "points it costs"]).round(1),
                     hide_index=True)
    else:
        st.caption(_("No feature costs this account points: each is at its best value."))


@st.cache_data(max_entries=4, show_spinner="Comparing the last two quarters …")
def _stability_tables(path: str, mtime: float, allow_outside: bool
                      ) -> tuple[float, str, pd.DataFrame, pd.DataFrame]:
    score, features = stability(_context(path, mtime, allow_outside))  # type: ignore[arg-type]
    return score.value, score.band, score.table, features


def _stability(path: str, mtime: float, allow_outside: bool) -> None:
    st.subheader(_("Population stability (last two quarters)"))
    value, band, bins, features = _stability_tables(path, mtime, allow_outside)
    st.caption(_("PSI of the accounts at the data set's date against 91 days earlier, same "
                 "scorecard: below 0.1 stable, 0.1-0.25 watch, above 0.25 the population has "
                 "shifted and the scorecard should be re-checked."))
    st.metric(_("score PSI"), f"{value:.3f}", band, delta_color="off")
    st.dataframe(features.round(3).rename(columns={"psi": "PSI", "band": "band"}),
                 width="stretch")


def _limits(ctx: CreditContext) -> tuple[float, float, float]:
    sb = st.sidebar
    sb.subheader(_("Terms model limits"))
    lev, targets = ctx.scenario.credit, ctx.scenario.targets
    dso = sb.number_input(_("DSO at most (days)"), 1.0, 365.0,
                          float(lev.dso_limit_days or targets.dso_days), step=1.0,
                          key="fin_dso_limit")
    bad = sb.number_input(_("Bad debt at most (% of credit sales)"), 0.0, 100.0,
                          100 * float(lev.bad_debt_limit if lev.bad_debt_limit is not None
                                      else targets.bad_debt_rate), step=0.1,
                          key="fin_bad_debt_limit")
    loss = sb.number_input(_("Sales lost to terms at most (%)"), 0.0, 100.0,
                           100 * lev.sales_loss_limit, step=0.5, key="fin_sales_loss_limit")
    return float(dso), float(bad) / 100, float(loss) / 100


def _policy_section(ctx: CreditContext, report: PolicyReport) -> None:
    st.subheader(_("Payment terms per account (terms model)"))
    sol = report.solution
    if sol.objective_cny is None:
        reach = report.reachable
        st.warning(f"No assignment meets the limits: {sol.message}. With the allowed terms the "
                 f"lowest DSO reachable is {reach['dso_days']:.1f} days and the lowest bad "
                 f"debt {reach['bad_debt_rate']:.2%}; loosen the limit named.")
    else:
        st.success(f"Proven optimal (gap {sol.gap:.1e}) in {sol.seconds:.1f} s: expected profit "
                   f"{sol.objective_cny:,.0f} CNY/year, bound {sol.bound_cny:,.0f}."
                   if sol.status == "optimal" else
                   f"Stopped without proof ({sol.status}), gap {sol.gap}.")
        if sol.binding:
            st.write("Binding limits: " + "; ".join(
                f"{MEASURE_LABELS[k]}: one more unit is worth {v:,.0f} {PRICE_UNITS_TEXT[k]}"
                for k, v in sol.binding.items()))
        else:
            st.write("No limit binds: the most profitable terms meet them all.")
    table = portfolio_table(report)
    for key in PERCENT_MEASURES:
        table.loc[key] = table.loc[key] * 100
    st.dataframe(table.rename(index=MEASURE_LABELS).style.format("{:,.2f}"), width="stretch")
    _frontier(report)
    if sol.objective_cny is not None:
        assigned = assignment_table(ctx, report)
        counts = assigned["terms"].map(TERMS_LABELS).value_counts()
        st.write("Terms chosen: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        assigned["terms"] = assigned["terms"].map(TERMS_LABELS)
        assigned["today_terms"] = assigned["today_terms"].map(TERMS_LABELS)
        st.dataframe(assigned.head(200), hide_index=True, width="stretch")
        st.download_button(_("Download the assignment (Excel)"), policy_workbook(ctx, report),
                           file_name="payment_terms.xlsx", mime=XLSX_MIME, key="fin_xlsx")


def _frontier(report: PolicyReport) -> None:
    points = pd.DataFrame(report.frontier)
    solved = points[points["status"] == "optimal"]
    if solved.empty:
        st.info(_("No DSO limit on the frontier can be met with the other limits."))
        return
    line = alt.Chart(solved).mark_line(point=True).encode(
        x=alt.X("dso_limit_days:Q", title=_("DSO limit (days)"), scale=alt.Scale(zero=False)),
        y=alt.Y("profit_cny:Q", title=_("expected profit (CNY/year)"),
                scale=alt.Scale(zero=False)))
    layers = [line]
    sol = report.solution
    if sol.objective_cny is not None:
        chosen = pd.DataFrame({"dso_limit_days": [sol.portfolio["dso_days"]],
                               "profit_cny": [sol.objective_cny], "label": ["chosen"]})
        layers.append(alt.Chart(chosen).mark_point(size=150, color="#c62828", filled=True)
                      .encode(x="dso_limit_days:Q", y="profit_cny:Q", tooltip=["label"]))
    st.caption(_("DSO-profit frontier: the most profit reachable under each DSO limit (each "
                 "point solved to proven optimality); the red point is the chosen assignment."))
    st.altair_chart(alt.layer(*layers), width="stretch")


__all__ = ["ICON", "TITLE", "URL_PATH", "render"]
