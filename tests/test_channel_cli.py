"""`pharmaops channel reconcile`: on a generated data set (its ledger checked against the
tables it came from), and on the hand-made channel of tests/channel_ledger.py (the worked
findings on stdout, in the JSON and in the workbook)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from data.dataset import load_dataset
from data.problems import InputError
from models.channel import ANOMALY_KINDS, DISTRIBUTOR_TYPES
from scenarios import cli_channel
from scenarios.channel import ANOMALY_LABELS, channel_report, write_reconciliation_xlsx
from scenarios.cli import main
from tests import channel_ledger as hand

SHEETS = ["Anomalies", "Distributors", "Pure sales by terminal", "Pure sales by rep",
          "Pure sales by region", "Channel stock", "Channel stock by product", "About"]


# --------------------------------------------------------------------------- generated
def test_reconcile_a_generated_data_set(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Needs the data set's channel tables: terminals, flows and stock_reports (with the
    opening report of the month before the first history month) and distributor accounts
    of types distributor_l1 / distributor_l2."""
    folder = tmp_path / "ds"
    assert main(["data", "generate", "--profile", "small", "--seed", "7",
                 "--out", str(folder)]) == 0
    js, xlsx = tmp_path / "channel.json", tmp_path / "channel.xlsx"
    capsys.readouterr()
    assert main(["channel", "reconcile", str(folder), "--json", str(js),
                 "--xlsx", str(xlsx)]) == 0
    out = capsys.readouterr().out
    assert "distributors" in out and "findings" in out

    doc = json.loads(js.read_text(encoding="utf-8"))
    ds = load_dataset(folder)
    assert doc["fingerprint"] == ds.fingerprint
    ledger = pd.DataFrame(doc["distributors"])
    assert len(ledger) > 0
    assert (ledger["closing"] == ledger["opening"] + ledger["purchases"]
            - ledger["sales"]).all()
    reported = ledger["reported"].notna()
    assert (ledger.loc[reported, "difference"]
            == ledger.loc[reported, "reported"] - ledger.loc[reported, "closing"]).all()
    assert ledger["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    months = sorted(ledger["month"].unique())
    assert [doc["months"]["first"], doc["months"]["last"]] == [months[0], months[-1]]

    # the ledger's totals from the tables themselves
    customers = ds["customers"]
    distributors = set(customers.loc[customers["customer_type"].isin(DISTRIBUTOR_TYPES),
                                     "customer_id"])
    orders = ds["orders"]
    delivered = orders[orders["customer_id"].isin(distributors) & orders["delivered_at"].notna()]
    lines = ds["order_lines"].merge(delivered[["order_id", "delivered_at"]], on="order_id")
    in_months = lines["delivered_at"].dt.strftime("%Y-%m").isin(months)
    assert ledger["purchases"].sum() == lines.loc[in_months, "quantity"].sum()
    flows = ds["flows"]
    flows_in = flows[flows["month"].dt.strftime("%Y-%m").isin(months)]
    assert ledger["sales"].sum() == flows_in["quantity"].sum()
    assert set(ledger["distributor"]) <= (distributors | set(flows["distributor_id"])
                                          | set(ds["stock_reports"]["distributor_id"]))
    by_region = pd.DataFrame(doc["pure_sales"]["by_region"])
    assert by_region["units"].sum() == flows_in["quantity"].sum()
    assert by_region["amount_cny"].sum() == pytest.approx(flows_in["amount_cny"].sum())

    found = doc["anomalies"]
    assert {f["kind"] for f in found} <= set(ANOMALY_KINDS)
    counts = pd.Series([f["kind"] for f in found]).value_counts()
    assert doc["summary"]["anomalies"] == {k: int(counts.get(k, 0)) for k in ANOMALY_KINDS}
    stock = doc["summary"]["channel_stock"]
    assert stock["month"] == months[-1] and stock["window_months"] == min(3, len(months))
    assert pd.ExcelFile(xlsx, engine="openpyxl").sheet_names == SHEETS


# --------------------------------------------------------------------------- hand-made
@pytest.fixture
def hand_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI loads the hand-made channel whatever folder it is given."""
    ds = dataclasses.replace(hand.dataset(), path=Path("hand-made"))
    monkeypatch.setattr(cli_channel, "_load", lambda path: ds)


def test_the_hand_made_findings_on_stdout_in_json_and_in_the_workbook(
        hand_cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    js, xlsx = tmp_path / "c.json", tmp_path / "c.xlsx"
    assert main(["channel", "reconcile", "hand-made", "--json", str(js),
                 "--xlsx", str(xlsx)]) == 0
    out = capsys.readouterr().out
    assert "1 distributors × 2 products, 2026-02 .. 2026-05; 5 findings" in out
    # 43 units at the end of May / (205 units / 92 days) = 19.3 days
    assert "channel stock at the end of 2026-05: 19.3 days of the last 3 months' sales" in out
    assert "sold 70 units with 38 in stock and 20 bought: 12 more than it could hold" in out
    assert "reported 38 units in stock where the ledger computes 50: a difference of -12" in out

    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["dataset"] == "hand-made" and doc["fingerprint"] == "hand-made-channel"
    assert [(f["kind"], f["product"], f["month"]) for f in doc["anomalies"]] == [
        (kind, product, month) for kind, _, product, month, _ in hand.FINDINGS]
    # direct accounts are not reconciled: C9's order is in nobody's purchases
    assert {r["distributor"] for r in doc["distributors"]} == {"D1"}

    book = pd.read_excel(xlsx, sheet_name=None, engine="openpyxl")
    assert list(book) == SHEETS
    anomalies = book["Anomalies"]
    assert sorted(anomalies["Finding"]) == sorted(ANOMALY_LABELS.values())
    assert list(book["Distributors"].columns) == [
        "Distributor", "Distributor name", "Product", "Product name", "Month",
        "Opening stock (units)", "Purchases (units)", "Sales to terminals (units)",
        "Closing stock, computed (units)", "Reported stock (units)",
        "Reported − computed (units)"]
    assert book["Distributors"]["Closing stock, computed (units)"].tolist() == [
        closing for (_, _, _, closing, _) in hand.LEDGER.values()]
    region = book["Pure sales by region"].set_index("Region")
    assert region.loc["East", "Sales (CNY)"] == 1950 and region.loc["South", "Sales (units)"] \
        == 30
    stock = book["Channel stock"].set_index("Product")
    assert stock.loc["P2", "Stock days (days)"] == pytest.approx(460)
    assert not list(tmp_path.glob(".*.tmp"))


def test_json_to_stdout_carries_only_json(hand_cli: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["channel", "reconcile", "hand-made", "--json", "-"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["summary"]["anomalies"] == {k: 1 for k in ANOMALY_KINDS}
    assert "5 findings" in captured.err


def test_a_data_set_without_channel_tables_exits_2_naming_them(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ds = hand.dataset()
    tables = {k: v for k, v in ds.tables.items() if k not in ("flows", "stock_reports")}
    monkeypatch.setattr(cli_channel, "_load", lambda path: dataclasses.replace(ds, tables=tables))
    assert main(["channel", "reconcile", "somewhere"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tables flows, stock_reports" in err[0]
    assert "found no flows, stock_reports" in err[0]


def test_output_paths_are_checked_before_any_work(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    def no_work(path):
        raise AssertionError("the data set was loaded before the options were checked")

    monkeypatch.setattr(cli_channel, "_load", no_work)
    assert main(["channel", "reconcile", "x", "--xlsx", "-"]) == 2
    assert "an Excel file is not text" in capsys.readouterr().err
    assert main(["channel", "reconcile", "x", "--json", str(tmp_path / "no" / "c.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_failed_write_keeps_the_old_workbook(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    target = tmp_path / "c.xlsx"
    target.write_bytes(b"the old workbook")
    report = channel_report(hand.dataset())

    def full_disk(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(InputError, match="No space left"):
        write_reconciliation_xlsx(str(target), report, hand.dataset())
    monkeypatch.undo()
    assert target.read_bytes() == b"the old workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.xlsx"]
