"""`pharmaops credit score` and `pharmaops credit policy`: the documents users' scripts read
(names and meanings fixed by the finance issue), checked against the model's own arrays and
against each other; an impossible limit is named; bad options exit 2 with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.credit.terms import OPTIONS
from scenarios.cli import main


@pytest.fixture(scope="module")
def scenario(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("credit") / "s.toml"
    path.write_text(f'name = "finance"\ndataset = "{small_dir}"\nseed = 3\n'
                    "[targets]\ndso_days = 55.0\nbad_debt_rate = 0.05\n"
                    "[credit]\nscoring = true\n")
    return path


def test_policy_json_carries_the_fields_scripts_read(scenario: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    js, xlsx = tmp_path / "p.json", tmp_path / "p.xlsx"
    assert main(["credit", "policy", str(scenario), "--allow-outside-data", "--json", str(js),
                 "--xlsx", str(xlsx), "--frontier-points", "4"]) == 0
    assert "DSO-profit frontier" in capsys.readouterr().out
    doc = json.loads(js.read_text())
    assert doc["status"] == "optimal"
    assert doc["bound_cny"] >= doc["objective_cny"] and 0 <= doc["gap"] <= 1e-6
    assert doc["targets"] == {"dso_days": 55.0, "bad_debt_rate": 0.05, "sales_loss_rate": 0.02}
    p = doc["portfolio"]
    for key in ("dso_days", "bad_debt_rate", "sales_loss_rate", "discount_cost_cny",
                "financing_cost_cny"):
        assert isinstance(p[key], float), key
    # the solution meets the limits it was given
    assert p["dso_days"] <= 55.0 + 1e-6 and p["bad_debt_rate"] <= 0.05 + 1e-9
    assert p["sales_loss_rate"] <= 0.02 + 1e-9
    assert set(doc["assignments"].values()) <= set(OPTIONS)
    counts = pd.Series(list(doc["assignments"].values())).value_counts().to_dict()
    assert counts == doc["option_counts"]
    frontier = doc["frontier"]
    assert len(frontier) == 4 and all(set(pt) == {"dso_limit_days", "profit_cny", "status"}
                                      for pt in frontier)
    solved = [pt["profit_cny"] for pt in frontier if pt["status"] == "optimal"]
    assert solved == sorted(solved)          # a looser DSO limit never earns less
    assert all(isinstance(v, float) for v in doc["binding"].values())
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets) == ["Assignments", "Portfolio", "Frontier", "Binding limits", "About"]
    table = sheets["Assignments"]
    assert dict(zip(table["customer_id"], table["terms"], strict=True)) == doc["assignments"]


def test_an_impossible_dso_limit_names_the_limit(scenario: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    js = tmp_path / "p.json"
    assert main(["credit", "policy", str(scenario), "--allow-outside-data", "--dso-limit", "2",
                 "--json", str(js)]) == 1
    err = capsys.readouterr().err
    assert "dso_days <= 2 cannot be met" in err
    doc = json.loads(js.read_text())
    assert doc["status"] == "infeasible" and doc["infeasible_constraint"] == "dso_days"
    assert doc["objective_cny"] is None and doc["assignments"] == {}


def test_a_bad_limit_exits_2_before_any_work(scenario: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    js = tmp_path / "p.json"
    assert main(["credit", "policy", str(scenario), "--allow-outside-data",
                 "--bad-debt-limit", "2", "--json", str(js)]) == 2
    assert "--bad-debt-limit" in capsys.readouterr().err
    assert not js.exists()


def test_score_lists_every_account_with_its_tier_and_reasons(
        scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, js = tmp_path / "s.csv", tmp_path / "s.json"
    assert main(["credit", "score", str(scenario), "--allow-outside-data", "--csv", str(csv),
                 "--json", str(js)]) == 0
    assert "holdout AUC" in capsys.readouterr().out
    assert csv.read_bytes()[:3] == b"\xef\xbb\xbf"     # UTF-8 BOM for Excel
    table = pd.read_csv(csv, encoding="utf-8-sig")
    doc = json.loads(js.read_text())
    assert len(table) == len(doc["accounts"])
    assert np.all((table["score"] >= 0) & (table["score"] <= 100))
    assert set(table["tier"]) <= {"premium", "ordinary", "risk"}
    assert np.all(table["points_1"] >= table["points_2"])
    tiers = pd.DataFrame(doc["tiers"])
    assert tiers["share_of_accounts"].sum() == pytest.approx(1.0)
    assert tiers["accounts"].sum() == len(table)


def test_simulate_sends_the_assignment_through_the_simulation(
        scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios import credit_report as cr
    from scenarios.compare import load_scenarios
    from scenarios.credit_simulation import policy_choice, policy_scenario
    from scenarios.run import prepare

    loaded = load_scenarios([scenario], allow_outside_data=True)[0]
    ctx = cr.credit_context(loaded)
    report = cr.policy_report(ctx, frontier_points=2)
    choice = policy_choice(ctx, report)
    prepared = prepare(policy_scenario(loaded, report), ctx.dataset, choice=choice)
    assert list(prepared.config.credit.account_terms) == [
        OPTIONS[o] for o in report.solution.assignments]
    out_json, progress = tmp_path / "policy.json", tmp_path / "progress.json"
    assert main(["credit", "policy", str(scenario), "--allow-outside-data",
                 "--frontier-points", "2", "--simulate", "2", "--json", str(out_json),
                 "--progress-file", str(progress)]) == 0
    out = capsys.readouterr().out
    assert "simulated with these terms (2 replications" in out
    assert "discount" in out and "financing_cost_cny" in out
    # the projection in the JSON too (the app's queue reads it): a CI around each mean, and
    # beside it the terms model's own expectation of the same figure
    simulated = json.loads(out_json.read_text())["simulated"]
    assert simulated["replications"] == 2
    dso = simulated["projection"]["dso_days"]
    assert dso["ci_low"] <= dso["mean"] <= dso["ci_high"]
    assert dso["terms_model"] == pytest.approx(report.solution.portfolio["dso_days"])
    assert json.loads(progress.read_text()) == {"done": 2, "total": 2, "label": "simulation"}


def test_one_replication_is_refused_before_any_work(scenario: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["credit", "policy", str(scenario), "--allow-outside-data",
                 "--simulate", "1"]) == 2
    err = capsys.readouterr().err
    assert "--simulate" in err and "at least 2 replications" in err
