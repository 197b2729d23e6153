"""Load, validate and write a data set: a folder with one file per table.

A table is read from exactly one of ``<table>.csv``, ``<table>.csv.gz`` or ``<table>.xlsx``.
Loading checks that each file reads as one table (UTF-8, a field per header column in every
row, each column once), every table against :mod:`data.tables` (columns, kinds, bounds, unique
and foreign keys, date order, ledger consistency) and that ``as_of`` leaves history to
measure; it refuses the whole data set if anything is wrong, listing every problem with file,
line, id, column (or field), expected and found. An optional table (``Table.optional``) may
be left out; the data set then holds no such table. Writing goes to a temporary folder
that is renamed into place, so an interrupted write leaves nothing half-written.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from data.problems import N_, DatasetError, Problem, Text, choices
from data.tables import DISTRIBUTOR_TYPES, TABLE_ORDER, TABLES, Column, Table

META_FILE = "dataset.json"
_META_EXAMPLE = '{"as_of": "2026-09-30"}'
#: the KPIs' default measurement period: as_of must leave an order within it
HISTORY_YEAR_DAYS = 365
#: the events whose latest is the end of the history when dataset.json gives no as_of
_HISTORY_EVENTS = (("orders", "placed_at"), ("orders", "delivered_at"),
                   ("invoices", "invoice_date"), ("payments", "paid_date"))
_LAST_DAY = pd.Timestamp("9999-12-31")  # a later day cannot be written YYYY-MM-DD
#: problems reported per (file, column, check) before the rest are summarised in one line
MAX_PROBLEMS_PER_CHECK = 20
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: float64 holds every whole number of smaller magnitude exactly
_EXACT_FLOAT_INT = 2.0**53
#: what the writer writes and docs/data.md promises, in any case (Excel writes TRUE, and
#: its boolean cells arrive as True); yes/no, 1/0 and the like are refused, not guessed
_TRUE, _FALSE = "true", "false"
#: a UTC offset after a time of day ("T08:00:00+08:00", "T08:00Z"), not a date's "-05"
_UTC_OFFSET = r"[T ]\d[\d:.]*\s*(?:[zZ]|[+-]\d\d(?::?\d\d)?)$"
#: the years a recorded date may fall in; outside them a value was misread or mistyped
_YEARS = (1900, 2199)
#: a cell boundary (the separator :func:`_edges_clean` joins cells with) followed by
#: whitespace; ``\\s`` is exactly what ``str.strip()`` removes (``str.isspace``)
_EDGE_SPACE = re.compile("\x00\\s")
_TIME_EXPECTED = {"date": N_("a date YYYY-MM-DD (years 1900-2199)"),
                  "month": N_("a month YYYY-MM (years 1900-2199)"),
                  "datetime": N_("a time YYYY-MM-DDTHH:MM:SS (local time, no UTC offset, "
                                 "years 1900-2199)")}


@dataclass(frozen=True)
class Dataset:
    """A validated data set. ``as_of`` is the end of the history (the measurement date)."""

    tables: Mapping[str, pd.DataFrame]
    as_of: pd.Timestamp
    fingerprint: str
    path: Path | None = None
    meta: Mapping[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(self.tables[name]) for name in TABLE_ORDER if name in self.tables}


# --------------------------------------------------------------------------- reading
SUFFIXES = (".csv", ".csv.gz", ".xlsx")
_READABLE = {".csv": N_("a readable CSV table"), ".gz": N_("a gzip-compressed CSV table"),
             ".xlsx": N_("an Excel workbook (.xlsx)")}


def _find_files(folder: Path, name: str) -> list[Path]:
    """Every file that could hold the table: more than one is refused, not picked from."""
    return [folder / f"{name}{suffix}" for suffix in SUFFIXES
            if (folder / f"{name}{suffix}").is_file()]


def _read_raw(path: Path, table: Table) -> tuple[pd.DataFrame, bytes]:
    """The table as text, with the header's names as written (stripped); raises
    :class:`DatasetError` naming the line for what keeps the file from being read as one."""
    raw = path.read_bytes()
    source, gz = str(path), path.name.endswith(".gz")
    if path.suffix == ".xlsx":
        def read(**options: object) -> pd.DataFrame:
            frame = pd.read_excel(io.BytesIO(raw), dtype=object, keep_default_na=False,
                                  engine="openpyxl", **options)
            return frame.map(lambda v: "" if pd.isna(v) else str(v)).astype(object)
    else:
        def read(**options: object) -> pd.DataFrame:
            # object, not pandas' string dtype: hashing lookups (isin, keys) are much faster
            return pd.read_csv(io.BytesIO(raw), dtype=object, keep_default_na=False,
                               encoding="utf-8", compression="gzip" if gz else None, **options)
    try:
        frame = read()
        # the names as written: pandas renames a repeated one "x.1"
        header = read(header=None, nrows=1)
    except UnicodeDecodeError as exc:
        content = gzip.decompress(raw) if gz else raw
        try:  # pandas reports the position within its chunk: find the file's own
            content.decode("utf-8")
            start = exc.start
        except UnicodeDecodeError as whole:
            start = whole.start
        raise DatasetError(_not_utf8(source, content, start, "text")) from exc
    except pd.errors.EmptyDataError as exc:
        raise DatasetError(Problem(source, "", _header_row(table), N_("an empty file"))) from exc
    except pd.errors.ParserError as exc:
        raise DatasetError(_unparsable(source, str(exc))) from exc
    if header.empty:  # an empty sheet
        raise DatasetError(Problem(source, "", _header_row(table), N_("an empty file")))
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took column 1 for an index
        raise DatasetError(Problem(source, "line 2", _fields(header.shape[1]), N_(
            "{count} (every row has one field more than the header: a comma at the end of "
            "each line?)", count=header.shape[1] + 1)))
    names = [str(v).strip() for v in header.iloc[0]]
    _check_header(source, table, names)
    frame.columns = names
    return frame, raw


def _header_row(table: Table) -> Text:
    return N_("a header row: {columns}", columns=", ".join(table.column_names))


def _fields(count: object) -> Text:
    return N_("{count} fields, as in the header", count=count)


def _unparsable(source: str, message: str) -> Problem:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, found = fields.groups()
        return Problem(source, f"line {line}", _fields(expected),
                       N_("{count} (a comma in a value that is not in quotes?)", count=found))
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        return Problem(source, f"line {int(quote.group(1)) + 1}", N_('a closing quote (")'),
                       N_("the file ends inside the quoted value that starts on this line"))
    return Problem(source, "", _READABLE[".csv"], message.strip()[:120])


def _check_header(source: str, table: Table, names: list[str]) -> None:
    """A column of the table given twice is ambiguous (which one is meant?); extra columns
    are ignored, so repeated ones (such as Excel's empty trailing ones) are too."""
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(names, start=1):
        if name in table.column_names:
            positions.setdefault(name, []).append(number)
    repeated = [N_("{name} in columns {columns} and {last}", name=name,
                   columns=", ".join(map(str, at[:-1])), last=at[-1])
                for name, at in positions.items() if len(at) > 1]
    if repeated:
        raise DatasetError(Problem(source, "header", N_("each column once"),
                                   Text.join("; ", repeated)))


class _Collector:
    """Collects problems, summarising long runs of the same check."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def rows(self, source: str, table: Table, frame: pd.DataFrame, mask: np.ndarray,
             column: str, expected: Text, found: pd.Series | None = None) -> None:
        bad = np.flatnonzero(mask)
        if bad.size == 0:
            return
        key = table.key[0]
        shown = bad[:MAX_PROBLEMS_PER_CHECK]
        values = frame[column] if found is None else found
        for i in shown:
            ident = frame[key].iat[i] if key in frame.columns else ""
            where = f"line {i + 2} ({key}={ident}), column {column}"
            self.problems.append(Problem(source, where, expected, repr(values.iat[i])[:60]))
        if bad.size > len(shown):
            self.problems.append(Problem(
                source, f"column {column}", expected,
                N_("{count} more rows with the same problem", count=bad.size - len(shown))))


def _edges_clean(frame: pd.DataFrame) -> bool:
    """True when no cell of ``frame`` begins or ends with whitespace, so ``str.strip`` would
    change nothing: one pass over the cells joined by ``\\x00`` (and over the reverse) instead
    of stripping every cell in Python (which took two thirds of loading a national data set).
    False whenever in doubt (a cell that is not text, a cell holding ``\\x00``)."""
    for name in frame.columns:
        try:
            joined = "\x00" + "\x00".join(frame[name].to_numpy(dtype=object)) + "\x00"
        except TypeError:  # a cell that is not text
            return False
        if _EDGE_SPACE.search(joined) or _EDGE_SPACE.search(joined[::-1]):
            return False
    return True


def _text(frame: pd.DataFrame, name: str, clean: bool) -> pd.Series:
    """Column ``name`` stripped of surrounding whitespace (as it is when ``clean``)."""
    return frame[name] if clean else frame[name].str.strip()


def _convert(source: str, table: Table, frame: pd.DataFrame, col: Column,
             out: _Collector, clean: bool = False) -> pd.Series:
    text = _text(frame, col.name, clean)
    empty = (text == "").to_numpy()
    if not col.nullable:
        out.rows(source, table, frame, empty, col.name, N_("a value ({kind})", kind=col.kind))
    if col.kind == "str":
        return text
    if col.kind == "int":
        return _convert_int(source, table, frame, col, text, empty, out)
    if col.kind == "float":
        values = pd.to_numeric(text.where(~empty), errors="coerce")
        # NaN (unparsable) and ±inf ("1e400") are both refused
        bad = (~empty) & ~np.isfinite(values.to_numpy(dtype=float))
        out.rows(source, table, frame, bad, col.name,
                 N_("a finite number ({kind})", kind=col.kind))
        ok = ~empty & ~bad
        if col.min is not None:
            out.rows(source, table, frame, ok & (values < col.min).to_numpy(), col.name,
                     N_("a number >= {min}", min=format(col.min, "g")))
        if col.max is not None:
            out.rows(source, table, frame, ok & (values > col.max).to_numpy(), col.name,
                     N_("a number <= {max}", max=format(col.max, "g")))
        return values.astype("float64")
    if col.kind == "bool":
        low = text.str.lower()
        bad = (~empty) & ~low.isin((_TRUE, _FALSE)).to_numpy()
        out.rows(source, table, frame, bad, col.name, N_("true or false"))
        return low == _TRUE
    if col.kind == "month":
        form = text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").to_numpy(dtype=bool)
        values, bad = _parse_times(text.where(form, "x") + "-01", empty)
        out.rows(source, table, frame, bad, col.name, _TIME_EXPECTED[col.kind])
        return values
    if col.kind in ("date", "datetime"):
        values, bad = _parse_times(text, empty)
        out.rows(source, table, frame, bad, col.name, _TIME_EXPECTED[col.kind])
        return values.dt.normalize() if col.kind == "date" else values
    if col.kind == "category":
        bad = (~empty) & ~text.isin(col.allowed).to_numpy()
        out.rows(source, table, frame, bad, col.name,
                 N_("one of {choices}", choices=", ".join(col.allowed)))
        return text.where(~empty, None) if col.nullable else text
    raise ValueError(f"unknown column kind {col.kind!r} in {table.name}.{col.name}")


def _parse_times(text: pd.Series, empty: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """ISO 8601 dates or times in local time; ``bad`` marks non-empty text that is none.

    A UTC offset ("+08:00", "Z") is refused rather than parsed: the data set's times are
    local (China Standard Time), and a column mixing zones cannot even be held.
    """
    try:  # the fast path: no offset anywhere gives a zone-less datetime column
        values = pd.to_datetime(text.where(~empty), format="ISO8601", errors="coerce")
        zoneless = isinstance(values.dtype, np.dtype) and values.dtype.kind == "M"
    except (ValueError, TypeError, OverflowError):  # offsets mixed with local times, ...
        zoneless = False
    if not zoneless:
        zoned = text.str.contains(_UTC_OFFSET, regex=True).to_numpy(dtype=bool)
        values = pd.to_datetime(text.where(~empty & ~zoned), format="ISO8601", errors="coerce")
    # a number misread as a date ("-0" → year 0) lies outside any plausible history
    implausible = (values.notna() & ~values.dt.year.between(*_YEARS)).to_numpy()
    values = values.where(~implausible)
    return values, (~empty) & values.isna().to_numpy()


def _not_utf8(source: str, content: bytes, start: int, expected: Text) -> Problem:
    """The line of the first byte that is not UTF-8, and what the file probably is."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(source, "line 1", N_("{what} in UTF-8", what=expected),
                       N_("UTF-16 text (its byte-order mark); save it as UTF-8"))
    line = content.count(b"\n", 0, start) + 1
    return Problem(source, f"line {line}", N_("{what} in UTF-8", what=expected),
                   N_("byte {byte}, which is not UTF-8 (GBK, what Excel saves as plain CSV on a "
                      "Chinese system, is a common cause)", byte=format(content[start], "#04x")))


