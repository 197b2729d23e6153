"""JSON for machines: NaN becomes null, numpy scalars become Python numbers, files (JSON
or any other) are written atomically."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import TextIO

from data.problems import InputError, Problem


def json_ready(value: object) -> object:
    """Make a nested structure JSON-safe (NaN/inf -> None, numpy scalars -> Python)."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return json_ready(value.item())
    return value


def output_path_problem(path: str, option: str = "--json") -> Problem | None:
    """Why ``path`` cannot receive an output file (checked before any work), or None.

    ``-`` (stdout) is always fine; otherwise the path must not be a folder, its parent must be
    an existing folder we may write in, and an existing file must be writable.
    """
    if path == "-":
        return None
    target = Path(path).expanduser()
    expected = "a file path in an existing, writable folder"
    if target.is_dir():
        return Problem(option, "", expected, f"{path} is a folder")
    parent = target.parent
    if not parent.is_dir():
        what = "does not exist" if not parent.exists() else "is not a folder"
        return Problem(option, "", expected, f"{path} (its folder {parent} {what})")
    if not os.access(parent, os.W_OK | os.X_OK) or (target.exists()
                                                    and not os.access(target, os.W_OK)):
        return Problem(option, "", expected, f"{path} is not writable")
    return None


def write_file_atomically(data: bytes, path: str) -> None:
    """Write ``data`` to ``path``: a temporary file beside it, renamed over it; removed if
    anything fails (a reader never sees half a file)."""
    target = Path(path).expanduser()
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(Problem(path, "", "a writable file", str(exc)),
                         summary=f"cannot write {path}") from exc


def write_json(payload: dict, path: str, stdout: TextIO | None = None) -> None:
    """Write ``payload`` as JSON to ``path`` atomically (``-`` = ``stdout``, default
    ``sys.stdout``)."""
    text = json.dumps(json_ready(payload), indent=2, ensure_ascii=False, default=str) + "\n"
    if path == "-":
        (stdout or sys.stdout).write(text)
        return
    write_file_atomically(text.encode("utf-8"), path)
