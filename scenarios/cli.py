"""The ``pharmaops`` command line: tables for people on stdout, ``--json PATH`` for machines,
problems on stderr with exit code 2."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pandas as pd

from data.problems import InputError, Problem
from scenarios.cli_attribution import add_attribution_parser
from scenarios.cli_book import add_book_parser
from scenarios.cli_channel import add_channel_parser
from scenarios.cli_common import (
    EXIT_BAD_INPUT,
    CliError,
    _dataset_arg,
    _emit,
    _load,
    _progress_bar,
    _records,
    _status,
    plan_lines,
)
from scenarios.cli_credit import add_credit_parser
from scenarios.cli_data import add_data_parsers
from scenarios.cli_runs import add_runs_parser
from scenarios.cli_sensitivity import add_sensitivity_parser
from scenarios.cli_territory import add_territory_parser
from scenarios.cli_warehouses import add_warehouses_simulate_parser
from scenarios.jsonio import json_ready
from scenarios.paths import DEFAULT_DATASET, shipped_scenario
from scenarios.schema import committee_targets


# --------------------------------------------------------------------------- data
def cmd_data_generate(args: argparse.Namespace) -> int:
    from data.generate import DEFAULT_SEED, PROFILES, generate_to_folder

    if args.profile not in PROFILES:
        raise CliError(Problem("--profile", "", "one of " + ", ".join(PROFILES),
                               repr(args.profile)))
    seed = DEFAULT_SEED if args.seed is None else args.seed
    started = time.perf_counter()
    out = generate_to_folder(args.profile, seed, args.out)
    ds = _load(out)
    print(f"generated profile {args.profile!r} (seed {seed}) in {out} "
          f"in {time.perf_counter() - started:.1f} s")
    print(pd.Series(ds.counts(), name="rows").to_string())
    print(f"fingerprint {ds.fingerprint}")
    return 0


def cmd_data_check(args: argparse.Namespace) -> int:
    ds = _load(args.dir)
    print(f"data set {args.dir}: valid, as of {ds.as_of:%Y-%m-%d}, fingerprint {ds.fingerprint}")
    print(pd.Series(ds.counts(), name="rows").to_string())
    if args.json:
        _emit({"dataset": str(args.dir), "valid": True, "as_of": f"{ds.as_of:%Y-%m-%d}",
                    "fingerprint": ds.fingerprint, "rows": ds.counts()}, args)
    return 0


# --------------------------------------------------------------------------- kpis
def kpis_payload(ds, report, targets: dict[str, float]) -> dict:
    """The JSON document of ``pharmaops kpis`` (also stored as the run's summary)."""
    return {
        "dataset": str(ds.path), "fingerprint": ds.fingerprint, "as_of": f"{ds.as_of:%Y-%m-%d}",
        "period": {"start": f"{report.window.start:%Y-%m-%d}",
                   "end": f"{report.window.end:%Y-%m-%d}", "days": report.window.days},
        "kpis": report.kpis,
        "details": report.overall,
        "targets": targets,
        "aging_cny": report.aging_cny,
        "by_region": _records(report.by_region),
        "by_customer_type": _records(report.by_customer_type),
        "by_month": _records(report.by_month),
    }


def cmd_kpis(args: argparse.Namespace) -> int:
    from data.history import measure_history
    from scenarios.store import RunRecord, RunStore, code_version

    path = _dataset_arg(args.dataset)
    started = datetime.now(UTC)
    ds = _load(path)
    report = measure_history(ds, period_days=args.period_days)
    targets = committee_targets()
    payload = kpis_payload(ds, report, targets)
    table = pd.DataFrame({"today": report.kpis, "target": targets})
    print(f"KPIs of {path} measured over {payload['period']['start']} .. "
          f"{payload['period']['end']} ({report.window.days} days)")
    print(table.to_string(float_format=lambda v: f"{v:,.3f}"))
    from scenarios.expense_projection import TARGET_CHANGE_POINTS

    ratio = report.overall["selling_expense_ratio"]
    print("selling-expense ratio: " + (
        f"{100 * ratio:.1f}% (target: {TARGET_CHANGE_POINTS:+.0f} points)" if pd.notna(ratio)
        else "not known (no selling_expenses table)")
        + f"; new customers (terminals won): {report.overall['new_customers']:,.0f} "
        "(target: +20%)")
    if not args.no_store:
        store = RunStore(args.store)
        run_id = store.save(RunRecord(
            kind="measured", scenario_name=f"history of {path.name}", scenario_text="",
            dataset_path=str(path), dataset_fingerprint=ds.fingerprint,
            code_version=code_version(), seed=None, started_at=started,
            ended_at=datetime.now(UTC), status="completed", summary=json_ready(payload),
            replication_kpis=None,
            decision_tables={"by_region": report.by_region,
                             "by_customer_type": report.by_customer_type,
                             "by_month": report.by_month}))
        payload["run_id"] = run_id
        print(f"stored as run {run_id}")
    if args.json:
        _emit(payload, args)
    return 0


# --------------------------------------------------------------------------- simulation
def cmd_calibrate(args: argparse.Namespace) -> int:
    from scenarios.process_cache import today_process

    path = _dataset_arg(args.dataset)
    params = today_process(_load(path), status=_status)
    doc = params.model_dump(mode="json")
    pay = doc.pop("payment")
    pay.pop("customer_lateness_factor")
    pay.pop("customer_default_factor")
    print(f"today's process estimated from {params.source}")
    for key, value in {**doc, **{f"payment.{k}": v for k, v in pay.items()}}.items():
        print(f"{key:>38}: {value}")
    if args.json:
        _emit(params.model_dump(mode="json"), args)
    return 0


def _kpi_table(result) -> pd.DataFrame:
    rows = []
    for name, k in result.kpis.items():
        t = result.targets.get(name)
        rows.append({"kpi": name, "mean": k.mean, "ci95_lo": k.ci_low, "ci95_hi": k.ci_high,
                     "p10": k.p10, "p90": k.p90, "target": t.target if t else None,
                     "status": t.status if t else None,
                     "p(meet)": t.probability if t else None,
                     "p(meet)_lo": t.probability_ci95[0] if t else None,
                     "p(meet)_hi": t.probability_ci95[1] if t else None,
                     "reps_to_decide": t.replications_to_decide if t else None})
    return pd.DataFrame(rows).set_index("kpi")


def _open_store(args: argparse.Namespace):
    """The run store to write to, opened and checked before any work (None with --no-store)."""
    from scenarios.store import RunStore

    return None if args.no_store else RunStore(args.store)


def _datasets(loaded: list) -> list:
    """Each scenario's data set, every one loaded once (its kept tables when this code read it
    before), so the scenarios share what depends on it alone (data/dataset_memo.py)."""
    from scenarios.dataset_cache import load_dataset_kept

    by_folder: dict[Path, object] = {}
    for item in loaded:
        folder = Path(item.dataset_path).resolve()
        if folder not in by_folder:
            by_folder[folder] = load_dataset_kept(folder)
    return [by_folder[Path(item.dataset_path).resolve()] for item in loaded]


def _prepare_all(loaded: list) -> list:
    """Every scenario's data set, process and models, before any simulation starts."""
    from scenarios.run import prepare

    return [prepare(item, ds, status=_status)
            for item, ds in zip(loaded, _datasets(loaded), strict=True)]


def _assumption_table(result) -> pd.DataFrame:
    """The assumptions the scenario's levers use: value, plausible range and source."""
    rows = {name: {"value": a["value"], "low": a["low"], "high": a["high"],
                   "source": a["source"]}
            for name, a in result.assumptions.items() if a.get("used")}
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=["value", "low", "high", "source"])


