"""Submitting reports: routing, deadline, anonymity rules per category, photos, idempotency, and
bad input refused with a clear error and nothing stored."""

import io
from datetime import datetime

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import PermissionDenied, ValidationFailed
from tinhso.core.events.models import OutboxEvent
from tinhso.core.files.models import StoredFile
from tinhso.core.permissions import ANONYMOUS, SYSTEM
from tinhso.core.workcalendar import services as calendar
from tinhso.feedback import contacts, services
from tinhso.feedback.errors import ContactRequired, IdempotencyKeyReused, SignInRequired, UnknownCategory
from tinhso.feedback.identifiers import looks_like_public_id
from tinhso.feedback.models import Report, ReportEvent, ReportPhoto, ReportStatus
from tinhso.feedback.tests.conftest import (
    HANOI,
    LONG_MY,
    MONDAY_MORNING,
    NGA_BAY,
    VI_THANH,
    VN,
    image_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


def _nothing_stored():
    return (
        Report.objects.count() == 0 and StoredFile.objects.count() == 0 and ReportPhoto.objects.count() == 0
    )


def _blobs(tmp_path):
    root = tmp_path / "media"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_submission_routes_dates_and_records(submit, citizen, ward_vt, lights):
    report = submit()
    assert looks_like_public_id(report.public_id) and report.public_id.startswith("PA-2026-")
    assert report.status == ReportStatus.NEW
    assert report.agency == ward_vt  # the routing rule of phường Vị Thanh
    assert report.reporter == citizen
    assert report.unit.code == "31321"
    assert report.attributes == {"tinh-trang": "tat"}
    # Deadline = add_working_days(receive_moment(created_at), 5): Mon 2 March 2026 09:00 → Mon 9 March.
    assert report.received_at == calendar.receive_moment(MONDAY_MORNING)
    assert report.due_at == calendar.add_working_days(calendar.receive_moment(MONDAY_MORNING), 5)
    assert report.due_at == datetime(2026, 3, 9, 9, 0, tzinfo=VN)
    assert [e.kind for e in ReportEvent.objects.filter(report=report)] == ["submitted", "routed"]
    record = AuditRecord.objects.filter(action="feedback.report_submitted").get()
    assert record.object_id == report.public_id
    assert "Vị Thanh" not in str(record.changes) and "chợ" not in str(record.changes)
    names = set(OutboxEvent.objects.values_list("name", flat=True))
    assert {"feedback.report_submitted", "feedback.report_routed"} <= names


def test_received_after_hours_counts_from_next_working_day(submit):
    friday_evening = datetime(2026, 3, 6, 19, 30, tzinfo=VN)
    report = submit(now=friday_evening)
    assert report.received_at == datetime(2026, 3, 9, 7, 0, tzinfo=VN)
    assert report.due_at == datetime(2026, 3, 16, 7, 0, tzinfo=VN)


def test_fallback_to_category_agency_without_rule(submit, construction):
    report = submit(latitude=LONG_MY[0], longitude=LONG_MY[1], unit="31471")
    assert report.agency == construction


def test_location_by_address_only(submit):
    report = submit(latitude=None, longitude=None, unit=None, address="Số 12 đường Trần Hưng Đạo")
    assert report.address == "Số 12 đường Trần Hưng Đạo" and report.latitude is None


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"latitude": HANOI[0], "longitude": HANOI[1]}, "feedback.outside_province"),
        ({"latitude": VI_THANH[0], "longitude": None}, "feedback.invalid_coordinates"),
        ({"latitude": "abc", "longitude": "105.4"}, "feedback.invalid_coordinates"),
        ({"latitude": "NaN", "longitude": "105.4"}, "feedback.invalid_coordinates"),
        ({"latitude": 95, "longitude": 105.4}, "feedback.invalid_coordinates"),
        ({"latitude": None, "longitude": None, "unit": None, "address": ""}, "feedback.location_required"),
        ({"unit": "26734"}, "feedback.unit_outside_province"),
        ({"unit": "99999"}, "feedback.invalid_unit"),
        ({"description": "ngắn"}, "feedback.invalid_description"),
        ({"description": "x" * 5001}, "feedback.invalid_description"),
        ({"attributes": {}}, "feedback.attribute_required"),
        ({"attributes": {"tinh-trang": "chay-no"}}, "feedback.invalid_attribute"),
        ({"attributes": {"tinh-trang": "tat", "mau-den": "do"}}, "feedback.unknown_attribute"),
        ({"attributes": ["tat"]}, "feedback.invalid_attribute"),
        ({"photos": []}, "feedback.photo_required"),
        ({"contact_phone": "12345"}, "feedback.invalid_phone"),
        ({"contact_email": "khong-phai-email"}, "feedback.invalid_email"),
        ({"channel": "fax"}, "feedback.invalid_channel"),
        ({"address": "a" * 501}, "feedback.invalid_address"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(submit, overrides, code, tmp_path):
    audit_before = AuditRecord.objects.count()
    with pytest.raises(ValidationFailed) as raised:
        submit(**overrides)
    assert raised.value.code == code
    assert raised.value.message_vi and raised.value.message_en
    assert _nothing_stored() and not _blobs(tmp_path)
    assert AuditRecord.objects.count() == audit_before


def test_unknown_or_inactive_category(submit, lights):
    with pytest.raises(UnknownCategory):
        submit(category="khong-ton-tai")
    services.update_category(actor=SYSTEM, category=lights, is_active=False)
    with pytest.raises(UnknownCategory) as raised:
        submit(category="den-duong")
    assert raised.value.code == "feedback.unknown_category" and raised.value.status == 422
    assert _nothing_stored()


def test_too_many_photos(submit, jpeg):
    with pytest.raises(ValidationFailed) as raised:
        submit(photos=[jpeg() for _ in range(6)])
    assert raised.value.code == "feedback.too_many_photos"
    assert _nothing_stored()


@pytest.mark.parametrize(
    "data, name, code, status",
    [
        (
            b"%PDF-1.7\n%binary\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
            "anh.jpg",
            "feedback.photo_invalid",
            415,
        ),
        (b"just some text, not an image at all", "anh.jpg", "feedback.photo_invalid", 415),
        (image_bytes("JPEG")[:400], "anh.jpg", "feedback.photo_invalid", 415),  # truncated
        (b"GIF89a" + b"\x00" * 40, "anh.gif", "feedback.photo_invalid", 415),
        (b"", "anh.jpg", "feedback.photo_invalid", 415),
    ],
)
def test_photos_are_checked_by_content(submit, data, name, code, status, tmp_path):
    with pytest.raises(ValidationFailed) as raised:
        submit(photos=[upload(image_bytes("PNG")), upload(data, name)])
    assert (raised.value.code, raised.value.status) == (code, status)
    assert raised.value.details["photo"] == 1
    assert _nothing_stored() and not _blobs(tmp_path)


def test_oversized_photo_is_refused_before_decoding(submit, monkeypatch, tmp_path):
    from tinhso.feedback import photos

    opened = []
    monkeypatch.setattr(photos.Image, "open", lambda *a, **k: opened.append(1))
    oversized = b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 10)
    with pytest.raises(ValidationFailed) as raised:
        submit(photos=[upload(oversized)])
    assert raised.value.code == "files.too_large" and raised.value.status == 413
    assert not opened
    assert _nothing_stored() and not _blobs(tmp_path)


