"""The "Supply chain" page, driven headless by AppTest: nothing is solved on page load, and
pressing Solve shows the status and objective that an independent solve of the same
location problem gives, with the map and the coverage table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.dataset import load_dataset
from data.generate import generate_to_folder
from models.inventory import network_design as nd
from scenarios.forward_network import network_scenario, simulate_network
from scenarios.location import LocationLevers
from scenarios.network_plan import build_network_plan, district_assignment
from scenarios.warehouses import SIM_HORIZON_DAYS, SIM_SEED, SIM_WARMUP_DAYS, tradeoff_curve
from simulation.calibrate import calibrate
from simulation.inputs import build_inputs
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
        nd.build_location_problem(ds, calibrate(ds).transit, candidates="sites", max_sites=8),
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


def _solved_with_rule(monkeypatch: pytest.MonkeyPatch, folder: Path) -> AppTest:
    at = _page(monkeypatch, folder)
    at.sidebar.radio(key="sc_candidates").set_value("sites")
    at.sidebar.selectbox(key="sc_rule").set_value("every district within D days").run()
    at.sidebar.number_input(key="sc_days").set_value(2.0)
    at.sidebar.number_input(key="sc_time_limit").set_value(TIME_LIMIT_S)
    return at.sidebar.button(key="sc_solve").click().run(timeout=TIMEOUT_S)


def test_stocking_table_is_the_simulations_stock_plan(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path
) -> None:
    at = _solved_with_rule(monkeypatch, small_dataset)
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "Q_units" in d.value.columns)
    ds = load_dataset(small_dataset)
    outcome = nd.solve_location(nd.build_location_problem(
        ds, calibrate(ds).transit, candidates="sites", max_sites=8, service_days=2.0),
        TIME_LIMIT_S)
    forward = set(outcome.forward_site_ids)
    assert forward and set(table["site_id"]) <= forward
    qualified = ds["sites"].set_index("site_id")["cold_chain_qualified"]
    cold_sites = set(table.loc[table["cold_chain"], "site_id"])
    assert all(bool(qualified[s]) for s in cold_sites)
    # the same plan a scenario run stocks: policies per (site, product) for the same sites
    scenario = network_scenario(sorted(forward))
    plan = build_network_plan(ds, calibrate(ds).transit, build_inputs(ds), scenario,
                              district_assignment(nd.assignment_frame(outcome)))
    expected = plan.stock.policies.set_index(["site_id", "product_id"])
    shown = table.set_index(["site_id", "product_id"])
    assert set(shown.index) == set(expected.index)
    np.testing.assert_allclose(shown.loc[expected.index, "s_units"], expected["s_units"])


def test_simulate_button_shows_the_paired_simulation(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path
) -> None:
    at = _solved_with_rule(monkeypatch, small_dataset)
    at.number_input(key="sc_sim_reps").set_value(2)
    at.button(key="sc_simulate").click().run(timeout=TIMEOUT_S * 3)
    assert not at.exception and not at.error
    shown = next(d.value for d in at.dataframe if "network_mean" in d.value.columns)
    ds = load_dataset(small_dataset)
    params = calibrate(ds)
    outcome = nd.solve_location(nd.build_location_problem(
        ds, params.transit, candidates="sites", max_sites=8, service_days=2.0), TIME_LIMIT_S)
    check = simulate_network(ds, params, list(outcome.forward_site_ids),
                             district_assignment(nd.assignment_frame(outcome)),
                             replications=2, seed=SIM_SEED, horizon_days=SIM_HORIZON_DAYS,
                             warmup_days=SIM_WARMUP_DAYS)
    on_time = shown.set_index("kpi").loc["On-time delivery"]
    assert on_time["network_mean"] == pytest.approx(check.summary["on_time_rate"].mean)
    assert on_time["difference"] == pytest.approx(check.differences["on_time_rate"]["mean"])
    assert on_time["today_mean"] == pytest.approx(check.today["on_time_rate"].mean())


@pytest.mark.parametrize(("days", "share"), [(None, None), (3.0, 0.9)])
def test_tradeoff_curve_cost_falls_with_more_sites_and_today_is_today(
    small_dataset: Path, days: float | None, share: float | None
) -> None:
    ds = load_dataset(small_dataset)
    params = calibrate(ds)
    levers = LocationLevers(candidates="sites", service_days=days, service_share=share,
                            max_sites=8)
    curve = tradeoff_curve(ds, params, levers, 2, TIME_LIMIT_S, simulate_replications=2)
    assert curve["max_sites"].tolist() == [0, 1, 2]
    assert (curve["forward_sites"] <= curve["max_sites"]).all()
    proven = curve[curve["status"] == "optimal"]
    assert len(proven) >= 2
    # more allowed sites can only lower the proven optimum
    assert (np.diff(proven["total_cost_cny"].to_numpy())
            <= 1e-6 * proven["total_cost_cny"].max()).all()
    # a point without a solution has no simulated service
    assert curve.loc[curve["status"] != "optimal", "on_time_simulated"].isna().all()
    simulated = curve[curve["on_time_simulated"].notna()]
    lo, hi = simulated["on_time_ci_low"], simulated["on_time_ci_high"]
    assert ((lo <= simulated["on_time_simulated"]) & (simulated["on_time_simulated"] <= hi)).all()
    # a network without forward sites is today's: its simulated on-time rate is today's
    today = simulate_network(ds, params, [], None, replications=2, seed=SIM_SEED,
                             horizon_days=SIM_HORIZON_DAYS, warmup_days=SIM_WARMUP_DAYS)
    for row in simulated.itertuples():
        if row.forward_sites == 0:
            assert row.on_time_simulated == pytest.approx(today.today["on_time_rate"].mean())
    assert (days is not None) or (simulated["forward_sites"] == 0).all()


def test_covering_button_shows_maximal_covering_per_p(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path
) -> None:
    at = _solved_with_rule(monkeypatch, small_dataset)
    at.number_input(key="sc_cover_n").set_value(2)
    at.button(key="sc_cover").click().run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    shown = next(d.value for d in at.dataframe if "covered_share" in d.value.columns)
    assert shown["max_sites"].tolist() == [0, 1, 2]
    assert (shown["status"] == status_text("optimal")).all()
    # more sites never cover less, and p = 0 is what the central DCs reach alone
    assert (np.diff(shown["covered_share"].to_numpy()) >= -1e-12).all()
    ds = load_dataset(small_dataset)
    inst = nd.build_location_problem(ds, calibrate(ds).transit, candidates="sites", max_sites=8,
                                     service_days=2.0)
    central = (inst.transit_days[inst.central] <= 2.0).any(axis=0)
    assert shown["covered_share"].iloc[0] == pytest.approx(
        inst.demand[central].sum() / inst.demand.sum())


def test_downloads_open_in_excel_and_none_is_empty(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path, files: dict[str, bytes]
) -> None:
    """A plan without forward stock offers no empty stocking.csv but says why; every CSV it
    offers starts with the UTF-8 byte order mark (Excel on a Chinese Windows machine) and
    reads back whole; the workbook holds the same tables."""
    import io

    import openpyxl

    at = _page(monkeypatch, small_dataset)
    at.sidebar.radio(key="sc_candidates").set_value("sites")
    at.sidebar.selectbox(key="sc_rule").set_value("none")
    at.sidebar.number_input(key="sc_time_limit").set_value(TIME_LIMIT_S)
    at.sidebar.button(key="sc_solve").click().run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    assert any("No forward site is chosen" in i.value for i in at.info)
    labels = [b.label for b in at.get("download_button")]
    assert "stocking.csv" not in labels and {"sites.csv", "assignment.csv"} <= set(labels)
    assert any(c.value.startswith("stocking.csv is not offered: no forward site")
               for c in at.caption)
    csvs = {name: data for name, data in files.items() if name.endswith(".csv")}
    assert len(csvs) == 2
    for name, data in csvs.items():
        assert data.startswith(b"\xef\xbb\xbf"), name
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
        assert len(frame) > 0 and not frame.columns[0].startswith("\ufeff"), name
    book = openpyxl.load_workbook(io.BytesIO(next(v for k, v in files.items()
                                                  if k.endswith(".xlsx"))))
    assert book.sheetnames == ["sites", "assignment"]
