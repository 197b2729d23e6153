"""A data set's fingerprint from its files alone, without loading it: the key under which a
data set checked once is kept (``scenarios/dataset_cache.py``)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from data.dataset import META_FILE, _find_files
from data.tables import TABLE_ORDER, TABLES


def files_fingerprint(folder: str | os.PathLike[str]) -> str | None:
    """The fingerprint :func:`load_dataset` gives the data set in ``folder`` when it loads,
    from the files' bytes alone (no parsing, no checks): sha256 over each table's name and
    file, in table order, then ``dataset.json``. None when a required table has no file or a
    table has several (loading refuses those)."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for name in TABLE_ORDER:
        paths = _find_files(folder, name)
        if not paths and TABLES[name].optional:
            continue
        if len(paths) != 1:
            return None
        digest.update(name.encode() + b"\0" + paths[0].read_bytes())
    if (folder / META_FILE).is_file():
        digest.update(META_FILE.encode() + b"\0" + (folder / META_FILE).read_bytes())
    return digest.hexdigest()
