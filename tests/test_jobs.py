"""The shared job queue (ui/jobs.py): jobs run outside the server process, at most
``$PHARMAOPS_JOB_SLOTS`` at once, oldest first; any poll moves the queue on; a job's exit code,
answer and log are read from its folder, whichever session started it."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from ui import jobs


@pytest.fixture()
def one_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jobs.SLOTS_ENV, "1")


def _started(job: jobs.Job) -> float:
    return json.loads((job.folder / jobs.STARTED).read_text())["started"]


def _ended(job: jobs.Job) -> float:
    return (job.folder / jobs.EXIT).stat().st_mtime


def test_one_slot_runs_the_jobs_one_after_the_other_oldest_first(
        one_slot: None, small_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    queued = [jobs.start(["kpis", str(small_dir)], store=store) for _ in range(3)]
    # a fresh interpreter takes longer than these lines: the first runs, the others wait
    assert [j.state() for j in queued] == ["running", "waiting", "waiting"]
    assert [j.ahead() for j in queued] == [0, 0, 1]
    assert jobs.queue_counts(store.parent / "jobs") == (1, 2)
    assert "1 job(s) running, 1 waiting before this one; 1 run at a time" in (
        jobs.waiting_text(queued[2]) or "")
    assert [j.wait(timeout=300) for j in queued] == [0, 0, 0]
    for before, after in zip(queued, queued[1:], strict=False):
        assert _started(after) >= _ended(before), "never two at once with one slot"
    for job in queued:
        assert {"order_processing_days", "dso_days"} <= set((job.result() or {}).get("kpis", {}))
    assert jobs.queue_counts(store.parent / "jobs") == (0, 0)


def test_two_slots_run_two_at_once(monkeypatch: pytest.MonkeyPatch, small_dir: Path,
                                   tmp_path: Path) -> None:
    monkeypatch.setenv(jobs.SLOTS_ENV, "2")
    queued = [jobs.start(["kpis", str(small_dir)], store=tmp_path / "s.sqlite")
              for _ in range(3)]
    assert [j.state() for j in queued] == ["running", "running", "waiting"]
    assert [j.wait(timeout=300) for j in queued] == [0, 0, 0]


def test_a_refused_command_reports_its_exit_code_and_its_problem(tmp_path: Path) -> None:
    job = jobs.start(["kpis", str(tmp_path / "no_such_folder")], store=tmp_path / "s.sqlite")
    assert job.wait(timeout=120) == 2
    assert job.result() is None
    assert "no_such_folder" in job.tail()


def test_a_killed_job_is_finished_with_a_failure_and_frees_its_slot(
        one_slot: None, small_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    doomed = jobs.start(["kpis", str(small_dir)], store=store)
    nxt = jobs.start(["kpis", str(small_dir)], store=store)
    assert nxt.state() == "waiting"
    pid = json.loads((doomed.folder / jobs.STARTED).read_text())["pid"]
    os.killpg(pid, signal.SIGKILL)  # the job's shell and its command, as a crash would
    assert doomed.wait(timeout=60) == -1
    assert nxt.wait(timeout=300) == 0


def test_the_queue_moves_on_when_polled_from_anywhere(one_slot: None, small_dir: Path,
                                                      tmp_path: Path) -> None:
    """A waiting job starts when any session polls, not only the one that queued it."""
    store = tmp_path / "s.sqlite"
    first = jobs.start(["kpis", str(small_dir)], store=store)
    second = jobs.start(["kpis", str(small_dir)], store=store)
    deadline = time.monotonic() + 300
    while not (first.folder / jobs.EXIT).exists():  # watched without polling the queue
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert not (second.folder / jobs.STARTED).exists()
    jobs.dispatch(jobs.jobs_folder(store))  # another session's poll
    assert (second.folder / jobs.STARTED).exists()
    assert second.wait(timeout=300) == 0


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("0", None), ("two", None),
                                                 ("", None)])
def test_slots_come_from_the_environment_or_the_cores(monkeypatch: pytest.MonkeyPatch,
                                                      value: str, expected: int | None) -> None:
    monkeypatch.setenv(jobs.SLOTS_ENV, value)
    assert jobs.slots() == (expected or max(1, (os.cpu_count() or 2) // 2))


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the parent's pid, after the state
            found.append(int(stat.parent.name))
    return found


def test_a_job_runs_at_a_lower_cpu_priority_than_the_server(small_dir: Path,
                                                            tmp_path: Path) -> None:
    """The pages come first: the command runs niced below the process that queued it."""
    job = jobs.start(["kpis", str(small_dir)], store=tmp_path / "s.sqlite")
    shell = json.loads((job.folder / jobs.STARTED).read_text())["pid"]
    deadline = time.monotonic() + 30
    while not (children := _children(shell)):
        assert time.monotonic() < deadline and job.state() == "running"
        time.sleep(0.05)
    stat = Path(f"/proc/{children[0]}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(stat[16]) == os.nice(0) + jobs.NICENESS  # field 19 of proc(5): nice
    assert job.wait(timeout=300) == 0


def test_a_refining_command_is_told_where_to_write_its_answer_so_far(tmp_path: Path) -> None:
    job = jobs.start(["compare", str(tmp_path / "a.toml"), str(tmp_path / "b.toml")],
                     store=tmp_path / "store.sqlite", progress_file=True, partial_file=True)
    command = json.loads((job.folder / jobs.COMMAND).read_text())["command"]
    assert command[command.index("--partial-json") + 1] == str(job.folder / jobs.PARTIAL)
    assert job.partial() is None
    assert job.wait(120) == 2  # no such scenario files: refused before any work
    assert job.partial() is None  # nothing half-written
    (job.folder / jobs.PARTIAL).write_text('{"replications": 2}', encoding="utf-8")
    assert job.partial() == {"replications": 2}


def test_input_files_are_written_into_the_jobs_folder_and_given_to_the_command(
        small_dir: Path, tmp_path: Path) -> None:
    """An input file (here an assignment without the columns the command reads) lands in the
    job's own folder and reaches the command behind its option; a name that would leave the
    folder or replace the job's own files is refused before anything is queued."""
    store = tmp_path / "s.sqlite"
    job = jobs.start(["warehouses", "simulate", str(small_dir), "--sites", "S01"],
                     store=store, stores=False,
                     files={"--assignment": ("assignment.csv", b"district,warehouse\n1,S01\n")})
    assert (job.folder / "assignment.csv").read_bytes() == b"district,warehouse\n1,S01\n"
    assert job.wait(timeout=120) == 2
    assert f"{job.folder / 'assignment.csv'}: expected a CSV file" in job.tail()
    assert "found columns district, warehouse" in job.tail()
    for name in ("../escape.csv", jobs.ANSWER):
        with pytest.raises(ValueError, match="plain name"):
            jobs.start(["kpis"], store=store, files={"--x": (name, b"")})
    assert [f.name for f in (store.parent / "jobs").iterdir() if f.is_dir()] == [job.folder.name]
