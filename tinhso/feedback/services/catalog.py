"""Writes to the catalogue: report categories (Open311 services) and routing rules."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction

from tinhso.core.agencies.models import Agency
from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import require
from tinhso.core.units.models import AdministrativeUnit, Structure
from tinhso.feedback import attributes as attribute_rules
from tinhso.feedback.events import CategoryCreated, CategoryUpdated, RoutingRuleRemoved, RoutingRuleSet
from tinhso.feedback.geography import PROVINCE_UNIT_CODE
from tinhso.feedback.models import Category, RoutingRule

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,49}$")
MAX_DEADLINE_DAYS = 365
_UNSET: Any = object()


def _text(value: Any, *, field: str, max_length: int, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if field != "description":
        text = " ".join(text.split())
    if (required and not text) or len(text) > max_length:
        raise ValidationFailed(
            f"Trường {field} là bắt buộc, tối đa {max_length} ký tự."
            if required
            else f"Trường {field} tối đa {max_length} ký tự.",
            f"The field {field} is required, at most {max_length} characters."
            if required
            else f"The field {field} is at most {max_length} characters.",
            code=f"feedback.invalid_{field}",
        )
    return text


def _keywords(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or len(value) > 50:
        raise ValidationFailed(
            "Từ khóa là danh sách tối đa 50 mục.",
            "Keywords are a list of at most 50 items.",
            code="feedback.invalid_keywords",
        )
    cleaned = []
    for word in value:
        if not isinstance(word, str) or len(word.strip()) > 60:
            raise ValidationFailed(
                "Mỗi từ khóa là văn bản tối đa 60 ký tự.",
                "Each keyword is text of at most 60 characters.",
                code="feedback.invalid_keywords",
            )
        if word.strip():
            cleaned.append(" ".join(word.split()))
    return list(dict.fromkeys(cleaned))


def _deadline(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DEADLINE_DAYS:
        raise ValidationFailed(
            f"Thời hạn xử lý là số ngày làm việc từ 1 đến {MAX_DEADLINE_DAYS}.",
            f"The deadline is a number of working days from 1 to {MAX_DEADLINE_DAYS}.",
            code="feedback.invalid_deadline",
        )
    return value


def _agency(value: Any) -> Agency:
    if not isinstance(value, Agency) or value.pk is None:
        raise ValidationFailed(
            "Cơ quan xử lý không tồn tại.",
            "The handling agency does not exist.",
            code="feedback.invalid_agency",
        )
    if value.valid_to is not None:
        raise ValidationFailed(
            "Cơ quan xử lý đã hết hiệu lực; hãy chọn cơ quan kế thừa.",
            "The handling agency has been closed; choose its successor.",
            code="feedback.agency_closed",
        )
    return value


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(
            f"Trường {field} phải là đúng/sai.",
            f"The field {field} must be true or false.",
            code=f"feedback.invalid_{field}",
        )
    return value


def validate_category_fields(**fields: Any) -> dict[str, Any]:
    """Check the fields given (any subset of a category's); returns them cleaned. The admin form
    calls it too, so both refuse the same input with the same message."""
    checks = {
        "name": lambda v: _text(v, field="name", max_length=200, required=True),
        "description": lambda v: _text(v or "", field="description", max_length=4000, required=False),
        "group": lambda v: _text(v or "", field="group", max_length=100, required=False),
        "keywords": _keywords,
        "agency": _agency,
        "deadline_days": _deadline,
        "attributes": attribute_rules.clean_definitions,
        "allow_anonymous": lambda v: _bool(v, "allow_anonymous"),
        "contact_required": lambda v: _bool(v, "contact_required"),
        "photo_required": lambda v: _bool(v, "photo_required"),
        "is_active": lambda v: _bool(v, "is_active"),
        "sort_order": lambda v: _sort_order(v),
    }
    return {key: checks[key](value) for key, value in fields.items()}


def _sort_order(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
        raise ValidationFailed(
            "Thứ tự hiển thị là số nguyên từ 0 đến 32767.",
            "The sort order is an integer from 0 to 32767.",
            code="feedback.invalid_sort_order",
        )
    return value


def _audit_value(value: Any) -> Any:
    return value.code if isinstance(value, Agency) else value


def _code_taken() -> Conflict:
    return Conflict(
        "Mã danh mục này đã được dùng.",
        "This category code is already used.",
        code="feedback.category_code_taken",
    )


@transaction.atomic
def create_category(
    *,
    actor: Any,
    code: str,
    name: str,
    agency: Agency,
    deadline_days: int,
    description: str = "",
    group: str = "",
    keywords: list[str] | None = None,
    allow_anonymous: bool = False,
    contact_required: bool = True,
    photo_required: bool = True,
    attributes: list[dict] | None = None,
    is_active: bool = True,
    sort_order: int = 100,
) -> Category:
    """A new category; its ``code`` is the Open311 ``service_code`` and never changes."""
    require(actor, "feedback.manage_categories")
    code = (code or "").strip().lower() if isinstance(code, str) else ""
    if not CODE.match(code):
        raise ValidationFailed(
            "Mã danh mục gồm chữ thường không dấu, số, “-” hoặc “_” (2–50 ký tự).",
            "A category code is lowercase ASCII letters, digits, “-” or “_” (2–50 characters).",
            code="feedback.invalid_code",
        )
    cleaned = validate_category_fields(
        name=name,
        description=description,
        group=group,
        keywords=keywords,
        agency=agency,
        deadline_days=deadline_days,
        attributes=attributes,
        allow_anonymous=allow_anonymous,
        contact_required=contact_required,
        photo_required=photo_required,
        is_active=is_active,
        sort_order=sort_order,
    )
    if Category.objects.filter(code=code).exists():
        raise _code_taken()
    category = Category(code=code, **cleaned)
    try:
        with transaction.atomic():
            category.save(force_insert=True)
    except IntegrityError:
        raise _code_taken() from None
    audit.record(
        actor=actor,
        action="feedback.category_created",
        obj=category,
        changes={key: _audit_value(value) for key, value in cleaned.items() if key != "description"}
        | {"code": code},
    )
    events.publish(CategoryCreated(code=code, agency_code=category.agency.code))
    return category


@transaction.atomic
def update_category(*, actor: Any, category: Category, **changes: Any) -> Category:
    """Change the fields given (not the code). Deactivating a category stops new reports in it;
    its reports stay."""
    require(actor, "feedback.manage_categories")
    if "code" in changes:
        raise ValidationFailed(
            "Không thể đổi mã danh mục (mã là service_code của Open311).",
            "A category's code cannot change (it is the Open311 service_code).",
            code="feedback.code_immutable",
        )
    locked = Category.objects.select_for_update().get(pk=category.pk)
    unknown = set(changes) - {
        "name",
        "description",
        "group",
        "keywords",
        "agency",
        "deadline_days",
        "attributes",
        "allow_anonymous",
        "contact_required",
        "photo_required",
        "is_active",
        "sort_order",
    }
    if unknown:
        raise TypeError(f"update_category() got unknown fields: {sorted(unknown)}")
    cleaned = validate_category_fields(**changes)
    changed = [
        key
        for key, value in cleaned.items()
        if (value.pk if isinstance(value, Agency) else value)
        != (getattr(locked, key).pk if key == "agency" else getattr(locked, key))
    ]
    if not changed:
        return locked
    before = {key: _audit_value(getattr(locked, key)) for key in changed}
    for key in changed:
        setattr(locked, key, cleaned[key])
    locked.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor,
        action="feedback.category_updated",
        obj=locked,
        changes={key: [before[key], _audit_value(cleaned[key])] for key in changed if key != "description"},
    )
    events.publish(CategoryUpdated(code=locked.code, changed_fields=tuple(changed)))
    category.__dict__.update({key: getattr(locked, key) for key in (*changed, "updated_at")})
    if "agency" in changed:
        category.agency_id = locked.agency_id
    return locked


def _check_rule_unit(unit: Any) -> AdministrativeUnit:
    if not isinstance(unit, AdministrativeUnit) or unit.pk is None:
        raise ValidationFailed(
            "Đơn vị hành chính không tồn tại.",
            "The administrative unit does not exist.",
            code="feedback.invalid_unit",
        )
    province = unit if unit.parent_id is None else unit.parent
    if unit.structure != Structure.CURRENT or province.code != PROVINCE_UNIT_CODE:
        raise ValidationFailed(
            "Quy tắc điều phối chỉ áp dụng cho đơn vị hành chính hiện hành của thành phố.",
            "Routing rules apply to the city's current administrative units only.",
            code="feedback.unit_outside_province",
        )
    return unit


@transaction.atomic
def set_routing_rule(
    *,
    actor: Any,
    category: Category,
    unit: AdministrativeUnit,
    agency: Agency,
    include_descendants: bool = True,
) -> RoutingRule:
    """Reports of ``category`` in ``unit`` (and below it, unless ``include_descendants`` is false) go
    to ``agency``. Setting the rule again for the same category and unit replaces it."""
    require(actor, "feedback.manage_categories")
    _check_rule_unit(unit)
    _agency(agency)
    _bool(include_descendants, "include_descendants")
    rule = RoutingRule.objects.select_for_update().filter(category=category, unit=unit).first()
    if rule is not None and rule.agency_id == agency.pk and rule.include_descendants == include_descendants:
        return rule
    previous = rule.agency.code if rule is not None else None
    if rule is None:
        rule = RoutingRule.objects.create(
            category=category, unit=unit, agency=agency, include_descendants=include_descendants
        )
    else:
        rule.agency = agency
        rule.include_descendants = include_descendants
        rule.save(update_fields=["agency", "include_descendants", "updated_at"])
    audit.record(
        actor=actor,
        action="feedback.routing_rule_set",
        obj=category,
        changes={
            "unit": f"{unit.structure}/{unit.code}",
            "agency": [previous, agency.code],
            "include_descendants": include_descendants,
        },
    )
    events.publish(
        RoutingRuleSet(
            category_code=category.code,
            unit_code=unit.code,
            agency_code=agency.code,
            include_descendants=include_descendants,
        )
    )
    return rule


@transaction.atomic
def remove_routing_rule(*, actor: Any, rule: RoutingRule) -> None:
    require(actor, "feedback.manage_categories")
    locked = RoutingRule.objects.select_for_update().filter(pk=rule.pk).first()
    if locked is None:
        return  # removing twice changes nothing
    category, unit, agency_code = locked.category, locked.unit, locked.agency.code
    locked.delete()
    audit.record(
        actor=actor,
        action="feedback.routing_rule_removed",
        obj=category,
        changes={"unit": f"{unit.structure}/{unit.code}", "agency": agency_code},
    )
    events.publish(RoutingRuleRemoved(category_code=category.code, unit_code=unit.code))
