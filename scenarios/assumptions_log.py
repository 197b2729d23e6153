"""A scenario's assumptions log as a table: one row per ``[[log]]`` entry, oldest first."""

from __future__ import annotations

import pandas as pd

from scenarios.schema import Scenario

#: the table's columns, in order
LOG_COLUMNS = ("date", "author", "levers", "note")


def log_frame(scenario: Scenario) -> pd.DataFrame:
    """The log of ``scenario``: date, author, levers (comma-separated dotted paths) and note,
    sorted by date (entries of one day keep their file order)."""
    rows = [{"date": entry.date, "author": entry.author, "levers": ", ".join(entry.levers),
             "note": entry.note} for entry in scenario.log]
    frame = pd.DataFrame(rows, columns=list(LOG_COLUMNS))
    return frame.sort_values("date", kind="stable").reset_index(drop=True)
