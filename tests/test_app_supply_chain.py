"""The "Supply chain" page, driven headless by AppTest: nothing is solved on page load, and
pressing Solve shows the status and objective that an independent solve of the same
location problem gives, with the map and the coverage table."""

from __future__ import annotations

import io
import json
import re
import time
from itertools import combinations
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
from ui import i18n, jobs
from ui.supply_chain import status_text
from ui.supply_chain_simulation import SIM_JOB_KEY

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
    # the simulation's job queue (and the calibration cache) beside a run store of the tests'
    monkeypatch.setenv("PHARMAOPS_RUN_STORE", str(folder.parent / "runs" / "store.sqlite"))
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


def simulated(at: AppTest) -> AppTest:
    """The page once its queued network check has finished (the job runs outside the page,
    which polls it)."""
    deadline = time.monotonic() + 600
    while SIM_JOB_KEY in at.session_state:
        assert time.monotonic() < deadline, "the network check's job did not finish"
        time.sleep(1)
        at.run(timeout=TIMEOUT_S)
    return at


def test_simulate_button_shows_the_paired_simulation(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path
) -> None:
    """The check runs as a job of the shared queue (``pharmaops warehouses simulate``) and
    shows what :func:`simulate_network` gives for the same network, seed and window; the
    result is kept for its settings, so the page does not queue it again."""
    at = _solved_with_rule(monkeypatch, small_dataset)
    at.number_input(key="sc_sim_reps").set_value(2)
    at.button(key="sc_simulate").click().run(timeout=TIMEOUT_S)
    assert SIM_JOB_KEY in at.session_state, "queued as a job, not run in the page"
    # a fresh interpreter takes longer than the page's run: the job's bar, no result yet
    assert len(at.get("progress")) == 1
    assert not any("network_mean" in d.value.columns for d in at.dataframe)
    simulated(at)
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
    # a rate's change is said in percentage points, days in days
    deltas = {m.label: m.delta for m in at.metric}
    points = round(100 * check.differences["on_time_rate"]["mean"], 1)
    assert deltas["On-time delivery"] == (f"{points:+.1f} pts vs today" if points
                                          else "0 vs today")
    days = round(check.differences["remote_delivery_days"]["mean"], 1)
    assert deltas["Remote-area delivery (days)"] == (f"{days:+.1f} days vs today" if days
                                                     else "0 vs today")
    sites = next(d.value for d in at.dataframe if "fill_rate" in d.value.columns
                 and "site" in d.value.columns)
    assert sorted(sites["site_id"]) == sorted(check.by_site["site_id"])
    # kept: another run of the page shows it again without a job
    at.run(timeout=TIMEOUT_S)
    assert SIM_JOB_KEY not in at.session_state
    assert any("network_mean" in d.value.columns for d in at.dataframe)
    assert not list((small_dataset.parent / "runs" / "jobs").glob("*/assignment.csv"))


def test_a_failed_check_shows_the_jobs_last_lines(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path, tmp_path: Path
) -> None:
    """A job that exits with an error leaves no result; the page shows its exit code and the
    end of its log."""
    at = _solved_with_rule(monkeypatch, small_dataset)
    job = jobs.start(["warehouses", "simulate", str(tmp_path / "no_such_folder"),
                      "--sites", "S01"], stores=False)
    at.session_state[SIM_JOB_KEY] = (job, ("no", "settings"))
    simulated(at.run(timeout=TIMEOUT_S))
    assert not at.exception
    assert [e.value for e in at.error] == ["The run failed (exit code 2)."]
    assert "no_such_folder" in at.code[0].value
    assert not any("network_mean" in d.value.columns for d in at.dataframe)


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


