"""The territory page through Streamlit's AppTest on a small generated data set: tiers with
their shares of the value, doctor grades re-graded when a weight moves (against the model
called directly), the value grid, the tiers workbook, and bad cut points named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.dataset import load_dataset
from models.territory.grading import DEFAULT_WEIGHTS, attribute_points, regrade

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
    assert headers[:5] == ["Customer tiers", "Territories today", "Doctor grades",
                           "Value grid: potential × support", "Not built yet"]
    tiers = {m.label: m.value for m in page.metric if m.label.endswith(" accounts")}
    assert set(tiers) == {"core accounts", "potential accounts", "basic accounts"}
    assert _grades(page) == _expected(small_dir, DEFAULT_WEIGHTS)
    assert len(page.get("download_button")) == 1


def test_moving_a_weight_regrades_every_doctor(page: AppTest, small_dir: Path) -> None:
    page.slider(key="tr_w_title").set_value(0.9).run(timeout=TIMEOUT_S)
    assert not page.exception
    assert _grades(page) == _expected(small_dir, {**DEFAULT_WEIGHTS, "title": 0.9})
    assert _grades(page) != _expected(small_dir, DEFAULT_WEIGHTS)


def test_cut_points_out_of_order_are_named(page: AppTest) -> None:
    page.number_input(key="tr_cut_B").set_value(80.0).run(timeout=TIMEOUT_S)
    assert not page.exception
    assert any("must fall from A to C" in w.value for w in page.warning)
