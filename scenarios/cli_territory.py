"""``pharmaops territory plan SCENARIO``: customer tiers, A/B/C/D and lifetime value per
account, doctor grades under the scenario's weights and the value grid (docs/territory.md);
a balanced alignment of the terminals to reps (``--align-seconds``), the call plan from
response curves estimated from the visits and profit against sales-force size
(``--calls-seconds``); ``pharmaops territory quota SCENARIO``: the reps behind their monthly
visit quota (:mod:`scenarios.visit_quota`). Tables for people
on stdout, ``--json`` and ``--xlsx`` for machines and spreadsheets; bad input is reported by
:func:`scenarios.cli.main` (exit 2)."""

from __future__ import annotations

import argparse

import numpy as np

from data.problems import Problem, ScenarioError
from scenarios.cli_common import _emit, _status
from scenarios.jsonio import write_file_atomically

#: what ``--objective`` may minimise (models.territory.alignment.OBJECTIVES, kept here so the
#: options are checked without importing the solver)
OBJECTIVES = ("distance", "disruption")


def cmd_territory_plan(args: argparse.Namespace) -> int:
    from scenarios import territory_report as tr
    from scenarios.compare import load_scenarios

    if args.align_seconds < 0 or not 0 <= args.balance < 1 or args.calls_seconds < 0:
        raise ScenarioError([Problem("command line",
                                     "--align-seconds / --balance / --calls-seconds",
                                     "seconds ≥ 0 (0: none), balance in [0, 1)",
                                     f"{args.align_seconds}, {args.balance}, "
                                     f"{args.calls_seconds}")])
    _check_alignment_options(args)
    loaded = load_scenarios([args.scenario], allow_outside_data=args.allow_outside_data)[0]
    ctx = tr.territory_context(loaded)
    seg, doctors = tr.segment_table(ctx.dataset), tr.doctor_table(ctx)
    aligned, table = None, None
    if args.align_seconds:
        _status(f"aligning territories (minimum {args.objective}, balance "
                f"±{args.balance:.0%}, at most {args.align_seconds:g} s)")
        result, table = tr.propose_alignment(ctx, doctors, balance=args.balance,
                                             time_limit_s=args.align_seconds,
                                             objective=args.objective,
                                             max_disruption_share=args.max_disruption)
        aligned = tr.alignment_payload(result, table, args.balance, args.objective,
                                       args.max_disruption)
    calls, sheets, sized = None, None, None
    if args.calls_seconds:
        from scenarios.call_planning import plan_calls

        _status("estimating response curves from the visits and flow data, planning calls")
        lev = ctx.scenario.territory
        report = plan_calls(ctx.dataset, tr.terminal_workload(ctx, doctors),
                            time_limit_s=args.calls_seconds,
                            field_days_per_month=lev.field_days_per_month,
                            calls_per_day=lev.calls_per_day,
                            rng=np.random.default_rng(ctx.scenario.seed))
        calls, sheets = tr.call_plan_payload(report), tr.call_plan_sheets(report)
        from scenarios.force_size import size_curve, size_payload

        _status("re-planning calls at every sales-force size")
        curve = size_curve(report, lev.rep_cost_cny_per_month,
                           time_limit_s=args.calls_seconds)
        sized = size_payload(curve, report, lev.rep_cost_cny_per_month)
        sheets["sales-force size"] = curve
    meetings = None
    if "visits" in ctx.dataset.tables:
        from scenarios.academic_meetings import plan_meetings

        _status("estimating academic meetings' effect, planning the specialists' meetings")
        lev = ctx.scenario.territory
        held = plan_meetings(ctx.dataset, per_specialist=lev.academic_meetings_per_specialist,
                             rng=np.random.default_rng(ctx.scenario.seed))
        meetings = tr.meeting_payload(held, lev.academic_specialist_for_core)
        sheets = {**(sheets or {}), **tr.meeting_sheets(held)}
    doc = tr.territory_payload(ctx, seg, doctors, aligned, calls, sized, meetings)
    print(f"territory of {ctx.dataset.path} at {doc['as_of']} for {doc['scenario']!r}: "
          f"{len(seg):,} accounts, {len(doctors):,} doctors")
    print(tr.tier_summary(seg).set_index("tier").to_string(formatters={
        "orders_cny": "{:,.0f}".format, "share_of_accounts": "{:.1%}".format,
        "share_of_orders": "{:.1%}".format}))
    print("A/B/C/D:", ", ".join(f"{k} {v:,}" for k, v in doc["abcd"].items()))
    print("doctor grades:", ", ".join(f"{k} {v:,}" for k, v in doc["grades"].items()))
    for area, cells in doc["grid"].items():
        print(f"value grid, {area}:", ", ".join(f"{k} {v:,}" for k, v in cells.items()))
    if aligned is not None:
        print(_alignment_line(aligned, float(table["visits_per_month"].sum())))
    else:
        print("alignment: none proposed (--align-seconds S proposes one)")
    if calls is not None:
        c = calls
        print(f"call plan: {c['status']} in {c['seconds']:.1f} s (gap {c['gap']:.2%}), "
              f"{c['calls_planned']:,} calls a month of {c['capacity']:,} the reps can make "
              f"(today {c['calls_today']:,.0f}); sales {c['sales_planned_cny_month']:,.0f} "
              f"CNY a month against {c['sales_today_cny_month']:,.0f} at today's calls "
              f"({c['uplift_share']:+.1%}, 95% interval {c['uplift_ci95'][0]:+.1%} .. "
              f"{c['uplift_ci95'][1]:+.1%}; today's calls only reallocated "
              f"{c['uplift_reallocated_share']:+.1%}, {c['uplift_reallocated_ci95'][0]:+.1%} .. "
              f"{c['uplift_reallocated_ci95'][1]:+.1%}); visit quota "
              f"{c['quota_calls']:,.0f} calls a month, met at {c['quota_met_share']:.0%} of "
              "the accounts")
        print(_prospects_line(c))
        z = sized
        print(f"sales-force size: profit a month highest at {z['best_reps']} reps "
              f"({z['best_profit_cny_month']:,.0f} CNY, reps at "
              f"{z['rep_cost_cny_month']:,.0f} CNY a month); today {z['today_reps']} reps, "
              f"{z['today_alignment_profit_cny_month']:,.0f} CNY on today's alignment")
    else:
        print("call plan: none (--calls-seconds 0)")
    if meetings is not None:
        print(meetings_line(meetings))
    if doc["not_built"]:
        print("not built yet:", ", ".join(doc["not_built"]))
    if args.xlsx:
        write_file_atomically(tr.territory_workbook(seg, doctors, table, sheets), args.xlsx)
    if args.json:
        _emit(doc, args)
    return 0