def _left_text(frame: pd.DataFrame, column: str, width: int = 70) -> pd.DataFrame:
    """``frame`` with ``column`` cut to ``width`` characters and padded to be read left to
    right (pandas aligns text to the right)."""
    text = frame[column].astype(str)
    text = text.where(text.str.len() <= width, text.str.slice(0, width - 1) + "…")
    return frame.assign(**{column: text.str.ljust(int(text.str.len().max() or 0))})


def _print_run(run) -> None:
    r = run.result
    print(f"scenario {r.scenario!r}: {r.replications} replications, seed {r.seed}, "
          f"run {r.run_id or '(not stored)'}, {r.runtime_s:.0f} s")
    print(_kpi_table(r).to_string(float_format=lambda v: f"{v:,.4g}"))
    sales = r.details.get("credit_sales_cny")
    if sales is not None:
        days = r.window.get("horizon_days", 0) - r.window.get("warmup_days", 0)
        print(f"credit sales over the {days} days measured: {sales.mean:,.0f} CNY "
              f"(95% CI {sales.ci95[0]:,.0f} .. {sales.ci95[1]:,.0f})")
    won = r.details.get("new_customers_per_year")
    if won is not None:
        print(f"new customers (prospects won) a year: {won.mean:,.1f} (95% CI "
              f"{won.ci95[0]:,.1f} .. {won.ci95[1]:,.1f})")
    print("\n".join(plan_lines(r)))
    used = _assumption_table(r)
    print(f"\nassumptions the levers use ({len(used)} of {len(r.assumptions)}; plausible "
          "range and source: docs/scenarios.md)")
    print(_left_text(used, "source").to_string(float_format=lambda v: f"{v:,.4g}"))
    stages = pd.DataFrame(r.stages).T
    print("\nprocess stages (means over replications)")
    print(stages.to_string(float_format=lambda v: f"{v:,.3f}"))


