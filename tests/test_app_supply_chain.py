"""The "Supply chain" page, driven headless by AppTest: nothing is solved on page load, and
pressing Solve shows the status and objective that an independent solve of the same
location problem gives, with the map and the coverage table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.dataset import load_dataset
from data.generate import generate_to_folder
from models.inventory import network_design as nd
from simulation.calibrate import calibrate
from ui.supply_chain import status_text

PAGE = "from ui.supply_chain import render\nrender()\n"
TIMEOUT_S = 60
TIME_LIMIT_S = 30.0


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_to_folder("small", 7, tmp_path_factory.mktemp("supply") / "ds")


@pytest.fixture
def solve_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = nd.solve_location

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(nd, "solve_location", counting)
    return calls


def _page(monkeypatch: pytest.MonkeyPatch, folder: Path) -> AppTest:
    monkeypatch.setenv("PHARMAOPS_DATASET", str(folder))
    return AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)


def test_page_load_solves_nothing(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path, solve_calls: list[int]
) -> None:
    at = _page(monkeypatch, small_dataset)

    assert not at.exception
    assert not at.error
    assert solve_calls == []
    assert not at.metric
    assert not at.get("deck_gl_json_chart")
    assert any("Solve" in i.value for i in at.info)


def test_solve_matches_an_independent_solve(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path, solve_calls: list[int]
) -> None:
    at = _page(monkeypatch, small_dataset)
    at.sidebar.radio(key="sc_candidates").set_value("sites")
    at.sidebar.selectbox(key="sc_rule").set_value("none")
    at.sidebar.number_input(key="sc_time_limit").set_value(TIME_LIMIT_S)
    at.sidebar.button(key="sc_solve").click().run(timeout=TIMEOUT_S)

    assert not at.exception
    assert not at.error
    assert solve_calls == [1]
    ds = load_dataset(small_dataset)
    expected = nd.solve_location(
        nd.build_location_problem(ds, calibrate(ds), candidates="sites", max_sites=8),
        TIME_LIMIT_S,
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Status"] == status_text(expected.result.status)
    assert metrics["Objective (CNY/year)"] == f"{expected.result.objective:,.0f}"
    if expected.result.status != "optimal":
        assert "optimal (proven)" not in metrics["Status"]

    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    layers = {layer["id"]: layer for layer in json.loads(charts[0].proto.json)["layers"]}
    assert len(layers["districts"]["data"]) == expected.instance.problem.n_customers
    assert len(layers["forward_sites"]["data"]) == len(expected.forward_site_ids)

    coverage = next(d.value for d in at.dataframe if "share_of_demand" in d.value.columns)
    assert coverage["within_days"].tolist() == list(expected.coverage)
    assert coverage["share_of_demand"].tolist() == pytest.approx(
        list(expected.coverage.values())
    )
