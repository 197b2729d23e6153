"""``pharmaops channel reconcile [DATASET]``: each distributor's stock per product and month
from our shipments, its flow data and its stock reports, and what does not add up
(docs/channel.md). Tables for people on stdout, ``--json PATH`` and ``--xlsx PATH`` for
machines and spreadsheets; bad input is reported by :func:`scenarios.cli.main` (exit 2)."""

from __future__ import annotations

import argparse

import pandas as pd

from scenarios.cli_common import _dataset_arg, _emit, _load
from scenarios.paths import DEFAULT_DATASET


def cmd_channel_reconcile(args: argparse.Namespace) -> int:
    from scenarios import channel

    ds = _load(_dataset_arg(args.dataset))
    report = channel.channel_report(ds)
    doc = channel.report_payload(report, ds)
    summary, stock = doc["summary"], report.stock
    found = channel.anomaly_table(report)[["Month", "Distributor", "Product", "What was found"]]
    print(f"channel of {ds.path}: {summary['distributors']} distributors × {summary['products']} "
          f"products, {doc['months']['first']} .. {doc['months']['last']}; {len(found)} findings")
    print(pd.Series(summary["anomalies"], dtype=int).to_string())
    print(f"channel stock at the end of {summary['channel_stock']['month']}: "
          f"{channel.stock_days_text(stock.total['stock_days'], str(stock.total['note']))} of "
          f"the last {stock.window_months} months' sales; the first findings:")
    print(found.head(20).to_string(index=False) if len(found) else "none")
    if args.xlsx:
        channel.write_reconciliation_xlsx(args.xlsx, report, ds)
    if args.json:
        _emit(doc, args)
    return 0


def add_channel_parser(sub: argparse._SubParsersAction) -> None:
    ch = sub.add_parser("channel", help="distributors' flow data and channel stock")
    cr = ch.add_subparsers(dest="channel_command", required=True).add_parser(
        "reconcile", help="each distributor's stock per product and month; the findings")
    cr.add_argument("dataset", nargs="?", help=f"data set folder (default {DEFAULT_DATASET})")
    cr.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    cr.add_argument("--xlsx", metavar="PATH", help="write the tables as an Excel workbook")
    cr.set_defaults(func=cmd_channel_reconcile)
