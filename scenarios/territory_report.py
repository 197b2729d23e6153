"""The sales directors' views of a scenario: customer tiers, A/B/C/D and lifetime value per
account; doctor grades under the scenario's weights and cut points; the potential × support
grid; today's workload per rep and a balanced alignment of the terminals to reps
(docs/territory.md). ``pharmaops territory plan`` and the territory page are doors onto these
functions; what is not built yet is listed, never filled in.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.dataset import Dataset, load_dataset
from data.geography import great_circle_km
from data.problems import N_, InputError, Problem
from models.territory.grading import (
    POTENTIAL_LEVELS,
    SUPPORT_LEVELS,
    attribute_points,
    regrade,
    value_grid,
)
from models.territory.segmentation import TIERS, account_segments
from scenarios.jsonio import json_ready
from scenarios.loading import LoadedScenario
from scenarios.schema import Scenario

#: what a scenario may ask of the territory plan that is not built yet, by the lever that asks
#: (docs/territory.md); empty since the academic specialists are planned
NOT_BUILT: dict[str, str] = {}
#: monthly visits a terminal without doctors (a retail pharmacy) is due
PHARMACY_VISITS = 1.0
#: each rep's visits a month within this share of the average, unless asked otherwise
DEFAULT_BALANCE = 0.15
#: the km pass after minimum disruption: this share of the time limit, at most this many s
KM_PASS_SHARE, KM_PASS_MAX_S = 0.2, 10.0


@dataclass(frozen=True)
class TerritoryContext:
    scenario: Scenario
    dataset: Dataset


def territory_context(loaded: LoadedScenario, dataset: Dataset | None = None
                      ) -> TerritoryContext:
    return TerritoryContext(loaded.scenario, dataset if dataset is not None
                            else load_dataset(loaded.dataset_path))


def segment_table(ds: Dataset) -> pd.DataFrame:
    """One row per invoiced account: who it is, its rep, RFM, A/B/C/D, tier, retention and
    lifetime value (CNY)."""
    seg = account_segments(ds)
    customers = ds["customers"].set_index("customer_id")
    out = customers[["name", "city", "rep_id"]].join(seg.drop(columns=["customer_type"]))
    out.insert(1, "customer_type", customers["customer_type"])
    return out.reset_index()


def doctor_table(ctx: TerritoryContext) -> pd.DataFrame:
    """One row per doctor: hospital, department, title, weighted points and grade under the
    scenario's weights and cut points, the grid cell and the KOL flag."""
    ds = ctx.dataset
    terminals = ds["terminals"].set_index("terminal_id")
    doctors = ds["doctors"].reset_index(drop=True)
    hospital = doctors["terminal_id"].map(terminals["terminal_type"])
    city = doctors["terminal_id"].map(terminals["city"])
    lev = ctx.scenario.territory
    points, grade = regrade(attribute_points(doctors, hospital), lev.grading_weights,
                            lev.grade_cuts)
    grid = value_grid(doctors, city)
    return pd.DataFrame({
        "doctor_id": doctors["doctor_id"], "terminal_id": doctors["terminal_id"],
        "hospital": doctors["terminal_id"].map(terminals["name"]),
        "hospital_type": hospital, "city": city, "department": doctors["department"],
        "title": doctors["title"], "points": points.round(2), "grade": grade,
        "therapy_area": grid["therapy_area"], "potential": grid["potential"],
        "support": grid["support"], "cell": grid["cell"], "kol": doctors["kol"]})


def rep_workload(ds: Dataset) -> pd.DataFrame:
    """Today's alignment, one row per rep: home city, region and team, the hospitals and
    pharmacies (terminals), doctors and invoiced accounts it covers, last year's orders of
    its accounts (CNY), and its terminals against the average rep (ratio)."""
    reps = ds["reps"].set_index("rep_id")
    terminals, customers = ds["terminals"], ds["customers"]
    doctors = ds["doctors"]["terminal_id"].map(terminals.set_index("terminal_id")["rep_id"])
    seg = account_segments(ds)
    orders = seg["monetary_cny"].groupby(customers.set_index("customer_id")["rep_id"]).sum()
    out = reps[["name", "home_city", "region", "team"]].assign(
        terminals=terminals["rep_id"].value_counts().reindex(reps.index, fill_value=0),
        doctors=doctors.value_counts().reindex(reps.index, fill_value=0),
        accounts=customers["rep_id"].value_counts().reindex(reps.index, fill_value=0),
        orders_cny=orders.reindex(reps.index, fill_value=0.0))
    out["terminals_vs_average"] = out["terminals"] / max(out["terminals"].mean(), 1e-9)
    out.index.name = "rep_id"
    return out.reset_index()


