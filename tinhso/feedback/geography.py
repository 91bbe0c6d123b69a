"""Where a report may be: the province's extent, distances, and bounding boxes for SQL prefilters.

The province is Thành phố Cần Thơ as it is from 1 July 2025: the former Thành phố Cần Thơ, Tỉnh
Hậu Giang and Tỉnh Sóc Trăng. The administrative-unit registry has no coordinates, so the
extent is three bounding boxes, one per former province, from their published extremes plus a
margin of about 2 km (docs/feedback.md lists the sources). A box is not a border: a point just
across the border in a neighbouring province can pass; the commune chosen by the reporter and
the handler's check do the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tinhso.core.errors import ValidationFailed

# The current (2025) province whose communes reports may name: Thành phố Cần Thơ.
PROVINCE_UNIT_CODE = "92"
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


@dataclass(frozen=True)
class Box:
    name: str
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


PROVINCE_BOXES: tuple[Box, ...] = (
    # Former Thành phố Cần Thơ: 9°55'08"-10°19'38" N, 105°13'38"-105°50'35" E.
    Box("Cần Thơ (trước 01/7/2025)", 9.90, 105.20, 10.35, 105.87),
    # Former Tỉnh Hậu Giang: 9°34'59"-9°59'39" N, 105°19'39"-105°53'49" E.
    Box("Hậu Giang (trước 01/7/2025)", 9.56, 105.30, 10.02, 105.92),
    # Former Tỉnh Sóc Trăng: 9°12'-9°56' N, 105°33'-106°23' E.
    Box("Sóc Trăng (trước 01/7/2025)", 9.18, 105.53, 9.96, 106.41),
)
# The smallest box around the three, for maps.
PROVINCE_EXTENT = Box(
    "Thành phố Cần Thơ",
    min(b.min_lat for b in PROVINCE_BOXES),
    min(b.min_lon for b in PROVINCE_BOXES),
    max(b.max_lat for b in PROVINCE_BOXES),
    max(b.max_lon for b in PROVINCE_BOXES),
)


def in_province(lat: float, lon: float) -> bool:
    return any(box.contains(lat, lon) for box in PROVINCE_BOXES)


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        value = None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(
            f"Tọa độ {field} không phải là số.",
            f"The {field} is not a number.",
            code="feedback.invalid_coordinates",
        ) from None
    if not number.is_finite():
        raise ValidationFailed(
            f"Tọa độ {field} không hợp lệ.", f"The {field} is not valid.", code="feedback.invalid_coordinates"
        )
    return number.quantize(Decimal("0.000001"))


def clean_coordinates(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither, as decimals with 6 places (about 11 cm), inside the province."""
    missing = [value is None or value == "" for value in (latitude, longitude)]
    if all(missing):
        return None, None
    if any(missing):
        raise ValidationFailed(
            "Cần nhập cả vĩ độ và kinh độ.",
            "Both latitude and longitude are needed.",
            code="feedback.invalid_coordinates",
        )
    lat, lon = _decimal(latitude, "latitude"), _decimal(longitude, "longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed(
            "Vĩ độ phải trong khoảng -90..90 và kinh độ trong khoảng -180..180.",
            "Latitude must be within -90..90 and longitude within -180..180.",
            code="feedback.invalid_coordinates",
        )
    if not in_province(float(lat), float(lon)):
        raise ValidationFailed(
            "Vị trí phản ánh nằm ngoài địa bàn thành phố Cần Thơ (gồm địa bàn tỉnh Hậu Giang, Sóc Trăng cũ).",
            "The location is outside Thành phố Cần Thơ (which includes the former Hậu Giang and Sóc Trăng).",
            code="feedback.outside_province",
            details={
                "extent": [
                    PROVINCE_EXTENT.min_lat,
                    PROVINCE_EXTENT.min_lon,
                    PROVINCE_EXTENT.max_lat,
                    PROVINCE_EXTENT.max_lon,
                ]
            },
        )
    return lat, lon


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def box_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a box that contains the circle of ``radius_m``
    around the point, a little larger than needed and never smaller, so a SQL prefilter on it
    loses no point that :func:`haversine_m` would keep."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    # Longitude degrees shrink away from the equator: use the box edge farthest from it.
    far_lat = min(abs(lat) + dlat, 89.0)
    dlon = dlat / math.cos(math.radians(far_lat))
    margin = 1.001
    return lat - dlat * margin, lon - dlon * margin, lat + dlat * margin, lon + dlon * margin
