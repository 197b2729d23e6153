"""The Streamlit app, driven headless by AppTest: the "Today" page shows the KPIs that
``measure_history`` measures independently, and bad input is an st.error, never a traceback.

The app is run from ``app.py`` (through ``st.navigation``); the data set folder reaches the
page as its sidebar default through ``PHARMAOPS_DATASET``, or by typing into the sidebar.
"""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from data.dataset import load_dataset
from data.generate import generate_to_folder
from data.history import measure_history
from scenarios.schema import committee_targets
from tests.display_rules import EXPECTED_CARDS, shown

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT_S = 60



def target_text(target: float, unit: str, decimals: int) -> str:
    return f"vs target {shown(target, unit, decimals)}"


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_to_folder("small", 7, tmp_path_factory.mktemp("app") / "ds")


def _run(monkeypatch: pytest.MonkeyPatch, folder: Path) -> AppTest:
    monkeypatch.setenv("PHARMAOPS_DATASET", str(folder))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    return at.run(timeout=TIMEOUT_S)


def _assert_cards_match(at: AppTest, folder: Path, period_days: int) -> None:
    expected = measure_history(load_dataset(folder), period_days=period_days).kpis
    targets = committee_targets()
    metrics = {m.label: m for m in at.metric}
    for name, (label, unit, decimals, higher_is_better) in EXPECTED_CARDS.items():
        card = metrics[label]
        value, target = expected[name], targets[name]
        assert card.value == shown(value, unit, decimals), name
        assert target_text(target, unit, decimals) in card.proto.delta_description, name
        worse = value < target if higher_is_better else value > target
        gap_shown = round((value - target) * (100 if unit == "rate" else 1), decimals)
        if gap_shown != 0:
            red = card.proto.color == MetricProto.MetricColor.RED
            assert red == worse, f"{name}: worse than target must show red, better green"
            assert card.delta.startswith("-" if value < target else "+"), name


def test_today_shows_the_measured_kpis_against_targets(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path
) -> None:
    at = _run(monkeypatch, small_dataset)

    assert not at.exception
    assert not at.error
    _assert_cards_match(at, small_dataset, 365)
    ds = load_dataset(small_dataset)
    metrics = {m.label: m.value for m in at.metric}
    for table, rows in ds.counts().items():
        assert metrics[table.replace("_", " ")] == f"{rows:,}"
    assert ds.fingerprint[:12] in " ".join(c.value for c in at.caption)


def test_map_holds_every_customer_and_site(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path
) -> None:
    at = _run(monkeypatch, small_dataset)

    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.json)
    base, layers = spec["layers"][:2], spec["layers"][2:]
    sizes = {layer["id"]: len(layer["data"]) for layer in layers}
    sites = load_dataset(small_dataset)["sites"]
    assert sizes == {
        "customers": 120,
        "candidates": int((sites["kind"] == "candidate").sum()),
        "central_dcs": int((sites["kind"] == "central_dc").sum()),
    }
    for layer in layers[1:]:
        assert layer["radiusUnits"] == "pixels"  # a literal, not an accessor expression
    assert "mapStyle" not in spec or spec["mapStyle"] is None  # no Mapbox key needed
    # the base layer is drawn from the shipped file, not fetched: China's 34 provincial-level
    # divisions (Taiwan, Hong Kong and Macao included) and the maritime boundary
    assert [b["id"] for b in base] == ["base_provinces", "base_maritime_boundary"]
    codes = {f["properties"]["adcode"] for f in base[0]["data"]["features"]}
    assert len(codes) == 34 and {"710000", "810000", "820000", "460000"} <= codes
    assert base[1]["data"]["features"][0]["geometry"]["type"] == "MultiLineString"
    assert "http" not in charts[0].proto.json.replace("http://www.w3.org", "")


def test_period_input_remeasures(monkeypatch: pytest.MonkeyPatch, small_dataset: Path) -> None:
    at = _run(monkeypatch, small_dataset)
    at.sidebar.number_input(key="period_days").set_value(90).run(timeout=TIMEOUT_S)

    assert not at.exception
    _assert_cards_match(at, small_dataset, 90)


def test_missing_folder_tells_how_to_make_data(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path, tmp_path: Path
) -> None:
    at = _run(monkeypatch, small_dataset)
    at.sidebar.text_input(key="dataset_folder").set_value(str(tmp_path / "nowhere"))
    at.run(timeout=TIMEOUT_S)

    assert not at.exception
    assert len(at.error) == 1
    assert "make data" in at.error[0].value
    assert not at.metric


def test_refused_dataset_lists_its_problems(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path, tmp_path: Path
) -> None:
    broken = shutil.copytree(small_dataset, tmp_path / "broken")
    customers = pd.read_csv(broken / "customers.csv", dtype=str, keep_default_na=False)
    customers.drop(columns="annual_sales_cny").to_csv(broken / "customers.csv", index=False)

    at = _run(monkeypatch, broken)

    assert not at.exception
    assert len(at.error) == 1
    assert "refused" in at.error[0].value
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["File or field", "Where", "Expected", "Found"]
    row = problems[problems["File or field"].str.endswith("customers.csv")].iloc[0]
    assert row["Where"] == "header"
    assert "annual_sales_cny" in row["Found"]
    assert not at.metric


def test_workbook_has_one_sheet_per_table(small_dataset: Path) -> None:
    from ui.overview import kpi_tables, kpi_workbook

    report = measure_history(load_dataset(small_dataset))
    targets = committee_targets()
    sheets = pd.read_excel(
        io.BytesIO(kpi_workbook(kpi_tables(report, targets), {"a": "b"})), sheet_name=None
    )

    assert list(sheets) == [
        "overall",
        "by_region",
        "by_customer_type",
        "by_month",
        "aging",
        "about",
    ]
    overall = sheets["overall"].set_index("measure")
    for name, value in report.kpis.items():
        assert overall.loc[name, "today"] == pytest.approx(value)
        # the companions (docs/kpis.md) have no target of their own
        assert overall.loc[name, "target"] == pytest.approx(targets.get(name, np.nan),
                                                            nan_ok=True)
    assert sheets["by_region"]["region"].tolist() == report.by_region["region"].tolist()
    assert len(sheets["by_month"]) == len(report.by_month)
    assert sheets["aging"]["open_cny"].sum() == pytest.approx(sum(report.aging_cny.values()))
    assert math.isclose(sheets["aging"]["share"].sum(), 1.0)


