"""``pharmaops territory plan SCENARIO``: customer tiers, A/B/C/D and lifetime value per
account, doctor grades under the scenario's weights and the value grid (docs/territory.md);
with ``--align-seconds`` a balanced alignment of the terminals to reps; the call plan and
sales-force size are listed as not built yet. Tables for people
on stdout, ``--json`` and ``--xlsx`` for machines and spreadsheets; bad input is reported by
:func:`scenarios.cli.main` (exit 2)."""

from __future__ import annotations

import argparse

from data.problems import Problem, ScenarioError
from scenarios.cli_common import _emit, _status
from scenarios.jsonio import write_file_atomically


def cmd_territory_plan(args: argparse.Namespace) -> int:
    from scenarios import territory_report as tr
    from scenarios.compare import load_scenarios

    if args.align_seconds < 0 or not 0 <= args.balance < 1:
        raise ScenarioError([Problem("command line", "--align-seconds / --balance",
                                     "seconds ≥ 0 (0: no alignment), balance in [0, 1)",
                                     f"{args.align_seconds}, {args.balance}")])
    loaded = load_scenarios([args.scenario], allow_outside_data=args.allow_outside_data)[0]
    ctx = tr.territory_context(loaded)
    seg, doctors = tr.segment_table(ctx.dataset), tr.doctor_table(ctx)
    aligned, table = None, None
    if args.align_seconds:
        _status(f"aligning territories (balance ±{args.balance:.0%}, at most "
                f"{args.align_seconds:g} s)")
        result, table = tr.propose_alignment(ctx, doctors, balance=args.balance,
                                             time_limit_s=args.align_seconds)
        aligned = tr.alignment_payload(result, table, args.balance)
    doc = tr.territory_payload(ctx, seg, doctors, aligned)
    print(f"territory of {ctx.dataset.path} at {doc['as_of']} for {doc['scenario']!r}: "
          f"{len(seg):,} accounts, {len(doctors):,} doctors")
    print(tr.tier_summary(seg).set_index("tier").to_string(formatters={
        "orders_cny": "{:,.0f}".format, "share_of_accounts": "{:.1%}".format,
        "share_of_orders": "{:.1%}".format}))
    print("A/B/C/D:", ", ".join(f"{k} {v:,}" for k, v in doc["abcd"].items()))
    print("doctor grades:", ", ".join(f"{k} {v:,}" for k, v in doc["grades"].items()))
    for area, cells in doc["grid"].items():
        print(f"value grid, {area}:", ", ".join(f"{k} {v:,}" for k, v in cells.items()))
    if aligned is not None:
        a = aligned
        print(f"alignment: {a['status']} in {a['seconds']:.1f} s, {a['objective_km']:,.0f} km "
              f"to the reps' bases (today {a['km_today']:,.0f}), bound {a['bound_km']:,.0f}, "
              f"gap {a['gap']:.2%}; visits a month per rep today "
              f"{a['loads_today_min_max'][0]:,.0f}-{a['loads_today_min_max'][1]:,.0f}, "
              f"proposed within ±{a['balance']:.0%} of the average; "
              f"{a['disruption_visits']:,.0f} visits a month change rep {a['message']}")
    else:
        print("alignment: none proposed (--align-seconds S proposes one)")
    print("not built yet:", ", ".join(doc["not_built"]))
    if args.xlsx:
        write_file_atomically(tr.territory_workbook(seg, doctors, table), args.xlsx)
    if args.json:
        _emit(doc, args)
    return 0


def add_territory_parser(sub: argparse._SubParsersAction) -> None:
    te = sub.add_parser("territory", help="customer tiers and doctor grades (sales directors)")
    ts = te.add_subparsers(dest="territory_command", required=True)
    pl = ts.add_parser("plan", help="tiers, A/B/C/D, lifetime value, doctor grades and the "
                                    "value grid of a scenario's data set")
    pl.add_argument("scenario", help="scenario file (data set; [territory] grading weights)")
    pl.add_argument("--align-seconds", type=float, default=0.0, metavar="S",
                    help="also propose a balanced alignment of the hospitals and pharmacies "
                         "to reps within this many seconds (default 0: none; national: 60)")
    pl.add_argument("--balance", type=float, default=0.15, metavar="SHARE",
                    help="each rep's monthly visits within this share of the average "
                         "(default 0.15)")
    pl.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    pl.add_argument("--xlsx", metavar="PATH", help="write the tables as an Excel workbook")
    pl.add_argument("--allow-outside-data", action="store_true",
                    help="let the scenario's data set lie outside the project's data folder")
    pl.set_defaults(func=cmd_territory_plan)