def test_decompression_bomb_is_refused(submit):
    # A tiny PNG claiming 50 million pixels.
    bomb = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(bomb, format="PNG")
    with pytest.raises(ValidationFailed) as raised:
        submit(photos=[upload(bomb.getvalue(), "bomb.png")])
    assert raised.value.code == "feedback.photo_invalid"
    assert _nothing_stored()


def test_public_copies_have_no_exif_and_the_original_keeps_it(submit, jpeg):
    report = submit(photos=[jpeg(gps=True, size=(3000, 2000))])
    photo = report.photos.get()
    with default_storage.open(photo.original.storage_name) as handle:
        original = Image.open(io.BytesIO(handle.read()))
        assert original.getexif().get_ifd(0x8825)  # the GPS position is still in the private original
    for stored, longest in ((photo.large, 1600), (photo.thumbnail, 400)):
        with default_storage.open(stored.storage_name) as handle:
            data = handle.read()
        copy = Image.open(io.BytesIO(data))
        assert copy.format == "JPEG"
        assert max(copy.size) == longest
        assert not copy.getexif(), "public copy carries EXIF"
        assert "exif" not in copy.info and "icc_profile" not in copy.info
        assert b"Exif" not in data[:4096] and b"PhoneModel" not in data
        assert stored.purpose == "feedback_photo_public" and stored.owner is None and stored.agency is None
    assert photo.original.purpose == "feedback_photo"
    assert (photo.width, photo.height) == (3000, 2000)


def test_png_with_transparency_and_webp_are_accepted(submit):
    rgba = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(rgba, format="PNG")
    webp = io.BytesIO()
    Image.new("RGB", (300, 200), (1, 2, 3)).save(webp, format="WEBP")
    # A phone that names a JPEG "photo.png" is not refused: the name follows the content.
    report = submit(
        photos=[
            upload(rgba.getvalue(), "a.png"),
            upload(webp.getvalue(), "b.webp"),
            upload(image_bytes(), "c.png"),
        ]
    )
    assert report.photos.count() == 3
    assert sorted(report.photos.values_list("original__content_type", flat=True)) == [
        "image/jpeg",
        "image/png",
        "image/webp",
    ]


# --- Anonymity rules --------------------------------------------------------------------------