def _simulate_one(args: argparse.Namespace, loaded):
    """Open the store, prepare, simulate and store one validated scenario (the store and the
    preparation are checked before any replication runs); returns (prepared, run)."""
    from scenarios.run import simulate, store_run

    store = _open_store(args)
    prepared = _prepare_all([loaded])[0]
    started = datetime.now(UTC)
    run = simulate(loaded, prepared, replications=args.replications, seed=args.seed,
                   workers=args.workers, scheduler=args.scheduler,
                   progress=_progress_bar(loaded.scenario.name, args.progress_file))
    if store is not None:
        store_run(run, loaded, store, started)
    return prepared, run


def cmd_run(args: argparse.Namespace) -> int:
    from scenarios.compare import load_scenarios

    loaded = load_scenarios([args.scenario], allow_outside_data=args.allow_outside_data)[0]
    _, run = _simulate_one(args, loaded)
    _print_run(run)
    if args.json:
        _emit(run.payload, args)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from scenarios.compare import (
        common_settings,
        comparison_summary,
        load_scenarios,
        run_comparison,
    )
    from scenarios.jsonio import write_json

    if len(args.scenarios) < 2:
        raise CliError(Problem("compare", "SCENARIO", "two or more scenario files",
                               f"{len(args.scenarios)}"))
    loaded = load_scenarios(args.scenarios, allow_outside_data=args.allow_outside_data)
    store = _open_store(args)
    if args.partial_json:  # refined: each scenario prepared just before its first round
        from scenarios.compare import Preparing
        from scenarios.run import prepare

        prepared = Preparing(loaded, _datasets(loaded), partial(prepare, status=_status))
    else:
        prepared = _prepare_all(loaded)
    # one seed and replication count for all: common random numbers make differences paired
    seed, reps = common_settings(loaded, args.seed, args.replications)

    def so_far(comparison) -> None:  # the comparison after a round, replaced atomically
        write_json({**comparison_summary(comparison), "replications_planned": reps,
                    "scenarios_planned": len(loaded)}, args.partial_json)

    comparison = run_comparison(loaded, prepared, seed=seed, replications=reps,
                                workers=args.workers, scheduler=args.scheduler,
                                progress=partial(_progress_bar, path=args.progress_file),
                                store=store, partial=so_far if args.partial_json else None)
    doc = comparison_summary(comparison)
    for name, diffs in doc["differences"].items():
        print(f"\n{name} − {doc['base']} (paired over {reps} replications, seed {seed})")
        table = pd.DataFrame({k: {"difference": d["mean"], "ci95_lo": d["ci95"][0],
                                  "ci95_hi": d["ci95"][1], "verdict": d["verdict"]}
                              for k, d in diffs.items()}).T
        print(table.to_string(float_format=lambda v: f"{v:,.4g}"))
    if args.json:
        _emit(doc, args)
    return 0


