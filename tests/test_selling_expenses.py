"""Selling expenses: the generated table, its checks, the ratio and the unit costs.

Truths are independent of the code under test: the generator's hidden unit costs
(``ProcessTruth.expense_*``) with a tolerance of four standard errors computed from its hidden
noise, and hand-built tables whose ratio and unit costs are worked out by hand.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from data.generate import ProcessTruth
from data.generate.expenses import ITEM_SHAPE
from data.kpis import Ledger, Window, selling_expense_ratio, selling_expenses_cny
from data.problems import InputError
from data.tables import EXPENSE_CATEGORIES, REGIONS
from models.expenses import estimate_basis, projected_ratio


def _ledger(days: list[str], amounts: list[float]) -> Ledger:
    invoices = pd.DataFrame({
        "invoice_id": [f"I{i}" for i in range(len(days))],
        "invoice_date": pd.to_datetime(days), "amount_cny": amounts,
        "write_off_date": pd.NaT, "write_off_cny": 0.0})
    payments = pd.DataFrame({"invoice_id": pd.Series([], dtype=object),
                             "paid_date": pd.to_datetime([]), "amount_cny": []})
    return Ledger.from_tables(invoices, payments)


def test_generated_table_has_every_month_region_and_category(small_dir: Path) -> None:
    ds = load_dataset(small_dir)
    exp = ds["selling_expenses"]
    months = pd.period_range(ds.meta["history_start"], ds.as_of, freq="M")
    assert len(exp) == len(months) * len(REGIONS) * len(EXPENSE_CATEGORIES)
    assert set(exp["category"]) == set(EXPENSE_CATEGORIES)
    assert (exp["month"] == exp["month"].dt.to_period("M").dt.to_timestamp()).all()
    assert (exp["amount_cny"] >= 0).all()
    # no calls in a region-month: no call expenses there (and the other way round)
    rep_region = ds["reps"].set_index("rep_id")["region"]
    calls = ds["visits"][ds["visits"]["kind"] == "call"]
    made = set(zip(calls["rep_id"].map(rep_region), calls["date"].dt.to_period("M").astype(str),
                   strict=True))
    spent = exp[(exp["category"] == "calls") & (exp["amount_cny"] > 0)]
    assert set(zip(spent["region"], spent["month"].dt.to_period("M").astype(str),
                   strict=True)) == made


def test_a_data_set_without_the_table_loads_and_its_ratio_is_not_known(
        tiny_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "no_expenses"
    shutil.copytree(tiny_dir, folder)
    (folder / "selling_expenses.csv").unlink()
    ds = load_dataset(folder)
    assert "selling_expenses" not in ds.tables
    assert "selling_expenses" not in ds.counts()
    ledger = Ledger.from_tables(ds["invoices"], ds["payments"])
    assert math.isnan(selling_expense_ratio(ds.tables.get("selling_expenses"), ledger,
                                            Window.ending(ds.as_of, 90)))


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("region", "Atlantis", "one of East"),
    ("category", "bribes", "one of field_force"),
    ("amount_cny", "-5", "a number >= 0"),
    ("month", "2026-03-15", "a month YYYY-MM"),
])
def test_bad_rows_are_named_with_file_row_and_field(tiny_dir: Path, tmp_path: Path,
                                                     column: str, value: str,
                                                     expected: str) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(tiny_dir, folder)
    path = folder / "selling_expenses.csv"
    text = pd.read_csv(path, dtype=object, keep_default_na=False)
    text.loc[4, column] = value
    text.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        load_dataset(folder)
    hits = [p for p in err.value.problems if p.source == str(path)]
    assert len(hits) == 1, err.value.problems
    assert hits[0].location.startswith("line 6 (")  # header is line 1, row 4 is line 6
    assert f"column {column}" in hits[0].location
    assert expected in hits[0].expected and value in hits[0].found


def test_ratio_on_a_hand_built_ledger() -> None:
    """Window 2026-02-15 .. 2026-03-31: half of February's 14 days (14/28), all of March."""
    expenses = pd.DataFrame({
        "month": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-03-01"]),
        "region": ["East"] * 4, "category": ["promotion", "calls", "calls", "promotion"],
        "amount_cny": [999.0, 280.0, 100.0, 300.0]})
    window = Window(pd.Timestamp("2026-02-15"), pd.Timestamp("2026-03-31"))
    ledger = _ledger(["2026-02-10", "2026-02-20", "2026-03-31", "2026-04-01"],
                     [5000.0, 1000.0, 1000.0, 7000.0])
    spent = 280.0 * 14 / 28 + 100.0 + 300.0
    assert selling_expenses_cny(expenses, window) == pytest.approx(spent)
    assert selling_expense_ratio(expenses, ledger, window) == pytest.approx(spent / 2000.0)


