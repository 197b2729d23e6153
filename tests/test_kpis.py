"""KPI definitions against hand-computed figures and analytic cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.kpis import (
    Ledger,
    Window,
    aging,
    average_collection_days,
    bad_debt_rate,
    dso_countback_days,
    dso_days,
    order_kpis,
    outstanding,
)

AS_OF = pd.Timestamp("2026-03-31")
T = pd.Timestamp
NaT = pd.NaT


@pytest.fixture()
def ledger() -> Ledger:
    invoices = pd.DataFrame({
        "invoice_id": ["I1", "I2", "I3", "I4", "I5"],
        "amount_cny": [1000.0, 2000.0, 3000.0, 400.0, 600.0],
        "invoice_date": [T("2026-01-10"), T("2026-02-15"), T("2026-03-01"), T("2025-10-01"),
                         T("2025-12-20")],
        "write_off_date": [NaT, NaT, NaT, T("2026-03-30"), NaT],
        "write_off_cny": [0.0, 0.0, 0.0, 400.0, 0.0],
    })
    payments = pd.DataFrame({
        "invoice_id": ["I1", "I2"],
        "paid_date": [T("2026-02-09"), T("2026-03-17")],
        "amount_cny": [1000.0, 500.0],
    })
    return Ledger.from_tables(invoices, payments)


def test_outstanding_and_aging_by_hand(ledger: Ledger) -> None:
    # open: I2 1500 (44 days old), I3 3000 (30 days), I5 600 (101 days); I4 written off
    assert outstanding(ledger, AS_OF).tolist() == [0.0, 1500.0, 3000.0, 0.0, 600.0]
    assert aging(ledger, AS_OF) == {"0-30": 3000.0, "31-60": 1500.0, "61-90": 0.0,
                                    "91-180": 600.0, ">180": 0.0}
    # before I2's partial payment and I4's write-off
    assert outstanding(ledger, T("2026-03-16")).sum() == pytest.approx(2000 + 3000 + 400 + 600)


def test_dso_by_hand(ledger: Ledger) -> None:
    # window 2026-01-01..03-31 is 90 days with sales 6000; receivables 5100
    assert dso_days(ledger, AS_OF, 90) == pytest.approx(5100 / 6000 * 90)  # 76.5 days
    # countback: March 3000 (31 d), February 2000 (28 d), then 100 of January's 1000 (31 d)
    assert dso_countback_days(ledger, AS_OF) == pytest.approx(31 + 28 + 0.1 * 31)  # 62.1


def test_collection_period_and_bad_debt_by_hand(ledger: Ledger) -> None:
    window = Window.ending(AS_OF, 90)
    assert window.start == T("2026-01-01")
    assert average_collection_days(ledger, window) == pytest.approx(30.0)
    assert bad_debt_rate(ledger, window) == pytest.approx(400 / 6000)


def test_subset_keeps_its_payments(ledger: Ledger) -> None:
    part = ledger.subset(np.array([False, True, False, False, True]))
    assert outstanding(part, AS_OF).tolist() == [1500.0, 600.0]


@pytest.mark.parametrize("terms_days", [30, 45, 60, 75])
def test_steady_sales_paid_after_fixed_days_give_dso_equal_to_the_delay(terms_days: int) -> None:
    """Analytic case: equal daily sales each paid exactly N days later => DSO = N."""
    days = pd.date_range("2024-01-01", AS_OF, freq="D")
    invoices = pd.DataFrame({"invoice_id": [f"I{i}" for i in range(len(days))],
                             "amount_cny": 1000.0, "invoice_date": days,
                             "write_off_date": pd.NaT, "write_off_cny": 0.0})
    paid = days + pd.Timedelta(days=terms_days)
    payments = pd.DataFrame({"invoice_id": invoices["invoice_id"], "paid_date": paid,
                             "amount_cny": 1000.0})
    ledger = Ledger.from_tables(invoices, payments)
    assert dso_days(ledger, AS_OF, 90) == pytest.approx(terms_days)
    assert dso_countback_days(ledger, AS_OF) == pytest.approx(terms_days)
    assert average_collection_days(ledger, Window.ending(AS_OF, 90)) == pytest.approx(terms_days)


def test_order_kpis_by_hand() -> None:
    orders = pd.DataFrame({
        "placed_at": [T("2026-03-01 09:00"), T("2026-03-02 12:00"), T("2026-03-20 08:00"),
                      T("2026-03-29 10:00")],
        "shipped_at": [T("2026-03-04 09:00"), T("2026-03-03 00:00"), T("2026-03-22 20:00"), NaT],
        "delivered_at": [T("2026-03-06 15:00"), T("2026-03-09 12:00"), NaT, NaT],
        "promised_date": [T("2026-03-06"), T("2026-03-08"), T("2026-03-27"), T("2026-04-03")],
        "complaint": [False, True, False, False],
    })
    remote = pd.Series([False, True, True, False])
    k = order_kpis(orders, remote, AS_OF)
    assert k["order_processing_days"] == pytest.approx((3.0 + 0.5 + 2.5) / 3)
    assert k["order_processing_p90_days"] == pytest.approx(2.9)  # linear quantile of 0.5,2.5,3
    # O1 on time, O2 a day late, O3 undelivered after its promise; O4 not due yet
    assert k["on_time_rate"] == pytest.approx(1 / 3)
    assert k["remote_delivery_days"] == pytest.approx(7.0)
    assert k["complaint_rate"] == pytest.approx(0.5)


def test_contract_definitions_on_hand_made_orders() -> None:
    """Processing excludes the prepayment wait (shown on its own); remote transit runs from
    ship to delivery, remote delivery from order to delivery less the customer's wait."""
    orders = pd.DataFrame({
        "placed_at": [T("2026-03-02 10:00"), T("2026-03-02 10:00"), T("2026-03-03 09:00")],
        "shipped_at": [T("2026-03-04 10:00"), T("2026-03-07 10:00"), T("2026-03-04 09:00")],
        "delivered_at": [T("2026-03-06 10:00"), T("2026-03-12 22:00"), NaT],
        "promised_date": [T("2026-03-09"), T("2026-03-12"), T("2026-03-10")],
        "prepayment_wait_days": [0.0, 2.0, 0.0],
        "complaint": [False, False, False],
    })
    remote = pd.Series([False, True, True])
    k = order_kpis(orders, remote, AS_OF)
    # shipped − placed: 2, 5, 1 days; less the waits 0, 2, 0 → 2, 3, 1
    assert k["order_processing_days"] == pytest.approx(2.0)
    assert k["prepayment_wait_days"] == pytest.approx(2.0 / 3)
    # the one delivered remote order: placed → delivered 10.5 days less its 2-day wait to pay,
    # shipped → delivered 5.5
    assert k["remote_delivery_days"] == pytest.approx(8.5)
    assert k["remote_transit_days"] == pytest.approx(5.5)
    # a history without the column had no prepayment
    plain = order_kpis(orders.drop(columns="prepayment_wait_days"), remote, AS_OF)
    assert plain["prepayment_wait_days"] == 0.0
    assert plain["order_processing_days"] == pytest.approx(8.0 / 3)
    assert plain["remote_delivery_days"] == pytest.approx(10.5)


def test_dso_on_total_sales_counts_cash_sales_in_the_denominator(ledger: Ledger) -> None:
    from dataclasses import replace

    from data.kpis import dso_total_days

    assert dso_total_days(ledger, AS_OF) == pytest.approx(dso_days(ledger, AS_OF))
    credit = 1000.0 + 2000.0 + 3000.0  # invoiced in the 90 days to 2026-03-31
    receivable = float(outstanding(ledger, AS_OF).sum())
    cash = replace(ledger, cash_day=np.array(["2026-03-20", "2025-11-01"], dtype="datetime64[D]"),
                   cash_amount=np.array([4000.0, 9000.0]))  # the second is outside the 90 days
    assert dso_total_days(cash, AS_OF) == pytest.approx(receivable / (credit + 4000.0) * 90)
    assert dso_days(cash, AS_OF) == pytest.approx(receivable / credit * 90)
