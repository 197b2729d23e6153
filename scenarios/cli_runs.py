"""``pharmaops runs list | show RUN_ID | compare RUN_ID RUN_ID...``: the run store from the
command line. Tables for people on stdout, ``--json PATH`` for machines; bad input is reported
by :func:`scenarios.cli.main` (exit code 2)."""

from __future__ import annotations

import argparse
import re

import pandas as pd

from data.problems import Problem
from scenarios.cli_common import CliError, _emit, _records

#: what a run id may look like (refused before it reaches the store or the terminal)
RUN_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}")


def _checked_ids(command: str, run_ids: list[str]) -> list[str]:
    bad = [r for r in run_ids if not RUN_ID.fullmatch(r)]
    if bad:
        raise CliError(Problem(command, "RUN_ID", "a run id such as 20261202-143000-1a2b3c "
                               "(see `pharmaops runs list`)", ascii(bad[0])))
    return run_ids


def cmd_runs_list(args: argparse.Namespace) -> int:
    from scenarios.store import RunStore

    runs = RunStore(args.store, read_only=True).list_runs()
    print("no runs stored yet" if runs.empty else runs.to_string(index=False))
    if args.json:
        _emit({"runs": _records(runs)}, args)
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    from scenarios.store import RunStore

    _checked_ids("runs show", [args.run_id])
    run = RunStore(args.store, read_only=True).get(args.run_id)
    doc = run.to_json_dict()
    for key in ("run_id", "kind", "scenario_name", "status", "started_at", "ended_at", "seed",
                "dataset_path", "dataset_fingerprint", "code_version"):
        print(f"{key:>20}: {doc.get(key)}")
    kpis = (doc.get("summary") or {}).get("kpis")
    if isinstance(kpis, dict):
        print(pd.Series(kpis, name="value").to_string())
    if args.json:
        _emit(doc, args)
    return 0


def _estimate_text(estimate) -> str:
    if estimate is None:
        return "—"
    lo, hi = estimate.ci95
    ci = "" if pd.isna(lo) else f" [{lo:.4g}, {hi:.4g}]"
    return f"{estimate.mean:.4g}{ci}"


def comparison_tables(comparison) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The KPIs side by side (mean [95% CI] and verdict against the target per run) and,
    per other run, its differences from the base."""
    from data.kpis import KPI_NAMES

    side = pd.DataFrame({"kpi": list(KPI_NAMES)})
    for label, result in zip(comparison.labels, comparison.results, strict=True):
        side[label] = [_estimate_text(result.kpis.get(k)) for k in KPI_NAMES]
        side[f"{label}: target"] = [
            "—" if (t := result.targets.get(k)) is None else f"{t.status} ({t.target:.4g})"
            for k in KPI_NAMES]
    differences = {
        label: pd.DataFrame([{"kpi": k, "difference": d["mean"], "ci_low": d["ci95"][0],
                              "ci_high": d["ci95"][1], "verdict": d["verdict"],
                              "method": d["method"]} for k, d in diffs.items()])
        for label, diffs in comparison.differences.items()}
    return side, differences


def cmd_runs_compare(args: argparse.Namespace) -> int:
    from scenarios.store import RunStore
    from scenarios.stored_compare import compare_stored, reason_text, stored_comparison_summary

    ids = _checked_ids("runs compare", args.run_ids)
    comparison = compare_stored(RunStore(args.store, read_only=True), ids)
    side, differences = comparison_tables(comparison)
    print(f"base: {comparison.labels[0]} (run {comparison.runs[0].run_id})")
    print(side.to_string(index=False))
    for label, frame in differences.items():
        pairing = comparison.pairing[label]
        print(f"\n{label} − {comparison.labels[0]}: ", end="")
        if pairing["method"] == "paired":
            print(f"paired differences over {pairing['pairs']} common replications "
                  "(same seed, data set, window and code: common random numbers)")
        else:
            print("unpaired (Welch) differences, not common random numbers: "
                  + "; ".join(reason_text(r) for r in pairing["reasons"]))
        print(frame.to_string(index=False))
    if args.json:
        _emit(stored_comparison_summary(comparison), args)
    return 0


def add_runs_parser(sub) -> None:
    runs = sub.add_parser("runs", help="list, show or compare stored runs")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True)
    rl = runs_sub.add_parser("list", help="list stored runs, newest first")
    rl.set_defaults(func=cmd_runs_list)
    rs = runs_sub.add_parser("show", help="show one stored run")
    rs.add_argument("run_id")
    rs.set_defaults(func=cmd_runs_show)
    rc = runs_sub.add_parser(
        "compare", help="stored simulation runs side by side with their differences from the "
        "first (paired under common random numbers where the runs allow)")
    rc.add_argument("run_ids", nargs="+", metavar="RUN_ID")
    rc.set_defaults(func=cmd_runs_compare)
    for p in (rl, rs, rc):
        p.add_argument("--store", metavar="PATH")
        p.add_argument("--json", metavar="PATH")
