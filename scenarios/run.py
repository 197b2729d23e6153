"""Compose a scenario run: data set → calibration → models → simulation → summary → store.

This is the one translator from a scenario to the simulation: :func:`simulation_config` turns
a validated scenario and the models' answers (credit tiers, the location model's sites and
assignment, the stock plan) into the :class:`~simulation.config.SimulationConfig` the
simulation consumes; :func:`simulate` turns the replications into the JSON contract of
``pharmaops run`` (see ``docs/simulation.md``). The CLI and the app call these.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from pydantic import ValidationError

from data.dataset import Dataset, load_dataset
from data.kpis import REPORTED_NAMES
from data.problems import Problem, ScenarioError
from models.expenses import ExpenseBasis
from scenarios.credit_policy import PolicyChoice, choose_terms, sales_retained
from scenarios.evidence import assumption_rows
from scenarios.expense_projection import expense_summary, todays_basis, with_expenses
from scenarios.field_time import entry_factor
from scenarios.jsonio import json_ready
from scenarios.loading import LoadedScenario
from scenarios.network_plan import (
    NETWORK_ASSUMPTIONS,
    build_network_plan,
    district_assignment,
)
from scenarios.outside_drivers import lateness_change_days
from scenarios.process_cache import Status, today_process
from scenarios.prospect_effect import WinEffect, win_effect
from scenarios.result import ForwardStockResult, RunResult
from scenarios.rollout import scenario_switch_days, todays_levers
from scenarios.schema import Assumptions, Scenario
from scenarios.store import RunRecord, RunStore, code_version
from scenarios.work_cache import keep_work, read_work, work_file
from simulation.config import (
    CreditPolicy,
    DeliveryPolicy,
    DemandPolicy,
    Effects,
    NetworkPlan,
    OrderPolicy,
    Rollout,
    SimulationConfig,
)
from simulation.inputs import SimulationInputs, build_inputs
from simulation.params import ProcessParams, scaled
from simulation.replication import ReplicationResult
from simulation.runner import Progress, run_replications
from simulation.staffing import net_of_modelled_wait
from simulation.summary import (
    Estimate,
    mean_table,
    per_replication_frame,
    stage_summary,
    summarize,
    target_verdicts,
)


@dataclass(frozen=True)
class Prepared:
    """What every replication of a scenario shares."""

    dataset: Dataset
    params: ProcessParams
    inputs: SimulationInputs
    config: SimulationConfig
    credit_scores: pd.DataFrame | None
    #: forward warehouses chosen by the location model ("optimize"); None = the scenario's own
    forward_warehouses: tuple[str, ...] | None = None
    #: the location result behind them (status, objective, bound, gap, sites, costs, coverage)
    warehouses: dict | None = None
    #: today's process as measured, before the wait the modelled staff add is netted out
    #: (:func:`with_assumptions` nets it again for another staffing assumption)
    measured: ProcessParams | None = None
    #: the location model's district adcode → serving site ("optimize"), kept so the network
    #: can be rebuilt with other assumptions without solving the model again
    assignment: Mapping[str, str] | None = None
    #: each account's terms under the credit policy (and the terms model's answer, 'optimize'),
    #: kept so other assumptions are simulated under the same decision
    credit_choice: PolicyChoice | None = None
    #: the call plan behind territory.allocation = "optimize" (status, gap, reps, calls and
    #: sales a month today and planned); its multipliers are in the inputs' order rates
    calls: dict | None = None
    #: prospects won over the horizon per draw (None: no prospects or no win curve)
    wins: WinEffect | None = None
    #: the academic specialists' plan behind territory.academic_specialist_for_core (None:
    #: meetings as today; scenarios.academic_meetings); its multipliers are in the order rates
    meetings: dict | None = None
    #: today's selling-expense unit costs and volumes, and today's ratio (None: the data set
    #: holds no selling expenses), for the projected ratio
    expenses: tuple[ExpenseBasis, float] | None = None


#: wall-time limit of the location model that answers forward_warehouses = "optimize", s
LOCATION_TIME_LIMIT_S = 60.0


def choose_warehouses(ds: Dataset, params: ProcessParams, scenario: Scenario,
                      time_limit_s: float = LOCATION_TIME_LIMIT_S
                      ) -> tuple[tuple[str, ...], dict, dict[str, str]]:
    """Solve the location model on the data set's ``sites`` candidates with the scenario's
    warehouse levers; returns the chosen forward warehouses, the JSON-ready result and the
    assignment district adcode → site id (the site serving most of the district's demand).

    A model without a solution (infeasible levers, time limit) is a :class:`ScenarioError`.
    """
    from models.inventory.network_design import assignment_frame
    from scenarios.location import LocationLevers, solve_warehouses

    outcome = solve_warehouses(ds, params, LocationLevers.from_scenario(scenario), time_limit_s)
    if outcome.result.assignment is None:
        raise ScenarioError(Problem(
            "scenario", "logistics.forward_warehouses",
            "warehouse levers the location model can satisfy",
            f"{outcome.result.status}: {outcome.result.message}"))
    assignment = district_assignment(assignment_frame(outcome))
    return outcome.forward_site_ids, json_ready(outcome.summary()), assignment


def _resolved(scenario: Scenario, chosen: tuple[str, ...] | None) -> Scenario:
    """``scenario`` with "optimize" replaced by the chosen site ids (None: as it is)."""
    if chosen is None:
        return scenario
    logistics = scenario.logistics.model_copy(
        update={"forward_warehouses": list(chosen) or "none"})
    return scenario.model_copy(update={"logistics": logistics})


def resolved_scenario(scenario: Scenario, prepared: Prepared) -> Scenario:
    """The scenario the replications run: "optimize" replaced by the chosen site ids."""
    return _resolved(scenario, prepared.forward_warehouses)


def _warehouses_payload(scenario: Scenario, prepared: Prepared) -> dict:
    """How the forward warehouses were chosen, with each one's city (people read cities,
    not site codes)."""
    chosen = scenario.logistics.forward_warehouses
    if prepared.warehouses is not None:
        payload = {"mode": "optimize", **prepared.warehouses}
    else:
        payload = {"mode": "list" if isinstance(chosen, list) else "none",
                   "forward_warehouses": list(chosen) if isinstance(chosen, list) else []}
    cities = prepared.dataset["sites"].set_index("site_id")["city"]
    payload["forward_cities"] = [str(cities.get(s, s)) for s in payload["forward_warehouses"]]
    return payload


def scenario_effects(scenario: Scenario) -> Effects:
    """The simulation's effect sizes: the scenario's ``[assumptions]``."""
    return Effects(**{f: getattr(scenario.assumptions, f) for f in Effects.__dataclass_fields__})


def credit_levers(scenario: Scenario, terms: np.ndarray,
                  lateness_change: np.ndarray | None = None,
                  retained: np.ndarray | None = None) -> CreditPolicy:
    """The simulation's credit policy: each account's terms, the outside drivers' change in
    its lateness, the share of its orders it still places, and the collection levers."""
    c = scenario.credit
    return CreditPolicy(account_terms=terms, lateness_change_days=lateness_change,
                        sales_retained=retained, e_invoice=c.e_invoice,
                        online_payment=c.online_payment,
                        automated_reminders=c.reminders == "automated",
                        reminder_schedule_days=tuple(c.reminder_schedule_days))


def order_policy(scenario: Scenario) -> OrderPolicy:
    """The simulation's order policy: the scenario's ``[orders]``."""
    o = scenario.orders
    return OrderPolicy(app_channel_share=o.app_channel_share,
                       auto_approval_tiers=frozenset(o.auto_approval_tiers),
                       abnormal_order_threshold_cny=o.abnormal_order_threshold_cny,
                       esign_approval_hours=o.esign_approval_hours,
                       real_time_stock=o.stock_sync == "real_time",
                       app_release=o.app_orders_skip_review)


def delivery_policy(scenario: Scenario) -> DeliveryPolicy:
    """The simulation's carrier and tracking: the scenario's ``[logistics]``."""
    lg = scenario.logistics
    return DeliveryPolicy(strategic_partner=lg.carrier == "strategic_partner",
                          remote_limit_days=lg.remote_limit_days, tracking=lg.tracking)


def simulation_config(scenario: Scenario, network: NetworkPlan, terms: np.ndarray,
                      lateness_change: np.ndarray | None = None,
                      retained: np.ndarray | None = None,
                      switch_day: np.ndarray | None = None) -> SimulationConfig:
    """The simulation's config for ``scenario`` (its ``forward_warehouses`` resolved), with the
    network plan, each account's terms, the outside drivers' change in each account's
    lateness and the share of its orders each account still places decided beforehand;
    ``switch_day`` (:func:`scenarios.rollout.scenario_switch_days`): before it an account's
    orders follow today's order, logistics and credit levers (None: never)."""
    rollout = None
    if switch_day is not None:
        today = todays_levers(scenario)
        rollout = Rollout(switch_day=switch_day, serving_site=network.central_site,
                          credit=credit_levers(today, np.full(len(terms), "monthly",
                                                              dtype=object), lateness_change),
                          orders=order_policy(today), delivery=delivery_policy(today))
    return SimulationConfig(
        name=scenario.name, horizon_days=scenario.horizon_days,
        warmup_days=scenario.warmup_days, seed=scenario.seed, network=network,
        credit=credit_levers(scenario, terms, lateness_change, retained),
        orders=order_policy(scenario), delivery=delivery_policy(scenario),
        effects=scenario_effects(scenario), rollout=rollout)


