"""A hand-made channel: one distributor D1 with two products over four months (opening report
January 2026, ledger February to May), built so that each kind of finding occurs exactly
once, and the worked answers computed by hand.

Thresholds of the worked example: stale_months 3, tolerance_units 2, tolerance_share 0.05,
so tolerance = max(2, 0.05 × (opening + purchases)).

P1 (10 CNY a unit)::

    month  opening          purchases  sales  closing            reported  difference
    Feb    100 (Jan report)   50         0    100+50-0   = 150     150          0
    Mar    150 (Feb report)    0       100    150+0-100  =  50      38        -12
    Apr     38 (Mar report)   20        70     38+20-70  = -12       —          —
    May    -12 (Apr closing)  60        30    -12+60-30  =  18      18          0

  Mar: |−12| > max(2, 0.05 × 150 = 7.5)             → stock_mismatch
  Apr: 70 − (38 + 20) = 12 > max(2, 0.05 × 58 = 2.9) → oversold (excess 12)
  Apr: no report, and it bought 20 and sold 70       → missing_report

P2 (50 CNY a unit): 30 held from January, no sales Feb, Mar, Apr (reports 30, 30, 30), 5 sold
in May (report 25): stock held with no sales for 3 months → stale_stock in April, stock 30.

D1 in February bought 50 units (P1) and reported not one flow row → missing_flows (product
None; figures purchases 50, products 1).

Purchases come from orders: O1 (10 Feb, 30 P1) + O2 (28 Feb 23:30, 20 P1) = 50 in Feb;
O3 (delivered 1 Apr 08:00, 20 P1) in April; O4 (15 May, two lines of P1: 25 + 35 = 60) in May;
O5 is not delivered yet (left out); O6 went to C9, a pharmacy chain invoiced directly (not a
distributor: no stock to reconcile).

Flows (pure sales): Mar P1 T1 60 (600 CNY), T2 40 (400); Apr P1 T1 70 (700); May P1 T3 30
(300), P2 T2 5 (250). Terminals: T1 3A hospital East rep R1; T2 community clinic East rep R2;
T3 retail pharmacy South rep R2. So by terminal T1 130 units 1,300 CNY, T2 45 / 650,
T3 30 / 300; by rep R1 (1 terminal) 130 / 1,300, R2 (2) 75 / 950; by region East (2)
175 / 1,950, South (1) 30 / 300.

Channel stock days over the last 3 months (Mar 31 + Apr 30 + May 31 = 92 days), stock at the
end of May: P1 18 / (200 / 92) = 8.28 days; P2 25 / (5 / 92) = 460 days; channel
43 / (205 / 92) = 19.2976 days.
"""

from __future__ import annotations

import pandas as pd

from data.dataset import Dataset

T = pd.Timestamp
THRESHOLDS = {"stale_months": 3, "tolerance_units": 2, "tolerance_share": 0.05}
MONTHS = [T("2026-02-01"), T("2026-03-01"), T("2026-04-01"), T("2026-05-01")]

#: the ledger by hand: (product, month) -> opening, purchases, sales, closing, reported
LEDGER = {
    ("P1", "2026-02"): (100, 50, 0, 150, 150),
    ("P1", "2026-03"): (150, 0, 100, 50, 38),
    ("P1", "2026-04"): (38, 20, 70, -12, None),
    ("P1", "2026-05"): (-12, 60, 30, 18, 18),
    ("P2", "2026-02"): (30, 0, 0, 30, 30),
    ("P2", "2026-03"): (30, 0, 0, 30, 30),
    ("P2", "2026-04"): (30, 0, 0, 30, 30),
    ("P2", "2026-05"): (30, 0, 5, 25, 25),
}

#: every finding by hand, in the order reconcile lists them (month, distributor, kind)
FINDINGS = [
    ("missing_flows", "D1", None, "2026-02", {"purchases": 50, "products": 1}),
    ("stock_mismatch", "D1", "P1", "2026-03",
     {"reported": 38, "closing": 50, "difference": -12, "tolerance": 7.5}),
    ("oversold", "D1", "P1", "2026-04",
     {"opening": 38, "purchases": 20, "sales": 70, "excess": 12, "tolerance": 2.9}),
    ("stale_stock", "D1", "P2", "2026-04", {"stock": 30, "months_without_sales": 3}),
    ("missing_report", "D1", "P1", "2026-04",
     {"opening": 38, "purchases": 20, "sales": 70, "closing": -12}),
]


