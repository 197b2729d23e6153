"""``pharmaops warehouses simulate [DATASET]``: today's network and a chosen set of forward
warehouses simulated with the same seeds (:func:`scenarios.forward_network.simulate_network`),
on-time delivery, remote days and complaints with paired differences and 95% confidence
intervals. The supply-chain page queues it as a job; every option is checked before any work
and bad input is reported by :func:`scenarios.cli.main` (exit code 2)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from data.problems import Problem
from scenarios.cli_common import CliError, _dataset_arg, _load, _progress_bar, _status
from scenarios.jsonio import write_json

#: the supply-chain page's settings (its replications and stock settings; seed and window are
#: scenarios.warehouses.SIM_*, tested to agree)
DEFAULT_REPLICATIONS, DEFAULT_FILL_RATE, DEFAULT_POLICY = 3, 0.98, "sQ"
POLICIES = ("sQ", "RS")
#: the assignment CSV's columns (models.inventory.network_design.assignment_frame's names)
ASSIGNMENT_COLUMNS = ("customer_id", "site_id")


def _bounds(model, name: str) -> dict[str, float]:
    """A schema field's numeric bounds ``{"ge"|"gt"|"le"|"lt": value}``."""
    return {k: getattr(m, k) for m in model.model_fields[name].metadata
            for k in ("ge", "gt", "le", "lt") if getattr(m, k, None) is not None}


def _within(value: float, bounds: Mapping[str, float]) -> bool:
    return all(({"ge": value >= b, "gt": value > b, "le": value <= b, "lt": value < b})[k]
               for k, b in bounds.items())


def _range_text(bounds: Mapping[str, float]) -> str:
    low = (f"[{bounds['ge']:g}" if "ge" in bounds else f"({bounds['gt']:g}"
           if "gt" in bounds else "(-inf")
    high = (f"{bounds['le']:g}]" if "le" in bounds else f"{bounds['lt']:g})"
            if "lt" in bounds else "inf)")
    return f"{low}, {high}"


def forward_site_ids(text: str) -> list[str]:
    """``--sites ID,ID,...`` as a list (blanks around the ids dropped)."""
    return [s.strip() for s in text.split(",") if s.strip()]


def option_problems(args: argparse.Namespace) -> list[Problem]:
    """No forward site or one twice, settings out of the scenario schema's bounds (fill rate,
    policy, horizon, warm-up) and fewer than 2 replications (a paired interval needs two),
    found before the data set is read."""
    from scenarios.schema import LogisticsLevers, Scenario

    problems = []
    ids = forward_site_ids(args.sites)
    if not ids:
        problems.append(Problem("--sites", "", "one or more forward site ids, comma-separated",
                                repr(args.sites)))
    repeated = sorted({s for s in ids if ids.count(s) > 1})
    if repeated:
        problems.append(Problem("--sites", "", "each site once",
                                "repeated: " + ", ".join(repeated)))
    fill = _bounds(LogisticsLevers, "forward_fill_rate")
    if not _within(args.fill_rate, fill):
        problems.append(Problem("--fill-rate", "", f"a share in {_range_text(fill)}",
                                f"{args.fill_rate:g}"))
    if args.policy not in POLICIES:
        problems.append(Problem("--policy", "", " or ".join(POLICIES), repr(args.policy)))
    if args.replications < 2:
        problems.append(Problem("--replications", "", "2 or more (a paired difference needs "
                                "two replications for its interval)", str(args.replications)))
    for name in ("horizon_days", "warmup_days"):
        bounds, value = _bounds(Scenario, name), getattr(args, name)
        if not _within(value, bounds):
            problems.append(Problem(f"--{name.replace('_', '-')}", "",
                                    f"a whole number of days in {_range_text(bounds)}",
                                    str(value)))
    if args.warmup_days >= args.horizon_days:
        problems.append(Problem("--warmup-days", "", f"fewer days than --horizon-days "
                                f"({args.horizon_days})", str(args.warmup_days)))
    return problems


