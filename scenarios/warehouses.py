"""Forward-warehouse location for people: the levers, the solve, the outcome's site, cost and
coverage tables, the cost / service trade-off curve and the maximal-covering curve. The CLI
(``pharmaops warehouses solve``), the scenario runner (``forward_warehouses = "optimize"``)
and the supply-chain page all call these, so the three show the same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from data.dataset import Dataset
from models.inventory import network_design as nd
from models.inventory.covering import maximal_covering_location
from scenarios.forward_network import simulate_network
from scenarios.location import LocationLevers, solve_warehouses
from scenarios.network_plan import district_assignment
from simulation.inputs import SimulationInputs
from simulation.params import ProcessParams

#: the trade-off curve's service measure: share of demand within this many transit days
TRADEOFF_DAYS = 2
#: the simulated check of each trade-off point (seed, window), as the page's simulation
SIM_SEED = 20260101
SIM_HORIZON_DAYS, SIM_WARMUP_DAYS = 365, 90


def site_table(outcome: nd.LocationOutcome) -> pd.DataFrame:
    """Every candidate in the instance's order: kind, city, coordinates, open or not, its
    fixed and handling costs, the demand it serves and what serving it costs."""
    inst, res = outcome.instance, outcome.result
    assign = nd.assignment_frame(outcome)
    load = assign.groupby("site_id")["units_per_year"].sum() if len(assign) else pd.Series()
    opened = set(res.open_sites)
    sites = pd.DataFrame({
        "site_id": list(inst.site_ids), "name": list(inst.site_names),
        "kind": list(inst.site_kind), "open": [i in opened for i in range(len(inst.site_ids))],
        "lon": inst.site_lon, "lat": inst.site_lat,
        "annual_fixed_cost_cny": inst.fixed_cost,
        "handling_cny_per_unit": inst.handling_cny_per_unit,
    })
    sites["units_per_year"] = sites["site_id"].map(load).fillna(0.0).astype(float)
    if len(assign):
        transport = (assign["units_per_year"] * assign["road_km"]).groupby(assign["site_id"]).sum()
        sites["transport_cny"] = (sites["site_id"].map(transport).fillna(0.0)
                                  * inst.tariff_cny_per_unit_km)
    else:
        sites["transport_cny"] = 0.0
    sites["handling_cny"] = sites["units_per_year"] * sites["handling_cny_per_unit"]
    return sites


def cost_table(outcome: nd.LocationOutcome) -> pd.DataFrame:
    """Cost components, CNY/year, with their share of the total."""
    total = outcome.costs.get("total", 0.0)
    return pd.DataFrame([
        {"component": k, "cny_per_year": v, "share": v / total if total else float("nan")}
        for k, v in outcome.costs.items()], columns=["component", "cny_per_year", "share"])


def coverage_table(outcome: nd.LocationOutcome) -> pd.DataFrame:
    """Share of demand delivered within k days (transit times, no noise)."""
    return pd.DataFrame({"within_days": list(outcome.coverage),
                         "share_of_demand": list(outcome.coverage.values())})


def outcome_tables(outcome: nd.LocationOutcome) -> dict[str, pd.DataFrame]:
    """The sites, coverage and assignment tables of an outcome (the exports' sheets)."""
    return {"sites": site_table(outcome), "coverage": coverage_table(outcome),
            "assignment": nd.assignment_frame(outcome)}


def tradeoff_curve(dataset: Dataset, params: ProcessParams, levers: LocationLevers, n: int,
                   limit_s: float, *, simulate_replications: int = 0,
                   inputs: SimulationInputs | None = None,
                   progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per p = 0..n: the location model with at most p forward sites (status, sites,
    total cost, share of demand within TRADEOFF_DAYS by transit time) and, with
    ``simulate_replications``, the simulated on-time rate (mean, 95% CI) of that network."""
    rows, today = [], None
    for p in range(n + 1):
        out = solve_warehouses(dataset, params, replace(levers, max_sites=p), limit_s)
        row = {"max_sites": p, "forward_sites": len(out.forward_site_ids),
               "status": out.result.status,
               "total_cost_cny": out.costs.get("total", float("nan")),
               f"within_{TRADEOFF_DAYS}_days": out.coverage.get(TRADEOFF_DAYS, float("nan"))}
        if simulate_replications and out.result.assignment is not None:
            check = simulate_network(
                dataset, params, list(out.forward_site_ids),
                district_assignment(nd.assignment_frame(out)),
                replications=simulate_replications, seed=SIM_SEED,
                horizon_days=SIM_HORIZON_DAYS, warmup_days=SIM_WARMUP_DAYS, workers=None,
                inputs=inputs, today=today)
            today = check.today
            on_time = check.summary["on_time_rate"]
            row.update(on_time_simulated=on_time.mean, on_time_ci_low=on_time.ci_low,
                       on_time_ci_high=on_time.ci_high)
        rows.append(row)
        if progress is not None:
            progress(p + 1, n + 1)
    return pd.DataFrame(rows)


def covering_curve(outcome: nd.LocationOutcome, days: float, n: int,
                   limit_s: float) -> pd.DataFrame:
    """Maximal covering on the solved instance's candidates: for p = 0..n forward sites, the
    most demand within ``days`` of transit (status, share, gap, chosen sites)."""
    inst = outcome.instance
    rows = []
    for p in range(n + 1):
        r = maximal_covering_location(inst, days, max_sites=p, time_limit_s=limit_s)
        rows.append({"max_sites": p, "status": r.status, "covered_share": r.covered_share,
                     "gap": r.gap, "forward_sites": ", ".join(
                         inst.site_ids[i] for i in r.open_sites if not inst.central[i])})
    return pd.DataFrame(rows)
