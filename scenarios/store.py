"""The run store, the memory of the committee: one SQLite file that keeps every run.

Each run keeps its scenario text, data-set fingerprint, code version, seed, summary,
per-replication KPIs and decision tables, so a result from last quarter can be shown and
re-run. A run is written in one transaction: a killed process leaves the whole run or nothing.

Tables (schema version ``SCHEMA_VERSION``): ``meta(key, value)``; ``runs`` (one row per run);
``replication_kpis(run_id, replication, kpi, value)`` (long, queryable); ``decision_tables(
run_id, name, payload)`` (one JSON payload per table, exact; see ``scenarios.frame_codec``).
The records and their encoding are in ``scenarios.records``, the code version in
``scenarios.provenance``.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from data.problems import InputError, Problem
from scenarios.paths import STORE_ENV_VAR, default_store_path
from scenarios.provenance import code_version
from scenarios.records import RunRecord, StoredRun, record_rows, stored_run

# re-exported: callers import the run store's names from here
__all__ = [
    "LIST_COLUMNS",
    "SCHEMA_VERSION",
    "STORE_ENV_VAR",
    "RunRecord",
    "RunStore",
    "StoredRun",
    "UnknownRunError",
    "code_version",
    "default_store_path",
]

SCHEMA_VERSION = 1
FINGERPRINT_SHORT_CHARS = 12
LIST_HINT = "pharmaops runs list"
_BUSY_TIMEOUT_S = 30.0

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


class RunStore:
    """The SQLite run store at ``path`` (default: ``default_store_path()``)."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        """Open the store, creating it (and its folder) unless ``read_only``; refuses a folder,
        a file that is not a run store, and (for writing) a store that cannot be written, so
        a command finds out before it does any work."""
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.read_only = read_only
        if self.path.is_dir():
            raise self._refused("an SQLite file", "a folder")
        if read_only:
            if self.path.exists():
                with self._connect() as con:
                    try:
                        self._schema_version(con)
                    except sqlite3.DatabaseError as exc:
                        raise self._refused("a PharmaOps run store (SQLite)", str(exc)) from exc
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._refused("a folder where the run store can be created", str(exc)) from exc
        self._open_or_create()
        self._check_writable()

    # -- public -------------------------------------------------------------------------
    def save(self, record: RunRecord, *, _after_rows: Callable[[], None] | None = None) -> str:
        """Store ``record`` in one transaction and return its new run id.

        The record is validated first (``InputError`` listing every problem; nothing written).
        ``_after_rows`` is a testing hook, called once after all the run's rows are inserted
        and before COMMIT; if it raises, the transaction is rolled back.
        """
        return self.save_many([record], _after_rows=_after_rows)[0]

    def save_many(self, records: list[RunRecord], *,
                  _after_rows: Callable[[], None] | None = None) -> list[str]:
        """Store every record in one transaction (all or none); their new run ids in order."""
        if self.read_only:
            raise self._refused("a run store opened for writing", "a read-only store")
        encoded = [record_rows(record) for record in records]
        ids = []
        with self._connect() as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                for row, kpi_rows, table_rows in encoded:
                    ids.append(self._insert(con, row, kpi_rows, table_rows))
                if _after_rows is not None:
                    _after_rows()
                con.execute("COMMIT")
            except sqlite3.Error as exc:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise self._refused("a run store that can be written", str(exc)) from exc
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        return ids

    @staticmethod
    def _insert(con: sqlite3.Connection, row: dict, kpi_rows, table_rows) -> str:
        run_id = _new_run_id(con)
        row["run_id"] = run_id
        row["saved_at"] = datetime.now(UTC).isoformat()
        placeholders = ", ".join("?" for _ in _RUN_COLUMNS)
        con.execute(f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES ({placeholders})",
                    [row[c] for c in _RUN_COLUMNS])
        con.executemany(
            "INSERT INTO replication_kpis (run_id, replication, kpi, value) VALUES (?, ?, ?, ?)",
            ((run_id, rep, kpi, value) for rep, kpi, value in kpi_rows))
        con.executemany("INSERT INTO decision_tables (run_id, name, payload) VALUES (?, ?, ?)",
                        ((run_id, name, payload) for name, payload in table_rows))
        return run_id

    def list_runs(self) -> pd.DataFrame:
        """One row per run, newest ``started_at`` first (ties: latest saved first)."""
        if not self.path.exists():  # a read-only look at a store not made yet
            return pd.DataFrame({c: pd.Series(dtype=object) for c in LIST_COLUMNS})
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
        if not self.path.exists():
            raise self._unknown(run_id, [])
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
        return stored_run(row, kpi_rows, table_rows)

    # -- internals ----------------------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (transactions are explicit) with foreign keys on;
        read-only stores are opened with ``mode=ro`` so a look never creates or changes one."""
        try:
            if self.read_only:
                con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                      timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            else:
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

    def _check_writable(self) -> None:
        """Take and release the write lock: a read-only file or folder is refused now, not
        after a long simulation."""
        with self._connect() as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")
                con.execute("ROLLBACK")
            except sqlite3.Error as exc:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise self._refused("a run store that can be written", str(exc)) from exc

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

