"""Stage records and stage statistics, shared by every simulation model.

A model appends one record per visit of an entity to a stage (arrive, start of service, end of
service; times in days) to a :class:`StageLog`; :func:`stage_statistics` measures utilisation,
waits, times in stage and time-average queue lengths from those records after the run, over a
window that drops the warm-up. A visit still waiting when the run stops has ``start = end =
NaN``; one still in service has ``end = NaN``; both count as present up to the window's end.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from data.problems import InputError, Problem

#: the columns of :meth:`StageLog.frame`, in order
LOG_COLUMNS = ("stage", "entity", "arrive", "start", "end")
#: the columns of :func:`stage_statistics`, in order
STAT_COLUMNS = ("utilization", "mean_wait_days", "mean_time_days", "mean_queue_length",
                "mean_in_stage", "arrival_rate_per_day", "visits")


class StageLog:
    """Visit records, one per (stage, entity) visit, held in Python lists for fast appends.

    ``append`` returns the row number so that a process can record the start and the end of
    service when they happen (``set_start``/``set_end``); times are in days.
    """

    __slots__ = ("stage", "entity", "arrive", "start", "end", "_bulk")

    def __init__(self) -> None:
        self.stage: list[str] = []
        self.entity: list[int] = []
        self.arrive: list[float] = []
        self.start: list[float] = []
        self.end: list[float] = []
        self._bulk: list[pd.DataFrame] = []

    def __len__(self) -> int:
        return len(self.stage) + sum(len(b) for b in self._bulk)

    def extend(self, stage: str, entity: np.ndarray, arrive: np.ndarray, start: np.ndarray,
               end: np.ndarray) -> None:
        """Record many visits of one stage at once (arrays aligned; NaN arrive = no visit).

        A model that keeps per-entity times in arrays during the run records them here after
        it, instead of one :meth:`append` per visit inside the event loop.
        """
        arrive = np.asarray(arrive, dtype=float)
        visited = ~np.isnan(arrive)
        self._bulk.append(pd.DataFrame({
            "stage": pd.Series(np.full(int(visited.sum()), stage, dtype=object), dtype=object),
            "entity": np.asarray(entity, dtype=np.int64)[visited],
            "arrive": arrive[visited], "start": np.asarray(start, dtype=float)[visited],
            "end": np.asarray(end, dtype=float)[visited],
        }))

    def append(self, stage: str, entity: int, arrive: float, start: float = math.nan,
               end: float = math.nan) -> int:
        """Record a visit (NaN ``start``/``end``: not yet happened); return its row number."""
        self.stage.append(stage)
        self.entity.append(entity)
        self.arrive.append(arrive)
        self.start.append(start)
        self.end.append(end)
        return len(self.stage) - 1

    def set_start(self, row: int, time_days: float) -> None:
        """Record when service of visit ``row`` started."""
        self.start[row] = time_days

    def set_end(self, row: int, time_days: float) -> None:
        """Record when visit ``row`` left the stage."""
        self.end[row] = time_days

    def frame(self) -> pd.DataFrame:
        """The records as a DataFrame with columns :data:`LOG_COLUMNS` (one row per visit)."""
        appended = self._appended()
        if not self._bulk:
            return appended
        return pd.concat([appended, *self._bulk], ignore_index=True)

    def _appended(self) -> pd.DataFrame:
        return pd.DataFrame({
            # object, not pandas 3's Arrow strings: faster to group (docs/architecture.md)
            "stage": pd.Series(self.stage, dtype=object),
            "entity": np.array(self.entity, dtype=np.int64),
            "arrive": np.array(self.arrive, dtype=float),
            "start": np.array(self.start, dtype=float),
            "end": np.array(self.end, dtype=float),
        })


def time_average_count(enter: np.ndarray, leave: np.ndarray, t_start: float,
                       t_end: float) -> float:
    """Time average over ``[t_start, t_end]`` of ``N(t) = #{i: enter_i <= t < leave_i}``.

    Integrates the step function: event times are clipped to the window and sorted, the count
    after each event is a cumulative sum of +1/-1 steps, and each count is weighted by the time
    to the next event. ``leave = NaN`` means "still present" (treated as +inf).
    """
    leave = np.where(np.isnan(leave), np.inf, leave)
    times = np.clip(np.concatenate([enter, leave]), t_start, t_end)
    steps = np.concatenate([np.ones(len(enter)), -np.ones(len(leave))])
    order = np.argsort(times, kind="stable")
    times = times[order]
    counts = np.cumsum(steps[order])
    # ties need no care: the time between tied events is zero
    widths = np.diff(times, append=t_end)
    return float(np.dot(counts, widths) / (t_end - t_start))


def _check_servers(servers: dict[str, int | None]) -> None:
    bad = [Problem("stage_statistics", f"servers[{name!r}]", "an integer >= 1 or None (infinite)",
                   repr(c)) for name, c in servers.items()
           if c is not None and (isinstance(c, bool) or not isinstance(c, int | np.integer)
                                 or c < 1)]
    if bad:
        raise InputError(bad, "server counts refused")


def stage_statistics(log_frame: pd.DataFrame, servers: dict[str, int | None], t_start: float,
                     t_end: float) -> pd.DataFrame:
    """Per-stage statistics over the window ``[t_start, t_end]`` (days), one row per stage of
    ``servers`` (in its order), columns :data:`STAT_COLUMNS`:

    - ``utilization``: busy server-days inside the window / (servers × window length); NaN for
      ``None`` (infinite servers);
    - ``mean_wait_days`` / ``mean_time_days``: mean of ``start - arrive`` / ``end - arrive``
      over visits that arrive in ``[t_start, t_end)`` and have ended (NaN if none);
    - ``mean_queue_length`` / ``mean_in_stage``: time-average number waiting / in the stage
      (waiting + in service), integrated from the records (not derived by Little's law);
    - ``arrival_rate_per_day``: visits arriving in ``[t_start, t_end)`` / window length;
    - ``visits``: the number of those visits (ended or not).

    ``t_end`` should not exceed the time the run stopped: open visits count as present up to it.
    """
    if not (np.isfinite(t_start) and np.isfinite(t_end) and t_end > t_start):
        raise InputError(Problem("stage_statistics", "t_start, t_end",
                                 "finite times with t_end > t_start",
                                 f"t_start={t_start}, t_end={t_end}"), "window refused")
    missing = [c for c in LOG_COLUMNS if c not in log_frame.columns]
    if missing:
        raise InputError(Problem("stage_statistics", "log_frame", f"columns {LOG_COLUMNS}",
                                 f"missing {missing}"), "stage log refused")
    _check_servers(servers)
    codes, names = pd.factorize(log_frame["stage"])
    unknown = sorted(set(names) - set(servers))
    if unknown:
        raise InputError(Problem("stage_statistics", "servers", "a server count for every stage "
                                 "in the log (None for infinite servers)",
                                 f"no entry for {unknown}"), "stage log refused")
    arrive_all = log_frame["arrive"].to_numpy(dtype=float)
    start_all = log_frame["start"].to_numpy(dtype=float)
    end_all = log_frame["end"].to_numpy(dtype=float)
    length_days = t_end - t_start
    code_of = {name: i for i, name in enumerate(names)}

    rows = []
    for name, c in servers.items():
        mask = codes == code_of.get(name, -2)  # -1 is pandas' code for a missing name
        arrive, start, end = arrive_all[mask], start_all[mask], end_all[mask]
        # a visit still waiting at the end of the run never started inside the window
        start_open = np.where(np.isnan(start), np.inf, start)
        end_open = np.where(np.isnan(end), np.inf, end)
        busy_days = np.sum(np.clip(np.minimum(end_open, t_end) - np.maximum(start_open, t_start),
                                   0.0, None))
        arrived = (arrive >= t_start) & (arrive < t_end)
        done = arrived & ~np.isnan(end)
        rows.append({
            "stage": name,
            "utilization": np.nan if c is None else busy_days / (c * length_days),
            "mean_wait_days": float(np.mean(start[done] - arrive[done])) if done.any() else np.nan,
            "mean_time_days": float(np.mean(end[done] - arrive[done])) if done.any() else np.nan,
            "mean_queue_length": time_average_count(arrive, start_open, t_start, t_end),
            "mean_in_stage": time_average_count(arrive, end_open, t_start, t_end),
            "arrival_rate_per_day": int(arrived.sum()) / length_days,
            "visits": int(arrived.sum()),
        })
    frame = pd.DataFrame(rows, columns=["stage", *STAT_COLUMNS]).astype({"visits": np.int64})
    return frame.set_index(pd.Index(list(servers), dtype=object, name="stage")).drop(
        columns="stage")
