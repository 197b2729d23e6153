"""The run store, the memory of the committee: one SQLite file that keeps every run.

Each run keeps its scenario text, data-set fingerprint, code version, seed, summary,
per-replication KPIs and decision tables, so a result from last quarter can be shown and
re-run. A run is written in one transaction: a killed process leaves the whole run or nothing.

Tables (schema version ``SCHEMA_VERSION``): ``meta(key, value)``; ``runs`` (one row per run);
``replication_kpis(run_id, replication, kpi, value)`` (long, queryable); ``decision_tables(
run_id, name, payload)`` (one JSON payload per table, exact for floats).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import (
    is_complex_dtype,
    is_integer_dtype,
    is_numeric_dtype,
    pandas_dtype,
)

from data.problems import InputError, Problem

SCHEMA_VERSION = 1
STORE_ENV_VAR = "PHARMAOPS_RUN_STORE"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
FALLBACK_VERSION = "0.1.0+unknown"
FINGERPRINT_SHORT_CHARS = 12
LIST_HINT = "pharmaops runs list"
_BUSY_TIMEOUT_S = 30.0
_GIT_TIMEOUT_S = 2.0
_FRAME_FORMAT = 1
_RECORD = "run record"

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        scenario_name TEXT NOT NULL,
        scenario_text TEXT NOT NULL,
        dataset_path TEXT NOT NULL,
        dataset_fingerprint TEXT NOT NULL,
        code_version TEXT NOT NULL,
        seed TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        started_at_epoch_s REAL NOT NULL,
        saved_at TEXT NOT NULL,
        status TEXT NOT NULL,
        summary_json TEXT NOT NULL,
        replication_kpis_layout TEXT
    )""",
    "CREATE INDEX runs_newest_first ON runs (started_at_epoch_s DESC)",
    """CREATE TABLE replication_kpis (
        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        replication INTEGER NOT NULL,
        kpi TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, replication, kpi)
    )""",
    """CREATE TABLE decision_tables (
        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (run_id, name)
    )""",
)
# Why: seed is TEXT because SeedSequence entropy may exceed SQLite's 64-bit INTEGER;
# started_at_epoch_s is the sort key (naive times read as local time); saved_at is UTC.

_RUN_COLUMNS = (
    "run_id",
    "kind",
    "scenario_name",
    "scenario_text",
    "dataset_path",
    "dataset_fingerprint",
    "code_version",
    "seed",
    "started_at",
    "ended_at",
    "started_at_epoch_s",
    "saved_at",
    "status",
    "summary_json",
    "replication_kpis_layout",
)
LIST_COLUMNS = (
    "run_id",
    "kind",
    "scenario_name",
    "status",
    "started_at",
    "ended_at",
    "seed",
    "dataset_fingerprint",
)


class UnknownRunError(InputError, KeyError):
    """No stored run has the requested id (an ``InputError`` that is also a ``KeyError``)."""

    def __str__(self) -> str:
        # KeyError would quote the message; keep the InputError wording.
        return BaseException.__str__(self)


