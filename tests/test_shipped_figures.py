"""Every shipped scenario gives the figures recorded before the one-way restructuring.

The restructuring (simulation config, shared pieces moved down, thin CLI and app) must not
change a number: the same scenario and seed give the same run JSON. The figures in
``tests/data/shipped_figures.json`` were recorded with the code before the change (small data
set, seed 7; each scenario shortened to 120 days with 30 days of warm-up, 2 replications).
A later deliberate change of a mechanism re-records them in its own commit, saying why:

    PHARMAOPS_RECORD_FIGURES=1 .venv/bin/python -m pytest tests/test_shipped_figures.py
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest

from data.dataset import load_dataset
from scenarios.jsonio import json_ready
from scenarios.loading import load_scenario
from scenarios.paths import shipped_scenario
from scenarios.run import prepare, simulate

PROJECT = Path(__file__).resolve().parents[1]
FIGURES = Path(__file__).resolve().parent / "data" / "shipped_figures.json"
SHIPPED = ("baseline", "plan", "whatif_extended_terms")
REPLICATIONS = 2
#: fields that describe the machine or the moment, not the simulation
VOLATILE = ("runtime_s", "run_id", "dataset")
#: wall times nested anywhere in the payload
TIMINGS = {"seconds", "runtime_s"}


def _short_copy(text: str) -> str:
    for pattern, value in ((r'^dataset = ".*"', 'dataset = "../data/small"'),
                           (r"^horizon_days = \d+", "horizon_days = 120"),
                           (r"^warmup_days = \d+", "warmup_days = 30")):
        text, n = re.subn(pattern, value, text, count=1, flags=re.MULTILINE)
        assert n == 1, pattern
    return text


@pytest.fixture(scope="module")
def figures(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("shipped")
    (root / "data").mkdir()
    (root / "data" / "small").symlink_to(small_dir)
    (root / "scenarios").mkdir()
    dataset = load_dataset(small_dir)
    out = {}
    for name in SHIPPED:
        file = root / "scenarios" / f"{name}.toml"
        file.write_text(_short_copy(shipped_scenario(name).read_text(
            encoding="utf-8")), encoding="utf-8")
        loaded = load_scenario(file, allow_outside_data=True)
        run = simulate(loaded, prepare(loaded, dataset), replications=REPLICATIONS, workers=1)
        payload = {k: v for k, v in json_ready(run.payload).items() if k not in VOLATILE}
        payload["calibration"] = payload["calibration"].split(" ")[-1]  # no folder path
        payload["per_replication"] = json_ready(run.per_replication.to_dict(orient="list"))
        payload["tables"] = {key: json_ready(table.to_dict(orient="list"))
                             for key, table in run.tables.items()}
        out[name] = payload
    return out


def _same(found, expected, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(found, dict) and set(found) == set(expected), (
            f"{where}: keys {sorted(set(found) ^ set(expected))} differ")
        for key in set(expected) - TIMINGS:
            _same(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list) and len(found) == len(expected), f"{where}: length"
        for i, (f, e) in enumerate(zip(found, expected, strict=True)):
            _same(f, e, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(found, bool):
        assert isinstance(found, int | float), f"{where}: {found!r} is not a number"
        if math.isnan(expected):
            assert math.isnan(found), f"{where}: {found} is not NaN"
        else:
            assert found == pytest.approx(expected, rel=1e-9, abs=1e-12), where
    else:
        assert found == expected, f"{where}: {found!r} != {expected!r}"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_gives_its_recorded_figures(figures: dict[str, dict], name: str) -> None:
    if os.environ.get("PHARMAOPS_RECORD_FIGURES"):
        recorded = json.loads(FIGURES.read_text(encoding="utf-8")) if FIGURES.exists() else {}
        recorded[name] = figures[name]
        FIGURES.write_text(json.dumps(recorded, indent=1, sort_keys=True, allow_nan=True) + "\n",
                           encoding="utf-8")
    expected = json.loads(FIGURES.read_text(encoding="utf-8"))[name]
    _same(figures[name], expected, name)
