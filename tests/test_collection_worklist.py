"""The collection worklist and the reminder comparison (scenarios.collections) on a small
generated data set, and `pharmaops credit worklist`: open receivables against a plain
recomputation from the tables, the ranking and contact rules, sums that must agree, the
files users open."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from scenarios import collections as co
from scenarios import credit_report as cr
from scenarios.cli import main
from scenarios.compare import load_scenarios


@pytest.fixture(scope="module")
def scenario(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("collections") / "s.toml"
    path.write_text(f'name = "collections"\ndataset = "{small_dir}"\nseed = 3\n'
                    "[credit]\nscoring = true\n")
    return path


@pytest.fixture(scope="module")
def ctx(scenario: Path):
    return cr.credit_context(load_scenarios([scenario], allow_outside_data=True)[0])


def test_open_receivables_match_a_plain_recomputation(small_dir: Path) -> None:
    ds = load_dataset(small_dir)
    inv, pay = ds["invoices"], ds["payments"]
    paid = pay[pay["paid_date"] <= ds.as_of].groupby("invoice_id")["amount_cny"].sum()
    written = inv["write_off_cny"].where(inv["write_off_date"] <= ds.as_of, 0.0)
    left = (inv["amount_cny"] - inv["invoice_id"].map(paid).fillna(0.0) - written)
    expected = inv.assign(left=left)[(left > 0.005) & (inv["invoice_date"] <= ds.as_of)]
    got = co.open_receivables(ds)
    assert list(got["invoice_id"]) == list(expected["invoice_id"])
    assert np.allclose(got["open_cny"], expected["left"])
    assert list(got["days_since_due"]) == [(ds.as_of - d).days for d in expected["due_date"]]


def test_the_worklist_ranks_accounts_by_what_a_contact_brings_in(ctx) -> None:
    wl = co.collection_worklist(ctx, horizon_days=30, lead_days=3)
    acc, inv = wl.accounts, wl.invoices
    assert len(acc) > 5
    assert list(acc["rank"]) == list(range(1, len(acc) + 1))
    assert acc["recovered_cny"].is_monotonic_decreasing
    assert (acc["recovered_cny"] >= -1e-6).all()
    # one row per account, its invoices' sums
    assert acc["customer_id"].is_unique
    by = inv.groupby("customer_id")
    mine = acc.set_index("customer_id")
    assert np.allclose(by["open_cny"].sum().reindex(mine.index), mine["open_cny"])
    assert np.allclose(by["recovered_cny"].sum().reindex(mine.index), mine["recovered_cny"])
    # listed: overdue or due within the lead; the rest is reported as left off
    assert (inv["days_since_due"] >= -3).all()
    total = co.open_receivables(ctx.dataset)["open_cny"].sum()
    assert inv["open_cny"].sum() + wl.not_yet_due[1] == pytest.approx(total)
    # the contact follows the rule: escalate from P(default | open) 50%, call when overdue
    expected = np.select([mine["default_probability_open"] >= co.ESCALATE_FROM,
                          mine["overdue_cny"] > 0],
                         ["escalate", "collection call"], "reminder by the due date")
    assert list(mine["contact"]) == list(expected)
    # nothing collected beyond what is open, and less expected in a shorter horizon
    assert (mine["collected_without_cny"] + mine["recovered_cny"]
            <= mine["open_cny"] * (1 - mine["default_probability_open"]) + 1e-6).all()
    short = co.collection_worklist(ctx, horizon_days=7, lead_days=3).accounts
    assert short["collected_without_cny"].sum() < mine["collected_without_cny"].sum()


def test_automated_reminders_shorten_dso_and_leave_bad_debt(ctx) -> None:
    table = co.reminder_comparison(ctx).set_index("reminders")
    assert table.loc["automated", "dso_days"] < table.loc["manual", "dso_days"]
    # reminders move payments, not defaults (the mechanism: models.credit.reminders)
    assert table.loc["automated", "bad_debt_rate"] == pytest.approx(
        table.loc["manual", "bad_debt_rate"])
    assert table.loc["automated", "sent_probability"] == 1.0


def test_worklist_files(scenario: Path, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    js, csv, xlsx = tmp_path / "w.json", tmp_path / "w.csv", tmp_path / "w.xlsx"
    assert main(["credit", "worklist", str(scenario), "--allow-outside-data", "--json", str(js),
                 "--csv", str(csv), "--xlsx", str(xlsx), "--top", "5"]) == 0
    assert "first 5" in capsys.readouterr().out
    doc = json.loads(js.read_text())
    assert doc["horizon_days"] == 30 and doc["lead_days"] == 3
    accounts = pd.DataFrame(doc["accounts"])
    assert doc["expected_recovered_cny"] == pytest.approx(accounts["recovered_cny"].sum())
    assert {"customer_id", "contact", "recovered_cny", "why"} <= set(accounts.columns)
    assert csv.read_bytes()[:3] == b"\xef\xbb\xbf"   # Excel on Chinese Windows reads UTF-8
    table = pd.read_csv(csv)
    assert list(table["customer_id"]) == list(accounts["customer_id"])
    assert list(pd.read_excel(xlsx, sheet_name=None)) == ["worklist", "invoices", "about"]


def test_bad_worklist_options_exit_2_before_any_work(scenario: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "w.json"
    assert main(["credit", "worklist", str(scenario), "--allow-outside-data",
                 "--horizon-days", "0", "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--horizon-days" in err and "found 0" in err
    assert not out.exists()
