"""Finance's views of a scenario kept on disk, so the finance page of a new server process
reads them instead of building the credit context (loading, calibrating, today's work,
scoring) and solving the terms model again.

Each view depends only on the data set (fingerprint), the scenario's text, the view's own
settings (the limits, the frontier's points, the worklist's horizon) and the code, so it is
kept as checksummed JSON in ``credit/`` beside the run store under a key of all four
(:mod:`scenarios.disk_cache`). Tables use the run store's lossless encoding
(:mod:`scenarios.frame_codec`), arrays their dtype, floats every bit: a view read back is the
view computed. A file that does not check out is computed again, never trusted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.credit.terms import TermsProblem, TermsSolution
from scenarios.collections import (
    Worklist,
    reminder_comparison,
    scenario_schedule,
    schedule_table,
    today_schedule,
)
from scenarios.credit_report import (
    CreditContext,
    PolicyReport,
    assignment_table,
    score_table,
    stability,
)
from scenarios.disk_cache import cache_dir, prune, read_checked, source_version, write_checked
from scenarios.frame_codec import decode_frame, encode_frame

FOLDER = "credit"
#: views kept (scores, policies under several limits, worklists, per scenario and data set)
KEPT = 64


@dataclass(frozen=True)
class ScoreView:
    """The scores' part of the page: the out-of-time check, every account's score, tier and
    reasons (:func:`scenarios.credit_report.score_table`) and the population stability."""

    as_of: pd.Timestamp
    holdout_customers: int
    holdout_auc: float
    holdout_bad_rate: float
    table: pd.DataFrame
    psi: float
    psi_band: str
    psi_bins: pd.DataFrame
    psi_features: pd.DataFrame


@dataclass(frozen=True)
class ReminderView:
    """The reminder schedules (today's and the scenario's) and both compared."""

    today: pd.DataFrame
    scenario: pd.DataFrame
    automated: bool
    comparison: pd.DataFrame


def score_view(ctx: CreditContext) -> ScoreView:
    """The scores' part of the page for ``ctx``."""
    s = ctx.scores
    psi, features = stability(ctx)
    return ScoreView(s.as_of, s.holdout_customers, s.holdout_auc, s.holdout_bad_rate,
                     score_table(ctx), psi.value, psi.band, psi.table, features)


def reminder_view(ctx: CreditContext) -> ReminderView:
    """Today's and the scenario's reminder schedules, and both compared."""
    return ReminderView(schedule_table(today_schedule(ctx)),
                        schedule_table(scenario_schedule(ctx)),
                        bool(ctx.credit.automated_reminders), reminder_comparison(ctx))


def policy_view(ctx: CreditContext, report: PolicyReport
                ) -> tuple[PolicyReport, pd.DataFrame | None]:
    """The report with its assignment table (None when no assignment meets the limits)."""
    return report, (None if report.solution.objective_cny is None
                    else assignment_table(ctx, report))


def view_file(kind: str, fingerprint: str, scenario_text: str, settings: dict,
              root: Path | None = None) -> Path:
    """The file of one view: kind, data set, scenario text, settings and code."""
    key = hashlib.sha256("\0".join((kind, fingerprint, scenario_text,
                                    json.dumps(settings, sort_keys=True),
                                    source_version())).encode()).hexdigest()
    return (root if root is not None else cache_dir(FOLDER)) / f"{kind}-{key[:32]}.json"


def kept(file: Path, compute: Callable[[], Any], encode: Callable[[Any], dict],
         decode: Callable[[dict], Any]) -> Any:
    """The view kept in ``file``, else ``compute()`` kept there."""
    payload = read_checked(file)
    if payload is not None:
        try:
            return decode(payload)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # not what this code writes: compute again
    value = compute()
    if write_checked(file, encode(value)):
        prune(file.parent, KEPT)
    return value


def read_view(file: Path, decode: Callable[[dict], Any]) -> Any | None:
    """The view kept in ``file``, or None (nothing computed)."""
    payload = read_checked(file)
    if payload is None:
        return None
    try:
        return decode(payload)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


# ------------------------------------------------------------------ encodings
def decode_frame_exact(text: str) -> pd.DataFrame:
    """:func:`decode_frame`, with text columns kept as numpy ``object`` (None for missing)
    where they were: pandas 3 infers its Arrow string dtype when the frame is rebuilt."""
    frame = decode_frame(text)
    for i, entry in enumerate(json.loads(text)["columns"]):
        if entry["dtype"] == "object" and frame.dtypes.iloc[i] != np.dtype(object):
            frame.isetitem(i, pd.Series(entry["values"], dtype=object, index=frame.index))
    return frame


