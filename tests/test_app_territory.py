"""The territory page through Streamlit's AppTest on a small generated data set: tiers with
their shares of the value, doctor grades re-graded when a weight moves (against the model
called directly), the value grid, the tiers workbook, bad cut points named, and the proposed
alignment: its metrics, every rep within the balance band (summed from the workbook the page
offers, not from the page's chart) and an impossible balance said, not raised; the call plan
proven optimal within every rep's capacity (read from its workbook), and the sales-force size
curve answering the rep's cost."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.dataset import load_dataset
from models.territory.grading import DEFAULT_WEIGHTS, attribute_points, regrade
from scenarios.territory_levers import TerritoryLevers
from tests.display_rules import english_left, table_headers
from ui import i18n

PAGE = "from ui.territory import render\nrender()\n"
TIMEOUT_S = 120


@pytest.fixture()
def page(small_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("PHARMAOPS_DATASET", str(small_dir))
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    return at


def _grades(at: AppTest) -> dict[str, int]:
    return {m.label.split()[1]: int(m.value.replace(",", "")) for m in at.metric
            if m.label.startswith("grade ")}


def _expected(small_dir: Path, weights: dict[str, float]) -> dict[str, int]:
    ds = load_dataset(small_dir)
    hospital = ds["doctors"]["terminal_id"].map(
        ds["terminals"].set_index("terminal_id")["terminal_type"])
    _, grade = regrade(attribute_points(ds["doctors"], hospital), weights)
    return pd.Series(grade).value_counts().reindex(list("ABCD"), fill_value=0).to_dict()


def test_tiers_grades_and_grid(page: AppTest, small_dir: Path) -> None:
    headers = [h.value for h in page.subheader]
    assert headers[:9] == ["Customer tiers", "Territories today", "Proposed alignment",
                           "Call plan", "Doctor grades", "Value grid: potential × support",
                           "Reps behind their visit quota", "Academic specialists",
                           "Not built yet"]
    tiers = {m.label: m.value for m in page.metric if m.label.endswith(" accounts")}
    assert set(tiers) == {"core accounts", "potential accounts", "basic accounts"}
    assert _grades(page) == _expected(small_dir, DEFAULT_WEIGHTS)
    # the tiers, the visit quota and the academic meetings
    assert len(page.get("download_button")) == 3


def test_moving_a_weight_regrades_every_doctor(page: AppTest, small_dir: Path) -> None:
    page.slider(key="tr_w_title").set_value(0.9).run(timeout=TIMEOUT_S)
    assert not page.exception
    assert _grades(page) == _expected(small_dir, {**DEFAULT_WEIGHTS, "title": 0.9})
    assert _grades(page) != _expected(small_dir, DEFAULT_WEIGHTS)


def test_cut_points_out_of_order_are_named(page: AppTest) -> None:
    page.number_input(key="tr_cut_B").set_value(80.0).run(timeout=TIMEOUT_S)
    assert not page.exception
    assert any("must fall from A to C" in w.value for w in page.warning)


def _propose(at: AppTest, balance_pct: float, minimise: str | None = None,
             cap_pct: float | None = None) -> AppTest:
    """Set the balance (and what to minimise: "distance" or "disruption", the cap on visits
    changing rep), press the button."""
    at.slider(key="tr_al_balance").set_value(balance_pct).run(timeout=TIMEOUT_S)
    if minimise is not None:
        at.radio(key="tr_al_objective").set_value(minimise).run(timeout=TIMEOUT_S)
    if cap_pct is not None:
        at.slider(key="tr_al_cap").set_value(cap_pct).run(timeout=TIMEOUT_S)
    at.button(key="tr_al_go").click().run(timeout=TIMEOUT_S)
    assert not at.exception
    return at


def _visits_by_hand(small_dir: Path) -> pd.Series:
    """Visits a month per terminal: each doctor's default-grade quota, summed; 1 without
    doctors (the page's defaults: DEFAULT_WEIGHTS and the scenario schema's quota)."""
    ds = load_dataset(small_dir)
    hospital = ds["doctors"]["terminal_id"].map(
        ds["terminals"].set_index("terminal_id")["terminal_type"])
    _, grade = regrade(attribute_points(ds["doctors"], hospital), DEFAULT_WEIGHTS)
    quota = TerritoryLevers().visit_quota
    visits = {t: 1.0 for t in ds["terminals"]["terminal_id"]}
    visits.update({t: 0.0 for t in ds["doctors"]["terminal_id"]})
    for terminal, g in zip(ds["doctors"]["terminal_id"], grade, strict=True):
        visits[terminal] += quota.get(g, 0.0)
    return pd.Series(visits)


def test_proposed_alignment_keeps_every_rep_within_the_band(
        page: AppTest, files: dict[str, bytes], small_dir: Path) -> None:
    assert not any(m.label == "status" for m in page.metric)  # nothing solved before asked
    balance_pct = 10.0
    _propose(page, balance_pct)
    cards = {m.label: m.value for m in page.metric}
    assert cards["status"] == "optimal"
    assert cards["km to the reps' bases, proposed"].endswith(" km")
    assert cards["lower bound: no balanced alignment has fewer"].endswith(" km")
    assert cards["visits a month that change rep"].endswith(" visits")
    assert cards["gap to the bound"].endswith("%")
    xlsx = files["territory_alignment.xlsx"]
    assert xlsx
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    assert {"alignment", "reps"} <= set(book.sheetnames)
    table = pd.read_excel(io.BytesIO(xlsx), sheet_name="alignment").set_index("terminal id")
    ds = load_dataset(small_dir)
    assert set(table.index) == set(ds["terminals"]["terminal_id"])
    assert set(table["city"]) <= set(ds["terminals"]["city"])  # city names, not codes
    assert not set(table["rep proposed"]) & set(ds["reps"]["rep_id"])  # names, not ids
    visits = _visits_by_hand(small_dir)
    loads = visits.groupby(table["rep proposed"].reindex(visits.index)).sum()
    average = visits.sum() / len(ds["reps"])
    share = balance_pct / 100
    assert len(loads) == len(ds["reps"])  # every rep carries some of the visits
    assert loads.between((1 - share) * average - 1e-6, (1 + share) * average + 1e-6).all()


def _number(text: str) -> float:
    """The number of a metric's value ("1,234 visits" -> 1234.0)."""
    return float(text.split()[0].replace(",", ""))


