"""The committee's review for the minutes (ui/committee_report.py): the Excel workbook read
back with openpyxl, one labelled sheet per view; the HTML page holds every chart as inline
SVG and fetches nothing; both in Chinese when asked, outside the page's script run too (where
a download's data is made)."""

from __future__ import annotations

import html
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from data.kpis import KPI_NAMES
from scenarios.run import SimulationRun
from tests import test_app_committee as committee_page
from tests.display_rules import EXPECTED_CARDS, shown
from ui import i18n
from ui.committee import RESULTS_KEY
from ui.committee_report import (
    SHEET_NAME_CHARS,
    review_html,
    review_views,
    review_workbook,
    sheet_names,
)

SCENARIOS = committee_page.SCENARIOS
# the committee page's fixtures: a small project, the page after a run, the same runs
# simulated independently
project, ran, expected = committee_page.project, committee_page.ran, committee_page.expected


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_sheet_names_are_valid_for_excel_and_unique() -> None:
    titles = ["KPIs: plan", "KPIs: plan", "Differences: a/b [draft]?", "x" * 40, "x" * 40,
              "关键指标：方案"]
    names = sheet_names(titles)
    assert len(set(n.casefold() for n in names)) == len(names)
    assert all(len(n) <= SHEET_NAME_CHARS and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert names[0] == "KPIs plan" and names[1] == "KPIs plan (2)"
    assert names[2] == "Differences ab draft"
    assert names[4].endswith(" (2)") and len(names[4]) == SHEET_NAME_CHARS


def test_workbook_has_one_labelled_sheet_per_view(
        ran: AppTest, expected: dict[str, SimulationRun]) -> None:
    res = ran.session_state[RESULTS_KEY]
    views = review_views(res)
    book = openpyxl.load_workbook(io.BytesIO(review_workbook(res)))
    assert book.sheetnames == sheet_names([v.title for v in views])
    for view, sheet in zip(views, book.worksheets, strict=True):
        assert sheet["A1"].value == view.title and sheet["A1"].font.bold
        header = [c.value for c in sheet[4]]
        assert header == list(view.table.columns)
        assert sheet.max_row == 4 + len(view.table)
    # the KPI sheet of each scenario shows the means an independent simulation computed
    for name in SCENARIOS:
        sheet = book[sheet_names([f"KPIs: {name}"])[0]]
        rows = {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
        for kpi, (label, unit, decimals, _) in EXPECTED_CARDS.items():
            mean = expected[name].payload["kpis"][kpi]["mean"]
            assert rows[label][1] == shown(mean, unit, decimals)


def test_html_holds_every_chart_and_fetches_nothing(ran: AppTest) -> None:
    res = ran.session_state[RESULTS_KEY]
    page = review_html(res)
    tags = _tags(page)
    names = [t for t, _ in tags]
    # six KPI charts and the stage chart, drawn inline
    assert names.count("svg") == len(KPI_NAMES) + 1
    assert "script" not in names and "link" not in names and "img" not in names
    for _, attrs in tags:
        for key in ("src", "href", "xlink:href"):
            assert not re.match(r"\s*(https?:)?//", attrs.get(key) or ""), (key, attrs)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert not re.search(r"@import", page)
    # the only URLs are the SVG name spaces, which are names, not fetched
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    for view in review_views(res):
        assert html.escape(view.title) in page
    assert '<html lang="en">' in page


def test_review_in_chinese_outside_the_page(ran: AppTest) -> None:
    """A download's data is made outside the script run: ``in_language`` keeps the choice."""
    res = ran.session_state[RESULTS_KEY]
    make = i18n.in_language("zh_CN", lambda: (review_html(res), review_views(res)))
    page, views = make()
    assert '<html lang="zh-CN">' in page and "PharmaOps 委员会评审" in page
    english = set(i18n.catalogue("zh_CN"))
    texts = [v.title for v in views] + [v.note for v in views]
    texts += [str(c) for v in views for c in v.table.columns]
    left = [t for t in texts if t in english and len(t) > 3]
    assert not left, f"catalogue texts left in English: {left}"
    assert views[1].title == "关键指标：baseline"
    # and outside the block, English again
    assert review_views(res)[1].title == "KPIs: baseline"


def test_page_offers_the_review_downloads(ran: AppTest) -> None:
    keys = {b.key for b in ran.get("download_button")}
    assert {"committee_review_xlsx", "committee_review_html"} <= keys


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_report_texts_translated(lang: str) -> None:
    with i18n.speaking(lang):
        assert i18n.language() == lang
    assert i18n.language() == "en"


def _attribution():
    """A hand-made attribution: orders −1.0 day of processing and +5 points on time, credit
    −20 days of DSO; the rest nothing (CIs ±10%)."""
    from scenarios.attribution_result import Attribution
    from simulation.summary import Estimate

    def est(v: float) -> Estimate:
        return Estimate(v, v - abs(v) / 10, v + abs(v) / 10, v, v)

    moves = {"orders": {"order_processing_days": -1.0, "on_time_rate": 0.05},
             "credit": {"dso_days": -20.0}}
    contributions = {g: {k: est(m.get(k, 0.0)) for k in KPI_NAMES} for g, m in moves.items()}
    total = {k: est(sum(m.get(k, 0.0) for m in moves.values())) for k in KPI_NAMES}
    base = {k: est(1.0) for k in KPI_NAMES}
    return Attribution(
        method="exact", base_name="baseline", plan_name="plan", base_file="baseline.toml",
        plan_file="plan.toml", base_text="", plan_text="", groups=("orders", "credit"),
        seed=1, replications=3, dataset="data/small", dataset_fingerprint="x" * 12,
        window={"warmup_days": 30, "horizon_days": 120}, base_kpis=base, plan_kpis=base,
        total=total, coalitions={}, runtime_s=1.0, contributions=contributions,
        run_id="20261204-000000-abcdef")


def test_review_carries_the_stored_attribution(ran: AppTest) -> None:
    res = ran.session_state[RESULTS_KEY]
    found = _attribution()
    views = review_views(res, found)
    view = next(v for v in views if v.title.startswith("Lever attribution"))
    table = view.table.set_index("lever group")
    assert list(table.index) == ["Order levers", "Credit levers", "plan − base"]
    assert table.loc["Credit levers", "DSO"].startswith("-20.0 days")
    assert table.loc["Order levers", "On-time delivery"].startswith("+5.0 pts")
    page = review_html(res, found)
    # the six KPI charts, the stages and one waterfall per KPI
    assert [t for t, _ in _tags(page)].count("svg") == 2 * len(KPI_NAMES) + 1
    book = openpyxl.load_workbook(io.BytesIO(review_workbook(res, found)))
    assert len(book.sheetnames) == len(views)


def test_replications_for_a_stated_precision_by_brute_force(ran: AppTest) -> None:
    """The replications the page asks for: the smallest n >= 2 whose t interval of the mean,
    at the replications' spread, is no wider than stated (searched by brute force here)."""
    import math

    from scipy import stats

    from ui.committee_precision import precision_view

    res = ran.session_state[RESULTS_KEY]
    for name, half in (("dso_days", 0.5), ("on_time_rate", 0.002)):
        view = precision_view(res, name, half)
        needed_col = next(c for c in view.columns if c.startswith("replications for"))
        for r, cell in zip(res.results, view[needed_col], strict=True):
            sd = r.per_replication[name].std(ddof=1)
            n = next(n for n in range(2, 100_000)
                     if stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= half)
            expected = f"{n:,}" if n < 10_000 else "10,000 or more"  # the page's cap
            assert cell == expected, (name, r.label, cell, n)
    assert any(e.label == "Replications for a stated precision" for e in ran.expander)
