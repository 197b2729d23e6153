"""Forward-warehouse network design: a data set → a location instance → chosen sites.

``build_location_problem`` turns a data set and today's calibrated process into a
:class:`LocationInstance` (a :class:`FacilityProblem` plus what a person needs to read it:
site and customer ids, names, coordinates, distances, transit days, cost components);
``solve_location`` solves it and reports chosen sites, cost components and coverage by
delivery days. Conventions (all per year, CNY, units = order-line quantities):

* **Customers** are districts (adcode; demand of all their accounts summed) or accounts, with
  demand = order-line quantity of orders placed in the last 365 days before ``as_of``; only
  customers with demand take part.
* **Candidates** are the data set's ``sites`` table (central DCs are ``fixed_open``; costs and
  capacities from the table) or every prefecture-level city of ``data/geo`` (see
  :func:`prefecture_candidates` for the cost rule; uncapacitated).
* **Cost** of serving all of customer j from site i: ``d_j × (handling_i + tariff × road_km_ij)``
  with road km = great-circle km × the calibrated detour factor and ``tariff`` =
  :data:`TRANSPORT_CNY_PER_UNIT_KM` (an assumption, a parameter).
* **Transit days** = ``base_days + road_km / km_per_day + last mile`` (remote last mile for
  remote customers) from the calibrated :class:`TransitParams` (no noise, no incidents).
* **Service.** ``service_days`` D alone: every customer may only be assigned to sites within D
  days (coverage restriction; the pairs beyond D are left out of the model). Customers that no
  candidate reaches within D are named in :attr:`LocationInstance.unreachable` and are exempt
  (served by any site) so that a plan still exists. ``service_days`` with ``service_share`` s:
  at least s of total demand must be served within D days (a side row), no per-customer rule;
  it is solved by :func:`models.inventory.share_rule.solve_share_rule`.
* **At most ``max_sites``** forward warehouses (central DCs not counted) and **fixed-cost
  budget** ``budget_cny`` (sum of the forward warehouses' annual fixed cost) are side rows.

``FacilityProblem`` knows only "exactly p", so side rows are added to the model that
:func:`models.inventory.facility_location.build_facility_model` builds and HiGHS is run here;
without side rows :func:`solve_facility_location` is used unchanged. See docs/location.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.geography import great_circle_km, load_districts
from data.problems import N_, InputError, Problem
from models.inventory.facility_location import (
    build_facility_model,
    plan_from_columns,
    solve_facility_location,
)
from models.inventory.facility_problem import (
    OPTIMALITY_GAP,
    FacilityProblem,
    FacilityResult,
    relative_gap,
)
from models.inventory.highs import new_mip_highs
from models.inventory.share_rule import SideRow, solve_share_rule
from models.transit import TransitParams, mean_transit_days, road_km

#: transport tariff, CNY per unit per road km (assumption: ≈ 0.5 CNY to move one pack 1,000 km
#: by third-party LTL/parcel trunk haulage; change it with ``tariff_cny_per_unit_km``)
TRANSPORT_CNY_PER_UNIT_KM = 0.0005
#: demand window before ``as_of``, days
DEMAND_WINDOW_DAYS = 365
#: fixed cost of a prefecture that is not in the sites table, as a share of the median fixed
#: cost of the sites table's candidates in the same region (rule of thumb: rents and wages of a
#: non-capital city are lower than those of the regional centre)
PREFECTURE_FIXED_SHARE = 0.6
#: a sites-table row and a prefecture closer than this are the same city, km
SAME_CITY_KM = 5.0
#: coverage is reported for deliveries within 1..COVERAGE_DAYS days
COVERAGE_DAYS = 7


@dataclass(frozen=True)
class LocationInstance:
    """A built location problem with its labels; arrays are sites × customers."""

    problem: FacilityProblem
    candidates: str
    site_ids: tuple[str, ...]
    site_names: tuple[str, ...]
    site_kind: tuple[str, ...]  # central_dc / candidate / prefecture
    site_lon: np.ndarray
    site_lat: np.ndarray
    customer_ids: tuple[str, ...]
    customer_names: tuple[str, ...]
    customer_lon: np.ndarray
    customer_lat: np.ndarray
    demand: np.ndarray  # units / year
    road_km: np.ndarray
    transit_days: np.ndarray
    fixed_cost: np.ndarray  # CNY / year
    handling_cny_per_unit: np.ndarray
    tariff_cny_per_unit_km: float
    service_days: float | None = None
    service_share: float | None = None
    max_sites: int | None = None
    budget_cny: float | None = None
    #: customers no candidate reaches within service_days (names); exempt from the restriction
    unreachable: tuple[str, ...] = ()
    #: (m, n) pairs allowed by the coverage restriction (all True without one)
    allowed: np.ndarray = field(default=None)  # type: ignore[assignment]

    @property
    def central(self) -> np.ndarray:
        return np.array([k == "central_dc" for k in self.site_kind])


@dataclass(frozen=True)
class LocationOutcome:
    """A solved instance: the solver result plus what it means."""

    instance: LocationInstance
    result: FacilityResult
    open_site_ids: tuple[str, ...]
    forward_site_ids: tuple[str, ...]  # open sites that are not central DCs
    costs: dict[str, float]  # fixed, handling, transport, total (CNY/year)
    coverage: dict[int, float]  # share of demand delivered within k days, k = 1..7
    within_service: float | None  # share of demand within service_days (None without one)

    def summary(self) -> dict:
        """JSON-ready summary (status, objective, bound, gap, sites, costs, coverage)."""
        r, inst = self.result, self.instance
        return {
            "status": r.status,
            "objective": r.objective,
            "lower_bound": r.lower_bound,
            "gap": r.gap,
            "seconds": r.seconds,
            "method": r.method,
            "message": r.message,
            "candidates": inst.candidates,
            "n_candidates": inst.problem.n_sites,
            "n_customers": inst.problem.n_customers,
            "open_sites": list(self.open_site_ids),
            "forward_warehouses": list(self.forward_site_ids),
            "open_site_names": [inst.site_names[inst.site_ids.index(s)]
                                for s in self.open_site_ids],
            "costs_cny_per_year": self.costs,
            "coverage_by_days": {str(k): v for k, v in self.coverage.items()},
            "service_days": inst.service_days,
            "service_share": inst.service_share,
            "within_service_share": self.within_service,
            "max_sites": inst.max_sites,
            "budget_cny": inst.budget_cny,
            "unreachable": list(inst.unreachable),
            "tariff_cny_per_unit_km": inst.tariff_cny_per_unit_km,
        }


# --------------------------------------------------------------------------- build
def _demand(dataset: Dataset, customers: str) -> pd.DataFrame:
    """Customers with demand: id, name, lon, lat, remote, demand (units/year)."""
    orders = dataset["orders"]
    recent = orders[orders["placed_at"] > dataset.as_of - pd.Timedelta(days=DEMAND_WINDOW_DAYS)]
    lines = dataset["order_lines"]
    qty = lines[lines["order_id"].isin(recent["order_id"])]
    per_order = qty.groupby("order_id")["quantity"].sum()
    per_account = recent.assign(q=recent["order_id"].map(per_order).fillna(0.0)).groupby(
        "customer_id")["q"].sum()
    cust = dataset["customers"].set_index("customer_id")
    cust = cust.assign(demand=per_account.reindex(cust.index).fillna(0.0))
    cust = cust[cust["demand"] > 0]
    if cust.empty:
        raise InputError(Problem("order_lines", "", "orders in the last 365 days", "none"))
    if customers == "accounts":
        return pd.DataFrame({
            "id": cust.index.astype(str), "name": cust["name"].astype(str),
            "lon": cust["longitude"], "lat": cust["latitude"], "remote": cust["remote"],
            "demand": cust["demand"]}).reset_index(drop=True)
    districts = load_districts().set_index("adcode")
    grouped = cust.groupby("adcode").agg(demand=("demand", "sum"), remote=("remote", "max"),
                                        province=("province", "first"), city=("city", "first"),
                                        district=("district", "first"),
                                        lon=("longitude", "mean"), lat=("latitude", "mean"))
    known = grouped.index.intersection(districts.index)
    grouped.loc[known, "lon"] = districts.loc[known, "longitude"]
    grouped.loc[known, "lat"] = districts.loc[known, "latitude"]
    names = grouped["province"] + grouped["city"] + grouped["district"]
    return pd.DataFrame({"id": grouped.index.astype(str), "name": names.to_numpy(),
                         "lon": grouped["lon"].to_numpy(), "lat": grouped["lat"].to_numpy(),
                         "remote": grouped["remote"].to_numpy(dtype=bool),
                         "demand": grouped["demand"].to_numpy(dtype=float)})


def _site_frame(sites: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "id": sites["site_id"].astype(str).to_numpy(), "name": sites["name"].astype(str),
        "kind": sites["kind"].astype(str).to_numpy(),
        "lon": sites["longitude"].to_numpy(float), "lat": sites["latitude"].to_numpy(float),
        "region": sites["region"].astype(str).to_numpy(),
        "fixed": sites["annual_fixed_cost_cny"].to_numpy(float),
        "capacity": sites["capacity_units_per_year"].to_numpy(float),
        "handling": sites["handling_cost_cny_per_unit"].to_numpy(float)})


def prefecture_candidates(sites: pd.DataFrame) -> pd.DataFrame:
    """Every prefecture-level city of ``data/geo`` as a candidate, plus the central DCs.

    Cost rule: a prefecture within :data:`SAME_CITY_KM` of a sites-table row takes that row's
    fixed and handling cost (a central DC stays itself, ``fixed_open``); any other prefecture
    costs :data:`PREFECTURE_FIXED_SHARE` × the median fixed cost and the median handling cost
    of the sites table's candidates in its region (all candidates if the region has none).
    Capacity is not limited (a warehouse is built to the size it serves); id = ``P`` + adcode.
    """
    table = _site_frame(sites.reset_index(drop=True))
    pref = load_districts()
    pref = pref[pref["level"] == "prefecture"].reset_index(drop=True)
    cand = table[table["kind"] == "candidate"]
    med_fixed = cand.groupby("region")["fixed"].median()
    med_handling = cand.groupby("region")["handling"].median()
    all_fixed = float(cand["fixed"].median()) if len(cand) else float(table["fixed"].median())
    all_handling = (float(cand["handling"].median()) if len(cand)
                    else float(table["handling"].median()))
    km = great_circle_km(pref["longitude"].to_numpy()[:, None],
                         pref["latitude"].to_numpy()[:, None],
                         table["lon"].to_numpy()[None, :], table["lat"].to_numpy()[None, :])
    rows = [table[table["kind"] == "central_dc"].assign(kind="central_dc")]
    central_pos = set(np.flatnonzero(table["kind"].to_numpy() == "central_dc"))
    out = []
    for k, p in pref.iterrows():
        near = int(np.argmin(km[k])) if km.shape[1] else -1
        same = near >= 0 and km[k, near] <= SAME_CITY_KM
        if same and near in central_pos:
            continue  # the central DC itself is a candidate
        city = p["city"] if p["city"] not in ("", "市辖区", "县") else p["province"]
        name = p["province"] + (city if city != p["province"] else "")
        if same:
            fixed, handling = table.loc[near, "fixed"], table.loc[near, "handling"]
        else:
            fixed = PREFECTURE_FIXED_SHARE * float(med_fixed.get(p["region"], all_fixed))
            handling = float(med_handling.get(p["region"], all_handling))
        out.append({"id": f"P{p['adcode']}", "name": name, "kind": "prefecture",
                    "lon": p["longitude"], "lat": p["latitude"], "region": p["region"],
                    "fixed": fixed, "capacity": np.nan, "handling": handling})
    rows.append(pd.DataFrame(out))
    return pd.concat(rows, ignore_index=True)


def build_location_problem(
    dataset: Dataset,
    transit: TransitParams,
    *,
    candidates: str = "sites",
    customers: str = "districts",
    max_sites: int | None = None,
    budget_cny: float | None = None,
    service_days: float | None = None,
    service_share: float | None = None,
    carrier_km_per_day: float | None = None,
    tariff_cny_per_unit_km: float = TRANSPORT_CNY_PER_UNIT_KM,
) -> LocationInstance:
    """The location instance of ``dataset`` (see the module docstring for every rule).

    Raises :class:`InputError` for a bad option (one problem per bad argument).
    """
    problems = []
    if candidates not in ("sites", "prefectures"):
        problems.append(Problem("candidates", "", "'sites' or 'prefectures'", repr(candidates)))
    if customers not in ("districts", "accounts"):
        problems.append(Problem("customers", "", "'districts' or 'accounts'", repr(customers)))
    if max_sites is not None and (not isinstance(max_sites, int) or max_sites < 0):
        problems.append(Problem("max_sites", "", "an integer >= 0", repr(max_sites)))
    if budget_cny is not None and not (np.isfinite(budget_cny) and budget_cny >= 0):
        problems.append(Problem("budget_cny", "", "a number >= 0", repr(budget_cny)))
    if service_days is not None and not (np.isfinite(service_days) and service_days > 0):
        problems.append(Problem("service_days", "", "a number > 0", repr(service_days)))
    if service_share is not None and not (0 < service_share <= 1):
        problems.append(Problem("service_share", "", "a share in (0, 1]", repr(service_share)))
    if service_share is not None and service_days is None:
        problems.append(Problem("service_share", "", "service_days as well", "no service_days"))
    if carrier_km_per_day is not None and not carrier_km_per_day > 0:
        problems.append(Problem("carrier_km_per_day", "", "a number > 0",
                                repr(carrier_km_per_day)))
    if not (np.isfinite(tariff_cny_per_unit_km) and tariff_cny_per_unit_km >= 0):
        problems.append(Problem("tariff_cny_per_unit_km", "", "a number >= 0",
                                repr(tariff_cny_per_unit_km)))
    if problems:
        raise InputError(problems, "location problem refused")
    cust = _demand(dataset, customers)
    sites = dataset["sites"].reset_index(drop=True)
    site = (_site_frame(sites) if candidates == "sites" else prefecture_candidates(sites))
    km = great_circle_km(site["lon"].to_numpy()[:, None], site["lat"].to_numpy()[:, None],
                         cust["lon"].to_numpy()[None, :], cust["lat"].to_numpy()[None, :])
    road = road_km(km, transit)
    days = mean_transit_days(road, transit, remote=cust["remote"].to_numpy(dtype=bool)[None, :],
                             km_per_day=carrier_km_per_day)
    demand = cust["demand"].to_numpy(dtype=float)
    handling = site["handling"].to_numpy(dtype=float)
    unit_cost = handling[:, None] + tariff_cny_per_unit_km * road
    cost = unit_cost * demand[None, :]
    allowed = np.ones_like(cost, dtype=bool)
    unreachable: tuple[str, ...] = ()
    if service_days is not None and service_share is None:
        allowed = days <= service_days
        none = ~allowed.any(axis=0)
        allowed[:, none] = True
        unreachable = tuple(cust["name"].to_numpy()[none])
    capacity = site["capacity"].to_numpy(dtype=float)
    fixed_open = tuple(int(i) for i in np.flatnonzero(site["kind"].to_numpy() == "central_dc"))
    problem = FacilityProblem(
        fixed_cost=site["fixed"].to_numpy(dtype=float),
        capacity=None if np.isnan(capacity).any() else capacity,
        demand=demand, cost=cost, fixed_open=fixed_open,
        name=f"forward warehouses ({candidates} × {customers})")
    for arr in (km, road, days, allowed):
        arr.setflags(write=False)
    return LocationInstance(
        problem=problem, candidates=candidates,
        site_ids=tuple(site["id"].astype(str)), site_names=tuple(site["name"].astype(str)),
        site_kind=tuple(site["kind"].astype(str)),
        site_lon=site["lon"].to_numpy(float), site_lat=site["lat"].to_numpy(float),
        customer_ids=tuple(cust["id"].astype(str)), customer_names=tuple(cust["name"].astype(str)),
        customer_lon=cust["lon"].to_numpy(float), customer_lat=cust["lat"].to_numpy(float),
        demand=demand, road_km=road, transit_days=days,
        fixed_cost=site["fixed"].to_numpy(float), handling_cny_per_unit=handling,
        tariff_cny_per_unit_km=float(tariff_cny_per_unit_km), service_days=service_days,
        service_share=service_share, max_sites=max_sites, budget_cny=budget_cny,
        unreachable=unreachable, allowed=allowed)


# --------------------------------------------------------------------------- solve
def _side_rows(inst: LocationInstance, model) -> list[tuple[str, float, float, np.ndarray,
                                                            np.ndarray]]:
    """Rows (name, lower, upper, column indices, values) beyond the FacilityProblem's."""
    m, n = inst.problem.n_sites, inst.problem.n_customers
    forward = np.flatnonzero(~inst.central)
    rows = []
    if inst.max_sites is not None:
        rows.append(("max_sites", -highspy.kHighsInf, float(inst.max_sites), forward,
                     np.ones(forward.size)))
    if inst.budget_cny is not None:
        rows.append(("budget", -highspy.kHighsInf, float(inst.budget_cny), forward,
                     inst.fixed_cost[forward]))
    if inst.service_share is not None:
        within = np.ravel(inst.transit_days <= inst.service_days)[model.pairs]
        cols = m + np.flatnonzero(within)
        d = inst.demand[model.pairs[within] % n]
        rows.append(("service_share", inst.service_share * float(inst.demand.sum()) * (1 - 1e-9),
                     highspy.kHighsInf, cols, d))
    return rows