def _prospects_line(c: dict) -> str:
    """The plan's calls on prospects and the wins a month they bring."""
    if c.get("prospects") is None:
        return f"prospects: not planned ({c.get('win_curve_left_out') or 'none in the data'})"
    ci = c.get("wins_change_ci95")
    interval = f", 95% interval {ci[0]:+.0%} .. {ci[1]:+.0%}" if ci else ""
    today, planned = c["wins_today_month"], c["wins_planned_month"]
    change = f" ({planned / today - 1:+.0%}{interval})" if today > 0 else ""
    return (f"prospects: {c['prospects']:,} not buying yet; {c['prospect_calls_planned']:,} "
            f"calls a month on them (today {c['prospect_calls_today']:,.0f}) win "
            f"{planned:,.1f} a month against {today:,.1f} at today's calls{change}")


def meetings_line(m: dict) -> str:
    """The academic specialists' plan: the effect it rests on, the meetings and the change in
    sales and margin a month."""
    if m["left_out"]:
        return f"academic meetings: not planned ({m['left_out']})"
    e, ci = m["effect"], m.get("sales_change_ci95")
    interval = f", 95% interval {ci[0]:+,.0f} .. {ci[1]:+,.0f}" if ci else ""
    asked = ("the scenario's plan" if m["in_scenario"]
             else "not in the scenario (academic_specialist_for_core = false)")
    return (f"academic meetings ({asked}): a meeting sells {e['same_month']:+.1%} "
            f"(± {e['same_month_se']:.1%}) that month and {e['next_month']:+.1%} "
            f"(± {e['next_month_se']:.1%}) the next; {m['status']}: "
            f"{m['meetings_planned_month']} a month at the core accounts where they earn "
            f"most (today {m['meetings_today_month']:.1f}, the {m['specialists']} specialists "
            f"can lead {m['capacity_month']}); sales {m['sales_change_cny_month']:+,.0f} CNY a "
            f"month{interval}; margin less meeting costs "
            f"{m['margin_change_cny_month']:+,.0f} CNY a month")


