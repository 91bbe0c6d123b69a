"""The province's extent, distances and public identifiers."""

from decimal import Decimal

import pytest

from tinhso.core.errors import ValidationFailed
from tinhso.feedback.geography import PROVINCE_EXTENT, clean_coordinates, haversine_m, in_province
from tinhso.feedback.identifiers import ALPHABET, looks_like_public_id, new_public_id, normalize_public_id
from tinhso.feedback.tests.conftest import MONDAY_MORNING

PLACES_INSIDE = {
    "Vị Thanh": (9.7845, 105.4701),
    "Ngã Bảy": (9.8166, 105.8188),
    "Long Mỹ": (9.6797, 105.5636),
    "Ninh Kiều (Cần Thơ)": (10.0340, 105.7880),
    "Thốt Nốt (Cần Thơ)": (10.2710, 105.5320),
    "Sóc Trăng": (9.6025, 105.9739),
    "Vĩnh Châu (Sóc Trăng)": (9.3260, 105.9800),
    "Cù Lao Dung (Sóc Trăng)": (9.6700, 106.1800),
}
PLACES_OUTSIDE = {
    "Hà Nội": (21.0285, 105.8542),
    "TP Hồ Chí Minh": (10.7769, 106.7009),
    "Rạch Giá (An Giang)": (10.0125, 105.0809),
    "Cà Mau": (9.1769, 105.1524),
    "Long Xuyên": (10.3864, 105.4352),
    "Bến Tre": (10.2415, 106.3759),
}


@pytest.mark.parametrize("name", PLACES_INSIDE)
def test_places_inside(name):
    assert in_province(*PLACES_INSIDE[name])


@pytest.mark.parametrize("name", PLACES_OUTSIDE)
def test_places_outside(name):
    assert not in_province(*PLACES_OUTSIDE[name])
    with pytest.raises(ValidationFailed) as raised:
        clean_coordinates(*PLACES_OUTSIDE[name])
    assert raised.value.code == "feedback.outside_province"


def test_clean_coordinates():
    assert clean_coordinates("9.78451234", "105.4701") == (Decimal("9.784512"), Decimal("105.470100"))
    assert clean_coordinates(None, "") == (None, None)
    for bad in ((True, 105.0), ("inf", 105.0), (9.7, None)):
        with pytest.raises(ValidationFailed):
            clean_coordinates(*bad)
    assert PROVINCE_EXTENT.min_lat < 9.3 and PROVINCE_EXTENT.max_lon > 106.3


def test_haversine():
    assert haversine_m(9.7845, 105.4701, 9.7845, 105.4701) == 0
    # Vị Thanh to Ngã Bảy is about 38 km as the crow flies.
    assert 37_000 < haversine_m(9.7845, 105.4701, 9.8166, 105.8188) < 39_000


def test_public_ids():
    ids = {new_public_id(MONDAY_MORNING) for _ in range(200)}
    assert len(ids) == 200
    assert all(looks_like_public_id(i) and i.startswith("PA-2026-") for i in ids)
    assert not set("ILOU") & set(ALPHABET)
    assert normalize_public_id(" pa-2026-o1lk2x ") == "PA-2026-011K2X"