def _uses_share_rule(inst: LocationInstance) -> bool:
    """True when the share rule goes to share_rule.py (always, unless pairs are restricted)."""
    return inst.service_share is not None and bool(np.all(inst.allowed))


def _site_rows(inst: LocationInstance) -> list[SideRow]:
    """max_sites and budget as rows on the site variables (central DCs not counted)."""
    forward = (~inst.central).astype(float)
    rows = []
    if inst.max_sites is not None:
        rows.append(SideRow("max_sites", forward, float(inst.max_sites)))
    if inst.budget_cny is not None:
        rows.append(SideRow("budget", forward * inst.fixed_cost, float(inst.budget_cny)))
    return rows


def _solve_with_rows(inst: LocationInstance, time_limit_s: float) -> FacilityResult:
    """Strong MILP of the instance plus side rows, solved by HiGHS; result read back here."""
    start = time.perf_counter()
    problem = inst.problem
    m, n = problem.n_sites, problem.n_customers
    model = build_facility_model(problem, inst.allowed)
    rows = _side_rows(inst, model)
    h = new_mip_highs(time_limit_s)
    h.passModel(model.lp)
    for _, lo, up, cols, vals in rows:
        h.addRow(lo, up, len(cols), np.asarray(cols, dtype=np.int32), np.asarray(vals, float))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    seconds = time.perf_counter() - start
    names = ", ".join(r[0] for r in rows)
    has = int(info.primal_solution_status) == int(highspy.kSolutionStatusFeasible)
    if status == "Infeasible" or not has:
        bound = float(info.mip_dual_bound)
        return FacilityResult.without_solution(
            "infeasible" if status == "Infeasible" else (
                "time_limit" if status == "Time limit reached" else "error"),
            lower_bound=bound if np.isfinite(bound) else None, seconds=seconds,
            nodes=max(int(info.mip_node_count), 0),
            message=(N_("HiGHS proved that no choice of sites satisfies demand, capacity, "
                        "fixed_open and the side rows ({names})", names=names)
                     if status == "Infeasible"
                     else N_("no solution found ({status}, limit {limit_s} s)",
                             status=status, limit_s=f"{time_limit_s:g}")),
            method="highs-milp + side rows")
    y, x = plan_from_columns(h.getSolution().col_value, model.pairs, m, n)
    objective = float(problem.fixed_cost[y].sum() + (problem.cost * x).sum())
    bound = float(info.mip_dual_bound)
    lower = min(bound, objective) if np.isfinite(bound) else None
    gap = relative_gap(objective, lower)
    proven = gap is not None and gap <= OPTIMALITY_GAP
    return FacilityResult(
        status="optimal" if proven else "feasible", objective=objective, lower_bound=lower,
        gap=gap, open_sites=tuple(int(i) for i in np.flatnonzero(y)), assignment=x,
        seconds=seconds, nodes=max(int(info.mip_node_count), 0),
        message=N_("optimality proven") if proven
        else N_("stopped by {status}; gap {gap}", status=status, gap=gap),
        method=f"highs-milp + side rows ({names})" if rows else "highs-milp (coverage)")


