"""Every lever of the scenario schema has a label and a help text in the catalogue
(ui/lever_labels.py), none names a path the schema does not have, the English help is the
schema's own description, and every source an assumption cites is marked for translation."""

from __future__ import annotations

import re

from scenarios.evidence import EVIDENCE, SCENARIO_RANGE
from scenarios.scenario_edit import levers
from scenarios.schema import Assumptions
from ui.i18n import catalogue, speaking
from ui.lever_labels import (
    LEVER_HELP,
    LEVER_LABELS,
    RANGE_NOTE,
    SOURCES,
    assumption_label,
    lever_label,
    option_label,
    source_label,
)

ALL = [lever for items in levers().values() for lever in items]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_lever_has_a_label_and_a_help_and_no_entry_is_stale() -> None:
    paths = {lever.path for lever in ALL}
    assert len(paths) == len(ALL) > 90
    assert set(LEVER_LABELS) == paths
    assert set(LEVER_HELP) == paths


def test_the_english_help_is_the_schema_description() -> None:
    for lever in ALL:
        assert LEVER_HELP[lever.path] == lever.help, lever.path


def test_no_two_levers_are_shown_alike() -> None:
    assert len(set(LEVER_LABELS.values())) == len(LEVER_LABELS)
    zh = catalogue("zh_CN")
    assert len({zh[label] for label in LEVER_LABELS.values()}) == len(LEVER_LABELS)


def test_labels_and_help_speak_chinese() -> None:
    with speaking("zh_CN"):
        assert lever_label("orders.app_channel_share") == "App 下单占比（0..1）"
        assert assumption_label("partner_speed_factor") == "合作物流商速度系数（比值）"
        for lever in ALL:
            assert CHINESE.search(lever_label(lever.path)), lever.path
    # outside a page, English; an unknown name stays as it is
    assert lever_label("credit.reminders") == "Payment reminders"
    assert assumption_label("no_such_assumption") == "no_such_assumption"


def test_every_assumption_is_a_lever_and_every_cited_source_is_marked() -> None:
    assert {f"assumptions.{name}" for name in Assumptions.model_fields} <= set(LEVER_LABELS)
    assert {e.source for e in EVIDENCE.values()} <= set(SOURCES)
    assert RANGE_NOTE == SCENARIO_RANGE


def test_a_source_is_shown_in_the_page_language_with_the_range_note() -> None:
    own = f"judgement ({SCENARIO_RANGE})"
    assert source_label(own) == own  # English: as the evidence writes it
    with speaking("zh_CN"):
        assert source_label("judgement") == "判断"
        assert source_label(own) == "判断 (情景文件中设定的区间)"
        assert source_label("a citation not in the catalogue") == (
            "a citation not in the catalogue")


#: option codes shown as they are: the textbook's policy names and the grade letters
AS_IS = {"sQ", "RS", "A", "B", "C", "D"}


def test_every_option_of_a_lever_is_named_in_chinese() -> None:
    codes = {c for lever in ALL for c in (*lever.choices, *lever.keys)}
    assert {"current_3pl", "cash_before_delivery", "distributor_l1", "hospital_grade"} <= codes
    with speaking("zh_CN"):
        for code in codes - AS_IS:
            assert CHINESE.search(option_label(code)), code
        assert option_label("strategic_partner") == "战略合作物流商"
        assert option_label("distributor_l1") == "一级经销商"
        assert option_label("sQ") == "sQ"
    assert option_label("monthly") == "monthly settlement"
