"""Today's process for a data set: the process owner's file, or calibration done once per
data set and kept.

Calibrating takes a while on a large data set, and every page and command needs the result;
it depends only on the data set's tables (its fingerprint) and on the calibration code. So it
is kept as JSON in a cache folder beside the run store, keyed by both, and reused by the
CLI and every page. A damaged cache file is recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

import simulation.calibrate as calibrate_module
import simulation.calibration as calibration_package
from data.dataset import Dataset
from scenarios.paths import default_store_path
from simulation.calibrate import calibrate, calibration_source
from simulation.params import ProcessParams

Status = Callable[[str], None]


def default_cache_dir() -> Path:
    """``calibration/`` beside the run store."""
    return default_store_path().parent / "calibration"


def calibration_code_version() -> str:
    """Hash of the calibration code: a change of method makes the cached results stale."""
    files = [Path(calibrate_module.__file__),
             *sorted(Path(calibration_package.__file__).parent.glob("*.py"))]
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def cache_file(dataset: Dataset, cache_dir: Path | None = None) -> Path:
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    return folder / f"{dataset.fingerprint[:24]}-{calibration_code_version()}.json"


def today_process(dataset: Dataset, *, process_path: Path | None = None,
                  cache_dir: Path | None = None, status: Status | None = None) -> ProcessParams:
    """The process owner's description (``process_path``) or ``dataset``'s calibrated process,
    from the cache when it has it; ``status`` is told what is happening (for a progress
    message)."""
    if process_path is not None:
        return ProcessParams.model_validate_json(process_path.read_bytes())
    file = cache_file(dataset, cache_dir)
    if file.is_file():
        try:
            params = ProcessParams.model_validate_json(file.read_bytes())
            # the same tables may sit in another folder than the one they were calibrated in
            return params.model_copy(update={"source": calibration_source(dataset)})
        except (ValidationError, ValueError, OSError):
            pass  # damaged or from an older schema: calibrate again
    if status is not None:
        status("Calibrating today's process from the data set's history (once per data set) …")
    params = calibrate(dataset)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f".{file.name}.tmp")
        tmp.write_text(params.model_dump_json(), encoding="utf-8")
        tmp.replace(file)
    except OSError:
        pass  # a read-only place: the result is still right, only not kept
    return params

