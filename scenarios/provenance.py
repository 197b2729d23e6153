"""Provenance of a stored run: which code produced it (installed version and git sha)."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

from scenarios.paths import PROJECT_ROOT

FALLBACK_VERSION = "0.1.0+unknown"
_GIT_TIMEOUT_S = 2.0


def code_version() -> str:
    """Installed ``pharmaops`` version (else ``0.1.0+unknown``) plus ``g<short git sha>``.

    The sha joins the PEP 440 local part: ``0.1.0+gabc1234``, ``0.1.0+unknown.gabc1234``.
    """
    try:
        version = metadata.version("pharmaops")
    except metadata.PackageNotFoundError:
        version = FALLBACK_VERSION
    sha = _git_short_sha(PROJECT_ROOT)
    if sha:
        version += f"{'.' if '+' in version else '+'}g{sha}"
    return version


def _git_short_sha(root: Path) -> str | None:
    """Short sha of HEAD when ``root`` is a git checkout; None on any failure."""
    if not (root / ".git").exists():  # an installed copy must not pick up an enclosing repo
        return None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = done.stdout.strip()
    if done.returncode != 0 or not sha or any(c not in "0123456789abcdef" for c in sha):
        return None
    return sha
