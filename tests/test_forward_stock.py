"""Forward-warehouse stock in the simulated order flow: limiting cases with known answers,
invariants of every run, and the run contract."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from data.problems import ScenarioError
from scenarios.run import configure
from scenarios.schema import Scenario
from simulation.calibrate import calibrate
from simulation.config import SimulationConfig
from simulation.forward_stock import ForwardStock
from simulation.inputs import build_inputs
from simulation.order_flow import draw_orders, run_order_flow
from simulation.replication import replication_streams, run_replication

FORWARD = ["S29", "S33", "S37", "S31"]


@pytest.fixture(scope="module")
def small(small_dir: Path):
    ds = load_dataset(small_dir)
    return ds, calibrate(ds), build_inputs(ds)


def _scenario(**logistics) -> Scenario:
    return Scenario.model_validate({"name": "t", "dataset": "x", "horizon_days": 240,
                                    "warmup_days": 60, "seed": 21,
                                    "logistics": logistics})


def _config(small, scenario: Scenario, assignment=None) -> SimulationConfig:
    ds, params, inputs = small
    return configure(ds, params, scenario, inputs=inputs, assignment=assignment)[1]


def _flow(inputs, params, config: SimulationConfig, replication: int = 0):
    draws = draw_orders(inputs, params, config.horizon_days,
                        replication_streams(config.seed, replication))
    return run_order_flow(inputs, params, config, draws)


def _stocked(config: SimulationConfig, stock: ForwardStock) -> SimulationConfig:
    return replace(config, network=replace(config.network, stock=stock))


def _with_rows(stock: ForwardStock, site: np.ndarray, product: np.ndarray, s: float,
               q: float) -> ForwardStock:
    """The same assignment with hand-made (s, Q) rows."""
    n = len(site)
    return replace(stock, row_site=site, row_product=product, policy=np.full(n, "sQ", object),
                   reorder_point=np.full(n, s), order_qty=np.full(n, q),
                   order_up_to=np.full(n, np.nan), review_days=np.full(n, np.nan),
                   lead_days=np.full(n, 2.0), lead_sd_days=np.zeros(n))


def test_forward_warehouses_that_stock_nothing_change_no_delivery(small) -> None:
    """Every order then ships from its central DC, exactly as without forward warehouses."""
    ds, params, inputs = small
    planned = _config(small, _scenario(forward_warehouses=FORWARD))
    empty = _stocked(planned, _with_rows(planned.network.stock, np.zeros(0, np.int64),
                                         np.zeros(0, np.int64), 0.0, 1.0))
    flow = _flow(inputs, params, empty)
    today = _flow(inputs, params, _config(small, _scenario()))
    np.testing.assert_array_equal(flow.delivered, today.delivered)
    np.testing.assert_array_equal(flow.site, today.site)
    assert not flow.split.any() and flow.forward_filled_units.sum() == 0


def test_unlimited_stock_of_every_product_ships_everything_forward(small) -> None:
    ds, params, inputs = small
    planned = _config(small, _scenario(forward_warehouses=FORWARD))
    forward = np.array([i for i, s in enumerate(inputs.site_id) if s in FORWARD])
    products = np.arange(len(inputs.product_id))
    site, product = np.repeat(forward, len(products)), np.tile(products, len(forward))
    full = _stocked(planned, _with_rows(planned.network.stock, site, product, 1e12, 1.0))
    flow = _flow(inputs, params, full)
    serving = full.network.serving_site[flow.customer]
    np.testing.assert_array_equal(flow.site, inputs.site_id[serving])
    assert not flow.split.any()
    at_forward = np.isin(serving, forward)
    assert at_forward.any()
    np.testing.assert_array_equal(flow.forward_filled_units[at_forward],
                                  flow.forward_asked_units[at_forward])
    # the forward warehouses are the nearest open sites: their accounts get shorter transit
    today = _flow(inputs, params, _config(small, _scenario()))
    transit_now = (flow.delivered - flow.shipped)[at_forward].mean()
    transit_today = (today.delivered - today.shipped)[at_forward].mean()
    assert transit_now < transit_today


@pytest.mark.parametrize("policy", ["sQ", "RS"])
def test_stock_invariants_and_fill_rate_rising_with_its_target(small, policy: str) -> None:
    ds, params, inputs = small
    fills = []
    for target in (0.8, 0.99):
        scenario = _scenario(forward_warehouses=FORWARD, forward_fill_rate=target,
                             forward_policy=policy)
        flow = _flow(inputs, params, _config(small, scenario))
        asked, filled = flow.forward_asked_units, flow.forward_filled_units
        assert (filled >= 0).all() and (filled <= asked + 1e-9).all()
        # a split order got part of its lines from forward stock and the rest from a DC
        assert (filled[flow.split] > 0).all()
        central = np.isin(flow.site, inputs.site_id[inputs.site_central])
        assert (filled[central] == 0).all()
        assert (flow.delivered >= flow.shipped).all()
        fills.append(filled.sum() / asked.sum())
    assert fills[1] > fills[0]


def test_unknown_forward_sites_are_refused_when_the_plan_is_built(small) -> None:
    with pytest.raises(ScenarioError, match="NOPE_SITE"):
        _config(small, _scenario(forward_warehouses=["S29", "NOPE_SITE"]))


def test_every_account_is_served_by_an_open_site(small) -> None:
    for chosen in (FORWARD, ["S01"], "none"):
        network = _config(small, _scenario(forward_warehouses=chosen)).network
        assert network.open_sites[network.serving_site].all()
        assert small[2].site_central[network.central_site].all()


def test_assignment_overrides_the_nearest_site(small) -> None:
    ds, params, inputs = small
    scenario = _scenario(forward_warehouses=FORWARD)
    cust = ds["customers"]
    district = str(cust["adcode"].iloc[0])
    serving = _config(small, scenario, {district: "S37"}).network.serving_site
    moved = (cust["adcode"].astype(str) == district).to_numpy()
    s37 = list(inputs.site_id).index("S37")
    assert (serving[moved] == s37).all()
    open_mask = inputs.site_central | np.isin(inputs.site_id, FORWARD)
    nearest = inputs.nearest_sites(open_mask)
    np.testing.assert_array_equal(serving[~moved], nearest[~moved])


def test_replication_reports_forward_stock_per_site(small) -> None:
    ds, params, inputs = small
    scenario = _scenario(forward_warehouses=FORWARD)
    planned = _config(small, scenario)
    result = run_replication(inputs, params, planned, 0)
    by_site = result.by_site
    assert set(by_site["site_id"]) <= set(FORWARD) and len(by_site) > 0
    assert ((by_site["fill_rate"] >= 0) & (by_site["fill_rate"] <= 1)).all()
    assert 0 < result.kpis["forward_fill_rate"] <= 1
    assert result.kpis["split_delivery_rate"] == pytest.approx(
        by_site["split_deliveries"].sum() / _measured_orders(inputs, params, planned))
    assert run_replication(inputs, params, _config(small, _scenario()), 0).by_site.empty


def _measured_orders(inputs, params, scenario: SimulationConfig) -> int:
    flow = _flow(inputs, params, scenario)
    placed = inputs.epoch + pd.to_timedelta(flow.placed, unit="D")
    start = inputs.epoch + pd.Timedelta(days=scenario.warmup_days)
    end = inputs.epoch + pd.Timedelta(days=scenario.horizon_days)
    return int(((placed >= start) & (placed < end)).sum())


def test_optimize_runs_on_the_models_assignment_and_reports_stock(small_dir: Path,
                                                                   tmp_path: Path) -> None:
    from models.inventory.network_design import (
        assignment_frame,
        build_location_problem,
        solve_location,
    )
    from scenarios.loading import load_scenario
    from scenarios.run import prepare, simulate

    path = tmp_path / "optimize.toml"
    path.write_text(
        f'name = "optimize"\ndataset = "{small_dir.as_posix()}"\nhorizon_days = 120\n'
        'warmup_days = 30\nreplications = 2\n[logistics]\nforward_warehouses = "optimize"\n'
        'warehouse_service_days = 2.0\n', encoding="utf-8")
    loaded = load_scenario(path, allow_outside_data=True)
    prepared = prepare(loaded)
    fw = prepared.config.network.stock
    assert fw is not None and prepared.forward_warehouses
    # every account is served by the site the location model assigns its district to
    ds = prepared.dataset
    outcome = solve_location(build_location_problem(ds, prepared.params.transit, candidates="sites",
                                                    service_days=2.0), 60)
    pairs = assignment_frame(outcome).sort_values("share", kind="stable")
    model_site = dict(zip(pairs["customer_id"], pairs["site_id"], strict=True))
    served = pd.Series(prepared.inputs.site_id[prepared.config.network.serving_site],
                       index=ds["customers"]["adcode"].astype(str).to_numpy())
    known = served.index.isin(list(model_site))
    assert known.any()
    assert (served[known] == served.index[known].map(model_site)).all()
    run = simulate(loaded, prepared, replications=2, workers=1)
    stock = run.payload["forward_stock"]
    assert stock["policy"] == "sQ" and stock["stocked_products"] == len(fw.policies) > 0
    assert stock["holding_cost_cny_per_year"] == pytest.approx(
        float((fw.policies["expected_on_hand_units"]
               * fw.policies["holding_cost_cny_per_unit_year"]).sum()))
    assert set(stock["by_site"]) <= set(prepared.forward_warehouses)
    for site in stock["by_site"].values():
        assert 0 <= site["fill_rate"]["mean"] <= 1
    assert "forward_fill_rate" in run.payload["details"]
    assert set(run.tables["forward_policies"]["site_id"]) <= set(prepared.forward_warehouses)