def _moved(files: dict[str, bytes], small_dir: Path) -> tuple[pd.DataFrame, float]:
    """The workbook's terminals whose proposed rep is not today's, and their visits a month
    counted by hand; asserts every rep lies within ±15%."""
    table = pd.read_excel(io.BytesIO(files["territory_alignment.xlsx"]),
                          sheet_name="alignment").set_index("terminal id")
    visits = _visits_by_hand(small_dir)
    proposed = table["rep proposed"].reindex(visits.index)
    loads = visits.groupby(proposed).sum()
    average = visits.sum() / len(load_dataset(small_dir)["reps"])
    assert loads.between(0.85 * average - 1e-6, 1.15 * average + 1e-6).all()
    moved = table[table["rep today"] != table["rep proposed"]]
    return moved, float(visits[moved.index].sum())


def test_least_visits_changing_rep_matches_the_table_of_changes(
        page: AppTest, files: dict[str, bytes], small_dir: Path) -> None:
    _propose(page, 15.0, minimise="disruption")
    cards = {m.label: m.value for m in page.metric}
    assert cards["status"] == "optimal"
    bound = cards["lower bound: no balanced alignment has fewer"]
    assert bound.endswith(" visits")  # the bound in the minimised quantity's units
    changed = _number(cards["visits a month that change rep"])
    assert _number(bound) <= changed + 1e-6
    assert cards["km to the reps' bases, proposed"].endswith(" km")
    shown = next(d.value for d in page.dataframe if "rep proposed" in d.value.columns)
    assert shown["visits a month"].sum() == pytest.approx(changed)
    moved, by_hand = _moved(files, small_dir)
    assert by_hand == pytest.approx(changed) and len(moved) == len(shown)
    assert any(f"{len(shown):,} of " in m.value for m in page.markdown)
    # the least visits changing rep is no more than minimum km moves
    page.radio(key="tr_al_objective").set_value("distance").run(timeout=TIMEOUT_S)
    page.button(key="tr_al_go").click().run(timeout=TIMEOUT_S)
    by_km = {m.label: m.value for m in page.metric}
    assert by_km["lower bound: no balanced alignment has fewer"].endswith(" km")
    assert changed <= _number(by_km["visits a month that change rep"]) + 1e-6