def default_store_path() -> Path:
    """``$PHARMAOPS_RUN_STORE`` if set, else ``<project root>/runs/pharmaops.sqlite``."""
    configured = os.environ.get(STORE_ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    return PROJECT_ROOT / "runs" / "pharmaops.sqlite"


def code_version() -> str:
    """Installed ``pharmaops`` version (else ``0.1.0+unknown``) plus ``g<short git sha>``.

    The sha joins the PEP 440 local part: ``0.1.0+gabc1234``, ``0.1.0+unknown.gabc1234``.
    """
    try:
        version = metadata.version("pharmaops")
    except metadata.PackageNotFoundError:
        version = FALLBACK_VERSION
    sha = _git_short_sha(PROJECT_ROOT)
    if sha:
        version += f"{'.' if '+' in version else '+'}g{sha}"
    return version


def _git_short_sha(root: Path) -> str | None:
    """Short sha of HEAD when ``root`` is a git checkout; None on any failure."""
    if not (root / ".git").exists():  # an installed copy must not pick up an enclosing repo
        return None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = done.stdout.strip()
    if done.returncode != 0 or not sha or any(c not in "0123456789abcdef" for c in sha):
        return None
    return sha


@dataclass(frozen=True, eq=False)
class RunRecord:
    """One finished run as handed to ``RunStore.save``.

    ``replication_kpis`` has one row per replication: an integer ``replication`` column plus
    one numeric column per KPI (the long form ``replication, kpi, value`` is accepted too); it
    comes back in the same layout and dtypes, sorted by replication, with a fresh RangeIndex.
    ``decision_tables`` maps a table name to a DataFrame; values, dtypes and index come back
    exactly. ``summary`` must be JSON-serialisable with string keys (tuples come back as lists).
    Compare DataFrames with ``pandas.testing``; ``==`` on records is identity.
    """

    kind: str
    scenario_name: str
    scenario_text: str
    dataset_path: str
    dataset_fingerprint: str
    code_version: str
    seed: int | None
    started_at: datetime
    ended_at: datetime
    status: str
    summary: dict[str, Any]
    replication_kpis: pd.DataFrame | None
    decision_tables: dict[str, pd.DataFrame]


@dataclass(frozen=True, eq=False)
class StoredRun:
    """A run read back from the store: the record's fields plus its ``run_id``."""

    run_id: str
    kind: str
    scenario_name: str
    scenario_text: str
    dataset_path: str
    dataset_fingerprint: str
    code_version: str
    seed: int | None
    started_at: datetime
    ended_at: datetime
    status: str
    summary: dict[str, Any]
    replication_kpis: pd.DataFrame | None
    decision_tables: dict[str, pd.DataFrame]

    def to_record(self) -> RunRecord:
        """The same run as a ``RunRecord`` (e.g. to re-save or compare with a re-run)."""
        return RunRecord(**{f.name: getattr(self, f.name) for f in fields(RunRecord)})

    def to_json_dict(self) -> dict[str, Any]:
        """Strict-JSON dict: ISO 8601 times, tables as lists of row dicts, NaN/inf as null."""
        kpis = self.replication_kpis
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "scenario_name": self.scenario_name,
            "scenario_text": self.scenario_text,
            "dataset_path": self.dataset_path,
            "dataset_fingerprint": self.dataset_fingerprint,
            "code_version": self.code_version,
            "seed": self.seed,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "status": self.status,
            "summary": _strict_json(self.summary),
            "replication_kpis": None if kpis is None else _row_dicts(kpis),
            "decision_tables": {n: _row_dicts(t) for n, t in self.decision_tables.items()},
        }


