"""``pharmaops credit score [SCENARIO]`` (each account's score, tier and reasons) and
``pharmaops credit policy SCENARIO`` (the terms model's assignment with its proof, prices and
DSO-profit frontier; docs/credit.md). Tables for people on stdout, ``--json``, ``--csv`` and
``--xlsx`` for machines and spreadsheets; bad input is reported by :func:`scenarios.cli.main`
(exit 2)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

import pandas as pd
from pydantic import ValidationError

from data.problems import Problem, ScenarioError
from scenarios.cli_common import _emit, _status
from scenarios.jsonio import write_file_atomically
from scenarios.paths import SCENARIOS_DIR

DEFAULT_SCENARIO = SCENARIOS_DIR / "plan.toml"
#: exit code of ``credit policy`` when no assignment meets the limits (bad input is 2)
EXIT_NO_ASSIGNMENT = 1
#: command-line option → credit lever it overrides
OVERRIDES = {"dso_limit": "dso_limit_days", "bad_debt_limit": "bad_debt_limit",
             "sales_loss_limit": "sales_loss_limit"}


def _loaded(args: argparse.Namespace):
    """The scenario named (default plan), with the command line's limits in its credit
    section, validated like the file itself."""
    from scenarios.compare import load_scenarios
    from scenarios.schema import Scenario

    loaded = load_scenarios([args.scenario or DEFAULT_SCENARIO],
                            allow_outside_data=args.allow_outside_data)[0]
    given = {lever: getattr(args, option) for option, lever in OVERRIDES.items()
             if getattr(args, option, None) is not None}
    if not given:
        return loaded
    raw = loaded.scenario.model_dump(exclude_unset=True)
    raw.setdefault("credit", {}).update(given)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        option = {lever: option for option, lever in OVERRIDES.items()}
        raise ScenarioError([Problem(
            "--" + option.get(str(e["loc"][-1]), str(e["loc"][-1])).replace("_", "-"), "",
            e["msg"], repr(e.get("input"))) for e in exc.errors()]) from None
    return replace(loaded, scenario=scenario)


def cmd_credit_score(args: argparse.Namespace) -> int:
    from scenarios import credit_report as cr

    ctx = cr.credit_context(_loaded(args), status=_status)
    table = cr.score_table(ctx)
    s = ctx.scores
    print(f"credit scores of {ctx.dataset.path} at {s.as_of:%Y-%m-%d}: {len(table)} accounts; "
          f"holdout AUC {s.holdout_auc:.3f} on {s.holdout_customers} accounts "
          f"(bad rate {s.holdout_bad_rate:.1%})")
    summary = cr.tier_summary(table).set_index("tier")
    print(summary.to_string(formatters={
        "invoiced_cny": "{:,.0f}".format, "share_of_accounts": "{:.1%}".format,
        "share_of_invoicing": "{:.1%}".format}))
    print("\nlowest scores, with the features that cost them most points:")
    cols = ["customer_id", "name", "customer_type", "score", "tier", "reason_1", "points_1",
            "reason_2", "points_2"]
    print(table.nsmallest(10, "score")[cols].to_string(index=False,
                                                       float_format=lambda v: f"{v:,.1f}"))
    if args.csv:
        # UTF-8 with BOM: Excel on a Chinese Windows machine reads the names correctly
        write_file_atomically(table.to_csv(index=False).encode("utf-8-sig"), args.csv)
    if args.xlsx:
        write_file_atomically(cr.score_workbook(ctx, table), args.xlsx)
    if args.json:
        _emit(cr.score_payload(ctx, table), args)
    return 0


def _print_policy(doc: dict, report) -> None:
    from scenarios.credit_report import PRICE_UNITS_TEXT, portfolio_table

    t = doc["targets"]
    print(f"terms model for {doc['scenario']!r}: {doc['status']} in {doc['seconds']:.1f} s; "
          f"limits DSO ≤ {t['dso_days']:g} days, bad debt ≤ {t['bad_debt_rate']:.2%}, "
          f"sales loss ≤ {t['sales_loss_rate']:.1%}")
    if doc["objective_cny"] is None:
        print(f"no assignment: {doc['message']}")
        reach = doc["reachable"]
        print(f"reachable with the allowed terms, each limit on its own: DSO "
              f"{reach['dso_days']:.1f} days, bad debt {reach['bad_debt_rate']:.2%}")
    else:
        print(f"expected profit {doc['objective_cny']:,.0f} CNY/year, bound "
              f"{doc['bound_cny']:,.0f}, gap {doc['gap']:.2e}")
    print(portfolio_table(report).to_string(float_format=lambda v: f"{v:,.4g}"))
    if doc["objective_cny"] is None:
        return
    print("\nterms chosen:", ", ".join(f"{k} {v}" for k, v in doc["option_counts"].items()))
    for key, price in doc["binding"].items():
        print(f"binding: {key}, one more unit is worth {price:,.0f} {PRICE_UNITS_TEXT[key]}")
    if not doc["binding"]:
        print("no limit binds: the most profitable terms meet them all")
    print("\nDSO-profit frontier:")
    print(pd.DataFrame(doc["frontier"]).to_string(index=False,
                                                  float_format=lambda v: f"{v:,.0f}"))


def cmd_credit_policy(args: argparse.Namespace) -> int:
    from scenarios import credit_report as cr

    loaded = _loaded(args)
    ctx = cr.credit_context(loaded, status=_status)
    _status("choosing each account's terms and tracing the DSO-profit frontier")
    report = cr.policy_report(ctx, frontier_points=args.frontier_points)
    doc = cr.policy_payload(ctx, report)
    _print_policy(doc, report)
    if args.xlsx:
        cr.write_policy_xlsx(args.xlsx, ctx, report)
    if args.json:
        _emit(doc, args)
    if report.solution.objective_cny is None:
        # a model's answer, not bad input: the documents say which limit cannot be met
        print(f"no assignment meets the limits: {doc['message']}", file=sys.stderr)
        return EXIT_NO_ASSIGNMENT
    return 0


def add_credit_parser(sub: argparse._SubParsersAction) -> None:
    cr = sub.add_parser("credit", help="credit scores and payment terms (finance)")
    cs = cr.add_subparsers(dest="credit_command", required=True)
    sc = cs.add_parser("score", help="each account's credit score, tier and reasons")
    sc.add_argument("scenario", nargs="?",
                    help=f"scenario file (data set, seed, thresholds; default {DEFAULT_SCENARIO})")
    sc.add_argument("--csv", metavar="PATH", help="write every account's score as CSV")
    sc.add_argument("--xlsx", metavar="PATH", help="write the scores as an Excel workbook")
    sc.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    sc.add_argument("--allow-outside-data", action="store_true",
                    help="let the scenario's data set lie outside the project's data folder")
    sc.set_defaults(func=cmd_credit_score)
    po = cs.add_parser("policy", help="payment terms per account: the terms model's optimum "
                                      "under the scenario's limits, and its DSO frontier")
    po.add_argument("scenario", help="scenario file (limits: [credit] and [targets])")
    po.add_argument("--dso-limit", type=float, metavar="DAYS",
                    help="portfolio DSO at most (default: credit.dso_limit_days, else "
                         "targets.dso_days)")
    po.add_argument("--bad-debt-limit", type=float, metavar="SHARE",
                    help="bad debt at most, share of credit sales (default: the scenario's)")
    po.add_argument("--sales-loss-limit", type=float, metavar="SHARE",
                    help="sales lost to the terms at most, share (default: the scenario's)")
    po.add_argument("--frontier-points", type=int, default=10, metavar="N",
                    help="DSO limits on the frontier (default 10)")
    po.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    po.add_argument("--xlsx", metavar="PATH", help="write the assignment as an Excel workbook")
    po.add_argument("--allow-outside-data", action="store_true",
                    help="let the scenario's data set lie outside the project's data folder")
    po.set_defaults(func=cmd_credit_policy)