def configure(dataset: Dataset, params: ProcessParams, scenario: Scenario, *,
              inputs: SimulationInputs | None = None, credit_tier: pd.Series | None = None,
              assignment: Mapping[str, str] | None = None, choice: PolicyChoice | None = None,
              source: str = "scenario") -> tuple[SimulationInputs, SimulationConfig]:
    """Inputs and config of ``scenario`` (``forward_warehouses`` a list or "none"): the
    network plan with its stock (``assignment``: district → site, the location model's) and
    each account's terms (``choice``, or the scenario's credit policy applied to
    ``credit_tier`` per customer_id, see :func:`scenarios.credit_policy.choose_terms`)."""
    inputs, config, _ = _configured(dataset, params, scenario, inputs, credit_tier, assignment,
                                    choice, source)
    return inputs, config


def _configured(dataset: Dataset, params: ProcessParams, scenario: Scenario,
                inputs: SimulationInputs | None, credit_tier: pd.Series | None,
                assignment: Mapping[str, str] | None, choice: PolicyChoice | None,
                source: str) -> tuple[SimulationInputs, SimulationConfig, PolicyChoice]:
    """:func:`configure`, and the credit policy's choice it used."""
    inputs = inputs if inputs is not None else build_inputs(dataset)
    network = build_network_plan(dataset, params.transit, inputs, scenario, assignment)
    change = lateness_change_days(dataset, params, inputs, scenario)
    effects = scenario_effects(scenario)
    if choice is None:
        base = credit_levers(scenario, np.full(inputs.customers, "monthly", dtype=object),
                             change)
        choice = choose_terms(inputs, params, scenario, base, effects, credit_tier, source)
    return inputs, simulation_config(scenario, network, choice.terms, change,
                                     sales_retained(choice.terms, effects),
                                     scenario_switch_days(scenario, inputs.region)), choice


