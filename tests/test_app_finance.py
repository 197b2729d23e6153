"""The finance page through Streamlit's AppTest on a small generated data set: scores and
tiers, one account's reasons, the terms model's answer with its frontier and Excel download,
the policy simulated with CIs, the reminder schedules, the collection worklist with its
downloads, and an impossible DSO limit named in the page. The first view says what is not
computed yet; once computed, a view is kept and a new session shows the same figures."""

from __future__ import annotations

import io
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from models.credit.scoring import FEATURES, TYPE_COLUMNS
from scenarios.collections import WHY_TEXT, collection_worklist
from scenarios.compare import load_scenarios
from scenarios.credit_report import credit_context
from tests.display_rules import english_left, table_headers
from ui import i18n
from ui.finance import FEATURE_LABELS
from ui.finance_collections import WHY_LABELS

PAGE = "from ui.finance import render\nrender()\n"
TIMEOUT_S = 180
CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: the score's features as the page names them, written out
FEATURES_SHOWN = {
    "en": {"years in operation", "revenue growth (%)", "debt ratio", "reputation score",
           "years as our customer", "invoices in the last year",
           "share of invoices paid over 15 days late", "mean days paid late",
           "share of invoicing written off", "share of open receivables overdue",
           "payment history on record", "customer type"},
    "zh_CN": {"经营年限", "营收增长率（%）", "资产负债率", "信誉评分", "合作年限", "近一年发票数",
              "逾期超过 15 天付款的发票比例", "平均逾期付款天数", "开票金额中核销的比例",
              "未结应收账款中已逾期的比例", "有付款记录", "客户类型"}}


