"""``pharmaops validate FILE``: check a scenario file against the schema and the data set it
names, and print its assumptions log (docs/scenarios.md). Bad input is exit 2, every problem
on stderr."""

from __future__ import annotations

import argparse
import sys
import textwrap

from scenarios.cli_common import EXIT_BAD_INPUT

#: the width the log's notes are wrapped to, characters
NOTE_WIDTH = 88


def cmd_validate(args: argparse.Namespace) -> int:
    from scenarios.assumptions_log import log_frame
    from scenarios.loading import load_scenario, validate_scenario_file

    problems = validate_scenario_file(args.file, allow_outside_data=args.allow_outside_data)
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{args.file}: valid")
    log = log_frame(load_scenario(args.file, allow_outside_data=args.allow_outside_data).scenario)
    if not len(log):
        print("assumptions log: no entries")
        return 0
    print(f"assumptions log ({len(log)} entries):")
    for row in log.itertuples(index=False):
        print(f"  {row.date:%Y-%m-%d}  {row.author}: {row.levers}")
        print(textwrap.fill(row.note, NOTE_WIDTH, initial_indent="    ",
                            subsequent_indent="    "))
    return 0


def add_book_parser(sub: argparse._SubParsersAction) -> None:
    va = sub.add_parser("validate", help="validate a scenario file and print its assumptions "
                                         "log")
    va.add_argument("file")
    va.add_argument("--allow-outside-data", action="store_true",
                    help="allow a data set outside the project's data folder")
    va.set_defaults(func=cmd_validate)