#: the assumptions today's work depends on (:func:`todays_work`): the one preparation step
#: that can refuse an assumption's value
WORK_ASSUMPTIONS = ("staffing_utilization",)
#: the pilot year that measures the wait today's staff add (fixed, so the work content does not
#: depend on a run's seed)
PILOT_SEED = 0
#: the last work contents computed (the pilot takes seconds; a comparison's scenarios and a
#: sensitivity's staffing values share them)
_WORK: dict[tuple, ProcessParams] = {}
#: how many work contents are kept (one per data set, process and staffing assumption)
_WORK_KEPT = 4


def todays_work(dataset: Dataset, params: ProcessParams, scenario: Scenario,
                inputs: SimulationInputs | None = None) -> ProcessParams:
    """``params`` with the office and picking work net of the wait the simulation's staff add
    (:func:`simulation.staffing.net_of_modelled_wait`), on today's process with the
    scenario's staffing assumption; memoised per data set, process and assumption."""
    key = (dataset.fingerprint, params.model_dump_json(),
           scenario.assumptions.staffing_utilization)
    if key not in _WORK:
        # kept on disk too (scenarios/work_cache.py): a new process reads it
        file = work_file(dataset.fingerprint, params, scenario.assumptions.staffing_utilization)
        work = read_work(file)
        if work is None:
            today = Scenario.model_validate({
                "name": "today", "dataset": ".", "seed": PILOT_SEED,
                "assumptions": scenario.assumptions.model_dump()})
            inputs, config = configure(dataset, params, today, inputs=inputs)
            work = net_of_modelled_wait(inputs, params, config, PILOT_SEED)
            keep_work(file, work)
        while len(_WORK) >= _WORK_KEPT:
            del _WORK[next(iter(_WORK))]  # the oldest
        _WORK[key] = work
    return _WORK[key]


