"""CSV files the pages offer open in Excel on a Chinese Windows machine: every page writes
them through ``ui.common.csv_bytes`` (UTF-8 with a byte order mark)."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pandas as pd

from ui.common import csv_bytes

ROOT = Path(__file__).resolve().parents[1]


def test_csv_bytes_carry_the_byte_order_mark_and_read_back():
    frame = pd.DataFrame({"城市": ["武汉市", "上海市"], "orders": [3, 4]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(data), encoding="utf-8-sig"), frame)
    # what Excel does without the mark: the Chinese names read as GBK come out garbled
    assert data[3:].decode("gbk", errors="replace").splitlines()[0] != "城市,orders"


def test_no_page_writes_a_csv_of_its_own():
    """``DataFrame.to_csv`` is called in ui/common.py only."""
    found = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        if path.name == "common.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "to_csv":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found
