"""A data set written as the CSV tables :func:`data.dataset.load_dataset` reads (the
generator's output), atomically: a temporary folder, then a rename."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from data.dataset import META_FILE
from data.tables import TABLE_ORDER, TABLES, Table


def _to_text(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    out = {}
    for col in table.columns:
        s = frame[col.name]
        if col.kind in ("date", "datetime", "month"):
            # numpy formats ISO 8601 far faster than strftime
            unit = {"date": "D", "datetime": "s", "month": "M"}[col.kind]
            text = np.datetime_as_string(s.to_numpy(dtype=f"datetime64[{unit}]"), unit=unit)
            out[col.name] = np.where(s.isna().to_numpy(), "", text)
        elif col.kind == "bool":
            out[col.name] = np.where(s.astype(bool), "true", "false")
        elif col.kind == "float":
            out[col.name] = s.round(6)
        else:
            out[col.name] = s.fillna("") if s.dtype == object else s
    return pd.DataFrame(out)


def write_dataset(tables: Mapping[str, pd.DataFrame], out_dir: str | os.PathLike[str],
                  meta: Mapping[str, object] | None = None) -> Path:
    """Write tables as CSV into ``out_dir`` atomically (temporary folder, then rename)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name in TABLE_ORDER:
            if name not in tables and TABLES[name].optional:
                continue
            _to_text(tables[name], TABLES[name]).to_csv(tmp / f"{name}.csv", index=False)
        if meta is not None:
            (tmp / META_FILE).write_text(json.dumps(dict(meta), indent=2, default=str) + "\n",
                                         encoding="utf-8")
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