def _convert_int(source: str, table: Table, frame: pd.DataFrame, col: Column, text: pd.Series,
                 empty: np.ndarray, out: _Collector) -> pd.Series:
    """Whole numbers within the column's bounds and the int64 range, kept exactly.

    The vectorised parse goes through float64, which holds every whole number below 2**53
    exactly; the few rows beyond that are re-read exactly from their text, so a value past
    the int64 range is refused instead of wrapping round (and 9007199254740993 stays itself).
    """
    num = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(num) & (np.mod(num, 1) == 0)
    out.rows(source, table, frame, ~empty & ~whole, col.name, N_("a whole number (int)"))
    lo = INT64_MIN if col.min is None else max(INT64_MIN, math.ceil(col.min))
    hi = INT64_MAX if col.max is None else min(INT64_MAX, math.floor(col.max))
    below, above = whole & (num < lo), whole & (num > hi)
    big = np.flatnonzero(whole & (np.abs(num) >= _EXACT_FLOAT_INT))
    exact = {i: _exact_int(text.iat[i], num[i]) for i in big}
    for i, value in exact.items():
        below[i], above[i] = value < lo, value > hi
    out.rows(source, table, frame, below, col.name, N_("a whole number >= {min}", min=lo))
    out.rows(source, table, frame, above, col.name, N_("a whole number <= {max}", max=hi))
    ok = whole & ~below & ~above
    if col.nullable:
        return pd.Series(np.where(ok, num, np.nan), index=text.index, dtype="float64")
    values = np.where(ok & (np.abs(num) < _EXACT_FLOAT_INT), num, 0).astype("int64")
    for i, value in exact.items():
        if ok[i]:
            values[i] = value
    return pd.Series(values, index=text.index)


