"""``pharmaops sensitivity SCENARIO``: which of a scenario's target verdicts flip when its
assumptions move within their plausible ranges (docs/scenarios.md, "Sensitivity"). Tables for
people on stdout, progress on stderr, ``--json PATH`` for machines; bad input is reported by
:func:`scenarios.cli.main` (exit code 2)."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from scenarios.cli_common import _status
from scenarios.jsonio import write_json


def _progress_bar(path: str | None = None):
    """A bar on stderr and, with ``path``, ``{"done", "total", "label"}`` written atomically
    to it after each evaluation (the app's job queue)."""
    from tqdm import tqdm

    bar = tqdm(total=0, desc="sensitivity", unit="evaluation", file=sys.stderr, leave=True)

    def progress(done: int, total: int, label: str) -> None:
        bar.total = total
        bar.set_postfix_str(label, refresh=False)
        bar.update(done - bar.n)
        if path:
            write_json({"done": done, "total": total, "label": label}, path)
        if done == total:
            bar.refresh()

    return bar, progress


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from scenarios.compare import load_scenarios
    from scenarios.run import prepare
    from scenarios.sensitivity_run import base_table, run_sensitivity, verdict_grid

    loaded = load_scenarios([args.scenario], allow_outside_data=args.allow_outside_data)[0]
    names = None if args.assumptions is None else [
        n.strip() for n in args.assumptions.split(",") if n.strip()]
    if names is not None:  # a bad name is refused before the data set is prepared
        from scenarios.sensitivity_run import chosen_assumptions

        chosen_assumptions(loaded, names)
    prepared = prepare(loaded, status=_status)
    bar, progress = _progress_bar(args.progress_file)
    try:
        found = run_sensitivity(loaded, prepared, replications=args.replications,
                                seed=args.seed, workers=args.workers, scheduler=args.scheduler,
                                assumptions=names, progress=progress)
    finally:
        bar.close()
    result = found.result
    floats = {"float_format": lambda v: f"{v:,.4g}"}
    print(f"sensitivity of {found.scenario!r}: {len(found.varied)} assumptions over their "
          f"plausible ranges, {found.settings_simulated} settings × "
          f"{found.replications} replications, seed {found.seed} (common random numbers), "
          f"{found.runtime_s:.0f} s")
    print("\nverdicts at the scenario's own assumptions (met / not met: the whole 95% CI on "
          "one side of the target; uncertain: the CI holds it)")
    print(base_table(found).to_string(**floats))
    print("\nverdict at the low → high end where it differs from the verdict above; · = same")
    with pd.option_context("display.max_columns", None, "display.width", 250):
        print(verdict_grid(found).to_string())
    print(f"\n{len(result.flips)} flip(s)" + (":" if result.flips else ""))
    for flip in result.flips:
        span = "" if flip.low is None else f" ({flip.low:g} .. {flip.high:g})"
        print(f"  {flip.kpi}: {flip.assumption}{span}: {flip.verdict_at_low} at low, "
              f"{flip.verdict_at_high} at high")
    if found.not_varied:
        print("\nnot varied: " + ", ".join(f"{n} ({why})" for n, why in
                                         found.not_varied.items()))
    if args.json:
        write_json(found.to_json(), args.json, getattr(args, "json_stdout", None))
    return 0


def add_sensitivity_parser(sub) -> None:
    """The ``sensitivity`` subcommand on the ``pharmaops`` parser."""
    se = sub.add_parser("sensitivity", help="which target verdicts flip when the scenario's "
                        "assumptions move within their plausible ranges")
    se.add_argument("scenario")
    se.add_argument("--replications", type=int, help="replications per setting (default: "
                    "the scenario's count)")
    se.add_argument("--seed", type=int, help="override the scenario's seed (shared by every "
                    "setting)")
    se.add_argument("--assumptions", metavar="NAME[,NAME]", help="vary these assumptions "
                    "(default: every one the scenario's levers use)")
    se.add_argument("--workers", type=int, help="local worker processes (default: cores)")
    se.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    se.add_argument("--json", metavar="PATH", help="write flips, verdict table and every "
                    "evaluation as JSON ('-' = stdout)")
    se.add_argument("--progress-file", metavar="PATH", help="write the progress as JSON here "
                    "(done, total, label)")
    se.add_argument("--allow-outside-data", action="store_true",
                    help="allow a data set outside the project's data folder")
    se.set_defaults(func=cmd_sensitivity)
