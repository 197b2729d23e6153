"""The scenario book: scenario files grouped by quarter, one folder per quarter
(``scenarios/2026Q4/``), each file with its assumptions log (docs/scenarios.md, "The
scenario book")."""

from __future__ import annotations

import os
import re
from pathlib import Path

#: a quarter folder's name: year and quarter, ``2026Q4``
QUARTER = re.compile(r"(?P<year>\d{4})Q(?P<quarter>[1-4])")


def parse_quarter(text: str) -> tuple[int, int]:
    """``"2026Q4"`` → ``(2026, 4)``; anything else is a :class:`ValueError` naming what a
    quarter looks like and what was given."""
    match = QUARTER.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"a quarter must be written YYYYQn with n in 1..4 (e.g. 2026Q4); "
                         f"got {text!r}")
    return int(match["year"]), int(match["quarter"])


def quarters(root: str | os.PathLike[str]) -> list[str]:
    """The quarter folders directly under ``root`` (names like ``2026Q4``), oldest first;
    [] when there is none (or ``root`` is not a folder)."""
    folder = Path(root)
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_dir() and QUARTER.fullmatch(p.name)]
    return sorted(names, key=parse_quarter)


def current_quarter(root: str | os.PathLike[str]) -> str | None:
    """The newest quarter folder under ``root``; None when there is none."""
    found = quarters(root)
    return found[-1] if found else None


def scenario_files(quarter_dir: str | os.PathLike[str]) -> list[Path]:
    """The scenario files (``*.toml``) of one quarter's folder, by name."""
    folder = Path(quarter_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.toml") if p.is_file())
