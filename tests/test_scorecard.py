"""The general scorecard, its binning and PSI, against independent truths (docs/credit.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data.problems import InputError
from models.credit import fit_challenger, fit_scorecard, psi, psi_band
from models.credit.binning import fit_feature_binning, optimal_partition


def synthetic(n: int, seed: int) -> pd.DataFrame:
    """Bad rate rises with ``debt``, falls with ``years``; ``region`` matters; some NaN."""
    rng = np.random.default_rng(seed)
    debt = rng.uniform(0, 1, n)
    years = rng.exponential(5, n)
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
    effect = pd.Series(region).map({"north": -0.5, "south": 0.0, "east": 0.5, "west": 1.0})
    logit = -1.0 + 2.5 * debt - 0.15 * years + effect.to_numpy()
    bad = (rng.uniform(0, 1, n) < 1 / (1 + np.exp(-logit))).astype(int)
    noise = rng.normal(0, 1, n)
    df = pd.DataFrame({"debt": debt, "years": years, "region": region, "noise": noise, "bad": bad})
    df.loc[rng.uniform(0, 1, n) < 0.1, "years"] = np.nan
    df.loc[rng.uniform(0, 1, n) < 0.05, "region"] = None
    return df


@pytest.fixture(scope="module")
def card_and_data():
    df = synthetic(3000, seed=1)
    return fit_scorecard(df, "bad", seed=0), df


def test_pdo_points_double_the_odds():
    df = synthetic(2000, seed=2)
    card = fit_scorecard(df, "bad", pdo=20, base_score=50, base_odds=1.0)
    p = card.predict_proba(df)
    odds_good = (1 - p) / p
    s = card.score(df)
    inside = (s > 0) & (s < 100)
    # independent: the definition of PDO scaling, score = 50 + 20/ln2 × ln(odds good / 1)
    assert np.allclose(s[inside], 50 + 20 / math.log(2) * np.log(odds_good[inside]))
    i, j = np.argsort(s[inside])[[0, -1]]
    ds = s[inside][j] - s[inside][i]
    assert odds_good[inside][j] / odds_good[inside][i] == pytest.approx(2 ** (ds / 20), rel=1e-9)
    # the default scaling spans 0..100 with some PDO; the same law holds
    auto = fit_scorecard(df, "bad")
    sa, pa = auto.score(df), auto.predict_proba(df)
    k, m = np.argmin(sa), np.argmax(sa)
    ratio = ((1 - pa[m]) / pa[m]) / ((1 - pa[k]) / pa[k])
    assert ratio == pytest.approx(2 ** ((sa[m] - sa[k]) / auto.pdo), rel=1e-9)


def test_scores_stay_in_0_100(card_and_data):
    card, _ = card_and_data
    other = synthetic(2000, seed=3)
    other.loc[:50, "debt"] = 50.0  # far outside the training range
    other.loc[51:100, "region"] = "unseen"
    s = card.score(other)
    assert np.all((s >= 0) & (s <= 100)) and len(s) == len(other)
    p = card.predict_proba(other)
    assert p.shape == (len(other),) and np.all((p > 0) & (p < 1))
    # the best and the worst achievable rows reach the ends of the scale
    totals = [pts for pts in card.points_table()]
    assert sum(t.max() for t in totals) == pytest.approx(100.0)
    assert sum(t.min() for t in totals) == pytest.approx(0.0)


def test_higher_score_is_safer(card_and_data):
    card, df = card_and_data
    s, p = card.score(df), card.predict_proba(df)
    order = np.argsort(s)
    assert np.all(np.diff(p[order]) <= 1e-12)


def test_bins_are_monotonic_in_woe(card_and_data):
    card, _ = card_and_data
    for b in card.binnings:
        woe = np.diff(np.asarray(b.woe_by_bin[:-1]))  # regular bins, missing bin apart
        assert np.all(woe > 0) or np.all(woe < 0), b.name
    rng = np.random.default_rng(4)
    for trial in range(20):
        x = pd.Series(rng.normal(0, 1, 600), name="x")
        y = (rng.uniform(0, 1, 600) < 1 / (1 + np.exp(-np.sin(2 * x)))).astype(int)
        b = fit_feature_binning(x, y, categorical=False, min_bin_share=0.05)
        w = np.diff(np.asarray(b.woe_by_bin[:-1]))
        assert len(w) == 0 or np.all(w > 0) or np.all(w < 0), trial
        sizes = np.asarray(b.goods[:-1]) + np.asarray(b.bads[:-1])
        assert sizes.min() >= 30


def test_partition_is_the_brute_force_optimum():
    rng = np.random.default_rng(5)
    for _ in range(10):
        n = 7
        goods = rng.integers(5, 40, n).astype(float)
        bads = rng.integers(1, 20, n).astype(float)
        tg, tb = goods.sum(), bads.sum()
        best = -np.inf
        for mask in range(2 ** (n - 1)):  # every set of cuts
            starts = [0] + [i + 1 for i in range(n - 1) if mask >> i & 1]
            ends = [*starts[1:], n]
            g = np.array([goods[s:e].sum() for s, e in zip(starts, ends, strict=True)])
            b = np.array([bads[s:e].sum() for s, e in zip(starts, ends, strict=True)])
            if (g + b).min() < 25 or len(g) > 4:
                continue
            w = np.log(((g + 0.5) / (tg + 0.5)) / ((b + 0.5) / (tb + 0.5)))
            if len(w) > 1 and not np.all(np.diff(w) > 1e-12):
                continue
            best = max(best, float(((g / tg - b / tb) * w).sum()))
        res = optimal_partition(goods, bads, tg, tb, min_rows=25, max_bins=4, ascending=True)
        assert res is not None and res[1] == pytest.approx(best)


def test_no_test_fold_value_reaches_the_binning():
    df = synthetic(2000, seed=6)
    test_rows = np.arange(len(df)) % 5 == 0
    marked = df.copy()
    marked.loc[test_rows, "debt"] = 0.123456789  # a marker only the test fold has
    marked.loc[test_rows, "region"] = "MARKER"
    marked.loc[test_rows, "bad"] = 1  # and an outcome that would pull the bins if seen
    train = marked[~test_rows]
    card = fit_scorecard(train, "bad", min_iv=0.0)
    clean = fit_scorecard(df[~test_rows], "bad", min_iv=0.0)
    for b, c in zip(card.binnings, clean.binnings, strict=True):
        assert 0.123456789 not in b.edges
        assert all("MARKER" not in cats for cats in b.categories)
        assert b == c  # the same rows give the same binning, whatever the other rows held
    # scoring the test fold does not change the fitted card
    before = card.report()["bins"].copy()
    card.score(marked[test_rows])
    pd.testing.assert_frame_equal(before, card.report()["bins"])
    # an unseen category scores as the training population's average (WOE 0)
    region = next(b for b in card.binnings if b.name == "region")
    assert region.woe(pd.Series(["MARKER"]))[0] == 0.0


def test_reasons_on_a_hand_case():
    # two features, each a clean step: every bin pure enough to be its own bin
    rows = []
    for a in ("lo", "hi"):
        for b in (0.0, 1.0):
            for r in range(100):
                bad_share = {("lo", 0.0): 0.1, ("lo", 1.0): 0.3, ("hi", 0.0): 0.4}.get((a, b), 0.7)
                rows.append({"a": a, "b": b, "bad": int(r < 100 * bad_share)})
    df = pd.DataFrame(rows)
    card = fit_scorecard(df, "bad", min_iv=0.0, min_bin_share=0.1)
    pts = {bn.name: (bn, p) for bn, p in zip(card.binnings, card.points_table(), strict=True)}
    # independent: loss = the feature's best bin points − the row's bin points
    row = pd.DataFrame({"a": ["hi"], "b": [1.0]})

    def loss(name: str) -> float:
        bn, p = pts[name]
        return float(p.max() - p[bn.bin_index(row[name])[0]])

    loss_a, loss_b = loss("a"), loss("b")
    assert loss_a > 0 and loss_b > 0
    reasons = card.reasons(row, k=2)
    expected = sorted([("a", loss_a), ("b", loss_b)], key=lambda t: -t[1])
    assert list(reasons["feature"]) == [f for f, _ in expected]
    assert np.allclose(reasons["points_lost"], [v for _, v in expected])
    # the best row loses nothing, so has no reasons
    assert card.reasons(pd.DataFrame({"a": ["lo"], "b": [0.0]}), k=3).empty
    # losses add up: score(best row) − score(row) = total points lost
    best = card.score(pd.DataFrame({"a": ["lo"], "b": [0.0]}))[0]
    assert best - card.score(row)[0] == pytest.approx(loss_a + loss_b)


def test_categorical_and_missing_values(card_and_data):
    card, df = card_and_data
    by_name = {b.name: b for b in card.binnings}
    assert by_name["region"].kind == "categorical" and by_name["years"].kind == "numeric"
    # missing values have a bin of their own, with the training rows' counts
    yrs = by_name["years"]
    assert yrs.goods[-1] + yrs.bads[-1] == int(df["years"].isna().sum())
    assert yrs.bin_index(pd.Series([np.nan]))[0] == yrs.n_bins - 1
    reg = by_name["region"]
    assert reg.goods[-1] + reg.bads[-1] == int(df["region"].isna().sum())
    assert sorted(c for cats in reg.categories for c in cats) == ["east", "north", "south", "west"]
    # the noise feature carries no information and is dropped
    assert "noise" not in by_name
    report = card.report()
    assert {"bins", "iv", "train_auc", "train_ks", "train_gini"} <= set(report)
    assert 0.5 < report["train_auc"] < 1


def test_refuses_a_bad_target():
    df = synthetic(200, seed=7)
    with pytest.raises(InputError, match="target"):
        fit_scorecard(df, "nope")
    with pytest.raises(InputError, match="bad_value"):
        fit_scorecard(df, "bad", bad_value="yes")


def test_challenger_probabilities(card_and_data):
    _, df = card_and_data
    model = fit_challenger(df, "bad", seed=0)
    p = model.predict_proba(synthetic(500, seed=8))
    assert p.shape == (500,) and np.all((p >= 0) & (p <= 1))
    # calibrated: the mean predicted bad rate is close to the realised one on new rows
    fresh = synthetic(4000, seed=9)
    assert model.predict_proba(fresh).mean() == pytest.approx(fresh["bad"].mean(), abs=0.03)


def test_psi_against_a_hand_table():
    expected = pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=float)
    actual = pd.Series([1, 1, 1, 2, 6, 7, 8, 9, 10, 10], dtype=float)
    # two bins: cut at the expected median 5.5 → expected 0.5 / 0.5, actual 0.4 / 0.6
    hand = (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.6 - 0.5) * math.log(0.6 / 0.5)
    result = psi(expected, actual, bins=2)
    assert result.value == pytest.approx(hand)
    assert result.band == "stable"
    assert list(result.table["expected_share"]) == [0.5, 0.5]
    # categorical with a missing value and a category the expected period never had
    e = pd.Series(["a"] * 6 + ["b"] * 4)
    a = pd.Series(["a"] * 3 + ["b"] * 3 + ["c"] * 2 + [None] * 2)
    eps = 1e-4
    hand = (
        (0.3 - 0.6) * math.log(0.3 / 0.6)
        + (0.3 - 0.4) * math.log(0.3 / 0.4)
        + (0.2 - eps) * math.log(0.2 / eps)
        + (0.2 - eps) * math.log(0.2 / eps)
    )
    result = psi(e, a)
    assert result.value == pytest.approx(hand)
    assert result.band == "shift"
    assert psi(expected, expected).value == pytest.approx(0.0)


def test_psi_bands_and_frames():
    assert [psi_band(v) for v in (0.0, 0.099, 0.1, 0.25, 0.2501)] == [
        "stable",
        "stable",
        "watch",
        "watch",
        "shift",
    ]
    a, b = synthetic(1000, seed=10), synthetic(1000, seed=11)
    b["debt"] = b["debt"] * 0.3
    table = psi(a, b)
    assert table.loc["debt", "band"] == "shift"
    assert table.loc["years", "band"] == "stable"
    with pytest.raises(InputError, match="bins"):
        psi(a["debt"], b["debt"], bins=1)


def test_points_add_up_and_same_seed_same_card():
    df = synthetic(1500, seed=12)
    card = fit_scorecard(df, "bad", pdo=15, base_score=60, base_odds=4.0, seed=3)
    report = card.report()
    new = synthetic(300, seed=13)
    total = np.full(len(new), report["base_points"])
    for bn, pts in zip(card.binnings, card.points_table(), strict=True):
        total += pts[bn.bin_index(new[bn.name])]
    assert np.allclose(np.clip(total, 0, 100), card.score(new))
    again = fit_scorecard(df, "bad", pdo=15, base_score=60, base_odds=4.0, seed=3)
    assert again == card or np.array_equal(again.score(new), card.score(new))
