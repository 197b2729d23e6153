"""Credit scoring against a hand-computed ledger, out-of-time validation and invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from data.dataset import Dataset
from data.generate import Profile, generate_dataset
from data.problems import InputError
from models.credit import (
    CreditScorer,
    credit_tiers,
    customer_features,
    evaluate_holdout,
    fit_credit_scorer,
    label_bad,
    score_customers,
    training_data,
)

T = pd.Timestamp
NaT = pd.NaT
#: about 1,500 accounts: enough bad customers per tier for a stable holdout
CREDIT = Profile("credit", customers=1500, reps=20, products=12)
SEED = 5


def _dataset(profile: str | Profile, seed: int) -> Dataset:
    tables, meta = generate_dataset(profile, seed)
    return Dataset(tables, pd.Timestamp(meta["as_of"]), "x", None, meta)


@pytest.fixture(scope="module")
def credit_ds() -> Dataset:
    return _dataset(CREDIT, SEED)


@pytest.fixture(scope="module")
def small_ds() -> Dataset:
    return _dataset("small", SEED)


@pytest.fixture(scope="module")
def credit_scorer(credit_ds: Dataset) -> CreditScorer:
    return fit_credit_scorer(credit_ds, seed=SEED)


@pytest.fixture(scope="module")
def half_split(credit_ds: Dataset) -> tuple[CreditScorer, pd.DataFrame, pd.Series]:
    """Fit on half the customers (seeded permutation); the other half's features at the
    feature date and realised outcomes over the following year."""
    ids = np.sort(credit_ds["customers"]["customer_id"].to_numpy(dtype=object))
    perm = np.random.default_rng(SEED).permutation(len(ids))
    train, hold = ids[perm[: len(ids) // 2]], ids[perm[len(ids) // 2:]]
    scorer = fit_credit_scorer(credit_ds, seed=SEED, customers=list(train))
    x = customer_features(credit_ds, scorer.feature_as_of).loc[hold]
    y = label_bad(credit_ds, scorer.feature_as_of + pd.Timedelta(days=1), credit_ds.as_of)
    return scorer, x, y.loc[hold]


# --------------------------------------------------------------------------- hand ledger
def _hand_dataset() -> Dataset:
    """Fourteen accounts whose features and labels are worked out by hand below."""
    ids = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "N", "L", "M", "P"]
    customers = pd.DataFrame({
        "customer_id": ids,
        "customer_type": ["chain_pharmacy"] * 10 + ["private_hospital"] + ["distributor_l1"] * 3,
        "operating_years": 10.0, "revenue_growth_pct": 5.0, "debt_ratio": 0.4,
        "reputation_score": 70.0,
        "relationship_start": [T("2024-06-30")] * 9 + [T("2026-08-01")] + [T("2024-06-30")] * 4,
    })
    rows = [  # invoice, customer, amount, invoice date, due date, write-off date, write-off
        ("I1", "A", 1000.0, "2026-01-05", "2026-02-28", None, 0.0),
        ("I2", "B", 1000.0, "2026-01-05", "2026-02-28", None, 0.0),
        ("I3", "C", 1000.0, "2025-08-01", "2025-09-30", "2026-03-29", 1000.0),
        ("I13", "C", 3000.0, "2026-02-01", "2026-03-31", None, 0.0),
        ("I4", "D", 1000.0, "2025-05-01", "2025-06-30", "2025-12-27", 1000.0),
        ("I5", "E", 1000.0, "2025-09-01", "2025-10-16", None, 0.0),
        ("I6", "E", 1000.0, "2026-01-10", "2026-02-28", None, 0.0),
        ("I7", "F", 1000.0, "2025-12-10", "2026-01-31", None, 0.0),
        ("I8", "F", 3000.0, "2025-12-10", "2026-01-31", None, 0.0),
        ("I9", "G", 1000.0, "2026-02-10", "2026-03-31", None, 0.0),
        ("I10", "H", 1000.0, "2026-04-10", "2026-05-31", None, 0.0),
        ("I11", "H", 3000.0, "2026-06-10", "2026-07-31", None, 0.0),
        ("I12", "H", 5000.0, "2026-07-05", "2026-08-31", None, 0.0),
        ("I14", "J", 1000.0, "2026-01-05", "2026-02-28", None, 0.0),
        # high-volume accounts: a write-off just under / exactly at 1% of the year's invoicing
        ("I15", "L", 100000.0, "2026-02-01", "2026-03-31", None, 0.0),
        ("I16", "L", 999.0, "2025-06-01", "2025-07-31", "2026-01-27", 999.0),
        ("I17", "M", 100000.0, "2026-02-01", "2026-03-31", None, 0.0),
        ("I18", "M", 1000.0, "2025-06-01", "2025-07-31", "2026-01-27", 1000.0),
        # a write-off in the window and nothing invoiced in it
        ("I19", "P", 500.0, "2025-06-01", "2025-07-31", "2026-01-27", 500.0),
    ]
    invoices = pd.DataFrame(rows, columns=["invoice_id", "customer_id", "amount_cny",
                                           "invoice_date", "due_date", "write_off_date",
                                           "write_off_cny"])
    for col in ("invoice_date", "due_date", "write_off_date"):
        invoices[col] = pd.to_datetime(invoices[col])
    payments = pd.DataFrame([
        ("I1", "2026-04-09", 1000.0),   # 40 days late
        ("I2", "2026-03-10", 1000.0),   # 10 days late
        ("I13", "2026-03-31", 3000.0),  # on the due date
        ("I5", "2025-12-15", 1000.0),   # 60 days late, before the label window
        ("I6", "2026-02-20", 1000.0),   # early
        ("I7", "2026-04-11", 1000.0),   # 70 days late
        ("I8", "2026-02-10", 3000.0),   # 10 days late
        ("I9", "2026-03-15", 500.0),    # half early ...
        ("I9", "2026-05-10", 500.0),    # ... half 40 days late
        ("I10", "2026-07-20", 1000.0),  # after the feature date and the label window
        ("I14", "2026-03-30", 1000.0),  # exactly 30 days late
        ("I15", "2026-03-31", 100000.0),  # on the due date
        ("I17", "2026-03-31", 100000.0),  # on the due date
    ], columns=["invoice_id", "paid_date", "amount_cny"])
    payments["paid_date"] = pd.to_datetime(payments["paid_date"])
    tables = {"customers": customers, "invoices": invoices, "payments": payments}
    return Dataset(tables, T("2026-09-30"), "hand", None, {})


def test_label_bad_on_a_hand_ledger() -> None:
    bad = label_bad(_hand_dataset(), "2026-01-01", "2026-06-30")
    expected = {
        "A": 1,  # paid 40 days late
        "B": 0,  # 10 days late
        "C": 1,  # 1,000 written off in the window / 3,000 invoiced in it: 33% >= 1%
        "D": 0,  # written off before the window, nothing else
        "E": 0,  # late before the window, early inside it
        "F": 0,  # 70 d on 1,000 and 10 d on 3,000: amount-weighted 25 d (unweighted 40)
        "G": 1,  # last instalment 40 days after due
        "H": 0,  # paid after the window: not judged
        "J": 0,  # exactly 30 days late is not "more than 30"
        "K": 0, "N": 0,  # no invoices
        "L": 0,  # 999 written off / 100,000 invoiced in the window: 0.999% < 1%
        "M": 1,  # 1,000 / 100,000: exactly 1% is bad
        "P": 1,  # written off in the window with nothing invoiced in it
    }
    assert bad.to_dict() == expected


def test_features_on_a_hand_ledger_use_only_events_up_to_as_of() -> None:
    x = customer_features(_hand_dataset(), "2026-06-30")
    assert list(x.index) == ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "N", "L", "M",
                             "P"]
    # H: I10 due 05-31 unpaid at 06-30 (its payment comes later), I11 not due, I12 not issued
    assert x.loc["H", "invoice_count"] == 2
    assert x.loc["H", "late_15d_share"] == 1.0
    assert x.loc["H", "mean_days_late"] == 0.0  # nothing fully paid yet: neutral
    assert x.loc["H", "overdue_share"] == pytest.approx(1000 / 4000)
    # F: one of two judged invoices late by > 15 days; amount-weighted mean days late 25
    assert x.loc["F", "late_15d_share"] == 0.5
    assert x.loc["F", "mean_days_late"] == pytest.approx((70 * 1000 + 10 * 3000) / 4000)
    # G: settled by the last instalment, 40 days late; half unpaid 15 days after due
    assert (x.loc["G", "late_15d_share"], x.loc["G", "mean_days_late"]) == (1.0, 40.0)
    # C: 1,000 written off in the year / 4,000 invoiced in the year; the write-off is not
    # also counted as late, and a written-off invoice is not open
    assert x.loc["C", "written_off_share"] == pytest.approx(0.25)
    assert (x.loc["C", "late_15d_share"], x.loc["C", "overdue_share"]) == (0.0, 0.0)
    # D: written off in the year with no sales in the year
    assert (x.loc["D", "written_off_share"], x.loc["D", "invoice_count"]) == (1.0, 0)
    assert x.loc["D", "has_history"] == 1.0
    # N: no invoices at all: neutral values and the flag
    history = ["invoice_count", "late_15d_share", "mean_days_late", "written_off_share",
               "overdue_share", "has_history"]
    assert (x.loc["N", history] == 0.0).all()
    assert x.loc["A", "relationship_years"] == pytest.approx(730 / 365.25)
    assert x.loc["K", "relationship_years"] == 0.0  # relationship starts after as_of
    assert x.loc["N", "type_private_hospital"] == 1.0 and x.loc["N", "type_chain_pharmacy"] == 0.0
    assert (x.filter(like="type_").sum(axis=1) == 1.0).all()


def test_label_judges_lateness_against_the_norm_of_the_customers_kind() -> None:
    """Twenty-five level-2 distributors pay 20 days late (their hospitals' delay passed on):
    the kind's norm is 20 days, so 45 days late is not bad and 55 is (> 20 + 30); three
    private clinics are too few peers for a norm, so for them more than 30 days is bad."""
    kinds = ["distributor_l2"] * 27 + ["private_clinic"] * 3
    late = [20] * 25 + [45, 55] + [10, 31, 35]
    ids = [f"C{i:02d}" for i in range(len(kinds))]
    customers = pd.DataFrame({"customer_id": ids, "customer_type": kinds})
    due = T("2026-03-31")
    invoices = pd.DataFrame({
        "invoice_id": [f"I{i:02d}" for i in range(len(ids))], "customer_id": ids,
        "amount_cny": 1000.0, "invoice_date": T("2026-02-01"), "due_date": due,
        "write_off_date": NaT, "write_off_cny": 0.0})
    payments = pd.DataFrame({"invoice_id": invoices["invoice_id"], "amount_cny": 1000.0,
                             "paid_date": [due + pd.Timedelta(days=d) for d in late]})
    ds = Dataset({"customers": customers, "invoices": invoices, "payments": payments},
                 T("2026-09-30"), "hand", None, {})
    bad = label_bad(ds, "2026-01-01", "2026-09-30")
    assert bad[ids[:25]].eq(0).all()
    assert (bad[ids[25]], bad[ids[26]]) == (0, 1)
    assert bad[ids[27:]].tolist() == [0, 1, 1]


def test_features_ignore_everything_after_as_of(credit_ds: Dataset) -> None:
    """Deleting every later event leaves the features at ``as_of`` unchanged (no leakage)."""
    cut = credit_ds.as_of - pd.Timedelta(days=365)
    inv = credit_ds["invoices"]
    inv = inv[inv["invoice_date"] <= cut].copy()
    later = inv["write_off_date"] > cut
    inv.loc[later, "write_off_date"] = NaT
    inv.loc[later, "write_off_cny"] = 0.0
    pay = credit_ds["payments"]
    tables = {**credit_ds.tables, "invoices": inv, "payments": pay[pay["paid_date"] <= cut]}
    truncated = Dataset(tables, cut, "cut", None, {})
    pd.testing.assert_frame_equal(customer_features(credit_ds, cut),
                                  customer_features(truncated, cut))


# --------------------------------------------------------------------------- validation
def test_out_of_time_auc_on_held_out_half(half_split: tuple) -> None:
    scorer, x, y = half_split
    assert scorer.outcome_end - scorer.feature_as_of == pd.Timedelta(days=365)
    auc = roc_auc_score(y, scorer.probability_bad(x))
    print(f"out-of-time holdout AUC {auc:.3f} on {len(y)} customers, bad rate {y.mean():.3f}")
    assert auc > 0.65


def test_realised_bad_rate_falls_from_risk_to_premium(half_split: tuple) -> None:
    scorer, x, y = half_split
    tier = scorer.tiers(scorer.score(x))
    rate = y.groupby(tier.to_numpy()).mean()
    print("holdout bad rate by tier:", rate.round(3).to_dict())
    assert rate["risk"] > rate["ordinary"] > rate["premium"]


def test_holdout_is_calibrated_per_tier_and_decile(credit_ds: Dataset,
                                                   half_split: tuple) -> None:
    """The score is a probability, so on the held-out half the mean predicted P(bad) must match
    the realised bad rate: overall, per tier and per decile of predicted P(bad), each within
    three binomial standard errors (customers with an observed outcome only)."""
    scorer, x_all, _ = half_split
    x, y = training_data(credit_ds, as_of=scorer.outcome_end, customers=list(x_all.index))
    p = scorer.probability_bad(x)
    tier = scorer.tiers(scorer.score(x)).to_numpy()
    decile = pd.qcut(p.rank(method="first"), 10, labels=False).to_numpy()
    for name, groups in (("tier", tier), ("decile", decile)):
        table = pd.DataFrame({"predicted": p.groupby(groups).mean(),
                              "realised": y.groupby(groups).mean(),
                              "customers": y.groupby(groups).size()})
        print(f"holdout reliability by {name}:\n{table.round(3)}")
        se = np.sqrt(table["predicted"] * (1 - table["predicted"]) / table["customers"])
        assert ((table["realised"] - table["predicted"]).abs() <= 3 * se).all(), name
    assert abs(p.mean() - y.mean()) <= 3 * math.sqrt(y.mean() * (1 - y.mean()) / len(y))
    # evaluate_holdout reports the same check
    tiers = evaluate_holdout(scorer, credit_ds, list(x_all.index))["tiers"]
    assert tiers.loc["risk", "predicted_bad_rate"] == pytest.approx(p[tier == "risk"].mean())
    assert tiers.loc["premium", "bad_rate"] == pytest.approx(y[tier == "premium"].mean())


def test_score_is_100_times_the_probability_of_staying_good(
        credit_ds: Dataset, credit_scorer: CreditScorer) -> None:
    """Absolute scale: score = 100 × (1 − P(bad)), recomputed here from the fitted pipeline's
    ``predict_proba`` and, for a few customers, by hand from its coefficients."""
    scorer = credit_scorer
    x = customer_features(credit_ds)
    columns = list(scorer.feature_names)
    assert list(scorer.pipeline.classes_) == [0, 1]  # column 1 of predict_proba is "bad"
    p_bad = scorer.pipeline.predict_proba(x[columns])[:, 1]
    np.testing.assert_allclose(scorer.score(x).to_numpy(), 100.0 * (1.0 - p_bad), atol=1e-9)
    np.testing.assert_allclose(scorer.probability_bad(x).to_numpy(), p_bad, atol=1e-12)
    prep, logit = scorer.pipeline.named_steps["prep"], scorer.pipeline.named_steps["logit"]
    few = x.iloc[[0, 7, 123, 456, 1499]]
    z = prep.transform(few[columns]) @ logit.coef_[0] + logit.intercept_[0]
    expected = 100.0 * (1.0 - 1.0 / (1.0 + np.exp(-z)))
    np.testing.assert_allclose(scorer.score(few).to_numpy(), expected, rtol=1e-12)
    # a score is an absolute probability: 80 points is P(bad) = 20%, 60 points 40%
    tier = scorer.tiers(scorer.score(x))
    assert (p_bad[(tier == "premium").to_numpy()] <= 0.20 + 1e-12).all()
    assert (p_bad[(tier == "risk").to_numpy()] > 0.40).all()
    ordinary = p_bad[(tier == "ordinary").to_numpy()]
    assert ((ordinary > 0.20) & (ordinary <= 0.40 + 1e-12)).all()


def test_training_mean_probability_equals_the_base_rate(
        credit_ds: Dataset, credit_scorer: CreditScorer) -> None:
    """Plain (unweighted) logistic regression with a free intercept: the mean predicted P(bad)
    over the training customers is their bad rate, i.e. no reweighting shifted the scale."""
    scorer = credit_scorer
    x, y = training_data(credit_ds)
    assert len(y) == scorer.train_customers
    assert scorer.train_bad_rate == pytest.approx(y.mean())
    assert scorer.probability_bad(x).mean() == pytest.approx(y.mean(), abs=1e-3)
    assert scorer.score(x).mean() == pytest.approx(100.0 * (1.0 - y.mean()), abs=0.1)


# --------------------------------------------------------------------------- invariants
def _assert_never_rises(scorer: CreditScorer, x: pd.DataFrame) -> None:
    base = scorer.score(x)
    for column, steps in (("debt_ratio", (0.05, 0.3, 2.0)),
                          ("written_off_share", (0.01, 0.2, 1.0)),
                          ("overdue_share", (0.1, 0.5)),
                          ("reputation_score", (-5.0, -20.0))):
        previous = base
        for step in steps:
            bumped = x.assign(**{column: x[column] + step})
            score = scorer.score(bumped)
            assert (score <= previous + 1e-9).all(), (column, step)
            previous = score


@pytest.mark.parametrize("name", ["credit", "small"])
def test_score_never_rises_with_debt_or_write_offs(name: str, credit_ds: Dataset,
                                                   small_ds: Dataset,
                                                   credit_scorer: CreditScorer) -> None:
    ds = credit_ds if name == "credit" else small_ds
    scorer = credit_scorer if name == "credit" else fit_credit_scorer(ds, seed=SEED)
    _assert_never_rises(scorer, customer_features(ds))


def test_a_wrong_signed_effect_is_dropped_not_learned(small_ds: Dataset) -> None:
    """Data in which high debt marks the *good* customers: the fit must not reward debt."""
    feature_day = small_ds.as_of - pd.Timedelta(days=365)
    bad = label_bad(small_ds, feature_day + pd.Timedelta(days=1), small_ds.as_of)
    customers = small_ds["customers"].copy()
    customers["debt_ratio"] = np.where(customers["customer_id"].map(bad) == 1, 0.1, 0.9)
    rigged = Dataset({**small_ds.tables, "customers": customers}, small_ds.as_of, "rigged")
    scorer = fit_credit_scorer(rigged, seed=SEED)
    assert "debt_ratio" in scorer.dropped_features
    _assert_never_rises(scorer, customer_features(rigged))


def test_scores_stay_within_0_and_100(credit_ds: Dataset, credit_scorer: CreditScorer) -> None:
    scorer = credit_scorer
    x = customer_features(credit_ds)
    extreme = pd.concat([x, x.assign(debt_ratio=5.0, written_off_share=1.0, overdue_share=1.0,
                                     late_15d_share=1.0, reputation_score=0.0),
                         x.assign(debt_ratio=0.0, reputation_score=100.0, operating_years=200.0,
                                  revenue_growth_pct=500.0, written_off_share=0.0,
                                  overdue_share=0.0, late_15d_share=0.0)])
    scores = scorer.score(extreme)
    assert scores.notna().all() and scores.between(0.0, 100.0).all()
    n = len(x)
    worst, normal, best = scores.iloc[n:2 * n], scores.iloc[:n], scores.iloc[2 * n:]
    # a probability scale saturates instead of clipping: near 0 and near 100 at the extremes
    assert worst.max() < 5.0 and best.min() > 95.0
    assert (worst.to_numpy() <= normal.to_numpy()).all()
    assert (normal.to_numpy() <= best.to_numpy()).all()


def test_tiers_at_the_boundaries() -> None:
    scores = pd.Series([100.0, 80.0, 79.99, 60.0, 59.99, 59.5, 59.0, 0.0])
    assert list(credit_tiers(scores)) == ["premium", "premium", "ordinary", "ordinary", "risk",
                                          "risk", "risk", "risk"]
    custom = credit_tiers(pd.Series([85.0, 84.9, 50.9, 51.0]), premium_min=85, risk_max=50)
    assert list(custom) == ["premium", "ordinary", "risk", "ordinary"]
    with pytest.raises(InputError, match="risk_max < premium_min"):
        credit_tiers(scores, premium_min=60, risk_max=60)


def test_same_seed_gives_identical_scores(small_ds: Dataset) -> None:
    first = score_customers(small_ds, seed=11)
    second = score_customers(small_ds, seed=11)
    pd.testing.assert_frame_equal(first.scores, second.scores)
    pd.testing.assert_frame_equal(first.holdout_tiers, second.holdout_tiers)
    pd.testing.assert_frame_equal(first.holdout_reliability, second.holdout_reliability)
    assert (first.holdout_auc, first.holdout_brier) == (second.holdout_auc, second.holdout_brier)
    assert first.scores["score"].between(0, 100).all()
    assert set(first.scores["tier"]) <= {"premium", "ordinary", "risk"}
    assert first.holdout_tiers["share"].sum() == pytest.approx(1.0)
    assert first.holdout_tiers["customers"].sum() == first.holdout_customers
    assert first.holdout_reliability["customers"].sum() == first.holdout_customers
    np.testing.assert_allclose(first.scores["score"],
                               100.0 * (1.0 - first.scores["probability_bad"]), atol=1e-9)


def test_dates_outside_the_history_are_refused(small_ds: Dataset) -> None:
    with pytest.raises(InputError, match="on or before the data set's as_of"):
        customer_features(small_ds, small_ds.as_of + pd.Timedelta(days=1))
    with pytest.raises(InputError, match="after the first invoice"):
        fit_credit_scorer(small_ds, as_of=small_ds.as_of - pd.Timedelta(days=400), seed=1)