def prepare(loaded: LoadedScenario, dataset: Dataset | None = None, *,
            status: Status | None = None, choice: PolicyChoice | None = None) -> Prepared:
    """Load the data set, take today's process (the scenario's process file, or the data
    set's calibration, computed once and kept: :func:`scenarios.process_cache.today_process`),
    apply the models the scenario's levers call for (credit scores → credit tiers → terms;
    forward_warehouses = "optimize" → the location model's chosen sites, see
    :func:`choose_warehouses`; the stock plan) and build the simulation's config.
    ``status`` is told what is being done (for a progress message); ``choice``: each
    account's terms decided beforehand (e.g. the finance page's assignment under its own
    limits) instead of the scenario's credit policy."""
    ds = dataset if dataset is not None else load_dataset(loaded.dataset_path)
    measured = today_process(ds, process_path=loaded.process_path, status=status)
    inputs = build_inputs(ds)
    params = todays_work(ds, measured, loaded.scenario, inputs)
    scenario = loaded.scenario
    calls, lift_draws, planned_prospect_calls, win = None, None, None, None
    if scenario.territory.allocation == "optimize":
        # after today's work is measured: the same staff meet the planned demand
        from scenarios.territory_effect import call_effect

        if status is not None:
            status("planning calls on the response curves estimated from the visits")
        effect = call_effect(ds, scenario, inputs.customer_id)
        inputs = replace(inputs, orders_per_day=inputs.orders_per_day * effect.lift)
        calls = effect.summary
        params = keyed_in(params, calls, scenario.assumptions.entry_wait_field_elasticity)
        lift_draws = effect.rate_draws
        planned_prospect_calls, win = effect.prospect_calls, effect.win
    # prospects won over the horizon at today's calls or the plan's, and what they order
    wins = win_effect(ds, inputs.customer_id, scenario.horizon_days, scenario.seed,
                      planned_calls=planned_prospect_calls, win=win)
    if wins is not None:
        lift_draws = wins.rate_draws * (lift_draws if lift_draws is not None else 1.0)
    meetings = None
    if scenario.territory.academic_specialist_for_core:
        held, meetings = specialists_effect(ds, scenario, inputs.customer_id, status)
        if held is not None:
            inputs = replace(inputs, orders_per_day=inputs.orders_per_day * held.lift)
            lift_draws = held.rate_draws * (lift_draws if lift_draws is not None else 1.0)
    scores = None
    credit_tier = None
    if scenario.credit.scored:
        from models.credit.scoring import score_customers

        result = score_customers(ds, seed=scenario.seed,
                                 premium_min=scenario.credit.premium_min_score,
                                 risk_max=scenario.credit.risk_max_score)
        scores = result.scores
        credit_tier = scores["tier"]
    chosen, warehouses, assignment = None, None, None
    if scenario.logistics.forward_warehouses == "optimize":
        chosen, warehouses, assignment = choose_warehouses(ds, params, scenario)
    resolved = _resolved(scenario, chosen)
    if status is not None and choice is None and scenario.credit.effective_policy == "optimize":
        status("choosing each account's payment terms (terms model)")
    inputs, config, choice = _configured(ds, params, resolved, inputs, credit_tier, assignment,
                                         choice, str(loaded.path))
    if lift_draws is not None:  # each replication draws the call plan's curves
        config = replace(config, demand=DemandPolicy(rate_draws=lift_draws))
    return Prepared(ds, params, inputs, config, scores, chosen, warehouses, measured, assignment,
                    choice, calls, wins, meetings, todays_basis(ds))


