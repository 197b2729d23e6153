"""A comparison refined as replications arrive (``pharmaops compare --partial-json``, the
committee page's first estimates): the scenarios advance together in rounds, each round's
comparison is the one of the replications done so far, and the final comparison is the one
computed at once, because replication r draws from the same stream either way."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from data.kpis import KPI_NAMES
from scenarios.cli import main
from scenarios.compare import load_scenarios, refinement_rounds, run_comparison
from scenarios.run import prepare
from simulation.summary import summarize


@pytest.mark.parametrize(("replications", "rounds"), [
    (1, [1]), (2, [2]), (3, [2, 3]), (4, [2, 4]), (10, [2, 4, 8, 10]), (16, [2, 4, 8, 16])])
def test_rounds_start_at_the_fewest_replications_with_a_ci_and_double(
        replications: int, rounds: list[int]) -> None:
    assert refinement_rounds(replications) == rounds


@pytest.fixture(scope="module")
def two_scenarios(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("refined")
    paths = []
    for name, app_share in (("today", None), ("app", 0.7)):
        text = (f'name = "{name}"\ndataset = "{small_dir}"\n'
                "horizon_days = 40\nwarmup_days = 10\nreplications = 3\nseed = 5\n")
        if app_share is not None:
            text += f"[orders]\napp_channel_share = {app_share}\n"
        paths.append(folder / f"{name}.toml")
        paths[-1].write_text(text, encoding="utf-8")
    return paths


def test_the_refined_comparison_ends_where_the_one_at_once_does(
        two_scenarios: list[Path]) -> None:
    loaded = load_scenarios(two_scenarios, allow_outside_data=True)
    prepared = [prepare(item) for item in loaded]
    at_once = run_comparison(loaded, prepared, seed=5, replications=3, workers=1)
    rounds = []
    refined = run_comparison(loaded, prepared, seed=5, replications=3, workers=1,
                             partial=rounds.append)
    for mine, theirs in zip(refined.results, at_once.results, strict=True):
        pd.testing.assert_frame_equal(mine.per_replication, theirs.per_replication)
        assert mine.result.kpis == theirs.result.kpis
        assert mine.result.targets == theirs.result.targets
    assert refined.differences == at_once.differences
    # the base as soon as it has 2 replications, then both after the round before the last
    assert [(len(r.results), r.replications) for r in rounds] == [(1, 2), (2, 2)]
    pd.testing.assert_frame_equal(rounds[0].base.per_replication,
                                  rounds[1].base.per_replication)
    first = rounds[-1]
    for mine, whole in zip(first.results, at_once.results, strict=True):
        head = whole.per_replication[whole.per_replication["replication"] < 2]
        pd.testing.assert_frame_equal(mine.per_replication, head)
        expected = summarize(head, KPI_NAMES)
        for name in KPI_NAMES:
            assert mine.result.kpis[name].mean == pytest.approx(expected[name].mean)
            assert mine.result.kpis[name].ci95 == pytest.approx(expected[name].ci95)
        assert mine.result.replications == 2


def test_the_command_writes_the_comparison_so_far(two_scenarios: list[Path],
                                                   tmp_path: Path) -> None:
    so_far, answer = tmp_path / "partial.json", tmp_path / "answer.json"
    code = main(["compare", *map(str, two_scenarios), "--replications", "3", "--seed", "5",
                 "--workers", "1", "--no-store", "--allow-outside-data",
                 "--partial-json", str(so_far), "--json", str(answer)])
    assert code == 0
    doc, final = json.loads(so_far.read_text()), json.loads(answer.read_text())
    assert (doc["replications"], doc["replications_planned"]) == (2, 3)
    assert doc["scenarios_planned"] == 2
    assert final["replications"] == 3
    assert set(doc["scenarios"]) == set(final["scenarios"]) == {"today", "app"}
    for label in doc["scenarios"]:
        ci = doc["scenarios"][label]["kpis"]["dso_days"]["ci95"]
        assert ci[0] < ci[1]  # two replications give an interval


def test_the_page_shows_each_scenarios_estimate_and_verdict_so_far(
        two_scenarios: list[Path], tmp_path: Path) -> None:
    from ui.committee_views import partial_view

    so_far = tmp_path / "partial.json"
    main(["compare", *map(str, two_scenarios), "--replications", "3", "--seed", "5",
          "--workers", "1", "--no-store", "--allow-outside-data", "--partial-json", str(so_far)])
    doc = json.loads(so_far.read_text())
    view = partial_view(doc)
    assert len(view) == len(KPI_NAMES)
    assert list(view.columns) == ["KPI", "target", "today", "app"]
    dso = view[view["KPI"].str.startswith("DSO")].iloc[0]
    mean = doc["scenarios"]["app"]["kpis"]["dso_days"]["mean"]
    verdict = doc["scenarios"]["app"]["targets"]["dso_days"]["status"]
    assert dso["app"].startswith(f"{mean:.1f}") and dso["app"].endswith(f"· {verdict}")


def test_the_base_shows_before_the_other_scenarios_are_prepared(
        two_scenarios: list[Path]) -> None:
    from data.dataset import load_dataset
    from scenarios.compare import Preparing

    loaded = load_scenarios(two_scenarios, allow_outside_data=True)
    ds = load_dataset(loaded[0].dataset_path)
    made: list[str] = []

    def prepare_one(item, dataset):
        made.append(item.scenario.name)
        return prepare(item, dataset)

    seen = []
    lazily = run_comparison(loaded, Preparing(loaded, [ds, ds], prepare_one), seed=5,
                            replications=3, workers=1,
                            partial=lambda c: seen.append((len(c.results), list(made))))
    assert seen[0] == (1, ["today"])  # the base's first CIs: the other not prepared yet
    assert made == ["today", "app"]  # each prepared once
    at_once = run_comparison(loaded, [prepare(item, ds) for item in loaded], seed=5,
                             replications=3, workers=1)
    for mine, theirs in zip(lazily.results, at_once.results, strict=True):
        pd.testing.assert_frame_equal(mine.per_replication, theirs.per_replication)
    assert lazily.differences == at_once.differences


def test_the_committee_page_says_the_first_estimates_in_chinese(
        two_scenarios: list[Path], tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from ui import i18n

    so_far = tmp_path / "partial.json"
    main(["compare", *map(str, two_scenarios), "--replications", "3", "--seed", "5",
          "--workers", "1", "--no-store", "--allow-outside-data", "--partial-json", str(so_far)])
    at = AppTest.from_string(
        "import json\nfrom ui.committee_run import _so_far\n"
        f"_so_far(json.loads(open({str(so_far)!r}, encoding='utf-8').read()))\n")
    at.session_state[i18n.KEY] = "zh_CN"
    at.run(timeout=120)
    assert not at.exception
    assert "初步估计" in at.markdown[0].value and "2 个情景中已有 2 个" in at.markdown[0].value
    view = at.dataframe[0].value
    zh = i18n.catalogue("zh_CN")
    assert list(view.columns) == [zh["KPI"], zh["target"], "today", "app"]