def _exact_int(text: str, approx: float) -> int:
    try:
        return int(Decimal(text))
    except (ArithmeticError, ValueError):  # a spelling pandas reads but Decimal does not
        return int(approx)


def _check_table(source: str, table: Table, frame: pd.DataFrame, out: _Collector,
                 clean: bool = False) -> pd.DataFrame | None:
    """The typed table (bad values empty or zero), or None when a required column is missing;
    every problem goes to ``out``. ``clean``: no cell has surrounding whitespace
    (:func:`_edges_clean`), so none is stripped."""
    missing = [c for c in table.column_names if c not in frame.columns]
    if missing:
        found = N_("missing {columns}", columns=", ".join(missing))
        separator = re.search(r"[;\t|]", str(frame.columns[0])) if frame.shape[1] == 1 else None
        if separator:  # Excel in many locales saves "CSV" with semicolons
            found = N_("one column, its names separated by {separator}, not by commas",
                       separator=repr(separator.group()))
        out.problems.append(Problem(source, "header", N_(
            "columns {columns}", columns=", ".join(table.column_names)), found))
        return None
    typed = pd.DataFrame({c.name: _convert(source, table, frame, c, out, clean)
                          for c in table.columns})
    dup = typed.duplicated(list(table.key), keep="first").to_numpy()
    out.rows(source, table, frame, dup, table.key[-1],
             N_("a unique {key}", key=" + ".join(table.key)))
    for early, late in table.date_order:
        a, b = typed[early], typed[late]
        if table.column(early).kind != table.column(late).kind:
            a, b = a.dt.normalize(), b.dt.normalize()
        bad = (a.notna() & b.notna() & (b < a)).to_numpy()
        out.rows(source, table, frame, bad, late, N_("a time on or after {column}", column=early))
    return typed