def specialists_effect(ds: Dataset, scenario, customer_ids, status: Status | None = None):
    """The academic specialists' order-rate multipliers
    (:func:`scenarios.academic_meetings.meeting_rates`, effects drawn from the scenario's
    seed; None when the history gives no effect to plan on) and the plan's summary (its
    ``left_out`` says why when it is not planned)."""
    from scenarios.academic_meetings import meeting_rates, plan_meetings
    from scenarios.territory_effect import LIFT_DRAWS

    if status is not None:
        status("planning the academic specialists' meetings at the core accounts")
    rng = np.random.default_rng(scenario.seed)
    report = plan_meetings(ds, per_specialist=scenario.territory.academic_meetings_per_specialist,
                           rng=rng)
    return meeting_rates(ds, report, customer_ids, rng, LIFT_DRAWS), report.summary


def keyed_in(params: ProcessParams, calls: dict, elasticity: float) -> ProcessParams:
    """``params`` with the reps' keying in of phone and WeChat orders slowed or sped by the
    calls the plan gives them (:mod:`scenarios.field_time`)."""
    factor = entry_factor(calls, elasticity)["keying_factor"]
    return params.model_copy(update={"entry_hours": scaled(params.entry_hours, factor)})


def with_assumptions(loaded: LoadedScenario, prepared: Prepared,
                     overrides: Mapping[str, float]) -> tuple[LoadedScenario, Prepared]:
    """``loaded`` with ``overrides`` of its ``[assumptions]``, and what its replications share,
    on the same data set, process and models' answers (credit tiers, the location model's
    sites and assignment): only what depends on assumptions is made again — today's work for
    the staffing assumption (memoised), the forward stock plan when a forward assumption
    changes, and the config. A value outside its bounds is a :class:`ScenarioError` at
    ``assumptions.<name>``."""
    if prepared.measured is None:
        raise ValueError("prepared(=without the measured process) must come from prepare()")
    scenario = loaded.scenario
    try:
        assumptions = Assumptions.model_validate({**scenario.assumptions.model_dump(),
                                                  **overrides})
    except ValidationError as exc:
        raise ScenarioError([Problem(str(loaded.path), "assumptions." + ".".join(
            str(part) for part in e["loc"]), e["msg"], repr(e.get("input")))
            for e in exc.errors()]) from None
    changed = scenario.model_copy(update={"assumptions": assumptions})
    params = todays_work(prepared.dataset, prepared.measured, changed, prepared.inputs)
    calls = prepared.calls
    if calls:
        calls = {**calls, **entry_factor(calls, assumptions.entry_wait_field_elasticity)}
        params = keyed_in(params, calls, assumptions.entry_wait_field_elasticity)
    resolved = _resolved(changed, prepared.forward_warehouses)
    tier = None if prepared.credit_scores is None else prepared.credit_scores["tier"]
    choice = prepared.credit_choice
    if choice is None:
        base = credit_levers(resolved, np.full(prepared.inputs.customers, "monthly",
                                               dtype=object))
        choice = choose_terms(prepared.inputs, params, resolved, base,
                              scenario_effects(resolved), tier, str(loaded.path))
    if all(getattr(assumptions, name) == getattr(scenario.assumptions, name)
           for name in NETWORK_ASSUMPTIONS):
        config = simulation_config(
            resolved, prepared.config.network, choice.terms,
            lateness_change_days(prepared.dataset, params, prepared.inputs, resolved),
            sales_retained(choice.terms, scenario_effects(resolved)),
            scenario_switch_days(resolved, prepared.inputs.region))
    else:
        _, config = configure(prepared.dataset, params, resolved, inputs=prepared.inputs,
                              assignment=prepared.assignment, choice=choice)
    # the call plan's per-replication demand is a decision taken before, like the terms
    config = replace(config, demand=prepared.config.demand)
    return replace(loaded, scenario=changed), replace(prepared, params=params, config=config,
                                                      calls=calls)