def purchases() -> pd.DataFrame:
    return pd.DataFrame({
        "distributor_id": ["D1", "D1", "D1"],
        "product_id": ["P1", "P1", "P1"],
        "month": [T("2026-02-01"), T("2026-04-01"), T("2026-05-01")],
        "units": [50, 20, 60],
    })


def flows() -> pd.DataFrame:
    return pd.DataFrame(
        [("D1", "T1", "P1", T("2026-03-01"), 60, 600.0),
         ("D1", "T2", "P1", T("2026-03-01"), 40, 400.0),
         ("D1", "T1", "P1", T("2026-04-01"), 70, 700.0),
         ("D1", "T3", "P1", T("2026-05-01"), 30, 300.0),
         ("D1", "T2", "P2", T("2026-05-01"), 5, 250.0)],
        columns=["distributor_id", "terminal_id", "product_id", "month", "quantity",
                 "amount_cny"])


def stock_reports() -> pd.DataFrame:
    rows = [("P1", "2026-01", 100), ("P1", "2026-02", 150), ("P1", "2026-03", 38),
            ("P1", "2026-05", 18), ("P2", "2026-01", 30), ("P2", "2026-02", 30),
            ("P2", "2026-03", 30), ("P2", "2026-04", 30), ("P2", "2026-05", 25)]
    return pd.DataFrame({"distributor_id": "D1", "product_id": [p for p, _, _ in rows],
                         "month": [T(f"{m}-01") for _, m, _ in rows],
                         "units": [u for _, _, u in rows]})


def terminals() -> pd.DataFrame:
    return pd.DataFrame({
        "terminal_id": ["T1", "T2", "T3"],
        "name": ["杭州市第一人民医院", "西湖区社区卫生服务中心", "滨江大药房"],
        "terminal_type": ["hospital_3a", "community_clinic", "retail_pharmacy"],
        "public": [True, True, False],
        "province": ["浙江省", "浙江省", "广东省"],
        "city": ["杭州市", "杭州市", "广州市"],
        "region": ["East", "East", "South"],
        "district": ["上城区", "西湖区", "天河区"],
        "remote": [False, False, False],
        "distributor_id": ["D1", "D1", "D1"],
        "rep_id": ["R1", "R2", "R2"],
    })


def orders() -> pd.DataFrame:
    return pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O5", "O6"],
        "customer_id": ["D1", "D1", "D1", "D1", "D1", "C9"],
        "delivered_at": [T("2026-02-10 10:00"), T("2026-02-28 23:30"), T("2026-04-01 08:00"),
                         T("2026-05-15 14:00"), pd.NaT, T("2026-03-03 09:00")],
    })


def order_lines() -> pd.DataFrame:
    return pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O4", "O5", "O6"],
        "line_no": [1, 1, 1, 1, 2, 1, 1],
        "product_id": ["P1", "P1", "P1", "P1", "P1", "P1", "P2"],
        "quantity": [30, 20, 20, 25, 35, 99, 7],
        "amount_cny": [300.0, 200.0, 200.0, 250.0, 350.0, 990.0, 350.0],
    })


def dataset() -> Dataset:
    """The hand-made channel as a data set (only the tables the channel reads)."""
    customers = pd.DataFrame({
        "customer_id": ["D1", "C9"], "name": ["浙江英特药业", "老百姓大药房"],
        "customer_type": ["distributor_l1", "chain_pharmacy"], "province": ["浙江省"] * 2,
        "city": ["杭州市"] * 2, "region": ["East"] * 2, "rep_id": ["R1", "R1"]})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "name": ["阿托伐他汀钙片", "注射用头孢"],
                             "unit_price_cny": [10.0, 50.0]})
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["张伟", "李娜"],
                         "region": ["East", "East"]})
    tables = {"customers": customers, "products": products, "reps": reps,
              "orders": orders(), "order_lines": order_lines(), "terminals": terminals(),
              "flows": flows(), "stock_reports": stock_reports()}
    return Dataset(tables=tables, as_of=T("2026-05-31"), fingerprint="hand-made-channel")
