"""The "Channel stock" page, driven headless by AppTest on the hand-made channel of
tests/channel_ledger.py: the worked findings and stock days are what the page shows, the
kind filter filters, and a data set without channel tables is a warning, not an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scenarios.channel import ANOMALY_LABELS

TIMEOUT_S = 60
HAND = "from tests.channel_ledger import dataset\nfrom ui.channel import show_channel\n"


def _page(script: str) -> AppTest:
    return AppTest.from_string(script, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)


def _table(at: AppTest, first_column: str, *columns: str):
    """The table shown whose first column is ``first_column`` and that has ``columns``."""
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column
                and set(columns) <= set(d.value.columns))


def test_the_page_shows_the_worked_findings_and_stock_days() -> None:
    at = _page(HAND + "show_channel(dataset())\n")
    assert not at.exception and not at.error
    cards = {m.label: m.value for m in at.metric}
    assert cards["Distributors"] == "1" and cards["Products"] == "2"
    assert cards["Months"] == "4"
    assert cards["Findings"] == "5"
    assert all(cards[label] == "1" for label in ANOMALY_LABELS.values())
    # 43 units / (205 units / 92 days)
    assert cards["Channel stock days"] == "19.3 days"
    findings = _table(at, "Finding")
    assert sorted(findings["Finding"]) == sorted(ANOMALY_LABELS.values())
    region = _table(at, "Region", "Terminals buying").set_index("Region")
    assert region.loc["East", "Sales (CNY)"] == 1950
    products = _table(at, "Product", "Stock days (days)").set_index("Product")
    assert products.loc["P2", "Stock days (days)"] == pytest.approx(460)
    assert at.selectbox(key="ch_distributor").value == "D1"


def test_the_kind_filter_keeps_only_the_chosen_findings() -> None:
    at = _page(HAND + "show_channel(dataset())\n")
    at.multiselect(key="ch_kinds").set_value([ANOMALY_LABELS["stale_stock"]]).run()
    findings = _table(at, "Finding")
    assert list(findings["Finding"]) == [ANOMALY_LABELS["stale_stock"]]
    assert list(findings["What was found"]) == ["30 units held with no sales for 3 months"]


def test_thresholds_in_the_sidebar_change_the_findings() -> None:
    at = _page(HAND + "show_channel(dataset())\n")
    at.number_input(key="ch_tolerance_units").set_value(12).run()
    at.number_input(key="ch_stale_months").set_value(4).run()
    cards = {m.label: m.value for m in at.metric}
    # differences and excess of 12 units are within 12; the 3-month stale run is under 4
    assert cards["Findings"] == "2"


def test_a_data_set_without_channel_tables_is_a_warning() -> None:
    script = HAND + (
        "import dataclasses\n"
        "ds = dataset()\n"
        "tables = {k: v for k, v in ds.tables.items() if k != 'stock_reports'}\n"
        "show_channel(dataclasses.replace(ds, tables=tables))\n")
    at = _page(script)
    assert not at.exception and not at.error
    assert "the tables stock_reports are missing" in at.warning[0].value
    assert not at.metric


def test_a_missing_folder_is_an_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("PHARMAOPS_DATASET", str(tmp_path / "nowhere"))
    at = _page("from ui.channel import render\nrender()\n")
    assert not at.exception
    assert "No data set folder" in at.error[0].value
