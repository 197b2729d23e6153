"""The template workbook for a data set of one's own: a README sheet describing every table and
column (from :mod:`data.tables`), then one sheet per table with its exact header and a few
example rows. The examples form one small consistent data set (two reps, a distributor and a
pharmacy chain, two terminals, orders from August 2026 paid in September): the template
uploaded back as it is is a valid data set (tests/test_upload.py)."""

from __future__ import annotations

import io

import pandas as pd

from data.tables import TABLE_ORDER, TABLES, Column

README_SHEET = "README"

_GEO_SH = ("上海市", "上海市", "121.47", "31.23", "East")
_GEO_GZ = ("广东省", "广州市", "113.26", "23.13", "South")
#: example rows per table, values as text in the order of the table's columns ("" = empty)
EXAMPLES: dict[str, tuple[tuple[str, ...], ...]] = {
    "reps": (
        ("R001", "张伟", "上海市", "121.47", "31.23", "East", "East-1", "18", "8", "false"),
        ("R002", "李娜", "广州市", "113.26", "23.13", "South", "South-1", "17", "7", "false"),
    ),
    "customers": (
        ("C001", "上海医药分销", "distributor_l1", *_GEO_SH, "黄浦区", "310101", "false",
         "2018-03-01", "50000000", "12000000", "0", "0", "20", "8", "0.55", "80", "monthly",
         "R001"),
        ("C002", "广州大药房连锁", "chain_pharmacy", *_GEO_GZ, "越秀区", "440104", "false",
         "2020-06-01", "3000000", "800000", "0", "0", "10", "12", "0.4", "75",
         "cash_discount_1pct", "R002"),
    ),
    "terminals": (
        ("T001", "中山医院", "hospital_3a", "true", "上海市", "上海市", "121.45", "31.20",
         "East", "徐汇区", "310104", "false", "8000000", "2500000", "40", "2000", "C001",
         "R001", ""),
        ("T002", "虹口社区卫生服务中心", "community_clinic", "true", "上海市", "上海市",
         "121.50", "31.26", "East", "虹口区", "310109", "false", "300000", "60000", "3", "20",
         "C001", "R001", "2026-08-01"),
    ),
    "prospects": (
        ("P001", "闵行区中心医院", "hospital_2", "true", "上海市", "上海市", "121.38", "31.11",
         "East", "闵行区", "310112", "false", "1500000", "15", "500", "C001", "R001"),
    ),
    "doctors": (
        ("D001", "T001", "oncology", "chief", "120", "40", "60", "20", "0.25", "true"),
        ("D002", "T001", "cardiology", "attending", "150", "30", "45", "10", "0.1", "false"),
    ),
    "products": (
        ("PR01", "缬沙坦片", "chronic", "85.5", "30", "false"),
        ("PR02", "曲妥珠单抗", "oncology", "1200", "400", "true"),
    ),
    "sites": (
        ("S001", "上海中心仓", "central_dc", *_GEO_SH, "310000", "2000000", "5000000", "1.2",
         "true"),
        ("S002", "成都前置仓", "candidate", "四川省", "成都市", "104.07", "30.67", "Southwest",
         "510100", "600000", "800000", "1.5", "false"),
    ),
    "orders": (
        ("O0001", "C001", "phone", "2026-08-03T09:30:00", "2026-08-03T11:00:00",
         "2026-08-03T15:00:00", "2026-08-04T10:00:00", "2026-08-04T16:00:00",
         "2026-08-06T11:00:00", "2026-08-06", "S001", "false", "false", ""),
        ("O0002", "C002", "wechat", "2026-08-10T10:00:00", "2026-08-10T14:00:00",
         "2026-08-11T09:30:00", "2026-08-11T15:00:00", "2026-08-12T10:00:00",
         "2026-08-14T10:00:00", "2026-08-13", "S001", "false", "true", "late"),
    ),
    "order_lines": (
        ("O0001", "1", "PR01", "200", "17100"),
        ("O0001", "2", "PR02", "10", "12000"),
        ("O0002", "1", "PR01", "50", "4275"),
    ),
    "invoices": (
        ("I0001", "O0001", "C001", "29100", "2026-08-04", "2026-09-03", "0", "", "0"),
        ("I0002", "O0002", "C002", "4275", "2026-08-12", "2026-09-11", "1", "", "0"),
    ),
    "payments": (
        ("PAY0001", "I0001", "2026-09-01", "29100"),
        ("PAY0002", "I0002", "2026-09-15", "2000"),
    ),
    "flows": (
        ("C001", "T001", "PR01", "2026-08", "150", "13500"),
        ("C001", "T001", "PR02", "2026-08", "8", "10000"),
        ("C001", "T002", "PR01", "2026-08", "20", "1800"),
    ),
    "stock_reports": (
        ("C001", "PR01", "2026-08", "30"),
        ("C001", "PR02", "2026-08", "2"),
    ),
    "visits": (
        ("V0001", "R001", "T001", "D001", "2026-08-05", "call", "20"),
        ("V0002", "R002", "C002", "", "2026-08-06", "call", "30"),
        ("V0003", "R001", "P001", "", "2026-08-07", "call", "15"),
    ),
    "selling_expenses": (
        ("2026-08", "East", "field_force", "30000"),
        ("2026-08", "East", "calls", "5000"),
        ("2026-08", "South", "field_force", "25000"),
    ),
}


def _cell(text: str, col: Column) -> object:
    """Numbers as Excel numbers (no "number stored as text" flags); the rest as text, so
    ids keep their leading zeros and dates and months their ISO form."""
    if text == "":
        return None
    if col.kind == "int":
        return int(text)
    if col.kind == "float":
        return float(text)
    return text


def example_frame(name: str) -> pd.DataFrame:
    """The example rows of table ``name`` with its exact columns."""
    table = TABLES[name]
    rows = [{c.name: _cell(v, c) for c, v in zip(table.columns, row, strict=True)}
            for row in EXAMPLES[name]]
    return pd.DataFrame(rows, columns=table.column_names, dtype=object)


def readme_frame() -> pd.DataFrame:
    """Every table (its description first) and column with kind, unit, allowed values and
    meaning."""
    rows = []
    for name in TABLE_ORDER:
        table = TABLES[name]
        note = " (optional table: may be left out)" if table.optional else ""
        rows.append({"table": name, "column": "", "kind": "", "unit": "", "allowed": "",
                     "may be empty": "", "meaning": table.description + note
                     + " Key: " + ", ".join(table.key) + "."})
        for c in table.columns:
            allowed = ", ".join(c.allowed)
            if c.min is not None or c.max is not None:
                lo = "" if c.min is None else f"{c.min:g}"
                hi = "" if c.max is None else f"{c.max:g}"
                allowed = f"{lo} .. {hi}"
            if c.references:
                allowed = f"an existing {c.references}"
            rows.append({"table": name, "column": c.name, "kind": c.kind, "unit": c.unit,
                         "allowed": allowed, "may be empty": "yes" if c.nullable else "no",
                         "meaning": c.description})
    return pd.DataFrame(rows)


def template_workbook() -> bytes:
    """The template as .xlsx bytes: the README sheet, then one sheet per table."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        readme_frame().to_excel(writer, sheet_name=README_SHEET, index=False)
        writer.sheets[README_SHEET].column_dimensions["G"].width = 90
        for name in TABLE_ORDER:
            example_frame(name).to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()
