"""The data set: determinism, validation that names every problem, formats, atomic writes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.dataset import Dataset, load_dataset
from data.dataset_writer import write_dataset
from data.generate import generate_dataset, generate_to_folder
from data.problems import DatasetError
from data.tables import TABLE_ORDER, TABLES
from tests.conftest import TINY


def test_same_seed_same_data_different_seed_different(tmp_path: Path, tiny_dir: Path) -> None:
    again = load_dataset(generate_to_folder(TINY, 11, tmp_path / "again"))
    other = load_dataset(generate_to_folder(TINY, 12, tmp_path / "other"))
    first = load_dataset(tiny_dir)
    assert again.fingerprint == first.fingerprint
    assert other.fingerprint != first.fingerprint


def test_generated_small_profile_is_valid_and_complete(small_dir: Path) -> None:
    ds = load_dataset(small_dir)
    counts = ds.counts()
    # the profile's 400 terminals of the market: those still prospects are listed apart
    assert counts["customers"] == 120
    assert counts["terminals"] + counts["prospects"] == 400
    won = ds["terminals"]["won_date"].dropna()
    assert len(won) and (won >= pd.Timestamp(ds.meta["history_start"])).all()
    assert not set(ds["prospects"]["prospect_id"]) & set(ds["terminals"]["terminal_id"])
    assert all(counts[name] > 0 for name in TABLE_ORDER)
    assert set(ds["customers"]["customer_type"]) == set(TABLES["customers"].column(
        "customer_type").allowed)
    assert ds.as_of == pd.Timestamp("2026-09-30")
    # ledger closes: paid + written off never exceeds the invoice
    paid = ds["payments"].groupby("invoice_id")["amount_cny"].sum()
    inv = ds["invoices"].set_index("invoice_id")
    settled = paid.reindex(inv.index, fill_value=0) + inv["write_off_cny"]
    assert (settled <= inv["amount_cny"] + 0.01).all()


def test_generator_writes_no_figure_into_the_history() -> None:
    """KPIs come from timestamps and payments: moving a mechanism moves the KPI."""
    from dataclasses import replace

    from data.generate import ProcessTruth
    from data.history import measure_history

    def kpis(truth: ProcessTruth) -> dict[str, float]:
        tables, meta = generate_dataset(TINY, 5, truth=truth)
        return measure_history(Dataset(tables, pd.Timestamp(meta["as_of"]), "x"), 90).kpis

    base = ProcessTruth()
    today = kpis(base)
    slower = kpis(replace(base, approval_mean_hours=base.approval_mean_hours * 4))
    later = kpis(replace(base, lateness_mean_days={k: v + 30 for k, v in
                                                    base.lateness_mean_days.items()}))
    assert slower["order_processing_days"] > today["order_processing_days"] + 0.5
    # reminders halve lateness past day 15, so +30 days of lateness moves DSO by less
    assert later["dso_days"] > today["dso_days"] + 5


def _read_texts(folder: Path) -> dict[str, pd.DataFrame]:
    return {n: pd.read_csv(folder / f"{n}.csv", dtype=object, keep_default_na=False)
            for n in TABLE_ORDER}


def _write_texts(texts: dict[str, pd.DataFrame], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in texts.items():
        frame.to_csv(folder / f"{name}.csv", index=False)


def test_every_kind_of_problem_is_named(tiny_dir: Path, tmp_path: Path) -> None:
    texts = _read_texts(tiny_dir)
    texts["customers"].loc[3, "annual_sales_cny"] = "lots"
    texts["customers"].loc[4, "region"] = "Atlantis"
    texts["customers"].loc[5, "beds"] = "1e400"  # an integer column: infinity is no count
    texts["orders"].loc[0, "customer_id"] = "C999999"
    texts["orders"].loc[1, "delivered_at"] = "2000-01-01T00:00:00"
    texts["products"].loc[1, "product_id"] = texts["products"].loc[0, "product_id"]
    texts["payments"] = texts["payments"].drop(columns="paid_date")
    _write_texts(texts, tmp_path / "bad")
    with pytest.raises(DatasetError) as err:
        load_dataset(tmp_path / "bad")
    found = {(Path(p.source).name, p.location.split("column ")[-1]) for p in err.value.problems}
    assert ("customers.csv", "annual_sales_cny") in found
    assert ("customers.csv", "region") in found
    assert ("customers.csv", "beds") in found
    assert ("orders.csv", "customer_id") in found
    assert ("orders.csv", "delivered_at") in found
    assert ("products.csv", "product_id") in found
    assert ("payments.csv", "header") in found
    cust = next(p for p in err.value.problems if "annual_sales_cny" in p.location)
    assert "line 5" in cust.location and "customer_id=" in cust.location
    assert cust.found == "'lots'" and "number" in cust.expected


def test_missing_table_is_named(tiny_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(tiny_dir, tmp_path / "ds")
    (tmp_path / "ds" / "sites.csv").unlink()
    with pytest.raises(DatasetError) as err:
        load_dataset(tmp_path / "ds")
    assert any(p.source.endswith("sites.csv") and p.found == "no file"
               for p in err.value.problems)


def test_excel_tables_are_read_like_csv(tiny_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(tiny_dir, tmp_path / "ds")
    reps = pd.read_csv(tmp_path / "ds" / "reps.csv", dtype=object, keep_default_na=False)
    (tmp_path / "ds" / "reps.csv").unlink()
    reps.to_excel(tmp_path / "ds" / "reps.xlsx", index=False)
    ds = load_dataset(tmp_path / "ds")
    pd.testing.assert_frame_equal(ds["reps"], load_dataset(tiny_dir)["reps"])


def test_interrupted_write_leaves_nothing(tmp_path: Path, tiny_dir: Path) -> None:
    tables = dict(load_dataset(tiny_dir).tables)
    tables["payments"] = tables["payments"].drop(columns="amount_cny")  # fails mid-write
    with pytest.raises(KeyError):
        write_dataset(tables, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


JUNK = st.sampled_from(["", "x", "-1", "1e400", "NaN", "2026-13-45", "true", "C000001",
                        "9999999999", " ", "None", "0", "1.5", "中文"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_tables_are_refused_with_named_problems(tiny_dir: Path, data: st.DataObject
                                                        ) -> None:
    """Property: a mutated data set either loads or is refused whole with named problems;
    never another exception."""
    texts = _read_texts(tiny_dir)
    name = data.draw(st.sampled_from(TABLE_ORDER))
    frame = texts[name]
    action = data.draw(st.sampled_from(["cell", "drop_column", "duplicate_row", "rename"]))
    if action == "cell":
        row = data.draw(st.integers(0, len(frame) - 1))
        col = data.draw(st.sampled_from(list(frame.columns)))
        frame.loc[row, col] = data.draw(JUNK)
    elif action == "drop_column":
        frame = frame.drop(columns=data.draw(st.sampled_from(list(frame.columns))))
    elif action == "duplicate_row":
        frame = pd.concat([frame, frame.iloc[[data.draw(st.integers(0, len(frame) - 1))]]])
    else:
        col = data.draw(st.sampled_from(list(frame.columns)))
        frame = frame.rename(columns={col: col.upper()})
    texts[name] = frame
    with tempfile.TemporaryDirectory() as tmp:
        _write_texts(texts, Path(tmp))
        try:
            ds = load_dataset(tmp)
        except DatasetError as err:
            assert err.problems
            for p in err.problems:
                assert p.source and p.expected and p.found
                assert p.location or p.source.endswith((".csv", ".xlsx"))
            return
    # accepted: then the mutation must have been harmless (same kinds, keys still unique)
    assert action == "cell"
    for table_name in TABLE_ORDER:
        spec = TABLES[table_name]
        assert not ds[table_name].duplicated(list(spec.key)).any()
    assert np.isfinite(ds["invoices"]["amount_cny"]).all()


def test_docs_list_every_column() -> None:
    from data.tables import tables_markdown

    text = (Path(__file__).parents[1] / "docs" / "data.md").read_text(encoding="utf-8")
    assert tables_markdown() in text, "docs/data.md is stale: regenerate its tables section"