def terminal_workload(ctx: TerritoryContext, doctors: pd.DataFrame) -> pd.Series:
    """Visits a month each terminal is due under the scenario's visit quota
    (:func:`visits_due`)."""
    return visits_due(ctx.dataset, doctors, ctx.scenario.territory.visit_quota)


def visits_due(ds: Dataset, doctors: pd.DataFrame, visit_quota: Mapping[str, float]
               ) -> pd.Series:
    """Visits a month each terminal is due: ``visit_quota`` (visits a month per doctor grade)
    of each of its doctors (``terminal_id``, ``grade``), summed; a terminal without doctors:
    :data:`PHARMACY_VISITS`."""
    quota = doctors["grade"].map(dict(visit_quota)).fillna(0.0)
    due = quota.groupby(doctors["terminal_id"]).sum()
    terminals = ds["terminals"]["terminal_id"]
    return due.reindex(terminals).fillna(PHARMACY_VISITS).rename("visits_per_month")


def propose_alignment(ctx: TerritoryContext, doctors: pd.DataFrame, *,
                      balance: float = DEFAULT_BALANCE, time_limit_s: float = 60.0,
                      objective: str = "distance", max_disruption_share: float | None = None):
    """:func:`align_terminals` on the visits due under the scenario's visit quota."""
    return align_terminals(ctx.dataset, terminal_workload(ctx, doctors), balance=balance,
                           time_limit_s=time_limit_s, objective=objective,
                           max_disruption_share=max_disruption_share)


def check_disruption_share(share: float | None) -> None:
    """Refuse a disruption cap that is not a share in [0, 1] (InputError)."""
    if share is None:
        return
    if (isinstance(share, bool) or not isinstance(share, (int, float))
            or not 0.0 <= float(share) <= 1.0):
        raise InputError(Problem("align_terminals", "max_disruption_share",
                                 "a share of the visits in [0, 1]", repr(share)))


def align_terminals(ds: Dataset, visits: pd.Series, *, balance: float = DEFAULT_BALANCE,
                    time_limit_s: float = 60.0, objective: str = "distance",
                    max_disruption_share: float | None = None):
    """A balanced alignment of the terminals to reps (:func:`align_territories`, every rep
    within ``balance`` of the average of ``visits``, visits a month per terminal in row order)
    and the table per terminal: its workload, today's and the proposed rep, the km to each
    base. ``objective`` "distance" minimises km to the reps' bases, "disruption" the visits a
    month whose rep changes (its moved terminals then re-placed for fewer km within the
    same ``time_limit_s``, :func:`_shorter_moves`); ``max_disruption_share`` (0..1 of all
    visits a month, None: no cap) caps the visits that may change rep."""
    from models.territory.alignment import align_territories

    check_disruption_share(max_disruption_share)
    terminals, reps = ds["terminals"].reset_index(drop=True), ds["reps"].reset_index(drop=True)
    work = np.asarray(visits, dtype=float)
    km = great_circle_km(terminals["longitude"].to_numpy()[:, None],
                         terminals["latitude"].to_numpy()[:, None],
                         reps["longitude"].to_numpy()[None, :],
                         reps["latitude"].to_numpy()[None, :])
    today = pd.Index(reps["rep_id"]).get_indexer(terminals["rep_id"])
    cap = None if max_disruption_share is None else float(max_disruption_share) * work.sum()
    # minimum disruption keeps part of the time limit for the km pass (_shorter_moves)
    polish = min(KM_PASS_MAX_S, KM_PASS_SHARE * time_limit_s) if objective == "disruption" else 0
    result = align_territories(work, km, balance=balance,
                               current=today if (today >= 0).all() else None,
                               max_disruption=cap, objective=objective,
                               time_limit_s=time_limit_s - polish)
    if objective == "disruption":
        result = _shorter_moves(result, work, km, today, balance, polish)
    rows = np.arange(len(terminals))
    proposed = result.assignment
    found = (proposed >= 0).all()
    table = pd.DataFrame({
        "terminal_id": terminals["terminal_id"], "name": terminals["name"],
        "city": terminals["city"], "visits_per_month": work,
        "rep_today": terminals["rep_id"], "km_today": km[rows, np.maximum(today, 0)],
        "rep_proposed": reps["rep_id"].to_numpy()[proposed] if found else None,
        "km_proposed": km[rows, proposed] if found else np.nan})
    return result, table


