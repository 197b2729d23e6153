"""Today's KPIs measured from history (:func:`data.history.measure_history`) kept on disk per
data set and measurement period, so the Today page of a new server process reads them.

The measurement depends only on the data set (its fingerprint covers the tables and
``dataset.json``, hence ``as_of``), the period and the code in ``data/``; the report is kept as
checksummed JSON with its tables in the run store's lossless encoding
(:mod:`scenarios.frame_codec`), in ``history/`` beside the run store. A file that does not
check out is measured again, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from data.dataset import Dataset
from data.history import DEFAULT_DSO_PERIOD_DAYS, HistoryReport, measure_history
from data.kpis import Window
from scenarios.disk_cache import cache_dir, prune, read_checked, source_version, write_checked
from scenarios.frame_codec import decode_frame, encode_frame

FOLDER = "history"
_TABLES = ("by_region", "by_customer_type", "by_month")


def report_file(dataset: Dataset, period_days: int, dso_period_days: int,
                root: Path | None = None) -> Path:
    """The file of one measurement: data set, periods and the code in ``data/``."""
    key = hashlib.sha256("\0".join((dataset.fingerprint, str(period_days), str(dso_period_days),
                                    source_version(("data",)))).encode()).hexdigest()
    folder = root if root is not None else cache_dir(FOLDER)
    return folder / f"{dataset.fingerprint[:16]}-{key[:24]}.json"


def measure_history_kept(dataset: Dataset, period_days: int,
                         dso_period_days: int = DEFAULT_DSO_PERIOD_DAYS,
                         root: Path | None = None) -> HistoryReport:
    """:func:`measure_history`, read from disk when this data set and period were measured
    before by this code."""
    file = report_file(dataset, period_days, dso_period_days, root)
    kept = read_report(file)
    if kept is not None:
        return kept
    report = measure_history(dataset, period_days=period_days, dso_period_days=dso_period_days)
    if write_checked(file, encode_report(report)):
        prune(file.parent, kept=32)  # a few periods per data set
    return report


def encode_report(report: HistoryReport) -> dict:
    """The report as plain JSON values; floats keep every bit, NaN included."""
    return {"window": [report.window.start.isoformat(), report.window.end.isoformat()],
            "overall": {k: float(v) for k, v in report.overall.items()},
            "aging_cny": {k: float(v) for k, v in report.aging_cny.items()},
            "order": {"overall": list(report.overall), "aging_cny": list(report.aging_cny)},
            **{name: encode_frame(getattr(report, name), name) for name in _TABLES}}


def read_report(file: Path) -> HistoryReport | None:
    """The kept report, or None when there is none or it does not decode."""
    payload = read_checked(file)
    if payload is None:
        return None
    try:
        start, end = (pd.Timestamp(t) for t in payload["window"])
        # the keys in the order measured (the file's keys are sorted)
        overall = {k: float(payload["overall"][k]) for k in payload["order"]["overall"]}
        aging = {k: float(payload["aging_cny"][k]) for k in payload["order"]["aging_cny"]}
        tables = {name: decode_frame(payload[name]) for name in _TABLES}
    except (KeyError, TypeError, ValueError, json.JSONDecodeError):
        return None
    return HistoryReport(Window(start, end), overall, aging, **tables)