def cmd_validation(args: argparse.Namespace) -> int:
    from scenarios.compare import load_scenarios
    from scenarios.validation import history_window_days, is_todays_process, validate_baseline

    loaded = load_scenarios([args.scenario], allow_outside_data=args.allow_outside_data)[0]
    scenario = loaded.scenario
    if not is_todays_process(scenario):
        raise CliError(Problem(str(loaded.path), "orders, logistics, territory, credit",
                               "a scenario of today's process (no lever pulled), such as "
                               "scenarios/2026Q4/baseline.toml", "levers set away from today's"))
    prepared, run = _simulate_one(args, loaded)
    table = validate_baseline(prepared.dataset, run.per_replication, scenario.horizon_days,
                              scenario.warmup_days)
    days = history_window_days(prepared.dataset, scenario.horizon_days, scenario.warmup_days)
    r = run.result
    print(f"simulated {scenario.name!r} ({r.replications} replications, seed {r.seed}, "
          f"run {r.run_id or '(not stored)'}) vs the history of the last {days} days "
          f"(the same calendar days)")
    print(table.set_index("kpi").to_string(float_format=lambda v: f"{v:,.4g}"))
    print("consistent: history lies in the 95% prediction interval of one simulated year "
          "(year_low .. year_high)")
    if args.json:
        _emit({"scenario": scenario.name, "run_id": r.run_id, "seed": r.seed,
               "replications": r.replications, "history_days": days,
               "validation": _records(table)}, args)
    return 0