def _shorter_moves(result, work: np.ndarray, km: np.ndarray, today: np.ndarray,
                   balance: float, seconds: float):
    """A minimum-disruption alignment with its moved terminals re-placed for fewer km
    (:func:`models.territory.alignment_polish.shorten_moves`, at most ``seconds``): the
    disruption never rises, so its bound still holds; the objective, loads and gap are
    recounted."""
    from dataclasses import replace

    from models.territory.alignment import load_limits
    from models.territory.alignment_bounds import relative_gap
    from models.territory.alignment_polish import shorten_moves

    if (result.assignment < 0).any() or (today < 0).any():
        return result  # no alignment, or no today to keep
    t0 = time.perf_counter()
    lower, upper = load_limits(work, km.shape[1], float(balance))
    # national data: 3.0 -> 1.5 million km in 5 s, 1.43 million at convergence (25 s)
    a = shorten_moves(result.assignment, work, km, today, lower, upper,
                      max_seconds=seconds)
    moved = float(work[a != today].sum())
    gap = relative_gap(moved, result.bound)
    # the solver's message quotes its own gap; say the one after the pass when it moved
    message = (result.message if moved == result.objective
               else N_("{message}; {gap} after the km pass", message=result.message,
                       gap=f"{gap:.2e}"))
    return replace(result, assignment=a, objective=moved, disruption=moved, gap=gap,
                   message=message,
                   seconds=result.seconds + time.perf_counter() - t0,
                   loads=np.bincount(a, weights=work, minlength=km.shape[1]),
                   status="optimal" if gap <= 1e-9 else result.status)


