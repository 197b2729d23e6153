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
                 "--xlsx", str(xlsx)]) == 0
    assert "not built yet: call_plan, alignment, sales_force_size" in capsys.readouterr().out
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