def _check_alignment_options(args: argparse.Namespace) -> None:
    """Refuse an unknown --objective or a --max-disruption outside [0, 1] before any work
    (exit 2); argparse's choices would exit without the problem report."""
    problems = []
    if args.objective not in OBJECTIVES:
        problems.append(Problem("command line", "--objective", " or ".join(OBJECTIVES),
                                repr(args.objective)))
    if args.max_disruption is not None and not 0 <= args.max_disruption <= 1:
        problems.append(Problem("command line", "--max-disruption",
                                "a share of the visits in [0, 1]", str(args.max_disruption)))
    if problems:
        raise ScenarioError(problems)


def _alignment_line(a: dict, visits: float) -> str:
    """What was minimised, the proposal against its bound and gap in the objective's units
    (km or visits a month), the balance and the share of the visits that change rep."""
    cap = ("" if a["max_disruption_share"] is None
           else f", at most {a['max_disruption_share']:.0%} of the visits changing rep")
    what = ("km to the reps' bases" if a["objective"] == "distance"
            else "visits that change rep")
    head = (f"alignment: {a['status']} in {a['seconds']:.1f} s, minimum {what} within "
            f"±{a['balance']:.0%} of the average visits a month{cap}")
    # a time limit reached before any alignment leaves no rep per terminal
    if not a["assignments"] or None in a["assignments"].values():
        return f"{head}: no proposal ({a['message']})"
    if a["objective"] == "distance":
        proof = (f"{a['objective_km']:,.0f} km to the reps' bases, bound {a['bound_km']:,.0f} km, "
                 f"gap {a['gap']:.2%}")
    else:
        proof = (f"{a['objective_visits']:,.0f} visits a month change rep, bound "
                 f"{a['bound_visits']:,.0f} visits, gap {a['gap']:.2%}; "
                 f"{a['objective_km']:,.0f} km to the reps' bases")
    low, high = a["loads_today_min_max"]
    return (f"{head}: {proof} (today {a['km_today']:,.0f} km); visits a month per rep today "
            f"{low:,.0f}-{high:,.0f}, proposed within ±{a['balance']:.0%} of the average; "
            f"{a['disruption_visits']:,.0f} of {visits:,.0f} visits a month "
            f"({a['disruption_visits'] / max(visits, 1e-9):.1%}) change rep {a['message']}")


def _as_of_day(text: str | None):
    """``--as-of`` as a day, or None; a malformed date is refused (exit 2)."""
    from datetime import datetime

    import pandas as pd

    if text is None:
        return None
    try:
        return pd.Timestamp(datetime.strptime(text, "%Y-%m-%d"))
    except ValueError:
        raise ScenarioError([Problem("command line", "--as-of", "a date YYYY-MM-DD",
                                     repr(text))]) from None


def cmd_territory_quota(args: argparse.Namespace) -> int:
    from scenarios import territory_report as tr
    from scenarios import visit_quota as vq
    from scenarios.compare import load_scenarios

    day = _as_of_day(args.as_of)
    loaded = load_scenarios([args.scenario], allow_outside_data=args.allow_outside_data)[0]
    ctx = tr.territory_context(loaded)
    ds = ctx.dataset
    if "visits" not in ds.tables or not len(ds["visits"]) or not len(ds["doctors"]):
        raise ScenarioError([Problem(str(ds.path), "visits, doctors",
                                     "the CRM's visits and the doctors", "none")])
    first, last = vq.history_bounds(ds)
    if day is not None and not first <= day <= last:
        raise ScenarioError([Problem("command line", "--as-of",
                                     f"a day within the visits' history {first:%Y-%m-%d} … "
                                     f"{last:%Y-%m-%d}", args.as_of)])
    quota = ctx.scenario.territory.visit_quota
    progress = vq.quota_progress(ds, tr.doctor_table(ctx), quota, as_of=day)
    doc = vq.quota_payload(progress, ctx.scenario.name, str(ds.path), quota)
    _print_quota(doc, vq.worst_first(progress.reps))
    if args.xlsx:
        write_file_atomically(vq.quota_workbook(progress), args.xlsx)
    if args.json:
        _emit(doc, args)
    return 0


