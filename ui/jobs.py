"""Long work as a job outside the server process: a ``pharmaops`` command started as its own
process, its progress read from its log (the command's progress bar), its answer from the
JSON it writes. The page only polls, so it never freezes and other sessions stay fast."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from scenarios.paths import PROJECT_ROOT, default_store_path

#: the last "done/total" of a tqdm bar in a log
_PROGRESS = re.compile(r"(\d+)/(\d+)")


@dataclass
class Job:
    """A started command: its process, log and JSON answer."""

    process: subprocess.Popen
    log: Path
    answer: Path

    def progress(self) -> tuple[int, int] | None:
        """(done, total) as the command's progress bar last said, None before it starts."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return None
        found = _PROGRESS.findall(text[-2000:])
        return (int(found[-1][0]), int(found[-1][1])) if found else None

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
        return "\n".join(text.replace("\r", "\n").splitlines()[-lines:])


def start(arguments: list[str], *, store: Path | None = None) -> Job:
    """Start ``pharmaops ARGUMENTS --json ANSWER`` (``--store`` the app's run store)."""
    folder = default_store_path().parent / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    stem = uuid.uuid4().hex[:12]
    log, answer = folder / f"{stem}.log", folder / f"{stem}.json"
    command = [sys.executable, "-m", "scenarios.cli", *arguments, "--json", str(answer),
               "--store", str(store or default_store_path())]
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=PROJECT_ROOT, start_new_session=True)
    return Job(process, log, answer)
