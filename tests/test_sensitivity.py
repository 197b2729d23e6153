"""Sensitivity of verdicts to assumptions: the engine on analytic KPIs whose thresholds are
worked out by hand, the scenario path (changing only assumptions equals preparing a file that
states them), and ``pharmaops sensitivity`` on the small data set."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scenarios.sensitivity import (
    CORNERS,
    JOINT,
    MET,
    NOT_MET,
    UNCERTAIN,
    sensitivity,
    verdict,
)
from simulation.summary import TOO_FEW, Estimate

NAN = math.nan

# ------------------------------------------------------------------ the toy model
# Each KPI is linear in the assumptions, with a 95% CI of half-width H around its mean:
#
#   order_processing_days = 2x + 0.5        H 0.1     target 1.0 (lower is better)
#       met iff 2x + 0.6 <= 1  <=>  x <= 0.2;   not met iff 2x + 0.4 > 1  <=>  x > 0.3
#   on_time_rate          = 0.8 + 0.2y      H 0.02    target 0.95 (higher is better)
#       met iff y >= 0.85;   not met iff y < 0.65
#   dso_days              = 40 + 10w        H 1       target 45:   met iff w <= 0.4
#   bad_debt_rate         = 0.005 + 0.002(u + v)   H 0.0005   target 0.01
#       met iff u + v <= 2.25;   not met iff u + v > 2.75
#   remote_delivery_days  = 4 + p - q       H 0.1     target 5
#       met iff p - q <= 0.9;    not met iff p - q > 1.1
#   complaint_rate        = 0.02            H 0.001   target 0.03: always met
#
# z moves nothing.
BASE = {"x": 0.1, "y": 0.9, "w": 0.2, "u": 1.0, "v": 1.0, "p": 0.5, "q": 0.3, "z": 5.0}
RANGES = {"x": (0.05, 0.25), "y": (0.88, 0.95), "w": (0.1, 0.35), "u": (0.5, 1.2),
          "v": (0.5, 1.2), "p": (0.3, 1.0), "q": (0.0, 0.5), "z": (0.0, 10.0)}
TARGETS = {"order_processing_days": 1.0, "on_time_rate": 0.95, "dso_days": 45.0,
           "bad_debt_rate": 0.01, "remote_delivery_days": 5.0, "complaint_rate": 0.03}
HALF = {"order_processing_days": 0.1, "on_time_rate": 0.02, "dso_days": 1.0,
        "bad_debt_rate": 0.0005, "remote_delivery_days": 0.1, "complaint_rate": 0.001}


def _estimate(mean: float, half: float) -> Estimate:
    return Estimate(mean, mean - half, mean + half, NAN, NAN)


class Toy:
    def __init__(self) -> None:
        self.calls: list[dict[str, float]] = []

    def __call__(self, overrides: Mapping[str, float]) -> dict[str, Estimate]:
        self.calls.append(dict(overrides))
        a = {**BASE, **overrides}
        means = {"order_processing_days": 2 * a["x"] + 0.5, "on_time_rate": 0.8 + 0.2 * a["y"],
                 "dso_days": 40 + 10 * a["w"], "bad_debt_rate": 0.005 + 0.002 * (a["u"] + a["v"]),
                 "remote_delivery_days": 4 + a["p"] - a["q"], "complaint_rate": 0.02}
        return {k: _estimate(m, HALF[k]) for k, m in means.items()}


def test_the_engine_finds_exactly_the_flips_worked_out_by_hand() -> None:
    toy = Toy()
    result = sensitivity(toy, BASE, RANGES, TARGETS)
    assert all(v == MET for v in result.base.verdicts.values())
    found = {(f.kpi, f.assumption, f.verdict_at_low, f.verdict_at_high) for f in result.flips}
    assert found == {
        # x = 0.25 lies between 0.2 and 0.3: the CI holds the target
        ("order_processing_days", "x", MET, UNCERTAIN),
        # all at high: x = 0.25; u + v = 2.4 lies between 2.25 and 2.75
        ("order_processing_days", JOINT, MET, UNCERTAIN),
        ("bad_debt_rate", JOINT, MET, UNCERTAIN),
        # least favourable corners: x high; u and v high; p high with q LOW (p - q = 1.0)
        ("order_processing_days", CORNERS, UNCERTAIN, MET),
        ("bad_debt_rate", CORNERS, UNCERTAIN, MET),
        ("remote_delivery_days", CORNERS, UNCERTAIN, MET),
    }
    x = next(f for f in result.flips if f.assumption == "x")
    assert (x.low, x.high) == (0.05, 0.25)
    assert all(f.low is None and f.high is None for f in result.flips if f.assumption != "x")
    # p and q pull the remote days opposite ways: the corner sets them at opposite ends
    corner = result.joint("least_favourable", "remote_delivery_days")
    assert corner.settings == {"p": 1.0, "q": 0.0}
    assert result.joint("most_favourable", "remote_delivery_days").settings == {"p": 0.3, "q": 0.5}
    # an assumption that moves nothing stays at base in every corner
    assert all("z" not in e.settings for e in result.evaluations if e.kpi is not None)


def test_each_distinct_setting_is_evaluated_once() -> None:
    toy = Toy()
    result = sensitivity(toy, BASE, RANGES, TARGETS)
    # base + 8 × 2 one at a time + all low + all high + the corners of bad debt (u, v) and
    # remote days (p, q); the others' corners are one-at-a-time settings or the base
    assert len(toy.calls) == 1 + 16 + 2 + 4
    assert toy.calls[0] == {}
    assert {"x": 0.25} in toy.calls and {"u": 1.2, "v": 1.2} in toy.calls
    assert len({tuple(sorted(c.items())) for c in toy.calls}) == len(toy.calls)
    assert len(result.table()) == len(TARGETS) * (len(RANGES) + 2)


def test_a_range_beyond_both_thresholds_gives_not_met() -> None:
    result = sensitivity(Toy(), BASE, {"x": (0.05, 0.35)}, TARGETS)
    (flip,) = [f for f in result.flips if f.assumption == "x"]
    assert (flip.verdict_at_low, flip.verdict_at_high) == (MET, NOT_MET)  # 2·0.35 + 0.4 > 1


def test_a_low_equal_to_the_base_value_is_not_evaluated_again() -> None:
    toy = Toy()
    result = sensitivity(toy, BASE, {"x": (0.1, 0.25)}, TARGETS)
    assert toy.calls == [{}, {"x": 0.25}]
    assert result.one_at_a_time("x", "low").settings == {}


def test_verdict_uses_the_interval_and_without_one_decides_nothing() -> None:
    assert verdict("dso_days", Estimate(44, 43, 44.5, NAN, NAN), 45) == MET
    assert verdict("dso_days", Estimate(44, 43, 46, NAN, NAN), 45) == UNCERTAIN
    assert verdict("dso_days", Estimate(47, 46, 48, NAN, NAN), 45) == NOT_MET
    assert verdict("on_time_rate", Estimate(0.96, 0.955, 0.97, NAN, NAN), 0.95) == MET
    assert verdict("on_time_rate", Estimate(0.96, 0.94, 0.97, NAN, NAN), 0.95) == UNCERTAIN
    # one replication: no interval, so neither side is shown to hold (issue: honest verdicts)
    assert verdict("on_time_rate", Estimate(0.96, NAN, NAN, NAN, NAN), 0.95) == TOO_FEW
    assert verdict("on_time_rate", Estimate(0.90, NAN, NAN, NAN, NAN), 0.95) == TOO_FEW


def test_bad_ranges_are_refused() -> None:
    with pytest.raises(ValueError, match="low <= high"):
        sensitivity(Toy(), BASE, {"x": (0.3, 0.1)}, TARGETS)
    with pytest.raises(ValueError, match="without a base value"):
        sensitivity(Toy(), BASE, {"nope": (0.0, 1.0)}, TARGETS)


# ------------------------------------------------------------------ random linear KPIs
KPIS = tuple(TARGETS)


def _class_by_threshold(x: float, slope: float, intercept: float, half: float, target: float,
                        higher_is_better: bool) -> str:
    """The verdict from the thresholds on x where an end of the CI crosses the target, solved
    by hand: for lower-is-better, met iff slope·x + intercept + half <= target, i.e.
    x <= (target - intercept - half) / slope when slope > 0 (>= when slope < 0)."""
    sign = -1.0 if higher_is_better else 1.0  # the CI end that must meet the target
    met_at = (target - intercept - sign * half) / slope
    not_met_at = (target - intercept + sign * half) / slope

    def beyond(threshold: float) -> bool:  # on the failing side of a threshold
        failing_up = (slope > 0) != higher_is_better
        return x > threshold if failing_up else x < threshold

    if not beyond(met_at):
        return MET
    return NOT_MET if beyond(not_met_at) else UNCERTAIN


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.1, 5).flatmap(lambda m: st.sampled_from([m, -m])),
                          st.floats(-5, 5), st.floats(0.01, 1), st.floats(-5, 5),
                          st.floats(0, 2), st.floats(0, 2)),
                min_size=len(KPIS), max_size=len(KPIS)))
def test_one_assumption_per_kpi_flips_exactly_when_its_range_crosses_a_threshold(draws) -> None:
    from simulation.summary import HIGHER_IS_BETTER

    model, base, ranges, targets, expected = {}, {}, {}, {}, set()
    for i, (kpi, (slope, intercept, half, x0, below, above)) in enumerate(
            zip(KPIS, draws, strict=True)):
        name = f"a{i}"
        model[kpi] = (name, slope, intercept, half)
        base[name], ranges[name] = x0, (x0 - below, x0 + above)
        # targets near the KPI at base, so that some ranges cross a threshold
        targets[kpi] = slope * x0 + intercept + (below - above) / 2
        higher = kpi in HIGHER_IS_BETTER
        for x in (x0, *ranges[name]):  # no end within rounding of a threshold
            for threshold in ((targets[kpi] - intercept - half) / slope,
                              (targets[kpi] - intercept + half) / slope):
                assume(abs(x - threshold) > 1e-6)
        classes = [_class_by_threshold(x, slope, intercept, half, targets[kpi], higher)
                   for x in (x0, *ranges[name])]
        if any(c != classes[0] for c in classes[1:]):
            expected.add((kpi, name, classes[1], classes[2]))

    def evaluate(overrides: Mapping[str, float]) -> dict[str, Estimate]:
        values = {**base, **overrides}
        return {kpi: _estimate(slope * values[name] + intercept, half)
                for kpi, (name, slope, intercept, half) in model.items()}

    result = sensitivity(evaluate, base, ranges, targets)
    one_at_a_time = {(f.kpi, f.assumption, f.verdict_at_low, f.verdict_at_high)
                     for f in result.flips if f.assumption not in (JOINT, CORNERS)}
    assert one_at_a_time == expected
    # with one assumption per KPI, all-at-low/high are its low/high, and the corners too
    assert {(f.kpi, f.verdict_at_low, f.verdict_at_high) for f in result.flips
            if f.assumption == JOINT} == {(kpi, lo, hi) for kpi, _, lo, hi in expected}
    assert {f.kpi for f in result.flips if f.assumption == CORNERS} == {e[0] for e in expected}


# ------------------------------------------------------------------ a scenario's assumptions
SMALL_SCENARIO = """name = "tracked"
dataset = "{dataset}"
process = "{process}"
horizon_days = 60
warmup_days = 10
replications = 2
seed = 3
[logistics]
tracking = true
forward_warehouses = ["S05", "S23"]
"""


@pytest.fixture(scope="module")
def process_file(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scenarios.cli import main

    path = tmp_path_factory.mktemp("process") / "process.json"
    assert main(["calibrate", str(small_dir), "--json", str(path)]) == 0
    return path


def _scenario(folder: Path, small_dir: Path, process: Path, extra: str = "",
              name: str = "s") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SMALL_SCENARIO.format(dataset=small_dir, process=process) + extra,
                    encoding="utf-8")
    return path


def test_changing_only_assumptions_equals_preparing_a_file_that_states_them(
        small_dir: Path, process_file: Path, tmp_path: Path) -> None:
    from scenarios.loading import load_scenario
    from scenarios.run import prepare, simulate, with_assumptions

    overrides = {"staffing_utilization": 0.5, "tracking_visibility_complaint_reduction": 0.8,
                 "forward_order_cost_cny": 900.0, "forward_lead_time_sd_days": 2.0}
    plain = load_scenario(_scenario(tmp_path, small_dir, process_file), allow_outside_data=True)
    stated = load_scenario(_scenario(tmp_path, small_dir, process_file, "[assumptions]\n"
                                     + "".join(f"{k} = {v}\n" for k, v in overrides.items()),
                                     name="stated"), allow_outside_data=True)
    first = prepare(plain)
    changed, prepared = with_assumptions(plain, first, overrides)
    assert changed.scenario.assumptions == stated.scenario.assumptions
    a = simulate(changed, prepared, workers=1)
    b = simulate(stated, prepare(stated), workers=1)
    assert a.per_replication.equals(b.per_replication)
    assert a.tables["forward_policies"].equals(b.tables["forward_policies"])
    # assumptions other than the network's keep its stock plan as it is
    _, again = with_assumptions(plain, first, {"tracking_late_complaint_factor": 0.9})
    assert again.config.network is first.config.network
    assert not prepared.config.network.stock.policies.equals(first.config.network.stock.policies)


# ------------------------------------------------------------------ the command line
def test_cli_writes_the_flips_and_every_evaluation(small_dir: Path, process_file: Path,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios.cli import main
    from scenarios.evidence import in_play
    from scenarios.loading import load_scenario

    # the small test set's office cannot be staffed at 0.7 (refused: docs/simulation.md), so
    # the scenario narrows that range as a user would for such data
    path = _scenario(tmp_path, small_dir, process_file,
                     "[assumption_ranges]\nstaffing_utilization = [0.5, 0.65]\n")
    out = tmp_path / "sens.json"
    assert main(["sensitivity", str(path), "--allow-outside-data", "--replications", "2",
                 "--workers", "1", "--json", str(out)]) == 0
    captured = capsys.readouterr()
    doc = json.loads(out.read_text())
    varied = in_play(load_scenario(path, allow_outside_data=True).scenario)
    assert sorted(doc["assumptions"]) == sorted(varied)
    assert "staffing_utilization" in varied and "partner_speed_factor" not in varied
    assert doc["not_varied"]["partner_speed_factor"] == "no lever of the scenario uses it"
    assert doc["seed"] == 3 and doc["replications"] == 2
    for flip in doc["flips"]:
        assert set(flip) == {"kpi", "assumption", "low", "high", "verdict_at_low",
                             "verdict_at_high"}
    # the flips are exactly the rows of the table whose verdict at an end differs from base
    table = doc["table"]
    assert len(table) == 6 * (len(varied) + 2)
    expected = [{k: row[k] for k in ("kpi", "assumption", "low", "high", "verdict_at_low",
                                     "verdict_at_high")}
                for row in table if row["verdict_at_base"] != row["verdict_at_low"]
                or row["verdict_at_base"] != row["verdict_at_high"]]
    assert doc["flips"] == expected
    evaluations = {e["label"]: e for e in doc["evaluations"]}
    assert evaluations["base"]["settings"] == {}
    low = evaluations["tracking_visibility_complaint_reduction at low"]
    high = evaluations["tracking_visibility_complaint_reduction at high"]
    assert low["settings"] == {"tracking_visibility_complaint_reduction": 0.6}
    # common random numbers: removing more visibility complaints can only lower the rate
    assert high["kpis"]["complaint_rate"]["mean"] < low["kpis"]["complaint_rate"]["mean"]
    assert low["kpis"]["order_processing_days"] == evaluations["base"]["kpis"][
        "order_processing_days"]
    for evaluation in doc["evaluations"]:
        assert set(evaluation["kpis"]) == set(doc["targets"])
        for kpi in evaluation["kpis"].values():
            assert kpi["verdict"] in (MET, UNCERTAIN, NOT_MET)
    # the document reads back whole (the app's queue hands a job's result over as this JSON)
    from scenarios.sensitivity_run import ScenarioSensitivity

    assert json.dumps(ScenarioSensitivity.from_json(doc).to_json()) == json.dumps(doc)
    assert "tracking_visibility_complaint_reduction" in captured.out  # the table for people
    assert "evaluation" in captured.err  # progress on stderr


def test_cli_refuses_bad_input_with_a_named_problem(small_dir: Path, process_file: Path,
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios.cli import main

    path = _scenario(tmp_path, small_dir, process_file)
    assert main(["sensitivity", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["sensitivity", str(path), "--allow-outside-data", "--replications", "0"]) == 2
    assert "--replications" in capsys.readouterr().err
    assert main(["sensitivity", str(path), "--allow-outside-data", "--assumptions",
                 "tracking_visibility_complaint_reduction,nonsense"]) == 2
    err = capsys.readouterr().err
    assert "--assumptions" in err and "nonsense" in err