def check_sites(sites: pd.DataFrame, forward: list[str]) -> None:
    """Every forward id a site of the data set's sites table that is not a central DC."""
    kinds = dict(zip(sites["site_id"].astype(str), sites["kind"].astype(str), strict=True))
    candidates = sorted(s for s, kind in kinds.items() if kind != "central_dc")
    shown = ", ".join(candidates[:8]) + (", …" if len(candidates) > 8 else "")
    unknown = [s for s in forward if s not in kinds]
    if unknown:
        raise CliError(Problem("--sites", "", f"site ids of the data set's sites table "
                               f"({shown})", ", ".join(repr(s) for s in unknown)))
    central = [s for s in forward if kinds[s] == "central_dc"]
    if central:
        raise CliError(Problem("--sites", "", f"forward sites, not central DCs (always open; "
                               f"forward candidates: {shown})", ", ".join(central)))


def read_assignment(path: str, districts: set[str], open_site_ids: set[str]) -> dict[str, str]:
    """District → serving site from a CSV with ``customer_id`` (the district's adcode) and
    ``site_id``, and optionally ``share`` (a split district goes to its largest share), as the
    page's assignment table; every district known to the data set, every site open."""
    from scenarios.network_plan import district_assignment

    expected = ("a CSV file with columns customer_id (district adcode), site_id and "
                "optionally share")
    try:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, ValueError) as exc:  # missing, a folder, not text, not CSV, empty
        raise CliError(Problem("--assignment", "", expected,
                               f"{path}: {type(exc).__name__}: {exc}")) from exc
    missing = [c for c in ASSIGNMENT_COLUMNS if c not in frame.columns]
    if missing:
        raise CliError(Problem(path, "", expected, "columns " + ", ".join(frame.columns)))
    frame = frame.assign(customer_id=frame["customer_id"].str.strip(),
                         site_id=frame["site_id"].str.strip())
    problems = []
    unknown = sorted(set(frame["customer_id"]) - districts)
    if unknown:
        problems.append(Problem(path, "customer_id", "district adcodes of the data set's "
                                "customers", ", ".join(repr(d) for d in unknown[:8])
                                + (", …" if len(unknown) > 8 else "")))
    closed = sorted(set(frame["site_id"]) - open_site_ids)
    if closed:
        problems.append(Problem(path, "site_id", "open sites: the central DCs and those in "
                                "--sites", ", ".join(repr(s) for s in closed)))
    if "share" in frame.columns:
        share = pd.to_numeric(frame["share"], errors="coerce")
        bad = frame.loc[~((share > 0) & (share <= 1)), "share"]
        if len(bad):
            problems.append(Problem(path, "share", "a share in (0, 1]",
                                    ", ".join(repr(v) for v in bad.head(5))))
        frame = frame.assign(share=share)
    else:
        repeated = sorted(set(frame.loc[frame["customer_id"].duplicated(), "customer_id"]))
        if repeated:
            problems.append(Problem(path, "customer_id", "each district once (or a share "
                                    "column)", ", ".join(repr(d) for d in repeated[:8])))
        frame = frame.assign(share=1.0)
    if problems:
        raise CliError(problems, summary=f"{len(problems)} problem(s) in {path}")
    return district_assignment(frame)


def network_table(check) -> pd.DataFrame:
    """One row per KPI the network moves: today's and the network's mean, the paired
    difference with its 95% CI and verdict; then the forward stock's rates."""
    from scenarios.forward_network import NETWORK_KPIS

    rows = []
    for name in NETWORK_KPIS:
        s, d = check.summary[name], check.differences[name]
        rows.append({"kpi": name, "today": float(check.today[name].mean()),
                     "network": s.mean, "ci95_lo": s.ci_low, "ci95_hi": s.ci_high,
                     "difference": d["mean"], "diff_ci95_lo": d["ci95"][0],
                     "diff_ci95_hi": d["ci95"][1], "verdict": d["verdict"]})
    for name, s in check.summary.items():
        if name not in NETWORK_KPIS:
            rows.append({"kpi": name, "network": s.mean, "ci95_lo": s.ci_low,
                         "ci95_hi": s.ci_high})
    return pd.DataFrame(rows).set_index("kpi")


