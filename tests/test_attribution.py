"""Lever attribution (docs/attribution.md): Shapley values against hand-computed games, the
definition by every order and efficiency; sampled orders covering the exact values; on a small
data set the lever groups found, the contributions adding up to an independent plan − base,
the store round trip, the command line's refusals and the committee page's section showing
the stored attribution in English and in Chinese."""

from __future__ import annotations

import json
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest

from simulation.shapley import (
    all_coalitions,
    shapley_exact,
    shapley_from_orders,
    shapley_sampled,
)

PROJECT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ the method, by hand
def test_an_additive_game_gives_each_player_its_own_effect() -> None:
    effect = {"a": 3.0, "b": -1.5, "c": 0.25, "d": 0.0}
    found = shapley_exact(list(effect), lambda s: 10.0 + sum(effect[p] for p in s))
    assert {p: float(v) for p, v in found.items()} == pytest.approx(effect, abs=1e-12)


def test_two_players_needed_together_share_equally() -> None:
    found = shapley_exact(["a", "b"], lambda s: 1.0 if {"a", "b"} <= s else 0.0)
    assert float(found["a"]) == pytest.approx(0.5) and float(found["b"]) == pytest.approx(0.5)


#: v(∅)=0, v(A)=1, v(B)=2, v(C)=0, v(AB)=4, v(AC)=2, v(BC)=3, v(ABC)=6. By hand:
#: φ_A = 1/3·1 + 1/6·(4−2) + 1/6·(2−0) + 1/3·(6−3) = 2
#: φ_B = 1/3·2 + 1/6·(4−1) + 1/6·(3−0) + 1/3·(6−2) = 3
#: φ_C = 1/3·0 + 1/6·(2−1) + 1/6·(3−2) + 1/3·(6−4) = 1
THREE = {"": 0.0, "A": 1.0, "B": 2.0, "C": 0.0, "AB": 4.0, "AC": 2.0, "BC": 3.0, "ABC": 6.0}


def _three(coalition: frozenset) -> float:
    return THREE["".join(sorted(coalition))]


def test_an_interacting_three_player_game_matches_the_hand_computation() -> None:
    found = shapley_exact(["A", "B", "C"], _three)
    assert {p: float(v) for p, v in found.items()} == pytest.approx({"A": 2, "B": 3, "C": 1})


def _random_game(players, shape, seed):
    rng = np.random.default_rng(seed)
    table = {c: rng.normal(size=shape) for c in all_coalitions(players)}
    return table.__getitem__


@pytest.mark.parametrize("seed", range(5))
def test_exact_values_are_efficient_and_equal_the_mean_over_every_order(seed: int) -> None:
    players = list("abcde")
    game = _random_game(players, (4, 3), seed)  # replications × KPIs
    found = shapley_exact(players, game)
    everyone = frozenset(players)
    np.testing.assert_allclose(sum(found.values()), game(everyone) - game(frozenset()),
                               atol=1e-12)
    # the definition: the mean marginal contribution over all n! orders
    by_order = shapley_from_orders(players, game, list(permutations(players)))
    for p in players:
        np.testing.assert_allclose(found[p], by_order.mean[p], atol=1e-12)


def test_values_may_be_mappings_of_arrays() -> None:
    found = shapley_exact(["a", "b"], lambda s: {"x": np.array([len(s), 2.0 * len(s)]),
                                                 "y": float("a" in s)})
    np.testing.assert_allclose(found["a"]["x"], [1.0, 2.0])
    assert float(found["a"]["y"]) == 1.0 and float(found["b"]["y"]) == 0.0


def test_sampled_orders_cover_the_exact_values_and_stay_efficient() -> None:
    players = list("abcdef")
    game = _random_game(players, (), 42)
    exact = shapley_exact(players, game)
    found = shapley_sampled(players, game, 400, np.random.default_rng(7), antithetic=True)
    assert found.orders == 800
    for p in players:
        assert found.ci_low[p] <= exact[p] <= found.ci_high[p], p
        assert found.ci_high[p] - found.ci_low[p] < 0.5
    # every order telescopes to v(N) − v(∅), so the mean does too
    total = game(frozenset(players)) - game(frozenset())
    assert sum(found.mean.values()) == pytest.approx(float(total), abs=1e-12)