@dataclass
class SimulationRun:
    """A finished run: the typed result, the per-replication KPIs and the tables (``result``
    gains its ``run_id`` when the run is stored)."""

    result: RunResult
    per_replication: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    results: list[ReplicationResult]

    @property
    def payload(self) -> dict:
        """The run as the ``pharmaops run --json`` document (for the edges: JSON, store)."""
        return self.result.to_json()


def _grouped_summary(frames: list[pd.DataFrame], key: str) -> dict[str, dict[str, Estimate]]:
    """An estimate per group and KPI over replications."""
    stacked = pd.concat(frames)
    return {str(group): summarize(rows) for group, rows in stacked.groupby(key)}


def simulate(loaded: LoadedScenario, prepared: Prepared, *, replications: int | None = None,
             seed: int | None = None, workers: int | None = None, scheduler: str | None = None,
             progress: Progress | None = None) -> SimulationRun:
    """Run the scenario's replications and summarise them."""
    scenario = resolved_scenario(loaded.scenario, prepared)
    replications = replications or scenario.replications
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    results = run_replications(prepared.inputs, prepared.params, prepared.config,
                               replications=replications, seed=seed, workers=workers,
                               scheduler=scheduler, progress=progress)
    return summarised_run(loaded, prepared, results, seed=seed,
                          seconds=time.perf_counter() - started)


def summarised_run(loaded: LoadedScenario, prepared: Prepared,
                   results: list[ReplicationResult], *, seed: int,
                   seconds: float) -> SimulationRun:
    """The run made of ``results`` (replications 0 … n − 1 of ``seed``, however they were
    computed): KPIs with CIs, target verdicts, stages and tables; ``seconds`` of simulation."""
    scenario = resolved_scenario(loaded.scenario, prepared)
    replications = len(results)
    basis, today_ratio = prepared.expenses or (None, float("nan"))
    per_rep = with_expenses(per_replication_frame(results), basis, prepared.calls,
                            scenario.horizon_days - scenario.warmup_days, prepared.meetings)
    if prepared.wins is not None:  # replication r's demand carries draw r mod the draws
        draws = prepared.wins.wins_per_year
        per_rep["new_customers_per_year"] = draws[per_rep["replication"].to_numpy()
                                                  % len(draws)]
    details = [c for c in per_rep.columns if c not in ("replication", *REPORTED_NAMES)]
    result = RunResult(
        scenario=scenario.name, seed=seed, replications=replications,
        kpis=summarize(per_rep, REPORTED_NAMES),
        targets=target_verdicts(per_rep, scenario.targets.model_dump()),
        stages=stage_summary([r.stages for r in results]),
        details=summarize(per_rep, tuple(details)),
        by_region=_grouped_summary([r.by_region for r in results], "region"),
        by_tier=_grouped_summary([r.by_tier for r in results], "tier"),
        warehouses=_warehouses_payload(loaded.scenario, prepared),
        forward_stock=_forward_stock_result(scenario, prepared, results),
        dataset=str(loaded.dataset_path), dataset_fingerprint=prepared.dataset.fingerprint,
        calibration=prepared.params.source,
        window={"warmup_days": scenario.warmup_days, "horizon_days": scenario.horizon_days},
        runtime_s=seconds, assumptions=assumption_rows(scenario),
        call_plan=json_ready(prepared.calls or {}),
        academic_meetings=json_ready(prepared.meetings or {}),
        selling_expenses=json_ready(expense_summary(basis, today_ratio, prepared.calls,
                                                    prepared.meetings)))
    tables = {"by_region": mean_table([r.by_region for r in results], "region"),
              "by_tier": mean_table([r.by_tier for r in results], "tier")}
    if prepared.credit_scores is not None:
        tables["credit_scores"] = prepared.credit_scores.reset_index()
    stock = prepared.config.network.stock
    if stock is not None:
        frames = [r.by_site for r in results if len(r.by_site)]
        if frames:
            tables["forward_stock"] = mean_table(frames, "site_id")
        tables["forward_policies"] = stock.policies
    return SimulationRun(result, per_rep, tables, results)