def rep_visits(ds: Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """Per rep of an alignment table (:func:`align_terminals`): name and base, terminals,
    visits a month and km to the base today and proposed (proposed NaN without a
    proposal)."""
    reps = ds["reps"].set_index("rep_id")[["name", "home_city"]]
    out = reps.copy()
    for when in ("today", "proposed"):
        g = table.groupby(f"rep_{when}")
        out[f"terminals_{when}"] = g.size().reindex(reps.index, fill_value=0)
        out[f"visits_{when}"] = g["visits_per_month"].sum().reindex(reps.index, fill_value=0.0)
        out[f"km_{when}"] = g[f"km_{when}"].sum().reindex(reps.index, fill_value=0.0)
    if table["rep_proposed"].isna().any():  # no proposal: nothing to count
        out[["terminals_proposed", "visits_proposed", "km_proposed"]] = np.nan
    out.index.name = "rep_id"
    return out.reset_index()


def tier_summary(seg: pd.DataFrame) -> pd.DataFrame:
    """Accounts and last year's orders per tier, with shares."""
    g = seg.groupby("tier")
    out = pd.DataFrame({"accounts": g.size(), "orders_cny": g["monetary_cny"].sum()}).reindex(
        list(TIERS), fill_value=0)
    out["share_of_accounts"] = out["accounts"] / max(out["accounts"].sum(), 1)
    out["share_of_orders"] = out["orders_cny"] / max(out["orders_cny"].sum(), 1e-9)
    out.index.name = "tier"
    return out.reset_index()


def grid_counts(doctors: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per therapy area with a grid: doctors per cell ("A1" … "C3"; "outside")."""
    out = {}
    for area, rows in doctors[doctors["therapy_area"] != ""].groupby("therapy_area"):
        cells = rows["cell"].replace("", "outside").value_counts()
        order = [p + s for p in POTENTIAL_LEVELS for s in SUPPORT_LEVELS] + ["outside"]
        out[str(area)] = {c: int(cells.get(c, 0)) for c in order}
    return out


def alignment_payload(result, table: pd.DataFrame, balance: float,
                      objective: str = "distance",
                      max_disruption_share: float | None = None) -> dict:
    """The alignment part of the plan: status, what was minimised and the disruption cap
    (share of the visits, None: none), the proposal's km and its bound (km, distance only),
    the visits a month that change rep and their bound (disruption only), the gap, loads,
    and the distance and workload spread today against the proposal."""
    today_loads = table.groupby("rep_today")["visits_per_month"].sum()
    # the model's objective and bound are in the minimised quantity's units: km for
    # distance, visits a month for disruption; *_km always means km
    km = (result.objective if objective == "distance"
          else float(table["km_proposed"].sum(min_count=1)))  # NaN without a proposal
    by_objective = ({"objective_km": km, "bound_km": result.bound} if objective == "distance"
                    else {"objective_km": km, "bound_km": None,
                          "objective_visits": result.objective,
                          "bound_visits": result.bound})
    return {"status": result.status, "objective": objective,
            "max_disruption_share": max_disruption_share, **by_objective,
            "gap": result.gap, "balance": balance,
            "seconds": result.seconds, "message": result.message,
            "disruption_visits": result.disruption,
            "km_today": float(table["km_today"].sum()),
            "loads_proposed": [float(v) for v in result.loads],
            "loads_today_min_max": [float(today_loads.min()), float(today_loads.max())],
            "assignments": dict(zip(table["terminal_id"], table["rep_proposed"],
                                    strict=True)) if result.status != "infeasible" else {}}


def call_plan_payload(report) -> dict:
    """The call plan part of the plan (a :class:`scenarios.call_planning.CallPlanReport`):
    status, bound and gap, totals and uplift, per rep, coverage per account type, and the
    segments' response curves."""
    from scenarios.call_planning import coverage

    return {**report.summary,
            "reps": report.reps.to_dict(orient="records"),
            "coverage": coverage(report).to_dict(orient="records"),
            "response_curves": report.responses.to_dict(orient="records")}


def call_plan_sheets(report) -> dict[str, pd.DataFrame]:
    """The call plan's sheets of the workbook."""
    from scenarios.call_planning import coverage

    cols = ["account_id", "name", "account_type", "city", "rep_id", "km_to_base",
            "potential_cny_month", "level", "quota_calls", "min_calls", "max_calls",
            "current_calls", "planned_calls", "sales_today_cny", "sales_planned_cny"]
    sheets = {"call plan": report.accounts[cols], "call plan by rep": report.reps,
              "coverage": coverage(report), "response curves": report.responses}
    if report.prospects is not None:
        sheets["prospects"] = report.prospects[[
            "account_id", "name", "account_type", "city", "rep_id", "potential_cny_month",
            "win_value_cny", "max_calls", "current_calls", "planned_calls"]]
    return sheets


def meeting_payload(report, asked: bool) -> dict:
    """The academic specialists' part of the plan (a
    :class:`scenarios.academic_meetings.MeetingReport`): the summary, whether the scenario
    asks for it (``territory.academic_specialist_for_core``), and per region."""
    return {**report.summary, "in_scenario": asked,
            "regions": report.regions.to_dict(orient="records")}


def meeting_sheets(report) -> dict[str, pd.DataFrame]:
    """The academic specialists' sheets of the workbook."""
    cols = [c for c in ("account_id", "name", "account_type", "city", "region", "rep_id",
                        "sales_cny_month", "meetings_today", "value_cny_month",
                        "meetings_planned") if c in report.accounts]
    return {"academic meetings": report.accounts[cols],
            "specialists by region": report.regions}


def territory_payload(ctx: TerritoryContext, seg: pd.DataFrame, doctors: pd.DataFrame,
                      alignment: dict | None = None, call_plan: dict | None = None,
                      force_size: dict | None = None, meetings: dict | None = None) -> dict:
    """``pharmaops territory plan --json``."""
    lev = ctx.scenario.territory
    grades = doctors["grade"].value_counts()
    return json_ready({
        "scenario": ctx.scenario.name, "dataset": str(ctx.dataset.path),
        "as_of": f"{ctx.dataset.as_of:%Y-%m-%d}",
        "tiers": tier_summary(seg).to_dict(orient="records"),
        "abcd": {k: int((seg["abcd"] == k).sum()) for k in "ABCD"},
        "grading": {"weights": dict(lev.grading_weights), "cuts": dict(lev.grade_cuts)},
        "grades": {g: int(grades.get(g, 0)) for g in [*lev.grade_cuts, "D"]},
        "grid": grid_counts(doctors),
        "accounts": seg.to_dict(orient="records"),
        **({"alignment": alignment} if alignment is not None else {}),
        **({"call_plan": call_plan} if call_plan is not None else {}),
        **({"sales_force_size": force_size} if force_size is not None else {}),
        **({"academic_meetings": meetings} if meetings is not None else {}),
        "not_built": [what for lever, what in NOT_BUILT.items() if getattr(lev, lever)],
    })


def territory_workbook(seg: pd.DataFrame, doctors: pd.DataFrame,
                       alignment: pd.DataFrame | None = None,
                       call_plan: dict[str, pd.DataFrame] | None = None) -> bytes:
    """Tiers, accounts, doctors (the proposed alignment, the call plan's sheets) as Excel."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        tier_summary(seg).to_excel(xl, sheet_name="tiers", index=False)
        seg.to_excel(xl, sheet_name="accounts", index=False)
        doctors.to_excel(xl, sheet_name="doctors", index=False)
        if alignment is not None:
            alignment.to_excel(xl, sheet_name="alignment", index=False)
        for name, frame in (call_plan or {}).items():
            frame.to_excel(xl, sheet_name=name, index=False)
    return buffer.getvalue()
