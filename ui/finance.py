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
from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from data.dataset import Dataset
from data.fingerprint import files_fingerprint
from data.problems import InputError, said
from scenarios.channel import XLSX_MIME
from scenarios.credit_cache import (
    ScoreView,
    decode_policy,
    decode_scores,
    encode_policy,
    encode_scores,
    kept,
    policy_view,
    score_view,
    view_file,
)
from scenarios.credit_report import (
    FRONTIER_POINTS,
    CreditContext,
    PolicyReport,
    credit_context,
    policy_report,
    policy_workbook,
    portfolio_table,
    tier_summary,
)
from scenarios.loading import LoadedScenario, load_scenario
from scenarios.paths import default_scenarios_dir
from scenarios.schema import Scenario
from ui import page_index
from ui.committee_run import scenario_files
from ui.common import FileStamp, folder_stamp, load_dataset_or_error, show_problems
from ui.finance_collections import (
    TIER_LABELS,
    kept_view,
    reminders_section,
    simulate_section,
    worklist_section,
)
from ui.i18n import N_, _, in_language, language
from ui.overview import type_label

TITLE, ICON, URL_PATH = page_index.FINANCE[:3]
TIERS = ("premium", "ordinary", "risk")
TIER_COLOURS = ("#2e7d32", "#f9a825", "#c62828")
TERMS_LABELS = {"monthly": N_("monthly settlement"), "extended_75_days": N_("75 days"),
                "cash_discount_1pct": N_("1% cash discount"), "monthly_plus_quarterly_rebate":
                N_("monthly + quarterly rebate"),
                "cash_before_delivery": N_("cash before delivery")}
MEASURE_LABELS = {"dso_days": N_("DSO (days)"),
                  "bad_debt_rate": N_("bad debt (% of credit sales)"),
                  "sales_loss_rate": N_("sales lost to terms (%)"),
                  "discount_cost_cny": N_("discount + rebate cost (CNY/year)"),
                  "financing_cost_cny": N_("financing cost (CNY/year)"),
                  "bad_debt_cny": N_("bad debt (CNY/year)"),
                  "profit_cny": N_("expected profit (CNY/year)"),
                  "sales_cny": N_("sales (CNY/year)")}
#: the unit of a binding limit's price (scenarios.credit_report.PRICE_UNITS_TEXT's keys)
PRICE_UNITS = {"dso_days": N_("CNY/year per day"),
               "bad_debt_rate": N_("CNY/year per percentage point"),
               "sales_loss_rate": N_("CNY/year per percentage point")}
#: the portfolio table's columns (scenarios.credit_report.portfolio_table)
PORTFOLIO_COLUMNS = {"today (all monthly)": N_("today (all monthly)"),
                     "tiered (scenario)": N_("tiered (scenario)"), "optimized": N_("optimized")}
#: the population stability's bands (models.credit.stability.BANDS)
BAND_LABELS = {"stable": N_("stable"), "watch": N_("watch"), "shift": N_("shift")}
#: the assignment table's headers
ASSIGNMENT_LABELS = {"customer_id": N_("account ID"), "name": N_("account"),
                     "customer_type": N_("type"), "city": N_("city"), "tier": N_("tier"),
                     "annual_sales_cny": N_("sales last year (CNY)"),
                     "today_terms": N_("terms today"), "terms": N_("terms chosen"),
                     "receivable_days": N_("receivable days"),
                     "bad_debt_rate": N_("bad debt (% of credit sales)"),
                     "profit_cny": N_("expected profit (CNY/year)"),
                     "profit_gain_cny": N_("profit gain vs today (CNY/year)")}
PERCENT_MEASURES = ("bad_debt_rate", "sales_loss_rate")
NOT_SOLVED_TEXT = N_(
    "Not computed yet for these limits: the terms model's assignment, its proof, the price of "
    "each binding limit and the DSO-profit frontier. Once solved the answer is kept, and every "
    "later visit shows it at once.")


