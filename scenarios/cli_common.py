"""What every ``pharmaops`` command shares: the command-line error, where JSON goes, loading
the data set a command names (or the default one)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from data.problems import InputError, Problem
from scenarios.jsonio import write_json
from scenarios.paths import DEFAULT_DATASET

#: the exit code of bad input (a file, a field, an option)
EXIT_BAD_INPUT = 2


class CliError(InputError):
    """Bad command-line input (a missing file, a bad option value)."""


# --------------------------------------------------------------------------- helpers
def _emit(payload: dict, args: argparse.Namespace) -> None:
    """Write the command's JSON where ``--json`` says; with ``--json -`` stdout carries only
    the JSON (the tables for people went to stderr, see :func:`main`)."""
    write_json(payload, args.json, getattr(args, "json_stdout", None))


def _status(message: str) -> None:
    """A progress message for people, on stderr (stdout may carry ``--json -``)."""
    print(message, file=sys.stderr, flush=True)


def _progress_bar(label: str, path: str | None = None):
    """A scenario's replication bar on stderr and, with ``path``, ``{"done", "total",
    "label"}`` written atomically to it after each replication (the app's job queue)."""
    from tqdm import tqdm

    bar = tqdm(total=0, desc=label, unit="rep", file=sys.stderr, leave=True)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
        if path:
            write_json({"done": done, "total": total, "label": label}, path)
        if done == total:
            bar.close()

    return progress


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict(orient="records")


def _load(path: str | Path):
    from data.dataset import load_dataset

    return load_dataset(path)


def _dataset_arg(value: str | None) -> Path:
    if value is not None:
        return Path(value)
    if not DEFAULT_DATASET.is_dir():
        raise CliError(Problem(str(DEFAULT_DATASET), "", "the default data set",
                               "no folder; run `make data` or `pharmaops data generate "
                               f"--profile national --out {DEFAULT_DATASET}`"))
    return DEFAULT_DATASET


def plan_lines(r) -> list[str]:
    """The selling-expense ratio, and the call plan and the academic specialists' plan when
    the scenario has them."""
    lines = [expense_line(r)]
    if r.call_plan:
        c = r.call_plan
        lines.append(
            f"call plan ({c['status']}, gap {c['gap']:.2%}): {c['reps']} reps (today "
            f"{c['reps_today']}), {c['calls_planned']:,} calls a month (today "
            f"{c['calls_today']:,.0f}); the curves expect {c['uplift_share']:+.1%} sales "
            f"from the accounts planned; {c['calls_per_rep_planned']:,.0f} calls a rep "
            f"(today {c['calls_per_rep_today']:,.0f}): phone and WeChat orders wait "
            f"×{c['keying_factor']:.2f} to be keyed in")
    m = r.academic_meetings
    if m:
        lines.append(
            f"academic specialists: not planned ({m['left_out']}); meetings as today"
            if m.get("left_out") else
            f"academic specialists ({m['status']}): {m['meetings_planned_month']} meetings a "
            f"month at the core accounts where they earn most (today "
            f"{m['meetings_today_month']:.1f}); the effect estimated expects "
            f"{m['sales_change_cny_month']:+,.0f} CNY a month from those accounts")
    return lines


def expense_line(r) -> str:
    """The projected selling-expense ratio in points with its CI, against today's."""
    ratio, today = r.details.get("selling_expense_ratio"), r.selling_expenses.get("today_ratio")
    if ratio is None:
        return "selling-expense ratio: not known (the data set has no selling_expenses table)"
    return (f"selling-expense ratio: {100 * ratio.mean:.1f}% (95% CI {100 * ratio.ci95[0]:.1f} "
            f".. {100 * ratio.ci95[1]:.1f}); today {100 * (today or float('nan')):.1f}%, "
            f"target {r.selling_expenses['target_change_points']:+.0f} points")
