"""Results kept on disk are the results computed afresh: the data set's kept tables
(scenarios/dataset_cache.py), today's work content (scenarios/work_cache.py) and today's KPIs
(scenarios/history_cache.py). A hit equals
a fresh computation, a changed data set misses, a damaged file is recomputed, not trusted; the
loader's whitespace check skips stripping only when stripping would change nothing."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scenarios.run as run_module
from data.dataset import _EDGE_SPACE, _edges_clean, load_dataset
from data.fingerprint import files_fingerprint
from data.history import DEFAULT_DSO_PERIOD_DAYS, measure_history
from data.problems import DatasetError
from scenarios import dataset_cache, history_cache
from scenarios.dataset_cache import MANIFEST, entry_dir, load_dataset_kept
from scenarios.disk_cache import read_checked, write_checked
from scenarios.history_cache import measure_history_kept, read_report, report_file
from scenarios.process_cache import today_process
from scenarios.schema import Scenario
from scenarios.work_cache import read_work, work_file

#: every character str.strip() removes (brute force over Unicode)
WHITESPACE = [chr(i) for i in range(sys.maxunicode + 1)
              if not 0xD800 <= i <= 0xDFFF and chr(i).isspace()]


def assert_same_dataset(kept, fresh) -> None:
    assert list(kept.tables) == list(fresh.tables)
    assert (kept.as_of, kept.fingerprint, dict(kept.meta)) == (
        fresh.as_of, fresh.fingerprint, dict(fresh.meta))
    for name, table in fresh.tables.items():
        pd.testing.assert_frame_equal(kept[name], table, check_exact=True)
        for column in [c for c in table.columns if table[c].dtype == np.dtype(object)]:
            # identifiers stay numpy object of str (not Arrow strings), missing stays None
            assert kept[name][column].map(type).tolist() == table[column].map(type).tolist()


@pytest.fixture()
def copy(small_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(small_dir, tmp_path / "ds"))


def test_the_fingerprint_from_the_files_is_the_loaders(small_dir: Path) -> None:
    assert files_fingerprint(small_dir) == load_dataset(small_dir).fingerprint


def test_a_kept_data_set_is_the_data_set_loaded_afresh(small_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = load_dataset(small_dir)
    first = load_dataset_kept(small_dir, tmp_path)
    assert_same_dataset(first, fresh)
    assert (entry_dir(fresh.fingerprint, tmp_path) / MANIFEST).is_file()

    def no_loading(folder):
        raise AssertionError("the kept tables should have been read")

    monkeypatch.setattr(dataset_cache, "load_dataset", no_loading)
    assert_same_dataset(load_dataset_kept(small_dir, tmp_path), fresh)


def test_a_changed_data_set_misses(copy: Path, tmp_path: Path) -> None:
    before = load_dataset_kept(copy, tmp_path / "cache")
    invoices = pd.read_csv(copy / "invoices.csv", dtype=object, keep_default_na=False)
    invoices.loc[0, "amount_cny"] = str(float(invoices.loc[0, "amount_cny"]) + 1000.0)
    invoices.to_csv(copy / "invoices.csv", index=False)
    after = load_dataset_kept(copy, tmp_path / "cache")
    assert after.fingerprint != before.fingerprint
    assert after["invoices"]["amount_cny"].iat[0] == pytest.approx(
        before["invoices"]["amount_cny"].iat[0] + 1000.0)
    assert_same_dataset(after, load_dataset(copy))


@pytest.mark.parametrize("damage", ["table bytes", "manifest", "table missing"])
def test_a_damaged_entry_is_loaded_afresh(small_dir: Path, tmp_path: Path, damage: str) -> None:
    fresh = load_dataset_kept(small_dir, tmp_path)
    entry = entry_dir(fresh.fingerprint, tmp_path)
    table = entry / "invoices.parquet"
    if damage == "table bytes":
        data = bytearray(table.read_bytes())
        data[len(data) // 2] ^= 0xFF
        table.write_bytes(bytes(data))
    elif damage == "manifest":
        (entry / MANIFEST).write_text((entry / MANIFEST).read_text()[:-20], encoding="utf-8")
    else:
        table.unlink()
    assert dataset_cache.read_kept(entry, small_dir, fresh.fingerprint) is None
    assert_same_dataset(load_dataset_kept(small_dir, tmp_path), load_dataset(small_dir))


def test_a_refused_data_set_is_not_kept(copy: Path, tmp_path: Path) -> None:
    (copy / "orders.csv").write_text("order_id\nO1\n", encoding="utf-8")
    with pytest.raises(DatasetError) as kept:
        load_dataset_kept(copy, tmp_path)
    with pytest.raises(DatasetError) as fresh:
        load_dataset(copy)
    assert kept.value.problems == fresh.value.problems
    assert not tmp_path.exists() or not any(p.suffix == "" and (p / MANIFEST).exists()
                                            for p in tmp_path.iterdir())


def test_the_edge_check_catches_every_whitespace_character() -> None:
    assert len(WHITESPACE) > 20  # Unicode's, not only ASCII's
    for c in WHITESPACE:
        assert _EDGE_SPACE.search("\0" + c)
        for cell in (c + "x", "x" + c, c, "x" + c + c):
            assert not _edges_clean(pd.DataFrame({"a": ["ok", cell]}, dtype=object)), repr(cell)
    assert _edges_clean(pd.DataFrame({"a": ["ok", "a b", "", "中\u3000文"]}, dtype=object))
    assert not _edges_clean(pd.DataFrame({"a": ["ok", 3]}, dtype=object))  # not text: strip


def test_values_with_surrounding_whitespace_are_still_stripped(copy: Path) -> None:
    clean = load_dataset(copy)
    customers = pd.read_csv(copy / "customers.csv", dtype=object, keep_default_na=False)
    orders = pd.read_csv(copy / "orders.csv", dtype=object, keep_default_na=False)
    customers.loc[0, "name"] = "\u3000" + customers.loc[0, "name"] + "\xa0"
    customers.loc[1, "customer_id"] = customers.loc[1, "customer_id"] + " "
    orders.loc[orders["customer_id"] == customers.loc[1, "customer_id"].strip(),
               "customer_id"] = "\t" + customers.loc[1, "customer_id"].strip()
    customers.to_csv(copy / "customers.csv", index=False)
    orders.to_csv(copy / "orders.csv", index=False)
    padded = load_dataset(copy)
    for name in ("customers", "orders"):
        pd.testing.assert_frame_equal(padded[name], clean[name], check_exact=True)


# ------------------------------------------------------------------ today's work content
@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PHARMAOPS_RUN_STORE", str(tmp_path / "runs" / "store.sqlite"))
    monkeypatch.setattr(run_module, "_WORK", {})
    return tmp_path / "runs"


def test_kept_work_equals_the_work_computed_afresh(small_dir: Path, store: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ds = load_dataset(small_dir)
    scenario = Scenario.model_validate({"name": "t", "dataset": ".", "seed": 1})
    measured = today_process(ds)
    fresh = run_module.todays_work(ds, measured, scenario)
    file = work_file(ds.fingerprint, measured, scenario.assumptions.staffing_utilization)
    assert file.parent == store / "work" and read_work(file) == fresh
    # the measured office and pick work is lowered by the modelled wait: a real change
    assert fresh.office_hours.expected < measured.office_hours.expected

    calls = []
    real = run_module.net_of_modelled_wait
    monkeypatch.setattr(run_module, "net_of_modelled_wait",
                        lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(run_module, "_WORK", {})  # a new process
    assert run_module.todays_work(ds, measured, scenario) == fresh and not calls

    assert scenario.assumptions.staffing_utilization != 0.7
    assert work_file(ds.fingerprint, measured, 0.7) != file  # another staffing misses

    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace('"office_hours', '"office_hourz', 1), encoding="utf-8")
    assert read_work(file) is None  # the checksum no longer matches
    monkeypatch.setattr(run_module, "_WORK", {})
    assert run_module.todays_work(ds, measured, scenario) == fresh and calls == [1]


def test_checked_json_refuses_an_edited_body(tmp_path: Path) -> None:
    file = tmp_path / "x.json"
    assert write_checked(file, {"a": [1.5, float(np.pi)], "b": "中文"})
    assert read_checked(file) == {"a": [1.5, float(np.pi)], "b": "中文"}
    file.write_text(file.read_text(encoding="utf-8").replace("1.5", "2.5"), encoding="utf-8")
    assert read_checked(file) is None
    file.write_text("not json", encoding="utf-8")
    assert read_checked(file) is None


# ------------------------------------------------------------------ today's KPIs
def assert_same_report(kept, fresh) -> None:
    assert kept.window == fresh.window
    for name in ("overall", "aging_cny"):
        a, b = getattr(kept, name), getattr(fresh, name)
        assert list(a) == list(b)
        assert all(x == y or (np.isnan(x) and np.isnan(y)) for x, y in zip(
            a.values(), b.values(), strict=True))
    for name in ("by_region", "by_customer_type", "by_month"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(fresh, name),
                                      check_exact=True)


def test_kept_kpis_equal_a_fresh_measurement(small_dir: Path, copy: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ds = load_dataset(small_dir)
    fresh = measure_history(ds, period_days=180)
    assert_same_report(measure_history_kept(ds, 180, root=tmp_path), fresh)
    file = report_file(ds, 180, DEFAULT_DSO_PERIOD_DAYS, tmp_path)
    assert read_report(file) is not None

    monkeypatch.setattr(history_cache, "measure_history", None)  # must not be called
    assert_same_report(measure_history_kept(ds, 180, root=tmp_path), fresh)
    monkeypatch.undo()

    assert report_file(ds, 90, DEFAULT_DSO_PERIOD_DAYS, tmp_path) != file  # another period
    earlier_day = f"{ds.as_of - pd.Timedelta(days=30):%Y-%m-%d}"
    (copy / "dataset.json").write_text(f'{{"as_of": "{earlier_day}"}}', encoding="utf-8")
    earlier = load_dataset(copy)  # another as_of: another fingerprint, another measurement
    assert report_file(earlier, 180, DEFAULT_DSO_PERIOD_DAYS, tmp_path) != file
    assert_same_report(measure_history_kept(earlier, 180, root=tmp_path),
                       measure_history(earlier, period_days=180))
    assert measure_history_kept(earlier, 180, root=tmp_path).window != fresh.window

    file.write_text(file.read_text(encoding="utf-8")[:-5], encoding="utf-8")  # truncated
    assert read_report(file) is None
    assert_same_report(measure_history_kept(ds, 180, root=tmp_path), fresh)
