"""Where things are: the project's folders, the default data set, scenario book and run
store, and the environment variables that move them. One small module, so the CLI, the app
and the library agree."""

from __future__ import annotations

import os
from pathlib import Path

from scenarios.book import current_quarter

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DATASET = DATA_DIR / "national"
SCENARIOS_DIR = PROJECT_ROOT / "scenarios"

#: the data set folder the app's sidebar starts with
DATASET_ENV_VAR = "PHARMAOPS_DATASET"
#: the folder of scenario files the committee page lists
SCENARIOS_ENV_VAR = "PHARMAOPS_SCENARIOS_DIR"
#: the run store file
STORE_ENV_VAR = "PHARMAOPS_RUN_STORE"


def _configured(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser() if value else None


def default_dataset() -> Path:
    """``$PHARMAOPS_DATASET`` or ``data/national``."""
    return _configured(DATASET_ENV_VAR) or DEFAULT_DATASET


def shipped_quarter_dir() -> Path:
    """The newest quarter folder of the shipped scenario book (``scenarios/2026Q4``)."""
    quarter = current_quarter(SCENARIOS_DIR)
    if quarter is None:
        raise FileNotFoundError(f"no quarter folder (like 2026Q4) in {SCENARIOS_DIR}")
    return SCENARIOS_DIR / quarter


def shipped_scenario(name: str) -> Path:
    """The shipped scenario file of stem ``name`` in the newest quarter
    (``shipped_scenario("plan")`` → ``scenarios/2026Q4/plan.toml``)."""
    return shipped_quarter_dir() / f"{name}.toml"


def default_scenarios_dir() -> tuple[Path, bool]:
    """``$PHARMAOPS_SCENARIOS_DIR`` (and True) or the shipped book's newest quarter folder
    (and False)."""
    configured = _configured(SCENARIOS_ENV_VAR)
    return (configured, True) if configured else (shipped_quarter_dir(), False)


def default_store_path() -> Path:
    """``$PHARMAOPS_RUN_STORE`` or ``runs/pharmaops.sqlite`` in the project."""
    return _configured(STORE_ENV_VAR) or PROJECT_ROOT / "runs" / "pharmaops.sqlite"