#: per forward warehouse and replication (see simulation.replication.forward_stock_kpis)
FORWARD_SITE_COLUMNS = ("orders", "units_asked", "units_from_stock", "fill_rate",
                        "orders_from_stock", "split_deliveries")


def _forward_stock_result(scenario: Scenario, prepared: Prepared,
                          results: list[ReplicationResult]) -> ForwardStockResult | None:
    """The forward stock's policy settings and, per forward warehouse, its simulated fill
    rate, orders and split deliveries over replications (None without forward stock)."""
    fw = prepared.config.network.stock
    if fw is None:
        return None
    lev = scenario.logistics
    frames = [r.by_site for r in results if len(r.by_site)]
    by_site = {}
    if frames:
        by_site = {str(site): summarize(rows, FORWARD_SITE_COLUMNS)
                   for site, rows in pd.concat(frames).groupby("site_id")}
    policies = fw.policies
    return ForwardStockResult(
        policy=lev.forward_policy, fill_rate_target=lev.forward_fill_rate,
        review_days=lev.forward_review_days if lev.forward_policy == "RS" else None,
        stocked_products=int(len(policies)),
        # the plan's expected stock (stocking model), not simulated: CNY/year and units
        holding_cost_cny_per_year=float(policies["holding_cost_cny_per_year"].sum())
        if len(policies) else 0.0,
        safety_stock_units=float(policies["safety_stock_units"].sum())
        if len(policies) else 0.0,
        by_site=by_site)


def run_record(run: SimulationRun, loaded: LoadedScenario, started_at: datetime) -> RunRecord:
    """What the run store keeps of a run: scenario text, fingerprint, code version, seed,
    per-replication KPIs, summary and tables."""
    return RunRecord(
        kind="simulation", scenario_name=loaded.scenario.name, scenario_text=loaded.text,
        dataset_path=str(loaded.dataset_path),
        dataset_fingerprint=run.result.dataset_fingerprint, code_version=code_version(),
        seed=run.result.seed, started_at=started_at, ended_at=datetime.now(UTC),
        status="completed", summary=json_ready(run.payload), replication_kpis=run.per_replication,
        decision_tables=run.tables)


def store_runs(runs: list[tuple[SimulationRun, LoadedScenario, datetime]],
               store: RunStore) -> list[str]:
    """Keep every run in one transaction (all or none); sets and returns their run ids."""
    ids = store.save_many([run_record(run, loaded, started) for run, loaded, started in runs])
    for (run, _, _), run_id in zip(runs, ids, strict=True):
        run.result = replace(run.result, run_id=run_id)
    return ids


def store_run(run: SimulationRun, loaded: LoadedScenario, store: RunStore,
              started_at: datetime) -> str:
    """Keep one run in one transaction; returns the run id."""
    return store_runs([(run, loaded, started_at)], store)[0]