def _plain(value: Any) -> Any:
    """A field as JSON: arrays with their dtype and shape, tuples marked, numpy scalars as
    Python numbers (float64 is a float: every bit kept by JSON's repr)."""
    if isinstance(value, np.ndarray):
        return {"__array__": value.dtype.str, "shape": list(value.shape),
                "values": value.ravel().tolist()}
    if isinstance(value, tuple):
        return {"__tuple__": [_plain(v) for v in value]}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and "__array__" in value:
        dtype = np.dtype(value["__array__"])
        return np.array(value["values"], dtype=dtype).reshape(value["shape"])
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_unplain(v) for v in value["__tuple__"])
    if isinstance(value, dict):
        return {k: _unplain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    return value


def _fields(obj: Any) -> dict:
    return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def _ordered(value: dict, order: list[str]) -> dict:
    return {k: value[k] for k in order}


def encode_policy(value: tuple[PolicyReport, pd.DataFrame | None]) -> dict:
    """A policy report and its assignment table (None without an assignment)."""
    report, assignment = value
    out = {name: _plain(getattr(report, name)) for name in
           ("limits", "frontier", "today", "tiered", "reachable", "customer_id")}
    # dict keys in their order (the file's keys are sorted)
    out["order"] = {name: list(getattr(report, name)) for name in
                    ("limits", "today", "tiered", "reachable")}
    out["order"]["binding"] = list(report.solution.binding)
    out["order"]["portfolio"] = list(report.solution.portfolio)
    out["order"]["solution_limits"] = list(report.solution.limits)
    out["order"]["frontier"] = [list(point) for point in report.frontier]
    out["problem"] = _fields(report.problem)
    out["solution"] = _fields(report.solution)
    out["assignment"] = None if assignment is None else encode_frame(assignment, "assignment")
    return out


def decode_policy(payload: dict) -> tuple[PolicyReport, pd.DataFrame | None]:
    order = payload["order"]
    solution = _unplain(payload["solution"])
    solution["binding"] = _ordered(solution["binding"], order["binding"])
    solution["portfolio"] = _ordered(solution["portfolio"], order["portfolio"])
    solution["limits"] = _ordered(solution["limits"], order["solution_limits"])
    dicts = {name: _ordered(_unplain(payload[name]), order[name])
             for name in ("limits", "today", "tiered", "reachable")}
    frontier = [_ordered(point, keys) for point, keys in zip(
        _unplain(payload["frontier"]), order["frontier"], strict=True)]
    report = PolicyReport(TermsProblem(**_unplain(payload["problem"])),
                          TermsSolution(**solution), dicts["limits"], frontier,
                          dicts["today"], dicts["tiered"], dicts["reachable"],
                          _unplain(payload["customer_id"]))
    assignment = payload["assignment"]
    return report, None if assignment is None else decode_frame_exact(assignment)


def encode_scores(view: ScoreView) -> dict:
    return {"as_of": view.as_of.isoformat(), "holdout_customers": int(view.holdout_customers),
            "holdout_auc": float(view.holdout_auc),
            "holdout_bad_rate": float(view.holdout_bad_rate), "psi": float(view.psi),
            "psi_band": view.psi_band,
            **{name: encode_frame(getattr(view, name), name)
               for name in ("table", "psi_bins", "psi_features")}}


def decode_scores(payload: dict) -> ScoreView:
    frames = {name: decode_frame_exact(payload[name])
              for name in ("table", "psi_bins", "psi_features")}
    return ScoreView(pd.Timestamp(payload["as_of"]), payload["holdout_customers"],
                     payload["holdout_auc"], payload["holdout_bad_rate"], frames["table"],
                     payload["psi"], payload["psi_band"], frames["psi_bins"],
                     frames["psi_features"])


def encode_reminders(view: ReminderView) -> dict:
    return {"automated": bool(view.automated),
            **{name: encode_frame(getattr(view, name), name)
               for name in ("today", "scenario", "comparison")}}


def decode_reminders(payload: dict) -> ReminderView:
    frames = {name: decode_frame_exact(payload[name])
              for name in ("today", "scenario", "comparison")}
    return ReminderView(frames["today"], frames["scenario"], payload["automated"],
                        frames["comparison"])


def encode_worklist(wl: Worklist) -> dict:
    return {"as_of": wl.as_of.isoformat(), "horizon_days": int(wl.horizon_days),
            "lead_days": int(wl.lead_days),
            "not_yet_due": [int(wl.not_yet_due[0]), float(wl.not_yet_due[1])],
            "accounts": encode_frame(wl.accounts, "accounts"),
            "invoices": encode_frame(wl.invoices, "invoices")}


def decode_worklist(payload: dict) -> Worklist:
    count, amount = payload["not_yet_due"]
    return Worklist(pd.Timestamp(payload["as_of"]), payload["horizon_days"],
                    payload["lead_days"], decode_frame_exact(payload["accounts"]),
                    decode_frame_exact(payload["invoices"]), (count, amount))
