"""The channel reconciliation on a hand-made ledger with worked answers
(tests/channel_ledger.py), its invariants, and a property: a random clean channel has no
finding and no difference."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from data.problems import InputError
from models.channel import (
    ANOMALY_KINDS,
    channel_stock_days,
    purchases_by_month,
    pure_sales,
    reconcile,
    reconciliation_payload,
)
from tests import channel_ledger as hand

T = pd.Timestamp


@pytest.fixture(scope="module")
def recon():
    return reconcile(hand.purchases(), hand.flows(), hand.stock_reports(), **hand.THRESHOLDS)


def _row(ledger: pd.DataFrame, product: str, month: str) -> pd.Series:
    rows = ledger[(ledger["product"] == product) & (ledger["month"] == T(f"{month}-01"))]
    assert len(rows) == 1
    return rows.iloc[0]


# --------------------------------------------------------------------------- purchases
def test_purchases_are_delivered_units_by_month_of_delivery() -> None:
    got = purchases_by_month(hand.orders(), hand.order_lines())
    # O1 + O2 in Feb (23:30 on the 28th is still Feb); O3 delivered on 1 Apr; O4's two lines
    # summed; O5 not delivered; C9's order kept (the caller picks the distributors)
    expected = pd.DataFrame({
        "distributor_id": ["C9", "D1", "D1", "D1"],
        "product_id": ["P2", "P1", "P1", "P1"],
        "month": [T("2026-03-01"), T("2026-02-01"), T("2026-04-01"), T("2026-05-01")],
        "units": [7, 50, 20, 60],
    })
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["units"].dtype == np.int64


# --------------------------------------------------------------------------- the ledger
def test_ledger_matches_the_worked_example(recon) -> None:
    ledger = recon.distributors
    assert list(ledger.columns) == ["distributor", "product", "month", "opening", "purchases",
                                    "sales", "closing", "reported", "difference"]
    assert recon.opening_month == T("2026-01-01")
    assert list(recon.months) == hand.MONTHS
    assert len(ledger) == len(hand.LEDGER) == 8
    for (product, month), (opening, bought, sold, closing, reported) in hand.LEDGER.items():
        row = _row(ledger, product, month)
        assert (row["opening"], row["purchases"], row["sales"], row["closing"]) == (
            opening, bought, sold, closing), (product, month)
        if reported is None:
            assert math.isnan(row["reported"]) and math.isnan(row["difference"])
        else:
            assert row["reported"] == reported
            assert row["difference"] == reported - closing


def test_each_finding_of_the_worked_example_exactly_once(recon) -> None:
    found = recon.anomalies
    assert list(found.columns) == ["kind", "distributor", "product", "month", "figures"]
    got = [(r.kind, r.distributor, r.product, f"{r.month:%Y-%m}") for r in found.itertuples()]
    assert got == [f[:4] for f in hand.FINDINGS]
    for figures, (*_, expected) in zip(found["figures"], hand.FINDINGS, strict=True):
        assert figures == pytest.approx(expected)
    assert sorted(found["kind"]) == sorted(ANOMALY_KINDS)


def test_every_row_keeps_the_closing_identity_and_opens_from_the_last_report(recon) -> None:
    ledger = recon.distributors
    assert (ledger["closing"] == ledger["opening"] + ledger["purchases"]
            - ledger["sales"]).all()
    reported = ledger["reported"].notna()
    assert np.allclose(ledger.loc[reported, "difference"],
                       ledger.loc[reported, "reported"] - ledger.loc[reported, "closing"])
    for _, pair in ledger.groupby(["distributor", "product"]):
        before = pair["reported"].shift()
        known = before.notna()
        assert (pair.loc[known, "opening"] == before[known]).all()
        unknown = ~known.to_numpy()
        unknown[0] = False  # the first month opens from the opening report
        assert (pair["opening"].to_numpy()[unknown]
                == pair["closing"].shift().to_numpy()[unknown]).all()


def test_thresholds_decide_what_is_a_finding() -> None:
    # numpy numbers are numbers too (a caller's settings often come from arrays)
    loose = reconcile(hand.purchases(), hand.flows(), hand.stock_reports(),
                      stale_months=np.int64(4), tolerance_units=np.int64(12),
                      tolerance_share=np.float64(0.0))
    # |difference| 12 and excess 12 are not above 12 units; the P2 run is 3 months < 4
    assert sorted(loose.anomalies["kind"]) == ["missing_flows", "missing_report"]


def test_a_pair_without_an_opening_report_opens_at_zero_and_earlier_data_is_ignored() -> None:
    bought = pd.DataFrame({"distributor_id": ["D2", "D2"], "product_id": ["P1", "P1"],
                           "month": [T("2026-01-01"), T("2026-02-01")], "units": [99, 10]})
    sold = pd.DataFrame({"distributor_id": ["D2"], "terminal_id": ["T1"],
                         "product_id": ["P1"], "month": [T("2026-02-01")], "quantity": [4],
                         "amount_cny": [40.0]})
    reports = pd.DataFrame({"distributor_id": ["D1", "D2"], "product_id": ["P1", "P1"],
                            "month": [T("2026-01-01"), T("2026-02-01")], "units": [0, 6]})
    r = reconcile(bought, sold, reports)
    row = _row(r.distributors[r.distributors["distributor"] == "D2"], "P1", "2026-02")
    # January (the opening month) is in the opening stock; D2 has no opening report: 0 + 10 − 4
    assert (row["opening"], row["purchases"], row["closing"], row["difference"]) == (0, 10, 6, 0)
    assert r.anomalies.empty


def test_an_empty_channel_reconciles_to_nothing() -> None:
    empty = reconcile(hand.purchases().iloc[:0], hand.flows().iloc[:0],
                      hand.stock_reports().iloc[:0])
    assert empty.distributors.empty and empty.anomalies.empty and empty.months == ()
    doc = reconciliation_payload(empty)
    assert doc["summary"]["channel_stock"]["stock_days"] is None
    json.dumps(doc, allow_nan=False)


# --------------------------------------------------------------------------- bad input
def test_bad_input_is_refused_naming_each_problem() -> None:
    reports = hand.stock_reports()
    reports.loc[2, "units"] = -4
    reports = pd.concat([reports, reports.iloc[[0]]], ignore_index=True)
    reports.loc[3, "month"] = T("2026-03-15")
    flows = hand.flows().drop(columns="quantity")
    with pytest.raises(InputError) as caught:
        reconcile(hand.purchases(), flows, reports, stale_months=0, tolerance_share=1.5)
    text = [str(p) for p in caught.value.problems]
    assert any("flows: columns" in t and "no column quantity" in t for t in text)
    assert any("stock_reports: column units: row 2" in t and "found -4" in t for t in text)
    assert any("row 3" in t and "first day of a month" in t and "2026-03-15" in t for t in text)
    assert any("one row per distributor_id, product_id, month" in t for t in text)
    assert any("reconcile: stale_months" in t for t in text)
    assert any("reconcile: tolerance_share" in t for t in text)
    with pytest.raises(InputError, match="by: expected one of terminal, rep, region"):
        pure_sales(hand.flows(), hand.terminals(), by="province")
    with pytest.raises(InputError, match="window_months"):
        channel_stock_days(reconcile(hand.purchases(), hand.flows(), hand.stock_reports()), 0)


# --------------------------------------------------------------------------- clean ledgers
def test_a_clean_ledger_has_no_finding() -> None:
    # opening 10; Feb +5 −8 = 7; Mar +0 −7 = 0; Apr +0 −0 = 0 (nothing held: no report due)
    purchases = pd.DataFrame({"distributor_id": ["D1"], "product_id": ["P1"],
                              "month": [T("2026-02-01")], "units": [5]})
    flows = pd.DataFrame({"distributor_id": ["D1", "D1"], "terminal_id": ["T1", "T1"],
                          "product_id": ["P1", "P1"],
                          "month": [T("2026-02-01"), T("2026-03-01")], "quantity": [8, 7],
                          "amount_cny": [80.0, 70.0]})
    reports = pd.DataFrame({"distributor_id": "D1", "product_id": "P1",
                            "month": [T("2026-01-01"), T("2026-02-01"), T("2026-03-01"),
                                      T("2026-04-01")], "units": [10, 7, 0, 0]})
    r = reconcile(purchases, flows, reports)
    assert r.anomalies.empty
    assert list(r.distributors["closing"]) == [7, 0, 0]
    assert (r.distributors["difference"] == 0).all()


def random_clean_channel(rng: np.random.Generator):
    """Purchases, flows and every month's report of a channel that is right by construction:
    a distributor sells at least one unit whenever it holds any (so no stale stock, and
    flow rows in every month it buys), never more than it holds, and reports the truth."""
    n_dist, n_prod, n_months = rng.integers(1, 5), rng.integers(1, 4), rng.integers(2, 13)
    months = pd.date_range("2025-01-01", periods=n_months + 1, freq="MS")
    bought, sold, reports = [], [], []
    for d in range(n_dist):
        for p in range(n_prod):
            dist, prod = f"D{d}", f"P{p}"
            stock = int(rng.integers(0, 60))
            reports.append((dist, prod, months[0], stock))
            for month in months[1:]:
                units = int(rng.integers(0, 40)) * int(rng.random() < 0.7)
                if units:
                    bought.append((dist, prod, month, units))
                available = stock + units
                sales = int(rng.integers(1, available + 1)) if available else 0
                if sales:  # split over 1-3 terminals, each buying at least one unit
                    terminals = rng.choice(6, size=min(sales, int(rng.integers(1, 4))),
                                           replace=False)
                    cuts = np.sort(rng.choice(np.arange(1, sales), size=len(terminals) - 1,
                                              replace=False))
                    for t, q in zip(terminals, np.diff(np.r_[0, cuts, sales]), strict=True):
                        sold.append((dist, f"T{t}", prod, month, int(q), float(q) * 12.5))
                stock = available - sales
                reports.append((dist, prod, month, stock))
    return (pd.DataFrame(bought, columns=["distributor_id", "product_id", "month", "units"]),
            pd.DataFrame(sold, columns=["distributor_id", "terminal_id", "product_id",
                                        "month", "quantity", "amount_cny"]),
            pd.DataFrame(reports, columns=["distributor_id", "product_id", "month", "units"]))


@pytest.mark.parametrize("seed", range(25))
def test_a_random_clean_channel_has_no_finding_and_no_difference(seed: int) -> None:
    bought, sold, reports = random_clean_channel(np.random.default_rng(seed))
    r = reconcile(bought, sold, reports, tolerance_units=0, tolerance_share=0.0)
    ledger = r.distributors
    assert r.anomalies.empty, r.anomalies.head()
    assert (ledger["difference"] == 0).all()
    assert (ledger["closing"] == ledger["opening"] + ledger["purchases"]
            - ledger["sales"]).all()
    assert ledger["sales"].sum() == sold["quantity"].sum()
    assert ledger["purchases"].sum() == bought["units"].sum()


@pytest.mark.parametrize("seed", range(10))
def test_a_miscounted_report_is_a_mismatch_that_month_and_the_opposite_the_next(
        seed: int) -> None:
    rng = np.random.default_rng(seed)
    bought, sold, reports = random_clean_channel(rng)
    later = reports.index[reports["month"] > reports["month"].min()]
    wrong = int(rng.choice(later))
    k = int(rng.integers(1, 20))
    reports.loc[wrong, "units"] += k
    r = reconcile(bought, sold, reports, tolerance_units=0, tolerance_share=0.0)
    dist, prod, month = reports.loc[wrong, ["distributor_id", "product_id", "month"]]
    expected = [(month, k)]
    if month < reports["month"].max():  # the next month opens from the wrong report
        expected.append((month + pd.offsets.MonthBegin(1), -k))
    found = r.anomalies
    assert list(found["kind"]) == ["stock_mismatch"] * len(expected)
    assert set(found["distributor"]) == {dist} and set(found["product"]) == {prod}
    assert [(m, f["difference"]) for m, f in zip(found["month"], found["figures"],
                                                 strict=True)] == expected


# --------------------------------------------------------------------------- pure sales
def test_pure_sales_by_terminal_rep_and_region() -> None:
    by_terminal = pure_sales(hand.flows(), hand.terminals(), by="terminal")
    assert list(by_terminal[["terminal", "units", "amount_cny"]].itertuples(
        index=False, name=None)) == [("T1", 130, 1300.0), ("T2", 45, 650.0), ("T3", 30, 300.0)]
    assert list(by_terminal["rep"]) == ["R1", "R2", "R2"]
    by_rep = pure_sales(hand.flows(), hand.terminals(), by="rep")
    assert list(by_rep.itertuples(index=False, name=None)) == [
        ("R1", 1, 130, 1300.0), ("R2", 2, 75, 950.0)]
    by_region = pure_sales(hand.flows(), hand.terminals(), by="region")
    assert list(by_region.itertuples(index=False, name=None)) == [
        ("East", 2, 175, 1950.0), ("South", 1, 30, 300.0)]


def test_flows_to_unknown_terminals_are_not_pure_sales() -> None:
    flows = pd.concat([hand.flows(), hand.flows().iloc[[0]].assign(terminal_id="D7")])
    assert pure_sales(flows, hand.terminals(), by="region")["units"].sum() == 205


# --------------------------------------------------------------------------- stock days
def test_channel_stock_days_of_the_worked_example(recon) -> None:
    stock = channel_stock_days(recon, window_months=3)
    assert (stock.month, stock.window_months, stock.window_days) == (T("2026-05-01"), 3, 92)
    pairs = stock.pairs.set_index("product")
    assert pairs.loc["P1", "stock_units"] == 18 and pairs.loc["P2", "stock_units"] == 25
    assert pairs.loc["P1", "stock_days"] == pytest.approx(18 * 92 / 200)  # 8.28
    assert pairs.loc["P2", "stock_days"] == pytest.approx(25 * 92 / 5)  # 460
    assert stock.total["stock_days"] == pytest.approx(43 * 92 / 205)  # 19.2976
    assert list(pairs["note"]) == ["", ""]
    # the whole ledger (4 months, 120 days): P2 sold 5 in 120 days
    whole = channel_stock_days(recon, window_months=12)
    assert (whole.window_months, whole.window_days) == (4, 120)
    assert whole.pairs.set_index("product").loc["P2", "stock_days"] == pytest.approx(600)


def test_stock_days_without_sales_are_infinite_or_undefined_and_say_why() -> None:
    # the example up to April: P1 closes at −12 unreported (counted as 0) after selling 70;
    # P2 holds 30 and sold nothing in April
    def until_april(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["month"] <= T("2026-04-01")]

    r = reconcile(until_april(hand.purchases()), until_april(hand.flows()),
                  until_april(hand.stock_reports()), **hand.THRESHOLDS)
    stock = channel_stock_days(r, window_months=1).pairs.set_index("product")
    assert stock.loc["P1", "stock_units"] == 0 and stock.loc["P1", "stock_days"] == 0
    assert stock.loc["P1", "note"] == "negative_stock"
    assert math.isinf(stock.loc["P2", "stock_days"]) and stock.loc["P2", "note"] == "no_sales"
    nothing = reconcile(hand.purchases().iloc[:0], hand.flows().iloc[:0], pd.DataFrame({
        "distributor_id": ["D1", "D1"], "product_id": ["P1", "P1"],
        "month": [T("2026-01-01"), T("2026-02-01")], "units": [0, 0]}))
    empty = channel_stock_days(nothing).pairs.iloc[0]
    assert math.isnan(empty["stock_days"]) and empty["note"] == "no_stock_no_sales"


# --------------------------------------------------------------------------- JSON
def test_payload_is_plain_json_with_months_as_text(recon) -> None:
    sales = {"by_region": pure_sales(hand.flows(), hand.terminals(), by="region")}
    doc = reconciliation_payload(recon, pure_sales=sales)
    json.dumps(doc, allow_nan=False)
    assert doc["opening_month"] == "2026-01"
    assert doc["months"] == {"first": "2026-02", "last": "2026-05", "count": 4}
    assert doc["thresholds"] == {"stale_months": 3, "tolerance_units": 2, "tolerance_share": 0.05}
    assert doc["summary"]["anomalies"] == {k: 1 for k in ANOMALY_KINDS}
    assert doc["summary"]["channel_stock"]["stock_days"] == pytest.approx(43 * 92 / 205)
    assert doc["distributors"][2] == {
        "distributor": "D1", "product": "P1", "month": "2026-04", "opening": 38,
        "purchases": 20, "sales": 70, "closing": -12, "reported": None, "difference": None}
    assert doc["anomalies"][0] == {"kind": "missing_flows", "distributor": "D1",
                                   "product": None, "month": "2026-02",
                                   "figures": {"purchases": 50, "products": 1}}
    assert doc["pure_sales"]["by_region"][0] == {"region": "East", "terminals": 2,
                                                 "units": 175, "amount_cny": 1950}