def test_default_settings_open_forward_warehouses_and_offer_full_downloads(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path, files: dict[str, bytes]
) -> None:
    """The first Solve with the page's own settings (nothing touched) gives a plan with
    forward warehouses, their stock plan, and a CSV per table, none of them empty."""
    at = _page(monkeypatch, small_dataset)
    at.sidebar.button(key="sc_solve").click().run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    ds = load_dataset(small_dataset)
    # the defaults written out: sites table, 90 % of demand within 2 days, at most 8 sites
    expected = nd.solve_location(nd.build_location_problem(
        ds, calibrate(ds).transit, candidates="sites", max_sites=8, service_days=2.0,
        service_share=0.9), TIME_LIMIT_S)
    assert expected.forward_site_ids
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Objective (CNY/year)"] == f"{expected.result.objective:,.0f}"
    layers = {layer["id"]: layer for layer in
              json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]}
    assert len(layers["forward_sites"]["data"]) == len(expected.forward_site_ids) >= 1
    stock = next(d.value for d in at.dataframe if "Q_units" in d.value.columns)
    assert len(stock) > 0 and set(stock["site_id"]) <= set(expected.forward_site_ids)
    # a person reads the site's city, the code stays in the data
    names = dict(zip(expected.instance.site_ids, expected.instance.site_names, strict=True))
    assert stock["site"].tolist() == [names[s] for s in stock["site_id"]]
    labels = {b.label for b in at.get("download_button")}
    assert {"sites.csv", "assignment.csv", "stocking.csv"} <= labels
    assert not any("is not offered" in c.value for c in at.caption)
    csvs = {name: data for name, data in files.items() if name.endswith(".csv")}
    assert len(csvs) == 3
    for name, data in csvs.items():
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
        assert len(frame) > 0, name
    stocked = next(pd.read_csv(io.BytesIO(d), encoding="utf-8-sig")
                   for n, d in csvs.items() if n.endswith("_stocking.csv"))
    assert len(stocked) == len(stock) and "site_id" in stocked.columns


def _brute_fewest_sites(inst: nd.LocationInstance, days: float, share: float) -> int:
    """Fewest forward sites that with the central DCs put ``share`` of demand within
    ``days``: every subset of the forward candidates, smallest first."""
    within = inst.transit_days <= days
    central = within[inst.central].any(axis=0)
    forward = np.flatnonzero(~inst.central)
    need = share * inst.demand.sum() * (1 - 1e-9)
    for k in range(forward.size + 1):
        for subset in combinations(forward, k):
            covered = central | within[list(subset)].any(axis=0)
            if inst.demand[covered].sum() >= need:
                return k
    raise AssertionError("no subset meets the share")


def _max_share(inst: nd.LocationInstance, days: float, p: int) -> float:
    within = inst.transit_days <= days
    central = within[inst.central].any(axis=0)
    forward = np.flatnonzero(~inst.central)
    return max(inst.demand[central | within[list(s)].any(axis=0)].sum()
               for s in combinations(forward, p)) / inst.demand.sum()


def test_an_infeasible_rule_names_the_fewest_sites_and_a_button_applies_it(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path
) -> None:
    """90 % of demand within 1.5 days with at most 1 forward warehouse is infeasible on the
    small data set; the page says how many sites the rule needs (brute force over every
    subset of the forward candidates) and what one site reaches at best; the button raises
    the limit to that number and the next Solve finds a plan."""
    at = _page(monkeypatch, small_dataset)
    at.sidebar.number_input(key="sc_days").set_value(1.5)
    at.sidebar.number_input(key="sc_max_sites").set_value(1)
    at.sidebar.button(key="sc_solve").click().run(timeout=TIMEOUT_S)
    assert not at.exception
    assert metrics_status(at) == status_text("infeasible")
    ds = load_dataset(small_dataset)
    inst = nd.build_location_problem(ds, calibrate(ds).transit, candidates="sites",
                                     max_sites=1, service_days=1.5, service_share=0.9)
    fewest = _brute_fewest_sites(inst, 1.5, 0.9)
    assert fewest > 1
    best = _max_share(inst, 1.5, 1)
    hint = " ".join(w.value for w in at.warning)
    assert f"at least **{fewest}** forward warehouses" in hint
    assert f"the most demand within 1.5 days is {100 * best:.1f}%" in hint
    assert at.button(key="sc_hint_sites").label == f"Raise Max forward sites to {fewest}"
    # the other way out: the share one site reaches, on the slider's 5 % steps
    reachable = int(best * 100 // 5 * 5)
    assert at.button(key="sc_hint_share").label == (
        f"Ask for {reachable}% of demand within 1.5 days instead")
    at.button(key="sc_hint_sites").click().run(timeout=TIMEOUT_S)
    assert at.sidebar.number_input(key="sc_max_sites").value == fewest
    at.sidebar.button(key="sc_solve").click().run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    assert metrics_status(at) in {status_text("optimal"), status_text("feasible")}
    layers = {layer["id"]: layer for layer in
              json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]}
    # at most `fewest` allowed, and fewer cannot meet the rule
    assert len(layers["forward_sites"]["data"]) == fewest


