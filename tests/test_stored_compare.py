"""Comparison of stored runs (scenarios.stored_compare, `pharmaops runs compare`): paired
differences under common random numbers against scipy's paired t interval, Welch's interval
against scipy's unequal-variance t test where the runs cannot be paired, and refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from data.kpis import KPI_NAMES
from data.problems import InputError
from scenarios.cli import main
from scenarios.records import RunRecord, StoredRun
from scenarios.store import RunStore, UnknownRunError
from scenarios.stored_compare import compare_stored, pairing_obstacles
from simulation.summary import summarize, target_verdicts

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
TARGETS = {"order_processing_days": 1.0, "on_time_rate": 0.95, "dso_days": 45.0,
           "bad_debt_rate": 0.01, "remote_delivery_days": 5.0, "complaint_rate": 0.03}
#: (mean, sd) of each KPI over replications in the base run
BASE = {"order_processing_days": (3.0, 0.2), "on_time_rate": (0.85, 0.02),
        "dso_days": (60.0, 3.0), "bad_debt_rate": (0.02, 0.004),
        "remote_delivery_days": (7.0, 0.5), "complaint_rate": (0.08, 0.01)}


def replications(seed: int, n: int, shift: dict[str, float] | None = None,
                 noise: float = 0.1, run: int = 0) -> pd.DataFrame:
    """Per-replication KPIs: replication i draws its common part from (seed, i), as the
    simulation's streams do; ``shift`` moves a KPI; ``noise`` scales the part of its own that
    run number ``run`` adds (a scenario's levers change some of the draws)."""
    rows = []
    for i in range(n):
        common = np.random.default_rng([seed, i]).standard_normal(len(KPI_NAMES))
        own = np.random.default_rng([seed, i, 7, run]).standard_normal(len(KPI_NAMES))
        row = {"replication": i}
        for k, name in enumerate(KPI_NAMES):
            mean, sd = BASE[name]
            row[name] = mean + (shift or {}).get(name, 0.0) + sd * (common[k]
                                                                    + noise * own[k])
        rows.append(row)
    return pd.DataFrame(rows)


def record(name: str, frame: pd.DataFrame, *, seed: int | None = 11,
           fingerprint: str = "sha256:" + "ab" * 32, code: str = "1.0+gabc",
           horizon: int = 365, kind: str = "simulation") -> RunRecord:
    kpis = summarize(frame)
    summary = {"replications": len(frame), "seed": seed,
               "kpis": {k: v.to_json() for k, v in kpis.items()},
               "targets": {k: v.to_json() for k, v in target_verdicts(frame, TARGETS).items()},
               "window": {"warmup_days": 30, "horizon_days": horizon}}
    return RunRecord(kind=kind, scenario_name=name, scenario_text=f'name = "{name}"\n',
                     dataset_path="data/national", dataset_fingerprint=fingerprint,
                     code_version=code, seed=seed, started_at=T0,
                     ended_at=T0 + timedelta(minutes=2), status="completed",
                     summary=summary, replication_kpis=frame, decision_tables={})


@pytest.fixture()
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "runs.sqlite")


def test_paired_differences_match_scipys_paired_t_interval(store: RunStore) -> None:
    base = replications(11, 8)
    plan = replications(11, 8, shift={"dso_days": -10.0, "on_time_rate": 0.05}, run=1)
    ids = [store.save(record("baseline", base)), store.save(record("plan", plan))]
    found = compare_stored(store, ids)
    assert found.labels == ("baseline", "plan")
    assert found.pairing["plan"] == {"method": "paired", "pairs": 8, "reasons": []}
    for name in KPI_NAMES:
        d = found.differences["plan"][name]
        truth = stats.ttest_rel(plan[name], base[name]).confidence_interval(0.95)
        assert d["mean"] == pytest.approx((plan[name] - base[name]).mean(), rel=1e-12)
        assert d["ci95"] == pytest.approx([truth.low, truth.high], rel=1e-9)
        assert d["method"] == "paired"
    assert found.differences["plan"]["dso_days"]["verdict"] == "better"
    assert found.differences["plan"]["on_time_rate"]["verdict"] == "better"
    # the common part cancels: a pair's interval is far narrower than an unpaired one
    welch = stats.ttest_ind(plan["dso_days"], base["dso_days"],
                            equal_var=False).confidence_interval(0.95)
    lo, hi = found.differences["plan"]["dso_days"]["ci95"]
    assert hi - lo < (welch.high - welch.low) / 3


