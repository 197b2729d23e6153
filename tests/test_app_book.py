"""The committee page over a scenario book with two quarters, driven headless by AppTest: the
sidebar offers the quarters (the newest first), lists the chosen quarter's files, and shows
the assumptions log of each chosen scenario."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scenarios.assumptions_log import log_frame
from scenarios.loading import load_scenario
from scenarios.paths import shipped_scenario

PAGE = "from ui.committee import render\nrender()\n"
TIMEOUT_S = 60


@pytest.fixture()
def book(tmp_path: Path) -> Iterator[Path]:
    """``scenarios/2026Q4`` with the shipped baseline and plan, ``scenarios/2027Q1`` with the
    plan only; their data set folder exists (the page runs nothing here)."""
    (tmp_path / "data" / "national").mkdir(parents=True)
    for quarter, names in (("2026Q4", ("baseline", "plan")), ("2027Q1", ("plan",))):
        folder = tmp_path / "scenarios" / quarter
        folder.mkdir(parents=True)
        for name in names:
            (folder / f"{name}.toml").write_text(
                shipped_scenario(name).read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHARMAOPS_SCENARIOS_DIR", str(tmp_path / "scenarios"))
        mp.setenv("PHARMAOPS_RUN_STORE", str(tmp_path / "runs.sqlite"))
        yield tmp_path / "scenarios"


def test_quarters_are_offered_and_each_chosen_scenario_shows_its_log(book: Path) -> None:
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    quarter = at.sidebar.selectbox(key="committee_quarter")
    assert quarter.options == ["2027Q1", "2026Q4"] and quarter.value == "2027Q1"
    assert at.sidebar.multiselect(key="committee_files").options == ["plan.toml"]
    (expander,) = [e for e in at.expander if "plan.toml" in e.label]
    assert expander.label == "Assumptions log of `plan.toml`"
    shown = expander.dataframe[0].value
    want = log_frame(load_scenario(book / "2027Q1" / "plan.toml",
                                   allow_outside_data=True).scenario)
    assert list(shown.columns) == ["Date", "Author", "Levers", "Note"]
    assert list(shown["Author"]) == list(want["author"])
    assert list(shown["Levers"]) == list(want["levers"])

    quarter.set_value("2026Q4")
    at.run(timeout=TIMEOUT_S)
    assert not at.exception
    assert at.sidebar.multiselect(key="committee_files").options == ["baseline.toml",
                                                                     "plan.toml"]
    # back to a quarter without the base chosen before: the choice follows the files
    at.sidebar.multiselect(key="committee_files").set_value(["baseline.toml", "plan.toml"])
    at.run(timeout=TIMEOUT_S)
    at.sidebar.selectbox(key="committee_quarter").set_value("2027Q1")
    at.run(timeout=TIMEOUT_S)
    assert not at.exception
    assert at.sidebar.multiselect(key="committee_files").value == ["plan.toml"]


def test_one_quarter_offers_no_picker(book: Path) -> None:
    for path in (book / "2027Q1").iterdir():
        path.unlink()
    (book / "2027Q1").rmdir()
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    assert not at.exception
    assert not [s for s in at.sidebar.selectbox if s.key == "committee_quarter"]
    assert at.sidebar.multiselect(key="committee_files").value == ["baseline.toml", "plan.toml"]
    labels = [e.label for e in at.expander]
    assert "Assumptions log of `baseline.toml`" in labels
    assert "Assumptions log of `plan.toml`" in labels