def metrics_status(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label in ("Status", "状态"))


def test_solved_page_in_chinese_leaves_no_english_label(
    monkeypatch: pytest.MonkeyPatch, small_dataset: Path
) -> None:
    """In Chinese, after Solve with the first settings: metric labels, the status, the rule
    and candidate options, the fill-rate slider and table headers are Chinese, and no shown
    text is a catalogue text left in English."""
    zh = i18n.catalogue("zh_CN")
    monkeypatch.setenv("PHARMAOPS_DATASET", str(small_dataset))
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    at.sidebar.button(key="sc_solve").click().run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    chinese = re.compile(r"[\u4e00-\u9fff]")
    labels = [m.label for m in at.metric]
    assert labels == ["状态", "目标函数值（元/年）", "下界（元/年）", "间隙"]
    assert all(chinese.search(m.value) for m in at.metric[:1])
    assert at.metric[0].value == "最优（已证明）"
    rule = at.sidebar.selectbox(key="sc_rule")
    assert rule.value == "a share of demand within D days"  # the value stays the code
    assert rule.format_func(rule.value) == "D 天内送达一定比例的需求"
    cands = at.sidebar.radio(key="sc_candidates")
    assert [cands.format_func(o) for o in ("sites", "prefectures")] == ["仓库表", "地级市"]
    assert at.slider(key="sc_fill_rate").label == "前置仓库存的满足率目标"
    assert at.radio(key="sc_policy").label == "补货策略"
    # table headers as displayed: every shown column of the result tables has a Chinese label
    for marker in ("share_of_demand", "annual_fixed_cost_cny", "cny_per_year", "Q_units"):
        table = next(d for d in at.dataframe if marker in d.value.columns)
        config = json.loads(table.proto.columns)
        shown_columns = [c for c in table.value.columns
                         if not config.get(c, {}).get("hidden")]
        labels_of = {c: config.get(c, {}).get("label", c) for c in shown_columns}
        assert all(chinese.search(v) for v in labels_of.values()), labels_of
        assert "site_id" not in shown_columns
    coverage = next(d for d in at.dataframe if "share_of_demand" in d.value.columns)
    assert json.loads(coverage.proto.columns)["share_of_demand"]["label"] == "需求占比"
    english = set(zh)
    shown = [t for t in page_texts_all(at) if t in english and len(t) > 3]
    assert not shown, f"catalogue texts shown in English: {shown}"
    tooltip_texts = [d["what"] for layer in
                     json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]
                     if not layer["id"].startswith("base_")  # the base map has no tooltips
                     for d in layer["data"]]
    assert tooltip_texts and all(chinese.search(t) for t in tooltip_texts)
    assert not any("days from" in t or "units/year" in t or ", open" in t
                   for t in tooltip_texts)


def page_texts_all(at: AppTest) -> list[str]:
    out = [e.value for kind in ("title", "header", "subheader", "caption", "markdown",
                                "info", "warning") for e in at.get(kind)]
    out += [m.label for m in at.metric] + [m.value for m in at.metric]
    out += [b.label for b in at.get("download_button")] + [b.label for b in at.button]
    out += [w.label for kind in ("radio", "number_input", "text_input", "selectbox",
                                 "slider", "checkbox") for w in at.get(kind)]
    return out