def test_unit_costs_on_a_hand_built_table() -> None:
    """Two whole months: 2 field reps and 1 specialist, 3 calls, 2 department meetings, 1
    academic meeting in the window (one call outside it)."""
    months = pd.to_datetime(["2026-01-01", "2026-02-01"])
    amounts = {"field_force": (20000.0, 24000.0), "academic_specialists": (10000.0, 14000.0),
               "calls": (200.0, 100.0), "department_meetings": (5000.0, 1000.0),
               "academic_meetings": (0.0, 9000.0), "promotion": (300.0, 300.0)}
    expenses = pd.DataFrame([{"month": m, "region": "East", "category": c, "amount_cny": a[k]}
                             for c, a in amounts.items() for k, m in enumerate(months)])
    reps = pd.DataFrame({"rep_id": ["A", "B", "S"], "academic_specialist": [False, False, True]})
    visits = pd.DataFrame({
        "date": pd.to_datetime(["2026-01-05", "2026-01-06", "2026-02-02", "2026-03-02",
                                "2026-01-07", "2026-02-03", "2026-02-04"]),
        "kind": ["call", "call", "call", "call", "department_meeting", "department_meeting",
                 "academic_meeting"]})
    window = Window(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-28"))
    ledger = _ledger(["2026-01-10", "2026-02-10"], [2000.0, 4000.0])
    b = estimate_basis(expenses, reps, visits, ledger, window)
    assert b.rep_month_cny == pytest.approx(44000.0 / (2 * 2))
    assert b.specialist_month_cny == pytest.approx(24000.0 / 2)
    assert b.call_cny == pytest.approx(300.0 / 3)
    assert b.department_meeting_cny == pytest.approx(6000.0 / 2)
    assert b.academic_meeting_cny == pytest.approx(9000.0)
    assert b.promotion_share == pytest.approx(600.0 / 6000.0)
    assert (b.reps, b.specialists) == (2, 1)
    assert b.calls_month == pytest.approx(3 / (59 / (365.25 / 12)))


def test_unit_costs_recover_the_generators_hidden_truth(small_dir: Path) -> None:
    """Every unit cost within four standard errors of the hidden one, the standard error
    worked out from the generator's hidden noise (log-normal pay, gamma items, log-normal
    promotion) and the volumes in the data."""
    ds = load_dataset(small_dir)
    truth = ProcessTruth()
    window = Window.ending(ds.as_of, 730)
    ledger = Ledger.from_tables(ds["invoices"], ds["payments"])
    b = estimate_basis(ds["selling_expenses"], ds["reps"], ds["visits"], ledger, window)
    months = 24
    pay_cv = math.sqrt(math.exp(truth.expense_pay_sigma**2) - 1)
    kinds = ds["visits"]["kind"].value_counts()
    cust_region = ds["customers"].set_index("customer_id")["region"]
    inv = ds["invoices"]
    cells = inv.groupby([inv["customer_id"].map(cust_region),
                         inv["invoice_date"].dt.to_period("M")])["amount_cny"].sum()
    promo_cv = (math.sqrt(math.exp(truth.expense_promotion_sigma**2) - 1)
                * math.sqrt((cells**2).sum()) / cells.sum())
    cases = [
        (b.rep_month_cny, truth.expense_rep_month_cny, pay_cv / math.sqrt(b.reps * months)),
        (b.specialist_month_cny, truth.expense_specialist_month_cny,
         pay_cv / math.sqrt(b.specialists * months)),
        (b.call_cny, truth.expense_call_cny, 1 / math.sqrt(kinds["call"] * ITEM_SHAPE)),
        (b.department_meeting_cny, truth.expense_department_meeting_cny,
         1 / math.sqrt(kinds["department_meeting"] * ITEM_SHAPE)),
        (b.academic_meeting_cny, truth.expense_academic_meeting_cny,
         1 / math.sqrt(kinds["academic_meeting"] * ITEM_SHAPE)),
        (b.promotion_share, truth.expense_promotion_share, promo_cv),
    ]
    for estimate, hidden, rel_se in cases:
        assert rel_se < 0.1
        assert estimate == pytest.approx(hidden, rel=4 * rel_se)


def _basis(**changes):
    from models.expenses import ExpenseBasis

    values = dict(rep_month_cny=16000.0, call_cny=80.0, department_meeting_cny=3000.0,
                  academic_meeting_cny=30000.0, specialist_month_cny=24000.0,
                  promotion_share=0.3, reps=100, specialists=10, calls_month=10000.0,
                  department_meetings_month=300.0, academic_meetings_month=30.0)
    values.update(changes)
    return ExpenseBasis(**values)


def test_projected_ratio_moves_the_right_way() -> None:
    b = _basis()
    days = 365.25 / 12 * 12  # a year
    monthly = 16000 * 100 + 80 * 10000 + 3000 * 300 + 30000 * 30 + 24000 * 10
    sales = np.array([1e8, 2e8])
    ratio = projected_ratio(b, sales, days)
    np.testing.assert_allclose(ratio, (12 * monthly + 0.3 * sales) / sales)
    assert ratio[1] < ratio[0]  # more sales at the same costs: a lower ratio
    more_reps = projected_ratio(b, sales, days, reps=150)
    np.testing.assert_allclose(more_reps - ratio, 12 * 16000 * 50 / sales)
    more_calls = projected_ratio(b, sales, days, calls_month=12000.0)
    np.testing.assert_allclose(more_calls - ratio, 12 * 80 * 2000 / sales)
    assert np.isnan(projected_ratio(b, np.array([0.0]), days)).all()


def _run(tmp_path: Path, dataset: Path, name: str, territory: str = ""):
    from scenarios.compare import load_scenarios
    from scenarios.run import prepare, simulate

    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\ndataset = "{dataset}"\nreplications = 3\n'
                    f'horizon_days = 200\nwarmup_days = 30\n[territory]\n{territory}',
                    encoding="utf-8")
    loaded = load_scenarios([path], allow_outside_data=True)[0]
    prepared = prepare(loaded)
    return prepared, simulate(loaded, prepared, workers=1)


