"""``pharmaops attribute BASE PLAN``: what each lever group contributes to each KPI from the
base to the plan (Shapley values under common random numbers, docs/attribution.md), or with
``--quick`` each group added to the base and removed from the plan. Tables for people on
stdout, progress on stderr (and as JSON in ``--progress-file`` for the app), ``--json PATH``
for machines; the result is stored in the run store unless ``--no-store``. Bad input is
reported by :func:`scenarios.cli.main` (exit code 2)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

import pandas as pd

from scenarios.cli_common import CliError, _emit, _status
from scenarios.jsonio import write_json
from scenarios.paths import shipped_scenario

#: the default base and plan: the shipped scenarios (one place, should they move)
DEFAULT_BASE = shipped_scenario("baseline")
DEFAULT_PLAN = shipped_scenario("plan")


def _progress(path: str | None):
    """A progress callback: a bar on stderr and, with ``path``, ``{"done", "total",
    "label"}`` written atomically to it after each coalition."""
    from tqdm import tqdm

    bar = tqdm(total=0, desc="attribution", unit="coalition", file=sys.stderr, leave=True)

    def progress(done: int, total: int, label: str) -> None:
        bar.total = total
        bar.set_postfix_str(label, refresh=False)
        bar.update(done - bar.n)
        if path:
            write_json({"done": done, "total": total, "label": label, "state": "running"},
                       path)

    return bar, progress


def contribution_table(found, which: str = "contributions") -> pd.DataFrame:
    """KPI × (base, each group, total, plan): ``mean [lo, hi]`` per cell."""
    table = found.table(which)
    cells = table.assign(cell=[
        f"{r.mean:,.4g}" if r.group in ("base", "plan") or pd.isna(r.ci95_lo)
        else f"{r.mean:+,.4g} [{r.ci95_lo:+,.3g}, {r.ci95_hi:+,.3g}]"
        for r in table.itertuples()])
    grid = cells.pivot(index="kpi", columns="group", values="cell")
    order = ["base", *getattr(found, which), "total", "plan"]
    return grid.loc[list(found.kpis), order]


def cmd_attribute(args: argparse.Namespace) -> int:
    from scenarios.attribution import attributable_groups, attribute, one_at_a_time
    from scenarios.attribution_result import store_attribution
    from scenarios.compare import load_scenarios
    from scenarios.store import RunStore

    if args.quick and args.permutations is not None:
        raise CliError(_problem("--permutations", "no --permutations with --quick (the quick "
                                "view samples no orders)", str(args.permutations)))
    if args.permutations is not None and not 1 <= args.permutations <= 1000:
        raise CliError(_problem("--permutations", "a whole number in 1..1000",
                                str(args.permutations)))
    base, plan = load_scenarios([args.base, args.plan],
                                allow_outside_data=args.allow_outside_data)
    attributable_groups(base, plan)  # refused before the store is opened or anything runs
    store = None if args.no_store else RunStore(args.store)
    started = datetime.now(UTC)
    bar, progress = _progress(args.progress_file)
    options = dict(replications=args.replications, seed=args.seed, workers=args.workers,
                   scheduler=args.scheduler, status=_status, progress=progress)
    try:
        found = (one_at_a_time(base, plan, **options) if args.quick
                 else attribute(base, plan, permutations=args.permutations, **options))
    finally:
        bar.close()
    if store is not None:
        found = store_attribution(found, store, started)
    _print(found)
    if args.progress_file:
        write_json({"done": len(found.coalitions), "total": len(found.coalitions),
                    "label": "", "state": "done", "run_id": found.run_id}, args.progress_file)
    if args.json:
        _emit(found.to_json(), args)
    return 0


def _problem(option: str, expected: str, found: str):
    from data.problems import Problem

    return Problem(option, "", expected, found)


def _print(found) -> None:
    how = {"exact": "Shapley values over every coalition",
           "sampled": f"Shapley values from {found.permutations} sampled orders",
           "one_at_a_time": "one at a time"}[found.method]
    print(f"attribution of {found.plan_name!r} against {found.base_name!r}: {how}; lever "
          f"groups {', '.join(found.groups)}; {len(found.coalitions)} coalitions × "
          f"{found.replications} replications, seed {found.seed} (common random numbers), "
          f"{found.runtime_s:.0f} s, run {found.run_id or '(not stored)'}")
    with pd.option_context("display.max_columns", None, "display.width", 250):
        if found.contributions:
            print("\ncontribution of each lever group: mean [95% CI] over replications "
                  "(they add up to the total)")
            print(contribution_table(found).to_string())
        if found.added:
            print("\neach group added to the base alone (v({g}) − v(base))")
            print(contribution_table(found, "added").to_string())
            print("\neach group removed from the plan (v(plan) − v(plan without g))")
            print(contribution_table(found, "removed").to_string())


def add_attribution_parser(sub) -> None:
    """The ``attribute`` subcommand on the ``pharmaops`` parser."""
    at = sub.add_parser("attribute", help="what each lever group contributes to each KPI "
                        "from a base to a plan (Shapley values, common random numbers)")
    at.add_argument("base", nargs="?", default=str(DEFAULT_BASE),
                    help="the base scenario (default: the book's newest baseline)")
    at.add_argument("plan", nargs="?", default=str(DEFAULT_PLAN),
                    help="the plan scenario (default: the book's newest plan)")
    at.add_argument("--replications", type=int, help="replications per coalition (default: "
                    "the base's count)")
    at.add_argument("--seed", type=int, help="override the base's seed (shared by every "
                    "coalition)")
    at.add_argument("--permutations", type=int, help="sample this many antithetic pairs of "
                    "orders of the groups instead of every coalition")
    at.add_argument("--quick", action="store_true", help="each group added to the base and "
                    "removed from the plan only (2n + 2 coalitions)")
    at.add_argument("--workers", type=int, help="local worker processes (default: cores)")
    at.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    at.add_argument("--json", metavar="PATH", help="write the attribution as JSON ('-' = "
                    "stdout)")
    at.add_argument("--progress-file", metavar="PATH", help="write the progress as JSON here "
                    "after each coalition")
    at.add_argument("--store", metavar="PATH", help="run store (default "
                    "$PHARMAOPS_RUN_STORE or runs/pharmaops.sqlite)")
    at.add_argument("--no-store", action="store_true", help="do not record the attribution")
    at.add_argument("--allow-outside-data", action="store_true",
                    help="allow a data set outside the project's data folder")
    at.set_defaults(func=cmd_attribute)
