"""Points for the operations center's map: one approximate centre per administrative unit.

``AdministrativeUnit.latitude/longitude`` are empty (the units package ships no coordinates), so
the map reads a small GeoJSON of points shipped with the app, keyed by structure and GSO code
(codes are unique only within one structure). The demo file holds hand-placed, approximate
centres of the units the demo province's agencies serve; a deployment replaces it with its own
(setting ``IOC_UNIT_POINTS_FILE``) or fills the units' coordinates, which win when present.
See docs/ioc-pages.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DEMO_POINTS = Path(__file__).resolve().parent / "static" / "ioc" / "geo" / "demo-unit-points.geojson"


@dataclass(frozen=True)
class Point:
    structure: str
    code: str
    name: str
    level: str
    latitude: float
    longitude: float
    approximate: bool = True


def _points_file() -> Path:
    return Path(getattr(settings, "IOC_UNIT_POINTS_FILE", "") or DEMO_POINTS)


@lru_cache(maxsize=4)
def _load(path: str) -> dict[tuple[str, str], Point]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    points = {}
    for feature in data.get("features", []):
        geometry, props = feature.get("geometry") or {}, feature.get("properties") or {}
        if geometry.get("type") != "Point":
            continue  # only centres are drawn; a boundary file would need another map layer
        longitude, latitude = geometry["coordinates"][:2]
        key = (str(props["structure"]), str(props["code"]))
        points[key] = Point(
            structure=key[0],
            code=key[1],
            name=str(props.get("name", "")),
            level=str(props.get("level", "")),
            latitude=float(latitude),
            longitude=float(longitude),
            approximate=bool(props.get("approximate", True)),
        )
    return points


def points() -> dict[tuple[str, str], Point]:
    """Every point of the configured file, by (structure, code)."""
    return _load(str(_points_file()))


def point_for(unit) -> Point | None:
    """The centre of ``unit`` (an ``AdministrativeUnit``): its own coordinates when filled in,
    else the shipped point for its structure and code, else None."""
    if unit is None:
        return None
    if unit.latitude is not None and unit.longitude is not None:
        return Point(
            unit.structure,
            unit.code,
            unit.name,
            unit.level,
            float(unit.latitude),
            float(unit.longitude),
            False,
        )
    return points().get((unit.structure, unit.code))


def extent() -> list[list[float]]:
    """[[south, west], [north, east]] around every point (the map's initial frame)."""
    found = list(points().values())
    if not found:
        return [[8.5, 104.5], [11.0, 107.0]]  # the Mekong delta, when no point is shipped
    lats, lons = [p.latitude for p in found], [p.longitude for p in found]
    margin = 0.05
    return [[min(lats) - margin, min(lons) - margin], [max(lats) + margin, max(lons) + margin]]
