"""Doctor grading and the potential × support value grid (DOMAIN.md, "Customers").

**Grades.** Each doctor scores 0-100 points on five attributes — the hospital's grade, the
doctor's title, the department's weekly outpatients, the beds in the doctor's charge and the
product need (weekly target patients) — and the grade comes from the weighted average of those
points against cut points (A ≥ 70, B ≥ 50, C ≥ 30, else D by default). Weights and cut points
are the sales directors' to change at any time: the attribute points are computed once
(:func:`attribute_points`), so re-grading with new weights is one matrix-vector product over
all doctors (:func:`regrade`).

**Value grid.** Per product, potential A/B/C (any one criterion suffices) × support 1/2/3 (our
share of the doctor's prescriptions), with DOMAIN.md's thresholds: oncology in the five key
cities and elsewhere, acute-care anti-infectives. A doctor below the lowest potential is "D",
below the lowest support "4": outside the 3 × 3 grid. Departments map to the therapy area
whose grid applies (oncology → oncology; infectious disease and respiratory →
anti-infectives); chronic and OTC products have no published thresholds and no grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.problems import InputError, Problem

ATTRIBUTES = ("hospital_grade", "title", "outpatients", "beds", "product_need")
DEFAULT_WEIGHTS: dict[str, float] = {"hospital_grade": 0.25, "title": 0.20,
                                     "outpatients": 0.20, "beds": 0.15, "product_need": 0.20}
#: lowest points of each grade, best first; below the last: "D"
DEFAULT_GRADE_CUTS: dict[str, float] = {"A": 70.0, "B": 50.0, "C": 30.0}
LOWEST_GRADE = "D"
#: points by the hospital's (terminal's) type: grade-3A 100 … retail pharmacy 0
HOSPITAL_POINTS = {"hospital_3a": 100.0, "hospital_3": 75.0, "hospital_2": 50.0,
                   "community_clinic": 20.0, "retail_pharmacy": 0.0}
TITLE_POINTS = {"chief": 100.0, "associate_chief": 75.0, "attending": 50.0, "resident": 25.0}
#: a count at or above this earns the attribute's full 100 points (linear below): weekly
#: outpatients of a busy specialist clinic, a ward team's beds, weekly target patients
FULL_POINTS_AT = {"outpatients": 30.0, "beds": 15.0, "product_need": 10.0}
#: the doctors table's column behind each counted attribute
COUNT_COLUMNS = {"outpatients": "weekly_outpatients", "beds": "beds_in_charge",
                 "product_need": "weekly_target_patients"}

#: the five key cities of DOMAIN.md's oncology thresholds
KEY_CITIES = ("北京市", "上海市", "广州市", "南京市", "杭州市")
#: the therapy area whose grid applies to each department
DEPARTMENT_AREA = {"oncology": "oncology", "infectious_disease": "acute_anti_infective",
                   "respiratory": "acute_anti_infective"}
POTENTIAL_LEVELS = ("A", "B", "C")
SUPPORT_LEVELS = ("1", "2", "3")


@dataclass(frozen=True)
class GridRule:
    """One product's thresholds: per criterion column the minimum for potential A, B, C
    (any one criterion suffices), and our share's minimum for support 1, 2, 3."""

    potential: Mapping[str, tuple[float, float, float]]
    support: tuple[float, float, float]


#: DOMAIN.md's threshold table: (therapy area, key city?) → rule
GRID_RULES: dict[tuple[str, bool], GridRule] = {
    ("oncology", True): GridRule({"weekly_relevant_prescriptions": (4, 3, 2),
                                  "weekly_target_patients": (10, 7, 5),
                                  "weekly_outpatients": (20, 15, 10)}, (0.30, 0.20, 0.10)),
    ("oncology", False): GridRule({"weekly_relevant_prescriptions": (3, 2, 1),
                                   "weekly_target_patients": (6, 5, 3),
                                   "weekly_outpatients": (15, 10, 8)}, (0.30, 0.20, 0.10)),
    ("acute_anti_infective", True): GridRule({"beds_in_charge": (12, 6, 2),
                                              "weekly_relevant_prescriptions": (240, 60, 20)},
                                             (0.60, 0.30, 0.10)),
    ("acute_anti_infective", False): GridRule({"beds_in_charge": (12, 6, 2),
                                               "weekly_relevant_prescriptions": (240, 60, 20)},
                                              (0.60, 0.30, 0.10)),
}


def _problem(field: str, expected: str, found: object) -> InputError:
    return InputError([Problem("doctor grading", field, expected, repr(found))])


