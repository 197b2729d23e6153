"""Results computed once per data set object (data/dataset_memo.py): the same object and
arguments compute once, another object (even with the same fingerprint) or other arguments
compute again, a caller's changes do not reach the next caller, and the results go with the
data set."""

from __future__ import annotations

import gc

import pandas as pd

from data import dataset_memo
from data.dataset import Dataset
from data.dataset_memo import per_dataset

calls: list[tuple[str, int]] = []


@per_dataset
def column_total(ds: Dataset, scale: int = 1) -> pd.DataFrame:
    calls.append((ds.fingerprint, scale))
    return pd.DataFrame({"total": [int(ds["t"]["x"].sum()) * scale]})


def dataset(values: list[int], fingerprint: str = "same") -> Dataset:
    return Dataset({"t": pd.DataFrame({"x": values})}, pd.Timestamp("2026-09-30"), fingerprint)


def test_one_computation_per_data_set_and_arguments() -> None:
    calls.clear()
    a, b = dataset([1, 2]), dataset([10, 20])  # the same fingerprint, other tables
    assert column_total(a)["total"].iat[0] == 3
    assert column_total(a)["total"].iat[0] == 3
    assert column_total(b)["total"].iat[0] == 30
    assert column_total(a, scale=2)["total"].iat[0] == 6
    assert calls == [("same", 1), ("same", 1), ("same", 2)]


def test_a_callers_change_does_not_reach_the_next_caller() -> None:
    a = dataset([1, 2])
    first = column_total(a)
    first.loc[0, "total"] = -1
    assert column_total(a)["total"].iat[0] == 3


def test_the_results_go_with_the_data_set() -> None:
    a = dataset([5])
    column_total(a)
    key = id(a)
    assert key in dataset_memo._kept
    del a
    gc.collect()
    assert key not in dataset_memo._kept