Key = tuple[str, float, bool]  # scenario file, its mtime, data set outside the project allowed


@st.cache_resource(max_entries=2, show_spinner=False)
def _loaded(path: str, mtime: float, allow_outside: bool) -> LoadedScenario | InputError:
    """The scenario file read and checked; a refusal is returned, not raised."""
    del mtime  # cache key only
    try:
        return load_scenario(path, allow_outside_data=allow_outside)
    except InputError as exc:
        return exc.with_traceback(None)


def _dataset(key: Key) -> Dataset | InputError:
    """The scenario's data set: loaded once for every page (:mod:`ui.common`)."""
    loaded = _loaded(*key)
    return loaded if isinstance(loaded, InputError) else load_dataset_or_error(
        loaded.dataset_path)


@st.cache_resource(max_entries=2, show_spinner=False)
def _context(path: str, mtime: float, allow_outside: bool) -> CreditContext | InputError:
    """Cached :func:`credit_context` of a scenario file; a refusal is returned, not raised.
    Built only when something not kept on disk is asked for."""
    ds = _dataset((path, mtime, allow_outside))
    if isinstance(ds, InputError):
        return ds
    try:
        return credit_context(_loaded(path, mtime, allow_outside), dataset=ds)  # type: ignore[arg-type]
    except InputError as exc:
        return exc.with_traceback(None)


@st.cache_data(max_entries=8, show_spinner=False)
def _fingerprint(folder: str, stamp: FileStamp) -> str | None:
    """The data set's fingerprint from its files' bytes (no loading): the kept views' key."""
    del stamp  # cache key only
    return files_fingerprint(folder)


def _view_file(kind: str, settings: dict, key: Key) -> Path:
    loaded: LoadedScenario = _loaded(*key)  # type: ignore[assignment]
    folder = loaded.dataset_path
    fingerprint = _fingerprint(str(folder), folder_stamp(folder)) if folder.is_dir() else None
    if fingerprint is None:  # a table without its file: loading says what is wrong
        ds = _dataset(key)
        if isinstance(ds, InputError):
            raise ds
        fingerprint = ds.fingerprint
    return view_file(kind, fingerprint, loaded.text, settings)


def _ctx(key: Key) -> CreditContext:
    """The credit context (built once per process and scenario file); raises a refusal."""
    ctx = _context(*key)
    if isinstance(ctx, InputError):
        raise ctx
    return ctx


@st.cache_resource(max_entries=4, show_spinner=False)
def _scores(path: str, mtime: float, allow_outside: bool) -> ScoreView:
    """Scores, reasons and stability: kept on disk, else computed (and kept)."""
    key = (path, mtime, allow_outside)
    return kept(_view_file("scores", {}, key), lambda: score_view(_ctx(key)), encode_scores,
                decode_scores)


def _with_limits(ctx: CreditContext, limits: tuple[float, float, float]) -> CreditContext:
    credit = ctx.scenario.credit.model_copy(update={
        "dso_limit_days": limits[0], "bad_debt_limit": limits[1], "sales_loss_limit": limits[2]})
    return replace(ctx, scenario=ctx.scenario.model_copy(update={"credit": credit}))


def _solve(key: Key, limits: tuple[float, float, float], points: int
           ) -> tuple[PolicyReport, pd.DataFrame | None]:
    """The terms model under ``limits`` with its frontier and assignment, computed and kept."""
    with st.spinner(_("Loading the data set, calibrating and scoring …")):
        ctx = _ctx(key)
    with st.spinner(_("Solving the terms model and its frontier …")):
        return kept(_view_file("policy", {"limits": limits, "points": points}, key),
                    lambda: policy_view(ctx, policy_report(_with_limits(ctx, limits),
                                                           frontier_points=points)),
                    encode_policy, decode_policy)


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
    key: Key = (str(path), path.stat().st_mtime, configured)
    loaded = _loaded(*key)
    if isinstance(loaded, InputError):
        show_problems(_("The scenario {name} was refused").format(name=name), loaded)
        return
    try:
        with st.spinner(_("Loading the data set, calibrating and scoring …")):
            view = _scores(*key)
    except InputError as exc:
        show_problems(_("The scenario {name} was refused").format(name=name), exc)
        return
    _scores_section(view)
    _one_account(view.table)
    _stability(view)
    limits = _limits(loaded.scenario)
    report = _policy_section(key, limits)
    simulate_section(path, configured, limits, report, (*key, limits))
    views = partial(_view_file, key=key)
    reminders_section(partial(_ctx, key), views)
    worklist_section(partial(_ctx, key), views)


