"""Submitting a field report: validation, anonymity rules, photos, routing, idempotency."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import SYSTEM, as_principal, require
from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel
from tinhso.core.workcalendar import services as calendar
from tinhso.feedback import attributes as attribute_rules
from tinhso.feedback import contacts, geography
from tinhso.feedback import photos as photo_rules
from tinhso.feedback.errors import (
    ContactRequired,
    IdempotencyKeyReused,
    SignInRequired,
    UnknownCategory,
)
from tinhso.feedback.events import ReportRouted, ReportSubmitted
from tinhso.feedback.identifiers import new_public_id
from tinhso.feedback.models import Category, Channel, PhotoKind, Report, ReportStatus, SubmissionKey
from tinhso.feedback.routing import route_for
from tinhso.feedback.services import history
from tinhso.feedback.services.photo_storage import blobs_removed_on_error, store_photos

logger = logging.getLogger(__name__)

MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 5000
MAX_ADDRESS = 500
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces (RFC 9110 token-ish)


@dataclass(frozen=True)
class Submitted:
    report: Report
    replayed: bool
    """True when an earlier submission with the same Idempotency-Key was returned instead."""


def get_category(category: Category | str) -> Category:
    """An active category by instance or code, else ``feedback.unknown_category``."""
    if isinstance(category, Category):
        found = Category.objects.select_related("agency").filter(pk=category.pk, is_active=True).first()
    elif isinstance(category, str) and category.strip():
        found = (
            Category.objects.select_related("agency").filter(code=category.strip(), is_active=True).first()
        )
    else:
        found = None
    if found is None:
        raise UnknownCategory(details={"category": category if isinstance(category, str) else None})
    return found


def clean_unit(unit: AdministrativeUnit | str | None) -> AdministrativeUnit | None:
    """A current commune (or the city itself) of the province, by instance or GSO code."""
    if unit is None or unit == "":
        return None
    if isinstance(unit, str):
        found = (
            AdministrativeUnit.objects.select_related("parent")
            .filter(structure=Structure.CURRENT, code=unit.strip())
            .first()
        )
    elif isinstance(unit, AdministrativeUnit):
        found = unit
    else:
        found = None
    if found is None:
        raise ValidationFailed(
            "Không tìm thấy đơn vị hành chính (xã, phường).",
            "The administrative unit (commune, ward) was not found.",
            code="feedback.invalid_unit",
        )
    province = found if found.level == UnitLevel.PROVINCE else found.parent
    if (
        found.structure != Structure.CURRENT
        or province is None
        or province.code != geography.PROVINCE_UNIT_CODE
        or found.valid_to is not None
    ):
        raise ValidationFailed(
            "Đơn vị hành chính phải là xã, phường hiện hành của thành phố Cần Thơ.",
            "The unit must be a current commune or ward of Thành phố Cần Thơ.",
            code="feedback.unit_outside_province",
        )
    return found


def _description(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not MIN_DESCRIPTION <= len(text) <= MAX_DESCRIPTION:
        raise ValidationFailed(
            f"Nội dung phản ánh cần từ {MIN_DESCRIPTION} đến {MAX_DESCRIPTION} ký tự.",
            f"The description needs {MIN_DESCRIPTION} to {MAX_DESCRIPTION} characters.",
            code="feedback.invalid_description",
        )
    return text


def _address(value: Any) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if len(text) > MAX_ADDRESS:
        raise ValidationFailed(
            f"Địa chỉ tối đa {MAX_ADDRESS} ký tự.",
            f"The address is at most {MAX_ADDRESS} characters.",
            code="feedback.invalid_address",
        )
    return text


def _channel(value: Any) -> str:
    if value not in Channel.values:
        raise ValidationFailed(
            "Kênh gửi không hợp lệ.", "Unknown submission channel.", code="feedback.invalid_channel"
        )
    return str(value)


def _idempotency_key(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _KEY.match(value):
        raise ValidationFailed(
            "Idempotency-Key gồm 1–200 ký tự ASCII in được, không có khoảng trắng.",
            "An Idempotency-Key is 1–200 printable ASCII characters without spaces.",
            code="feedback.invalid_idempotency_key",
        )
    return value


def _submitter_scope(principal, reporter, contact: contacts.Contact) -> str:
    if reporter is not None:
        return f"user:{reporter.public_id}"
    if principal.kind == "client":
        return f"client:{principal.id}"
    # Anonymous: keyed by the contact left, so a stranger reusing a key gets a report of their own.
    return f"anon:{contacts.digest(contact)[:40]}"


def _fingerprint(**fields: Any) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(scope: str, key: str, fingerprint: str) -> Submitted | None:
    row = SubmissionKey.objects.select_related("report").filter(scope=scope, key=key).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Submitted(report=row.report, replayed=True)


def submit_report(
    *,
    actor: Any,
    category: Category | str,
    description: str,
    photos: list[Any] | tuple[Any, ...] = (),
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    unit: AdministrativeUnit | str | None = None,
    attributes: dict[str, Any] | None = None,
    identity_public: bool = False,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    channel: str = Channel.WEB,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Submitted:
    """File a report in ``category``; returns the report, or the earlier one for a retried
    ``idempotency_key`` (same submitter, same content).

    ``actor`` is the signed-in person (then they are the reporter), a machine client or
    ``ANONYMOUS``: anonymous reports need a category that allows them and, if the category
    says so, an e-mail or phone. ``photos`` are uploaded files or binary streams (JPEG, PNG,
    WebP). ``unit`` is a current commune (instance or GSO code). ``now`` lets the demo and tests
    date the report; callers serving requests leave it out.
    """
    require(actor, "feedback.submit")
    principal = as_principal(actor)
    person = principal.user if principal.kind in {"citizen", "officer"} else None
    # A scoped token acts for its owner only for what its scopes allow.
    if person is not None and principal.scopes is not None and "feedback:submit" not in principal.scopes:
        person = None
    # An officer taking a call at the hotline records the caller's report, not their own.
    if principal.kind == "officer" and channel == Channel.PHONE:
        person = None
    found = get_category(category)
    key = _idempotency_key(idempotency_key)
    contact = contacts.clean_contact(name=contact_name, email=contact_email, phone=contact_phone)
    text = _description(description)
    lat, lon = geography.clean_coordinates(latitude, longitude)
    place = clean_unit(unit)
    address_text = _address(address)
    answers = attribute_rules.clean_values(found.attributes, attributes)
    chosen_channel = _channel(channel)
    if not isinstance(identity_public, bool):
        raise ValidationFailed(
            "identity_public phải là đúng/sai.",
            "identity_public must be true or false.",
            code="feedback.invalid_identity_public",
        )
    scope = _submitter_scope(principal, person, contact)
    fingerprint = _fingerprint(
        category=found.code,
        description=text,
        latitude=lat,
        longitude=lon,
        address=address_text,
        unit=place.code if place else None,
        attributes=answers,
    )
    if key is not None:
        earlier = _replay(scope, key, fingerprint)
        if earlier is not None:
            return earlier
    if person is None and not found.allow_anonymous:
        raise SignInRequired()
    if person is None and found.contact_required and contact.is_empty:
        raise ContactRequired()
    if lat is None and place is None and not address_text:
        raise ValidationFailed(
            "Cần cho biết vị trí: tọa độ, địa chỉ hoặc xã/phường.",
            "A location is needed: coordinates, an address or a commune/ward.",
            code="feedback.location_required",
        )
    uploads = list(photos or [])
    if len(uploads) > photo_rules.MAX_PHOTOS:
        raise ValidationFailed(
            f"Tối đa {photo_rules.MAX_PHOTOS} ảnh cho mỗi phản ánh.",
            f"At most {photo_rules.MAX_PHOTOS} photos per report.",
            code="feedback.too_many_photos",
        )
    if found.photo_required and not uploads:
        raise ValidationFailed(
            "Danh mục này cần ít nhất một ảnh hiện trường.",
            "This category needs at least one photo of the scene.",
            code="feedback.photo_required",
        )
    # Decoding happens before any write or lock: a bad photo refuses the whole report, storing nothing.
    processed = [_process(upload, index) for index, upload in enumerate(uploads)]
    moment = now or timezone.now()
    try:
        return _create(
            actor=actor,
            category=found,
            reporter=person,
            text=text,
            lat=lat,
            lon=lon,
            place=place,
            address_text=address_text,
            answers=answers,
            identity_public=identity_public,
            contact=contact,
            channel=chosen_channel,
            processed=processed,
            moment=moment,
            key=key,
            scope=scope,
            fingerprint=fingerprint,
        )
    except IntegrityError:
        # Two requests with the same key at once: the other one committed first.
        if key is not None:
            earlier = _replay(scope, key, fingerprint)
            if earlier is not None:
                return earlier
        raise


def _process(upload: Any, index: int) -> photo_rules.ProcessedPhoto:
    try:
        return photo_rules.process(upload)
    except ValidationFailed as error:
        error.details = {**(error.details or {}), "photo": index}
        raise


@transaction.atomic
def _create(
    *,
    actor: Any,
    category: Category,
    reporter,
    text: str,
    lat,
    lon,
    place,
    address_text: str,
    answers: dict,
    identity_public: bool,
    contact: contacts.Contact,
    channel: str,
    processed: list[photo_rules.ProcessedPhoto],
    moment: datetime,
    key: str | None,
    scope: str,
    fingerprint: str,
) -> Submitted:
    route = route_for(category, place, day=timezone.localdate(moment))
    received = calendar.receive_moment(moment)
    report = Report(
        category=category,
        agency=route.agency,
        status=ReportStatus.NEW,
        channel=channel,
        description=text,
        latitude=lat,
        longitude=lon,
        address=address_text,
        unit=place,
        attributes=answers,
        reporter=reporter,
        contact_name=contact.name,
        contact_email_encrypted=contacts.encrypt(contact.email),
        contact_phone_encrypted=contacts.encrypt(contact.phone),
        identity_public=identity_public,
        received_at=received,
        due_at=calendar.add_working_days(received, category.deadline_days),
        created_at=moment,
        updated_at=moment,
    )
    _insert_with_public_id(report, moment)
    with blobs_removed_on_error() as stored:
        store_photos(report=report, photos=processed, kind=PhotoKind.REPORT, at=moment, collected=stored)
        if key is not None:
            with transaction.atomic():
                SubmissionKey.objects.create(scope=scope, key=key, fingerprint=fingerprint, report=report)
        history.add(
            report,
            kind="submitted",
            actor=actor,
            at=moment,
            to_status=ReportStatus.NEW,
            public_note=f"Đã nhận phản ánh về “{category.name}”.",
        )
        history.add(
            report,
            kind="routed",
            actor=SYSTEM,  # routing is the platform's decision, not the reporter's
            at=moment,
            public_note=f"Chuyển đến {route.agency.name} xử lý.",
            internal_note=(
                f"Theo quy tắc điều phối của đơn vị hành chính {route.rule.unit.name}."
                if route.rule is not None
                else "Theo cơ quan mặc định của danh mục."
            ),
        )
        audit.record(
            actor=actor,
            action="feedback.report_submitted",
            obj=report,
            # No description, address or contact here: the audit log is read by operators.
            changes={
                "category": category.code,
                "agency": route.agency.code,
                "routed_via": route.via,
                "unit": place.code if place else None,
                "has_coordinates": lat is not None,
                "photos": len(processed),
                "anonymous": reporter is None,
                "channel": channel,
                "due_at": report.due_at,
            },
        )
        events.publish(
            ReportSubmitted(
                report_id=report.public_id,
                category_code=category.code,
                agency_code=route.agency.code,
                unit_code=place.code if place else None,
                channel=channel,
                due_at=report.due_at,
            )
        )
        events.publish(ReportRouted(report_id=report.public_id, agency_code=route.agency.code, via=route.via))
    logger.info(
        "feedback.report_submitted",
        extra={"report_id": report.public_id, "category": category.code, "agency": route.agency.code},
    )
    return Submitted(report=report, replayed=False)


def _insert_with_public_id(report: Report, moment: datetime) -> None:
    for _attempt in range(8):
        report.public_id = new_public_id(moment)
        if Report.objects.filter(public_id=report.public_id).exists():
            continue
        try:
            with transaction.atomic():
                report.save(force_insert=True)
            return
        except IntegrityError:
            if Report.objects.filter(public_id=report.public_id).exists():
                continue  # a concurrent submission drew the same code
            raise
    raise RuntimeError("Could not draw a free public id for a report")  # pragma: no cover
