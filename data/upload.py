"""A data set people upload: one CSV or Excel file per table, or one workbook with a sheet per
table, checked whole and stored only when valid.

Files arrive as ``(file name, bytes)`` pairs. A file's stem names its table (``orders.csv``,
``Orders.xlsx``); a workbook whose name is no table's, or that has several sheets, holds one
table per sheet named after it (a ``README`` sheet, as in :func:`template_workbook`, is
skipped). Each table is written into a staging folder in the format :func:`load_dataset`
reads (CSV as given; a sheet as UTF-8 CSV text), so the upload is validated by exactly the
checks of ``pharmaops data check``, every problem at once. Problems come back as a table
(table, row, column, problem) with the rows numbered as in the user's file or sheet (the
header is row 1). Only a valid data set is moved (``os.replace``, same file system) from the
staging folder into the uploads folder, as ``<name>-<fingerprint[:12]>``; the staging folder
is removed whatever happens, so a refused or interrupted upload leaves nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data.dataset import META_FILE, Dataset, load_dataset
from data.problems import N_, DatasetError, Problem, Text
from data.tables import TABLE_ORDER, TABLES, Table
from data.upload_template import README_SHEET, template_workbook

#: where stored uploads go unless ``$PHARMAOPS_UPLOADS_DIR`` says otherwise
UPLOADS_ENV_VAR = "PHARMAOPS_UPLOADS_DIR"
DEFAULT_UPLOADS_DIR = Path(__file__).resolve().parents[1] / "uploads"
PROBLEM_COLUMNS = ("table", "row", "column", "problem")
#: prefix of the staging folders inside the uploads folder (never listed as a data set)
STAGING_PREFIX = ".staging-"
_NAME_CHARS = re.compile(r"[^\w-]+")
_KNOWN = ", ".join(TABLE_ORDER)

__all__ = ["DEFAULT_UPLOADS_DIR", "PROBLEM_COLUMNS", "README_SHEET", "UPLOADS_ENV_VAR",
           "UploadResult", "check_upload", "default_uploads_dir", "problem_table",
           "store_upload", "stored_uploads", "template_workbook"]


@dataclass(frozen=True)
class UploadResult:
    """What an upload came to: the problems (empty when valid), the data set when valid, and
    the folder it is stored in (``None`` unless stored)."""

    problems: pd.DataFrame
    dataset: Dataset | None = None
    folder: Path | None = None

    @property
    def valid(self) -> bool:
        return self.dataset is not None and self.problems.empty


def default_uploads_dir() -> Path:
    """``$PHARMAOPS_UPLOADS_DIR`` or ``uploads/`` in the project."""
    value = os.environ.get(UPLOADS_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else DEFAULT_UPLOADS_DIR


def stored_uploads(uploads_dir: str | os.PathLike[str]) -> list[Path]:
    """The stored data sets in ``uploads_dir``, newest first (staging folders left out)."""
    folder = Path(uploads_dir)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


# --------------------------------------------------------------------------- staging
@dataclass(frozen=True)
class _Origin:
    """Where a staged table came from, as the user names it."""

    table: str
    label: str  # "orders.csv" or "book.xlsx, sheet orders" (a Text)


def _cell_text(value: object, kind: str) -> str:
    """A cell as the text a CSV would hold: Excel's dates in the data set's ISO forms (a
    month typed as 2026-08 becomes a date on the 1st in Excel), booleans as true/false,
    whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        # Excel holds a time as a fraction of a day: round off the float's sub-second error
        value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        if kind == "month" and value.day == 1 and value.time() == dt.time():
            return f"{value:%Y-%m}"
        if kind in ("date", "month") and value.time() == dt.time():
            return f"{value:%Y-%m-%d}"
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}" if kind == "month" and value.day == 1 else value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)


def _sheet_csv(rows: Iterable[tuple[object, ...]], table: Table) -> bytes:
    """A sheet's cells as CSV text; row k of the sheet stays line k of the text's records
    (blank rows inside are kept, so the validation names the user's row numbers)."""
    rows = [list(r) for r in rows]
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()  # Excel keeps formatted empty rows below the data
    if not rows:
        return b""
    header = ["" if v is None else str(v).strip() for v in rows[0]]
    kinds = [table.column(h).kind if h in table.column_names else "str" for h in header]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows[1:]:
        writer.writerow([_cell_text(v, kinds[i] if i < len(kinds) else "str")
                         for i, v in enumerate(row)])
    return buffer.getvalue().encode("utf-8")


