"""Hostile input on the command line: every bad input is a clean exit 2 that names the file,
field or option, found before any work, and nothing half-written or half-stored stays."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from scenarios.cli import main
from scenarios.store import RunStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def process_file(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Today's process of the small data set, as `pharmaops calibrate --json` writes it."""
    path = tmp_path_factory.mktemp("process") / "process.json"
    assert main(["calibrate", str(small_dir), "--json", str(path)]) == 0
    return path


def _scenario(folder: Path, name: str, small_dir: Path, process: Path, extra: str = "") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\ndataset = "{small_dir}"\nprocess = "{process}"\n'
                    "horizon_days = 60\nwarmup_days = 10\nreplications = 2\nseed = 4\n"
                    + extra, encoding="utf-8")
    return path


def _clean_exit_2(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    return err


def test_compare_with_one_broken_scenario_simulates_and_stores_nothing(
        small_dir: Path, process_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    good = _scenario(tmp_path, "good", small_dir, process_file)
    bad = _scenario(tmp_path, "bad", small_dir, process_file, "[orders]\napp_channel_share = 2\n")
    store = tmp_path / "runs.sqlite"
    assert main(["compare", str(good), str(bad), "--allow-outside-data", "--workers", "1",
                 "--store", str(store), "--json", str(tmp_path / "c.json")]) == 2
    _clean_exit_2(capsys, "bad.toml", "orders.app_channel_share")
    assert not store.exists() or RunStore(store, read_only=True).list_runs().empty
    assert not (tmp_path / "c.json").exists()


def test_compare_stores_its_runs_together(small_dir: Path, process_file: Path,
                                          tmp_path: Path) -> None:
    a = _scenario(tmp_path, "a", small_dir, process_file)
    b = _scenario(tmp_path, "b", small_dir, process_file, "[logistics]\ntracking = true\n")
    store = tmp_path / "runs.sqlite"
    out = tmp_path / "c.json"
    assert main(["compare", str(a), str(b), "--allow-outside-data", "--workers", "1",
                 "--store", str(store), "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    stored = RunStore(store, read_only=True).list_runs()
    assert sorted(stored["run_id"]) == sorted(s["run_id"] for s in doc["scenarios"].values())


JSON_COMMANDS = {
    "kpis": lambda d, s, p: ["kpis", str(d), "--no-store"],
    "data check": lambda d, s, p: ["data", "check", str(d)],
    "calibrate": lambda d, s, p: ["calibrate", str(d)],
    "run": lambda d, s, p: ["run", str(s), "--allow-outside-data", "--workers", "1"],
    "compare": lambda d, s, p: ["compare", str(s), str(s), "--allow-outside-data"],
    "sensitivity": lambda d, s, p: ["sensitivity", str(s), "--allow-outside-data",
                                    "--workers", "1"],
    "warehouses solve": lambda d, s, p: ["warehouses", "solve", str(s), "--allow-outside-data"],
    "warehouses simulate": lambda d, s, p: ["warehouses", "simulate", str(d), "--sites", "S01",
                                            "--workers", "1"],
    "runs list": lambda d, s, p: ["runs", "list"],
    "runs show": lambda d, s, p: ["runs", "show", "20260101-000000-abcdef"],
}


@pytest.mark.parametrize("command", sorted(JSON_COMMANDS))
@pytest.mark.parametrize("where", ["folder", "under a file", "missing folder"])
def test_an_unwritable_json_path_is_refused_before_any_work(
        command: str, where: str, small_dir: Path, process_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store" / "runs.sqlite"
    monkeypatch.setenv("PHARMAOPS_RUN_STORE", str(store))
    scenario = _scenario(tmp_path, "s", small_dir, process_file)
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    target = {"folder": tmp_path, "under a file": tmp_path / "a_file" / "out.json",
              "missing folder": tmp_path / "nowhere" / "out.json"}[where]
    started = time.perf_counter()
    argv = JSON_COMMANDS[command](small_dir, scenario, process_file) + ["--json", str(target)]
    assert main(argv) == 2
    _clean_exit_2(capsys, "--json", str(target))
    assert time.perf_counter() - started < 5, "refused only after the work"
    assert not store.exists(), "nothing is stored, no store is even created"
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_run_whose_output_fails_stores_nothing(
        small_dir: Path, process_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The path was fine when checked, then the write fails: no .tmp stays, exit 2."""
    import scenarios.jsonio as jsonio

    scenario = _scenario(tmp_path, "s", small_dir, process_file)
    out = tmp_path / "out.json"

    def broken(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jsonio.Path, "replace", broken)
    assert main(["run", str(scenario), "--allow-outside-data", "--workers", "1", "--no-store",
                 "--json", str(out)]) == 2
    _clean_exit_2(capsys, "No space left")
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("kind", ["folder", "corrupt file", "other database"])
def test_an_unusable_store_is_refused_before_simulating(
        kind: str, small_dir: Path, process_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    store = tmp_path / "store.sqlite"
    if kind == "folder":
        store.mkdir()
    elif kind == "corrupt file":
        store.write_bytes(b"this is not SQLite" * 100)
    else:
        with sqlite3.connect(store) as con:
            con.execute("CREATE TABLE other (x)")
    scenario = _scenario(tmp_path, "s", small_dir, process_file, "replications = 1\n"
                         .replace("replications = 1\n", ""))
    started = time.perf_counter()
    assert main(["run", str(scenario), "--allow-outside-data", "--workers", "1",
                 "--store", str(store)]) == 2
    _clean_exit_2(capsys, str(store))
    assert time.perf_counter() - started < 5, "refused only after simulating"


def test_read_only_commands_create_nothing(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "new" / "path" / "runs.sqlite"
    assert main(["runs", "list", "--store", str(store)]) == 0
    assert "no runs stored yet" in capsys.readouterr().out
    assert main(["runs", "show", "20260101-000000-abcdef", "--store", str(store)]) == 2
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("run_id", ["\udcff\udcfe", "../../etc", "x" * 500, ""])
def test_runs_show_refuses_a_malformed_id(run_id: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "show", run_id, "--store", str(tmp_path / "r.sqlite")]) == 2
    _clean_exit_2(capsys, "RUN_ID")


@pytest.mark.parametrize("option, value", [("--seed", "-1"), ("--seed", str(2**64)),
                                           ("--replications", "5000"),
                                           ("--replications", "0"), ("--workers", "0")])
def test_simulation_options_take_the_scenario_files_bounds(
        option: str, value: str, small_dir: Path, process_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _scenario(tmp_path, "s", small_dir, process_file)
    assert main(["run", str(scenario), "--allow-outside-data", "--no-store",
                 option, value]) == 2
    _clean_exit_2(capsys, option, value)


def test_unknown_forward_site_is_found_by_validate(
        small_dir: Path, process_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _scenario(tmp_path, "s", small_dir, process_file,
                         '[logistics]\nforward_warehouses = ["S29", "NOPE_SITE"]\n')
    assert main(["validate", str(scenario), "--allow-outside-data"]) == 2
    _clean_exit_2(capsys, "logistics.forward_warehouses", "'NOPE_SITE'", "S01")


def _edited(process_file: Path, tmp_path: Path, path: tuple[str, ...], value) -> Path:
    doc = json.loads(process_file.read_text(encoding="utf-8"))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    out = tmp_path / "edited.json"
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


@pytest.mark.parametrize("path, value, named", [
    (("office_hours", "mean"), 1e308, "office_hours.mean"),
    (("payment", "lateness_mean_days", "hospital_3a"), -20.0, "lateness_mean_days"),
    (("payment", "lateness_mean_days"), {}, "lateness_mean_days"),
    (("channel_shares", "app"), -0.2, "channel_shares"),
    (("channel_shares",), {"app": 0.5, "phone": 0.5, "wechat": 0.41}, "add up to 1"),
    (("channel_shares",), {"fax": 1.0}, "channel_shares"),
    (("transit", "km_per_day"), 1e-300, "transit.km_per_day"),
    (("payment", "default_probability", "clinic"), 3.0, "default_probability"),
    (("promise_days",), 10**9, "promise_days"),
])
def test_process_files_are_bounded(path, value, named: str, small_dir: Path,
                                   process_file: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    edited = _edited(process_file, tmp_path, path, value)
    scenario = _scenario(tmp_path, "s", small_dir, edited)
    assert main(["validate", str(scenario), "--allow-outside-data"]) == 2
    _clean_exit_2(capsys, "edited.json", named)


@pytest.mark.parametrize("field, value", [("partner_speed_factor", "1e-300"),
                                          ("staffing_utilization", "1e-9")])
def test_effect_sizes_are_bounded(field: str, value: str, small_dir: Path, process_file: Path,
                                  tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _scenario(tmp_path, "s", small_dir, process_file,
                         f"[assumptions]\n{field} = {value}\n")
    assert main(["validate", str(scenario), "--allow-outside-data"]) == 2
    _clean_exit_2(capsys, f"assumptions.{field}")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_a_parallel_run_leaves_no_worker_running(
        how: signal.Signals, small_dir: Path, process_file: Path, tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "long", small_dir, process_file).read_text(encoding="utf-8")
    long = tmp_path / "long.toml"
    long.write_text(scenario.replace("horizon_days = 60", "horizon_days = 3000")
                    .replace("replications = 2", "replications = 8"), encoding="utf-8")
    store = tmp_path / "runs.sqlite"
    cli = subprocess.Popen(
        [sys.executable, "-m", "scenarios.cli", "run", str(long), "--allow-outside-data",
         "--workers", "2", "--store", str(store)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    parent = psutil.Process(cli.pid)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.5)
        workers = parent.children(recursive=True)
    assert len(workers) >= 2, "the run never started its workers"
    time.sleep(1.0)  # let them start a replication
    cli.send_signal(how)
    cli.wait(timeout=60)
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers still running: {[p.pid for p in alive]}"
    assert not store.exists() or RunStore(store, read_only=True).list_runs().empty
