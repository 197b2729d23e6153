"""Forward-warehouse network design (models/inventory/network_design.py), the "optimize" lever
and ``pharmaops warehouses solve``.

Truth: the instance's own definitions (fixed central DCs, coverage pairs, demand), and a brute
force over every site subset with a transportation LP (scipy.optimize.linprog) per subset on a
tiny sub-instance carved out of the small profile.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from data.dataset import load_dataset
from models.inventory.facility_problem import FacilityProblem
from models.inventory.network_design import (
    LocationInstance,
    build_location_problem,
    solve_location,
)
from scenarios.cli import main
from simulation.calibrate import calibrate


@pytest.fixture(scope="module")
def small(small_dir: Path):
    ds = load_dataset(small_dir)
    return ds, calibrate(ds)


def _check_solution(inst: LocationInstance, outcome) -> np.ndarray:
    res = outcome.result
    assert res.status == "optimal", res.message
    x = res.assignment
    assert x.shape == (inst.problem.n_sites, inst.problem.n_customers)
    assert set(inst.problem.fixed_open) <= set(res.open_sites)
    assert inst.problem.fixed_open == tuple(np.flatnonzero(inst.central))
    np.testing.assert_allclose(x.sum(axis=0), 1.0, atol=1e-9)  # every customer served
    closed = np.setdiff1d(np.arange(inst.problem.n_sites), res.open_sites)
    assert np.all(x[closed] == 0)
    assert outcome.costs["total"] == pytest.approx(res.objective, rel=1e-9)
    assert res.lower_bound <= res.objective * (1 + 1e-9)
    if inst.problem.capacity is not None:
        assert np.all(x @ inst.demand <= inst.problem.capacity * (1 + 1e-7))
    return x


def test_instance_invariants_and_solution(small) -> None:
    ds, params = small
    inst = build_location_problem(ds, params.transit)
    sites = ds["sites"]
    assert inst.site_ids == tuple(sites["site_id"])
    central = tuple(np.flatnonzero((sites["kind"] == "central_dc").to_numpy()))
    assert inst.problem.fixed_open == central and central
    assert np.all(inst.demand > 0)
    assert len(set(inst.customer_ids)) == inst.problem.n_customers  # one row per district
    # demand = order-line quantity of the last 365 days
    orders = ds["orders"]
    recent = orders[orders["placed_at"] > ds.as_of - pd.Timedelta(days=365)]
    lines = ds["order_lines"]
    assert inst.demand.sum() == lines[lines["order_id"].isin(recent["order_id"])][
        "quantity"].sum()
    tp = params.transit
    assert np.all(inst.transit_days >= tp.base_days + tp.last_mile_days - 1e-12)
    outcome = solve_location(inst, 30)
    _check_solution(inst, outcome)
    assert sum(outcome.coverage.values()) > 0 and outcome.coverage[7] == pytest.approx(1.0)
    assert list(outcome.coverage.values()) == sorted(outcome.coverage.values())


def test_service_days_restricts_the_assignment(small) -> None:
    ds, params = small
    inst = build_location_problem(ds, params.transit, service_days=2.0)
    outcome = solve_location(inst, 30)
    x = _check_solution(inst, outcome)
    exempt = np.isin(np.asarray(inst.customer_names), inst.unreachable)
    assert np.all(x[:, ~exempt][inst.transit_days[:, ~exempt] > 2.0] == 0)
    reach = (inst.transit_days <= 2.0).any(axis=0)
    assert list(np.asarray(inst.customer_names)[~reach]) == list(inst.unreachable)
    assert outcome.within_service >= (inst.demand[~exempt].sum() / inst.demand.sum()) - 1e-9
    # opening forward warehouses is what makes 2 days possible: costlier than cost-only
    free = solve_location(build_location_problem(ds, params.transit), 30)
    assert outcome.result.objective >= free.result.objective - 1e-6
    assert outcome.forward_site_ids


def test_tiny_service_days_names_every_unreachable_district(small) -> None:
    ds, params = small
    inst = build_location_problem(ds, params.transit, service_days=0.1)
    assert len(inst.unreachable) == inst.problem.n_customers
    assert set(inst.unreachable) == set(inst.customer_names)
    assert all(isinstance(name, str) and name for name in inst.unreachable)


def test_share_and_max_sites_side_rows(small) -> None:
    ds, params = small
    inst = build_location_problem(ds, params.transit, service_days=2.0, service_share=0.9,
                                  max_sites=2)
    outcome = solve_location(inst, 30)
    _check_solution(inst, outcome)
    assert len(outcome.forward_site_ids) <= 2
    assert outcome.within_service >= 0.9 - 1e-6
    assert inst.unreachable == ()


def test_bad_options_are_refused(small) -> None:
    from data.problems import InputError

    ds, params = small
    with pytest.raises(InputError) as raised:
        build_location_problem(ds, params.transit, candidates="towns", service_share=0.5,
                               max_sites=-1)
    assert {p.source for p in raised.value.problems} == {"candidates", "service_share",
                                                         "max_sites"}


# ---------------------------------------------------------------- brute force
def _sub_instance(inst: LocationInstance, sites: list[int], customers: list[int],
                  capacity_share: float, **levers) -> LocationInstance:
    s, c = np.asarray(sites), np.asarray(customers)
    demand = inst.demand[c]
    central = inst.central[s]
    capacity = np.where(central, demand.sum(), capacity_share * demand.sum())
    days = inst.transit_days[np.ix_(s, c)]
    problem = FacilityProblem(
        fixed_cost=inst.fixed_cost[s], capacity=capacity, demand=demand,
        cost=inst.problem.cost[np.ix_(s, c)], fixed_open=tuple(np.flatnonzero(central)))
    allowed = np.ones_like(days, dtype=bool)
    return replace(
        inst, problem=problem, site_ids=tuple(np.asarray(inst.site_ids)[s]),
        site_names=tuple(np.asarray(inst.site_names)[s]),
        site_kind=tuple(np.asarray(inst.site_kind)[s]), site_lon=inst.site_lon[s],
        site_lat=inst.site_lat[s], customer_ids=tuple(np.asarray(inst.customer_ids)[c]),
        customer_names=tuple(np.asarray(inst.customer_names)[c]),
        customer_lon=inst.customer_lon[c], customer_lat=inst.customer_lat[c], demand=demand,
        road_km=inst.road_km[np.ix_(s, c)], transit_days=days, fixed_cost=inst.fixed_cost[s],
        handling_cny_per_unit=inst.handling_cny_per_unit[s], allowed=allowed,
        unreachable=(), **levers)


def _brute_force(inst: LocationInstance) -> float:
    """Cheapest feasible plan over every site subset (transportation LP per subset)."""
    p = inst.problem
    m, n = p.n_sites, p.n_customers
    optional = [i for i in range(m) if i not in p.fixed_open]
    best = np.inf
    for k in range(len(optional) + 1):
        if inst.max_sites is not None and k > inst.max_sites:
            break
        for extra in itertools.combinations(optional, k):
            opened = sorted(set(p.fixed_open) | set(extra))
            if inst.budget_cny is not None and p.fixed_cost[list(extra)].sum() > inst.budget_cny:
                continue
            mo = len(opened)
            cost = p.cost[opened].ravel()
            a_eq = np.kron(np.ones(mo), np.eye(n))  # each customer fully served
            a_ub = [np.kron(np.eye(mo)[r], p.demand) for r in range(mo)]
            b_ub = list(p.capacity[opened])
            if inst.service_share is not None:
                within = (inst.transit_days[opened] <= inst.service_days) * p.demand[None, :]
                a_ub.append(-within.ravel())
                b_ub.append(-inst.service_share * p.demand.sum())
            lp = linprog(cost, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(n),
                         bounds=(0, 1), method="highs")
            if lp.status == 0:
                best = min(best, p.fixed_cost[opened].sum() + lp.fun)
    return best


@pytest.mark.parametrize("levers", [
    {},
    {"max_sites": 1},
    {"service_days": 2.0, "service_share": 0.8},
    {"service_days": 2.0, "service_share": 0.8, "max_sites": 2, "budget_cny": 4.5e6},
])
def test_brute_force_on_a_tiny_instance(small, levers) -> None:
    ds, params = small
    full = build_location_problem(ds, params.transit)
    central = list(np.flatnonzero(full.central))
    candidates = [i for i in range(full.problem.n_sites) if i not in central]
    rng = np.random.default_rng(3)
    sites = sorted(central + list(rng.choice(candidates, 4, replace=False)))
    customers = sorted(rng.choice(full.problem.n_customers, 12, replace=False))
    # forward warehouses cheap enough to matter, capacities that bind
    inst = _sub_instance(full, sites, customers, capacity_share=0.3, **levers)
    inst = replace(inst, problem=replace(inst.problem, fixed_cost=inst.fixed_cost * 0.01),
                   fixed_cost=inst.fixed_cost * 0.01)
    outcome = solve_location(inst, 20)
    truth = _brute_force(inst)
    assert outcome.result.status == "optimal"
    assert outcome.result.objective == pytest.approx(truth, rel=1e-6)
    if "max_sites" in levers:
        assert len(outcome.forward_site_ids) <= levers["max_sites"]


# ---------------------------------------------------------------- CLI and scenario
def _scenario(folder: Path, dataset: Path, extra: str = "") -> Path:
    path = folder / "optimize.toml"
    path.write_text(
        f'name = "optimize"\ndataset = "{dataset.as_posix()}"\nhorizon_days = 45\n'
        f"warmup_days = 10\nreplications = 1\n[logistics]\nforward_warehouses = \"optimize\"\n"
        f"warehouse_service_days = 2.0\n{extra}", encoding="utf-8")
    return path


def test_cli_writes_json_csv_and_xlsx(small_dir: Path, tmp_path: Path, capsys) -> None:
    scen = _scenario(tmp_path, small_dir)
    out = tmp_path / "out"
    out.mkdir()
    rc = main(["warehouses", "solve", str(scen), "--allow-outside-data", "--time-limit", "30",
               "--json", str(out / "w.json"), "--csv", str(out / "w.csv"),
               "--xlsx", str(out / "w.xlsx")])
    assert rc == 0
    doc = json.loads((out / "w.json").read_text(encoding="utf-8"))
    for key in ("status", "objective", "lower_bound", "gap", "open_sites"):
        assert key in doc
    assert doc["status"] == "optimal" and doc["gap"] <= 1e-6
    assert {"S10", "S22"} <= set(doc["open_sites"])
    assert set(doc["coverage_by_days"]) == {str(k) for k in range(1, 8)}
    sites = pd.read_csv(out / "w.csv")
    assert set(sites.loc[sites["open"], "site_id"]) == set(doc["open_sites"])
    book = pd.read_excel(out / "w.xlsx", sheet_name=None)
    assert {"summary", "costs", "sites", "coverage", "assignment"} <= set(book)
    printed = capsys.readouterr().out
    assert "status optimal" in printed and "within k days" in printed


@pytest.mark.parametrize("args", [
    ["--time-limit", "0"],
    ["--candidates", "towns"],
    ["--xlsx", "/no/such/folder/w.xlsx"],
])
def test_cli_bad_input_exits_2_with_one_line(small_dir: Path, tmp_path: Path, capsys,
                                             args: list[str]) -> None:
    scen = _scenario(tmp_path, small_dir)
    rc = main(["warehouses", "solve", str(scen), "--allow-outside-data", *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: ") and err.count("\n") == 1


def test_optimize_scenario_runs_through_prepare_and_simulate(small_dir: Path,
                                                             tmp_path: Path) -> None:
    from scenarios.loading import load_scenario
    from scenarios.run import prepare, simulate

    loaded = load_scenario(_scenario(tmp_path, small_dir,
                                     "warehouse_service_share = 0.8\nwarehouse_max_sites = 3\n"),
                           allow_outside_data=True)
    prepared = prepare(loaded)
    assert prepared.forward_warehouses is not None
    assert 1 <= len(prepared.forward_warehouses) <= 3
    run = simulate(loaded, prepared, replications=1, workers=1)
    wh = run.payload["warehouses"]
    assert wh["mode"] == "optimize"
    for key in ("status", "objective", "lower_bound", "gap", "open_sites"):
        assert key in wh
    assert wh["forward_warehouses"] == list(prepared.forward_warehouses)
    assert set(wh["forward_warehouses"]) <= set(wh["open_sites"])
    assert run.payload["kpis"]


# ---------------------------------------------------------------- share rule (share_rule.py)
def _share_problem(seed: int) -> tuple[FacilityProblem, np.ndarray, float]:
    """Uncapacitated 6-9 sites (1-2 fixed open, cheap handling) × 8-14 customers, w by distance."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(6, 10)), int(rng.integers(8, 15))
    sites, customers = rng.uniform(0, 100, (m, 2)), rng.uniform(0, 100, (n, 2))
    demand = rng.integers(5, 60, n).astype(float)
    dist = np.linalg.norm(sites[:, None, :] - customers[None, :, :], axis=2)
    handling = rng.uniform(0.8, 1.5, m)
    n_fixed = int(rng.integers(1, 3))
    handling[:n_fixed] = 0.5  # central DCs: cheap handling, so service needs forward sites
    problem = FacilityProblem(
        fixed_cost=rng.uniform(20, 300, m), capacity=None, demand=demand,
        cost=(handling[:, None] + 0.02 * dist) * demand[None, :],
        fixed_open=tuple(range(n_fixed)), name=f"share{seed}")
    within = dist <= rng.uniform(25, 45)
    reach = demand[within.any(axis=0)].sum() / demand.sum()
    return problem, within, float(rng.uniform(0.5, 1.0) * reach)