def _workbook_sheets(content: bytes) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every sheet of an .xlsx as (sheet name, rows of cell values)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book]
    finally:
        book.close()


def _table_of(text: str) -> str | None:
    name = text.strip().lower()
    return name if name in TABLES else None


def _unknown(source: str, found: str) -> Problem:
    return Problem(source, "", N_("a table name: one of {tables} (or a README sheet)",
                                  tables=_KNOWN), found)


def _sheet(file_name: str, sheet: str) -> Text:
    return N_("{file}, sheet {sheet}", file=file_name, sheet=sheet)


def _stage(files: Sequence[tuple[str, bytes]], folder: Path, as_of: str | None
           ) -> tuple[dict[str, _Origin], list[Problem]]:
    """Write ``files`` into ``folder`` as ``load_dataset`` reads it; returns where each staged
    file came from (by file name) and the problems found before validation."""
    origins: dict[str, _Origin] = {}
    problems: list[Problem] = []

    def put(table: str, label: str, data: bytes) -> None:
        staged = f"{table}.csv"
        if staged in origins:
            problems.append(Problem(table, "", N_("each table once"), N_(
                "in {first} and in {second}", first=origins[staged].label, second=label)))
            return
        (folder / staged).write_bytes(data)
        origins[staged] = _Origin(table, label)

    for file_name, content in files:
        base = Path(file_name).name
        low = base.lower()
        if low == META_FILE:
            if as_of is not None:
                problems.append(Problem(base, "as_of", N_("the end of the history given once"),
                                        N_("{file} and an as_of of {as_of}", file=META_FILE,
                                           as_of=repr(as_of))))
                continue
            (folder / META_FILE).write_bytes(content)
            origins[META_FILE] = _Origin(META_FILE, base)
        elif low.endswith(".csv"):
            table = _table_of(base[:-4])
            if table is None:
                problems.append(_unknown(base, N_("a file named {name}", name=repr(base))))
            else:
                put(table, base, content)
        elif low.endswith(".xlsx"):
            try:
                sheets = _workbook_sheets(content)
            except Exception as exc:  # a damaged or mislabelled file: a problem, not a crash
                problems.append(Problem(base, "", N_("an Excel workbook (.xlsx)"),
                                        f"{type(exc).__name__}: {exc}"[:120]))
                continue
            stem_table = _table_of(base[:-5])
            if stem_table is not None and len(sheets) == 1:
                put(stem_table, base, _sheet_csv(sheets[0][1], TABLES[stem_table]))
                continue
            for sheet, rows in sheets:
                if sheet.strip().lower() == README_SHEET.lower():
                    continue
                table = _table_of(sheet)
                if table is None:
                    problems.append(_unknown(_sheet(base, sheet),
                                             N_("a sheet named {name}", name=repr(sheet))))
                else:
                    put(table, _sheet(base, sheet), _sheet_csv(rows, TABLES[table]))
        else:
            problems.append(Problem(base, "", N_("a .csv or .xlsx file (or dataset.json)"),
                                    N_("a file named {name}", name=repr(base))))
    if as_of is not None:
        (folder / META_FILE).write_text(json.dumps({"as_of": as_of}) + "\n", encoding="utf-8")
        origins[META_FILE] = _Origin(META_FILE, "as_of")
    return origins, problems


# --------------------------------------------------------------------------- problems
_LINE = re.compile(r"line (\d+)")
_COLUMN = re.compile(r"column (.+)$")


