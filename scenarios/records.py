"""The records of the run store: a run as handed in (``RunRecord``) or read back
(``StoredRun``), and the validated encoding of a record into the store's rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from data.problems import InputError, Problem
from scenarios.frame_codec import (
    SOURCE,
    KpiRow,
    decode_frame,
    decode_kpis,
    encode_frame,
    encode_json_dict,
    encode_kpis,
    row_dicts,
    strict_json,
)

#: the kinds of run the store keeps: a scenario simulated, today's KPIs measured from history,
#: a lever attribution (scenarios.attribution_result; no replication KPIs of its own)
SIMULATION = "simulation"
MEASURED = "measured"
ATTRIBUTION = "attribution"
RUN_KINDS = (SIMULATION, MEASURED, ATTRIBUTION)


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
class StoredRun(RunRecord):
    """A run read back from the store: the record's fields plus its ``run_id``."""

    run_id: str

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
            "summary": strict_json(self.summary),
            "replication_kpis": None if kpis is None else row_dicts(kpis),
            "decision_tables": {n: row_dicts(t) for n, t in self.decision_tables.items()},
        }


class RecordRows(NamedTuple):
    """A record encoded for the store: its ``runs`` row (without ``run_id`` and ``saved_at``,
    which are set when it is inserted), its KPI rows and its decision-table payloads."""

    run: dict[str, Any]
    kpis: list[KpiRow]
    tables: list[tuple[str, str]]


def record_rows(record: RunRecord) -> RecordRows:
    """The rows of ``record``, validated first: ``InputError`` listing every problem."""
    if not isinstance(record, RunRecord):
        raise InputError(Problem(SOURCE, "", "a RunRecord", type(record).__name__))
    problems: list[Problem] = []

    def refuse(location: str, expected: str, found: object) -> None:
        problems.append(Problem(SOURCE, location, expected, str(found)))

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

    def collect(encode: Callable[..., Any], *args: Any) -> Any:
        try:
            return encode(*args)
        except InputError as exc:
            problems.extend(exc.problems)
            return None

    summary_json = collect(encode_json_dict, record.summary, "summary")
    layout, kpi_rows = None, []
    if record.replication_kpis is not None:
        layout, kpi_rows = collect(encode_kpis, record.replication_kpis) or (None, [])
    table_rows: list[tuple[str, str]] = []
    if not isinstance(record.decision_tables, dict):
        refuse(
            "decision_tables", "a dict of name -> DataFrame", type(record.decision_tables).__name__
        )
    else:
        for name, table in record.decision_tables.items():
            where = f"decision_tables[{name!r}]"
            if not isinstance(name, str) or not name.strip():
                refuse(where, "a non-empty string name", repr(name))
            elif (payload := collect(encode_frame, table, where)) is not None:
                table_rows.append((name, payload))

    if problems:
        raise InputError(problems, summary=f"{SOURCE} refused, nothing stored")
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
    return RecordRows(row, kpi_rows, table_rows)


def stored_run(run: dict[str, Any], kpi_rows: list, table_rows: list) -> StoredRun:
    """The ``StoredRun`` of a ``runs`` row, its KPI rows and its decision-table payloads."""
    layout = run["replication_kpis_layout"]
    return StoredRun(
        run_id=run["run_id"],
        kind=run["kind"],
        scenario_name=run["scenario_name"],
        scenario_text=run["scenario_text"],
        dataset_path=run["dataset_path"],
        dataset_fingerprint=run["dataset_fingerprint"],
        code_version=run["code_version"],
        seed=None if run["seed"] is None else int(run["seed"]),
        started_at=datetime.fromisoformat(run["started_at"]),
        ended_at=datetime.fromisoformat(run["ended_at"]),
        status=run["status"],
        summary=json.loads(run["summary_json"]),
        replication_kpis=None if layout is None else decode_kpis(layout, kpi_rows),
        decision_tables={name: decode_frame(p) for name, p in table_rows},
    )
