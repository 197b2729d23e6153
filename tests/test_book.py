"""The scenario book: quarter folders, the assumptions log (its validation and its table),
`pharmaops validate` printing it, and every shipped scenario valid on a small data set."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from scenarios import paths
from scenarios.assumptions_log import LOG_COLUMNS, log_frame
from scenarios.book import current_quarter, parse_quarter, quarters, scenario_files
from scenarios.cli import main
from scenarios.loading import load_scenario, validate_scenario_file
from scenarios.schema import Scenario, lever_paths

LOG = '''
[[log]]
date = 2026-11-05
author = "Finance"
levers = ["credit.premium_min_score", "rollout.regions"]
note = "Tighter bands."

[[log]]
date = 2026-10-01
author = "销售运营部"
levers = ["orders"]
note = "First version."
'''


def _scenario_file(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text('name = "t"\ndataset = "ds"\n' + text, encoding="utf-8")
    (folder / "ds").mkdir(exist_ok=True)
    return path


# ---------------------------------------------------------------- quarters


def test_quarters_are_the_quarter_folders_oldest_first(tmp_path: Path) -> None:
    for name in ("2026Q4", "2025Q1", "2026Q1", "2025Q10", "notes", "2026q3"):
        (tmp_path / name).mkdir()
    (tmp_path / "2027Q1").write_text("a file, not a folder")
    assert quarters(tmp_path) == ["2025Q1", "2026Q1", "2026Q4"]
    assert current_quarter(tmp_path) == "2026Q4"
    assert quarters(tmp_path / "missing") == [] and current_quarter(tmp_path / "x") is None


def test_scenario_files_of_a_quarter(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text("")
    (tmp_path / "baseline.toml").write_text("")
    (tmp_path / "readme.md").write_text("")
    (tmp_path / "old.toml").mkdir()
    assert [p.name for p in scenario_files(tmp_path)] == ["baseline.toml", "plan.toml"]
    assert scenario_files(tmp_path / "missing") == []


@pytest.mark.parametrize(("text", "parsed"), [("2026Q4", (2026, 4)), (" 2027Q1 ", (2027, 1))])
def test_parse_quarter(text: str, parsed: tuple[int, int]) -> None:
    assert parse_quarter(text) == parsed


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "26Q4", "2026-Q4", "Q4 2026", ""])
def test_parse_quarter_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match=r"YYYYQn with n in 1\.\.4 .*got " + re.escape(repr(text))):
        parse_quarter(text)


def test_the_shipped_book_and_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.shipped_quarter_dir() == paths.SCENARIOS_DIR / "2026Q4"
    assert paths.shipped_scenario("plan") == paths.SCENARIOS_DIR / "2026Q4" / "plan.toml"
    monkeypatch.delenv(paths.SCENARIOS_ENV_VAR, raising=False)
    assert paths.default_scenarios_dir() == (paths.SCENARIOS_DIR / "2026Q4", False)
    monkeypatch.setenv(paths.SCENARIOS_ENV_VAR, "/somewhere")
    assert paths.default_scenarios_dir() == (Path("/somewhere"), True)


def test_the_newest_quarter_is_the_default(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("2026Q4", "2027Q1"):
        (tmp_path / name).mkdir()
    monkeypatch.setattr(paths, "SCENARIOS_DIR", tmp_path)
    monkeypatch.delenv(paths.SCENARIOS_ENV_VAR, raising=False)
    assert paths.default_scenarios_dir() == (tmp_path / "2027Q1", False)
    assert paths.shipped_scenario("plan") == tmp_path / "2027Q1" / "plan.toml"


# ---------------------------------------------------------------- the log


def test_log_table_is_sorted_by_date(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario_file(tmp_path, LOG), allow_outside_data=True).scenario
    frame = log_frame(scenario)
    assert tuple(frame.columns) == LOG_COLUMNS
    assert list(frame["date"]) == [datetime.date(2026, 10, 1), datetime.date(2026, 11, 5)]
    assert list(frame["author"]) == ["销售运营部", "Finance"]
    assert frame["levers"].iloc[1] == "credit.premium_min_score, rollout.regions"
    assert len(log_frame(Scenario(name="t", dataset="x"))) == 0


def test_lever_paths_are_the_schemas_fields() -> None:
    known = set(lever_paths())
    assert {"seed", "credit", "orders.app_channel_share", "rollout.months_to_full",
            "assumptions.partner_speed_factor"} <= known
    assert "log" not in known and "orders.nothing" not in known


def test_unknown_lever_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = _scenario_file(tmp_path, LOG.replace('"rollout.regions"', '"rollout.region"'))
    (problem,) = validate_scenario_file(path, allow_outside_data=True)
    assert problem.location == "log.0.levers.1"
    assert "did you mean 'rollout.regions'" in problem.expected
    assert problem.found == "'rollout.region'"


@pytest.mark.parametrize(("change", "location", "expected"), [
    (('author = "Finance"', 'author = ""'), "log.0.author", "a string of 1..80 characters"),
    (('note = "First version."', 'note = ""'), "log.1.note", "a string of 1..2000 characters"),
    (("date = 2026-11-05", 'date = "2026-11-05"'), "log.0.date", "a TOML date such as"),
    (('levers = ["orders"]', "levers = []"), "log.1.levers", "a non-empty list"),
    (('levers = ["orders"]', 'levers = ["orders", "orders"]'), "log.1.levers", "repeated"),
    (('author = "Finance"', 'author = "Finance"\nwho = "me"'), "log.0.who", "no such field"),
    (('author = "Finance"\n', ""), "log.0.author", "(required)"),
])
def test_bad_log_entries_are_named(tmp_path: Path, change: tuple[str, str], location: str,
                                   expected: str) -> None:
    path = _scenario_file(tmp_path, LOG.replace(*change, 1))
    (problem,) = validate_scenario_file(path, allow_outside_data=True)
    assert problem.location == location
    assert expected in problem.expected


def test_unknown_region_lists_the_data_sets_regions(tiny_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'name = "t"\ndataset = "{tiny_dir}"\n[rollout]\n'
                    'regions = ["East", "Atlantis"]\n', encoding="utf-8")
    (problem,) = validate_scenario_file(path, allow_outside_data=True)
    assert problem.location == "rollout.regions.1" and problem.found == "'Atlantis'"
    assert "a region of the data set's customers (" in problem.expected
    assert "East" in problem.expected and "South" in problem.expected


# ---------------------------------------------------------------- pharmaops validate


def test_validate_prints_the_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario_file(tmp_path, LOG)
    assert main(["validate", str(path), "--allow-outside-data"]) == 0
    out = capsys.readouterr().out
    assert f"{path}: valid" in out and "assumptions log (2 entries)" in out
    # oldest first
    assert out.index("2026-10-01  销售运营部: orders") < out.index(
        "2026-11-05  Finance: credit.premium_min_score, rollout.regions")
    assert "Tighter bands." in out


def test_validate_refuses_a_bad_log_with_exit_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario_file(tmp_path, LOG.replace('"orders"]', '"order"]'))
    assert main(["validate", str(path), "--allow-outside-data"]) == 2
    err = capsys.readouterr().err
    assert ": log.1.levers.0: expected" in err and "did you mean 'orders'" in err


SHIPPED = sorted(p.name for p in scenario_files(paths.shipped_quarter_dir()))


def test_the_book_holds_the_ready_made_what_ifs() -> None:
    assert {"baseline.toml", "plan.toml", "whatif_no_forward_warehouses.toml",
            "whatif_tighter_credit.toml", "whatif_pilot_regions.toml",
            "whatif_slower_rollout.toml", "whatif_insurance_settlement.toml",
            "whatif_sme_payment_rule.toml"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_validates_with_its_log(name: str, small_dir: Path,
                                                       tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """Each shipped file, pointed at the small data set, validates (its roll-out regions are
    the data set's), loads, and has a log whose entries each explain a change."""
    copy = _pointed_at(name, small_dir, tmp_path)
    assert main(["validate", str(copy), "--allow-outside-data"]) == 0
    assert "assumptions log (" in capsys.readouterr().out
    scenario = load_scenario(copy, allow_outside_data=True).scenario
    assert scenario.log and all(len(e.note) > 40 for e in scenario.log)
    assert all(e.date.year == 2026 for e in scenario.log)


def _pointed_at(name: str, dataset: Path, folder: Path) -> Path:
    """A copy of the shipped scenario ``name`` whose ``dataset`` is ``dataset`` (a clean
    checkout has no national data set)."""
    text = paths.shipped_scenario(name.removesuffix(".toml")).read_text(encoding="utf-8")
    copy = folder / (name if name.endswith(".toml") else f"{name}.toml")
    copy.write_text(re.sub(r'^dataset = ".*"$', f'dataset = "{dataset}"', text, count=1,
                           flags=re.M), encoding="utf-8")
    return copy


def test_the_what_ifs_are_the_plan_with_one_change(small_dir: Path, tmp_path: Path) -> None:
    def shipped(name: str) -> Scenario:
        return load_scenario(_pointed_at(name, small_dir, tmp_path),
                             allow_outside_data=True).scenario

    plan = shipped("plan")
    assert shipped("whatif_no_forward_warehouses").logistics.forward_warehouses == "none"
    tight = shipped("whatif_tighter_credit").credit
    assert tight.premium_min_score > plan.credit.premium_min_score
    assert tight.risk_max_score > plan.credit.risk_max_score
    pilot, slow = shipped("whatif_pilot_regions"), shipped("whatif_slower_rollout")
    assert pilot.rollout.regions == ["East", "South"] and pilot.rollout.months_to_full == 0
    assert slow.rollout.regions is None and slow.rollout.months_to_full == 9
    for what_if in (pilot, slow):
        for section in ("orders", "logistics", "territory", "credit", "assumptions"):
            assert getattr(what_if, section) == getattr(plan, section), section