class RunStore:
    """The SQLite run store at ``path`` (default: ``default_store_path()``)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._refused("a folder where the run store can be created", str(exc)) from exc
        self._open_or_create()

    # -- public -------------------------------------------------------------------------
    def save(self, record: RunRecord, *, _after_rows: Callable[[], None] | None = None) -> str:
        """Store ``record`` in one transaction and return its new run id.

        The record is validated first (``InputError`` listing every problem; nothing written).
        ``_after_rows`` is a testing hook, called once after all the run's rows are inserted
        and before COMMIT; if it raises, the transaction is rolled back.
        """
        row, kpi_rows, table_rows = _encode_record(record)
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                run_id = _new_run_id(con)
                row["run_id"] = run_id
                row["saved_at"] = datetime.now(UTC).isoformat()
                placeholders = ", ".join("?" for _ in _RUN_COLUMNS)
                con.execute(
                    f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES ({placeholders})",
                    [row[c] for c in _RUN_COLUMNS],
                )
                con.executemany(
                    "INSERT INTO replication_kpis (run_id, replication, kpi, value) "
                    "VALUES (?, ?, ?, ?)",
                    ((run_id, rep, kpi, value) for rep, kpi, value in kpi_rows),
                )
                con.executemany(
                    "INSERT INTO decision_tables (run_id, name, payload) VALUES (?, ?, ?)",
                    ((run_id, name, payload) for name, payload in table_rows),
                )
                if _after_rows is not None:
                    _after_rows()
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        return run_id

    def list_runs(self) -> pd.DataFrame:
        """One row per run, newest ``started_at`` first (ties: latest saved first)."""
        with self._connect() as con:
            rows = con.execute(
                f"SELECT {', '.join(LIST_COLUMNS)} FROM runs "
                "ORDER BY started_at_epoch_s DESC, rowid DESC"
            ).fetchall()
        if not rows:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in LIST_COLUMNS})
        seeds = [None if r[6] is None else int(r[6]) for r in rows]
        fits_int64 = all(s is None or -(2**63) <= s < 2**63 for s in seeds)
        columns: dict[str, Any] = {
            "run_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "scenario_name": [r[2] for r in rows],
            "status": [r[3] for r in rows],
            "started_at": [datetime.fromisoformat(r[4]) for r in rows],
            "ended_at": [datetime.fromisoformat(r[5]) for r in rows],
            "seed": pd.array(seeds, dtype="Int64") if fits_int64 else pd.array(seeds, dtype=object),
            "dataset_fingerprint": [r[7][:FINGERPRINT_SHORT_CHARS] for r in rows],
        }
        return pd.DataFrame(columns)

    def get(self, run_id: str) -> StoredRun:
        """The stored run ``run_id``; ``UnknownRunError`` if there is none."""
        key = str(run_id)
        with self._connect() as con:
            con.execute("BEGIN")  # one consistent snapshot for the three reads
            cursor = con.execute(
                f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs WHERE run_id = ?", (key,)
            )
            found = cursor.fetchone()
            if found is None:
                close = [
                    r[0]
                    for r in con.execute(
                        "SELECT run_id FROM runs WHERE substr(run_id, 1, length(?1)) = ?1 "
                        "ORDER BY run_id DESC LIMIT 3",
                        (key,),
                    )
                ]
                con.execute("COMMIT")
                raise self._unknown(run_id, close)
            row = dict(zip(_RUN_COLUMNS, found, strict=True))
            kpi_rows = con.execute(
                "SELECT replication, kpi, value FROM replication_kpis WHERE run_id = ?",
                (key,),
            ).fetchall()
            table_rows = con.execute(
                "SELECT name, payload FROM decision_tables WHERE run_id = ? ORDER BY rowid",
                (key,),
            ).fetchall()
            con.execute("COMMIT")
        layout = row["replication_kpis_layout"]
        return StoredRun(
            run_id=row["run_id"],
            kind=row["kind"],
            scenario_name=row["scenario_name"],
            scenario_text=row["scenario_text"],
            dataset_path=row["dataset_path"],
            dataset_fingerprint=row["dataset_fingerprint"],
            code_version=row["code_version"],
            seed=None if row["seed"] is None else int(row["seed"]),
            started_at=datetime.fromisoformat(row["started_at"]),
            ended_at=datetime.fromisoformat(row["ended_at"]),
            status=row["status"],
            summary=json.loads(row["summary_json"]),
            replication_kpis=None if layout is None else _decode_kpis(json.loads(layout), kpi_rows),
            decision_tables={name: _decode_frame(json.loads(p)) for name, p in table_rows},
        )

    # -- internals ----------------------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (transactions are explicit) with foreign keys on."""
        try:
            con = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._refused("an SQLite file that can be opened", str(exc)) from exc
        try:
            try:
                con.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error as exc:
                raise self._refused("an SQLite file that can be opened", str(exc)) from exc
            yield con
        finally:
            con.close()

    def _open_or_create(self) -> None:
        """Check the schema version of an existing store, or create the schema in a new one."""
        with self._connect() as con:
            try:
                if self._schema_version(con) is not None:
                    return
                con.execute("BEGIN IMMEDIATE")
                try:
                    if self._schema_version(con) is None:  # re-check under the write lock
                        for statement in _SCHEMA:
                            con.execute(statement)
                        con.execute(
                            "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                            (str(SCHEMA_VERSION),),
                        )
                    con.execute("COMMIT")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
                con.execute("PRAGMA journal_mode = WAL")
            except sqlite3.DatabaseError as exc:
                raise self._refused("a PharmaOps run store (SQLite)", str(exc)) from exc

    def _schema_version(self, con: sqlite3.Connection) -> str | None:
        """The stored schema version; None for an empty file; refuses anything else."""
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            if tables:
                raise self._refused(
                    "a PharmaOps run store (tables meta, runs, ...)",
                    f"an SQLite file with other tables: {', '.join(sorted(tables))}",
                )
            return None
        found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found is None or found[0] != str(SCHEMA_VERSION):
            version = "none" if found is None else found[0]
            raise InputError(
                Problem(
                    str(self.path),
                    "meta.schema_version",
                    f"schema version {SCHEMA_VERSION}",
                    f"schema version {version}",
                ),
                summary=(
                    f"run store {self.path} has schema version {version} but this code reads "
                    f"version {SCHEMA_VERSION}; use a store made by a matching PharmaOps, or "
                    f"set {STORE_ENV_VAR} to a new file"
                ),
            )
        return found[0]

    def _refused(self, expected: str, found: str) -> InputError:
        return InputError(
            Problem(str(self.path), "", expected, found),
            summary=f"cannot use {self.path} as the run store (set {STORE_ENV_VAR} to choose "
            "another file)",
        )

    def _unknown(self, run_id: object, close: list[str]) -> UnknownRunError:
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return UnknownRunError(
            Problem(
                str(self.path),
                f"run_id {run_id!r}",
                f"the id of a stored run (see `{LIST_HINT}`)",
                f"no such run{hint}",
            ),
            summary=f"no run {run_id!r} in the run store {self.path}; list the stored run ids "
            f"with `{LIST_HINT}`",
        )


