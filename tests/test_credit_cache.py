"""Finance's views kept on disk (scenarios/credit_cache.py) are the views computed: the scores
with their reasons and stability, the terms model's report with its assignment, the reminder
schedules compared and the worklist, read back field by field, array by array, bit for bit. A
changed data set or setting is another file; a damaged file is recomputed, not trusted."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from scenarios import credit_cache as cc
from scenarios.collections import collection_worklist
from scenarios.credit_report import CreditContext, credit_context, policy_report
from scenarios.loading import load_scenario


@pytest.fixture(scope="module")
def ctx(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> CreditContext:
    folder = tmp_path_factory.mktemp("credit_cache")
    (folder / "plan.toml").write_text(
        f'name = "plan"\ndataset = "{small_dir}"\nseed = 3\n'
        "[targets]\ndso_days = 60.0\nbad_debt_rate = 0.06\n[credit]\nscoring = true\n",
        encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHARMAOPS_RUN_STORE", str(folder / "runs" / "store.sqlite"))
        loaded = load_scenario(folder / "plan.toml", allow_outside_data=True)
        return credit_context(loaded, dataset=load_dataset(small_dir))


def same(a, b, where: str = "") -> None:
    """Equal in value and type, recursively; arrays in dtype and shape too."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        for column in [c for c in a.columns if a[c].dtype == np.dtype(object)]:
            assert a[column].map(type).tolist() == b[column].map(type).tolist(), where
    elif isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, (where, a, b)


def views(ctx: CreditContext) -> dict:
    """kind → (compute, encode, decode) of every kept view."""
    return {
        "scores": (lambda: cc.score_view(ctx), cc.encode_scores, cc.decode_scores),
        "policy": (lambda: cc.policy_view(ctx, policy_report(ctx, frontier_points=4)),
                   cc.encode_policy, cc.decode_policy),
        "reminders": (lambda: cc.reminder_view(ctx), cc.encode_reminders, cc.decode_reminders),
        "worklist": (lambda: collection_worklist(ctx, horizon_days=30, lead_days=3),
                     cc.encode_worklist, cc.decode_worklist)}


@pytest.mark.parametrize("kind", ["scores", "policy", "reminders", "worklist"])
def test_a_kept_view_is_the_view_computed(ctx: CreditContext, tmp_path: Path,
                                          kind: str) -> None:
    compute, encode, decode = views(ctx)[kind]
    fresh = compute()  # once: a solve's time differs between two solves

    def compute_fresh():
        return fresh

    file = cc.view_file(kind, ctx.dataset.fingerprint, "text", {"a": 1}, tmp_path)
    same(cc.kept(file, compute_fresh, encode, decode), fresh, kind)

    def not_again():
        raise AssertionError("the kept view should have been read")

    same(cc.kept(file, not_again, encode, decode), fresh, kind)
    same(cc.read_view(file, decode), fresh, kind)

    file.write_text(file.read_text(encoding="utf-8").replace("0", "1", 1), encoding="utf-8")
    assert cc.read_view(file, decode) is None  # damaged: not trusted
    calls = []
    same(cc.kept(file, lambda: calls.append(1) or fresh, encode, decode), fresh, kind)
    assert calls == [1]  # computed again
    same(cc.read_view(file, decode), fresh, kind)


def test_the_policy_report_round_trips_an_unsolvable_limit(ctx: CreditContext,
                                                           tmp_path: Path) -> None:
    scenario = ctx.scenario.model_copy(update={"credit": ctx.scenario.credit.model_copy(
        update={"dso_limit_days": 1.0})})
    tight = dataclasses.replace(ctx, scenario=scenario)
    report, assignment = cc.policy_view(tight, policy_report(tight, frontier_points=3))
    assert report.solution.objective_cny is None and assignment is None
    file = tmp_path / "policy.json"
    same(cc.kept(file, lambda: (report, assignment), cc.encode_policy, cc.decode_policy),
         (report, assignment))
    same(cc.read_view(file, cc.decode_policy), (report, assignment))


def test_another_data_set_scenario_or_setting_is_another_file(ctx: CreditContext) -> None:
    fp = ctx.dataset.fingerprint
    base = cc.view_file("policy", fp, "text", {"limits": [45.0, 0.01, 0.02]})
    assert base == cc.view_file("policy", fp, "text", {"limits": [45.0, 0.01, 0.02]})
    assert base != cc.view_file("policy", "0" * 64, "text", {"limits": [45.0, 0.01, 0.02]})
    assert base != cc.view_file("policy", fp, "text 2", {"limits": [45.0, 0.01, 0.02]})
    assert base != cc.view_file("policy", fp, "text", {"limits": [44.0, 0.01, 0.02]})
    assert base != cc.view_file("worklist", fp, "text", {"limits": [45.0, 0.01, 0.02]})
