"""Lossless JSON encoding of pandas tables for the run store, plus strict JSON for machines.

``decode_frame(encode_frame(t))`` gives back ``t`` exactly: values, dtypes (by name, including
categorical, nullable, datetime units and time zones), index (levels, names, freq) and column
names. Floats keep every bit (JSON text written with ``repr``; infinities as ``Infinity``);
missing cells are stored as null and come back as the dtype's missing value (None in object
columns). ``encode_kpis`` flattens a per-replication KPI table to long
``(replication, kpi, value)`` rows plus a layout; ``decode_kpis`` rebuilds the table in that
layout and its dtypes, sorted by replication, with a fresh RangeIndex.

Refused, as ``InputError`` problems with source ``"run record"``: anything but a DataFrame,
MultiIndex columns, column or index names that are not str or int, dtypes that
``pandas_dtype`` cannot rebuild from their name, cells that are not plain JSON values, dicts
with non-string keys; for KPIs also a ``replication`` column that is missing, not integer or
has gaps, non-numeric KPI columns and more than one value per (replication, KPI).

``strict_json`` and ``row_dicts`` go the lossy way, to standard JSON: NaN and infinities
become null, times ISO 8601 text, anything else unknown ``str``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_complex_dtype, is_integer_dtype, is_numeric_dtype, pandas_dtype

from data.problems import InputError, Problem

SOURCE = "run record"  # Problem.source of every refusal
KpiRow = tuple[int, str, float | None]  # (replication, kpi, value); None is SQL NULL
_FRAME_FORMAT = 1


def _refusal(location: str, expected: str, found: object) -> InputError:
    return InputError(Problem(SOURCE, location, expected, str(found)))


def encode_json_dict(value: Any, where: str) -> str:
    """A dict with string keys of plain JSON values as JSON text (tuples become lists)."""
    if not isinstance(value, dict):
        raise _refusal(where, "a dict", type(value).__name__)
    return json.dumps(_json_value(value, where), allow_nan=True)


# -- replication KPIs (long rows in SQL; layout and dtypes as JSON text) ----------------------
def encode_kpis(table: Any) -> tuple[str, list[KpiRow]]:
    """Validate the per-replication KPI table; its layout as JSON and its long rows."""
    where = "replication_kpis"
    if not isinstance(table, pd.DataFrame):
        raise _refusal(where, "a pandas DataFrame or None", type(table).__name__)
    columns = list(table.columns)
    if len(set(columns)) != len(columns) or not all(isinstance(c, str) for c in columns):
        raise _refusal(where, "unique string column names", columns)
    if "replication" not in columns:
        raise _refusal(
            where,
            "a 'replication' column (call reset_index() if it is the index)",
            f"columns {columns}",
        )
    reps = table["replication"]
    if not is_integer_dtype(reps.dtype) or reps.isna().any():
        raise _refusal(f"{where}.replication", "integers without gaps", f"dtype {reps.dtype}")
    long = set(columns) == {"replication", "kpi", "value"}
    value_columns = ["value"] if long else [c for c in columns if c != "replication"]
    if not value_columns:
        raise _refusal(where, "at least one KPI column besides 'replication'", columns)
    for name in value_columns:
        dtype = table[name].dtype
        if not is_numeric_dtype(dtype) or is_complex_dtype(dtype):
            raise _refusal(f"{where}.{name}", "a numeric KPI column", f"dtype {dtype}")
    meta = {
        "layout": "long" if long else "wide",
        "columns": columns,
        "dtypes": [_dtype_name(table[c].dtype, f"{where}.{c}") for c in columns],
    }
    rep_values = [int(r) for r in reps.tolist()]
    rows: list[KpiRow] = []
    if long:
        kpis = table["kpi"].tolist()
        if not all(isinstance(k, str) for k in kpis):
            raise _refusal(f"{where}.kpi", "KPI names as strings", f"dtype {table['kpi'].dtype}")
        meta["kpi_order"] = list(dict.fromkeys(kpis))
        rows.extend(zip(rep_values, kpis, _cells(table["value"], float), strict=True))
    else:
        for name in value_columns:
            rows.extend(
                zip(rep_values, [name] * len(table), _cells(table[name], float), strict=True)
            )
    keys = [(rep, kpi) for rep, kpi, _ in rows]
    if len(set(keys)) != len(keys):
        raise _refusal(where, "one value per (replication, KPI)", "duplicate replications")
    return json.dumps(meta), rows


def decode_kpis(layout: str, rows: list[KpiRow]) -> pd.DataFrame:
    """Inverse of ``encode_kpis``: the table sorted by replication, with a RangeIndex."""
    meta = json.loads(layout)
    if meta["layout"] == "long":
        order = {kpi: i for i, kpi in enumerate(meta["kpi_order"])}
        rows = sorted(rows, key=lambda r: (r[0], order[r[1]]))
        data = {
            name: [r[i] for r in rows] for i, name in enumerate(("replication", "kpi", "value"))
        }
    else:
        values = {(rep, kpi): value for rep, kpi, value in rows}
        reps = sorted({rep for rep, _, _ in rows})
        data = {
            name: reps if name == "replication" else [values.get((rep, name)) for rep in reps]
            for name in meta["columns"]
        }
    columns = {}
    for name, dtype in zip(meta["columns"], meta["dtypes"], strict=True):
        cells = [np.nan if v is None else v for v in data[name]]
        columns[name] = pd.Series(cells, dtype=object).astype(pandas_dtype(dtype))
    return pd.DataFrame(columns)


# -- decision tables (one JSON payload each) --------------------------------------------------
def encode_frame(table: Any, where: str) -> str:
    """A DataFrame as JSON text: columns with dtypes, index levels, column-axis name."""
    if not isinstance(table, pd.DataFrame):
        raise _refusal(where, "a pandas DataFrame", type(table).__name__)
    if isinstance(table.columns, pd.MultiIndex):
        raise _refusal(
            where, "one level of column names (flatten the columns first)", "MultiIndex columns"
        )
    for name in [*table.columns, table.columns.name]:
        _check_name(name, where, "column")
    index: list[dict[str, Any]] | None = None
    if not (_is_range(table.index) and table.index.name is None):
        index = []
        for level, name in enumerate(table.index.names):
            _check_name(name, where, "index")
            values = table.index.get_level_values(level)
            entry = _encode_column(pd.Series(values), f"{where}.index[{name!r}]")
            entry["name"] = name
            freq = getattr(values, "freqstr", None)
            if freq is not None:
                entry["freq"] = freq
            index.append(entry)
    columns = [
        {**_encode_column(table.iloc[:, i], f"{where}.{name}"), "name": name}
        for i, name in enumerate(table.columns)
    ]
    payload = {
        "format": _FRAME_FORMAT,
        "n_rows": len(table),
        "columns": columns,
        "columns_dtype": _dtype_name(table.columns.dtype, f"{where}.columns"),
        "columns_name": table.columns.name,
        "index": index,
    }
    return json.dumps(payload, allow_nan=True)


def decode_frame(text: str) -> pd.DataFrame:
    """Inverse of ``encode_frame``."""
    payload = json.loads(text)
    if payload.get("format") != _FRAME_FORMAT:
        raise ValueError(f"decision table payload format {payload.get('format')!r} is unknown")
    if payload["index"] is None:
        index: pd.Index = pd.RangeIndex(payload["n_rows"])
    else:
        levels = []
        for entry in payload["index"]:
            values = pd.Index(_decode_column(entry), name=entry["name"])
            if "freq" in entry:
                values = type(values)(values, freq=entry["freq"], name=entry["name"])
            levels.append(values)
        index = levels[0] if len(levels) == 1 else pd.MultiIndex.from_arrays(levels)
    # Arrays, not Series: nothing is aligned, so a non-unique index is kept as it was.
    arrays = {i: _decode_column(entry).array for i, entry in enumerate(payload["columns"])}
    frame = pd.DataFrame(arrays, index=index)
    frame.columns = pd.Index(
        [entry["name"] for entry in payload["columns"]],
        dtype=pandas_dtype(payload["columns_dtype"]),
        name=payload["columns_name"],
    )
    return frame


def _encode_column(series: pd.Series, where: str) -> dict[str, Any]:
    """One column: dtype name plus values (datetimes as int ticks, missing as None)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "dtype": "category",
            "ordered": bool(dtype.ordered),
            "categories": _encode_column(pd.Series(dtype.categories), f"{where}.categories"),
            "values": series.cat.codes.tolist(),
        }
    name = _dtype_name(dtype, where)
    if dtype.kind in "mM":
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        ticks = series.to_numpy().view("int64").tolist()
        return {"dtype": name, "values": _cells(series, lambda t: t, ticks)}
    return {"dtype": name, "values": _cells(series, lambda v: _json_value(v, where))}


