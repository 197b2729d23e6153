"""`pharmaops territory plan`: the document's fields, grades under the scenario's own weights
(against the model called directly), tier shares that add up, the workbook, and a bad
[territory] section refused with exit 2 before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from data.dataset import load_dataset
from models.territory.grading import attribute_points, regrade
from scenarios.cli import main


def _scenario(folder: Path, small_dir: Path, territory: str) -> Path:
    path = folder / "t.toml"
    path.write_text(f'name = "territory"\ndataset = "{small_dir}"\n[territory]\n{territory}',
                    encoding="utf-8")
    return path


def test_plan_document_and_workbook(small_dir: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    weights = {"title": 3.0, "beds": 1.0}
    scenario = _scenario(tmp_path, small_dir,
                         "grading_weights = { title = 3.0, beds = 1.0 }\n"
                         "grade_cuts = { A = 80.0, B = 60.0, C = 40.0 }\n")
    js, xlsx = tmp_path / "t.json", tmp_path / "t.xlsx"
    assert main(["territory", "plan", str(scenario), "--allow-outside-data", "--json", str(js),
                 "--xlsx", str(xlsx), "--align-seconds", "0", "--calls-seconds", "0"]) == 0
    out = capsys.readouterr().out
    assert "not built yet" not in out
    assert "alignment: none proposed" in out and "alignment" not in doc_keys(js)
    assert "call plan: none" in out and "call_plan" not in doc_keys(js)
    doc = json.loads(js.read_text())
    ds = load_dataset(small_dir)
    hospital = ds["doctors"]["terminal_id"].map(
        ds["terminals"].set_index("terminal_id")["terminal_type"])
    _, grade = regrade(attribute_points(ds["doctors"], hospital), weights,
                       {"A": 80.0, "B": 60.0, "C": 40.0})
    assert doc["grades"] == pd.Series(grade).value_counts().reindex(
        list("ABCD"), fill_value=0).to_dict()
    assert doc["grading"]["weights"] == weights
    tiers = pd.DataFrame(doc["tiers"])
    assert tiers["tier"].tolist() == ["core", "potential", "basic"]
    assert tiers["accounts"].sum() == len(ds["customers"]) == len(doc["accounts"])
    assert tiers["share_of_orders"].sum() == pytest.approx(1.0)
    assert sum(doc["abcd"].values()) == len(ds["customers"])
    for cells in doc["grid"].values():
        assert list(cells)[:9] == [p + s for p in "ABC" for s in "123"]
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets) == ["tiers", "accounts", "doctors"]
    assert len(sheets["doctors"]) == len(ds["doctors"])


def doc_keys(path: Path) -> set[str]:
    return set(json.loads(path.read_text()))


def test_bad_grade_cuts_exit_2_with_nothing_written(small_dir: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _scenario(tmp_path, small_dir, "grade_cuts = { A = 50.0, B = 60.0, C = 40.0 }\n")
    out = tmp_path / "t.json"
    assert main(["territory", "plan", str(scenario), "--allow-outside-data", "--json",
                 str(out)]) == 2
    assert "territory.grade_cuts" in capsys.readouterr().err
    assert not out.exists()


def test_todays_workload_per_rep_adds_up(small_dir: Path) -> None:
    from models.territory.segmentation import account_segments
    from scenarios.territory_report import rep_workload

    ds = load_dataset(small_dir)
    work = rep_workload(ds)
    assert list(work["rep_id"]) == list(ds["reps"]["rep_id"])
    assert work["terminals"].sum() == len(ds["terminals"])
    assert work["doctors"].sum() == len(ds["doctors"])
    assert work["accounts"].sum() == len(ds["customers"])
    assert work["orders_cny"].sum() == pytest.approx(account_segments(ds)["monetary_cny"].sum())
    assert work["terminals_vs_average"].mean() == pytest.approx(1.0)
    one = ds["reps"]["rep_id"].iloc[0]
    assert work.set_index("rep_id").loc[one, "terminals"] == (ds["terminals"]["rep_id"]
                                                               == one).sum()


def test_proposed_alignment_is_balanced_and_covers_every_terminal(
        small_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _scenario(tmp_path, small_dir, "visit_quota = { A = 4.0, B = 2.0, C = 1.0 }\n")
    js = tmp_path / "t.json"
    assert main(["territory", "plan", str(scenario), "--allow-outside-data", "--json", str(js),
                 "--align-seconds", "30", "--balance", "0.15"]) == 0
    assert "alignment: optimal" in capsys.readouterr().out
    doc = json.loads(js.read_text())
    a = doc["alignment"]
    assert "alignment" not in doc["not_built"]
    ds = load_dataset(small_dir)
    assert set(a["assignments"]) == set(ds["terminals"]["terminal_id"])
    assert set(a["assignments"].values()) <= set(ds["reps"]["rep_id"])
    # workload by hand: each doctor's grade quota, summed per terminal; 1 without doctors
    from scenarios.compare import load_scenarios
    from scenarios.territory_report import doctor_table, territory_context

    ctx = territory_context(load_scenarios([scenario], allow_outside_data=True)[0])
    grades = doctor_table(ctx).set_index("doctor_id")["grade"]
    quota = {"A": 4.0, "B": 2.0, "C": 1.0, "D": 0.0}
    by_hand = {t: 1.0 for t in ds["terminals"]["terminal_id"]}  # no doctors: a pharmacy
    with_doctors: dict[str, float] = {}
    for doctor, terminal in zip(ds["doctors"]["doctor_id"], ds["doctors"]["terminal_id"],
                                strict=True):
        with_doctors[terminal] = with_doctors.get(terminal, 0.0) + quota[grades[doctor]]
    by_hand.update(with_doctors)
    loads = pd.Series(by_hand).groupby(pd.Series(a["assignments"])).sum()
    average = sum(by_hand.values()) / len(ds["reps"])
    assert loads.sum() == pytest.approx(sum(a["loads_proposed"]))
    assert loads.reindex(ds["reps"]["rep_id"], fill_value=0).between(
        0.85 * average - 1e-6, 1.15 * average + 1e-6).all()
    assert a["bound_km"] <= a["objective_km"] + 1e-6 and a["gap"] <= 1e-9


def test_the_call_plan_in_the_document_and_the_workbook(
        small_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """By default the plan holds a proven-optimal call plan: calls within each rep's capacity,
    totals that add up over the reps and the account types, and its sheets in the workbook."""
    scenario = _scenario(tmp_path, small_dir, "")
    js, xlsx = tmp_path / "t.json", tmp_path / "t.xlsx"
    assert main(["territory", "plan", str(scenario), "--allow-outside-data", "--json", str(js),
                 "--xlsx", str(xlsx), "--align-seconds", "0"]) == 0
    assert "call plan: optimal" in capsys.readouterr().out
    c = json.loads(js.read_text())["call_plan"]
    assert c["status"] == "optimal" and c["gap"] <= 1e-9
    assert c["bound_cny_month"] >= c["objective_cny_month"] - 1e-6
    reps = pd.DataFrame(c["reps"])
    assert (reps["calls_planned"] <= reps["capacity"]).all()
    assert reps["calls_planned"].sum() == c["calls_planned"]
    assert c["idle_calls"] == c["capacity"] - c["calls_planned"]
    assert pd.DataFrame(c["coverage"])["calls_planned"].sum() == c["calls_planned"]
    assert c["uplift_cny_month"] == pytest.approx(c["sales_planned_cny_month"]
                                                  - c["sales_today_cny_month"])
    for key in ("uplift_ci95", "uplift_reallocated_ci95"):
        low, high = c[key]
        assert low <= high
    ds = load_dataset(small_dir)
    # every account reps call on is planned or counted as left out (too few of its type)
    direct = (~ds["customers"]["customer_type"].str.startswith("distributor")).sum()
    assert c["accounts"] + c["accounts_left_out"] == len(ds["terminals"]) + direct
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert {"call plan", "call plan by rep", "coverage", "response curves",
            "sales-force size"} <= set(sheets)
    size = json.loads(js.read_text())["sales_force_size"]
    curve = pd.DataFrame(size["curve"])
    assert (curve["status"] == "optimal").all()
    assert curve["profit_cny_month"].to_numpy() == pytest.approx(
        (curve["margin_cny_month"] - curve["reps"] * 25000.0).to_numpy())
    assert size["best_profit_cny_month"] == pytest.approx(curve["profit_cny_month"].max())
    assert sheets["call plan"]["planned_calls"].sum() == c["calls_planned"]


def test_a_bad_balance_exits_2_before_any_work(small_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _scenario(tmp_path, small_dir, "")
    out = tmp_path / "t.json"
    assert main(["territory", "plan", str(scenario), "--allow-outside-data", "--json", str(out),
                 "--align-seconds", "5", "--balance", "1.5"]) == 2
    assert "--balance" in capsys.readouterr().err and not out.exists()
