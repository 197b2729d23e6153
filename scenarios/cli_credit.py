"""``pharmaops credit score [SCENARIO]`` (each account's score, tier and reasons),
``pharmaops credit policy SCENARIO`` (the terms model's assignment with its proof, prices and
DSO-profit frontier) and ``pharmaops credit worklist [SCENARIO]`` (today's open receivables
ranked by what one contact brings in; docs/credit.md). Tables for people on stdout,
``--json``, ``--csv`` and ``--xlsx`` for machines and spreadsheets; bad input is reported by
:func:`scenarios.cli.main` (exit 2)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

import pandas as pd
from pydantic import ValidationError

from data.problems import Problem, ScenarioError
from scenarios.cli_common import _emit, _status
from scenarios.jsonio import write_file_atomically, write_json
from scenarios.paths import shipped_scenario

DEFAULT_SCENARIO = shipped_scenario("plan")
#: the worklist is today's: today's reminders go on unless a scenario says otherwise
WORKLIST_SCENARIO = shipped_scenario("baseline")
#: exit code of ``credit policy`` when no assignment meets the limits (bad input is 2)
EXIT_NO_ASSIGNMENT = 1
#: command-line option → credit lever it overrides
OVERRIDES = {"dso_limit": "dso_limit_days", "bad_debt_limit": "bad_debt_limit",
             "sales_loss_limit": "sales_loss_limit"}


def _loaded(args: argparse.Namespace, default=DEFAULT_SCENARIO):
    """The scenario named (else ``default``), with the command line's limits in its credit
    section, validated like the file itself."""
    from scenarios.compare import load_scenarios
    from scenarios.schema import Scenario

    loaded = load_scenarios([args.scenario or default],
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

    if args.simulate < 0 or args.simulate == 1:
        raise ScenarioError([Problem("command line", "--simulate",
                                     "0 (do not simulate) or at least 2 replications (a CI "
                                     "needs two)", str(args.simulate))])
    loaded = _loaded(args)
    ctx = cr.credit_context(loaded, status=_status)
    _status("choosing each account's terms and tracing the DSO-profit frontier")
    report = cr.policy_report(ctx, frontier_points=args.frontier_points)
    doc = cr.policy_payload(ctx, report)
    _print_policy(doc, report)
    if args.xlsx:
        cr.write_policy_xlsx(args.xlsx, ctx, report)
    if report.solution.objective_cny is None:
        if args.json:
            _emit(doc, args)
        # a model's answer, not bad input: the documents say which limit cannot be met
        print(f"no assignment meets the limits: {doc['message']}", file=sys.stderr)
        return EXIT_NO_ASSIGNMENT
    if args.simulate:
        table = _simulated(loaded, ctx, report, args.simulate, args.progress_file)
        doc["simulated"] = {"replications": args.simulate,
                            "projection": table.drop(columns="unit").to_dict(orient="index")}
    if args.json:
        _emit(doc, args)
    return 0


def _simulated(loaded, ctx, report, replications: int,
               progress_file: str | None = None) -> pd.DataFrame:
    """Print and return the simulated projection of the assignment, with CIs; with
    ``progress_file``, ``{"done", "total", "label"}`` after each replication (the app's job
    queue)."""
    from scenarios.credit_simulation import policy_projection, simulate_policy

    _status(f"simulating the assignment ({replications} replications)")

    def progress(done: int, total: int) -> None:
        if progress_file:
            write_json({"done": done, "total": total, "label": "simulation"}, progress_file)

    run = simulate_policy(loaded, ctx, report, replications=replications, progress=progress)
    table = policy_projection(run, report)
    print(f"\nsimulated with these terms ({replications} replications, seed "
          f"{run.result.seed}; mean and 95% CI; the terms model's expectation beside it):")
    print(table.to_string(float_format=lambda v: f"{v:,.4g}"))
    return table


def cmd_credit_worklist(args: argparse.Namespace) -> int:
    from scenarios import collections as co
    from scenarios import credit_report as cr

    if args.horizon_days < 1 or args.lead_days < 0 or args.top < 0:
        raise ScenarioError([Problem(
            "command line", "--horizon-days / --lead-days / --top",
            "horizon ≥ 1 day, lead ≥ 0 days, top ≥ 0",
            f"{args.horizon_days}, {args.lead_days}, {args.top}")])
    ctx = cr.credit_context(_loaded(args, WORKLIST_SCENARIO), status=_status)
    _status("valuing a contact on every open receivable")
    wl = co.collection_worklist(ctx, horizon_days=args.horizon_days, lead_days=args.lead_days)
    acc = wl.accounts
    print(f"collection worklist of {ctx.dataset.path} at {wl.as_of:%Y-%m-%d}: {len(acc)} "
          f"accounts, {acc['open_cny'].sum():,.0f} CNY open and overdue or due within "
          f"{wl.lead_days} days ({wl.not_yet_due[1]:,.0f} CNY due later left off); one contact "
          f"each brings {acc['recovered_cny'].sum():,.0f} CNY into the next {wl.horizon_days} "
          "days in all")
    print(acc["contact"].value_counts().to_string(header=False))
    cols = ["rank", "customer_id", "name", "city", "contact", "recovered_cny", "open_cny",
            "overdue_cny", "days_overdue", "default_probability_open"]
    if args.top:
        print(f"\nfirst {min(args.top, len(acc))}:")
        print(acc.head(args.top)[cols].to_string(index=False, formatters={
            "recovered_cny": "{:,.0f}".format, "open_cny": "{:,.0f}".format,
            "overdue_cny": "{:,.0f}".format, "default_probability_open": "{:.1%}".format}))
    if args.csv:
        # UTF-8 with BOM: Excel on a Chinese Windows machine reads the names correctly
        write_file_atomically(acc.to_csv(index=False).encode("utf-8-sig"), args.csv)
    if args.xlsx:
        write_file_atomically(co.worklist_workbook(wl), args.xlsx)
    if args.json:
        _emit(co.worklist_payload(ctx, wl), args)
    return 0


def _outputs(parser: argparse.ArgumentParser, csv: str | None, xlsx: str) -> None:
    """The files a credit command writes, and where its data set may lie."""
    if csv:
        parser.add_argument("--csv", metavar="PATH", help=f"write {csv}")
    parser.add_argument("--xlsx", metavar="PATH", help=f"write {xlsx}")
    parser.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    parser.add_argument("--allow-outside-data", action="store_true",
                        help="let the scenario's data set lie outside the project's data folder")


def add_credit_parser(sub: argparse._SubParsersAction) -> None:
    cr = sub.add_parser("credit", help="credit scores and payment terms (finance)")
    cs = cr.add_subparsers(dest="credit_command", required=True)
    sc = cs.add_parser("score", help="each account's credit score, tier and reasons")
    sc.add_argument("scenario", nargs="?",
                    help=f"scenario file (data set, seed, thresholds; default {DEFAULT_SCENARIO})")
    _outputs(sc, "every account's score as CSV", "the scores as an Excel workbook")
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
    po.add_argument("--simulate", type=int, default=0, metavar="REPLICATIONS",
                    help="also simulate the assignment and print DSO, bad debt and the terms' "
                         "costs with CIs, in the JSON as simulated.projection (default 0: "
                         "do not)")
    po.add_argument("--progress-file", metavar="PATH", help="write the simulation's progress "
                    "as JSON here (done, total, label)")
    _outputs(po, None, "the assignment as an Excel workbook")
    po.set_defaults(func=cmd_credit_policy)
    wl = cs.add_parser("worklist", help="today's open receivables ranked by what one contact "
                                        "brings in, with the contact to make and why")
    wl.add_argument("scenario", nargs="?",
                    help=f"scenario file (data set, seed, reminders; default "
                         f"{WORKLIST_SCENARIO})")
    wl.add_argument("--horizon-days", type=int, default=30, metavar="DAYS",
                    help="count what is paid within this many days of today (default 30)")
    wl.add_argument("--lead-days", type=int, default=3, metavar="DAYS",
                    help="list invoices due within this many days too (default 3)")
    wl.add_argument("--top", type=int, default=15, metavar="N",
                    help="accounts printed (default 15; every account goes to the files)")
    _outputs(wl, "the ranked accounts as CSV", "the worklist as an Excel workbook")
    wl.set_defaults(func=cmd_credit_worklist)