def _share_brute_force(problem: FacilityProblem, within: np.ndarray, share: float,
                       rows: list | None = None) -> float:
    """Cheapest plan over every site subset: LP (scipy) of x per subset with the share row."""
    m, n = problem.n_sites, problem.n_customers
    optional = [i for i in range(m) if i not in problem.fixed_open]
    best = np.inf
    for k in range(len(optional) + 1):
        for extra in itertools.combinations(optional, k):
            opened = sorted(set(problem.fixed_open) | set(extra))
            mask = np.isin(np.arange(m), opened)
            if any(r.coef[mask].sum() > r.upper for r in rows or []):
                continue
            mo = len(opened)
            a_eq = np.kron(np.ones(mo), np.eye(n))
            a_ub = -(within[opened] * problem.demand[None, :]).ravel()[None, :]
            lp = linprog(problem.cost[opened].ravel(), A_ub=a_ub,
                         b_ub=[-share * problem.demand.sum()], A_eq=a_eq, b_eq=np.ones(n),
                         bounds=(0, 1), method="highs")
            if lp.status == 0:
                best = min(best, problem.fixed_cost[opened].sum() + lp.fun)
    return best


def _check_share_result(problem, within, share, res, truth) -> None:
    assert res.status == "optimal", res.message
    assert res.objective == pytest.approx(truth, rel=1e-6)
    assert res.lower_bound <= truth * (1 + 1e-9)
    x = res.assignment
    np.testing.assert_allclose(x.sum(axis=0), 1.0, atol=1e-9)
    closed = np.setdiff1d(np.arange(problem.n_sites), res.open_sites)
    assert np.all(x[closed] == 0)
    assert set(problem.fixed_open) <= set(res.open_sites)
    assert (x * within * problem.demand).sum() >= share * problem.demand.sum() * (1 - 1e-7)