def _require(frame: pd.DataFrame, columns: tuple[str, ...], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise _problem(where, f"columns {', '.join(columns)}", f"missing {missing}")


def attribute_points(doctors: pd.DataFrame, hospital_type: pd.Series | np.ndarray
                     ) -> np.ndarray:
    """Points 0-100 per doctor (rows) and attribute (:data:`ATTRIBUTES` order);
    ``hospital_type`` is the terminal type of each doctor's hospital (rows aligned)."""
    _require(doctors, ("title", *COUNT_COLUMNS.values()), "doctors")
    kinds = pd.Series(np.asarray(hospital_type, dtype=object))
    unknown = sorted(set(kinds.dropna()) - set(HOSPITAL_POINTS))
    if unknown or kinds.isna().any():
        raise _problem("hospital_type", f"one of {sorted(HOSPITAL_POINTS)}", unknown or "empty")
    titles = doctors["title"].astype(object)
    bad_titles = sorted(set(titles.dropna()) - set(TITLE_POINTS))
    if bad_titles or titles.isna().any():
        raise _problem("doctors.title", f"one of {sorted(TITLE_POINTS)}", bad_titles or "empty")
    counts = {}
    for attribute, column in COUNT_COLUMNS.items():
        values = pd.to_numeric(doctors[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            who = doctors["doctor_id"].iloc[i] if "doctor_id" in doctors else f"row {i + 1}"
            raise _problem(f"doctors.{column}", "a count ≥ 0 on every row",
                           f"{doctors[column].iloc[i]} for {who} ({int(bad.sum())} rows)")
        counts[attribute] = np.minimum(values / FULL_POINTS_AT[attribute], 1.0) * 100.0
    return np.column_stack([kinds.map(HOSPITAL_POINTS).to_numpy(dtype=float),
                            titles.map(TITLE_POINTS).to_numpy(dtype=float),
                            counts["outpatients"], counts["beds"], counts["product_need"]])


def _weight_vector(weights: Mapping[str, float]) -> np.ndarray:
    unknown = sorted(set(weights) - set(ATTRIBUTES))
    if unknown:
        raise _problem("weights", f"attributes among {list(ATTRIBUTES)}", unknown)
    w = np.array([float(weights.get(a, 0.0)) for a in ATTRIBUTES])
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise _problem("weights", "weights ≥ 0, at least one > 0", dict(weights))
    return w / w.sum()


def _cut_points(cuts: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    names, values = list(cuts), np.array([float(v) for v in cuts.values()])
    if not len(names) or not np.all(np.diff(values) < 0) or not np.all(np.isfinite(values)):
        raise _problem("grade cut points", "finite points, best grade first, strictly "
                       "decreasing", dict(cuts))
    return names, values


def regrade(points: np.ndarray, weights: Mapping[str, float] = DEFAULT_WEIGHTS,
            cuts: Mapping[str, float] = DEFAULT_GRADE_CUTS) -> tuple[np.ndarray, np.ndarray]:
    """Each doctor's weighted points (0-100; weights are normalised to sum 1) and grade
    (the first grade whose cut point the points reach, else :data:`LOWEST_GRADE`)."""
    total = points @ _weight_vector(weights)
    names, values = _cut_points(cuts)
    rank = np.searchsorted(-values, -total, side="left")  # a cut point reached counts (≥)
    grade = np.asarray([*names, LOWEST_GRADE], dtype=object)[rank]
    return total, grade


def _level(values: np.ndarray, minimums: tuple[float, float, float],
           labels: tuple[str, str, str], below: str) -> np.ndarray:
    """The best label whose minimum ``values`` reach, else ``below``."""
    out = np.full(values.shape, below, dtype=object)
    for minimum, label in reversed(list(zip(minimums, labels, strict=True))):
        out = np.where(values >= minimum, label, out)
    return out


def value_grid(doctors: pd.DataFrame, city: pd.Series | np.ndarray) -> pd.DataFrame:
    """Per doctor (rows aligned with ``doctors``; ``city`` = the hospital's city): the
    therapy area whose grid applies (empty when none), potential A-C or D, support 1-3 or 4,
    and the grid cell ("A1" … "C3"; empty outside the grid or without a grid)."""
    _require(doctors, ("department", "our_share"), "doctors")
    area = doctors["department"].map(DEPARTMENT_AREA).fillna("").to_numpy(dtype=object)
    key = np.isin(np.asarray(city, dtype=object), KEY_CITIES)
    potential = np.full(len(doctors), "", dtype=object)
    support = np.full(len(doctors), "", dtype=object)
    share = pd.to_numeric(doctors["our_share"], errors="coerce").to_numpy(dtype=float)
    for (rule_area, rule_key), rule in GRID_RULES.items():
        rows = (area == rule_area) & (key == rule_key)
        if not rows.any():
            continue
        _require(doctors, tuple(rule.potential), "doctors")
        best = np.full(rows.sum(), "D")
        for column, minimums in rule.potential.items():
            level = _level(doctors.loc[rows, column].to_numpy(dtype=float), minimums,
                           POTENTIAL_LEVELS, "D").astype(str)
            best = np.where(level < best, level, best)  # any criterion suffices: A < B < C < D
        potential[rows] = best
        support[rows] = _level(share[rows], rule.support, SUPPORT_LEVELS, "4")
    inside = np.isin(potential, POTENTIAL_LEVELS) & np.isin(support, SUPPORT_LEVELS)
    cell = np.where(inside, potential.astype(str) + support.astype(str), "")
    return pd.DataFrame({"therapy_area": area, "potential": potential, "support": support,
                         "cell": cell}, index=doctors.index)
