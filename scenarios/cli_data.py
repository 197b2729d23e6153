"""``pharmaops data import FILE... --name NAME`` and ``pharmaops data template --out FILE``: a
data set of one's own from CSV or Excel files, checked whole and stored only when valid
(docs/data.md, "Your own data"). The problems go to stderr as a table with exit code 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from data.problems import Problem
from scenarios.cli_common import CliError, _emit, _records
from scenarios.jsonio import output_path_problem, write_file_atomically

EXIT_BAD_INPUT = 2


def _read_files(paths: list[str]) -> list[tuple[str, bytes]]:
    files, problems = [], []
    for name in paths:
        try:
            files.append((Path(name).name, Path(name).read_bytes()))
        except OSError as exc:
            problems.append(Problem(name, "", "a readable file", exc.strerror or str(exc)))
    if problems:
        raise CliError(problems, f"{len(problems)} file(s) cannot be read; nothing was stored")
    return files


def cmd_data_import(args: argparse.Namespace) -> int:
    from data.upload import default_uploads_dir, store_upload

    files = _read_files(args.files)
    uploads = Path(args.out) if args.out else default_uploads_dir()
    result = store_upload(files, args.name, uploads, as_of=args.as_of)
    if not result.valid:
        print(f"error: {len(result.problems)} problem(s) in the data set; nothing was stored",
              file=sys.stderr)
        with pd.option_context("display.max_colwidth", 160, "display.width", 250):
            print(result.problems.to_string(index=False, na_rep=""), file=sys.stderr)
        if args.json:
            _emit({"valid": False, "stored": None,
                   "problems": _records(result.problems.astype(object).where(
                       result.problems.notna(), None))}, args)
        return EXIT_BAD_INPUT
    ds = result.dataset
    assert ds is not None
    print(f"stored in {result.folder}: valid, as of {ds.as_of:%Y-%m-%d}, "
          f"fingerprint {ds.fingerprint}")
    print(pd.Series(ds.counts(), name="rows").to_string())
    if args.json:
        _emit({"valid": True, "stored": str(result.folder), "as_of": f"{ds.as_of:%Y-%m-%d}",
               "fingerprint": ds.fingerprint, "rows": ds.counts()}, args)
    return 0


def cmd_data_template(args: argparse.Namespace) -> int:
    from data.upload import template_workbook

    problem = output_path_problem(args.out, "--out")
    if problem is None and args.out == "-":
        problem = Problem("--out", "", "a file path (an Excel file is not text)", "-")
    if problem is not None:
        raise CliError(problem)
    try:
        write_file_atomically(template_workbook(), args.out)
    except OSError as exc:
        raise CliError(Problem(args.out, "", "a writable file", str(exc))) from exc
    print(f"template written to {args.out}: a README sheet and one sheet per table with "
          "example rows; fill it in and run `pharmaops data import`")
    return 0


def add_data_parsers(data_sub) -> None:
    """``import`` and ``template`` under the ``data`` command's subparsers."""
    imp = data_sub.add_parser(
        "import", help="check CSV / Excel files as one data set and store it when valid")
    imp.add_argument("files", nargs="+", metavar="FILE",
                     help="one .csv or .xlsx per table (named after it) or one workbook with a "
                          "sheet per table; dataset.json optional")
    imp.add_argument("--name", required=True, help="a name for the data set")
    imp.add_argument("--out", metavar="DIR",
                     help="uploads folder (default $PHARMAOPS_UPLOADS_DIR or uploads/)")
    imp.add_argument("--as-of", metavar="YYYY-MM-DD",
                     help="end of the history (default: the latest recorded event)")
    imp.add_argument("--json", metavar="PATH", help="write the outcome as JSON ('-' = stdout)")
    imp.set_defaults(func=cmd_data_import)
    tpl = data_sub.add_parser("template", help="write the template workbook (.xlsx)")
    tpl.add_argument("--out", required=True, metavar="FILE", help="the .xlsx file to write")
    tpl.set_defaults(func=cmd_data_template)