def test_each_coalition_is_valued_once() -> None:
    calls: list[frozenset] = []

    def game(s: frozenset) -> float:
        calls.append(s)
        return float(len(s) ** 2)

    shapley_exact(list("abcd"), game)
    assert len(calls) == 16 == len(set(calls))


def test_bad_players_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        shapley_exact(["a", "a"], lambda s: 0.0)
    with pytest.raises(ValueError, match="at most"):
        shapley_exact([str(i) for i in range(17)], lambda s: 0.0)
    with pytest.raises(ValueError, match="permutations"):
        shapley_sampled(["a"], lambda s: 0.0, 0, np.random.default_rng(0))


# ------------------------------------------------------------------ a scenario's lever groups
BASE = """name = "base"
dataset = "{dataset}"
process = "{process}"
horizon_days = 60
warmup_days = 10
replications = 2
seed = 3
"""
PLAN_LEVERS = """[orders]
stock_sync = "real_time"
[logistics]
carrier = "strategic_partner"
tracking = true
[credit]
e_invoice = true
"""


@pytest.fixture(scope="module")
def process_file(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scenarios.cli import main

    path = tmp_path_factory.mktemp("process") / "process.json"
    assert main(["calibrate", str(small_dir), "--json", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def scen(small_dir: Path, process_file: Path,
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scenarios")
    head = BASE.format(dataset=small_dir, process=process_file)
    out = {"base": head, "plan": head.replace('"base"', '"plan"') + PLAN_LEVERS,
           "same": head.replace('"base"', '"same"').replace("seed = 3", "seed = 4"),
           "longer": head.replace("horizon_days = 60", "horizon_days = 90") + PLAN_LEVERS}
    for name, text in out.items():
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return {name: folder / f"{name}.toml" for name in out}


def _load(path: Path):
    from scenarios.loading import load_scenario

    return load_scenario(path, allow_outside_data=True)


@pytest.fixture(scope="module")
def exact(scen: dict[str, Path]):
    from scenarios.attribution import attribute

    seen = []
    found = attribute(_load(scen["base"]), _load(scen["plan"]), workers=1,
                      progress=lambda done, total, label: seen.append((done, total, label)))
    return found, seen


def test_the_lever_groups_are_the_sections_that_differ(scen: dict[str, Path]) -> None:
    from scenarios.attribution import coalition_scenario, lever_groups

    base, plan = _load(scen["base"]).scenario, _load(scen["plan"]).scenario
    assert lever_groups(base, plan) == ["orders", "logistics", "credit"]
    stated = plan.model_copy(update={"assumptions": plan.assumptions.model_copy(
        update={"partner_speed_factor": 1.5})})
    assert lever_groups(base, stated) == ["orders", "logistics", "credit", "assumptions"]
    mixed = coalition_scenario(base, plan, frozenset({"logistics"}), seed=9)
    assert mixed.logistics == plan.logistics and mixed.orders == base.orders
    assert mixed.seed == 9 and mixed.credit == base.credit


def test_contributions_add_up_to_an_independent_plan_minus_base(exact, scen) -> None:
    from data.kpis import KPI_NAMES
    from scenarios.run import prepare, simulate

    found, seen = exact
    assert found.method == "exact" and found.groups == ("orders", "logistics", "credit")
    assert len(found.coalitions) == 8
    assert [s[:2] for s in seen] == [(k, 8) for k in range(1, 9)]
    runs = {}
    for name in ("base", "plan"):
        loaded = _load(scen[name])
        runs[name] = simulate(loaded, prepare(loaded), seed=3, replications=2, workers=1)
    for kpi in KPI_NAMES:
        plan = runs["plan"].per_replication[kpi].to_numpy()
        base = runs["base"].per_replication[kpi].to_numpy()
        # the coalition of every group is the plan, replication by replication
        assert found.plan_kpis[kpi].mean == pytest.approx(plan.mean(), abs=1e-12)
        summed = sum(found.per_replication[g][:, KPI_NAMES.index(kpi)] for g in found.groups)
        np.testing.assert_allclose(summed, plan - base, atol=1e-9)
        assert sum(found.contributions[g][kpi].mean for g in found.groups) == pytest.approx(
            plan.mean() - base.mean(), abs=1e-9)
        assert abs(found.residual(kpi)) < 1e-9
    # e-invoices change when customers pay, not how orders flow: a dummy player gets 0
    for kpi in ("order_processing_days", "on_time_rate", "complaint_rate"):
        assert found.contributions["credit"][kpi].mean == 0.0


def test_the_quick_view_is_the_exact_runs_own_one_at_a_time(exact, scen) -> None:
    from scenarios.attribution import one_at_a_time

    found, _ = exact
    quick = one_at_a_time(_load(scen["base"]), _load(scen["plan"]), workers=1)
    assert quick.method == "one_at_a_time" and not quick.contributions
    assert len(quick.coalitions) == 8  # ∅, N, 3 alone, 3 without: all of 2^3 here
    for which in ("added", "removed"):
        for group in found.groups:
            assert getattr(quick, which)[group] == getattr(found, which)[group]


def test_sampled_orders_add_up_too(scen: dict[str, Path], exact) -> None:
    from scenarios.attribution import attribute

    found = attribute(_load(scen["base"]), _load(scen["plan"]), workers=1, permutations=1)
    assert found.method == "sampled" and found.permutations == 2
    for kpi in found.kpis:
        assert abs(found.residual(kpi)) < 1e-9
        assert found.total[kpi] == exact[0].total[kpi]


def test_the_store_keeps_it_as_its_own_kind(exact, scen, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from scenarios.attribution_result import (
        latest_attribution,
        store_attribution,
        stored_attribution,
    )
    from scenarios.store import RunStore

    found, _ = exact
    store = RunStore(tmp_path / "store.sqlite")
    kept = store_attribution(found, store, datetime.now(UTC))
    runs = store.list_runs()
    assert runs["kind"].tolist() == ["attribution"]
    assert store.get(kept.run_id).replication_kpis is None  # not a simulation's KPIs
    again = stored_attribution(store, kept.run_id)
    assert again.to_json() == kept.to_json()
    for group in found.groups:
        np.testing.assert_array_equal(again.per_replication[group], found.per_replication[group])
    assert latest_attribution(store, scen["base"], scen["plan"]).run_id == kept.run_id
    assert latest_attribution(store, scen["base"], scen["longer"]) is None
    assert latest_attribution(store, scen["base"], scen["plan"], ("one_at_a_time",)) is None


def test_the_cli_prints_stores_and_writes_json(scen, tmp_path: Path, capsys) -> None:
    from scenarios.cli import main

    out, progress = tmp_path / "a.json", tmp_path / "progress.json"
    assert main(["attribute", str(scen["base"]), str(scen["plan"]), "--quick",
                 "--allow-outside-data", "--workers", "1", "--store",
                 str(tmp_path / "s.sqlite"), "--json", str(out), "--progress-file",
                 str(progress)]) == 0
    doc = json.loads(out.read_text())
    assert doc["kind"] == "attribution" and doc["method"] == "one_at_a_time"
    assert doc["groups"] == ["orders", "logistics", "credit"] and doc["run_id"]
    assert json.loads(progress.read_text())["state"] == "done"
    printed = capsys.readouterr().out
    assert "each group added to the base" in printed and "logistics" in printed


@pytest.mark.parametrize(("pair", "extra", "said"), [
    (("base", "same"), [], "nothing to attribute"),
    (("base", "longer"), [], "horizon_days"),
    (("base", "missing"), [], "missing.toml"),
    (("base", "plan"), ["--quick", "--permutations", "3"], "--permutations"),
    (("base", "plan"), ["--replications", "0"], "--replications"),
])
def test_the_cli_refuses_bad_input_with_exit_code_2(scen, tmp_path: Path, capsys, pair,
                                                     extra, said) -> None:
    from scenarios.cli import main

    paths = [str(scen.get(name, tmp_path / f"{name}.toml")) for name in pair]
    assert main(["attribute", *paths, "--allow-outside-data", "--no-store", *extra]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


# ------------------------------------------------------------------ the committee page
PAGE = """from pathlib import Path
from ui.committee_attribution import attribution_section
attribution_section(Path({base!r}), Path({plan!r}), allow_outside_data=True,
                    store_path=Path({store!r}), workers=1)
"""


@pytest.fixture(scope="module")
def stored(exact, scen, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from datetime import UTC, datetime

    from scenarios.attribution_result import store_attribution
    from scenarios.store import RunStore

    path = tmp_path_factory.mktemp("store") / "store.sqlite"
    store_attribution(exact[0], RunStore(path), datetime.now(UTC))
    return path


def _page(scen, stored, language: str = "en"):
    from streamlit.testing.v1 import AppTest

    from ui import i18n

    at = AppTest.from_string(PAGE.format(base=str(scen["base"]), plan=str(scen["plan"]),
                                         store=str(stored)), default_timeout=60)
    at.session_state[i18n.KEY] = language
    return at.run()


def test_the_section_shows_the_stored_attribution_without_running(exact, scen,
                                                                  stored) -> None:
    from ui.committee_views import format_difference

    at = _page(scen, stored)
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "lever group" in d.value.columns)
    table = table.set_index("lever group")
    assert table.index.tolist() == ["Order levers", "Logistics levers", "Credit levers",
                                    "plan − base"]
    found = exact[0]
    cell = table.loc["Logistics levers", "On-time delivery"]
    assert cell.startswith(format_difference("on_time_rate",
                                             found.contributions["logistics"]["on_time_rate"]
                                             .mean))
    assert at.selectbox(key="attribution_kpi").value == "order_processing_days"
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert "attribution_job" not in at.session_state


def test_the_section_in_chinese_leaves_no_text_in_english(scen, stored) -> None:
    from tests.display_rules import page_texts
    from ui import i18n

    at = _page(scen, stored, "zh_CN")
    assert not at.exception and not at.error
    english = set(i18n.catalogue("zh_CN"))
    shown = page_texts(at) + [c for d in at.dataframe for c in map(str, d.value.columns)]
    shown += [str(v) for d in at.dataframe for v in d.value.iloc[:, 0]]
    left = [t for t in shown if t in english and len(t) > 3]
    assert not left, f"texts shown in English: {left}"
    assert at.subheader[0].value == i18n.catalogue("zh_CN")["What each lever group contributes"]
    assert any(c.value.startswith("杠杆组：订单杠杆, 物流杠杆, 信用杠杆。") for c in at.caption)
    table = next(d.value for d in at.dataframe if "杠杆组" in d.value.columns)
    assert table["杠杆组"].tolist() == ["订单杠杆", "物流杠杆", "信用杠杆", "计划 − 基准"]


def test_the_quick_view_runs_in_the_background_and_is_shown_from_the_store(
        scen, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from scenarios.attribution_result import latest_attribution
    from scenarios.store import RunStore

    store = tmp_path / "store.sqlite"
    at = AppTest.from_string(PAGE.format(base=str(scen["base"]), plan=str(scen["plan"]),
                                         store=str(store)), default_timeout=60).run()
    assert any("No attribution" in i.value for i in at.info)
    at.number_input(key="attribution_replications").set_value(2)
    at.button(key="attribution_quick").click().run()
    assert not at.exception and not at.error
    job = at.session_state["attribution_job"]
    assert at.button(key="attribution_start").disabled, "one job at a time"
    assert job.wait(timeout=120) == 0
    at.run()
    assert not at.exception and not at.error
    assert "attribution_job" not in at.session_state
    assert not job.log.parent.exists(), "the job's progress and log folder is removed"
    kept = latest_attribution(RunStore(store, read_only=True), scen["base"], scen["plan"],
                              ("one_at_a_time",))
    assert kept is not None and kept.replications == 2
    added = next(d.value for d in at.dataframe if "lever group" in d.value.columns)
    assert added["lever group"].tolist()[:3] == ["Order levers", "Logistics levers",
                                                 "Credit levers"]


def test_a_pair_that_cannot_be_attributed_is_said_and_nothing_can_start(scen,
                                                                         tmp_path) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(PAGE.format(base=str(scen["base"]), plan=str(scen["same"]),
                                         store=str(tmp_path / "s.sqlite")),
                             default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 1 and "cannot be attributed" in at.error[0].value
    problems = at.dataframe[0].value
    assert "nothing to attribute" in problems["Found"].iloc[0]
    assert at.button(key="attribution_start").disabled
    assert at.button(key="attribution_quick").disabled
