"""A small city for the field-report tests: the current Thành phố Cần Thơ with three wards, one
unit of another province, the city's People's Committee, a department and two ward committees
with their officers, and two categories with routing rules by ward."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tinhso.core.agencies.models import AgencyKind
from tinhso.core.permissions import ANONYMOUS, SYSTEM
from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel
from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportStatus

VN = ZoneInfo("Asia/Ho_Chi_Minh")
VI_THANH = (9.7845, 105.4701)
NGA_BAY = (9.8166, 105.8188)
LONG_MY = (9.6797, 105.5636)
HANOI = (21.0285, 105.8542)
# Wed 4 March 2026, 09:00: a plain working day, far from holidays.
MONDAY_MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=VN)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Officers and citizens are made in nearly every test; argon2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _unit(structure, code, name, level, parent=None, **extra):
    return AdministrativeUnit.objects.create(
        structure=structure,
        code=code,
        name=name,
        division_type=extra.pop("division_type", "phường"),
        level=level,
        parent=parent,
        search_name=name.lower(),
        valid_from=date(2025, 7, 1) if structure == Structure.CURRENT else None,
        valid_to=None if structure == Structure.CURRENT else date(2025, 6, 30),
    )


@pytest.fixture
def units(db):
    city = _unit(Structure.CURRENT, "92", "Thành phố Cần Thơ", UnitLevel.PROVINCE, division_type="thành phố")
    other = _unit(
        Structure.CURRENT, "79", "Thành phố Hồ Chí Minh", UnitLevel.PROVINCE, division_type="thành phố"
    )
    return {
        "city": city,
        "vi_thanh": _unit(Structure.CURRENT, "31321", "Phường Vị Thanh", UnitLevel.COMMUNE, city),
        "nga_bay": _unit(Structure.CURRENT, "31340", "Phường Ngã Bảy", UnitLevel.COMMUNE, city),
        "long_my": _unit(Structure.CURRENT, "31471", "Phường Long Mỹ", UnitLevel.COMMUNE, city),
        "other_province": other,
        "saigon": _unit(Structure.CURRENT, "26734", "Phường Sài Gòn", UnitLevel.COMMUNE, other),
        "legacy": _unit(Structure.LEGACY, "31318", "Phường I", UnitLevel.COMMUNE, None),
    }


@pytest.fixture
def city(make_agency, units):
    return make_agency(
        name="Ủy ban nhân dân thành phố Cần Thơ",
        code="000.00.00.H13",
        kind=AgencyKind.PROVINCIAL_COMMITTEE,
        unit=units["city"],
    )


@pytest.fixture
def construction(make_agency, city):
    return make_agency(name="Sở Xây dựng thành phố Cần Thơ", code="000.00.06.H13", parent=city)


@pytest.fixture
def ward_vt(make_agency, city, units):
    return make_agency(
        name="Ủy ban nhân dân phường Vị Thanh",
        code="000.00.41.H13",
        kind=AgencyKind.COMMUNE_COMMITTEE,
        parent=city,
        unit=units["vi_thanh"],
    )


@pytest.fixture
def ward_nb(make_agency, city, units):
    return make_agency(
        name="Ủy ban nhân dân phường Ngã Bảy",
        code="000.00.44.H13",
        kind=AgencyKind.COMMUNE_COMMITTEE,
        parent=city,
        unit=units["nga_bay"],
    )


@pytest.fixture
def officer_vt(make_officer, ward_vt):
    return make_officer(username="vt.chuyenvien", full_name="Bùi Văn Lợi", roles=[(ward_vt, "specialist")])


@pytest.fixture
def officer_vt2(make_officer, ward_vt):
    return make_officer(username="vt.motcua", full_name="Mai Thị Xuân", roles=[(ward_vt, "one_stop_officer")])


@pytest.fixture
def leader_vt(make_officer, ward_vt):
    return make_officer(username="vt.lanhdao", full_name="Đoàn Văn Yên", roles=[(ward_vt, "leader")])


@pytest.fixture
def officer_nb(make_officer, ward_nb):
    return make_officer(username="nb.chuyenvien", roles=[(ward_nb, "specialist")])


@pytest.fixture
def city_leader(make_officer, city):
    return make_officer(username="ct.lanhdao", roles=[(city, "leader")])


@pytest.fixture
def admin(make_officer, construction):
    return make_officer(username="ct.quantri", roles=[(construction, "platform_admin")])


@pytest.fixture
def citizen(make_citizen):
    return make_citizen(full_name="Nguyễn Văn Thành", phone="0912345678")


@pytest.fixture
def other_citizen(make_citizen):
    return make_citizen(full_name="Trần Thị Lan")


@pytest.fixture
def lights(construction, ward_vt, ward_nb, units):
    category = services.create_category(
        actor=SYSTEM,
        code="den-duong",
        name="Đèn đường hư hỏng",
        agency=construction,
        deadline_days=5,
        allow_anonymous=True,
        contact_required=True,
        attributes=[
            {
                "code": "so-cot",
                "datatype": "string",
                "required": False,
                "description": "Số hiệu cột đèn",
                "order": 2,
            },
            {
                "code": "tinh-trang",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "Tình trạng đèn",
                "order": 1,
                "values": [
                    {"key": "tat", "name": "Đèn không sáng"},
                    {"key": "chap-chon", "name": "Đèn chập chờn"},
                ],
            },
        ],
    )
    services.set_routing_rule(actor=SYSTEM, category=category, unit=units["vi_thanh"], agency=ward_vt)
    services.set_routing_rule(actor=SYSTEM, category=category, unit=units["nga_bay"], agency=ward_nb)
    return category


@pytest.fixture
def building(construction):
    """Signed-in reporters only; no photo required."""
    return services.create_category(
        actor=SYSTEM,
        code="xay-dung-trai-phep",
        name="Xây dựng trái phép",
        agency=construction,
        deadline_days=10,
        allow_anonymous=False,
        photo_required=False,
    )


def image_bytes(fmt: str = "JPEG", size=(800, 600), *, gps: bool = False, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "PhoneModel X"  # Model
        gps_ifd = {1: "N", 2: (9.0, 47.0, 4.2), 3: "E", 4: (105.0, 28.0, 12.4)}
        exif[0x8825] = gps_ifd  # GPSInfo
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "anh.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def jpeg():
    return lambda **kw: upload(image_bytes(**kw))


@pytest.fixture
def submit(lights, citizen, jpeg):
    """Submit a street-light report (defaults: the citizen, in Vị Thanh, one photo)."""

    def _submit(**overrides):
        fields = {
            "actor": citizen,
            "category": lights,
            "description": "Đèn đường trước chợ Vị Thanh không sáng nhiều đêm nay.",
            "photos": [jpeg()],
            "latitude": VI_THANH[0],
            "longitude": VI_THANH[1],
            "unit": "31321",
            "attributes": {"tinh-trang": "tat"},
            "now": MONDAY_MORNING,
        }
        fields.update(overrides)
        return services.submit_report(**fields).report

    return _submit


@pytest.fixture
def anonymous_submit(submit):
    return lambda **kw: submit(actor=ANONYMOUS, contact_email="dan@example.vn", **kw)


def force_status(report: Report, status: str, **fields) -> Report:
    """Put a report in a status for a test, bypassing the services (setup only)."""
    Report.objects.filter(pk=report.pk).update(status=status, **fields)
    report.refresh_from_db()
    return report


def in_status(report: Report, status: str, *, assignee=None) -> Report:
    extra = {}
    if status in {
        ReportStatus.ASSIGNED,
        ReportStatus.IN_PROGRESS,
        ReportStatus.RESOLVED,
        ReportStatus.REOPENED,
    }:
        extra["assignee"] = assignee
    if status == ReportStatus.RESOLVED:
        extra["resolved_at"] = report.created_at
    return force_status(report, status, **extra)