@pytest.mark.parametrize(("change", "reason"), [
    ({"seed": 12}, "seed"),
    ({"seed": None}, "no_seed"),
    ({"fingerprint": "sha256:" + "cd" * 32}, "dataset"),
    ({"horizon": 180}, "window"),
    ({"code": "1.1+gdef"}, "code"),
])
def test_runs_that_cannot_share_random_numbers_get_welchs_interval_and_say_why(
        store: RunStore, change: dict, reason: str) -> None:
    base = replications(11, 6)
    other = replications(12, 9, shift={"order_processing_days": -1.5})
    ids = [store.save(record("baseline", base)), store.save(record("plan", other, **change))]
    found = compare_stored(store, ids)
    pairing = found.pairing["plan"]
    assert pairing["method"] == "unpaired"
    assert [r["reason"] for r in pairing["reasons"]] == [reason]
    for name in KPI_NAMES:
        d = found.differences["plan"][name]
        truth = stats.ttest_ind(other[name], base[name], equal_var=False).confidence_interval()
        assert d["ci95"] == pytest.approx([truth.low, truth.high], rel=1e-9)
        assert d["method"] == "unpaired"
    assert found.differences["plan"]["order_processing_days"]["verdict"] == "better"


def test_each_obstacle_is_named_at_once() -> None:
    base, frame = replications(1, 3), replications(2, 3)
    a = record("a", base)
    b = record("b", frame, seed=2, fingerprint="sha256:" + "ee" * 32, code="2", horizon=90)
    runs = [StoredRun(**{**r.__dict__, "run_id": i}) for r, i in ((a, "1"), (b, "2"))]
    reasons = pairing_obstacles(*runs)
    assert [r["reason"] for r in reasons] == ["seed", "dataset", "window", "code"]
    assert reasons[0] == {"reason": "seed", "base": 11, "other": 2}


def test_three_runs_compare_each_with_the_first(store: RunStore) -> None:
    ids = [store.save(record("plan", replications(11, 5))) for _ in range(2)]
    ids.append(store.save(record("baseline", replications(11, 5, shift={"dso_days": 8}))))
    found = compare_stored(store, ids)
    # two runs of one scenario are told apart by their run ids; the base stays first
    assert found.labels[0] == f"plan · {ids[0]}" and found.labels[2] == "baseline"
    assert set(found.differences) == {found.labels[1], "baseline"}
    same = found.differences[found.labels[1]]["dso_days"]
    assert same["ci95"] == [0, 0] and same["verdict"] == "no clear difference"
    assert found.differences["baseline"]["dso_days"]["verdict"] == "worse"


def test_refusals_name_the_run_and_store_nothing(store: RunStore) -> None:
    sim = store.save(record("plan", replications(11, 4)))
    study = store.save(record("study", replications(11, 4), kind="sensitivity"))
    with pytest.raises(InputError) as info:
        compare_stored(store, [sim, study])
    assert study in str(info.value) and "a simulation run" in str(info.value)
    with pytest.raises(InputError, match="at least two run ids"):
        compare_stored(store, [sim])
    with pytest.raises(InputError, match="each run once"):
        compare_stored(store, [sim, sim])
    with pytest.raises(UnknownRunError):
        compare_stored(store, [sim, "20991231-000000-ffffff"])
    assert len(store.list_runs()) == 2