def _scores_section(s: ScoreView) -> None:
    table = s.table
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
    shown = (by_type.reindex(columns=list(TIERS)).fillna(0) * 100).round(1).rename(
        index=type_label, columns=lambda t: _("{tier} (% of the type's accounts)").format(
            tier=_(TIER_LABELS[t])))
    shown.index.name, shown.columns.name = _("type"), None
    st.dataframe(shown, width="stretch")


#: the score's features (models.credit.scoring.FEATURES; the type columns as one), as the
#: reasons name them
FEATURE_LABELS = {
    "operating_years": N_("years in operation"), "revenue_growth_pct": N_("revenue growth (%)"),
    "debt_ratio": N_("debt ratio"), "reputation_score": N_("reputation score"),
    "relationship_years": N_("years as our customer"),
    "invoice_count": N_("invoices in the last year"),
    "late_15d_share": N_("share of invoices paid over 15 days late"),
    "mean_days_late": N_("mean days paid late"),
    "written_off_share": N_("share of invoicing written off"),
    "overdue_share": N_("share of open receivables overdue"),
    "has_history": N_("payment history on record"), "customer_type": N_("customer type")}


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
    reasons = [(_(FEATURE_LABELS.get(row[f"reason_{j}"], row[f"reason_{j}"])),
                row[f"points_{j}"]) for j in (1, 2, 3)
               if isinstance(row.get(f"reason_{j}"), str) and row[f"reason_{j}"]]
    if reasons:
        st.dataframe(pd.DataFrame(reasons, columns=[_("feature"), _("points it costs")])
                     .round(1), hide_index=True)
    else:
        st.caption(_("No feature costs this account points: each is at its best value."))


def _stability(view: ScoreView) -> None:
    st.subheader(_("Population stability (last two quarters)"))
    value, band, features = view.psi, view.psi_band, view.psi_features
    st.caption(_("PSI of the accounts at the data set's date against 91 days earlier, same "
                 "scorecard: below 0.1 stable, 0.1-0.25 watch, above 0.25 the population has "
                 "shifted and the scorecard should be re-checked."))
    st.metric(_("score PSI"), f"{value:.3f}", _(BAND_LABELS.get(band, band)),
              delta_color="off")
    shown = features.round(3).assign(band=features["band"].map(
        lambda b: _(BAND_LABELS.get(b, b))))
    st.dataframe(shown.rename(columns={"psi": "PSI", "band": _("band")}), width="stretch")


def _limits(scenario: Scenario) -> tuple[float, float, float]:
    sb = st.sidebar
    sb.subheader(_("Terms model limits"))
    lev, targets = scenario.credit, scenario.targets
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


def _policy_section(key: Key, limits: tuple[float, float, float]) -> PolicyReport | None:
    """The terms model's answer under ``limits`` when it is kept, else what is missing and
    the button that computes it; the report shown (None: not computed)."""
    st.subheader(_("Payment terms per account (terms model)"))
    points = FRONTIER_POINTS
    found = kept_view(_view_file("policy", {"limits": limits, "points": points}, key),
                      decode_policy)
    if found is None:
        st.info(_(NOT_SOLVED_TEXT))
        if not st.button(_("Solve the terms model"), type="primary", key="fin_solve"):
            return None
        found = _solve(key, limits, points)
    report, assigned = found
    _policy_answer(key, report, assigned)
    return report


