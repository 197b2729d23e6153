"""Problems in the pages' language: a problem's words are templates the catalogue translates,
its values (ids, columns, what was found) stay as given, and ``str(problem)``, the CLI and the
JSON keep today's English; the upload page and the scenario editor in Chinese show the
problems in Chinese (data/problems.py)."""

from __future__ import annotations

import copy
import json
import pickle
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.problems import N_, Problem, Text, choices, said
from data.tables import TABLES
from data.upload import check_upload
from scenarios.loading import validate_scenario_file
from scenarios.sensitivity import read_label, setting_label
from tests.test_app_scenario_editor import _page, project  # noqa: F401 - the fixture
from tests.test_upload import _broken_workbook, _check
from ui import i18n

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120
CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: a translation written here, independent of the catalogue
ZH = {"a number >= {min}": "不小于 {min} 的数值", "nothing": "未填写",
      "{source}: {location}: expected {expected}; found {found}":
      "{source}：{location}：应为{expected}；实际为{found}",
      "{items} or {last}": "{items} 或 {last}", "a string": "字符串"}


def with_new_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Chinese catalogue with the translations not yet merged into it
    (``locale/new_*.json``), as the pages will have them."""
    added: dict[str, str] = {}
    for path in sorted((ROOT / "locale").glob("new_*.json")):
        added.update(json.loads(path.read_text(encoding="utf-8")))
    original = i18n.catalogue

    def catalogue(language: str) -> dict[str, str]:
        known = original(language)
        return {**added, **known} if known else known

    monkeypatch.setattr(i18n, "catalogue", catalogue)


# --------------------------------------------------------------------------- the type
def test_text_is_its_english_and_translates_its_template_with_the_same_values() -> None:
    text = N_("a number >= {min}", min="0.5")
    assert text == "a number >= 0.5" and isinstance(text, str)
    assert text.translated(ZH.get) == "不小于 0.5 的数值"
    assert text.translated(lambda s: s) == "a number >= 0.5"
    # nested phrases translate too; plain values stay
    either = choices(["'a'", N_("a string")])
    assert either == "'a' or a string"
    assert either.translated(lambda s: ZH.get(s, s)) == "'a' 或 字符串"
    # a translation naming a placeholder the template has not falls back to English
    assert text.translated(lambda s: "不小于 {minimum} 的数值") == "a number >= 0.5"
    assert said("T404", ZH.get) == "T404"


def test_text_survives_pickle_and_copy_with_its_template() -> None:
    text = N_("{count} more rows with the same problem", count=3)
    for again in (pickle.loads(pickle.dumps(text)), copy.deepcopy(text)):
        assert isinstance(again, Text) and again == "3 more rows with the same problem"
        assert again.template == text.template and again.params == {"count": 3}
    assert json.dumps({"found": text}) == '{"found": "3 more rows with the same problem"}'


def test_problem_str_is_unchanged_english_and_text_translates() -> None:
    problem = Problem("plan.toml", "credit.premium_min_score",
                      N_("a number >= {min}", min="0"), N_("nothing"))
    assert str(problem) == ("plan.toml: credit.premium_min_score: expected a number >= 0; "
                            "found nothing")
    assert problem.text() == str(problem)
    assert problem.text(lambda s: ZH.get(s, s)) == (
        "plan.toml：credit.premium_min_score：应为不小于 0 的数值；实际为未填写")
    plain = Problem("orders.csv", "", "a readable CSV table", "x")
    assert str(plain) == "orders.csv: expected a readable CSV table; found x"


# --------------------------------------------------------------------------- converted
def test_converted_data_set_problems_say_todays_english() -> None:
    files = [("orders.csv", b"order_id\nO1\n"), ("notes.txt", b"x")]
    problems = check_upload(files).problems.set_index("table")["problem"]
    assert problems["notes.txt"] == ("expected a .csv or .xlsx file (or dataset.json); "
                                     "found a file named 'notes.txt'")
    assert problems["reps"] == ("no file or sheet for this table; expected a reps table "
                                "(.csv, .csv.gz or .xlsx)")
    columns = TABLES["orders"].column_names
    assert problems["orders"] == (f"orders.csv: expected columns {', '.join(columns)}; "
                                  f"found missing {', '.join(columns[1:])}")


def test_converted_scenario_problems_say_todays_english(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ndataset = "nowhere"\nhorizon_days = 0\nmystery = 1\n'
                   '[targets]\ndso_days = "45"\n[rollout]\nregions = [3]\n', encoding="utf-8")
    found = {p.location: p for p in validate_scenario_file(bad, allow_outside_data=True)}
    assert found["horizon_days"].expected.startswith("an integer ")
    assert found["targets.dso_days"].expected == "a number > 0 and <= 365"
    assert found["targets.dso_days"].found == "'45'"
    assert found["mystery"].expected.startswith("no such field; allowed: name, ")
    assert found["dataset"].expected == "an existing data set folder"
    assert (found["rollout.regions.0"].expected, found["rollout.regions.0"].found) == (
        "a string", "3")
    assert str(found["targets.dso_days"]) == (
        f"{bad}: targets.dso_days: expected a number > 0 and <= 365; found '45'")
    syntax = tmp_path / "syntax.toml"
    syntax.write_text('name = "x"\nhorizon_days = = 3\n', encoding="utf-8")
    (problem,) = validate_scenario_file(syntax)
    assert (problem.location, problem.expected) == ("line 2, column 16", "valid TOML")


def test_a_sensitivity_label_reads_back_and_translates() -> None:
    assert setting_label("low", "partner_speed_factor", None) == "partner_speed_factor at low"
    label = read_label("least favourable to dso_days")
    assert label == "least favourable to dso_days"
    zh = {"{setting} to {kpi}": "对 {kpi} {setting}", "least favourable": "最不利"}
    assert said(label, lambda s: zh.get(s, s)) == "对 dso_days 最不利"
    assert read_label("something else") == "something else"


# --------------------------------------------------------------------------- pages
def test_the_upload_page_in_chinese_shows_the_problems_in_chinese(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_new_texts(monkeypatch)
    monkeypatch.setenv("PHARMAOPS_UPLOADS_DIR", str(tmp_path / "uploads"))
    at = AppTest.from_string("from ui.upload import render\nrender()\n",
                             default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    _check(at, "broken.xlsx", _broken_workbook())
    assert not at.exception
    shown = at.dataframe[0].value
    problems = list(shown["problem"])
    assert len(problems) == 5
    for text in problems:
        assert CHINESE.search(text), text
        for word in ("expected", "found", "sheet", "missing", "an existing", "no file"):
            assert word not in text, text
    by_table = dict(zip(shown["table"], shown["problem"], strict=True))
    assert by_table["orders"] == "broken.xlsx，工作表 orders：应为true 或 false；实际为'maybe'"
    assert by_table["products"].startswith("broken.xlsx，工作表 products：应为列 product_id, ")
    assert by_table["products"].endswith("；实际为缺少 unit_price_cny")
    assert by_table["doctors"] == ("broken.xlsx，工作表 doctors：应为已存在的 "
                                   "terminals.terminal_id；实际为'T404'")
    # the values named stay as given: ids, columns, the sheet's name
    assert "broken.xlsx，工作表 extras" in by_table
    assert set(pd.Series(shown["column"]).dropna()) >= {"backordered", "terminal_id"}


def test_the_editor_in_chinese_says_an_out_of_range_lever_in_chinese(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811 - the fixture
    with_new_texts(monkeypatch)
    at = _page("zh_CN")
    # the widget takes closed bounds; the open bound (> 0) is the validation's to tell
    at.number_input(key="edit_plan.toml_targets.dso_days").set_value(0.0).run(
        timeout=TIMEOUT_S)
    assert not at.exception
    table = at.dataframe[0].value
    row = table.iloc[0]
    assert list(table.columns) == [i18n.catalogue("zh_CN")[c]
                                   for c in ("field", "expected", "found")]
    assert row.iloc[0] == "targets.dso_days"
    assert row.iloc[1] == "大于 0 且不大于 365 的数值"
    assert row.iloc[2] == "0.0"