@pytest.mark.parametrize("seed", range(16))
def test_share_rule_against_brute_force(seed: int) -> None:
    from models.inventory.share_rule import solve_share_rule

    problem, within, share = _share_problem(seed)
    res = solve_share_rule(problem, within, share, 30)
    _check_share_result(problem, within, share, res, _share_brute_force(problem, within, share))


@pytest.mark.parametrize("seed", range(8))
def test_share_rule_reduced_milp_against_brute_force(seed: int, monkeypatch) -> None:
    """One UFL solve only, so the reduction and the MILP must do the proof."""
    from models.inventory import share_rule

    monkeypatch.setattr(share_rule, "MAX_UFL_SOLVES", 1)
    problem, within, share = _share_problem(100 + seed)
    forward = np.ones(problem.n_sites)
    forward[list(problem.fixed_open)] = 0.0
    rows = [share_rule.SideRow("max_sites", forward, 2.0)]
    res = share_rule.solve_share_rule(problem, within, share, 30, rows)
    truth = _share_brute_force(problem, within, share, rows)
    _check_share_result(problem, within, share, res, truth)
    assert np.sum(forward[list(res.open_sites)]) <= 2


@pytest.mark.parametrize("seed", range(6))
def test_share_cost_is_the_lp_optimum_of_an_open_set(seed: int) -> None:
    from models.inventory.share_rule import share_cost

    problem, within, share = _share_problem(200 + seed)
    rng = np.random.default_rng(seed)
    mask = rng.random(problem.n_sites) < 0.5
    mask[list(problem.fixed_open)] = True
    value, x = share_cost(problem, within, share, mask)
    opened = np.flatnonzero(mask)
    n = problem.n_customers
    lp = linprog(problem.cost[opened].ravel(),
                 A_ub=-(within[opened] * problem.demand[None, :]).ravel()[None, :],
                 b_ub=[-share * problem.demand.sum()], A_eq=np.kron(np.ones(opened.size),
                                                                    np.eye(n)),
                 b_eq=np.ones(n), bounds=(0, 1), method="highs")
    if lp.status != 0:
        assert value == np.inf
        return
    assert value == pytest.approx(problem.fixed_cost[opened].sum() + lp.fun, rel=1e-7)
    assert (x * within * problem.demand).sum() >= share * problem.demand.sum() * (1 - 1e-7)