@pytest.fixture(scope="module")
def project(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("finance") / "scenarios"
    folder.mkdir()
    (folder / "plan.toml").write_text(
        f'name = "plan"\ndataset = "{small_dir}"\nseed = 3\n'
        "[targets]\ndso_days = 60.0\nbad_debt_rate = 0.06\n[credit]\nscoring = true\n"
        'premium_terms = "cash_discount_1pct"\nrisk_terms = "cash_before_delivery"\n',
        encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHARMAOPS_SCENARIOS_DIR", str(folder))
        # the views kept on disk live beside this run store, not the project's
        mp.setenv("PHARMAOPS_RUN_STORE", str(folder.parent / "runs" / "store.sqlite"))
        yield folder


#: the buttons that compute what the first view does not
COMPUTE = ("fin_solve", "fin_reminders", "fin_worklist")


def computed(at: AppTest) -> AppTest:
    """``at`` after pressing every compute button the page shows."""
    for key in COMPUTE:
        if any(b.key == key for b in at.button):
            at.button(key=key).click().run(timeout=TIMEOUT_S)
    return at


@pytest.fixture(scope="module")
def first(project: Path) -> AppTest:
    return AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)


@pytest.fixture(scope="module")
def ran(first: AppTest) -> AppTest:
    return computed(first)


def test_the_first_view_says_what_is_not_computed_yet(project: Path) -> None:
    runs = project.parent / "runs"
    shutil.rmtree(runs, ignore_errors=True)  # nothing kept yet: a new installation
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    # the scores are computed on the first view (and kept); nothing else is
    assert [h.value for h in at.subheader][:3] == [
        "Credit scores and tiers", "One account's score and its reasons",
        "Population stability (last two quarters)"]
    notes = " ".join(i.value for i in at.info)
    assert "Not computed yet for these limits: the terms model's assignment" in notes
    assert "Not computed yet: the reminder schedules" in notes
    assert "Not computed yet for these settings: today's open receivables" in notes
    assert "Solve the terms model first" in notes
    assert {b.key for b in at.button} >= set(COMPUTE)
    assert not at.success and not at.get("download_button")
    assert not any(m.label == "accounts to contact" for m in at.metric)
    assert list((runs / "credit").glob("scores-*.json"))


def test_a_new_session_reads_the_kept_views_with_the_same_figures(
        ran: AppTest, files: dict[str, bytes]) -> None:
    later = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    assert not later.exception and not later.error
    assert not any(b.key in COMPUTE for b in later.button)  # nothing left to compute
    assert [s.value for s in later.success] == [s.value for s in ran.success]
    assert [(m.label, m.value) for m in later.metric] == [(m.label, m.value) for m in ran.metric]
    assert len(later.dataframe) == len(ran.dataframe)
    for shown, computed_first in zip(later.dataframe, ran.dataframe, strict=True):
        pd.testing.assert_frame_equal(shown.value, computed_first.value, check_exact=True)
    # the assignment's workbook, made from the kept report (the credit context built for it)
    book = pd.read_excel(io.BytesIO(files["payment_terms.xlsx"]), sheet_name=None)
    shown = next(d.value for d in later.dataframe if "terms chosen" in d.value.columns)
    assert book["Assignments"]["customer_id"].head(len(shown)).tolist() == (
        shown["account ID"].tolist())


def _worklist(project: Path) -> pd.DataFrame:
    """The worklist the page shows at its defaults (30 days, 3 days' lead), made apart."""
    ctx = credit_context(load_scenarios([project / "plan.toml"], allow_outside_data=True)[0])
    return collection_worklist(ctx, horizon_days=30, lead_days=3).accounts


def test_every_feature_and_reason_has_a_label_with_the_models_values() -> None:
    features = {f for f in FEATURES if f not in TYPE_COLUMNS} | {"customer_type"}
    assert set(FEATURE_LABELS) == features
    assert set(WHY_LABELS) == set(WHY_TEXT)
    for code, text in WHY_TEXT.items():
        assert WHY_LABELS[code] == text, code  # the English is the model's sentence


def test_the_page_shows_scores_reasons_and_the_proven_terms(ran: AppTest,
                                                           project: Path) -> None:
    assert not ran.exception and not ran.error
    headers = [h.value for h in ran.subheader]
    assert headers[:4] == ["Credit scores and tiers", "One account's score and its reasons",
                           "Population stability (last two quarters)",
                           "Payment terms per account (terms model)"]
    psi = next(m for m in ran.metric if m.label == "score PSI")
    assert float(psi.value) >= 0
    tiers = {m.label: m.value for m in ran.metric if m.label.endswith("accounts")}
    assert set(tiers) == {"premium accounts", "ordinary accounts", "risk accounts"}
    assert any("Proven optimal" in s.value for s in ran.success)
    assert any(m.label == "score (points)" for m in ran.metric)
    assert headers[4:7] == ["Simulate this policy",
                           "Payment reminders: manual today, automated in the scenario",
                           "Collection worklist"]
    # the assignment, and the worklist as Excel and CSV
    assert len(ran.get("download_button")) == 3
    dso = {m.label: float(m.value) for m in ran.metric if m.label.startswith("DSO with")}
    assert dso["DSO with automated reminders (days)"] < dso["DSO with manual reminders (days)"]
    accounts = next(m for m in ran.metric if m.label == "accounts to contact")
    assert int(accounts.value.replace(",", "")) > 0
    # the score's reasons by the features' names; the worklist's reasons the model's sentences
    reasons = next(d.value for d in ran.dataframe if "feature" in d.value.columns)
    assert len(reasons) and set(reasons["feature"]) <= FEATURES_SHOWN["en"]
    worklist = next(d.value for d in ran.dataframe if "why" in d.value.columns)
    model = _worklist(project)
    assert worklist["why"].tolist() == model["why"].head(len(worklist)).tolist()


def simulated(at: AppTest) -> AppTest:
    """The page once its queued policy simulation has finished (the job runs outside the
    page, which polls it)."""
    deadline = time.monotonic() + 600
    while "fin_sim_job" in at.session_state:
        assert time.monotonic() < deadline, "the simulation job did not finish"
        time.sleep(1)
        at.run(timeout=TIMEOUT_S)
    return at


def test_simulate_this_policy_shows_cis(project: Path) -> None:
    at = computed(AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S))
    at.number_input(key="fin_sim_reps").set_value(2)
    simulated(at.button(key="fin_simulate").click().run(timeout=TIMEOUT_S))
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "simulated mean" in d.value.columns)
    dso = table[table["figure"].str.startswith("DSO")].iloc[0]
    assert dso["95% CI low"] <= dso["simulated mean"] <= dso["95% CI high"]
    assert dso["95% CI low"] < dso["95% CI high"]  # two replications: a real interval