def test_a_cap_on_visits_changing_rep_is_kept(page: AppTest, files: dict[str, bytes],
                                              small_dir: Path) -> None:
    _propose(page, 15.0, cap_pct=30.0)
    cards = {m.label: m.value for m in page.metric}
    assert cards["status"] == "optimal"
    _, by_hand = _moved(files, small_dir)
    assert by_hand == pytest.approx(_number(cards["visits a month that change rep"]))
    assert by_hand <= 0.30 * _visits_by_hand(small_dir).sum() + 1e-6


def test_a_tight_cap_with_a_tight_balance_is_said(page: AppTest) -> None:
    _propose(page, 15.0, cap_pct=5.0)
    errors = [e.value for e in page.error]
    assert any("Infeasible" in e and "looser cap" in e and "wider balance" in e
               for e in errors), errors


def test_an_impossible_balance_is_said_not_raised(page: AppTest,
                                                  files: dict[str, bytes]) -> None:
    _propose(page, 0.0)
    errors = [e.value for e in page.error]
    assert any("Infeasible" in e and "wider balance" in e for e in errors), errors
    assert "territory_alignment.xlsx" not in files  # no empty workbook offered


def test_a_proposal_survives_other_widgets(page: AppTest) -> None:
    _propose(page, 15.0)
    page.slider(key="tr_w_title").set_value(0.9).run(timeout=TIMEOUT_S)
    assert any(m.label == "status" for m in page.metric)
    assert any("other settings" in w.value for w in page.warning)


def _plan(at: AppTest) -> AppTest:
    at.button(key="tr_calls_go").click().run(timeout=TIMEOUT_S)
    assert not at.exception
    return at


def test_the_call_plan_is_proven_and_within_every_reps_capacity(
        page: AppTest, files: dict[str, bytes], small_dir: Path) -> None:
    assert not any(m.label == "call plan status" for m in page.metric)
    _plan(page)
    cards = {m.label: m.value for m in page.metric}
    assert cards["call plan status"] == "optimal"
    assert cards["call plan's gap to the bound"] == "0.00%"
    assert cards["sales a month, planned"].endswith(" CNY")
    assert "Sales-force size" in [h.value for h in page.subheader]
    book = pd.read_excel(io.BytesIO(files["call_plan.xlsx"]), sheet_name=None)
    assert {"call plan", "call plan by rep", "coverage", "response curves",
            "sales-force size"} <= set(book)
    reps = book["call plan by rep"]
    assert (reps["calls_planned"] <= reps["capacity"]).all()
    plan = book["call plan"]
    assert ((plan["min_calls"] <= plan["planned_calls"])
            & (plan["planned_calls"] <= plan["max_calls"])).all()
    assert plan.groupby("rep_id")["planned_calls"].sum().reindex(reps["rep_id"]).fillna(
        0).to_numpy().tolist() == reps["calls_planned"].tolist()
    assert int(cards["calls a month planned"].replace(",", "")) == plan["planned_calls"].sum()


def test_the_size_curve_answers_the_reps_cost(page: AppTest, files: dict[str, bytes]) -> None:
    """Free reps are worth adding up to the largest size tried; reps dearer than any call's
    margin are not: the best size moves from the largest to the smallest."""
    _plan(page)
    best = {}
    for cost in (0.0, 1e6):
        page.number_input(key="tr_rep_cost").set_value(cost).run(timeout=TIMEOUT_S)
        assert not page.exception
        curve = pd.read_excel(io.BytesIO(files["call_plan.xlsx"]),
                              sheet_name="sales-force size")
        best[cost] = int(curve.loc[curve["profit_cny_month"].idxmax(), "reps"])
        assert f"Highest at {best[cost]} reps" in " ".join(c.value for c in page.caption)
    assert best[0.0] == curve["reps"].max() and best[1e6] == curve["reps"].min()


def test_the_small_data_sets_prospects_are_too_few_to_plan_on(page: AppTest) -> None:
    _plan(page)
    said = " ".join(i.value for i in page.info)
    assert "No prospect is planned on: fewer than 30 prospects won in the history" in said


