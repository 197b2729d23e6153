"""JSON for machines: NaN becomes null, numpy scalars become Python numbers, files are
written atomically."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TextIO


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


def write_json(payload: dict, path: str, stdout: TextIO | None = None) -> None:
    """Write ``payload`` as JSON to ``path`` atomically (``-`` = ``stdout``, default
    ``sys.stdout``)."""
    text = json.dumps(json_ready(payload), indent=2, ensure_ascii=False, default=str) + "\n"
    if path == "-":
        (stdout or sys.stdout).write(text)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
