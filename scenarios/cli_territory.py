"""``pharmaops territory plan SCENARIO``: customer tiers, A/B/C/D and lifetime value per
account, doctor grades under the scenario's weights and the value grid (docs/territory.md);
the call plan, alignment and sales-force size are listed as not built yet. Tables for people
on stdout, ``--json`` and ``--xlsx`` for machines and spreadsheets; bad input is reported by
:func:`scenarios.cli.main` (exit 2)."""

from __future__ import annotations

import argparse

from scenarios.cli_common import _emit
from scenarios.jsonio import write_file_atomically


def cmd_territory_plan(args: argparse.Namespace) -> int:
    from scenarios import territory_report as tr
    from scenarios.compare import load_scenarios

    loaded = load_scenarios([args.scenario], allow_outside_data=args.allow_outside_data)[0]
    ctx = tr.territory_context(loaded)
    seg, doctors = tr.segment_table(ctx), tr.doctor_table(ctx)
    doc = tr.territory_payload(ctx, seg, doctors)
    print(f"territory of {ctx.dataset.path} at {doc['as_of']} for {doc['scenario']!r}: "
          f"{len(seg):,} accounts, {len(doctors):,} doctors")
    print(tr.tier_summary(seg).set_index("tier").to_string(formatters={
        "orders_cny": "{:,.0f}".format, "share_of_accounts": "{:.1%}".format,
        "share_of_orders": "{:.1%}".format}))
    print("A/B/C/D:", ", ".join(f"{k} {v:,}" for k, v in doc["abcd"].items()))
    print("doctor grades:", ", ".join(f"{k} {v:,}" for k, v in doc["grades"].items()))
    for area, cells in doc["grid"].items():
        print(f"value grid, {area}:", ", ".join(f"{k} {v:,}" for k, v in cells.items()))
    print("not built yet:", ", ".join(doc["not_built"]))
    if args.xlsx:
        write_file_atomically(tr.territory_workbook(seg, doctors), args.xlsx)
    if args.json:
        _emit(doc, args)
    return 0


def add_territory_parser(sub: argparse._SubParsersAction) -> None:
    te = sub.add_parser("territory", help="customer tiers and doctor grades (sales directors)")
    ts = te.add_subparsers(dest="territory_command", required=True)
    pl = ts.add_parser("plan", help="tiers, A/B/C/D, lifetime value, doctor grades and the "
                                    "value grid of a scenario's data set")
    pl.add_argument("scenario", help="scenario file (data set; [territory] grading weights)")
    pl.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    pl.add_argument("--xlsx", metavar="PATH", help="write the tables as an Excel workbook")
    pl.add_argument("--allow-outside-data", action="store_true",
                    help="let the scenario's data set lie outside the project's data folder")
    pl.set_defaults(func=cmd_territory_plan)