# --------------------------------------------------------------------------- warehouses
def cmd_warehouses_solve(args: argparse.Namespace) -> int:
    from scenarios.loading import load_scenario
    from scenarios.location import LocationLevers, solve_warehouses
    from scenarios.process_cache import today_process
    from scenarios.warehouses import cost_table, outcome_tables

    if args.candidates not in ("sites", "prefectures"):
        raise CliError(Problem("--candidates", "", "sites or prefectures", repr(args.candidates)))
    if not args.time_limit > 0:
        raise CliError(Problem("--time-limit", "", "a number of seconds > 0",
                               f"{args.time_limit:g}"))
    loaded = load_scenario(args.scenario, allow_outside_data=args.allow_outside_data)
    ds = _load(loaded.dataset_path)
    params = today_process(ds, process_path=loaded.process_path, status=_status)
    levers = LocationLevers.from_scenario(loaded.scenario, args.candidates)
    outcome = solve_warehouses(ds, params, levers, args.time_limit)
    instance = outcome.instance
    doc = {"scenario": loaded.scenario.name, "dataset": str(loaded.dataset_path),
           "dataset_fingerprint": ds.fingerprint, **outcome.summary()}
    tables = outcome_tables(outcome)
    r = outcome.result
    print(f"forward-warehouse location for {loaded.scenario.name!r}: "
          f"{instance.problem.n_sites} {args.candidates} candidates × "
          f"{instance.problem.n_customers} districts with demand")
    gap = "n/a" if r.gap is None else f"{r.gap:.2e}"
    obj = "n/a" if r.objective is None else f"{r.objective:,.0f}"
    bound = "n/a" if r.lower_bound is None else f"{r.lower_bound:,.0f}"
    print(f"status {r.status} in {r.seconds:.1f} s ({r.method}); objective {obj} CNY/year, "
          f"lower bound {bound}, gap {gap}")
    if r.message and r.status != "optimal":
        print(f"  {r.message}")
    if instance.unreachable:
        print(f"{len(instance.unreachable)} district(s) no candidate reaches within "
              f"{instance.service_days:g} days (exempt): " + ", ".join(instance.unreachable))
    chosen = tables["sites"][tables["sites"]["open"]]
    if not chosen.empty:
        print("\nopen sites")
        print(chosen.drop(columns=["open", "lon", "lat"]).to_string(
            index=False, float_format=lambda v: f"{v:,.2f}"))
    if outcome.costs:
        print("\ncost components, CNY/year")
        print(pd.Series(outcome.costs).to_string(float_format=lambda v: f"{v:,.0f}"))
        print("\nshare of demand delivered within k days (calibrated transit, no noise)")
        print(tables["coverage"].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    try:
        if args.json:
            _emit(doc, args)
        if args.csv:
            if args.csv == "-":  # a pipe: no byte order mark
                tables["sites"].to_csv(sys.stdout, index=False)
            else:  # a file for Excel: UTF-8 with BOM, as every CSV the product writes
                tables["sites"].to_csv(args.csv, index=False, encoding="utf-8-sig")
        if args.xlsx:
            summary = {k: v for k, v in json_ready(doc).items()
                       if not isinstance(v, list | dict)}
            with pd.ExcelWriter(args.xlsx, engine="openpyxl") as writer:
                pd.DataFrame({"field": list(summary), "value": [str(v) for v in
                                                                summary.values()]}).to_excel(
                    writer, sheet_name="summary", index=False)
                cost_table(outcome).to_excel(writer, sheet_name="costs", index=False)
                for name, frame in tables.items():
                    frame.to_excel(writer, sheet_name=name, index=False)
    except OSError as exc:
        raise CliError(Problem("export", "", "a writable file", str(exc))) from exc
    return 0


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pharmaops", description="Decision support for pharmaceutical sales operations.")
    sub = parser.add_subparsers(dest="command", required=True)

    data_p = sub.add_parser("data", help="generate, check, import a data set")
    data_sub = data_p.add_subparsers(dest="data_command", required=True)
    gen = data_sub.add_parser("generate", help="generate a realistic data set")
    gen.add_argument("--profile", default="national", help="small, national or large")
    gen.add_argument("--seed", type=int, default=None, help="random seed (default 20261)")
    gen.add_argument("--out", required=True, help="output folder (replaced atomically)")
    gen.set_defaults(func=cmd_data_generate)
    chk = data_sub.add_parser("check", help="validate a data set folder")
    chk.add_argument("dir")
    chk.add_argument("--json", metavar="PATH")
    chk.set_defaults(func=cmd_data_check)
    add_data_parsers(data_sub)

    kp = sub.add_parser("kpis", help="measure today's KPIs from a data set's history")
    kp.add_argument("dataset", nargs="?", help=f"data set folder (default {DEFAULT_DATASET})")
    kp.add_argument("--period-days", type=int, default=365, help="measurement period (days)")
    kp.add_argument("--json", metavar="PATH", help="write the KPIs as JSON ('-' = stdout)")
    kp.add_argument("--store", metavar="PATH", help="run store (default $PHARMAOPS_RUN_STORE "
                                                    "or runs/pharmaops.sqlite)")
    kp.add_argument("--no-store", action="store_true", help="do not record the measurement")
    kp.set_defaults(func=cmd_kpis)

    add_book_parser(sub)

    cal = sub.add_parser("calibrate", help="estimate today's process from a data set's history")
    cal.add_argument("dataset", nargs="?", help=f"data set folder (default {DEFAULT_DATASET})")
    cal.add_argument("--json", metavar="PATH", help="write the parameters as JSON")
    cal.set_defaults(func=cmd_calibrate)

    def simulation_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--replications", type=int, help="override the scenario's count")
        p.add_argument("--seed", type=int, help="override the scenario's seed")
        p.add_argument("--workers", type=int, help="local worker processes (default: cores)")
        p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address "
                       "(or $PHARMAOPS_DASK_SCHEDULER); default: local processes")
        p.add_argument("--json", metavar="PATH", help="write the results as JSON")
        p.add_argument("--store", metavar="PATH", help="run store (default "
                       "$PHARMAOPS_RUN_STORE or runs/pharmaops.sqlite)")
        p.add_argument("--no-store", action="store_true", help="do not record the run")
        p.add_argument("--progress-file", metavar="PATH", help="write each scenario's progress "
                       "as JSON here (done, total, label)")
        p.add_argument("--allow-outside-data", action="store_true",
                       help="allow a data set outside the project's data folder")

    rn = sub.add_parser("run", help="simulate a scenario: KPIs with confidence intervals")
    rn.add_argument("scenario")
    simulation_options(rn)
    rn.set_defaults(func=cmd_run)
    cp = sub.add_parser("compare", help="paired differences between scenarios (first = base)")
    cp.add_argument("scenarios", nargs="+")
    simulation_options(cp)
    cp.add_argument("--partial-json", metavar="PATH", help="refine as replications arrive: "
                    "each scenario is prepared just before its first replications, the "
                    "scenarios advance together (2, 4, 8 … replications) and after each "
                    "round but the last the comparison so far is written here (the --json "
                    "document, with replications_planned and scenarios_planned)")
    cp.set_defaults(func=cmd_compare)

    vl = sub.add_parser("validation", help="today's process simulated vs the measured "
                        "history: differences with confidence and prediction intervals")
    vl.add_argument("scenario", nargs="?", default=str(shipped_scenario("baseline")),
                    help="a scenario of today's process (default: the newest quarter's "
                         "baseline.toml)")
    simulation_options(vl)
    vl.set_defaults(func=cmd_validation)

    add_sensitivity_parser(sub)
    add_attribution_parser(sub)

    wh = sub.add_parser("warehouses", help="forward-warehouse location model")
    wh_sub = wh.add_subparsers(dest="warehouses_command", required=True)
    ws = wh_sub.add_parser("solve", help="choose forward warehouses for a scenario's data set "
                           "and warehouse levers")
    ws.add_argument("scenario")
    ws.add_argument("--candidates", default="sites",
                    help="sites (the data set's sites table, default) or prefectures (every "
                         "prefecture-level city)")
    ws.add_argument("--time-limit", type=float, default=60.0, help="solver wall time, s")
    ws.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    ws.add_argument("--csv", metavar="PATH", help="write the sites table as CSV")
    ws.add_argument("--xlsx", metavar="PATH", help="write summary, costs, sites, coverage and "
                                                   "assignment as an Excel workbook")
    ws.add_argument("--allow-outside-data", action="store_true",
                    help="allow a data set outside the project's data folder")
    ws.set_defaults(func=cmd_warehouses_solve)
    add_warehouses_simulate_parser(wh_sub)

    add_channel_parser(sub)
    add_credit_parser(sub)
    add_territory_parser(sub)

    add_runs_parser(sub)
    return parser