def _new_run_id(con: sqlite3.Connection) -> str:
    """``YYYYMMDD-HHMMSS-<6 hex>`` (UTC save time), unique in the store."""
    while True:  # the caller holds the write lock, so a free id stays free
        run_id = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        if con.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone() is None:
            return run_id


# -- validation and encoding of a record ---------------------------------------------------
def _encode_record(
    record: RunRecord,
) -> tuple[dict[str, Any], list[tuple[int, str, float | None]], list[tuple[str, str]]]:
    """Validate ``record`` and encode it as a runs row, KPI rows and table payloads."""
    if not isinstance(record, RunRecord):
        raise InputError(Problem(_RECORD, "", "a RunRecord", type(record).__name__))
    problems: list[Problem] = []

    def refuse(location: str, expected: str, found: object) -> None:
        problems.append(Problem(_RECORD, location, expected, str(found)))

    for name in ("kind", "scenario_name", "status"):
        value = getattr(record, name)
        if not isinstance(value, str) or not value.strip():
            refuse(name, "a non-empty string", repr(value))
    for name in ("scenario_text", "dataset_path", "dataset_fingerprint", "code_version"):
        value = getattr(record, name)
        if not isinstance(value, str):
            refuse(name, "a string", f"{type(value).__name__} {value!r:.60}")
    seed = record.seed
    if isinstance(seed, np.integer):
        seed = int(seed)
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        refuse("seed", "None or an integer >= 0 (a SeedSequence seed)", repr(seed))
    times = {"started_at": record.started_at, "ended_at": record.ended_at}
    for name, value in times.items():
        if isinstance(value, pd.Timestamp):
            times[name] = value.to_pydatetime()
        elif not isinstance(value, datetime):
            refuse(name, "a datetime", f"{type(value).__name__} {value!r:.60}")
    start, end = times["started_at"], times["ended_at"]
    if isinstance(start, datetime) and isinstance(end, datetime):
        if (start.tzinfo is None) != (end.tzinfo is None):
            refuse(
                "started_at, ended_at",
                "both naive or both timezone-aware",
                f"{start.isoformat()} and {end.isoformat()}",
            )
        elif end < start:
            refuse(
                "ended_at", f"a time at or after started_at ({start.isoformat()})", end.isoformat()
            )

    summary_json = "{}"
    try:
        if not isinstance(record.summary, dict):
            raise _refusal("summary", "a dict", type(record.summary).__name__)
        summary_json = json.dumps(_json_value(record.summary, "summary"), allow_nan=True)
    except InputError as exc:
        problems.extend(exc.problems)

    layout: str | None = None
    kpi_rows: list[tuple[int, str, float | None]] = []
    if record.replication_kpis is not None:
        try:
            meta, kpi_rows = _encode_kpis(record.replication_kpis)
            layout = json.dumps(meta)
        except InputError as exc:
            problems.extend(exc.problems)

    table_rows: list[tuple[str, str]] = []
    if not isinstance(record.decision_tables, dict):
        refuse(
            "decision_tables", "a dict of name -> DataFrame", type(record.decision_tables).__name__
        )
    else:
        for name, table in record.decision_tables.items():
            where = f"decision_tables[{name!r}]"
            try:
                if not isinstance(name, str) or not name.strip():
                    raise _refusal(where, "a non-empty string name", repr(name))
                if not isinstance(table, pd.DataFrame):
                    raise _refusal(where, "a pandas DataFrame", type(table).__name__)
                payload = json.dumps(_encode_frame(table, where), allow_nan=True)
                table_rows.append((name, payload))
            except InputError as exc:
                problems.extend(exc.problems)

    if problems:
        raise InputError(problems, summary=f"{_RECORD} refused, nothing stored")
    row: dict[str, Any] = {
        "kind": record.kind,
        "scenario_name": record.scenario_name,
        "scenario_text": record.scenario_text,
        "dataset_path": record.dataset_path,
        "dataset_fingerprint": record.dataset_fingerprint,
        "code_version": record.code_version,
        "seed": None if seed is None else str(seed),
        "started_at": start.isoformat(),
        "ended_at": end.isoformat(),
        "started_at_epoch_s": start.timestamp(),
        "status": record.status,
        "summary_json": summary_json,
        "replication_kpis_layout": layout,
    }
    return row, kpi_rows, table_rows


