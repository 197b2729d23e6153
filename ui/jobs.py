"""Long work as a job outside the server process: a ``pharmaops`` command started as its own
process in a folder of its own (log, JSON answer, progress), its progress read from the
progress file the command writes (``--progress-file``) or else from its progress bar in the
log, its answer from the JSON it writes. The page only polls, so it never freezes and other
sessions stay fast. The scenario editor's runs and the lever attribution use it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from scenarios.paths import PROJECT_ROOT, default_store_path

#: the last "done/total" of a tqdm bar in a log
_PROGRESS = re.compile(r"(\d+)/(\d+)")
#: a job's files in its folder
LOG, ANSWER, PROGRESS = "log.txt", "answer.json", "progress.json"


@dataclass
class Job:
    """A started command: its process and its folder."""

    process: subprocess.Popen
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
        """None while it runs; then 0 (done), 2 (refused input) or another failure."""
        return self.process.poll()

    def result(self) -> dict | None:
        """The JSON the command wrote, once it finished well."""
        if self.returncode() != 0 or not self.answer.exists():
            return None
        return json.loads(self.answer.read_text(encoding="utf-8"))

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


def start(arguments: list[str], *, store: Path | None = None,
          progress_file: bool = False) -> Job:
    """Start ``pharmaops ARGUMENTS --json ANSWER --store STORE`` (the app's run store unless
    ``store``), with ``--progress-file`` when the command writes one; its folder lies beside
    the store."""
    store = Path(store) if store is not None else default_store_path()
    folder = store.parent / "jobs" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    command = [sys.executable, "-m", "scenarios.cli", *arguments,
               "--json", str(folder / ANSWER), "--store", str(store)]
    if progress_file:
        command += ["--progress-file", str(folder / PROGRESS)]
    with (folder / LOG).open("w", encoding="utf-8") as out:
        # -m from the project folder: the project's packages import as they do for the app
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=PROJECT_ROOT, start_new_session=True)
    return Job(process, folder)
