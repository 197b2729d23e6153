"""The simulated baseline against the measured history: is today's simulation today?

History is one year that happened; each replication is one year the model says could
happen. So the question is whether the history's figure is a plausible replication: it is
*consistent* when it lies in the 95% prediction interval of one simulated year,
``mean ± t(0.975, n−1) · s · √(1 + 1/n)`` over ``n`` replications. The table also shows the
difference simulated − history with the 95% confidence interval of the simulated mean (a CI
that misses history only says the mean is known better than one year varies), and ``z``, the
difference in units of the prediction's standard error.

History is measured over the same calendar days as the simulation's window: the simulation
starts the day after the data set's ``as_of`` and measures days ``warmup .. horizon``, which
for a one-year horizon are the calendar days of the last ``horizon − warmup`` days of history.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from data.dataset import Dataset
from data.history import measure_history
from data.kpis import KPI_NAMES

COLUMNS = ("kpi", "history", "simulated_mean", "ci_low", "ci_high", "year_low", "year_high",
           "difference", "difference_ci_low", "difference_ci_high", "z", "verdict")


def history_window_days(dataset: Dataset, horizon_days: int, warmup_days: int) -> int:
    """Days of history that cover the simulation window's calendar days (at most the
    history's length)."""
    first = pd.Timestamp(dataset["orders"]["placed_at"].min()).normalize()
    available = int((dataset.as_of.normalize() - first).days) + 1
    return max(1, min(horizon_days - warmup_days, available))


def validation_table(history: dict[str, float], per_replication: pd.DataFrame,
                     names: tuple[str, ...] = KPI_NAMES, level: float = 0.95) -> pd.DataFrame:
    """One row per KPI: history, simulated mean with its CI, the prediction interval of one
    simulated year, the difference simulated − history with its CI, ``z`` and the verdict
    ("consistent", "biased", or "too few replications" below 2)."""
    rows = []
    for name in names:
        values = per_replication[name].dropna().to_numpy(dtype=float)
        hist = float(history[name])
        n = len(values)
        mean = float(values.mean()) if n else math.nan
        row = {"kpi": name, "history": hist, "simulated_mean": mean, "difference": mean - hist}
        if n >= 2:
            t = float(stats.t.ppf(0.5 + level / 2, n - 1))
            sd = float(values.std(ddof=1))
            half_mean = t * sd / math.sqrt(n)
            half_year = t * sd * math.sqrt(1 + 1 / n)
            z = (mean - hist) / (sd * math.sqrt(1 + 1 / n)) if sd > 0 else (
                0.0 if mean == hist else math.copysign(math.inf, mean - hist))
            row.update(ci_low=mean - half_mean, ci_high=mean + half_mean,
                       year_low=mean - half_year, year_high=mean + half_year,
                       difference_ci_low=mean - half_mean - hist,
                       difference_ci_high=mean + half_mean - hist, z=z,
                       verdict="consistent" if abs(z) <= t else "biased")
        else:
            row.update(ci_low=math.nan, ci_high=math.nan, year_low=math.nan, year_high=math.nan,
                       difference_ci_low=math.nan, difference_ci_high=math.nan, z=math.nan,
                       verdict="too few replications")
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def validate_baseline(dataset: Dataset, per_replication: pd.DataFrame, horizon_days: int,
                      warmup_days: int) -> pd.DataFrame:
    """:func:`validation_table` of a simulated run against ``dataset``'s history over the
    simulation window's calendar days."""
    days = history_window_days(dataset, horizon_days, warmup_days)
    return validation_table(measure_history(dataset, period_days=days).kpis, per_replication)


def is_todays_process(scenario) -> bool:
    """Whether a scenario pulls no lever (every lever section at its default: today)."""
    from scenarios.schema import LEVER_SECTIONS, Scenario

    default = Scenario.model_validate({"name": "today", "dataset": "."})
    return all(getattr(scenario, s) == getattr(default, s) for s in LEVER_SECTIONS)