def _uncapacitated_first(inst: LocationInstance, time_limit_s: float) -> FacilityResult | None:
    """Solve the uncapacitated relaxation; if its optimum respects every capacity it is
    optimal for the capacitated problem too (same bound). None otherwise."""
    p = inst.problem
    relaxed = FacilityProblem(fixed_cost=p.fixed_cost, capacity=None, demand=p.demand,
                              cost=p.cost, fixed_open=p.fixed_open, name=p.name + " (UFL)")
    res = solve_facility_location(relaxed, time_limit_s)
    if res.status != "optimal" or res.assignment is None:
        return None
    load = res.assignment @ p.demand
    if np.all(load <= p.capacity * (1 + 1e-9)):
        return res
    return None


def solve_location(inst: LocationInstance, time_limit_s: float = 60.0) -> LocationOutcome:
    """Solve ``inst`` within ``time_limit_s`` (wall) and read the answer back.

    Without side rows or a coverage restriction: the capacitated problem's uncapacitated
    relaxation first (its optimum is optimal when no capacity is exceeded), else
    :func:`solve_facility_location`. A share rule: :func:`solve_share_rule`. Other side
    rows: the strong MILP plus side rows (HiGHS).
    """
    start = time.perf_counter()
    side = (inst.max_sites is not None or inst.budget_cny is not None
            or inst.service_share is not None or not bool(np.all(inst.allowed)))
    result: FacilityResult | None = None
    if _uses_share_rule(inst):
        result = solve_share_rule(inst.problem, inst.transit_days <= inst.service_days,
                                  float(inst.service_share), time_limit_s, _site_rows(inst))
    elif side:
        result = _solve_with_rows(inst, time_limit_s)
    else:
        if inst.problem.capacity is not None:
            result = _uncapacitated_first(inst, time_limit_s)
            if result is not None:
                result = replace(result, method=result.method
                                 + " (uncapacitated optimum within capacities)")
        if result is None:
            remaining = max(time_limit_s - (time.perf_counter() - start), 1.0)
            result = solve_facility_location(inst.problem, remaining)
    result = replace(result, seconds=time.perf_counter() - start)
    return _outcome(inst, result)


