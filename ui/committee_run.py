"""The committee page's sidebar and its run: which scenario files, how many replications,
which seed and workers; then validate the chosen scenarios and queue their comparison as a job
of the shared queue (ui/jobs.py), or read it from the run store when it was computed before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from data.dataset import Dataset
from data.problems import DatasetError, InputError, ScenarioError
from scenarios.assumptions_log import log_frame
from scenarios.book import quarters
from scenarios.compare import Comparison, load_scenarios, stored_comparison
from scenarios.loading import LoadedScenario, load_scenario
from scenarios.paths import SCENARIOS_DIR, default_scenarios_dir
from scenarios.schema import Scenario
from scenarios.store import RunStore
from simulation.runner import default_workers
from ui import jobs
from ui.committee_views import partial_view
from ui.common import load_dataset_or_error, show_problems, show_refusal
from ui.i18n import N_, _

#: the files the sidebar starts with, when the folder holds them
DEFAULT_FILES = ("baseline.toml", "plan.toml")
DEFAULT_REPLICATIONS = 10
MAX_REPLICATIONS = 200
DEFAULT_WORKERS = 2
#: the largest seed a browser number input holds exactly (2**53 - 1)
MAX_SEED = 2**53 - 1
#: the assumptions log's columns as shown
LOG_LABELS = {"date": N_("Date"), "author": N_("Author"), "levers": N_("Levers"),
              "note": N_("Note")}
#: this session's queued comparison (job, request), the request just computed, a failure
JOB_KEY, FINISHED_KEY, FAILED_KEY = "committee_job", "committee_finished", "committee_failed"
#: how often the page looks at the job, s
POLL_S = 2
CALIBRATING = N_("Calibrating today's process from the data set and applying the scenario's "
                 "models …")


def scenarios_folder() -> tuple[Path, bool]:
    """The scenarios folder, and whether the operator chose it (``$PHARMAOPS_SCENARIOS_DIR``).
    A folder of quarter folders (the scenario book) offers its quarters in the sidebar, the
    newest first chosen."""
    folder, configured = default_scenarios_dir()
    book = folder if configured else SCENARIOS_DIR
    found = quarters(book)
    if len(found) > 1:
        quarter = st.sidebar.selectbox(
            _("Quarter"), found[::-1], key="committee_quarter",
            help=_("The scenario book's quarters in `{folder}`.").format(folder=book))
        return book / quarter, configured
    if found and configured:
        return book / found[0], configured
    return folder, configured


def assumptions_logs(folder: Path, names: Sequence[str]) -> None:
    """The assumptions log of each chosen scenario, one closed expander per file."""
    for name in names:
        scenario = _first_scenario(folder / name)
        if scenario is None:
            continue  # a refused file is reported when it is run
        with st.expander(_("Assumptions log of `{name}`").format(name=name)):
            frame = log_frame(scenario)
            if not len(frame):
                st.caption(_("No entries."))
                continue
            st.dataframe(frame.rename(columns={k: _(v) for k, v in LOG_LABELS.items()}),
                         hide_index=True, width="stretch")


def scenario_files(folder: Path) -> list[str]:
    """Names of the ``*.toml`` files in ``folder``, sorted; none if it is not a folder."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob("*.toml") if p.is_file())


def _first_scenario(path: Path) -> Scenario | None:
    """The scenario in ``path`` when it is valid (for the sidebar defaults), else None."""
    try:
        return load_scenario(path, allow_outside_data=True).scenario
    except ScenarioError:
        return None


def sidebar(folder: Path, files: list[str]) -> tuple[list[str], int, int, int] | None:
    """The sidebar; returns (files, replications, seed, workers) when **Run** was pressed."""
    sb = st.sidebar
    chosen = sb.multiselect(
        _("Scenarios"),
        files,
        default=[f for f in DEFAULT_FILES if f in files] or files[:1],
        key="committee_files",
        help=_("Scenario files in `{folder}`. The first one is the base the others are "
               "compared with.").format(folder=folder),
    )
    first = _first_scenario(folder / chosen[0]) if chosen else None
    defaults = Scenario.model_fields
    own_reps = first.replications if first else defaults["replications"].default
    own_seed = first.seed if first else defaults["seed"].default
    replications = int(
        sb.number_input(
            _("Replications"),
            min_value=1,
            max_value=MAX_REPLICATIONS,
            value=DEFAULT_REPLICATIONS,
            step=1,
            key="committee_replications",
            help=_("Independent simulation runs per scenario. More replications narrow the "
                   "confidence intervals; the run time grows in proportion."),
        )
    )
    sb.caption(
        _("{default} replications are enough to explore. The committee's figures use the "
          "scenario's own count ({own}): set it here, or run `pharmaops compare`.").format(
            default=DEFAULT_REPLICATIONS, own=own_reps)
    )
    seed = int(
        sb.number_input(
            _("Seed"),
            min_value=0,
            max_value=MAX_SEED,
            value=min(own_seed, MAX_SEED),
            step=1,
            # keyed by the base, so choosing another base starts from its seed
            key=f"committee_seed_{chosen[0] if chosen else ''}",
            help=_("Root seed shared by every scenario (common random numbers). Defaults to "
                   "the base scenario's seed."),
        )
    )
    workers = int(
        sb.number_input(
            _("Workers"),
            min_value=1,
            max_value=max(DEFAULT_WORKERS, default_workers()),
            value=DEFAULT_WORKERS,
            step=1,
            key="committee_workers",
            help=_("Processes running replications in parallel, in a job outside the app. "
                   "The results do not depend on it."),
        )
    )
    pressed = sb.button(
        _("Run"),
        type="primary",
        icon=":material/play_arrow:",
        disabled=not chosen or running_job(),
        key="committee_run",
        help=_("Validate, calibrate and simulate the chosen scenarios, and store the runs."),
    )
    if not chosen:
        sb.caption(_("Choose at least one scenario."))
    return (chosen, replications, seed, workers) if pressed and chosen else None


