"""The committee page's section "What each lever group contributes": a waterfall per KPI from
the base to the plan, one bar per lever group (its Shapley value with its 95% CI,
docs/attribution.md), read from the run store, so the latest attribution of the two files
shows on page load without computing anything.

**Start attribution** (and **Quick view**, each group added to the base and removed from the
plan) launches ``pharmaops attribute`` as a background process that writes its progress to a
file and stores its result; the page polls the file every few seconds and shows the stored
result when the process ends. The page never imports the command line: it runs it.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from data.kpis import KPI_NAMES
from data.problems import InputError
from scenarios.attribution import attributable_groups, coalition_count
from scenarios.attribution_result import ONE_AT_A_TIME, Attribution, latest_attribution
from scenarios.compare import load_scenarios
from scenarios.paths import default_store_path
from scenarios.store import RunStore
from simulation.summary import HIGHER_IS_BETTER
from ui import jobs
from ui.committee_views import format_difference, format_difference_range
from ui.common import MEASURES, format_measure, show_problems
from ui.i18n import N_, _

JOB_KEY = "attribution_job"
#: the last job's exit code and last lines, when it failed
FAILED_KEY = "attribution_failed"
DEFAULT_REPLICATIONS = 3
#: how often the page looks at a running job's progress, s
POLL_S = 2.0
#: the lever groups as the page names them
GROUP_LABELS = {"orders": N_("Order levers"), "logistics": N_("Logistics levers"),
                "territory": N_("Territory levers"), "credit": N_("Credit levers"),
                "channel": N_("Channel drivers"), "assumptions": N_("Stated assumptions")}
METHOD_LABELS = {"exact": N_("exact Shapley values over every coalition"),
                 "sampled": N_("Shapley values from sampled orders of the groups"),
                 ONE_AT_A_TIME: N_("one at a time")}
_GOOD, _BAD, _ENDS = "#2e7d32", "#c62828", "#78909c"


def chosen_pair(folder: Path) -> tuple[Path, Path] | None:
    """The base and the plan: the first two scenario files chosen in the sidebar (None with
    fewer than two)."""
    chosen = st.session_state.get("committee_files") or []
    return (folder / chosen[0], folder / chosen[1]) if len(chosen) >= 2 else None


def group_label(group: str) -> str:
    return _(GROUP_LABELS[group]) if group in GROUP_LABELS else group


def attribution_section(base_path: Path, plan_path: Path, *, allow_outside_data: bool,
                        store_path: Path | None, workers: int) -> None:
    """The section for ``plan_path`` against ``base_path``: start buttons, the running job's
    progress, and the latest stored attribution and quick view."""
    st.subheader(_("What each lever group contributes"))
    st.caption(_(
        "From the base to the plan, each lever group (a lever section that differs between the "
        "two files) gets its Shapley value: its marginal effect averaged over every order in "
        "which the groups could be introduced. Every combination of groups runs with the same "
        "seed and replications, so the contributions add up exactly to the plan's difference "
        "from the base. The bars' whiskers are 95% confidence intervals over replications."))
    st.caption(_("Base `{base}` · plan `{plan}`").format(base=base_path.name,
                                                          plan=plan_path.name))
    store_path = Path(store_path) if store_path is not None else default_store_path()
    job = st.session_state.get(JOB_KEY)
    groups = _groups(base_path, plan_path, allow_outside_data)
    cols = st.columns([1, 1, 1])
    replications = int(cols[0].number_input(
        _("Replications per combination"), min_value=1, max_value=200,
        value=DEFAULT_REPLICATIONS, step=1, key="attribution_replications"))
    idle = job is None and groups is not None
    start = cols[1].button(_("Start attribution"), icon=":material/waterfall_chart:",
                           disabled=not idle, key="attribution_start")
    quick = cols[2].button(_("Quick view (one at a time)"), icon=":material/bolt:",
                           disabled=not idle, key="attribution_quick")
    if groups is not None:
        full, fast = coalition_count(len(groups)), coalition_count(len(groups), quick=True)
        st.caption(_("Lever groups: {names}. Attribution: {full} combinations × "
                     "{replications} replications; quick view: {quick} combinations (about "
                     "10–20 s per simulated year on the national data set).").format(
            names=", ".join(group_label(g) for g in groups), full=full, quick=fast,
            replications=replications))
    failed = st.session_state.get(FAILED_KEY)
    if failed is not None and job is None:
        st.error(_("The attribution stopped (exit code {code}); nothing was stored.").format(
            code=failed[0]))
        st.code(failed[1] or "—")
    if start or quick:
        st.session_state.pop(FAILED_KEY, None)
        started = _launch(base_path, plan_path, quick=quick, replications=replications,
                          workers=workers, store_path=store_path,
                          allow_outside_data=allow_outside_data)
        if started is not None:
            st.session_state[JOB_KEY] = started
            st.rerun()  # drawn again with the buttons disabled while the job runs
    if job is not None:
        _job_progress()
    store = _store(store_path)
    if store is None:
        return
    found = latest_attribution(store, base_path, plan_path)
    if found is None:
        st.info(_("No attribution of this plan against this base is stored yet. **Start "
                  "attribution** runs it in the background and stores it; the quick view "
                  "shows each group added to the base and removed from the plan sooner."))
    else:
        show_attribution(found)
    quick_found = latest_attribution(store, base_path, plan_path, (ONE_AT_A_TIME,))
    if quick_found is not None:
        show_quick(quick_found)


def _groups(base_path: Path, plan_path: Path, allow_outside_data: bool) -> list[str] | None:
    """The lever groups of the plan against the base; None (after showing why) when the
    files cannot be attributed."""
    try:
        base, plan = load_scenarios([base_path, plan_path],
                                    allow_outside_data=allow_outside_data)
        return attributable_groups(base, plan)
    except InputError as exc:
        show_problems(_("The plan cannot be attributed"), exc)
        return None


def _store(path: Path) -> RunStore | None:
    try:
        return RunStore(path, read_only=True)
    except InputError as exc:
        show_problems(_("The run store cannot be read"), exc)
        return None


def _launch(base_path: Path, plan_path: Path, *, quick: bool, replications: int, workers: int,
            store_path: Path, allow_outside_data: bool) -> jobs.Job | None:
    """Check the two files, then start ``pharmaops attribute`` as a job (ui/jobs.py); None,
    after showing why, when the files are refused."""
    if _groups(base_path, plan_path, allow_outside_data) is None:
        return None
    arguments = ["attribute", str(base_path), str(plan_path),
                 "--replications", str(replications), "--workers", str(workers)]
    arguments += ["--quick"] if quick else []
    arguments += ["--allow-outside-data"] if allow_outside_data else []
    return jobs.start(arguments, store=store_path, progress_file=True)


@st.fragment(run_every=POLL_S)
def _job_progress() -> None:
    """The running job's progress; when it ends, the whole page again (its result is now in
    the store) or the job's last lines when it failed."""
    job: jobs.Job | None = st.session_state.get(JOB_KEY)
    if job is None:
        return
    code = jobs.progress_bar(job, lambda done, total, label: _(
        "Combination {done} of {total} simulated{label}").format(
            done=done, total=total or "…", label=f" · {label}" if label else ""))
    if code is None:
        return
    del st.session_state[JOB_KEY]
    if code != 0:  # shown by the section until the next start
        st.session_state[FAILED_KEY] = (code, job.tail(12))
    job.remove()
    st.rerun()


