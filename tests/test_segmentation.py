"""Customer segmentation (models.territory.segmentation) by hand: RFM, scores against cut
points, A/B/C/D by the 80/20 rule, tiers, retention and lifetime value against the sum it
closes; the national-style invariants on a small generated data set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from data.problems import InputError
from models.territory.segmentation import (
    TIERS,
    SegmentRules,
    abcd_classes,
    account_segments,
    lifetime_value,
    retention,
    rfm_scores,
    rfm_table,
    tiers,
)

AS_OF = pd.Timestamp("2026-09-30")


def test_rfm_by_hand():
    tx = pd.DataFrame({
        "key": ["a", "a", "a", "b", "c"],
        "date": pd.to_datetime(["2026-09-30", "2026-06-01", "2025-01-01", "2025-08-01",
                                "2026-10-05"]),
        "amount_cny": [100.0, 50.0, 999.0, 70.0, 5.0]})
    got = rfm_table(tx, ["a", "b", "c", "d"], AS_OF, window_days=365)
    # a: last purchase today, two in the window (2025-01-01 is older); b: outside the
    # window; c: only after as_of; d: never
    assert got.loc["a"].tolist() == [0.0, 2, 150.0]
    assert got.loc["b", "recency_days"] == (AS_OF - pd.Timestamp("2025-08-01")).days
    assert got.loc["b", "frequency"] == 0 and got.loc["b", "monetary_cny"] == 0.0
    assert np.isnan(got.loc["c", "recency_days"]) and np.isnan(got.loc["d", "recency_days"])


def test_scores_against_the_directors_cut_points():
    rfm = pd.DataFrame({"recency_days": [0.0, 10.0, 30.0, 31.0, 200.0, np.nan],
                        "frequency": [50, 12, 6, 5, 1, 0],
                        "monetary_cny": [9e6, 1e6, 2e5, 1e5, 1e3, 0.0]})
    cuts = {"r": [10, 30, 90, 180], "f": [2, 6, 12, 24], "m": [1e4, 1e5, 1e6, 5e6]}
    got = rfm_scores(rfm, cuts)
    # recency: ≤10 → 5, ≤30 → 4, ≤90 → 3, ≤180 → 2, else 1 (never bought: 1)
    assert got["r"].tolist() == [5, 5, 4, 3, 1, 1]
    # frequency and value: at or above a cut earns its score
    assert got["f"].tolist() == [5, 4, 3, 2, 1, 1]
    assert got["m"].tolist() == [5, 4, 3, 3, 1, 1]
    assert got["rfm_score"].tolist() == [15, 13, 10, 8, 3, 3]
    with pytest.raises(InputError):
        rfm_scores(rfm, {"r": [3, 2, 1, 0]})


def test_abcd_by_the_pareto_rule():
    value = pd.Series([5.0, 50.0, 0.0, 30.0, 10.0, 5.0], index=list("uvwxyz"))
    got = abcd_classes(value)
    # sorted 50, 30, 10, 5, 5: ahead of each 0%, 50%, 80%, 90%, 95% of the value
    assert got.to_dict() == {"u": "B", "v": "A", "w": "D", "x": "A", "y": "B", "z": "C"}


def test_tiers_by_hand():
    rules = SegmentRules()
    frame = pd.DataFrame([
        # rfm, abcd, clinical value, grade-2 supplier, new → tier
        (6, "A", False, False, False, "core"),      # the 80/20 rule
        (12, "B", True, False, False, "core"),      # clinical value, strong RFM
        (11, "B", True, False, False, "potential"),
        (7, "C", False, True, False, "potential"),  # grows with county hospitals
        (6, "C", True, True, False, "basic"),
        (3, "D", False, False, True, "potential"),  # won within two years
        (15, "B", False, False, False, "basic"),    # a good buyer without clinical value
    ], columns=["rfm", "abcd", "clinical", "growth", "new", "tier"])
    got = tiers(frame["rfm"], frame["abcd"], frame["clinical"], frame["growth"],
                frame["new"], rules)
    assert got.tolist() == frame["tier"].tolist()


def test_retention_and_lifetime_value_against_their_sums():
    before = pd.Series([True, True, True, False, True])
    after = pd.Series([True, False, True, True, True])
    group = pd.Series(["x", "x", "x", "x", "y"])
    assert retention(before, after, group).to_dict() == {"x": pytest.approx(2 / 3), "y": 1.0}
    m, r, i, years = np.array([1000.0, 500.0]), np.array([0.9, 1.0]), 0.08, 5
    by_sum = [sum(mm * rr**t / (1 + i) ** t for t in range(1, years + 1))
              for mm, rr in zip(m, r, strict=True)]
    assert lifetime_value(m, r, i, years) == pytest.approx(by_sum)
    assert lifetime_value(np.array([100.0]), np.array([1.0]), 0.0, 7)[0] == pytest.approx(700)


def test_account_segments_on_a_generated_data_set(small_dir: Path):
    ds = load_dataset(small_dir)
    seg = account_segments(ds)
    assert list(seg.index) == list(ds["customers"]["customer_id"])
    assert set(seg["tier"]) <= set(TIERS)
    # every A account is core, so core holds at least the first 80% of the value
    share = seg.groupby("tier")["monetary_cny"].sum() / seg["monetary_cny"].sum()
    assert share["core"] >= 0.80 - 1e-9
    assert (seg["clv_cny"] >= 0).all() and seg["retention"].between(0, 1).all()
    # an account without purchases in the year is worth nothing more
    assert (seg.loc[seg["frequency"] == 0, "clv_cny"] == 0).all()
