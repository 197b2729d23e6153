"""Real geography of mainland China: districts with coordinates, regions and remote flags."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

DISTRICTS_CSV = Path(__file__).parent / "geo" / "china_districts.csv"
EARTH_RADIUS_KM = 6371.0


def great_circle_km(lon1, lat1, lon2, lat2):
    """Haversine great-circle distance in km between points in degrees (arrays broadcast)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float))
                              for v in (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@lru_cache(maxsize=1)
def _districts() -> pd.DataFrame:
    frame = pd.read_csv(DISTRICTS_CSV, dtype={"adcode": str})
    for col in ("province", "city", "district"):
        frame[col] = frame[col].fillna("").astype(str)
    return frame


def load_districts() -> pd.DataFrame:
    """The shipped district table (see ``data/geo/SOURCE.md``); a fresh copy each call."""
    return _districts().copy()
