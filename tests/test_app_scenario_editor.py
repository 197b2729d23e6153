"""The scenario editor page, driven headless by AppTest: every lever as a widget, checked live
with the messages of ``pharmaops validate``, saved as a new TOML (never over an existing one),
and run as a job outside the page whose result is stored and read back from the store."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.generate import generate_to_folder
from scenarios.loading import load_scenario, validate_scenario_file
from scenarios.scenario_edit import edited_text, levers
from scenarios.store import RunStore
from tests.display_rules import english_left
from tests.test_app_committee import _short_copy
from ui import i18n

PROJECT = Path(__file__).resolve().parents[1]
PAGE = "from ui.scenario_editor import render\nrender()\n"
TIMEOUT_S = 120
SHARE_KEY = "edit_plan.toml_orders.app_channel_share"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _shipped(name: str) -> Path:
    found = sorted(PROJECT.glob(f"scenarios/**/{name}.toml"))
    assert found, name
    return found[-1]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("editor")
    generate_to_folder("small", 7, root / "data" / "small")
    folder = root / "scenarios"
    folder.mkdir()
    for name in ("baseline", "plan"):
        text = _short_copy(_shipped(name).read_text(encoding="utf-8"))
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHARMAOPS_SCENARIOS_DIR", str(folder))
        mp.setenv("PHARMAOPS_RUN_STORE", str(root / "runs" / "store.sqlite"))
        yield root


def _page(lang: str = "en") -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = lang
    return at.run(timeout=TIMEOUT_S)


def test_every_lever_has_a_widget_and_the_base_is_valid(project: Path) -> None:
    at = _page()
    assert not at.exception and not at.error
    keys = {w.key for kind in ("number_input", "checkbox", "selectbox", "multiselect", "radio",
                               "text_input", "text_area") for w in at.get(kind)}
    for items in levers().values():
        for lever in items:
            key = f"edit_plan.toml_{lever.path}"
            assert any(k == key or k.startswith(key + "_") for k in keys), lever.path
    assert any("Valid: 0 lever(s) changed" in s.value for s in at.success)
    # a lever shows its name with its unit, its help the schema's description and its path
    share = at.number_input(key=SHARE_KEY)
    assert share.label == "App channel share (0..1)"
    assert at.checkbox(key=SHARE_KEY + "_set").label == "set App channel share (0..1)"
    assert share.help.startswith("Share of orders placed through the app, 0..1")
    assert share.help.endswith("`orders.app_channel_share`")
    assert at.selectbox(key="edit_plan.toml_logistics.carrier").label == "Carrier"


def test_a_change_is_checked_live_with_validates_messages(project: Path) -> None:
    at = _page()
    at.number_input(key=SHARE_KEY).set_value(0.7).run(timeout=TIMEOUT_S)
    assert any("Valid: 1 lever(s) changed" in s.value for s in at.success)
    # a cross-field rule the widget's bounds cannot stop: warm-up longer than the horizon
    at.number_input(key="edit_plan.toml_warmup_days").set_value(200).run(timeout=TIMEOUT_S)
    assert at.error and "problem" in at.error[0].value
    table = at.dataframe[0].value
    # the same problem pharmaops validate reports for the same text in a file
    folder = project / "scenarios"
    text = edited_text((folder / "plan.toml").read_text(encoding="utf-8"),
                       {"orders.app_channel_share": 0.7, "warmup_days": 200})
    probe = folder.parent / "probe.toml"
    probe.write_text(text.replace('"../data/small"', '"data/small"'), encoding="utf-8")
    expected = validate_scenario_file(probe, allow_outside_data=True)
    assert [(p.location, p.expected) for p in expected] == list(
        zip(table["field"], table["expected"], strict=True))
    assert at.button(key="editor_save").disabled


def test_save_writes_a_new_valid_file_and_never_overwrites(project: Path) -> None:
    at = _page()
    at.number_input(key=SHARE_KEY).set_value(0.7).run(timeout=TIMEOUT_S)
    at.text_input(key="editor_stem").set_value("plan").run(timeout=TIMEOUT_S)
    assert any("plan.toml exists" in w.value for w in at.warning)
    assert at.button(key="editor_save").disabled
    at.text_input(key="editor_stem").set_value("whatif_app_share")
    at.text_input(key="editor_author").set_value("Sales operations")
    at.text_area(key="editor_note").set_value("Pilot: the ordering app pushed harder.")
    at.run(timeout=TIMEOUT_S)
    at.button(key="editor_save").click().run(timeout=TIMEOUT_S)
    saved = project / "scenarios" / "whatif_app_share.toml"
    assert saved.exists()
    loaded = load_scenario(saved, allow_outside_data=True)
    assert loaded.scenario.orders.app_channel_share == 0.7
    # the note joins the scenario's assumptions log: who, when, which lever, why
    entry = loaded.scenario.log[-1]
    assert (entry.author, entry.levers, entry.note) == (
        "Sales operations", ["orders.app_channel_share"],
        "Pilot: the ordering app pushed harder.")
    # the base file's comments survive the edit
    base = (project / "scenarios" / "plan.toml").read_text(encoding="utf-8")
    comments = [line for line in base.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(c in loaded.text for c in comments)
    assert not list((project / "scenarios").glob(".*.toml")), "no temporary file left"

    # run it as a job: progress while it runs, the stored run's KPIs when it is done
    at.number_input(key="editor_replications").set_value(2)
    at.number_input(key="editor_workers").set_value(1)
    at.button(key="editor_run").click().run(timeout=TIMEOUT_S)
    deadline = time.monotonic() + 600
    while not any("Done: run" in s.value for s in at.success):
        assert time.monotonic() < deadline, [e.value for e in at.error]
        assert not any("The run failed" in e.value for e in at.error), at.get("code")
        time.sleep(2)
        at.run(timeout=TIMEOUT_S)
    runs = RunStore(project / "runs" / "store.sqlite").list_runs()
    assert (runs["scenario_name"] == loaded.scenario.name).sum() == 1
    kpis = [d.value for d in at.dataframe if "P(meet target)" in d.value.columns]
    assert len(kpis) == 1 and len(kpis[0]) == 6


def test_the_editor_in_chinese(project: Path) -> None:
    at = _page("zh_CN")
    assert not at.exception
    assert at.title[0].value == "情景编辑器"
    english = set(i18n.catalogue("zh_CN"))
    texts = [e.value for kind in ("title", "subheader", "caption", "success", "markdown")
             for e in at.get(kind)]
    texts += [e.label for kind in ("button", "expander") for e in at.get(kind)
              if getattr(e, "label", None)]
    left = [t for t in texts if t in english and len(t) > 3]
    assert not left, left
    # every lever's widget: its name (with unit) and help in Chinese, no catalogue text left
    # in English; the widget keys are the lever paths in both languages
    assert not english_left(at, i18n.catalogue("zh_CN"))
    share = at.number_input(key=SHARE_KEY)
    assert share.label == "App 下单占比（0..1）"
    assert at.checkbox(key=SHARE_KEY + "_set").label == "设置 App 下单占比（0..1）"
    assert share.help.startswith("通过 App 下单的订单比例")
    carrier = at.selectbox(key="edit_plan.toml_logistics.carrier")
    assert carrier.label == "承运商"
    # the options by their Chinese names, the value kept the schema's code
    assert carrier.options == ["现有第三方物流", "战略合作物流商"]
    assert carrier.value in ("current_3pl", "strategic_partner")
    never = at.multiselect(key="edit_plan.toml_credit.never_cash_before_delivery")
    assert "一级经销商" in never.options and all(CHINESE.search(o) for o in never.options)
    assert at.number_input(key="edit_plan.toml_assumptions.partner_speed_factor").label == (
        "合作物流商速度系数（比值）")
    levers_shown = [w for kind in ("number_input", "checkbox", "selectbox", "multiselect",
                                   "radio", "text_input", "text_area") for w in at.get(kind)
                    if w.key and w.key.startswith("edit_plan.toml_")]
    assert len(levers_shown) > 90
    assert all(CHINESE.search(w.label) for w in levers_shown), [
        w.label for w in levers_shown if not CHINESE.search(w.label)]
