"""Today's work content kept on disk: :func:`scenarios.run.todays_work` runs today's process
through the order flow until work plus modelled wait equals the measured stage times, eight
simulated years or so (about 45 s on the national data set), and every page and command that
prepares a scenario needs it.

It depends only on the data set (fingerprint), today's measured process, the staffing
assumption and the code, so it is kept as checksummed JSON in ``work/`` beside the run store,
keyed by all four (:mod:`scenarios.disk_cache`). A file that does not match its checksum or
the schema is recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from scenarios.disk_cache import cache_dir, prune, read_checked, source_version, write_checked
from simulation.params import ProcessParams

FOLDER = "work"


def work_file(fingerprint: str, measured: ProcessParams, utilisation: float,
              root: Path | None = None) -> Path:
    """The file of one work content: data set, measured process, staffing and code."""
    key = hashlib.sha256("\0".join((fingerprint, measured.model_dump_json(), repr(utilisation),
                                    source_version())).encode()).hexdigest()
    return (root if root is not None else cache_dir(FOLDER)) / f"{fingerprint[:16]}-{key[:24]}.json"


def read_work(file: Path) -> ProcessParams | None:
    """The kept work content, or None when there is none or it does not check out."""
    payload = read_checked(file)
    if payload is None:
        return None
    try:
        return ProcessParams.model_validate(payload["params"])
    except (KeyError, ValidationError):
        return None


def keep_work(file: Path, work: ProcessParams) -> None:
    """Keep ``work`` in ``file`` (a read-only place keeps nothing; the result stays right)."""
    if write_checked(file, {"params": work.model_dump(mode="json")}):
        prune(file.parent)