def _print_quota(doc: dict, reps) -> None:
    """The month, the totals and the reps behind, worst first."""
    print(f"visit quota of {doc['dataset']} for {doc['scenario']!r}, month {doc['month']} "
          f"to {doc['as_of']}: {doc['working_days_elapsed']} of {doc['working_days']} working "
          f"days elapsed ({doc['elapsed_share']:.0%}); quota "
          + ", ".join(f"{g} {v:g}" for g, v in doc["visit_quota"].items())
          + " calls a month per doctor")
    print(f"{doc['reps_behind']} of {doc['reps_total']} reps behind; calls due this month "
          f"{doc['due']:,.0f}, expected by now {doc['expected_by_now']:,.0f}, done "
          f"{doc['done']:,} (every call on a doctor this month: "
          f"{doc['calls_on_doctors_in_month']:,}); short {doc['shortfall']:,.0f} calls; "
          f"{doc['doctors_pending']:,} doctors still due a call")
    behind = reps[reps["behind"]]
    if len(behind):
        print(behind.drop(columns=["behind"]).set_index("rep_id").to_string(formatters={
            "due": "{:,.0f}".format, "expected_by_now": "{:,.1f}".format,
            "shortfall": "{:,.1f}".format}))


def add_territory_parser(sub: argparse._SubParsersAction) -> None:
    te = sub.add_parser("territory", help="customer tiers and doctor grades (sales directors)")
    ts = te.add_subparsers(dest="territory_command", required=True)
    pl = ts.add_parser("plan", help="tiers, A/B/C/D, lifetime value, doctor grades and the "
                                    "value grid of a scenario's data set")
    pl.add_argument("scenario", help="scenario file (data set; [territory] grading weights)")
    pl.add_argument("--align-seconds", type=float, default=60.0, metavar="S",
                    help="propose a balanced alignment of the hospitals and pharmacies to "
                         "reps within this many seconds (default 60; 0: none)")
    pl.add_argument("--calls-seconds", type=float, default=60.0, metavar="S",
                    help="plan calls from response curves within this many seconds "
                         "(default 60; 0: none)")
    pl.add_argument("--balance", type=float, default=0.15, metavar="SHARE",
                    help="each rep's monthly visits within this share of the average "
                         "(default 0.15)")
    pl.add_argument("--objective", default="distance", metavar="distance|disruption",
                    help="minimise the km to the reps' bases (distance, default) or the "
                         "visits a month that change rep (disruption)")
    pl.add_argument("--max-disruption", type=float, default=None, metavar="SHARE",
                    help="at most this share (0-1) of the visits a month may change rep "
                         "(default: no cap)")
    pl.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    pl.add_argument("--xlsx", metavar="PATH", help="write the tables as an Excel workbook")
    pl.add_argument("--allow-outside-data", action="store_true",
                    help="let the scenario's data set lie outside the project's data folder")
    pl.set_defaults(func=cmd_territory_plan)
    qu = ts.add_parser("quota", help="the reps behind their monthly visit quota, worst first, "
                                     "and the doctors still due a call")
    qu.add_argument("scenario", help="scenario file (data set; [territory] grading and "
                                     "visit_quota)")
    qu.add_argument("--as-of", metavar="YYYY-MM-DD",
                    help="measure the month holding this day up to it (default the data "
                         "set's as_of; visits after it are ignored)")
    qu.add_argument("--json", metavar="PATH", help="write the result as JSON ('-' = stdout)")
    qu.add_argument("--xlsx", metavar="PATH", help="write the reps and the doctors pending as "
                                                   "an Excel workbook")
    qu.add_argument("--allow-outside-data", action="store_true",
                    help="let the scenario's data set lie outside the project's data folder")
    qu.set_defaults(func=cmd_territory_quota)
