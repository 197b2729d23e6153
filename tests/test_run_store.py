"""The run store: exact round trips, newest-first listing, clear refusals, all-or-nothing saves."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from data.problems import InputError
from scenarios import provenance
from scenarios.store import (
    SCHEMA_VERSION,
    STORE_ENV_VAR,
    RunRecord,
    RunStore,
    StoredRun,
    UnknownRunError,
    code_version,
    default_store_path,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 3, 31, 9, 0, 0, 123456, tzinfo=UTC)
# Floats whose shortest decimal form is long or special: the store must keep every bit.
AWKWARD_FLOATS = [
    0.1 + 0.2, 1e-310, 5e-324, 1.7976931348623157e308, -0.0, 1 / 3, float(np.nextafter(1, 2)),
]  # fmt: skip


def make_record(
    *,
    scenario_name: str = "plan",
    started_at: datetime = T0,
    n_replications: int = 4,
    seed: int | None = 20250331,
) -> RunRecord:
    """A small, complete record: every field set, tables with several dtypes."""
    rng = np.random.default_rng(0 if seed is None else seed)
    replications = pd.DataFrame(
        {
            "replication": np.arange(n_replications, dtype="int64"),
            "dso_days": rng.normal(62.0, 4.0, n_replications),
            "on_time_share": rng.uniform(0.85, 0.99, n_replications),
            "bad_debt_rate": rng.uniform(0.0, 0.02, n_replications),
        }
    )
    by_region = pd.DataFrame(
        {
            "region": ["East", "South", "North"],
            "dso_days": [55.25, 61.0 + 1 / 3, np.nan],
            "orders": np.array([1200, 850, 0], dtype="int64"),
            "remote": [False, True, True],
        }
    )
    call_plan = pd.DataFrame(
        {"calls_per_month": [4.0, 2.0, 1.0], "tier": ["A", "B", "C"]},
        index=pd.Index(["doc-001", "doc-002", "doc-003"], name="doctor_id"),
    )
    return RunRecord(
        kind="simulation",
        scenario_name=scenario_name,
        scenario_text='name = "plan"\nseed = 20250331\n[credit]\npremium_min_score = 80\n',
        dataset_path="data/small",
        dataset_fingerprint="sha256:" + "0123456789abcdef" * 4,
        code_version="0.1.0+gdeadbee",
        seed=seed,
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=3, seconds=7, microseconds=5),
        status="completed",
        summary={
            "dso_days": {"mean": 62.125, "ci95": [60.5, 63.75]},
            "on_time_share": {"mean": 0.1 + 0.2, "ci95": [0.25, 0.35]},
            "n_replications": n_replications,
            "warm_up_days": 30,
            "note": None,
            "flags": [True, False],
        },
        replication_kpis=replications,
        decision_tables={"kpis_by_region": by_region, "call_plan": call_plan},
    )


def assert_same_run(stored: StoredRun, record: RunRecord) -> None:
    """Every field of ``record`` equals the stored one; tables compared exactly."""
    for name in (
        "kind", "scenario_name", "scenario_text", "dataset_path", "dataset_fingerprint",
        "code_version", "seed", "started_at", "ended_at", "status", "summary",
    ):  # fmt: skip
        assert getattr(stored, name) == getattr(record, name), name
    if record.replication_kpis is None:
        assert stored.replication_kpis is None
    else:
        assert_frame_equal(stored.replication_kpis, record.replication_kpis, check_exact=True)
    assert list(stored.decision_tables) == list(record.decision_tables)
    for name, table in record.decision_tables.items():
        assert_frame_equal(stored.decision_tables[name], table, check_exact=True)


def row_counts(path: Path) -> dict[str, int]:
    """Rows per table, read with plain sqlite3 (no store code involved)."""
    with sqlite3.connect(path) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("runs", "replication_kpis", "decision_tables")
        }


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "runs.sqlite"


@pytest.fixture
def store(store_path: Path) -> RunStore:
    return RunStore(store_path)


# -- round trips ------------------------------------------------------------------------------
def test_round_trip_keeps_every_field(store: RunStore) -> None:
    record = make_record()
    run_id = store.save(record)
    stored = store.get(run_id)
    assert stored.run_id == run_id
    assert_same_run(stored, record)
    assert stored.started_at.tzinfo is not None and stored.started_at.utcoffset() == timedelta(0)
    assert_same_run(RunStore(store.path).get(run_id), record)  # a fresh handle reads it too


def test_round_trip_keeps_awkward_dtypes_and_indexes(store: RunStore) -> None:
    regions = pd.MultiIndex.from_arrays(
        [["East", "East", "South"], [1, 2, 1]], names=["region", "quarter"]
    )
    mixed = pd.DataFrame(
        {
            "float": [AWKWARD_FLOATS[0], np.nan, -np.inf],
            "float32": np.array([0.1, 1.0, 2.5], dtype="float32"),
            "nullable_int": pd.array([1, None, 3], dtype="Int64"),
            "text": ["a", None, "c"],
            "flag": [True, False, True],
            "ordered_at": pd.to_datetime(
                ["2024-01-01 00:00:00.123456789", None, "2024-03-01 00:00:00.000000000"]
            ),
            "promised_at": pd.to_datetime(["2024-01-01", "2024-07-01", None]).tz_localize(
                "Asia/Shanghai"
            ),
            "transit": pd.to_timedelta([1.5, None, 3.0], unit="D"),
            "tier": pd.Categorical(["B", None, "A"], categories=["A", "B", "C"], ordered=True),
            "payload": np.array([{"k": 1}, [1, 2], None], dtype=object),
            7: [1, 2, 3],
        },
        index=regions,
    )
    daily = pd.DataFrame(
        {"orders": [3.0, 4.0]},
        index=pd.date_range("2024-01-01", periods=2, freq="D", name="day"),
    )
    repeated = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index(["x", "x"], name="key"))
    no_columns = pd.DataFrame(index=range(3))
    empty = pd.DataFrame({"a": pd.Series(dtype="float64"), "b": pd.Series(dtype="str")})
    replications = pd.DataFrame(
        {
            "replication": [0, 1, 2, 3, 4, 5, 6],
            "dso_days": AWKWARD_FLOATS,
            "orders": [3, 4, 5, 6, 7, 8, 9],
            "any_write_off": [True, False, True, False, False, False, True],
        }
    )
    record = make_record()
    record = RunRecord(
        **{
            **record.__dict__,
            "replication_kpis": replications,
            "decision_tables": {
                "mixed": mixed,
                "daily": daily,
                "repeated": repeated,
                "no_columns": no_columns,
                "empty": empty,
            },
        }
    )
    assert_same_run(store.get(store.save(record)), record)


def test_float_bits_survive_exactly(store: RunStore) -> None:
    values = np.array(AWKWARD_FLOATS)
    record = make_record()
    tables = {"floats": pd.DataFrame({"x": values})}
    record = RunRecord(**{**record.__dict__, "decision_tables": tables})
    stored = store.get(store.save(record))
    back = stored.decision_tables["floats"]["x"].to_numpy()
    assert back.view("int64").tolist() == values.view("int64").tolist()  # -0.0 included


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=8))
def test_any_float_round_trips(store: RunStore, values: list[float]) -> None:
    record = make_record()
    kpis = pd.DataFrame({"replication": range(len(values)), "kpi": values})
    tables = {"t": pd.DataFrame({"x": values}), "summary_like": pd.DataFrame({"y": values[::-1]})}
    record = RunRecord(**{**record.__dict__, "replication_kpis": kpis, "decision_tables": tables})
    assert_same_run(store.get(store.save(record)), record)


def test_long_replication_table_round_trips(store: RunStore) -> None:
    long = pd.DataFrame(
        {
            "replication": [0, 0, 1, 1],
            "kpi": ["dso_days", "on_time_share", "dso_days", "on_time_share"],
            "value": [61.5, 0.93, np.nan, 0.91],
        }
    )
    record = RunRecord(**{**make_record().__dict__, "replication_kpis": long})
    assert_same_run(store.get(store.save(record)), record)
    with sqlite3.connect(store.path) as con:  # the long SQL table is queryable per KPI
        rows = con.execute(
            "SELECT replication, value FROM replication_kpis WHERE kpi = 'dso_days' "
            "ORDER BY replication"
        ).fetchall()
    assert rows == [(0, 61.5), (1, None)]


def test_measured_run_without_tables_round_trips(store: RunStore) -> None:
    record = RunRecord(
        **{
            **make_record(seed=None).__dict__,
            "kind": "measured",
            "scenario_text": "",
            "summary": {},
            "replication_kpis": None,
            "decision_tables": {},
        }
    )
    assert_same_run(store.get(store.save(record)), record)


def test_seed_beyond_64_bits_round_trips(store: RunStore) -> None:
    seed = np.random.SeedSequence(12345).entropy + 2**100
    record = make_record(seed=seed)
    stored = store.get(store.save(record))
    assert stored.seed == seed
    assert store.list_runs()["seed"].tolist() == [seed]


def test_to_record_gives_back_a_record(store: RunStore) -> None:
    record = make_record()
    again = store.get(store.save(record)).to_record()
    assert isinstance(again, RunRecord)
    assert_same_run(store.get(store.save(again)), record)


def test_to_json_dict_is_strict_json(store: RunStore) -> None:
    record = make_record()
    stored = store.get(store.save(record))
    out = stored.to_json_dict()
    text = json.dumps(out, allow_nan=False)  # NaN in kpis_by_region became null
    back = json.loads(text)
    assert back["run_id"] == stored.run_id
    assert back["started_at"] == "2025-03-31T09:00:00.123456+00:00"
    assert back["summary"] == record.summary
    assert back["replication_kpis"][0] == record.replication_kpis.iloc[0].to_dict()
    assert back["decision_tables"]["kpis_by_region"][2] == {
        "region": "North", "dso_days": None, "orders": 0, "remote": True,
    }  # fmt: skip
    assert back["decision_tables"]["call_plan"][0] == {
        "doctor_id": "doc-001", "calls_per_month": 4.0, "tier": "A",
    }  # fmt: skip


# -- listing and ids --------------------------------------------------------------------------
def test_list_runs_newest_first(store: RunStore) -> None:
    middle = store.save(make_record(scenario_name="q2", started_at=T0))
    oldest = store.save(make_record(scenario_name="q1", started_at=T0 - timedelta(days=90)))
    newest = store.save(make_record(scenario_name="q3", started_at=T0 + timedelta(days=90)))
    tie = store.save(make_record(scenario_name="q2-rerun", started_at=T0))  # saved last wins
    listed = store.list_runs()
    assert listed["run_id"].tolist() == [newest, tie, middle, oldest]
    assert listed.columns.tolist() == [
        "run_id", "kind", "scenario_name", "status", "started_at", "ended_at", "seed",
        "dataset_fingerprint",
    ]  # fmt: skip
    assert listed["scenario_name"].tolist() == ["q3", "q2-rerun", "q2", "q1"]
    assert listed["dataset_fingerprint"].tolist() == ["sha256:01234"] * 4


def test_list_runs_orders_by_instant_across_time_zones(store: RunStore) -> None:
    shanghai = timezone(timedelta(hours=8))
    early = store.save(make_record(started_at=datetime(2025, 1, 1, 12, 0, tzinfo=shanghai)))
    late = store.save(make_record(started_at=datetime(2025, 1, 1, 5, 0, tzinfo=UTC)))
    assert store.list_runs()["run_id"].tolist() == [late, early]  # 12:00+08 is 04:00Z


def test_list_runs_of_an_empty_store(store: RunStore) -> None:
    listed = store.list_runs()
    assert listed.empty
    assert "run_id" in listed.columns


def test_run_ids_are_short_sortable_and_unique(store: RunStore) -> None:
    ids = [store.save(make_record(n_replications=1)) for _ in range(20)]
    assert len(set(ids)) == len(ids)
    for run_id in ids:
        assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", run_id)
    stamps = [run_id[:15] for run_id in ids]
    assert stamps == sorted(stamps)  # the time part sorts in save order


# -- refusals ---------------------------------------------------------------------------------
def test_unknown_run_id_is_refused_with_a_hint(store: RunStore) -> None:
    run_id = store.save(make_record())
    with pytest.raises(UnknownRunError) as caught:
        store.get("20000101-000000-abcdef")
    error = caught.value
    assert isinstance(error, InputError) and isinstance(error, KeyError)
    assert "20000101-000000-abcdef" in str(error)
    assert "pharmaops runs list" in str(error)
    with pytest.raises(KeyError, match="did you mean " + run_id):
        store.get(run_id[:9])


def test_schema_version_mismatch_is_refused(store_path: Path) -> None:
    RunStore(store_path)
    with sqlite3.connect(store_path) as con:
        con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(InputError) as caught:
        RunStore(store_path)
    message = str(caught.value)
    assert f"version {SCHEMA_VERSION}" in message and "version 999" in message
    assert str(store_path) in message


def test_files_that_are_not_run_stores_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(InputError, match="other tables: orders"):
        RunStore(other)
    garbage = tmp_path / "notes.sqlite"
    garbage.write_text("this is not a database\n" * 100)
    with pytest.raises(InputError, match="notes.sqlite"):
        RunStore(garbage)
    assert garbage.read_text().startswith("this is not a database")  # left untouched


def test_invalid_record_is_refused_whole_before_writing(store: RunStore) -> None:
    good = make_record()
    bad = RunRecord(
        **{
            **good.__dict__,
            "status": "",
            "seed": -1,
            "ended_at": good.started_at - timedelta(seconds=1),
            "summary": {"dso_days": {1, 2}},
            "replication_kpis": good.replication_kpis.assign(region="East"),
            "decision_tables": {"call_plan": "not a table"},
        }
    )
    with pytest.raises(InputError) as caught:
        store.save(bad)
    locations = [p.location for p in caught.value.problems]
    assert locations == [
        "status", "seed", "ended_at", "summary.dso_days", "replication_kpis.region",
        "decision_tables['call_plan']",
    ]  # fmt: skip
    assert "nothing stored" in str(caught.value)
    assert row_counts(store.path) == {"runs": 0, "replication_kpis": 0, "decision_tables": 0}


def test_naive_and_aware_times_are_not_mixed(store: RunStore) -> None:
    record = RunRecord(**{**make_record().__dict__, "ended_at": datetime(2025, 4, 1)})
    with pytest.raises(InputError, match="both naive or both timezone-aware"):
        store.save(record)


# -- where the store lives --------------------------------------------------------------------
def test_env_var_chooses_the_store_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "elsewhere" / "committee.sqlite"
    monkeypatch.setenv(STORE_ENV_VAR, str(target))
    assert default_store_path() == target
    run_id = RunStore().save(make_record())
    assert target.exists()
    assert RunStore(target).get(run_id).scenario_name == "plan"


def test_default_location_is_the_project_runs_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)
    assert default_store_path() == PROJECT_ROOT / "runs" / "pharmaops.sqlite"
    monkeypatch.setenv(STORE_ENV_VAR, "")
    assert default_store_path() == PROJECT_ROOT / "runs" / "pharmaops.sqlite"


# -- all or nothing ---------------------------------------------------------------------------
def test_exception_inside_the_transaction_rolls_back(store: RunStore) -> None:
    kept = store.save(make_record(scenario_name="kept"))

    def fail() -> None:
        raise RuntimeError("disk vanished")

    with pytest.raises(RuntimeError, match="disk vanished"):
        store.save(make_record(scenario_name="lost"), _after_rows=fail)
    assert store.list_runs()["run_id"].tolist() == [kept]
    counts = row_counts(store.path)
    assert counts == {"runs": 1, "replication_kpis": 4 * 3, "decision_tables": 2}
    assert store.save(make_record(scenario_name="after")) != kept


def test_killed_save_leaves_no_partial_run(store_path: Path, tmp_path: Path) -> None:
    RunStore(store_path)
    marker = tmp_path / "inside-transaction"
    child = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from scenarios.store import RunStore
        from tests.test_run_store import make_record

        def hold() -> None:
            Path({str(marker)!r}).write_text("rows inserted, not committed")
            time.sleep(60)

        RunStore({str(store_path)!r}).save(make_record(n_replications=500), _after_rows=hold)
        """
    )
    paths = [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    process = subprocess.Popen(
        [sys.executable, "-c", child],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if process.poll() is not None:
                pytest.fail(f"child ended early: {process.communicate()[1].decode()}")
            if time.monotonic() > deadline:
                pytest.fail("child never reached the hook")
            time.sleep(0.05)
        # While the writer holds its transaction, readers see nothing of it.
        assert row_counts(store_path) == {"runs": 0, "replication_kpis": 0, "decision_tables": 0}
        process.kill()  # SIGKILL on POSIX: no cleanup, no rollback by the child
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
    if os.name == "posix":
        assert process.returncode == -9
    reopened = RunStore(store_path)
    assert reopened.list_runs().empty
    assert row_counts(store_path) == {"runs": 0, "replication_kpis": 0, "decision_tables": 0}
    run_id = reopened.save(make_record())
    assert_same_run(reopened.get(run_id), make_record())


# -- code version -----------------------------------------------------------------------------
def test_code_version_adds_the_git_sha(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise provenance.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(provenance, "_git_short_sha", lambda root: "abc1234")
    monkeypatch.setattr(provenance.metadata, "version", lambda name: "0.2.0")
    assert code_version() == "0.2.0+gabc1234"
    monkeypatch.setattr(provenance.metadata, "version", not_installed)
    assert code_version() == "0.1.0+unknown.gabc1234"  # one '+' only (PEP 440 local part)
    monkeypatch.setattr(provenance, "_git_short_sha", lambda root: None)
    assert code_version() == "0.1.0+unknown"


def test_git_sha_is_none_outside_a_checkout(tmp_path: Path) -> None:
    assert provenance._git_short_sha(tmp_path) is None