def test_anonymous_report_with_contact_is_stored_encrypted(anonymous_submit, lights):
    report = anonymous_submit(contact_phone="0912 345 678", contact_name="Chị Hoa")
    assert report.reporter is None
    assert report.contact_name == "Chị Hoa"
    assert "0912345678" not in report.contact_phone_encrypted
    assert contacts.decrypt(report.contact_phone_encrypted) == "0912345678"
    assert contacts.decrypt(report.contact_email_encrypted) == "dan@example.vn"
    record = AuditRecord.objects.get(action="feedback.report_submitted")
    assert record.actor_kind == "anonymous" and "0912" not in str(record.changes)


def test_anonymous_needs_contact_when_the_category_says_so(submit, lights):
    with pytest.raises(ContactRequired) as raised:
        submit(actor=ANONYMOUS)
    assert raised.value.code == "feedback.contact_required"
    services.update_category(actor=SYSTEM, category=lights, contact_required=False)
    assert submit(actor=ANONYMOUS).reporter is None


def test_category_without_anonymous_needs_sign_in(submit, building, citizen):
    with pytest.raises(SignInRequired) as raised:
        submit(actor=ANONYMOUS, category=building, contact_email="a@b.vn", attributes={})
    assert raised.value.status == 401 and raised.value.code == "feedback.sign_in_required"
    assert Report.objects.count() == 0
    report = submit(category=building, attributes={}, photos=[])
    assert report.reporter == citizen and report.photos.count() == 0


def test_scoped_token_without_feedback_scope_does_not_act_as_its_owner(submit, building, citizen):
    import dataclasses

    token_principal = dataclasses.replace(citizen.to_principal(), scopes=frozenset({"files:read"}))
    with pytest.raises(SignInRequired):
        submit(actor=token_principal, category=building, attributes={}, photos=[])
    allowed = dataclasses.replace(citizen.to_principal(), scopes=frozenset({"feedback:submit"}))
    assert submit(actor=allowed, category=building, attributes={}, photos=[]).reporter == citizen


# --- Idempotency ------------------------------------------------------------------------------


def test_same_key_same_submitter_returns_the_same_report(lights, citizen, jpeg):
    fields = dict(
        actor=citizen,
        category=lights,
        description="Đèn đường hỏng trước trường học.",
        photos=[jpeg()],
        latitude=VI_THANH[0],
        longitude=VI_THANH[1],
        attributes={"tinh-trang": "tat"},
        idempotency_key="key-123",
    )
    first = services.submit_report(**fields)
    again = services.submit_report(**{**fields, "photos": [jpeg()]})
    assert not first.replayed and again.replayed
    assert again.report.pk == first.report.pk
    assert Report.objects.count() == 1 and ReportPhoto.objects.count() == 1
    with pytest.raises(IdempotencyKeyReused) as raised:
        services.submit_report(**{**fields, "description": "Một nội dung khác hẳn lúc trước."})
    assert raised.value.status == 409
    # Another submitter with the same key gets a report of their own.
    other = services.submit_report(**{**fields, "actor": ANONYMOUS, "contact_email": "khac@example.vn"})
    assert not other.replayed and other.report.pk != first.report.pk
    with pytest.raises(ValidationFailed) as raised:
        services.submit_report(**{**fields, "idempotency_key": "có dấu cách"})
    assert raised.value.code == "feedback.invalid_idempotency_key"


def test_anonymous_idempotency_is_scoped_by_contact(lights, jpeg):
    fields = dict(
        actor=ANONYMOUS,
        category=lights,
        description="Cột đèn bị nghiêng sắp đổ.",
        photos=[jpeg()],
        latitude=NGA_BAY[0],
        longitude=NGA_BAY[1],
        attributes={"tinh-trang": "tat"},
        contact_email="a@example.vn",
        idempotency_key="abc",
    )
    first = services.submit_report(**fields)
    assert services.submit_report(**fields).report.pk == first.report.pk
    assert services.submit_report(**{**fields, "contact_email": "b@example.vn"}).report.pk != first.report.pk


def test_submit_permission_is_public_but_declared():
    from tinhso.core.permissions import can

    assert can(ANONYMOUS, "feedback.submit")
    with pytest.raises(PermissionDenied):
        from tinhso.core.permissions import require

        require(ANONYMOUS, "feedback.handle")


def test_officer_recording_a_phone_call_is_not_the_reporter(submit, officer_vt):
    report = submit(actor=officer_vt, channel="phone", contact_phone="0912345678", contact_name="Ông Sáu")
    assert report.reporter is None and report.channel == "phone" and report.contact_name == "Ông Sáu"
    from tinhso.core.audit.models import AuditRecord

    record = AuditRecord.objects.get(action="feedback.report_submitted")
    assert record.actor_kind == "officer" and record.changes["anonymous"] is True
    assert submit(actor=officer_vt).reporter == officer_vt  # an officer reporting what they saw