def _check_foreign_keys(sources: dict[str, str], raws: dict[str, pd.DataFrame],
                        out: _Collector, clean: frozenset[str] = frozenset()) -> None:
    """Checked on the raw text so a bad reference is named even when either table has other
    problems; the tables in ``clean`` have no cell to strip."""
    for name, frame in raws.items():
        table = TABLES[name]
        for col in table.columns:
            ref_table, ref_col = (col.references or ".").split(".")
            if col.name not in frame.columns or ref_col not in raws.get(ref_table, {}):
                continue
            known = _text(raws[ref_table], ref_col, ref_table in clean)
            given = _text(frame, col.name, name in clean)
            bad = (~given.isin(known) & ~(col.nullable & given.eq(""))).to_numpy()
            out.rows(sources[name], table, frame, bad, col.name,
                     N_("an existing {column}", column=col.references))


def _check_channel(tables: dict[str, pd.DataFrame], sources: dict[str, str],
                   raws: dict[str, pd.DataFrame], out: _Collector) -> None:
    """Flow data, stock reports and terminals' suppliers name delivering distributors."""
    if "customers" not in tables:
        return
    kind = tables["customers"].set_index("customer_id")["customer_type"]
    distributors = set(kind.index[kind.isin(DISTRIBUTOR_TYPES)])
    for name in ("terminals", "flows", "stock_reports"):
        if name in tables:
            bad = (~tables[name]["distributor_id"].isin(distributors)
                   & tables[name]["distributor_id"].isin(kind.index)).to_numpy()
            out.rows(sources[name], TABLES[name], raws[name], bad, "distributor_id",
                     N_("a customer of type {types}", types=choices(DISTRIBUTOR_TYPES)))