def test_the_plans_prospects_add_up_to_its_cards(medium_dir: Path, files: dict[str, bytes],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """On a data set with enough wins, the cards on prospects agree with the workbook's
    prospects sheet: how many, and the calls a month planned on them."""
    monkeypatch.setenv("PHARMAOPS_DATASET", str(medium_dir))
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.run(timeout=TIMEOUT_S)
    _plan(at)
    cards = {m.label: m.value for m in at.metric}
    sheet = pd.read_excel(io.BytesIO(files["call_plan.xlsx"]), sheet_name="prospects")
    ds = load_dataset(medium_dir)
    assert len(sheet) == len(ds["prospects"])
    assert int(cards["prospects not buying yet"].replace(",", "")) == len(sheet)
    assert int(cards["calls a month on prospects, planned"].replace(",", "")) == sheet[
        "planned_calls"].sum()
    assert sheet["planned_calls"].between(0, sheet["max_calls"]).all()
    assert float(cards["new customers a month, planned"]) > 0


def test_the_specialists_plan_answers_their_meetings_a_month(page: AppTest,
                                                             small_dir: Path) -> None:
    """The section's cards are the plan's (scenarios.academic_meetings called directly); more
    meetings a specialist re-plans with a larger capacity."""
    from scenarios.academic_meetings import plan_meetings

    cards = {m.label: m for m in page.metric}
    direct = plan_meetings(load_dataset(small_dir)).summary
    assert direct["status"] == "optimal"
    assert cards["meetings a month, planned"].value == f"{direct['meetings_planned_month']:,}"
    assert f"can lead {direct['capacity_month']:,}" in cards["meetings a month, planned"].delta
    page.toggle(key="tr_meet_today").set_value(False).run(timeout=TIMEOUT_S)
    page.number_input(key="tr_meet_rate").set_value(10.0).run(timeout=TIMEOUT_S)
    assert not page.exception
    more = plan_meetings(load_dataset(small_dir), per_specialist=10.0).summary
    assert more["capacity_month"] > direct["capacity_month"]
    card = {m.label: m for m in page.metric}["meetings a month, planned"]
    assert card.value == f"{more['meetings_planned_month']:,}"
    assert f"can lead {more['capacity_month']:,}" in card.delta


#: the customer and terminal types in Chinese, written out here rather than read from ui/
CHINESE_TYPES = {"一级经销商", "二级经销商", "连锁药店", "民营医院", "民营诊所", "三甲医院",
                 "三级医院", "二级医院", "社区诊所", "零售药店"}


def test_the_page_in_chinese_after_an_alignment_and_a_call_plan(
        small_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The territory page in Chinese, an alignment proposed and calls planned: its title,
    sections, cards, tier and type names and table headers speak Chinese, and no rendered
    text or column header is a catalogue text left in English."""
    monkeypatch.setenv("PHARMAOPS_DATASET", str(small_dir))
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    assert at.title[0].value == "销售区域"
    assert at.button(key="tr_al_go").label == "提出区域划分"
    assert at.radio(key="tr_al_objective").options == ["到代表驻地的公里数", "更换代表的拜访"]
    at.button(key="tr_al_go").click().run(timeout=TIMEOUT_S)
    at.button(key="tr_calls_go").click().run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    sections = [h.value for h in at.subheader]
    assert sections[:10] == ["客户等级", "当前区域", "建议的区域划分", "拜访计划", "销售团队规模",
                             "医生级别", "价值矩阵：潜力 × 支持", "未完成拜访指标的代表",
                             "学术专员", "尚未实现"]
    cards = {m.label: m.value for m in at.metric}
    assert {"核心客户", "潜力客户", "基础客户"} <= set(cards)
    assert cards["状态"] == "最优" and cards["拜访计划状态"] == "最优"
    assert cards["到代表驻地的公里数（建议）"].endswith(" 公里")
    left = english_left(at, i18n.catalogue("zh_CN"))
    assert not left, f"catalogue texts shown in English: {left}"
    headers = set(table_headers(at))
    assert {"客户", "类型", "等级", "客户终身价值（元）", "代表（驻地）", "计划每月拜访",
            "医院"} <= headers
    accounts = next(d.value for d in at.dataframe if "客户终身价值（元）" in d.value.columns)
    assert set(accounts["类型"]) <= CHINESE_TYPES
    assert set(accounts["等级"]) <= {"核心", "潜力", "基础"}
