"""The command line: exit codes, JSON contract, and today's baseline on the national data set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scenarios.cli import main

BASELINE_NAMES = ("order_processing_days", "on_time_rate", "dso_days", "bad_debt_rate",
                  "remote_delivery_days", "complaint_rate")


def test_kpis_json_is_stored_and_shown(small_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "runs.sqlite")
    js = tmp_path / "k.json"
    assert main(["kpis", str(small_dir), "--json", str(js), "--store", store]) == 0
    doc = json.loads(js.read_text())
    assert set(BASELINE_NAMES) <= set(doc["kpis"])
    assert {r["region"] for r in doc["by_region"]} <= {"East", "South", "North", "Central",
                                                       "Southwest", "Northwest", "Northeast"}
    assert set(doc["aging_cny"]) == {"0-30", "31-60", "61-90", "91-180", ">180"}
    assert main(["runs", "list", "--store", store, "--json", str(tmp_path / "l.json")]) == 0
    runs = json.loads((tmp_path / "l.json").read_text())["runs"]
    assert [r["run_id"] for r in runs] == [doc["run_id"]]
    assert main(["runs", "show", doc["run_id"], "--store", store, "--json",
                 str(tmp_path / "s.json")]) == 0
    shown = json.loads((tmp_path / "s.json").read_text())
    assert shown["summary"]["kpis"] == doc["kpis"]
    assert shown["dataset_fingerprint"] == doc["fingerprint"]
    assert "by_region" in shown["decision_tables"]


def test_refused_data_set_exits_2_and_names_each_problem(
        tiny_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(tiny_dir, bad)
    text = (bad / "reps.csv").read_text().splitlines()
    fields = text[1].split(",")
    fields[-2] = "many"  # calls_per_day
    text[1] = ",".join(fields)
    (bad / "reps.csv").write_text("\n".join(text) + "\n")
    assert main(["data", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "reps.csv: line 2 (rep_id=R0001), column calls_per_day" in err
    assert "found 'many'" in err


def test_validate_names_each_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\ndataset = "nowhere"\n[targets]\non_time_rate = 1.5\n'
                    '[credit]\npremium_mn_score = 80\n')
    assert main(["validate", str(scen), "--allow-outside-data"]) == 2
    err = capsys.readouterr().err
    for field in ("dataset", "targets.on_time_rate", "credit.premium_mn_score"):
        assert f": {field}: expected" in err


def test_bad_options_give_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["data", "generate", "--profile", "galactic", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "galactic" in err[0] and "national" in err[0]
    assert main(["kpis", str(tmp_path / "missing"), "--no-store"]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["runs", "show", "nope", "--store", str(tmp_path / "r.sqlite")]) == 2