def _check_visits(tables: dict[str, pd.DataFrame], sources: dict[str, str],
                  raws: dict[str, pd.DataFrame], out: _Collector) -> None:
    """A visit's account is a terminal, a prospect or an account invoiced (sold to direct);
    a prospect is no terminal (a won one moves to the terminals)."""
    if any(t not in tables for t in ("visits", "terminals", "customers", "prospects")):
        return
    prospects = tables["prospects"]["prospect_id"]
    twice = prospects.isin(tables["terminals"]["terminal_id"]).to_numpy()
    out.rows(sources["prospects"], TABLES["prospects"], raws["prospects"], twice, "prospect_id",
             N_("an id not among terminals.terminal_id (a won prospect is a terminal)"))
    known = pd.concat([tables["terminals"]["terminal_id"], prospects,
                       tables["customers"]["customer_id"]])
    bad = (~tables["visits"]["account_id"].isin(known)).to_numpy()
    out.rows(sources["visits"], TABLES["visits"], raws["visits"], bad, "account_id",
             N_("an existing terminals.terminal_id, prospects.prospect_id or "
                "customers.customer_id"))


def _check_ledger(tables: dict[str, pd.DataFrame], sources: dict[str, str],
                  raws: dict[str, pd.DataFrame], out: _Collector) -> None:
    if "invoices" not in tables or "payments" not in tables:
        return
    inv = tables["invoices"].set_index("invoice_id")
    pay = tables["payments"]
    # reindex keeps the datetime dtype (NaT where unknown) even for an empty ledger
    inv_date = inv["invoice_date"].reindex(pay["invoice_id"].to_numpy()).to_numpy()
    bad = ~np.isnat(inv_date) & (pay["paid_date"].to_numpy() < inv_date)
    out.rows(sources["payments"], TABLES["payments"], raws["payments"], bad, "paid_date",
             N_("a date on or after the invoice date"))
    settled = pay.groupby("invoice_id")["amount_cny"].sum().reindex(inv.index, fill_value=0.0)
    over = (settled + inv["write_off_cny"] - inv["amount_cny"] > 0.01).to_numpy()
    total = (settled + inv["write_off_cny"]).round(2).astype(str)
    out.rows(sources["invoices"], TABLES["invoices"], raws["invoices"], over, "amount_cny",
             N_("payments + write-off <= invoice amount"), found=pd.Series(total.to_numpy()))