@dataclass(frozen=True)
class Request:
    """What **Run** asked for: the scenario files and the simulation settings."""

    paths: tuple[Path, ...]
    replications: int
    seed: int
    workers: int
    allow_outside_data: bool

    def arguments(self) -> list[str]:
        """The ``pharmaops`` command that computes it (``run`` for one file)."""
        command = ["compare"] if len(self.paths) > 1 else ["run"]
        command += [str(p) for p in self.paths]
        command += ["--replications", str(self.replications), "--seed", str(self.seed),
                    "--workers", str(self.workers)]
        return command + (["--allow-outside-data"] if self.allow_outside_data else [])


def run_scenarios(
    paths: Sequence[Path],
    *,
    replications: int,
    seed: int,
    workers: int,
    allow_outside_data: bool,
    just_computed: bool = False,
) -> Comparison | None:
    """Validate every scenario and its data set, then the comparison from the store when
    every run is there, else queue its computation as a job (ui/jobs.py) and None; None
    also, after showing why, if any scenario or data set is refused. ``just_computed``: the
    job that computed the runs has just finished (said as such, not as served from the
    store)."""
    request = Request(tuple(Path(p) for p in paths), replications, seed, workers,
                      allow_outside_data)
    checked = _checked(request)
    if checked is None:
        return None
    loaded, datasets = checked
    try:
        store = RunStore()
    except InputError as exc:
        show_problems(_("The run store cannot be opened, so nothing can run"), exc)
        return None
    found = stored_comparison(loaded, datasets, seed=seed, replications=replications,
                              store=store)
    if found is None and just_computed:  # e.g. the store was replaced meanwhile
        st.error(_("The run finished, but its results are not in the run store `{store}`; "
                   "press **Run** again.").format(store=store.path))
        return None
    if found is None:
        # a comparison refines its CIs as replications arrive (one scenario has no rounds)
        st.session_state[JOB_KEY] = (jobs.start(request.arguments(), store=store.path,
                                                progress_file=True,
                                                partial_file=len(request.paths) > 1), request)
        st.session_state.pop(FAILED_KEY, None)
        return None
    ids = ", ".join(f"`{r.result.run_id}` ({r.label})" for r in found.results)
    st.success(_("Stored as run {ids}.").format(ids=ids), icon=":material/database:")
    if not just_computed:
        st.info(_("Served from the store, not recomputed (same scenario, seed, replications, "
                  "data set and code version): {labels}.").format(
                      labels=", ".join(found.reused)), icon=":material/history:")
    return found


def _checked(request: Request) -> tuple[list[LoadedScenario], list[Dataset]] | None:
    """The scenarios and their data sets, or None after showing why one is refused."""
    try:
        loaded = load_scenarios(request.paths, allow_outside_data=request.allow_outside_data)
    except ScenarioError as exc:
        refused = ", ".join(f"`{name}`" for name in sorted({Path(p.source).name
                                                            for p in exc.problems}))
        show_problems(_("Scenario {names} refused").format(names=refused), exc)
        return None
    datasets = []
    for item in loaded:
        ds = load_dataset_or_error(item.dataset_path)
        if isinstance(ds, DatasetError):
            st.markdown(_("Data set of scenario `{name}`:").format(name=item.path.name))
            show_refusal(ds)
            return None
        datasets.append(ds)
    return loaded, datasets


def running_job() -> bool:
    """Whether this session's comparison job is waiting or running."""
    return JOB_KEY in st.session_state


@st.fragment(run_every=POLL_S)
def job_progress() -> None:
    """The queued comparison's progress; when its job ends, the whole page again (its runs
    are now in the store: :func:`finished_request` hands them over) or its last lines when
    it failed."""
    pending = st.session_state.get(JOB_KEY)
    if pending is None:
        if (failed := st.session_state.get(FAILED_KEY)) is not None:
            st.error(_("The run failed (exit code {code}).").format(code=failed[0]))
            st.code(failed[1])
        return
    job, request = pending
    code = jobs.progress_bar(job, lambda done, total, label: _(
        "{scenario}: replication {done} of {total}").format(
            scenario=label, done=done, total=total) if label else _(CALIBRATING))
    if code is None:
        if (doc := job.partial()) is not None:  # none while it waits
            _so_far(doc)
        return
    del st.session_state[JOB_KEY]
    if code != 0:
        st.session_state[FAILED_KEY] = (code, job.tail(12))
    else:
        st.session_state[FINISHED_KEY] = request
    job.remove()
    st.rerun()


def _so_far(doc: dict) -> None:
    """The comparison after its latest round of replications, until the run ends."""
    st.markdown(_("**First estimates**: {scenarios} of {scenarios_planned} scenario(s) after "
                  "{done} of {planned} replications; refined as replications arrive. Paired "
                  "differences, charts and downloads follow when the run ends.").format(
                      scenarios=len(doc["scenarios"]), scenarios_planned=doc.get(
                          "scenarios_planned", len(doc["scenarios"])),
                      done=doc["replications"], planned=doc["replications_planned"]))
    st.dataframe(partial_view(doc), hide_index=True, key="cm_partial")


def finished_request() -> Request | None:
    """The request whose job has just finished well (once)."""
    return st.session_state.pop(FINISHED_KEY, None)