# --------------------------------------------------------------------------- views
def _kpi_choice(key: str) -> str:
    return st.selectbox(_("KPI"), list(KPI_NAMES), format_func=lambda k: MEASURES[k].label,
                        key=key)


def waterfall_frame(found: Attribution, kpi: str, which: str = "contributions"
                    ) -> pd.DataFrame:
    """The waterfall's bars: base, each group from the running total before it to after it
    (with its CI at its end), plan; in the KPI's unit (rates in %)."""
    scale = 100.0 if MEASURES[kpi].unit == "rate" else 1.0
    base, plan = found.base_kpis[kpi].mean * scale, found.plan_kpis[kpi].mean * scale
    better = kpi in HIGHER_IS_BETTER
    rows = [{"step": _("base: {name}").format(name=found.base_name), "start": None,
             "end": base, "lo": None, "hi": None, "kind": "end"}]
    level = base
    for group, estimates in getattr(found, which).items():
        e = estimates[kpi]
        rows.append({"step": group_label(group), "start": level, "end": level + e.mean * scale,
                     "lo": level + e.ci_low * scale, "hi": level + e.ci_high * scale,
                     "kind": "good" if (e.mean > 0) == better else "bad"})
        level += e.mean * scale
    rows.append({"step": _("plan: {name}").format(name=found.plan_name), "start": None,
                 "end": plan, "lo": None, "hi": None, "kind": "end"})
    frame = pd.DataFrame(rows)
    values = frame[["start", "end", "lo", "hi"]].to_numpy(dtype=float)
    low, high = pd.Series(values.ravel()).min(), pd.Series(values.ravel()).max()
    floor = low - 0.1 * max(high - low, abs(low) * 0.01, 1e-9)
    return frame.assign(start=frame["start"].fillna(floor))