def test_a_run_projects_the_ratio_per_replication_and_its_json_carries_it(
        small_dir: Path, tmp_path: Path) -> None:
    from scenarios.result import RunResult

    _, run = _run(tmp_path, small_dir, "today")
    per_rep = run.per_replication
    sales = per_rep["credit_sales_cny"].to_numpy()
    spent = per_rep["selling_expenses_cny"].to_numpy()
    np.testing.assert_allclose(per_rep["selling_expense_ratio"], spent / sales)
    # the costs that do not follow sales are the same in every replication: expenses less
    # the promotion share of sales is one number (today's share measured from the data)
    ds = load_dataset(small_dir)
    window = Window.ending(ds.as_of, 365)
    ledger = Ledger.from_tables(ds["invoices"], ds["payments"])
    exp = ds["selling_expenses"]
    share = (selling_expenses_cny(exp[exp["category"] == "promotion"], window)
             / (selling_expenses_cny(exp, window) / selling_expense_ratio(exp, ledger, window)))
    fixed = spent - share * sales
    np.testing.assert_allclose(fixed, fixed[0], rtol=1e-9)
    # ... and is today's non-promotion spending, per day, over the 170 days measured
    today_fixed = selling_expenses_cny(exp[exp["category"] != "promotion"], window)
    assert fixed[0] == pytest.approx(today_fixed * 170 / 365, rel=0.02)
    doc = run.result.to_json()
    assert set(doc["details"]["selling_expense_ratio"]) >= {"mean", "ci95"}
    assert doc["selling_expenses"]["today_ratio"] == pytest.approx(
        selling_expense_ratio(exp, ledger, window))
    assert doc["selling_expenses"]["target_change_points"] == -5.0
    back = RunResult.from_json(doc)
    assert back.selling_expenses == doc["selling_expenses"]
    assert back.details["selling_expense_ratio"].mean == pytest.approx(
        per_rep["selling_expense_ratio"].mean())


