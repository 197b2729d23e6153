"""What the result caches on disk share: their folder beside the run store, the version of the
code a result depends on, and JSON files that carry their own checksum.

A cached result is only as good as its key: each cache keys its files by the data set's
fingerprint and by :func:`source_version` of the code that computes the result, so a changed
data set or changed code misses. A file whose checksum does not match its content (truncated,
edited, half-written by a killed process) is reported as absent and computed again, never
trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scenarios.paths import PROJECT_ROOT, default_store_path

#: the packages whose code can change a cached result (every layer below the pages)
LIBRARY_PACKAGES = ("data", "models", "simulation", "scenarios")
#: entries kept per cache folder; older ones are removed when a new one is written
KEPT_ENTRIES = 8


def cache_dir(name: str) -> Path:
    """``NAME/`` beside the run store (``$PHARMAOPS_RUN_STORE`` moves both)."""
    return default_store_path().parent / name


def source_version(packages: Iterable[str] = LIBRARY_PACKAGES,
                   extra: Iterable[str] = ()) -> str:
    """Hash of every ``.py`` file of ``packages`` (paths and bytes, in path order) and of the
    ``extra`` strings (library versions): any change of method makes cached results stale."""
    digest = hashlib.sha256()
    for package in packages:
        for file in sorted((PROJECT_ROOT / package).rglob("*.py")):
            digest.update(str(file.relative_to(PROJECT_ROOT)).encode() + b"\0")
            digest.update(file.read_bytes())
    for text in extra:
        digest.update(text.encode() + b"\0")
    return digest.hexdigest()[:16]


def write_checked(path: Path, payload: dict[str, Any]) -> bool:
    """Write ``payload`` as JSON with the sha256 of its text, atomically (a temporary file,
    then rename); False when the place is not writable (the result is then only not kept)."""
    body = json.dumps(payload, allow_nan=True, sort_keys=True)
    text = json.dumps({"sha256": hashlib.sha256(body.encode()).hexdigest(), "body": body})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        return False
    return True


def read_checked(path: Path) -> dict[str, Any] | None:
    """The payload :func:`write_checked` wrote, or None when the file is missing, unreadable or
    does not match its checksum."""
    try:
        outer = json.loads(path.read_text(encoding="utf-8"))
        body = outer["body"]
        if hashlib.sha256(body.encode()).hexdigest() != outer["sha256"]:
            return None
        payload = json.loads(body)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return payload if isinstance(payload, dict) else None


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prune(folder: Path, kept: int = KEPT_ENTRIES) -> None:
    """Keep the ``kept`` newest entries (files or folders not starting with ``.``) of
    ``folder``: each data set or code change adds one, and none is needed once stale."""
    try:
        entries = sorted((p for p in folder.iterdir() if not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in entries[kept:]:
        # another process may have removed it already
        with contextlib.suppress(OSError):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
