"""Long work as a job outside the server process, in one queue shared by every session: a
``pharmaops`` command in a folder of its own beside the run store (its command, log, JSON
answer, progress and exit code), started when one of the queue's slots is free
(``$PHARMAOPS_JOB_SLOTS``, by default one per two cores), oldest first. Any session's poll
starts the next waiting job, so the queue moves on when the session that filled it has left.
Progress is read from the progress file the command writes (``--progress-file``) or else from
its progress bar in the log, the answer from the JSON it writes. Pages only poll, so they
never freeze, and simulations never run inside the server process: other sessions stay fast.
The scenario editor's runs and the lever attribution use it."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from scenarios.paths import PROJECT_ROOT, default_store_path
from ui.i18n import _

#: the last "done/total" of a tqdm bar in a log
_PROGRESS = re.compile(r"(\d+)/(\d+)")
#: a job's files in its folder
LOG, ANSWER, PROGRESS = "log.txt", "answer.json", "progress.json"
PARTIAL = "partial.json"  # a comparison refined as replications arrive: its state so far
COMMAND, STARTED, EXIT = "command.json", "started.json", "exit_code"
#: how many jobs run at once
SLOTS_ENV = "PHARMAOPS_JOB_SLOTS"
#: how much lower than the server's a job's CPU priority is (nice increment)
NICENESS = 10
#: a finished job nobody read is removed after this long, s
KEEP_FINISHED_S = 24 * 3600
#: the processes this server started (kept so their exit is collected, not left as zombies)
_STARTED: dict[str, subprocess.Popen] = {}


def slots() -> int:
    """How many jobs run at once: ``$PHARMAOPS_JOB_SLOTS``, else one per two cores."""
    configured = os.environ.get(SLOTS_ENV, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass(frozen=True)
class Job:
    """A queued command: its folder (the queue's state is on disk, read by every session)."""

    folder: Path

    @property
    def log(self) -> Path:
        return self.folder / LOG

    @property
    def answer(self) -> Path:
        return self.folder / ANSWER

    @property
    def progress_file(self) -> Path:
        return self.folder / PROGRESS

    def state(self) -> str:
        """"waiting", "running" or "finished" (moving the queue on first)."""
        dispatch(self.folder.parent)
        return _state(self.folder)

    def ahead(self) -> int:
        """How many waiting jobs were queued before this one (0 once it runs)."""
        if _state(self.folder) != "waiting":
            return 0
        return sum(1 for f in _folders(self.folder.parent)
                   if _state(f) == "waiting" and _created(f) < _created(self.folder))

    def progress(self) -> tuple[int, int, str] | None:
        """(done, total, label) as the command last said, None before it says anything."""
        try:
            state = json.loads(self.progress_file.read_text(encoding="utf-8"))
            return int(state.get("done", 0)), int(state.get("total", 0)), str(
                state.get("label") or "")
        except (OSError, ValueError):  # no progress file (or being replaced): the bar
            pass
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return None
        found = _PROGRESS.findall(text[-2000:])
        return (int(found[-1][0]), int(found[-1][1]), "") if found else None

    def returncode(self) -> int | None:
        """None while it waits or runs; then 0 (done), 2 (refused input) or another failure."""
        if self.state() != "finished":
            return None
        return _exit_code(self.folder)

    def wait(self, timeout: float) -> int:
        """Poll until the job has finished (tests and scripts); its exit code."""
        end = time.monotonic() + timeout
        while (code := self.returncode()) is None:
            if time.monotonic() > end:
                raise TimeoutError(f"job {self.folder.name} still {self.state()} after "
                                   f"{timeout:g} s")
            time.sleep(0.2)
        return code

    def result(self) -> dict | None:
        """The JSON the command wrote, once it finished well."""
        if self.returncode() != 0 or not self.answer.exists():
            return None
        return json.loads(self.answer.read_text(encoding="utf-8"))

    def partial(self) -> dict | None:
        """The answer so far of a command that refines it (``--partial-json``), None before
        its first round or while the file is being replaced."""
        try:
            return json.loads((self.folder / PARTIAL).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def tail(self, lines: int = 8) -> str:
        """The end of the log (what went wrong, when it did)."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.replace("\r", "\n").strip().splitlines()[-lines:])

    def remove(self) -> None:
        """Remove the job's folder (once its answer is read or stored)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def jobs_folder(store: Path | None = None) -> Path:
    """The queue's folder, beside the run store (the app's unless ``store``)."""
    store = Path(store) if store is not None else default_store_path()
    return store.parent / "jobs"


def start(arguments: list[str], *, store: Path | None = None, progress_file: bool = False,
          stores: bool = True, partial_file: bool = False,
          files: Mapping[str, tuple[str, bytes]] | None = None) -> Job:
    """Queue ``pharmaops ARGUMENTS --json ANSWER --store STORE`` (the app's run store unless
    ``store``; no ``--store`` when the command ``stores`` nothing), with ``--progress-file``
    when the command writes one and ``--partial-json`` when it refines its answer as it runs
    (:meth:`Job.partial`); it starts at once when a slot is free. ``files`` (option →
    (file name, contents)): input files written into the job's folder first, each given to
    the command as ``OPTION PATH`` (removed with the job)."""
    files = dict(files or {})
    for name, _data in files.values():
        if Path(name).name != name or name in (LOG, ANSWER, PROGRESS, PARTIAL, COMMAND,
                                               STARTED, EXIT):
            raise ValueError(f"a job's input file needs a plain name of its own; got {name!r}")
    store = Path(store) if store is not None else default_store_path()
    folder = jobs_folder(store) / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    inputs = []
    for option, (name, data) in files.items():
        (folder / name).write_bytes(data)
        inputs += [option, str(folder / name)]
    command = [sys.executable, "-m", "scenarios.cli", *arguments, *inputs,
               "--json", str(folder / ANSWER)]
    command += ["--store", str(store)] if stores else []
    if progress_file:
        command += ["--progress-file", str(folder / PROGRESS)]
    if partial_file:
        command += ["--partial-json", str(folder / PARTIAL)]
    _write(folder / COMMAND, {"command": command, "created": time.time()})
    dispatch(folder.parent)
    return Job(folder)


def waiting_text(job: Job) -> str | None:
    """What a waiting job waits for, as the page says it; None once it runs."""
    if job.state() != "waiting":
        return None
    running, _waiting = queue_counts(job.folder.parent)
    return _("Waiting in the shared queue: {running} job(s) running, {ahead} waiting before "
             "this one; {slots} run at a time on this server.").format(
                 running=running, ahead=job.ahead(), slots=slots())


def progress_bar(job: Job, text: Callable[[int, int, str], str]) -> int | None:
    """While ``job`` waits or runs: its place in the queue, or its bar saying ``text(done,
    total, label)`` (as the command last told), and None; once it has finished, its exit
    code (nothing shown)."""
    code = job.returncode()
    if code is None:
        if waiting := waiting_text(job):
            st.progress(0.0, text=waiting)
        else:
            done, total, label = job.progress() or (0, 0, "")
            st.progress(min(done / max(total, 1), 1.0), text=text(done, total, label))
    return code


def queue_counts(folder: Path | None = None) -> tuple[int, int]:
    """(running, waiting) jobs in the shared queue (``folder``, the app's unless given),
    every session's."""
    folder = folder if folder is not None else jobs_folder()
    if not folder.is_dir():
        return 0, 0
    dispatch(folder)
    states = [_state(f) for f in _folders(folder)]
    return states.count("running"), states.count("waiting")


def dispatch(folder: Path) -> None:
    """Start the oldest waiting jobs while fewer than :func:`slots` run; collect finished
    processes; remove finished jobs older than a day. One session at a time (a file lock)."""
    if not folder.is_dir():
        return
    for name, process in list(_STARTED.items()):
        if process.poll() is not None:
            del _STARTED[name]
    with _locked(folder):
        jobs = _folders(folder)
        running = sum(1 for f in jobs if _state(f) == "running")
        for job in jobs:
            state = _state(job)
            if state == "waiting" and running < slots():
                _launch(job)
                running += 1
            elif state == "finished" and time.time() - _created(job) > KEEP_FINISHED_S:
                shutil.rmtree(job, ignore_errors=True)


def _launch(folder: Path) -> None:
    command = json.loads((folder / COMMAND).read_text(encoding="utf-8"))["command"]
    # sh writes the exit code when the command ends, so any session can read it
    # and runs it at a lower CPU priority: the pages (the server) come first
    script = (f'nice -n {NICENESS} "$@" > "$0/{LOG}" 2>&1; echo $? > "$0/{EXIT}.tmp"; '
              f'mv "$0/{EXIT}.tmp" "$0/{EXIT}"')
    # -m from the project folder: the project's packages import as they do for the app
    process = subprocess.Popen(["sh", "-c", script, str(folder),
                                *command], cwd=PROJECT_ROOT, start_new_session=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _STARTED[folder.name] = process
    _write(folder / STARTED, {"pid": process.pid, "started": time.time()})


def _folders(folder: Path) -> list[Path]:
    """The queue's jobs, oldest first (their names start with the time they were queued)."""
    return sorted(f for f in folder.iterdir() if f.is_dir() and (f / COMMAND).exists())


def _created(folder: Path) -> float:
    """When the job was queued, s since the epoch (its folder's name starts with it, in ns)."""
    return int(folder.name.split("-")[0]) / 1e9


def _state(folder: Path) -> str:
    if (folder / EXIT).exists():
        return "finished"
    try:
        pid = json.loads((folder / STARTED).read_text(encoding="utf-8"))["pid"]
    except (OSError, ValueError, KeyError):
        return "waiting"
    return "running" if _alive(pid) else "finished"


def _exit_code(folder: Path) -> int:
    try:
        return int((folder / EXIT).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):  # the job's shell was killed before it could tell
        return -1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write(path: Path, doc: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    tmp.replace(path)


@contextmanager
def _locked(folder: Path):
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