def cmd_warehouses_simulate(args: argparse.Namespace) -> int:
    from scenarios.forward_network import simulate_network
    from scenarios.process_cache import today_process

    problems = option_problems(args)
    if problems:
        raise CliError(problems, summary=f"{len(problems)} bad option(s); nothing was done")
    forward = forward_site_ids(args.sites)
    path = _dataset_arg(args.dataset)
    ds = _load(path)
    check_sites(ds["sites"], forward)
    assignment = None
    if args.assignment is not None:
        central = set(ds["sites"].loc[ds["sites"]["kind"] == "central_dc", "site_id"]
                      .astype(str))
        assignment = read_assignment(args.assignment,
                                     set(ds["customers"]["adcode"].astype(str)),
                                     central | set(forward))
    params = today_process(ds, status=_status)
    check = simulate_network(
        ds, params, forward, assignment, replications=args.replications, seed=args.seed,
        fill_rate=args.fill_rate, policy=args.policy, horizon_days=args.horizon_days,
        warmup_days=args.warmup_days, workers=args.workers,
        progress=_progress_bar("network", args.progress_file))
    print(f"today's network and {len(forward)} forward site(s) ({', '.join(forward)}) of "
          f"{path}: {args.replications} replications each, seed {args.seed}, "
          f"{args.horizon_days} days ({args.warmup_days} warm-up), fill-rate target "
          f"{args.fill_rate:g}, policy {args.policy}")
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(network_table(check).to_string(float_format=lambda v: f"{v:,.4g}",
                                             na_rep=""))
        if len(check.by_site):
            print("\nper forward site (mean over replications)")
            print(check.by_site.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    if args.json:
        doc = {"dataset": str(path), "dataset_fingerprint": ds.fingerprint,
               "as_of": f"{ds.as_of:%Y-%m-%d}", "forward_sites": forward,
               "assignment": None if args.assignment is None else str(Path(args.assignment)),
               "fill_rate": args.fill_rate, "policy": args.policy,
               "replications": args.replications, "seed": args.seed,
               "horizon_days": args.horizon_days, "warmup_days": args.warmup_days,
               **check.to_json()}
        write_json(doc, args.json, getattr(args, "json_stdout", None))
    return 0


def add_warehouses_simulate_parser(wh_sub) -> None:
    """``warehouses simulate`` on the ``pharmaops warehouses`` parser."""
    sm = wh_sub.add_parser("simulate", help="simulate today's network and chosen forward "
                           "warehouses with the same seeds: on-time delivery, remote days, "
                           "complaints with paired differences and 95%% CIs")
    sm.add_argument("dataset", nargs="?", help="data set folder (default data/national)")
    sm.add_argument("--sites", required=True, metavar="ID[,ID]",
                    help="the forward warehouses' site ids (the sites table's, not central DCs)")
    sm.add_argument("--assignment", metavar="PATH",
                    help="CSV of district → serving site (columns customer_id, site_id and "
                         "optionally share, as the location model's assignment table); "
                         "default: every account's nearest open site")
    sm.add_argument("--fill-rate", type=float, default=DEFAULT_FILL_RATE,
                    help="fill-rate target of the forward stock (default 0.98)")
    sm.add_argument("--policy", default=DEFAULT_POLICY,
                    help="reorder policy: sQ (continuous review, default) or RS (weekly)")
    sm.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS,
                    help="replications per network (default 3, at least 2)")
    sm.add_argument("--seed", type=int, default=20260101, help="root seed (default 20260101)")
    sm.add_argument("--horizon-days", type=int, default=365,
                    help="simulated days per replication (default 365)")
    sm.add_argument("--warmup-days", type=int, default=90,
                    help="days dropped before KPIs are measured (default 90)")
    sm.add_argument("--workers", type=int, help="local worker processes (default: cores)")
    sm.add_argument("--json", metavar="PATH", help="write the check as JSON ('-' = stdout)")
    sm.add_argument("--progress-file", metavar="PATH", help="write the progress as JSON here "
                    "(done, total, label)")
    sm.set_defaults(func=cmd_warehouses_simulate)