def test_an_impossible_dso_limit_is_named(project: Path) -> None:
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    at.number_input(key="fin_dso_limit").set_value(2.0).run(timeout=TIMEOUT_S)
    computed(at)
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "No assignment meets the limits" in warning and "dso_days <= 2" in warning
    # no assignment to download or simulate; the worklist's downloads remain
    assert len(at.get("download_button")) == 2
    assert any("No assignment to simulate" in i.value for i in at.info)


def test_the_page_in_chinese_after_simulating_the_policy(project: Path) -> None:
    """The finance page in Chinese, the policy simulated: its title, every section, the
    cards, the tier, terms and contact names and the tables' headers speak Chinese, and no
    rendered text or column header is a catalogue text left in English."""
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = "zh_CN"
    computed(at.run(timeout=TIMEOUT_S))
    assert at.title[0].value == "财务 / 信用"
    assert at.button(key="fin_simulate").label == "模拟该政策"
    at.number_input(key="fin_sim_reps").set_value(2)
    simulated(at.button(key="fin_simulate").click().run(timeout=TIMEOUT_S))
    assert not at.exception and not at.error
    assert [h.value for h in at.main.subheader] == [
        "信用评分与等级", "单个客户的评分及原因", "群体稳定性（最近两个季度）",
        "每个客户的付款条件（账期模型）", "模拟该政策", "付款提醒：现状为人工，情景中为自动",
        "催收工作清单"]
    assert any(s.value.startswith("已证明最优") for s in at.success)
    cards = {m.label for m in at.metric}
    assert {"优质客户", "普通客户", "风险客户", "需联系的客户",
            "人工提醒下的应收账款周转天数（天）", "自动提醒下的应收账款周转天数（天）"} <= cards
    left = english_left(at, i18n.catalogue("zh_CN"))
    assert not left, f"catalogue texts shown in English: {left}"
    headers = set(table_headers(at))
    assert {"模拟均值", "95% 置信区间下限", "距到期日天数", "应采取的联系", "信用等级",
            "选定的付款条件"} <= headers
    worklist = next(d.value for d in at.dataframe if "应采取的联系" in d.value.columns)
    assert set(worklist["应采取的联系"]) <= {"升级处理", "催收电话", "到期前提醒"}
    assert set(worklist["信用等级"]) <= {"优质", "普通", "风险"}
    # the score's reasons by the features' Chinese names
    reasons = next(d.value for d in at.dataframe if "特征" in d.value.columns)
    assert len(reasons) and set(reasons["特征"]) <= FEATURES_SHOWN["zh_CN"]
    # the worklist's reasons in Chinese, with the model's figures
    model = _worklist(project).head(len(worklist))
    assert all(CHINESE.search(why) and "CNY" not in why and "days" not in why
               for why in worklist["原因"]), worklist["原因"].tolist()
    for why, row in zip(worklist["原因"], model.itertuples(), strict=True):
        assert why.startswith(f"{row.open_cny:,.0f} 元未结，共 {row.invoices} 张发票；"), why
        assert why.endswith(f"一次联系可在未来 30 天内收回 {row.recovered_cny:,.0f} 元"), why
        assert ("风险等级" in why) == (row.tier == "risk"), why
    terms = next(d.value for d in at.dataframe if "选定的付款条件" in d.value.columns)
    assert set(terms["选定的付款条件"]) <= {"月结", "75 天账期", "1% 现金折扣",
                                          "月结 + 季度返利", "款到发货"}