def load_dataset(folder: str | os.PathLike[str]) -> Dataset:
    """Read and validate a data set folder; raise :class:`DatasetError` listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(Problem(str(folder), "", N_("a data set folder"),
                                   N_("no such folder")))
    out = _Collector()
    digest = hashlib.sha256()
    meta, given_as_of = _read_meta(folder, out)
    converted: dict[str, pd.DataFrame] = {}  # every table whose header is complete
    typed: dict[str, pd.DataFrame] = {}  # ... and that has no problem
    raws: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    clean: set[str] = set()  # tables without a cell to strip
    for name in TABLE_ORDER:
        paths = _find_files(folder, name)
        if not paths and TABLES[name].optional:  # left out: what needs it says "not known"
            continue
        if not paths:
            out.problems.append(Problem(str(folder / f"{name}.csv"), "", N_(
                "a {table} table (.csv, .csv.gz or .xlsx)", table=name), N_("no file")))
            continue
        if len(paths) > 1:
            out.problems.append(Problem(str(folder), f"table {name}",
                                        N_("one file (.csv, .csv.gz or .xlsx)"),
                                        f"{len(paths)}: " + ", ".join(p.name for p in paths)))
            continue
        path = paths[0]
        sources[name] = str(path)
        try:
            raw, content = _read_raw(path, TABLES[name])
        except DatasetError as exc:
            out.problems.extend(exc.problems)
            continue
        except Exception as exc:  # any other parser failure is a problem with this file
            out.problems.append(Problem(str(path), "", _READABLE[path.suffix], f"{exc}"[:120]))
            continue
        digest.update(name.encode() + b"\0" + content)
        raws[name] = raw
        before = len(out.problems)
        if _edges_clean(raw):
            clean.add(name)
        checked = _check_table(str(path), TABLES[name], raw, out, name in clean)
        if checked is not None:
            converted[name] = checked
            if len(out.problems) == before:
                typed[name] = checked
    _check_foreign_keys(sources, raws, out, frozenset(clean))
    _check_ledger(typed, sources, raws, out)
    _check_channel(typed, sources, raws, out)
    _check_visits(typed, sources, raws, out)
    as_of = _check_history(folder, meta, given_as_of, converted, sources, raws, out)
    if out.problems:
        raise DatasetError(out.problems, N_("data set {folder} refused: {count} problem(s)",
                                            folder=str(folder), count=len(out.problems)))
    if (folder / META_FILE).is_file():  # as_of changes every KPI: part of the identity
        digest.update(META_FILE.encode() + b"\0" + (folder / META_FILE).read_bytes())
    assert as_of is not None  # every table valid and at least one order: as_of is known
    return Dataset(typed, as_of, digest.hexdigest(), folder, meta)


def _read_meta(folder: Path, out: _Collector) -> tuple[dict[str, object], pd.Timestamp | None]:
    """``dataset.json`` (optional) and the day of its ``as_of`` if it gives a valid one."""
    path = folder / META_FILE
    if not path.is_file():
        return {}, None
    source = str(path)
    content = path.read_bytes()
    try:
        meta = json.loads(content.decode("utf-8-sig"))  # a BOM from Notepad is harmless
    except UnicodeDecodeError as exc:
        out.problems.append(_not_utf8(source, content, exc.start, N_("JSON text")))
        return {}, None
    except json.JSONDecodeError as exc:
        out.problems.append(Problem(source, f"line {exc.lineno}, column {exc.colno}",
                                    N_("JSON such as {example}", example=_META_EXAMPLE),
                                    exc.msg))
        return {}, None
    if not isinstance(meta, dict):
        out.problems.append(Problem(source, "", N_("a JSON object such as {example}",
                                                   example=_META_EXAMPLE),
                                    json.dumps(meta, ensure_ascii=False)[:60]))
        return {}, None
    if "as_of" not in meta:
        return meta, None
    value = meta["as_of"]
    text = value.strip() if isinstance(value, str) else ""
    if text:  # parsed like a date column: ISO 8601, local time
        parsed, bad = _parse_times(pd.Series([text], dtype=object), np.array([False]))
        if not bad[0]:
            return meta, parsed.iat[0].normalize()
    found = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    out.problems.append(Problem(source, "field as_of",
                                N_('an ISO date "YYYY-MM-DD" (a JSON string)'), found[:60]))
    return meta, None


def _check_history(folder: Path, meta: Mapping[str, object], given_as_of: pd.Timestamp | None,
                   tables: Mapping[str, pd.DataFrame], sources: Mapping[str, str],
                   raws: Mapping[str, pd.DataFrame], out: _Collector) -> pd.Timestamp | None:
    """The history must have orders, and ``as_of`` must leave some of them to measure: not
    before the first order, and not so long after the last that the year of history ending
    on it (the KPIs' default period) holds none. Returns ``as_of`` (given, or the latest
    recorded event)."""
    if "orders" not in tables:
        return given_as_of  # its header problem is named already
    placed = tables["orders"]["placed_at"].dropna()
    if len(tables["orders"]) == 0:
        out.problems.append(Problem(sources["orders"], "", N_(
            "at least one order (the history the KPIs are measured from)"),
            N_("a header only")))
    if placed.empty:
        return given_as_of
    first = placed.min().normalize()
    latest = min(placed.max().normalize() + pd.Timedelta(days=HISTORY_YEAR_DAYS - 1), _LAST_DAY)
    span = N_("{first} (the first order) to {latest} (a year after the last order)",
              first=first.strftime("%Y-%m-%d"), latest=latest.strftime("%Y-%m-%d"))
    if "as_of" in meta:
        if given_as_of is not None and not first <= given_as_of <= latest:
            out.problems.append(Problem(str(folder / META_FILE), "field as_of",
                                        N_("a date from {span}", span=span),
                                        repr(meta["as_of"])[:60]))
        return given_as_of
    for name, column in _HISTORY_EVENTS:
        if name in tables:
            late = (tables[name][column].dt.normalize() > latest).to_numpy()
            out.rows(sources[name], TABLES[name], raws[name], late, column,
                     N_("a date up to {latest}, a year after the last order (without an as_of "
                        "in {file}, the latest event ends the history)",
                        latest=latest.strftime("%Y-%m-%d"), file=META_FILE))
    if all(name in tables for name, _ in _HISTORY_EVENTS):
        return _latest_date(tables).normalize()
    return None


def _latest_date(tables: Mapping[str, pd.DataFrame]) -> pd.Timestamp:
    """End of the history when no ``as_of`` is given: the latest recorded event."""
    candidates = [tables[name][column].max() for name, column in _HISTORY_EVENTS]
    return max(pd.Timestamp(c) for c in candidates if pd.notna(c))