def test_share_rule_unreachable_share_is_infeasible() -> None:
    from models.inventory.share_rule import solve_share_rule

    problem, within, _ = _share_problem(3)
    within = np.zeros_like(within)
    within[:, 0] = True
    res = solve_share_rule(problem, within, 0.99, 10)
    assert res.status == "infeasible" and "service_share" in res.message


def test_share_rule_through_solve_location_matches_plain_highs(small) -> None:
    """Prefecture candidates (uncapacitated): share_rule.py vs the strong MILP + side row."""
    from models.inventory.network_design import _solve_with_rows

    ds, params = small
    inst = build_location_problem(ds, params.transit, candidates="prefectures", service_days=1.5,
                                  service_share=0.8)
    outcome = solve_location(inst, 60)
    assert outcome.result.method.startswith("share-lagrangian")
    _check_solution(inst, outcome)
    assert outcome.within_service >= 0.8 - 1e-6
    plain = _solve_with_rows(inst, 120)
    assert plain.status == "optimal"
    assert outcome.result.objective == pytest.approx(plain.objective, rel=1e-6)


def _capacitated_share_brute_force(problem: FacilityProblem, within: np.ndarray,
                                   share: float) -> float:
    """Cheapest plan over every site subset: LP with capacities and the share row per subset."""
    m, n = problem.n_sites, problem.n_customers
    optional = [i for i in range(m) if i not in problem.fixed_open]
    best = np.inf
    for k in range(len(optional) + 1):
        for extra in itertools.combinations(optional, k):
            opened = sorted(set(problem.fixed_open) | set(extra))
            mo = len(opened)
            a_ub = [np.kron(np.eye(mo)[r], problem.demand) for r in range(mo)]
            a_ub.append(-(within[opened] * problem.demand[None, :]).ravel())
            b_ub = [*problem.capacity[opened], -share * problem.demand.sum()]
            lp = linprog(problem.cost[opened].ravel(), A_ub=np.array(a_ub), b_ub=b_ub,
                         A_eq=np.kron(np.ones(mo), np.eye(n)), b_eq=np.ones(n),
                         bounds=(0, 1), method="highs")
            if lp.status == 0:
                best = min(best, problem.fixed_cost[opened].sum() + lp.fun)
    return best


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("central_share", [1.0, 0.45])
def test_share_rule_capacitated_against_brute_force(seed: int, central_share: float) -> None:
    """Forward capacities 0.15-0.4 of demand; fixed-open capacity ample (1.0: the relaxation
    is exact) or binding (0.45 each: the relaxed plan may overload, then the full MILP)."""
    from models.inventory.share_rule import solve_share_rule

    problem, within, share = _share_problem(300 + seed)
    rng = np.random.default_rng(seed)
    total = problem.demand.sum()
    capacity = rng.uniform(0.15, 0.4, problem.n_sites) * total
    capacity[list(problem.fixed_open)] = central_share * total
    problem = replace(problem, capacity=capacity)
    truth = _capacitated_share_brute_force(problem, within, share)
    res = solve_share_rule(problem, within, share, 30)
    if not np.isfinite(truth):
        assert res.status == "infeasible"
        return
    _check_share_result(problem, within, share, res, truth)
    assert np.all(res.assignment @ problem.demand <= capacity * (1 + 1e-7))


@pytest.mark.parametrize("seed", range(4))
def test_share_rule_time_limit_keeps_the_bound_honest(seed: int) -> None:
    from models.inventory.share_rule import solve_share_rule

    problem, within, share = _share_problem(400 + seed)
    truth = _share_brute_force(problem, within, share)
    res = solve_share_rule(problem, within, share, 0.01)
    assert res.status in {"optimal", "feasible", "time_limit"}
    if res.lower_bound is not None:
        assert res.lower_bound <= truth * (1 + 1e-9)
    if res.objective is not None:
        assert res.objective >= truth * (1 - 1e-9)
    if res.objective is not None and res.lower_bound is not None:
        assert res.gap == pytest.approx((res.objective - res.lower_bound) / res.objective)
    if res.status == "optimal":
        assert res.gap <= 1e-6
