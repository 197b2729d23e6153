"""The ``pharmaops`` command line: tables for people on stdout, ``--json PATH`` for machines,
problems on stderr with exit code 2."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import data as data_pkg
from data.problems import InputError, Problem

EXIT_BAD_INPUT = 2
DATA_DIR = Path(data_pkg.__file__).resolve().parent
DEFAULT_DATASET = DATA_DIR / "national"


class CliError(InputError):
    """Bad command-line input (a missing file, a bad option value)."""


# --------------------------------------------------------------------------- helpers
def _json_ready(value: object) -> object:
    """Make floats JSON-safe (NaN -> null) through nested dicts and lists."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _json_ready(value.item())
    return value


def write_json(payload: dict, path: str) -> None:
    """Write ``payload`` as JSON to ``path`` atomically (``-`` = stdout)."""
    text = json.dumps(_json_ready(payload), indent=2, ensure_ascii=False, default=str) + "\n"
    if path == "-":
        sys.stdout.write(text)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


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


# --------------------------------------------------------------------------- data
def cmd_data_generate(args: argparse.Namespace) -> int:
    from data.generate import PROFILES, generate_to_folder

    if args.profile not in PROFILES:
        raise CliError(Problem("--profile", "", "one of " + ", ".join(PROFILES),
                               repr(args.profile)))
    started = time.perf_counter()
    out = generate_to_folder(args.profile, args.seed, args.out)
    ds = _load(out)
    print(f"generated profile {args.profile!r} (seed {args.seed}) in {out} "
          f"in {time.perf_counter() - started:.1f} s")
    print(pd.Series(ds.counts(), name="rows").to_string())
    print(f"fingerprint {ds.fingerprint}")
    return 0


def cmd_data_check(args: argparse.Namespace) -> int:
    ds = _load(args.dir)
    print(f"data set {args.dir}: valid, as of {ds.as_of:%Y-%m-%d}, fingerprint {ds.fingerprint}")
    print(pd.Series(ds.counts(), name="rows").to_string())
    if args.json:
        write_json({"dataset": str(args.dir), "valid": True, "as_of": f"{ds.as_of:%Y-%m-%d}",
                    "fingerprint": ds.fingerprint, "rows": ds.counts()}, args.json)
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


def committee_targets() -> dict[str, float]:
    """The committee's targets as the scenario schema defines them."""
    from scenarios.schema import Targets

    return Targets().model_dump()


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
    if not args.no_store:
        store = RunStore(args.store)
        run_id = store.save(RunRecord(
            kind="measured", scenario_name=f"history of {path.name}", scenario_text="",
            dataset_path=str(path), dataset_fingerprint=ds.fingerprint,
            code_version=code_version(), seed=None, started_at=started,
            ended_at=datetime.now(UTC), status="completed", summary=_json_ready(payload),
            replication_kpis=None,
            decision_tables={"by_region": report.by_region,
                             "by_customer_type": report.by_customer_type,
                             "by_month": report.by_month}))
        payload["run_id"] = run_id
        print(f"stored as run {run_id}")
    if args.json:
        write_json(payload, args.json)
    return 0


# --------------------------------------------------------------------------- validate
def cmd_validate(args: argparse.Namespace) -> int:
    from scenarios.loading import validate_scenario_file

    problems = validate_scenario_file(args.file, allow_outside_data=args.allow_outside_data)
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{args.file}: valid")
    return 0


# --------------------------------------------------------------------------- runs
def cmd_runs_list(args: argparse.Namespace) -> int:
    from scenarios.store import RunStore

    runs = RunStore(args.store).list_runs()
    print("no runs stored yet" if runs.empty else runs.to_string(index=False))
    if args.json:
        write_json({"runs": _records(runs)}, args.json)
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    from scenarios.store import RunStore

    run = RunStore(args.store).get(args.run_id)
    doc = run.to_json_dict()
    for key in ("run_id", "kind", "scenario_name", "status", "started_at", "ended_at", "seed",
                "dataset_path", "dataset_fingerprint", "code_version"):
        print(f"{key:>20}: {doc.get(key)}")
    kpis = (doc.get("summary") or {}).get("kpis")
    if isinstance(kpis, dict):
        print(pd.Series(kpis, name="value").to_string())
    if args.json:
        write_json(doc, args.json)
    return 0


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pharmaops", description="Decision support for pharmaceutical sales operations.")
    sub = parser.add_subparsers(dest="command", required=True)

    data_p = sub.add_parser("data", help="generate or check a data set")
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

    kp = sub.add_parser("kpis", help="measure today's KPIs from a data set's history")
    kp.add_argument("dataset", nargs="?", help=f"data set folder (default {DEFAULT_DATASET})")
    kp.add_argument("--period-days", type=int, default=365, help="measurement period (days)")
    kp.add_argument("--json", metavar="PATH", help="write the KPIs as JSON ('-' = stdout)")
    kp.add_argument("--store", metavar="PATH", help="run store (default $PHARMAOPS_RUN_STORE "
                                                    "or runs/pharmaops.sqlite)")
    kp.add_argument("--no-store", action="store_true", help="do not record the measurement")
    kp.set_defaults(func=cmd_kpis)

    va = sub.add_parser("validate", help="validate a scenario file")
    va.add_argument("file")
    va.add_argument("--allow-outside-data", action="store_true",
                    help="allow a data set outside the project's data folder")
    va.set_defaults(func=cmd_validate)

    runs = sub.add_parser("runs", help="list or show stored runs")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True)
    rl = runs_sub.add_parser("list", help="list stored runs, newest first")
    rl.add_argument("--store", metavar="PATH")
    rl.add_argument("--json", metavar="PATH")
    rl.set_defaults(func=cmd_runs_list)
    rs = runs_sub.add_parser("show", help="show one stored run")
    rs.add_argument("run_id")
    rs.add_argument("--store", metavar="PATH")
    rs.add_argument("--json", metavar="PATH")
    rs.set_defaults(func=cmd_runs_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", "absent") is None:
        from data.generate import DEFAULT_SEED

        args.seed = DEFAULT_SEED
    if getattr(args, "period_days", 1) < 1:
        print(f"error: --period-days must be >= 1; got {args.period_days}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return args.func(args)
    except InputError as exc:
        if len(exc.problems) > 1:
            print(f"error: {exc.summary}", file=sys.stderr)
            for p in exc.problems:
                print(f"  - {p}", file=sys.stderr)
        else:
            print(f"error: {exc.problems[0] if exc.problems else exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