def _outcome(inst: LocationInstance, result: FacilityResult) -> LocationOutcome:
    m = inst.problem.n_sites
    opened = tuple(inst.site_ids[i] for i in result.open_sites)
    central = inst.central
    forward = tuple(inst.site_ids[i] for i in result.open_sites if not central[i])
    costs: dict[str, float] = {}
    coverage: dict[int, float] = {}
    within = None
    x = result.assignment
    if x is not None:
        if x.ndim == 1:  # single-source: site index per customer
            full = np.zeros((m, inst.problem.n_customers))
            full[x, np.arange(x.size)] = 1.0
            x = full
        served = x * inst.demand[None, :]
        total = float(inst.demand.sum())
        costs = {
            "fixed": float(inst.fixed_cost[list(result.open_sites)].sum()),
            "handling": float((served * inst.handling_cny_per_unit[:, None]).sum()),
            "transport": float((served * inst.road_km).sum() * inst.tariff_cny_per_unit_km),
        }
        costs["total"] = costs["fixed"] + costs["handling"] + costs["transport"]
        coverage = {k: float(served[inst.transit_days <= k].sum() / total)
                    for k in range(1, COVERAGE_DAYS + 1)}
        if inst.service_days is not None:
            within = float(served[inst.transit_days <= inst.service_days].sum() / total)
    return LocationOutcome(inst, result, opened, forward, costs, coverage, within)


def assignment_frame(outcome: LocationOutcome) -> pd.DataFrame:
    """One row per (customer, serving site) with share, units, road km and transit days."""
    inst, x = outcome.instance, outcome.result.assignment
    if x is None:
        return pd.DataFrame(columns=["customer_id", "customer", "site_id", "site", "share",
                                     "units_per_year", "road_km", "transit_days"])
    if x.ndim == 1:
        i_idx, j_idx = x, np.arange(x.size)
        share = np.ones(x.size)
    else:
        i_idx, j_idx = np.nonzero(x > 1e-9)
        share = x[i_idx, j_idx]
    return pd.DataFrame({
        "customer_id": np.asarray(inst.customer_ids, dtype=object)[j_idx],
        "customer": np.asarray(inst.customer_names, dtype=object)[j_idx],
        "site_id": np.asarray(inst.site_ids, dtype=object)[i_idx],
        "site": np.asarray(inst.site_names, dtype=object)[i_idx],
        "share": share, "units_per_year": share * inst.demand[j_idx],
        "road_km": inst.road_km[i_idx, j_idx], "transit_days": inst.transit_days[i_idx, j_idx],
    }).sort_values(["customer_id", "site_id"]).reset_index(drop=True)