def waterfall_chart(found: Attribution, kpi: str, which: str = "contributions") -> alt.Chart:
    frame = waterfall_frame(found, kpi, which)
    unit = "%" if MEASURES[kpi].unit == "rate" else _("days")
    title = f"{MEASURES[kpi].label} ({unit})"
    order = frame["step"].tolist()
    x = alt.X("step:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(frame).mark_bar().encode(
        x=x, y=alt.Y("start:Q", title=title, scale=alt.Scale(zero=False)), y2="end:Q",
        color=alt.Color("kind:N", legend=None, scale=alt.Scale(
            domain=["good", "bad", "end"], range=[_GOOD, _BAD, _ENDS])),
        tooltip=[alt.Tooltip("step:N", title=_("step")),
                 alt.Tooltip("end:Q", format=".3f", title=_("running total"))])
    whiskers = alt.Chart(frame.dropna(subset=["lo", "hi"])).mark_rule(strokeWidth=2).encode(
        x=x, y="lo:Q", y2="hi:Q")
    return (bars + whiskers).properties(height=320)


def contribution_view(found: Attribution, which: str = "contributions") -> pd.DataFrame:
    """One row per lever group: its contribution to every KPI with the 95% CI."""
    rows = []
    for group, estimates in getattr(found, which).items():
        rows.append({_("lever group"): group_label(group),
                     **{MEASURES[k].label: _cell(k, estimates[k]) for k in KPI_NAMES}})
    rows.append({_("lever group"): _("plan − base"),
                 **{MEASURES[k].label: _cell(k, found.total[k]) for k in KPI_NAMES}})
    return pd.DataFrame(rows)


def _cell(kpi: str, e) -> str:
    """``-0.4 days (-0.6 to -0.2 days)``: a contribution and its 95% CI."""
    return f"{format_difference(kpi, e.mean)} ({format_difference_range(kpi, e.ci_low, e.ci_high)})"


def _about(found: Attribution) -> str:
    return _("{method} · {groups} lever groups, {coalitions} combinations × {replications} "
             "replications, seed {seed} · {seconds} s · run `{run_id}`").format(
        method=_(METHOD_LABELS.get(found.method, found.method)), groups=len(found.groups),
        coalitions=len(found.coalitions), replications=found.replications, seed=found.seed,
        seconds=f"{found.runtime_s:.0f}", run_id=found.run_id)


def show_attribution(found: Attribution) -> None:
    """The stored Shapley attribution: a waterfall for the chosen KPI and the table."""
    st.caption(_about(found))
    kpi = _kpi_choice("attribution_kpi")
    st.altair_chart(waterfall_chart(found, kpi))
    st.caption(_("Base {base} → plan {plan}. Green: a group that moves the KPI the way the "
                 "target wants; red: the other way.").format(
        base=format_measure(kpi, found.base_kpis[kpi].mean),
        plan=format_measure(kpi, found.plan_kpis[kpi].mean)))
    st.dataframe(contribution_view(found), hide_index=True, key="attribution_table")


def show_quick(found: Attribution) -> None:
    """The stored one-at-a-time view: each group added to the base, removed from the plan."""
    with st.expander(_("Quick view: each lever group added to the base and removed from the "
                       "plan"), expanded=False):
        st.caption(_about(found))
        st.caption(_("Added: the base with this group alone from the plan. Removed: the plan "
                     "without this group. Where groups interact the two differ, and neither "
                     "adds up to the difference in general; the Shapley values above do."))
        st.markdown(_("Each group added to the base"))
        st.dataframe(contribution_view(found, "added"), hide_index=True,
                     key="attribution_added")
        st.markdown(_("Each group removed from the plan"))
        st.dataframe(contribution_view(found, "removed"), hide_index=True,
                     key="attribution_removed")
