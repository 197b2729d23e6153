"""The two-invoice channel in generated data: who is invoiced, who uses the drugs, flow data
and stock reports that reconcile with our shipments, and distributors' payment as a
stated function of their hospitals' payment days."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from data.dataset import Dataset, load_dataset
from data.generate import ProcessTruth, Profile, generate_dataset
from data.generate.ledger import invoices_and_payments, term_days
from data.tables import DISTRIBUTOR_TYPES, PUBLIC_TERMINAL_TYPES

#: reporting faults switched off: what distributors report is the truth
HONEST = dataclasses.replace(ProcessTruth(), missing_report_probability=0.0,
                             inflated_flow_probability=0.0,
                             stock_count_error_probability=0.0)
PROFILE = Profile("channel", customers=80, reps=7, products=8, terminals=300,
                  history_days=365)


@pytest.fixture(scope="module")
def small(small_dir) -> Dataset:
    return load_dataset(small_dir)


def test_public_hospitals_are_reached_through_two_invoices(small: Dataset) -> None:
    """Invoice 1: the company to a delivering distributor that bought the product; invoice
    2: that distributor to the hospital. No terminal is invoiced by the company."""
    cust = small["customers"].set_index("customer_id")
    terms = small["terminals"].set_index("terminal_id")
    flows = small["flows"]
    public = flows[flows["terminal_id"].map(terms["public"])]
    assert len(public) > 0.5 * len(flows)
    assert public["terminal_id"].map(terms["terminal_type"]).isin(PUBLIC_TERMINAL_TYPES).all()
    # the seller is a distributor the company invoices, and the hospital's own supplier
    assert public["distributor_id"].map(cust["customer_type"]).isin(DISTRIBUTOR_TYPES).all()
    assert (public["distributor_id"] == public["terminal_id"].map(terms["distributor_id"])).all()
    # ... which bought that product from the company (the first invoice exists)
    lines = small["order_lines"].merge(small["orders"][["order_id", "customer_id"]])
    bought = set(zip(lines["customer_id"], lines["product_id"], strict=True))
    sold = set(zip(public["distributor_id"], public["product_id"], strict=True))
    assert sold <= bought
    # the company's invoices go to its customers only: never to a terminal
    billed = small["invoices"]["customer_id"]
    assert billed.isin(cust.index).all() and not billed.isin(terms.index).any()
    assert set(cust["customer_type"]) >= set(DISTRIBUTOR_TYPES)


def test_honest_reports_reconcile_exactly_with_our_deliveries() -> None:
    """With no reporting fault, every reported month-end stock equals the previous one plus
    the units we delivered in the month minus the units reported sold (computed here from
    the tables alone)."""
    tables, _ = generate_dataset(PROFILE, seed=5, truth=HONEST)
    orders = tables["orders"].dropna(subset=["delivered_at"])
    lines = tables["order_lines"].merge(orders[["order_id", "customer_id", "delivered_at"]])
    lines["month"] = lines["delivered_at"].dt.to_period("M").dt.to_timestamp()
    bought = lines.groupby(["customer_id", "product_id", "month"])["quantity"].sum()
    bought.index = bought.index.set_names(["distributor_id", "product_id", "month"])
    sold = tables["flows"].groupby(["distributor_id", "product_id", "month"])["quantity"].sum()
    stock = tables["stock_reports"].set_index(["distributor_id", "product_id", "month"])["units"]
    previous = stock.rename(lambda m: m + pd.offsets.MonthBegin(1), level="month")
    frame = pd.DataFrame({"stock": stock, "previous": previous}).dropna(subset=["stock"])
    frame = frame[frame["previous"].notna()]
    frame["bought"] = bought.reindex(frame.index, fill_value=0)
    frame["sold"] = sold.reindex(frame.index, fill_value=0)
    assert len(frame) > 1000
    gap = frame["previous"] + frame["bought"] - frame["sold"] - frame["stock"]
    assert (gap == 0).all(), frame[gap != 0].head()
    assert (frame["stock"] >= 0).all()


def test_reporting_faults_show_up_at_their_rates() -> None:
    """With the default truth some reports are missing or do not add up, in proportion to
    the fault rates (each fault is a broken identity or a missing row)."""
    honest, _ = generate_dataset(PROFILE, seed=5, truth=HONEST)
    faulty, _ = generate_dataset(PROFILE, seed=5)
    missing = 1.0 - len(faulty["stock_reports"]) / len(honest["stock_reports"])
    assert 0.005 < missing < 0.05  # 2% of distributor-months, opening reports never missing
    # the same sales where nothing was over-reported: flows only ever gain units
    key = ["distributor_id", "terminal_id", "product_id", "month"]
    both = faulty["flows"].merge(honest["flows"], on=key, suffixes=("", "_true"))
    assert (both["quantity"] >= both["quantity_true"]).all()
    assert (both["quantity"] > both["quantity_true"]).any()


@pytest.mark.parametrize("level", DISTRIBUTOR_TYPES)
@pytest.mark.parametrize("hospital_days", [30.0, 90.0, 150.0, 180.0])
def test_distributor_pays_the_stated_share_of_its_hospitals_delay(level: str,
                                                                  hospital_days: float) -> None:
    """Deterministic case: no own lateness, no noise, no reminder, no default; a distributor
    of median size passes on phi = pass_through[level] of its hospitals' delay beyond our
    term T, so it pays max(0, phi * (H - T)) days after the due date (T worked out from the
    settlement rule: half a month to the month's end, then 30 days)."""
    truth = dataclasses.replace(
        ProcessTruth(), lateness_mean_days={level: 1e-9}, lateness_shape=1e9,
        early_payment_days=0.0, reminder_sent_probability=0.0, default_logit_intercept=-60.0,
        split_payment_probability=0.0, invoice_delay_mean_days=1e-9)
    epoch, end = pd.Timestamp("2025-01-01"), pd.Timestamp("2026-12-31")
    customers = pd.DataFrame({"customer_id": ["C1"], "customer_type": [level],
                              "annual_sales_cny": [1e7]})
    orders = pd.DataFrame({"order_id": ["O1"], "customer_id": ["C1"], "customer_index": [0],
                           "shipped_days": [45.5], "amount_cny": [1000.0]})
    inv, pay = invoices_and_payments(orders, pd.DataFrame(), customers, np.zeros(1),
                                     np.array([hospital_days]), epoch, end, truth,
                                     np.random.default_rng(0))
    phi = truth.pass_through[level]
    assert term_days(truth) == pytest.approx(45.2)
    expected = round(phi * max(0.0, hospital_days - 45.2))
    late = (pay["paid_date"].iloc[0] - inv["due_date"].iloc[0]).days
    assert late == expected
    assert (hospital_days <= 45.2) == (late == 0)