def _refusal(location: str, expected: str, found: object) -> InputError:
    return InputError(Problem(_RECORD, location, expected, str(found)))


def _json_value(value: Any, where: str) -> Any:
    """``value`` as plain JSON types (numpy scalars unboxed, tuples as lists) or refused."""
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _refusal(where, "string keys", f"key {key!r} ({type(key).__name__})")
            out[key] = _json_value(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise _refusal(
        where,
        "a JSON value (None, bool, int, float, str, list, dict with string keys)",
        f"{type(value).__name__} {value!r:.60}",
    )


def _dtype_name(dtype: Any, where: str) -> str:
    """``str(dtype)``, refused unless ``pandas_dtype`` rebuilds the same dtype from it."""
    name = str(dtype)
    try:
        same = pandas_dtype(name) == dtype
    except (TypeError, ValueError):
        same = False
    if not same:
        raise _refusal(where, "a dtype that can be stored by name", name)
    return name


# -- replication KPIs (long rows in SQL; layout and dtypes in runs.replication_kpis_layout) ---
def _encode_kpis(
    table: Any,
) -> tuple[dict[str, Any], list[tuple[int, str, float | None]]]:
    """Validate the per-replication KPI table and flatten it to (replication, kpi, value)."""
    where = "replication_kpis"
    if not isinstance(table, pd.DataFrame):
        raise _refusal(where, "a pandas DataFrame or None", type(table).__name__)
    columns = list(table.columns)
    if len(set(columns)) != len(columns) or not all(isinstance(c, str) for c in columns):
        raise _refusal(where, "unique string column names", columns)
    if "replication" not in columns:
        raise _refusal(
            where,
            "a 'replication' column (call reset_index() if it is the index)",
            f"columns {columns}",
        )
    reps = table["replication"]
    if not is_integer_dtype(reps.dtype) or reps.isna().any():
        raise _refusal(f"{where}.replication", "integers without gaps", f"dtype {reps.dtype}")
    long = set(columns) == {"replication", "kpi", "value"}
    value_columns = ["value"] if long else [c for c in columns if c != "replication"]
    if not value_columns:
        raise _refusal(where, "at least one KPI column besides 'replication'", columns)
    for name in value_columns:
        dtype = table[name].dtype
        if not is_numeric_dtype(dtype) or is_complex_dtype(dtype):
            raise _refusal(f"{where}.{name}", "a numeric KPI column", f"dtype {dtype}")
    meta = {
        "layout": "long" if long else "wide",
        "columns": columns,
        "dtypes": [_dtype_name(table[c].dtype, f"{where}.{c}") for c in columns],
    }
    rep_values = [int(r) for r in reps.tolist()]
    rows: list[tuple[int, str, float | None]] = []
    if long:
        kpis = table["kpi"]
        if not all(isinstance(k, str) for k in kpis.tolist()):
            raise _refusal(f"{where}.kpi", "KPI names as strings", f"dtype {kpis.dtype}")
        meta["kpi_order"] = list(dict.fromkeys(kpis.tolist()))
        triples = zip(rep_values, kpis.tolist(), _floats(table["value"]), strict=True)
        rows = list(triples)
    else:
        for name in value_columns:
            rows.extend(zip(rep_values, [name] * len(table), _floats(table[name]), strict=True))
    keys = [(rep, kpi) for rep, kpi, _ in rows]
    if len(set(keys)) != len(keys):
        raise _refusal(where, "one value per (replication, KPI)", "duplicate replications")
    return meta, rows


def _floats(series: pd.Series) -> list[float | None]:
    """Values as Python floats (exact for float64), missing as None (SQL NULL)."""
    mask = series.isna().tolist()
    return [None if m else float(v) for v, m in zip(series.tolist(), mask, strict=True)]


def _decode_kpis(meta: dict[str, Any], rows: list[tuple[int, int, Any]]) -> pd.DataFrame:
    """Rebuild the KPI table in its stored layout, sorted by replication, with a RangeIndex."""
    columns, dtypes = meta["columns"], meta["dtypes"]
    if meta["layout"] == "long":
        order = {kpi: i for i, kpi in enumerate(meta["kpi_order"])}
        rows = sorted(rows, key=lambda r: (r[0], order[r[1]]))
        data = {
            "replication": [r[0] for r in rows],
            "kpi": [r[1] for r in rows],
            "value": [np.nan if r[2] is None else r[2] for r in rows],
        }
    else:
        values = {(rep, kpi): value for rep, kpi, value in rows}
        reps = sorted({rep for rep, _, _ in rows})
        data = {"replication": reps}
        for name in columns:
            if name != "replication":
                cells = [values.get((rep, name)) for rep in reps]
                data[name] = [np.nan if v is None else v for v in cells]
    return pd.DataFrame(
        {
            c: pd.Series(data[c], dtype=object).astype(pandas_dtype(d))
            for c, d in zip(columns, dtypes, strict=True)
        },
        columns=columns,
    )


# -- decision tables (one JSON payload each; floats written with repr, so exact) -------------
def _encode_frame(table: pd.DataFrame, where: str) -> dict[str, Any]:
    """A DataFrame as JSON-ready data: columns with dtypes, index levels, column-axis name."""
    if isinstance(table.columns, pd.MultiIndex):
        raise _refusal(
            where, "one level of column names (flatten the columns first)", "MultiIndex columns"
        )
    for name in list(table.columns) + [table.columns.name]:
        if name is not None and (not isinstance(name, (str, int)) or isinstance(name, bool)):
            raise _refusal(where, "column names that are strings or integers", repr(name))
    index: list[dict[str, Any]] | None = None
    plain = isinstance(table.index, pd.RangeIndex) and table.index.start == 0
    if not (plain and table.index.step == 1 and table.index.name is None):
        index = []
        for level, name in enumerate(table.index.names):
            if name is not None and (not isinstance(name, (str, int)) or isinstance(name, bool)):
                raise _refusal(where, "index names that are strings or integers", repr(name))
            values = table.index.get_level_values(level)
            entry = _encode_column(pd.Series(values), f"{where}.index[{name!r}]")
            entry["name"] = name
            freq = getattr(values, "freqstr", None)
            if freq is not None:
                entry["freq"] = freq
            index.append(entry)
    columns = []
    for i, name in enumerate(table.columns):
        entry = _encode_column(table.iloc[:, i], f"{where}.{name}")
        entry["name"] = name
        columns.append(entry)
    return {
        "format": _FRAME_FORMAT,
        "n_rows": len(table),
        "columns": columns,
        "columns_dtype": _dtype_name(table.columns.dtype, f"{where}.columns"),
        "columns_name": table.columns.name,
        "index": index,
    }


def _encode_column(series: pd.Series, where: str) -> dict[str, Any]:
    """One column: dtype name plus values (datetimes as int ticks, missing as None)."""
    dtype = series.dtype
    mask = series.isna().tolist()
    if isinstance(dtype, pd.CategoricalDtype):
        categories = _encode_column(pd.Series(dtype.categories), f"{where}.categories")
        return {
            "dtype": "category",
            "ordered": bool(dtype.ordered),
            "categories": categories,
            "values": series.cat.codes.tolist(),
        }
    name = _dtype_name(dtype, where)
    if dtype.kind in "mM":
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        ticks = series.to_numpy().view("int64").tolist()
        values = [None if m else t for t, m in zip(ticks, mask, strict=True)]
        return {"dtype": name, "values": values}
    cells = series.tolist()
    values = [None if m else _json_value(v, where) for v, m in zip(cells, mask, strict=True)]
    return {"dtype": name, "values": values}


def _decode_column(entry: dict[str, Any]) -> pd.Series:
    """Inverse of ``_encode_column``."""
    if entry["dtype"] == "category":
        categories = pd.Index(_decode_column(entry["categories"]))
        codes = np.asarray(entry["values"], dtype="int64")
        return pd.Series(pd.Categorical.from_codes(codes, categories, ordered=entry["ordered"]))
    dtype = pandas_dtype(entry["dtype"])
    if dtype.kind in "mM":
        nat = np.iinfo(np.int64).min
        ticks = np.asarray([nat if t is None else t for t in entry["values"]], dtype="int64")
        unit = np.datetime_data(getattr(dtype, "base", dtype))[0]
        tz = getattr(dtype, "tz", None)
        series = pd.Series(ticks.view(f"{dtype.kind}8[{unit}]"))
        if tz is not None:
            series = series.dt.tz_localize("UTC").dt.tz_convert(tz)
        return series.astype(dtype)
    if dtype == np.dtype(object):
        return pd.Series(entry["values"], dtype=object)
    return pd.Series(entry["values"], dtype=object).astype(dtype)


def _decode_frame(payload: dict[str, Any]) -> pd.DataFrame:
    """Inverse of ``_encode_frame``."""
    if payload.get("format") != _FRAME_FORMAT:
        raise ValueError(f"decision table payload format {payload.get('format')!r} is unknown")
    if payload["index"] is None:
        index: pd.Index = pd.RangeIndex(payload["n_rows"])
    else:
        levels = []
        for entry in payload["index"]:
            values = pd.Index(_decode_column(entry), name=entry["name"])
            if "freq" in entry:
                values = type(values)(values, freq=entry["freq"], name=entry["name"])
            levels.append(values)
        index = levels[0] if len(levels) == 1 else pd.MultiIndex.from_arrays(levels)
    # Arrays, not Series: nothing is aligned, so a non-unique index is kept as it was.
    arrays = {i: _decode_column(entry).array for i, entry in enumerate(payload["columns"])}
    frame = pd.DataFrame(arrays, index=index)
    frame.columns = pd.Index(
        [entry["name"] for entry in payload["columns"]],
        dtype=pandas_dtype(payload["columns_dtype"]),
        name=payload["columns_name"],
    )
    return frame


# -- JSON output for machines -------------------------------------------------------------
def _row_dicts(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of strict-JSON values; a non-default index becomes leading columns."""
    plain = isinstance(table.index, pd.RangeIndex) and table.index.start == 0
    if not (plain and table.index.step == 1):
        table = table.reset_index(allow_duplicates=True)
    names = [str(n) for n in table.columns]
    columns = [_json_cells(table.iloc[:, i]) for i in range(table.shape[1])]
    return [{n: col[r] for n, col in zip(names, columns, strict=True)} for r in range(len(table))]


def _json_cells(series: pd.Series) -> list[Any]:
    mask = series.isna().tolist()
    cells = series.tolist()
    if series.dtype.kind in "mM":
        return [None if m else v.isoformat() for v, m in zip(cells, mask, strict=True)]
    return [None if m else _strict_json(v) for v, m in zip(cells, mask, strict=True)]


def _strict_json(value: Any) -> Any:
    """Plain JSON types only: NaN and infinities become None, times ISO 8601, others str."""
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    if isinstance(value, (datetime, pd.Timedelta)):
        return value.isoformat()
    return str(value)
