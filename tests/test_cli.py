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
    capsys.readouterr()
    assert main(["run", str(tmp_path / "s.toml"), "--progress-file",
                 str(tmp_path / "no" / "such" / "p.json")]) == 2
    assert "--progress-file" in capsys.readouterr().err


def test_run_and_compare_follow_the_json_contract(small_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`pharmaops calibrate`, then `run` with that process file, then `compare`."""
    params = tmp_path / "process.json"
    assert main(["calibrate", str(small_dir), "--json", str(params)]) == 0
    common = (f'dataset = "{small_dir}"\nprocess = "{params}"\nhorizon_days = 120\n'
              "warmup_days = 30\nreplications = 4\nseed = 4\n")
    base, plan = tmp_path / "base.toml", tmp_path / "plan.toml"
    base.write_text('name = "base"\n' + common)
    plan.write_text('name = "apps"\n' + common + "[orders]\napp_channel_share = 0.9\n")
    store = str(tmp_path / "runs.sqlite")
    out = tmp_path / "run.json"
    assert main(["run", str(base), "--workers", "1", "--allow-outside-data", "--json", str(out),
                 "--store", store]) == 0
    doc = json.loads(out.read_text())
    assert {"scenario", "run_id", "seed", "replications", "kpis", "targets",
            "stages"} <= set(doc)
    assert (doc["scenario"], doc["seed"], doc["replications"]) == ("base", 4, 4)
    assert doc["calibration"] == json.loads(params.read_text())["source"]
    for name in BASELINE_NAMES:
        k = doc["kpis"][name]
        assert set(k) == {"mean", "ci95", "p10", "p90"}
        assert k["ci95"][0] <= k["mean"] <= k["ci95"][1]
        t = doc["targets"][name]
        assert set(t) == {"target", "status", "met", "probability", "probability_ci95",
                          "replications_to_decide"}
        assert t["met"] == (t["status"] == "met")
        if t["probability"] is not None:  # null when a KPI has fewer than 2 finite values
            lo, hi = t["probability_ci95"]
            assert 0.0 <= lo <= t["probability"] <= hi <= 1.0
    for stage in doc["stages"].values():
        assert {"utilization", "mean_wait_days", "mean_time_days",
                "mean_queue_length"} <= set(stage)
    assert set(doc["by_region"]) <= {"East", "South", "North", "Central", "Southwest",
                                     "Northwest", "Northeast"}
    cmp_out = tmp_path / "cmp.json"
    progress = tmp_path / "progress.json"
    assert main(["compare", str(base), str(plan), "--workers", "1", "--allow-outside-data",
                 "--json", str(cmp_out), "--store", store, "--progress-file",
                 str(progress)]) == 0
    # the last scenario's progress, as the app's job queue reads it
    assert json.loads(progress.read_text()) == {"done": 4, "total": 4, "label": "apps"}
    cmp = json.loads(cmp_out.read_text())
    assert cmp["base"] == "base" and set(cmp["scenarios"]) == {"base", "apps"}
    # 4 paired replications: with 2 the t interval (t = 12.7) is too wide to show a clear
    # 0.45-day effect as "better"
    diff = cmp["differences"]["apps"]["order_processing_days"]
    assert diff["mean"] < 0 and diff["better"] and diff["verdict"] == "better"
    # the base run in compare is the same computation as the run above
    assert cmp["scenarios"]["base"]["kpis"] == doc["kpis"]


def test_json_to_stdout_carries_only_json(small_dir: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kpis", str(small_dir), "--no-store", "--json", "-"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)  # nothing but the JSON on stdout
    assert set(BASELINE_NAMES) <= set(doc["kpis"])
    assert "measured over" in captured.err  # the table for people went to stderr
