"""Every write to the agency tree: create, update, close (with a successor)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from tinhso.core.agencies.events import AgencyClosed, AgencyCreated, AgencyUpdated
from tinhso.core.agencies.models import Agency, AgencyKind
from tinhso.core.agencies.selectors import ancestors_of
from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import require

# Electronic identifier code of an agency (mã định danh điện tử, Decision 20/2020/QĐ-TTg, used as
# the organisation id of QCVN 102 document exchange): four levels written from the lowest to the
# highest, "LLL.KK.JJ.Xnn". Level 1 is a letter and two digits (H.. for provinces), levels 2 and 3
# two digits, level 4 three digits; zeros mean "no unit at that level". See docs/agencies.md.
CODE_PATTERN = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")

_UNSET: Any = object()


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()


def validate_code(code: str) -> str:
    """Return the normalised code or raise ``agencies.invalid_code``."""
    if not isinstance(code, str):
        code = ""
    normalized = normalize_code(code)
    if not CODE_PATTERN.match(normalized):
        raise ValidationFailed(
            "Mã định danh điện tử phải có dạng 000.00.00.H00 (ví dụ 000.00.00.H28).",
            "An electronic identifier code looks like 000.00.00.H00 (e.g. 000.00.00.H28).",
            code="agencies.invalid_code",
        )
    return normalized


def _clean_text(value: Any, *, field: str, max_length: int, required: bool) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if (required and not text) or len(text) > max_length:
        raise ValidationFailed(
            f"Trường {field} là bắt buộc và dài tối đa {max_length} ký tự."
            if required
            else f"Trường {field} dài tối đa {max_length} ký tự.",
            f"The field {field} is required and at most {max_length} characters long."
            if required
            else f"The field {field} is at most {max_length} characters long.",
            code=f"agencies.invalid_{field}",
        )
    return text


def _check_kind(kind: Any) -> str:
    if kind not in AgencyKind.values:
        raise ValidationFailed(
            "Loại cơ quan không hợp lệ.",
            "Unknown agency kind.",
            code="agencies.invalid_kind",
            details={"allowed": list(AgencyKind.values)},
        )
    return str(kind)


def _check_dates(valid_from: date | None, valid_to: date | None) -> None:
    for value in (valid_from, valid_to):
        if value is not None and not isinstance(value, date):
            raise ValidationFailed(
                "Ngày hiệu lực không hợp lệ.", "A validity date is not a date.", code="agencies.invalid_date"
            )
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        raise ValidationFailed(
            "Ngày bắt đầu hiệu lực phải trước hoặc bằng ngày hết hiệu lực.",
            "The start of validity must be on or before its end.",
            code="agencies.invalid_dates",
        )


def _check_parent(
    parent: Agency | None, *, agency: Agency | None, valid_from: date | None, valid_to: date | None
) -> None:
    if parent is None:
        return
    if not isinstance(parent, Agency) or parent.pk is None:
        raise ValidationFailed(
            "Cơ quan cấp trên không tồn tại.",
            "The parent agency does not exist.",
            code="agencies.invalid_parent",
        )
    if agency is not None and agency.pk is not None:
        if parent.pk == agency.pk or any(a.pk == agency.pk for a in ancestors_of(parent)):
            raise ValidationFailed(
                "Không thể đặt cơ quan làm cấp trên của chính nó hoặc của cấp trên của nó.",
                "An agency cannot be placed under itself or under one of its own subordinates.",
                code="agencies.parent_cycle",
            )
    # A subordinate cannot outlive its parent nor start before the parent exists.
    if parent.valid_to is not None and (valid_to is None or valid_to > parent.valid_to):
        raise ValidationFailed(
            "Cơ quan cấp trên hết hiệu lực trước cơ quan này.",
            "The parent agency ends before this agency does.",
            code="agencies.parent_not_valid",
            details={"parent": parent.code, "parent_valid_to": parent.valid_to.isoformat()},
        )
    if parent.valid_from is not None and valid_from is not None and valid_from < parent.valid_from:
        raise ValidationFailed(
            "Cơ quan cấp trên chưa có hiệu lực vào ngày bắt đầu của cơ quan này.",
            "The parent agency does not exist yet when this agency starts.",
            code="agencies.parent_not_valid",
            details={"parent": parent.code, "parent_valid_from": parent.valid_from.isoformat()},
        )


def _check_unit(unit: Any) -> None:
    from tinhso.core.units.models import AdministrativeUnit

    if unit is not None and (not isinstance(unit, AdministrativeUnit) or unit.pk is None):
        raise ValidationFailed(
            "Đơn vị hành chính không tồn tại.",
            "The administrative unit does not exist.",
            code="agencies.invalid_unit",
        )


def validate_agency_fields(
    *,
    agency: Agency | None,
    code: str,
    name: str,
    kind: str,
    short_name: str = "",
    parent: Agency | None = None,
    unit=None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> dict[str, Any]:
    """Validate an agency's fields without writing; returns the cleaned values.

    The services call it, and so does the admin form, so both refuse the same input with the
    same message.
    """
    cleaned = {
        "code": validate_code(code),
        "name": _clean_text(name, field="name", max_length=255, required=True),
        "short_name": _clean_text(short_name or "", field="short_name", max_length=40, required=False),
        "kind": _check_kind(kind),
    }
    _check_dates(valid_from, valid_to)
    _check_parent(parent, agency=agency, valid_from=valid_from, valid_to=valid_to)
    _check_unit(unit)
    cleaned.update(parent=parent, unit=unit, valid_from=valid_from, valid_to=valid_to)
    return cleaned


def _code_of(agency: Agency | None) -> str | None:
    return agency.code if agency is not None else None


@transaction.atomic
def create_agency(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    short_name: str = "",
    parent: Agency | None = None,
    unit=None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Agency:
    """Register an agency with its electronic identifier code; a successor is set by closing it."""
    require(actor, "agencies.manage")
    cleaned = validate_agency_fields(
        agency=None,
        code=code,
        name=name,
        kind=kind,
        short_name=short_name,
        parent=parent,
        unit=unit,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    if Agency.objects.filter(code=cleaned["code"]).exists():
        raise Conflict(
            "Mã định danh điện tử này đã được dùng.",
            "This electronic identifier code is already used.",
            code="agencies.code_taken",
        )
    agency = Agency(**cleaned)
    try:
        with transaction.atomic():
            agency.save()
    except IntegrityError:
        raise Conflict(
            "Mã định danh điện tử này đã được dùng.",
            "This electronic identifier code is already used.",
            code="agencies.code_taken",
        ) from None
    audit.record(
        actor=actor,
        action="agencies.agency_created",
        obj=agency,
        changes={
            "code": agency.code,
            "name": agency.name,
            "short_name": agency.short_name,
            "kind": agency.kind,
            "parent": _code_of(parent),
            "unit": unit.pk if unit is not None else None,
            "valid_from": valid_from.isoformat() if valid_from else None,
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
    )
    events.publish(
        AgencyCreated(
            code=agency.code, agency_name=agency.name, kind=agency.kind, parent_code=_code_of(parent)
        )
    )
    return agency


def _audit_value(value: Any) -> Any:
    if isinstance(value, Agency):
        return value.code
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk") and not isinstance(value, str):
        return value.pk
    return value


@transaction.atomic
def update_agency(
    *,
    actor: Any,
    agency: Agency,
    name: str = _UNSET,
    short_name: str = _UNSET,
    kind: str = _UNSET,
    parent: Agency | None = _UNSET,
    unit=_UNSET,
    valid_from: date | None = _UNSET,
) -> Agency:
    """Change an agency's descriptive fields. The code never changes (a new code is a new agency,
    linked by closing the old one with a successor) and the end of validity is set by
    :func:`close_agency`."""
    require(actor, "agencies.manage", agency)
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    wanted = {
        "name": name,
        "short_name": short_name,
        "kind": kind,
        "parent": parent,
        "unit": unit,
        "valid_from": valid_from,
    }
    wanted = {key: value for key, value in wanted.items() if value is not _UNSET}
    current = {
        "name": locked.name,
        "short_name": locked.short_name,
        "kind": locked.kind,
        "parent": locked.parent,
        "unit": locked.unit,
        "valid_from": locked.valid_from,
    }
    merged = {**current, **wanted}
    cleaned = validate_agency_fields(agency=locked, code=locked.code, valid_to=locked.valid_to, **merged)
    changed = [
        key
        for key in current
        if (cleaned[key].pk if hasattr(cleaned[key], "pk") else cleaned[key])
        != (current[key].pk if hasattr(current[key], "pk") else current[key])
    ]
    if not changed:
        return locked
    for key in changed:
        setattr(locked, key, cleaned[key])
    locked.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor,
        action="agencies.agency_updated",
        obj=locked,
        changes={key: [_audit_value(current[key]), _audit_value(cleaned[key])] for key in changed},
    )
    events.publish(AgencyUpdated(code=locked.code, changed_fields=tuple(changed)))
    agency.__dict__.update({key: getattr(locked, key) for key in (*changed, "updated_at")})
    return locked


def _successor_chain_reaches(start: Agency, target: Agency) -> bool:
    seen: set[int] = set()
    current: Agency | None = start
    while current is not None and current.pk not in seen:
        if current.pk == target.pk:
            return True
        seen.add(current.pk)
        current = current.successor
    return False


@transaction.atomic
def close_agency(*, actor: Any, agency: Agency, valid_to: date, successor: Agency | None = None) -> Agency:
    """End an agency on ``valid_to`` (its last day), optionally naming the agency that takes over
    its tasks, dossiers and documents (e.g. a Hậu Giang department and its Cần Thơ successor)."""
    require(actor, "agencies.manage", agency)
    if not isinstance(valid_to, date):
        raise ValidationFailed(
            "Ngày hết hiệu lực là bắt buộc.",
            "The last day of validity is required.",
            code="agencies.invalid_date",
        )
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    _check_dates(locked.valid_from, valid_to)
    if successor is not None:
        if not isinstance(successor, Agency) or successor.pk is None:
            raise ValidationFailed(
                "Cơ quan kế thừa không tồn tại.",
                "The successor agency does not exist.",
                code="agencies.invalid_successor",
            )
        if _successor_chain_reaches(successor, locked):
            raise ValidationFailed(
                "Cơ quan kế thừa không thể là chính nó hoặc cơ quan mà nó đã kế thừa.",
                "An agency cannot succeed itself, directly or through its successors.",
                code="agencies.successor_cycle",
            )
        next_day = valid_to + timedelta(days=1)
        if (successor.valid_to is not None and successor.valid_to < next_day) or (
            successor.valid_from is not None and successor.valid_from > next_day
        ):
            raise ValidationFailed(
                "Cơ quan kế thừa phải có hiệu lực từ ngày hôm sau ngày giải thể.",
                "The successor must be valid on the day after the closure.",
                code="agencies.successor_not_valid",
                details={"successor": successor.code},
            )
    if locked.parent_id is not None:
        parent = locked.parent
        if parent.valid_to is not None and valid_to > parent.valid_to:
            raise ValidationFailed(
                "Cơ quan cấp trên hết hiệu lực trước ngày này.",
                "The parent agency ends before this day.",
                code="agencies.parent_not_valid",
            )
    open_children = list(
        locked.children.exclude(valid_to__isnull=False, valid_to__lte=valid_to)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if open_children:
        raise ValidationFailed(
            "Cần giải thể hoặc chuyển các đơn vị trực thuộc trước.",
            "Close or move the subordinate agencies first.",
            code="agencies.open_children",
            details={"children": open_children},
        )
    if locked.valid_to == valid_to and locked.successor_id == (successor.pk if successor else None):
        return locked  # the same closure again changes nothing
    previous = {"valid_to": _audit_value(locked.valid_to), "successor": _code_of(locked.successor)}
    locked.valid_to = valid_to
    locked.successor = successor
    locked.save(update_fields=["valid_to", "successor", "updated_at"])
    audit.record(
        actor=actor,
        action="agencies.agency_closed",
        obj=locked,
        changes={
            "valid_to": [previous["valid_to"], valid_to.isoformat()],
            "successor": [previous["successor"], _code_of(successor)],
        },
    )
    events.publish(
        AgencyClosed(code=locked.code, valid_to=valid_to.isoformat(), successor_code=_code_of(successor))
    )
    agency.valid_to, agency.successor = locked.valid_to, successor
    return locked