def test_cli_compares_stored_runs_and_writes_json(
        store: RunStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = store.save(record("baseline", replications(11, 6)))
    b = store.save(record("plan", replications(11, 6, shift={"dso_days": -12})))
    c = store.save(record("whatif", replications(5, 6), seed=5))
    out = tmp_path / "c.json"
    assert main(["runs", "compare", a, b, c, "--store", str(store.path),
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "paired differences over 6 common replications" in printed
    assert "the seeds differ (11 vs 5)" in printed
    doc = json.loads(out.read_text())
    assert doc["base"] == "baseline"
    assert doc["runs"]["plan"]["run_id"] == b
    assert doc["pairing"]["plan"]["method"] == "paired"
    assert doc["pairing"]["whatif"]["notes"] == ["the seeds differ (11 vs 5)"]
    assert doc["differences"]["plan"]["dso_days"]["verdict"] == "better"


def test_cli_refuses_a_bad_run_id_with_exit_2(
        store: RunStore, capsys: pytest.CaptureFixture[str]) -> None:
    a = store.save(record("baseline", replications(11, 3)))
    assert main(["runs", "compare", a, "../etc", "--store", str(store.path)]) == 2
    err = capsys.readouterr().err
    assert "RUN_ID" in err and "Traceback" not in err


def test_a_run_computed_before_is_served_from_the_store(
        small_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same scenario text, seed, replications, data set and code version: the second
    comparison simulates nothing and gives the first one's numbers and run ids; another
    seed is simulated again."""
    from scenarios import compare as compare_module
    from scenarios.compare import load_scenarios, run_comparison
    from scenarios.run import prepare

    path = tmp_path / "short.toml"
    path.write_text(f'name = "short"\ndataset = "{small_dir}"\n'
                    "horizon_days = 40\nwarmup_days = 10\nreplications = 2\nseed = 5\n",
                    encoding="utf-8")
    loaded = load_scenarios([path], allow_outside_data=True)
    prepared = [prepare(item) for item in loaded]
    store = RunStore(tmp_path / "runs.sqlite")
    first = run_comparison(loaded, prepared, seed=5, replications=2, workers=1, store=store)
    assert first.reused == ()

    def refuse(*args, **kwargs):
        raise AssertionError("simulated again")

    monkeypatch.setattr(compare_module, "run_replications", refuse)
    again = run_comparison(loaded, prepared, seed=5, replications=2, workers=1, store=store)
    assert again.reused == ("short",)
    assert again.base.result.run_id == first.base.result.run_id
    assert again.base.result.kpis == first.base.result.kpis
    pd.testing.assert_frame_equal(again.base.per_replication, first.base.per_replication)
    assert len(store.list_runs()) == 1
    with pytest.raises(AssertionError, match="simulated again"):
        run_comparison(loaded, prepared, seed=6, replications=2, workers=1, store=store)
    with pytest.raises(AssertionError, match="simulated again"):
        run_comparison(loaded, prepared, seed=5, replications=3, workers=1, store=store)


def test_a_comparison_is_read_back_whole_from_the_store(small_dir: Path,
                                                        tmp_path: Path) -> None:
    """What the committee page shows once its job has run: the stored runs give the
    comparison the computation gave (KPIs, replications, paired differences, today's check),
    without preparing or simulating; one run missing gives none."""
    from scenarios.compare import load_scenarios, run_comparison, stored_comparison
    from scenarios.run import prepare

    paths = []
    for name, app_share in (("today", None), ("app", 0.7)):
        text = (f'name = "{name}"\ndataset = "{small_dir}"\n'
                "horizon_days = 40\nwarmup_days = 10\nreplications = 2\nseed = 5\n")
        if app_share is not None:
            text += f"[orders]\napp_channel_share = {app_share}\n"
        paths.append(tmp_path / f"{name}.toml")
        paths[-1].write_text(text, encoding="utf-8")
    loaded = load_scenarios(paths, allow_outside_data=True)
    prepared = [prepare(item) for item in loaded]
    datasets = [p.dataset for p in prepared]
    store = RunStore(tmp_path / "runs.sqlite")
    assert stored_comparison(loaded, datasets, seed=5, replications=2, store=store) is None
    computed = run_comparison(loaded, prepared, seed=5, replications=2, workers=1, store=store)
    read = stored_comparison(loaded, datasets, seed=5, replications=2, store=store)
    assert read is not None and read.reused == ("today", "app")
    for mine, theirs in zip(read.results, computed.results, strict=True):
        assert mine.result.run_id == theirs.result.run_id
        assert mine.result.kpis == theirs.result.kpis
        pd.testing.assert_frame_equal(mine.per_replication, theirs.per_replication)
    assert computed.base.validation is not None
    pd.testing.assert_frame_equal(read.base.validation, computed.base.validation)
    assert read.differences == computed.differences
    assert stored_comparison(loaded, datasets, seed=6, replications=2, store=store) is None
    assert stored_comparison(loaded[:1], datasets[:1], seed=5, replications=3,
                             store=store) is None
