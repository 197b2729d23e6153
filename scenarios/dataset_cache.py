"""A data set checked once and kept: its typed tables as Parquet beside the run store, so a new
process (the app after a restart, a command) reads them instead of parsing and checking every
row again (about 8 s on the national data set, 1 s from the kept tables).

The key is the data set's fingerprint, computed from the files' bytes alone
(:func:`data.fingerprint.files_fingerprint`, the fingerprint :func:`data.dataset.load_dataset`
gives), and the version of the loading code and of pandas and pyarrow. The same bytes checked
by the same code give the same tables, so nothing is skipped: a data set is kept only after
:func:`load_dataset` accepted it whole, and a refused one is checked again on every load. A
kept table whose sha256 or dtype does not match the manifest is not trusted; the data set is
loaded afresh.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data.dataset import Dataset, load_dataset
from data.fingerprint import files_fingerprint
from scenarios.disk_cache import (
    cache_dir,
    file_sha256,
    prune,
    read_checked,
    source_version,
    write_checked,
)

MANIFEST = "manifest.json"
FOLDER = "datasets"


def loader_version() -> str:
    """The loading code (``data/``) with the pandas, pyarrow and numpy versions that read and
    write the kept tables."""
    return source_version(("data",), (pd.__version__, pa.__version__, np.__version__))


def entry_dir(fingerprint: str, root: Path | None = None) -> Path:
    """The folder of a data set's kept tables."""
    return (root if root is not None else cache_dir(FOLDER)) / (
        f"{fingerprint[:24]}-{loader_version()}")


def load_dataset_kept(folder: str | os.PathLike[str], root: Path | None = None) -> Dataset:
    """:func:`load_dataset` of ``folder``, read from the kept tables when this exact data set
    was loaded before by this code; raises :class:`~data.problems.DatasetError` as it does."""
    folder = Path(folder)
    fingerprint = files_fingerprint(folder) if folder.is_dir() else None
    if fingerprint is not None:
        kept = read_kept(entry_dir(fingerprint, root), folder, fingerprint)
        if kept is not None:
            return kept
    dataset = load_dataset(folder)  # refuses with every problem, as without the cache
    keep(dataset, root)
    return dataset


def keep(dataset: Dataset, root: Path | None = None) -> bool:
    """Write ``dataset``'s tables and manifest (into a temporary folder, then renamed); False
    when the place is not writable."""
    target = entry_dir(dataset.fingerprint, root)
    if (target / MANIFEST).is_file():
        return True
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError:
        return False
    try:
        tables = {}
        for name, frame in dataset.tables.items():
            file = tmp / f"{name}.parquet"
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), file)
            tables[name] = {"sha256": file_sha256(file), "rows": len(frame),
                            "columns": [[c, str(t)] for c, t in frame.dtypes.items()]}
        manifest = {"fingerprint": dataset.fingerprint, "as_of": dataset.as_of.isoformat(),
                    "meta": dict(dataset.meta), "tables": tables,
                    "order": list(tables)}  # the manifest's keys are sorted
        if not write_checked(tmp / MANIFEST, manifest):
            raise OSError("manifest not written")
        tmp.chmod(0o755)  # mkdtemp makes it private; the kept tables are as readable as the data
        tmp.rename(target)
    except (OSError, pa.ArrowException, TypeError, ValueError):
        shutil.rmtree(tmp, ignore_errors=True)  # another process won the race, or no room
        return (target / MANIFEST).is_file()
    prune(target.parent)
    return True


def read_kept(entry: Path, folder: Path, fingerprint: str) -> Dataset | None:
    """The kept data set in ``entry``, or None when it is missing or does not match its
    manifest (checksums, rows, dtypes)."""
    manifest = read_checked(entry / MANIFEST)
    if manifest is None or manifest.get("fingerprint") != fingerprint:
        return None
    try:
        tables = {name: _read_table(entry / f"{name}.parquet", manifest["tables"][name])
                  for name in manifest["order"]}
        as_of = pd.Timestamp(manifest["as_of"])
        meta = manifest["meta"]
    except (OSError, KeyError, TypeError, ValueError, pa.ArrowException):
        return None
    if any(t is None for t in tables.values()) or not isinstance(meta, dict):
        return None
    return Dataset(tables, as_of, fingerprint, folder, meta)  # type: ignore[arg-type]


def _read_table(file: Path, spec: dict) -> pd.DataFrame | None:
    """One kept table with the dtypes it was written with (identifiers as numpy ``object``
    of ``str``, as the loader gives them: see docs/architecture.md); None if it differs."""
    if file_sha256(file) != spec["sha256"]:
        return None
    table = pq.read_table(file)
    dtypes = dict(spec["columns"])  # in the table's order (the manifest's keys are sorted)
    if table.column_names != list(dtypes) or table.num_rows != spec["rows"]:
        return None
    columns = {}
    for name, dtype in dtypes.items():
        values = table.column(name).to_numpy(zero_copy_only=False)
        # the dtype given, or pandas would infer its Arrow string dtype for text
        columns[name] = pd.Series(values, dtype=np.dtype(dtype), copy=False)
    frame = pd.DataFrame(columns)
    if [[c, str(t)] for c, t in frame.dtypes.items()] != spec["columns"]:
        return None
    return frame