def test_more_reps_raise_the_projected_ratio_and_no_table_means_not_known(
        small_dir: Path, tmp_path: Path) -> None:
    from scenarios.expense_projection import with_expenses

    prepared, run = _run(tmp_path, small_dir, "today")
    basis = prepared.expenses[0]
    per_rep = run.per_replication[["replication", "credit_sales_cny"]]
    days = 170
    today = with_expenses(per_rep, basis, None, days)["selling_expense_ratio"]
    plan = {"reps": basis.reps + basis.specialists + 4, "calls_planned": 100.0,
            "calls_today": 100.0}
    more = with_expenses(per_rep, basis, plan, days)["selling_expense_ratio"]
    extra = 4 * basis.rep_month_cny * days / (365.25 / 12)
    np.testing.assert_allclose(more - today, extra / per_rep["credit_sales_cny"])
    richer = with_expenses(per_rep.assign(credit_sales_cny=per_rep["credit_sales_cny"] * 1.2),
                           basis, None, days)["selling_expense_ratio"]
    assert (richer < today).all()  # more sales at the same costs: a lower ratio
    folder = tmp_path / "data_without"
    shutil.copytree(small_dir, folder)
    (folder / "selling_expenses.csv").unlink()
    _, bare = _run(tmp_path, folder, "bare")
    assert "selling_expense_ratio" not in bare.result.details
    assert bare.result.to_json()["selling_expenses"] == {}


def test_the_committee_sees_the_ratio_its_ci_and_its_change_in_points() -> None:
    from scenarios.compare import ScenarioResult
    from scenarios.result import RunResult
    from ui.committee_views import sales_view

    def result(name: str, mean: float) -> ScenarioResult:
        doc = {"scenario": name, "window": {"horizon_days": 365, "warmup_days": 90},
               "details": {"selling_expense_ratio": {"mean": mean, "ci95": [mean - 0.004,
                                                                          mean + 0.004]}}}
        return ScenarioResult(f"{name}.toml", name, "", RunResult.from_json(doc),
                              pd.DataFrame(), {})

    bare = ScenarioResult("x.toml", "x", "", RunResult.from_json({"scenario": "x"}),
                          pd.DataFrame(), {})
    diffs = {"b": {"selling_expense_ratio": {"mean": -0.061, "ci95": [-0.07, -0.052]}},
             "c": {"selling_expense_ratio": {"mean": -0.02, "ci95": [-0.03, -0.01]}},
             # the mean beyond the target, the interval across it: not yet decided
             "d": {"selling_expense_ratio": {"mean": -0.055, "ci95": [-0.08, -0.03]}}}
    view = sales_view([result("a", 0.32), result("b", 0.259), result("c", 0.30),
                       result("d", 0.265), bare], diffs).set_index("scenario")
    assert view.loc["a", "selling-expense ratio"] == "32.0%"
    assert view.loc["a", "ratio 95% CI"] == "31.6% – 32.4%"
    assert view.loc["a", "ratio vs base (points, 95% CI)"] == "—"
    assert view.loc["b", "ratio vs base (points, 95% CI)"] == "-6.1 (-7.0 to -5.2)"
    assert view.loc["b", "target −5 points"] == "reached"
    assert view.loc["c", "target −5 points"] == "not reached"
    assert view.loc["d", "target −5 points"] == "uncertain"
    assert view.loc["x", "selling-expense ratio"] == "not known"


@pytest.mark.parametrize("with_table", [True, False])
def test_today_page_shows_todays_ratio_or_not_known(small_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     with_table: bool) -> None:
    from streamlit.testing.v1 import AppTest

    folder = tmp_path / "ds"
    shutil.copytree(small_dir, folder)
    if not with_table:
        (folder / "selling_expenses.csv").unlink()
    monkeypatch.setenv("PHARMAOPS_DATASET", str(folder))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=60).run(timeout=60)
    assert not at.exception
    card = next(m for m in at.metric if m.label == "Selling-expense ratio")
    if not with_table:
        assert card.value == "not known"
        return
    ds = load_dataset(folder)
    ratio = selling_expense_ratio(ds["selling_expenses"],
                                  Ledger.from_tables(ds["invoices"], ds["payments"]),
                                  Window.ending(ds.as_of, 365))
    assert card.value == f"{100 * ratio:.1f}%"
    assert f"target {100 * ratio - 5:.1f}%" in card.proto.delta_description