def _problem_row(p: Problem, origins: dict[str, _Origin]) -> dict[str, object]:
    """One problem as (table, row, column, problem), named as the user knows the file; the
    problem (and a sheet's name) is a :class:`data.problems.Text` a page may translate."""
    staged = Path(p.source).name
    origin = origins.get(staged)
    if origin is not None:
        table, label = origin.table, origin.label
    elif staged.endswith(".csv") and staged[:-4] in TABLES:  # a table not given at all
        table, label = staged[:-4], ""
    else:  # a staged path means nothing to the user: its name does
        table, label = (staged if Path(p.source).is_absolute() else p.source), ""
    row: int | None = None
    column = ""
    line = _LINE.search(p.location)
    if line:
        row = int(line.group(1))
    named = _COLUMN.search(p.location)
    if named and table in TABLES:  # dataset.json's "column" is a character position
        column = named.group(1)
    if p.location == "header":
        row = 1
        if p.found.startswith("missing "):
            column = p.found.removeprefix("missing ")
    if p.location.startswith("field "):
        column = p.location.removeprefix("field ")
    if p.found == "no file":
        text = N_("no file or sheet for this table; expected {expected}", expected=p.expected)
    elif label and label != table:
        text = N_("{label}: expected {expected}; found {found}", label=label,
                  expected=p.expected, found=p.found)
    else:
        text = N_("expected {expected}; found {found}", expected=p.expected, found=p.found)
    return {"table": table, "row": row, "column": column, "problem": text}


def problem_table(problems: Sequence[Problem], origins: dict[str, _Origin] | None = None
                  ) -> pd.DataFrame:
    """``problems`` as a table with columns table, row (the user's row, header = 1; empty when
    the problem is not one row's), column and problem."""
    rows = [_problem_row(p, origins or {}) for p in problems]
    # object, not pandas' string dtype, which would turn each Text into a plain str
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS), dtype=object)
    frame["row"] = frame["row"].astype("Int64")
    return frame


# --------------------------------------------------------------------------- check, store
def _validate(files: Sequence[tuple[str, bytes]], folder: Path, as_of: str | None
              ) -> UploadResult:
    origins, early = _stage(files, folder, as_of)
    problems = list(early)
    dataset = None
    try:
        dataset = load_dataset(folder)
    except DatasetError as exc:
        problems.extend(exc.problems)
    if problems:
        return UploadResult(problem_table(problems, origins))
    return UploadResult(problem_table([]), dataset)


def _checked_name(name: str) -> str:
    """The folder-safe form of a user's name for the data set (letters, digits, - and _)."""
    slug = _NAME_CHARS.sub("-", name.strip()).strip("-_")[:40]
    if not slug:
        raise DatasetError(Problem("name", "", N_("a name with a letter or digit, such as "
                                                  "east-2026"), repr(name)))
    return slug


def check_upload(files: Sequence[tuple[str, bytes]], *, as_of: str | None = None
                 ) -> UploadResult:
    """Validate ``files`` as one data set in a temporary folder; nothing is kept."""
    with tempfile.TemporaryDirectory(prefix="pharmaops-upload-") as folder:
        result = _validate(files, Path(folder), as_of)
    if result.dataset is not None:  # its folder is gone: say so rather than point at it
        result = dataclasses.replace(result, dataset=dataclasses.replace(result.dataset,
                                                                         path=None))
    return result


def store_upload(files: Sequence[tuple[str, bytes]], name: str,
                 uploads_dir: str | os.PathLike[str], *, as_of: str | None = None
                 ) -> UploadResult:
    """Validate ``files`` and, only when the whole data set is valid, store it in
    ``uploads_dir`` as ``<name>-<fingerprint[:12]>``; the same data stored again under the same
    name is the folder already there. Raises :class:`DatasetError` for an unusable name."""
    slug = _checked_name(name)
    uploads = Path(uploads_dir)
    uploads.mkdir(parents=True, exist_ok=True)
    # staged next to the target, so the move is one rename on one file system
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=uploads))
    try:
        result = _validate(files, staging, as_of)
        if not result.valid:
            return result
        assert result.dataset is not None
        target = uploads / f"{slug}-{result.dataset.fingerprint[:12]}"
        if not target.is_dir():
            try:
                os.replace(staging, target)
            except OSError:
                if not target.is_dir():  # else another session stored the same data first
                    raise
        return dataclasses.replace(
            result, folder=target, dataset=dataclasses.replace(result.dataset, path=target))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