def _decode_column(entry: dict[str, Any]) -> pd.Series:
    """Inverse of ``_encode_column``."""
    if entry["dtype"] == "category":
        categories = pd.Index(_decode_column(entry["categories"]))
        codes = np.asarray(entry["values"], dtype="int64")
        return pd.Series(pd.Categorical.from_codes(codes, categories, ordered=entry["ordered"]))
    dtype = pandas_dtype(entry["dtype"])
    if dtype.kind in "mM":
        nat = np.iinfo(np.int64).min
        ticks = np.asarray([nat if t is None else t for t in entry["values"]], dtype="int64")
        unit = np.datetime_data(getattr(dtype, "base", dtype))[0]
        tz = getattr(dtype, "tz", None)
        series = pd.Series(ticks.view(f"{dtype.kind}8[{unit}]"))
        if tz is not None:
            series = series.dt.tz_localize("UTC").dt.tz_convert(tz)
        return series.astype(dtype)
    return pd.Series(entry["values"], dtype=object).astype(dtype)


def _is_range(index: pd.Index) -> bool:
    """Whether ``index`` is the default ``0, 1, 2, ...`` (a name is allowed)."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _check_name(name: Any, where: str, axis: str) -> None:
    if name is not None and (not isinstance(name, (str, int)) or isinstance(name, bool)):
        raise _refusal(where, f"{axis} names that are strings or integers", repr(name))


def _dtype_name(dtype: Any, where: str) -> str:
    """``str(dtype)``, refused unless ``pandas_dtype`` rebuilds the same dtype from it."""
    name = str(dtype)
    try:
        same = pandas_dtype(name) == dtype
    except (TypeError, ValueError):
        same = False
    if not same:
        raise _refusal(where, "a dtype that can be stored by name", name)
    return name


def _cells(
    series: pd.Series, convert: Callable[[Any], Any], values: list[Any] | None = None
) -> list[Any]:
    """``convert`` applied to each cell (or to ``values``, one per cell); missing as None."""
    values = series.tolist() if values is None else values
    return [None if m else convert(v) for v, m in zip(values, series.isna().tolist(), strict=True)]


def _json_value(value: Any, where: str) -> Any:
    """``value`` as plain JSON types (numpy scalars unboxed, tuples as lists) or refused."""
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _refusal(where, "string keys", f"key {key!r} ({type(key).__name__})")
            out[key] = _json_value(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise _refusal(
        where,
        "a JSON value (None, bool, int, float, str, list, dict with string keys)",
        f"{type(value).__name__} {value!r:.60}",
    )


# -- strict JSON for machines (lossy) ---------------------------------------------------------
def row_dicts(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of strict-JSON values; a non-default index becomes leading columns."""
    if not _is_range(table.index):
        table = table.reset_index(allow_duplicates=True)
    names = [str(n) for n in table.columns]
    columns = [_cells(table.iloc[:, i], strict_json) for i in range(table.shape[1])]
    return [{n: col[r] for n, col in zip(names, columns, strict=True)} for r in range(len(table))]


def strict_json(value: Any) -> Any:
    """Plain JSON types only: NaN and infinities become None, times ISO 8601, others str."""
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    if isinstance(value, (datetime, pd.Timedelta)):
        return value.isoformat()
    return str(value)
