"""Queueing formulas, stage statistics and the network simulation against independent truth:
exact rational arithmetic, hand-computed logs, Erlang C and Little's law."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from data.problems import InputError
from simulation.network import NetworkSpec, StageSpec, simulate_network
from simulation.params import Dist
from simulation.queueing import erlang_b, erlang_c, mmc_mean_queue_length, mmc_mean_wait
from simulation.stages import StageLog, stage_statistics


def _erlang_c_exact(c: int, a: Fraction) -> Fraction:
    """Erlang C from its closed form (Kleinrock 1975, §3.5) in exact rational arithmetic."""
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail)


# --------------------------------------------------------------------------- formulas
@pytest.mark.parametrize("rho", [0.0, 0.1, 0.5, 0.95])
def test_erlang_c_single_server_is_utilisation(rho: float) -> None:
    assert erlang_c(1, rho) == pytest.approx(rho, abs=1e-15)


def test_erlang_c_hand_values() -> None:
    # c=2, a=1: head 1 + 1 = 2, tail 1/2 · 2/1 = 1  =>  1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-14)
    # c=3, a=2: head 1 + 2 + 2 = 5, tail 8/6 · 3/1 = 4  =>  4/9
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, rel=1e-14)
    # c=5, a=4: head 103/3, tail 128/3  =>  128/231
    assert erlang_c(5, 4.0) == pytest.approx(128 / 231, rel=1e-14)


@pytest.mark.parametrize("c", [1, 2, 3, 7, 20, 60, 200])
@pytest.mark.parametrize("rho", [Fraction(1, 10), Fraction(1, 2), Fraction(9, 10),
                                 Fraction(99, 100)])
def test_erlang_c_recursion_matches_exact_closed_form(c: int, rho: Fraction) -> None:
    """The Erlang-B recursion stays accurate where the factorial form overflows floats."""
    a = rho * c
    assert erlang_c(c, float(a)) == pytest.approx(float(_erlang_c_exact(c, a)), rel=1e-12)


def test_erlang_b_known_value_and_unstable_cases() -> None:
    assert erlang_b(2, 1.0) == pytest.approx(0.2, rel=1e-14)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_c(3, 3.0) == 1.0
    assert mmc_mean_wait(5.0, 1.0, 5) == math.inf
    assert mmc_mean_queue_length(6.0, 1.0, 5) == math.inf
    assert mmc_mean_wait(0.0, 1.0, 3) == 0.0


def test_mmc_formulas_m_m_5() -> None:
    wq = mmc_mean_wait(4.0, 1.0, 5)
    assert wq == pytest.approx(0.5541, abs=1e-3)  # the hand value
    assert mmc_mean_queue_length(4.0, 1.0, 5) == pytest.approx(4.0 * wq, rel=1e-14)


@pytest.mark.parametrize("call", [lambda: erlang_c(0, 1.0), lambda: erlang_c(2.5, 1.0),
                                  lambda: erlang_c(2, -1.0), lambda: mmc_mean_wait(1.0, 0.0, 2),
                                  lambda: mmc_mean_queue_length(math.nan, 1.0, 2)])
def test_formulas_refuse_bad_input(call) -> None:
    with pytest.raises(InputError, match="expected"):
        call()


# --------------------------------------------------------------------------- stage statistics
def _hand_log() -> pd.DataFrame:
    log = StageLog()
    log.append("a", 0, 0.0, 0.5, 3.0)  # arrived before the window, in service at its start
    log.append("a", 1, 2.5, 3.0, 5.0)
    log.append("a", 2, 4.0, 5.0, 6.0)
    log.append("a", 3, 9.0, 9.0)  # in service when the run stopped
    log.append("a", 4, 9.5)  # waiting when the run stopped
    log.append("b", 1, 3.0, 3.0, 4.0)
    return log.frame()


def test_stage_statistics_hand_computed() -> None:
    """Window [2, 10] (8 days) worked out by hand from the intervals of each visit."""
    s = stage_statistics(_hand_log(), {"a": 1, "b": None, "c": 3}, 2.0, 10.0)
    assert list(s.index) == ["a", "b", "c"]
    a = s.loc["a"]
    assert a.utilization == pytest.approx(5 / 8)  # busy [2,3] + [3,5] + [5,6] + [9,10]
    assert a.mean_wait_days == pytest.approx(0.75)  # ended visits arriving in window: 0.5, 1
    assert a.mean_time_days == pytest.approx(2.25)  # 2.5, 2
    assert a.mean_queue_length == pytest.approx(2 / 8)  # waiting [2.5,3] + [4,5] + [9.5,10]
    assert a.mean_in_stage == pytest.approx(7 / 8)  # 1 + 2.5 + 2 + 1 + 0.5
    assert a.arrival_rate_per_day == pytest.approx(4 / 8)
    assert a.visits == 4
    b = s.loc["b"]
    assert math.isnan(b.utilization)
    assert (b.mean_wait_days, b.mean_time_days, b.mean_queue_length) == (0.0, 1.0, 0.0)
    assert b.mean_in_stage == pytest.approx(1 / 8)
    c = s.loc["c"]
    assert (c.utilization, c.mean_queue_length, c.mean_in_stage, c.visits) == (0, 0, 0, 0)
    assert math.isnan(c.mean_wait_days)


def test_stage_statistics_refuses_bad_input() -> None:
    with pytest.raises(InputError, match="no entry for \\['b'\\]"):
        stage_statistics(_hand_log(), {"a": 1}, 2.0, 10.0)
    with pytest.raises(InputError, match="t_end > t_start"):
        stage_statistics(_hand_log(), {"a": 1, "b": None}, 5.0, 5.0)
    with pytest.raises(InputError, match="servers\\['a'\\]"):
        stage_statistics(_hand_log(), {"a": 0, "b": None}, 2.0, 10.0)


# --------------------------------------------------------------------------- simulation
def _exp(mean_days: float) -> Dist:
    return Dist(kind="exponential", mean=mean_days)


MM5 = NetworkSpec(stages=[StageSpec(name="desk", servers=5, service=_exp(1.0))],
                  arrival=_exp(0.25))
LINE = NetworkSpec(
    stages=[StageSpec(name="intake", servers=None,
                      service=Dist(kind="lognormal", mean=2.0, sigma=0.8)),
            StageSpec(name="review", servers=2, service=Dist(kind="gamma", mean=1.5, shape=2.0)),
            StageSpec(name="pick", servers=1, service=_exp(0.7))],
    arrival=_exp(1.0))


def test_mm5_mean_wait_confidence_interval_contains_erlang_c() -> None:
    """M/M/5 at ρ = 0.8 (λ = 4/day, μ = 1/day): 30 replications of 2,000 days from empty,
    first 100 days dropped (the queue relaxes in a few tens of days); ~6 s on one core."""
    wq = mmc_mean_wait(4.0, 1.0, 5)
    assert wq == pytest.approx(0.5541, abs=1e-3)
    seeds = np.random.SeedSequence(12345).spawn(30)
    waits = np.array([
        simulate_network(MM5, 2000.0, 100.0, np.random.default_rng(s)).stats.loc[
            "desk", "mean_wait_days"] for s in seeds])
    half = sps.t.ppf(0.975, len(waits) - 1) * waits.std(ddof=1) / np.sqrt(len(waits))
    assert waits.mean() - half <= wq <= waits.mean() + half, (waits.mean(), half, wq)


@pytest.fixture(scope="module")
def line_run():
    return simulate_network(LINE, 20_000.0, 200.0, np.random.default_rng(3))


def test_littles_law_at_every_stage(line_run) -> None:
    """L = λW and Lq = λWq, with L and Lq integrated from the records rather than derived. On a
    sample path the two sides differ only by boundary effects (visits present at the window's
    ends, and those not ended by the horizon), which shrink like 1/length."""
    s = line_run.stats
    for stage, row in s.iterrows():
        lam = row.arrival_rate_per_day
        assert row.visits > 15_000, stage
        assert row.mean_in_stage == pytest.approx(lam * row.mean_time_days, rel=0.02), stage
        if row.mean_wait_days > 0:
            assert row.mean_queue_length == pytest.approx(lam * row.mean_wait_days, rel=0.02)
    assert s.loc["intake", "mean_queue_length"] == 0.0
    assert s.loc["intake", "mean_wait_days"] == 0.0


def test_number_in_service_matches_utilisation(line_run) -> None:
    """Two computations of the number in service: step-function integrals (in stage - waiting)
    and busy server-time clipped to the window."""
    s = line_run.stats
    for stage, c in {"review": 2, "pick": 1}.items():
        in_service = s.loc[stage, "mean_in_stage"] - s.loc[stage, "mean_queue_length"]
        assert in_service == pytest.approx(s.loc[stage, "utilization"] * c, rel=1e-9)


def test_capacity_never_exceeded_and_queues_are_fifo(line_run) -> None:
    log = line_run.log
    assert (log.start.dropna() >= log.arrive[log.start.notna()]).all()
    assert (log.end.dropna() >= log.start[log.end.notna()]).all()
    for stage, c in {"review": 2, "pick": 1}.items():
        visits = log[(log.stage == stage) & log.start.notna()]
        times = np.concatenate([visits.start, visits.end.dropna()])
        steps = np.concatenate([np.ones(len(visits)), -np.ones(visits.end.notna().sum())])
        order = np.lexsort((steps, times))  # at a tie the leaving visit frees its server first
        assert np.cumsum(steps[order]).max() == c, stage
        by_arrival = visits.sort_values(["arrive", "entity"])
        assert by_arrival.start.is_monotonic_increasing, stage


def test_same_seed_gives_identical_log() -> None:
    first = simulate_network(LINE, 300.0, 30.0, np.random.default_rng(99))
    second = simulate_network(LINE, 300.0, 30.0, np.random.default_rng(99))
    pd.testing.assert_frame_equal(first.log, second.log)
    pd.testing.assert_frame_equal(first.stats, second.stats)
    other = simulate_network(LINE, 300.0, 30.0, np.random.default_rng(100))
    assert not other.log.arrive.equals(first.log.arrive)


def test_common_random_numbers_when_servers_change() -> None:
    """A third reviewer changes waits downstream but not the arrivals, nor the service time
    each entity draws at intake and review (review is still entered in the same order)."""
    stages = list(LINE.stages)
    stages[1] = stages[1].model_copy(update={"servers": 3})
    wider = LINE.model_copy(update={"stages": tuple(stages)})
    base = simulate_network(LINE, 500.0, 50.0, np.random.default_rng(2024)).log
    alt = simulate_network(wider, 500.0, 50.0, np.random.default_rng(2024)).log

    def visits(log: pd.DataFrame, stage: str) -> pd.DataFrame:
        return log[log.stage == stage].set_index("entity").sort_index()

    a, b = visits(base, "intake"), visits(alt, "intake")
    np.testing.assert_array_equal(a.index, b.index)
    np.testing.assert_array_equal(a.arrive, b.arrive)
    np.testing.assert_array_equal(a.end - a.start, b.end - b.start)
    a, b = visits(base, "review"), visits(alt, "review")
    ended = a.index.intersection(b.index)
    ended = ended[(a.end.loc[ended].notna() & b.end.loc[ended].notna()).to_numpy()]
    assert len(ended) > 400
    np.testing.assert_allclose((a.end - a.start)[ended], (b.end - b.start)[ended], rtol=1e-12)
    assert (b.start - b.arrive).mean() < (a.start - a.arrive).mean()


def test_spec_validation_messages() -> None:
    with pytest.raises(ValueError, match="unique"):
        NetworkSpec(stages=[StageSpec(name="a", servers=1, service=_exp(1.0))] * 2,
                    arrival=_exp(1.0))
    with pytest.raises(ValueError, match="routing must name defined stages"):
        NetworkSpec(stages=[StageSpec(name="a", servers=1, service=_exp(1.0))],
                    arrival=_exp(1.0), routing=["a", "z"])
    with pytest.raises(ValueError, match="inter-arrival"):
        NetworkSpec(stages=[StageSpec(name="a", servers=1, service=_exp(1.0))],
                    arrival=_exp(0.0))
    with pytest.raises(InputError, match="warmup_days < horizon_days"):
        simulate_network(MM5, 10.0, 10.0, np.random.default_rng(0))
