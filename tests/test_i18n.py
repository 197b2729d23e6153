"""The pages' two languages: every text the code marks for the catalogue has a Chinese
translation with the same placeholders, the catalogue holds nothing the code no longer
marks, the app switches language from the sidebar and remembers it in the URL, the Today
page in Chinese shows no catalogue text left in English, and numbers, money and dates follow
each locale (docs/i18n.md)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from streamlit.testing.v1 import AppTest

from data.generate import generate_to_folder
from tests.display_rules import page_texts as _texts
from ui import i18n

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
TIMEOUT_S = 60
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _marked() -> set[str]:
    """Every text marked with _() or N_() where babel.cfg says (the pages, and the problems
    and solver messages of data/, models/ and scenarios/), as pybabel extracts it."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, _options = parse_mapping_cfg(cfg)
    found = extract_from_dir(str(ROOT), method_map, keywords={"_": None, "N_": None})
    return {message for _file, _line, message, _comments, _context in found
            if isinstance(message, str) and message}


def test_every_marked_text_has_a_chinese_translation_with_its_placeholders() -> None:
    zh = i18n.catalogue("zh_CN")
    marked = _marked()
    assert len(marked) > 50  # the extraction found the pages' texts
    missing = sorted(marked - set(zh))
    assert not missing, f"texts without a Chinese translation: {missing}"
    for text in marked:
        assert sorted(PLACEHOLDER.findall(zh[text])) == sorted(PLACEHOLDER.findall(text)), text
        assert re.search(r"[\u4e00-\u9fff]", zh[text]), f"not Chinese: {zh[text]!r}"


def test_the_catalogue_holds_no_text_the_code_no_longer_marks() -> None:
    stale = sorted(set(i18n.catalogue("zh_CN")) - _marked())
    assert not stale, f"catalogue entries no code marks: {stale}"


def test_english_is_the_source_and_outside_a_page_nothing_is_translated() -> None:
    assert i18n.catalogue("en") == {}
    assert i18n.language() == "en"
    assert i18n._("Today") == "Today"


@pytest.mark.parametrize(("language", "number", "money", "day"), [
    ("en", "1,234,567.9", "1,234,568 CNY", "Sep 30, 2026"),
    ("zh_CN", "1,234,567.9", "1,234,568 元", "2026年9月30日"),
])
def test_numbers_money_and_dates_follow_the_locale(monkeypatch: pytest.MonkeyPatch,
                                                   language: str, number: str, money: str,
                                                   day: str) -> None:
    monkeypatch.setattr(i18n, "language", lambda: language)
    assert i18n.number(1234567.891, 1) == number
    assert i18n.cny(1234567.891) == money
    assert i18n.date(dt.date(2026, 9, 30)) == day


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_to_folder("small", 7, tmp_path_factory.mktemp("i18n") / "ds")


def test_today_in_chinese_leaves_no_catalogue_text_in_english(
        monkeypatch: pytest.MonkeyPatch, small_dataset: Path) -> None:
    """The app opened with ?lang=zh_CN: the language switch holds it, the navigation and the
    Today page speak Chinese, and no rendered text is a catalogue text left in English."""
    monkeypatch.setenv("PHARMAOPS_DATASET", str(small_dataset))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.query_params["lang"] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    assert at.sidebar.selectbox(key=i18n.KEY).value == "zh_CN"
    assert at.title[0].value == "今日概况"
    labels = {m.label for m in at.metric}
    assert {"订单处理时间", "准时交付率", "应收账款周转天数", "坏账率"} <= labels
    english = set(i18n.catalogue("zh_CN"))
    shown = _texts(at)
    left = [t for t in shown if t in english and len(t) > 3]
    assert not left, f"catalogue texts shown in English: {left}"
    # the cards' units and target texts are Chinese too
    card = next(m for m in at.metric if m.label == "订单处理时间")
    assert card.value.endswith(" 天") and card.proto.delta_description.startswith("对比目标")


def test_switching_back_to_english_changes_the_page_and_the_url(
        monkeypatch: pytest.MonkeyPatch, small_dataset: Path) -> None:
    monkeypatch.setenv("PHARMAOPS_DATASET", str(small_dataset))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.query_params["lang"] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    at.sidebar.selectbox(key=i18n.KEY).set_value("en").run(timeout=TIMEOUT_S)
    assert not at.exception
    assert at.title[0].value == "Today"
    assert "Order processing" in {m.label for m in at.metric}
    assert "lang" not in at.query_params  # English, the default, keeps the URL clean


def test_channel_stock_in_chinese_leaves_no_catalogue_text_in_english(
        monkeypatch: pytest.MonkeyPatch, small_dataset: Path) -> None:
    """The Channel stock page in Chinese: its title, cards and sections speak Chinese and no
    rendered text is a catalogue text left in English."""
    monkeypatch.setenv("PHARMAOPS_DATASET", str(small_dataset))
    at = AppTest.from_string("from ui.channel import render\nrender()\n",
                             default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    assert at.title[0].value == "渠道库存"
    cards = {m.label for m in at.metric}
    assert {"经销商数", "产品数", "月数", "发现的问题", "渠道库存天数"} <= cards
    assert {"各经销商库存", "纯销（对终端的销售）", "下载"} <= {h.value for h in at.subheader}
    english = set(i18n.catalogue("zh_CN"))
    left = [t for t in _texts(at) if t in english and len(t) > 3]
    assert not left, f"catalogue texts shown in English: {left}"


def test_supply_chain_in_chinese_before_and_after_solving(
        monkeypatch: pytest.MonkeyPatch, small_dataset: Path) -> None:
    """The Supply chain page in Chinese: the sidebar, the first hint and, once solved, the
    sections speak Chinese; no rendered text is a catalogue text left in English."""
    monkeypatch.setenv("PHARMAOPS_DATASET", str(small_dataset))
    at = AppTest.from_string("from ui.supply_chain import render\nrender()\n",
                             default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    assert at.title[0].value == "供应链"
    assert any("求解" in i.value for i in at.info)
    at.sidebar.radio(key="sc_candidates").set_value("sites")
    at.sidebar.selectbox(key="sc_rule").set_value("none")
    at.sidebar.button(key="sc_solve").click().run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    sections = {h.value for h in at.subheader}
    assert {"解", "成本构成", "覆盖", "选中的仓库", "地图", "下载"} <= sections
    english = set(i18n.catalogue("zh_CN"))
    left = [t for t in _texts(at) if t in english and len(t) > 3]
    assert not left, f"catalogue texts shown in English: {left}"
