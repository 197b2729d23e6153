"""Reps behind their monthly visit quota (scenarios/visit_quota.py): a hand-built month of two
reps and six doctors whose answer was counted by hand (a meeting, a call after as_of, a call
by another rep, a call at a pharmacy and a grade-D doctor that must not count); invariants on
the small generated data set; ``pharmaops territory quota``'s document and its exit 2 on a bad
--as-of; the territory page's section through Streamlit's AppTest."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from data.dataset import Dataset, load_dataset
from scenarios.cli import main
from scenarios.schema import Scenario
from scenarios.territory_report import TerritoryContext, doctor_table, terminal_workload
from scenarios.visit_quota import month_calendar, quota_progress, quota_workbook

QUOTA = {"A": 4.0, "B": 2.0, "C": 1.0, "D": 0.0}
T = pd.Timestamp


def _hand_dataset() -> tuple[Dataset, pd.DataFrame]:
    """June 2026 (1 June a Monday: 22 weekdays, less the Dragon Boat Festival on Friday 19
    June: 21 working days). R1 covers T1 (D1 A, D2 D, D5 B); R2
    covers T2 (D3 B, D4 C, D6 B) and the pharmacy T3."""
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ana", "Bo"],
                         "home_city": ["北京市", "上海市"]})
    terminals = pd.DataFrame({"terminal_id": ["T1", "T2", "T3"],
                              "name": ["Hospital 1", "Hospital 2", "Pharmacy 3"],
                              "rep_id": ["R1", "R2", "R2"]})
    doctors = pd.DataFrame({
        "doctor_id": ["D1", "D2", "D5", "D3", "D4", "D6"],
        "terminal_id": ["T1", "T1", "T1", "T2", "T2", "T2"],
        "weekly_target_patients": [5, 50, 3, 2, 40, 9]})
    grades = doctors[["doctor_id", "terminal_id"]].assign(grade=["A", "D", "B", "B", "C", "B"])
    rows = [  # (rep, account, doctor, date, kind)
        ("R1", "T1", "D1", "2026-06-02", "call"),                # counts
        ("R1", "T1", "D1", "2026-06-09", "call"),                # counts
        ("R1", "T1", "D1", "2026-06-03", "department_meeting"),  # a meeting: no
        ("R1", "T1", "D2", "2026-06-04", "call"),                # grade D, quota 0: no
        ("R1", "T1", "D5", "2026-06-11", "call"),                # after as_of 10 June
        ("R1", "T1", "D1", "2026-05-28", "call"),                # last month: no
        ("R2", "T2", "D3", "2026-06-05", "call"),                # counts
        ("R2", "T2", "D3", "2026-06-08", "call"),                # counts (D3 meets its 2)
        ("R1", "T2", "D4", "2026-06-08", "call"),                # R1 on R2's doctor: no
        ("R2", "T3", "", "2026-06-03", "call"),                  # a pharmacy: no doctor
        ("R2", "T2", "D6", "2026-06-10", "call"),                # on as_of: counts
        ("R2", "T2", "D4", "2026-06-30", "academic_meeting"),    # a meeting: no
    ]
    visits = pd.DataFrame(rows, columns=["rep_id", "account_id", "doctor_id", "date", "kind"])
    visits["date"] = pd.to_datetime(visits["date"])
    visits.insert(0, "visit_id", [f"V{i}" for i in range(len(visits))])
    visits["minutes"] = 20
    tables = {"reps": reps, "terminals": terminals, "doctors": doctors, "visits": visits}
    return Dataset(tables, T("2026-06-30"), "hand"), grades


def test_mid_month_counted_by_hand() -> None:
    ds, grades = _hand_dataset()
    q = quota_progress(ds, grades, QUOTA, as_of="2026-06-10")
    s = q.summary
    # 1-5 and 8-10 June: 8 of 21 working days (22 weekdays, Dragon Boat Fri 19 June off)
    assert (s["working_days"], s["working_days_elapsed"]) == (21, 8)
    assert s["elapsed_share"] == pytest.approx(8 / 21)
    reps = q.reps.set_index("rep_id")
    assert reps.loc["R1", "due"] == 6.0 and reps.loc["R2", "due"] == 5.0  # 4+0+2, 2+1+2
    assert reps["done"].to_dict() == {"R1": 2, "R2": 3}
    assert reps.loc["R1", "expected_by_now"] == pytest.approx(6 * 8 / 21)
    assert reps.loc["R2", "expected_by_now"] == pytest.approx(5 * 8 / 21)
    assert reps.loc["R1", "shortfall"] == pytest.approx(6 * 8 / 21 - 2)
    assert reps.loc["R2", "shortfall"] == 0.0
    assert reps["behind"].to_dict() == {"R1": True, "R2": False}
    assert reps["doctors_pending"].to_dict() == {"R1": 2, "R2": 2}
    assert list(reps.loc["R1", ["name", "home_city"]]) == ["Ana", "北京市"]
    pending = q.pending
    # grade first (B before C although D4 has more target patients), D2 (grade D) never
    assert pending[["rep_id", "rank", "doctor_id"]].values.tolist() == [
        ["R1", 1, "D1"], ["R1", 2, "D5"], ["R2", 1, "D6"], ["R2", 2, "D4"]]
    assert pending["missing"].tolist() == [2.0, 2.0, 1.0, 1.0]
    assert pending["hospital"].tolist() == ["Hospital 1"] * 2 + ["Hospital 2"] * 2
    assert s["reps_behind"] == 1 and s["done"] == 5 and s["due"] == 11.0


def test_month_end_default_as_of() -> None:
    ds, grades = _hand_dataset()
    q = quota_progress(ds, grades, QUOTA)  # the data set's as_of, 30 June: the whole month
    assert q.summary["elapsed_share"] == 1.0 and q.summary["as_of"] == T("2026-06-30")
    reps = q.reps.set_index("rep_id")
    assert reps["done"].to_dict() == {"R1": 3, "R2": 3}  # D5's call of 11 June now counts
    assert reps["shortfall"].to_dict() == {"R1": 3.0, "R2": 2.0}
    assert reps["behind"].all()


def test_as_of_outside_the_history_is_refused() -> None:
    ds, grades = _hand_dataset()
    for day in ("2026-07-01", "2026-05-27"):
        with pytest.raises(ValueError, match="outside the visits' history"):
            quota_progress(ds, grades, QUOTA, as_of=day)


def test_a_month_starting_on_a_weekend() -> None:
    cal = month_calendar(T("2026-08-01"))  # a Saturday: no working day gone yet
    assert (cal["working_days"], cal["working_days_elapsed"], cal["elapsed_share"]) == (21, 0,
                                                                                         0.0)


@pytest.fixture(scope="module")
def small(small_dir: Path):
    ds = load_dataset(small_dir)
    ctx = TerritoryContext(Scenario(name="q", dataset=str(small_dir)), ds)
    return ctx, doctor_table(ctx)


def test_invariants_on_the_small_data_set(small) -> None:
    ctx, doctors = small
    ds = ctx.dataset
    quota = ctx.scenario.territory.visit_quota
    due = terminal_workload(ctx, doctors)
    v = ds["visits"]
    for as_of in (ds.as_of, ds.as_of.replace(day=15)):
        q = quota_progress(ds, doctors, quota, as_of=as_of)
        assert q.reps["due"].sum() == pytest.approx(due[due.index.isin(doctors["terminal_id"])]
                                                    .sum())
        in_month = v[(v["date"] >= as_of.replace(day=1)) & (v["date"] <= as_of)
                     & (v["kind"] == "call")]
        assert q.reps["done"].sum() <= len(in_month)
        by_rep = in_month.groupby("rep_id").size().reindex(q.reps["rep_id"], fill_value=0)
        assert (q.reps["done"].to_numpy() <= by_rep.to_numpy()).all()
        assert len(q.reps) == len(ds["reps"]) and q.reps["doctors_pending"].sum() == len(
            q.pending)
        assert ((q.pending["quota"] > 0) & (q.pending["done"] < q.pending["quota"])).all()
        assert (q.reps["behind"] == (q.reps["shortfall"] > 0)).all()
    mid = quota_progress(ds, doctors, quota, as_of=ds.as_of.replace(day=15))
    end = quota_progress(ds, doctors, quota)
    assert (mid.reps["done"] <= end.reps["done"]).all()  # later visits only add
    book = pd.read_excel(io.BytesIO(quota_workbook(end)), sheet_name=None)
    assert list(book) == ["month", "reps", "doctors pending"]
    assert len(book["doctors pending"]) == len(end.pending)


def _scenario(folder: Path, small_dir: Path) -> Path:
    path = folder / "q.toml"
    path.write_text(f'name = "quota"\ndataset = "{small_dir}"\n', encoding="utf-8")
    return path


def test_cli_document_and_workbook(small_dir: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    js, xlsx = tmp_path / "q.json", tmp_path / "q.xlsx"
    assert main(["territory", "quota", str(_scenario(tmp_path, small_dir)),
                 "--allow-outside-data", "--as-of", "2026-09-15", "--json", str(js),
                 "--xlsx", str(xlsx)]) == 0
    out = capsys.readouterr().out
    doc = json.loads(js.read_text())
    assert {"scenario", "dataset", "visit_quota", "month", "as_of", "working_days",
            "working_days_elapsed", "elapsed_share", "reps_total", "reps_behind", "due",
            "done", "expected_by_now", "shortfall", "calls_on_doctors_in_month",
            "doctors_pending", "reps", "pending"} <= set(doc)
    assert doc["as_of"] == "2026-09-15" and doc["month"] == "2026-09"
    # 1-15 Sept 2026: 11 working days of 21 (22 weekdays less Mid-Autumn, Friday 25 Sept)
    assert doc["elapsed_share"] == pytest.approx(11 / 21)
    reps = pd.DataFrame(doc["reps"])
    assert list(reps.columns) == ["rep_id", "name", "home_city", "due", "done",
                                  "expected_by_now", "shortfall", "behind", "doctors_pending"]
    assert reps["shortfall"].is_monotonic_decreasing  # worst first
    assert doc["reps_behind"] == int(reps["behind"].sum())
    assert f"{doc['reps_behind']} of {doc['reps_total']} reps behind" in out
    assert list(pd.read_excel(xlsx, sheet_name=None)) == ["month", "reps", "doctors pending"]


@pytest.mark.parametrize("as_of", ["2026-10-15", "2020-01-01", "15/09/2026"])
def test_cli_bad_as_of_exits_2(small_dir: Path, tmp_path: Path, as_of: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    js = tmp_path / "q.json"
    assert main(["territory", "quota", str(_scenario(tmp_path, small_dir)),
                 "--allow-outside-data", "--as-of", as_of, "--json", str(js)]) == 2
    assert "--as-of" in capsys.readouterr().err
    assert not js.exists()


PAGE = "from ui.territory import render\nrender()\n"
TIMEOUT_S = 120


@pytest.fixture()
def page(small_dir: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes]):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PHARMAOPS_DATASET", str(small_dir))
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    return at


def test_page_section_counts_the_reps_behind(page, files: dict[str, bytes], small) -> None:
    ctx, doctors = small
    assert "Reps behind their visit quota" in [h.value for h in page.subheader]
    expected = quota_progress(ctx.dataset, doctors, ctx.scenario.territory.visit_quota)
    cards = {m.label: m.value for m in page.metric}
    assert cards["reps behind"] == (f"{expected.summary['reps_behind']} of "
                                    f"{expected.summary['reps_total']}")
    assert cards["month gone"] == "100%"
    assert cards["calls done"] == f"{expected.summary['done']:,} calls"
    book = pd.read_excel(io.BytesIO(files["visit_quota.xlsx"]), sheet_name=None)
    assert list(book) == ["month", "reps", "doctors still due"]
    assert len(book["reps"]) == len(ctx.dataset["reps"])
    assert len(book["doctors still due"]) == len(expected.pending) > 0
    assert not set(book["reps"]["rep (base)"]) & set(ctx.dataset["reps"]["rep_id"])  # names


def test_page_as_of_earlier_in_the_month(page, files: dict[str, bytes], small) -> None:
    ctx, doctors = small
    day = ctx.dataset.as_of.replace(day=15)
    page.date_input(key="tr_quota_as_of").set_value(day.date()).run(timeout=TIMEOUT_S)
    assert not page.exception
    expected = quota_progress(ctx.dataset, doctors, ctx.scenario.territory.visit_quota,
                              as_of=day)
    cards = {m.label: m.value for m in page.metric}
    assert cards["month gone"] == f"{expected.summary['elapsed_share']:.0%}"
    assert cards["calls done"] == f"{expected.summary['done']:,} calls"
    month = pd.read_excel(io.BytesIO(files["visit_quota.xlsx"]), sheet_name="month")
    assert f"{day:%Y-%m-%d}" in month["value"].astype(str).tolist()


def test_page_says_when_no_rep_is_behind(page, files: dict[str, bytes], small) -> None:
    """On the first day of a month that starts on a weekend nothing is expected yet."""
    ctx, _ = small
    first = next(d for d in pd.date_range(end=ctx.dataset.as_of, periods=400)
                 if d.day == 1 and d.day_of_week >= 5)
    page.date_input(key="tr_quota_as_of").set_value(first.date()).run(timeout=TIMEOUT_S)
    assert not page.exception
    assert any("No rep is behind" in s.value for s in page.success)
    assert {m.label: m.value for m in page.metric}["reps behind"].startswith("0 of ")
    assert files["visit_quota.xlsx"]  # the workbook still lists every rep