def _option_problems(args: argparse.Namespace) -> list[Problem]:
    """Options out of range, and output paths that cannot be written, found before any work.
    ``--seed`` and ``--replications`` take the scenario schema's own bounds."""
    from scenarios.jsonio import output_path_problem
    from scenarios.schema import Scenario

    problems = []
    bounds = {"period_days": (1, 3650), "workers": (1, 256), "frontier_points": (2, 50)}
    for name in ("replications", "seed"):
        limits = {k: getattr(m, k) for m in Scenario.model_fields[name].metadata
                  for k in ("ge", "le") if getattr(m, k, None) is not None}
        bounds[name] = (limits["ge"], limits["le"])
    for name, (low, high) in bounds.items():
        value = getattr(args, name, None)
        if value is not None and not low <= value <= high:
            problems.append(Problem(f"--{name.replace('_', '-')}", "",
                                    f"a whole number in {low}..{high}", str(value)))
    for option in ("json", "csv", "xlsx", "progress_file"):
        target = getattr(args, option, None)
        if target:
            problem = output_path_problem(target, f"--{option.replace('_', '-')}")
            if problem is None and target == "-" and option == "xlsx":
                problem = Problem("--xlsx", "", "a file path (an Excel file is not text)", "-")
            if problem is not None:
                problems.append(problem)
    return problems


def _report(exc: InputError) -> None:
    if len(exc.problems) > 1:
        print(f"error: {exc.summary}", file=sys.stderr)
        for p in exc.problems:
            print(f"  - {p}", file=sys.stderr)
    else:
        print(f"error: {exc.problems[0] if exc.problems else exc}", file=sys.stderr)


def _terminate(signum: int, _frame) -> None:
    # SIGTERM unwinds like Ctrl-C, so worker processes are stopped and nothing half-stored
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problems = _option_problems(args)
    if problems:
        _report(CliError(problems, summary=f"{len(problems)} bad option(s); nothing was done"))
        return EXIT_BAD_INPUT
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        if getattr(args, "json", None) == "-":
            # stdout is for the JSON alone; the tables for people go to stderr
            args.json_stdout = sys.stdout
            with contextlib.redirect_stdout(sys.stderr):
                return args.func(args)
        return args.func(args)
    except InputError as exc:
        _report(exc)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing of the unfinished work was stored", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `pharmaops … | head`: the reader left; say nothing more
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces the closed pipe to exit
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
