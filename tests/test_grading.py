"""Doctor grades and the value grid (models.territory.grading): DOMAIN.md's thresholds applied
by hand on a table of doctors, grades recomputed by a plain per-doctor loop written from the
stated rules, and one weight changed re-grading exactly the doctors it should."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.problems import InputError
from models.territory.grading import (
    DEFAULT_GRADE_CUTS,
    DEFAULT_WEIGHTS,
    attribute_points,
    regrade,
    value_grid,
)


def _doctor(dept: str, scripts: int = 0, patients: int = 0, outpatients: int = 0,
            beds: int = 0, share: float = 0.0, title: str = "attending") -> dict:
    return {"department": dept, "title": title, "weekly_relevant_prescriptions": scripts,
            "weekly_target_patients": patients, "weekly_outpatients": outpatients,
            "beds_in_charge": beds, "our_share": share}


# (doctor, city, expected cell) — each expected cell read off DOMAIN.md's table by hand
GRID_CASES = [
    # oncology in a key city: prescriptions ≥4/≥3/≥2, patients ≥10/≥7/≥5, outpatients ≥20/≥15/≥10
    (_doctor("oncology", scripts=4, share=0.30), "北京市", "A1"),
    (_doctor("oncology", scripts=3, share=0.29), "上海市", "B2"),
    (_doctor("oncology", patients=7, share=0.20), "广州市", "B2"),
    (_doctor("oncology", outpatients=20, share=0.10), "南京市", "A3"),
    (_doctor("oncology", scripts=2, patients=9, outpatients=14, share=0.5), "杭州市", "B1"),
    (_doctor("oncology", scripts=1, patients=4, outpatients=9, share=0.5), "北京市", ""),
    (_doctor("oncology", scripts=4, share=0.09), "北京市", ""),
    # oncology elsewhere: prescriptions ≥3/≥2/≥1, patients ≥6/≥5/≥3, outpatients ≥15/≥10/≥8
    (_doctor("oncology", scripts=3, share=0.30), "成都市", "A1"),
    (_doctor("oncology", scripts=1, share=0.20), "成都市", "C2"),
    (_doctor("oncology", patients=6, share=0.2), "西安市", "A2"),
    (_doctor("oncology", outpatients=10, share=0.1), "西安市", "B3"),
    (_doctor("oncology", outpatients=7, patients=2, share=0.9), "西安市", ""),
    # anti-infectives anywhere: beds ≥12/≥6/≥2 or weekly prescriptions ≥240/≥60/≥20;
    # support ≥60%/≥30%/≥10%
    (_doctor("infectious_disease", beds=12, share=0.6), "武汉市", "A1"),
    (_doctor("respiratory", scripts=60, share=0.59), "北京市", "B2"),
    (_doctor("infectious_disease", beds=2, scripts=19, share=0.3), "武汉市", "C2"),
    (_doctor("respiratory", beds=1, scripts=240, share=0.1), "武汉市", "A3"),
    (_doctor("respiratory", beds=1, scripts=19, share=0.9), "武汉市", ""),
    # no published thresholds: no grid
    (_doctor("cardiology", scripts=50, patients=20, outpatients=40, share=0.9), "北京市", ""),
]


def test_the_grid_matches_domain_thresholds_by_hand():
    doctors = pd.DataFrame([case[0] for case in GRID_CASES])
    cities = [case[1] for case in GRID_CASES]
    got = value_grid(doctors, pd.Series(cities))
    assert got["cell"].tolist() == [case[2] for case in GRID_CASES]
    # below the lowest potential: D; below the lowest support: 4; no grid: empty
    assert got.loc[5, "potential"] == "D" and got.loc[6, "support"] == "4"
    assert got.loc[len(GRID_CASES) - 1, "therapy_area"] == ""


HOSPITAL = {"hospital_3a": 100, "hospital_3": 75, "hospital_2": 50, "community_clinic": 20,
            "retail_pharmacy": 0}
TITLE = {"chief": 100, "associate_chief": 75, "attending": 50, "resident": 25}


def _grade_by_hand(row: dict, hospital: str, weights: dict[str, float]) -> str:
    """The stated rule, one doctor at a time: points per attribute, weighted average,
    A ≥ 70, B ≥ 50, C ≥ 30, else D."""
    points = {"hospital_grade": HOSPITAL[hospital], "title": TITLE[row["title"]],
              "outpatients": min(row["weekly_outpatients"] / 30, 1) * 100,
              "beds": min(row["beds_in_charge"] / 15, 1) * 100,
              "product_need": min(row["weekly_target_patients"] / 10, 1) * 100}
    total = sum(weights[a] * points[a] for a in weights) / sum(weights.values())
    for grade, cut in (("A", 70), ("B", 50), ("C", 30)):
        if total >= cut - 1e-9:
            return grade
    return "D"


@pytest.fixture(scope="module")
def doctors() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(4)
    n = 2000
    frame = pd.DataFrame({
        "title": rng.choice(list(TITLE), n), "weekly_outpatients": rng.integers(0, 45, n),
        "beds_in_charge": rng.integers(0, 25, n), "weekly_target_patients": rng.integers(0, 15, n),
        "department": "oncology", "our_share": rng.random(n)})
    return frame, rng.choice(list(HOSPITAL), n)


def test_grades_agree_with_the_rule_applied_by_hand(doctors):
    frame, hospital = doctors
    points, grade = regrade(attribute_points(frame, hospital))
    assert ((points >= 0) & (points <= 100)).all()
    by_hand = [_grade_by_hand(row, h, DEFAULT_WEIGHTS)
               for row, h in zip(frame.to_dict("records"), hospital, strict=True)]
    assert grade.tolist() == by_hand


def test_changing_one_weight_regrades_exactly_the_doctors_it_should(doctors):
    frame, hospital = doctors
    points = attribute_points(frame, hospital)
    _, before = regrade(points)
    heavier = {**DEFAULT_WEIGHTS, "title": 0.5}
    _, after = regrade(points, heavier)
    records = frame.to_dict("records")
    expected = {i for i, (row, h) in enumerate(zip(records, hospital, strict=True))
                if _grade_by_hand(row, h, heavier) != _grade_by_hand(row, h, DEFAULT_WEIGHTS)}
    changed = set(np.flatnonzero(before != after))
    assert changed == expected and len(changed) > 50
    # more weight on the title pulls each total towards the title's points: a grade goes up
    # only for doctors whose title scores above their old total
    total, _ = regrade(points)
    order = {"A": 0, "B": 1, "C": 2, "D": 3}
    for i in changed:
        assert (order[after[i]] < order[before[i]]) == (points[i, 1] > total[i])


def test_weights_are_relative_and_cut_points_are_the_directors(doctors):
    frame, hospital = doctors
    points = attribute_points(frame, hospital)
    doubled = {k: 2 * v for k, v in DEFAULT_WEIGHTS.items()}
    assert np.array_equal(regrade(points)[1], regrade(points, doubled)[1])
    strict = {"A": 90.0, "B": 80.0, "C": 70.0}
    _, grade = regrade(points, DEFAULT_WEIGHTS, strict)
    total, _ = regrade(points)
    assert set(grade[total < 70]) == {"D"}
    assert list(DEFAULT_GRADE_CUTS) == ["A", "B", "C"]


@pytest.mark.parametrize(("weights", "cuts", "field"), [
    ({"title": -1.0}, DEFAULT_GRADE_CUTS, "weights"),
    ({"height": 1.0}, DEFAULT_GRADE_CUTS, "weights"),
    ({"title": 0.0}, DEFAULT_GRADE_CUTS, "weights"),
    (DEFAULT_WEIGHTS, {"A": 50.0, "B": 70.0}, "grade cut points"),
])
def test_bad_weights_and_cuts_are_named(doctors, weights, cuts, field):
    frame, hospital = doctors
    with pytest.raises(InputError) as err:
        regrade(attribute_points(frame, hospital), weights, cuts)
    assert err.value.problems[0].location == field


def test_bad_doctor_rows_are_named(doctors):
    frame, hospital = doctors
    bad = frame.copy()
    bad.loc[3, "beds_in_charge"] = -1
    with pytest.raises(InputError) as err:
        attribute_points(bad, hospital)
    assert err.value.problems[0].location == "doctors.beds_in_charge"
    assert "row 4" in err.value.problems[0].found
    with pytest.raises(InputError) as err:
        attribute_points(frame.assign(title="professor"), hospital)
    assert err.value.problems[0].location == "doctors.title"