def _workbook(scenario: Key, report: PolicyReport) -> bytes:
    """The assignment as Excel (the credit context is built then if this process has none)."""
    return policy_workbook(_ctx(scenario), report)


def _policy_answer(scenario: Key, report: PolicyReport, assigned: pd.DataFrame | None) -> None:
    sol = report.solution
    if sol.objective_cny is None:
        reach = report.reachable
        # the solver's message names the limit by its technical name (e.g. dso_days)
        st.warning(_("No assignment meets the limits: {why}. With the allowed terms the lowest "
                     "DSO reachable is {dso} days and the lowest bad debt {bad}; loosen the "
                     "limit named.").format(why=said(sol.message, _),
                                            dso=f"{reach['dso_days']:.1f}",
                                            bad=f"{reach['bad_debt_rate']:.2%}"))
    else:
        st.success(_("Proven optimal (gap {gap}) in {seconds} s: expected profit {profit} "
                     "CNY/year, bound {bound}.").format(
                         gap=f"{sol.gap:.1e}", seconds=f"{sol.seconds:.1f}",
                         profit=f"{sol.objective_cny:,.0f}", bound=f"{sol.bound_cny:,.0f}")
                   if sol.status == "optimal" else
                   _("Stopped without proof ({status}), gap {gap}.").format(
                       status=sol.status, gap=sol.gap))
        if sol.binding:
            price = _("{limit}: one more unit is worth {value} {unit}")
            st.write(_("Binding limits: {limits}").format(limits="; ".join(
                price.format(limit=_(MEASURE_LABELS[k]), value=f"{v:,.0f}",
                             unit=_(PRICE_UNITS[k])) for k, v in sol.binding.items())))
        else:
            st.write(_("No limit binds: the most profitable terms meet them all."))
    table = portfolio_table(report)
    for key in PERCENT_MEASURES:
        table.loc[key] = table.loc[key] * 100
    st.dataframe(table.rename(index=lambda k: _(MEASURE_LABELS.get(k, k)),
                              columns=lambda c: _(PORTFOLIO_COLUMNS.get(c, c)))
                 .style.format("{:,.2f}"), width="stretch")
    _frontier(report)
    if assigned is not None:
        counts = assigned["terms"].map(lambda t: _(TERMS_LABELS[t])).value_counts()
        st.write(_("Terms chosen: {counts}").format(
            counts=", ".join(f"{t} {n:,}" for t, n in counts.items())))
        shown = assigned.head(200).assign(
            terms=lambda t: t["terms"].map(lambda v: _(TERMS_LABELS[v])),
            today_terms=lambda t: t["today_terms"].map(lambda v: _(TERMS_LABELS[v])),
            customer_type=lambda t: t["customer_type"].map(type_label),
            tier=lambda t: t["tier"].map(lambda v: _(TIER_LABELS.get(v, v))),
            bad_debt_rate=lambda t: 100 * t["bad_debt_rate"])
        st.dataframe(shown.rename(columns=lambda c: _(ASSIGNMENT_LABELS.get(c, c))),
                     hide_index=True, width="stretch")
        # made when clicked
        st.download_button(_("Download the assignment (Excel)"),
                           in_language(language(), partial(_workbook, scenario, report)),
                           file_name="payment_terms.xlsx", mime=XLSX_MIME, key="fin_xlsx",
                           on_click="ignore")


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
                               "profit_cny": [sol.objective_cny], "label": [_("chosen")]})
        layers.append(alt.Chart(chosen).mark_point(size=150, color="#c62828", filled=True)
                      .encode(x="dso_limit_days:Q", y="profit_cny:Q", tooltip=["label"]))
    st.caption(_("DSO-profit frontier: the most profit reachable under each DSO limit (each "
                 "point solved to proven optimality); the red point is the chosen assignment."))
    st.altair_chart(alt.layer(*layers), width="stretch")


__all__ = ["ICON", "TITLE", "URL_PATH", "render"]
