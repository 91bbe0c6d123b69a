"""What the one-stop office reads from the procedure catalog (``tinhso.procedures``).

Thin wrappers over the catalog's selectors that turn "no such procedure" into a submission error
and add what only dossiers need: which agency performs a route step, form validation.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from tinhso.core.agencies.models import Agency, AgencyKind
from tinhso.core.agencies.selectors import ancestors_of
from tinhso.core.errors import NotFound
from tinhso.dossiers import errors
from tinhso.procedures import selectors as catalog
from tinhso.procedures.models import FormField, FormFieldType, OnlineLevel, Procedure, RouteStep

MAX_TEXT = 2000
MAX_TEXTAREA = 10000

# The level (procedures.AgencyLevel) of each kind of agency; divisions and others take their parent's.
LEVEL_OF_KIND = {
    AgencyKind.PROVINCIAL_COMMITTEE: "provincial",
    AgencyKind.DEPARTMENT: "provincial",
    AgencyKind.SERVICE_CENTER: "provincial",
    AgencyKind.DISTRICT_COMMITTEE: "district",
    AgencyKind.COMMUNE_COMMITTEE: "commune",
}


def get_active_procedure(code: str, on: dt.date) -> Procedure:
    """The procedure ``code`` if it accepts new dossiers on ``on``, else ``dossiers.procedure_not_available``."""
    try:
        return catalog.get_active_procedure(code, on=on)
    except NotFound as exc:
        raise errors.invalid(
            "procedure_not_available",
            "Thủ tục không tồn tại hoặc không còn áp dụng.",
            "The procedure does not exist or is no longer in force.",
            procedure=str(code)[:40],
            reason=exc.code,
        ) from None


def route_of(procedure: Procedure) -> list[RouteStep]:
    return catalog.route_of(procedure)


def fee_for(procedure: Procedure, options: dict | None) -> int:
    """The fee in VND for the applicant's case (``{"option": key}`` or ``{"quantity": n}``)."""
    return catalog.fee_for(procedure, options or None).amount


def is_online(procedure: Procedure) -> bool:
    return procedure.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL)


def level_of(agency: Agency) -> str:
    """provincial, district or commune: the agency's own kind, else its nearest ancestor's."""
    if agency.kind in LEVEL_OF_KIND:
        return LEVEL_OF_KIND[agency.kind]
    for ancestor in ancestors_of(agency):
        if ancestor.kind in LEVEL_OF_KIND:
            return LEVEL_OF_KIND[ancestor.kind]
    return ""


def step_agency(route_step: RouteStep, receiving_agency: Agency) -> Agency:
    """Who performs a route step (see ``RouteStep``): its agency; else the receiving agency or the
    nearest ancestor at the step's level; else the receiving agency."""
    if route_step.agency_id is not None:
        return route_step.agency
    if route_step.agency_level:
        for candidate in [receiving_agency, *ancestors_of(receiving_agency)]:
            if candidate.kind in LEVEL_OF_KIND and LEVEL_OF_KIND[candidate.kind] == route_step.agency_level:
                return candidate
        raise errors.invalid(
            "route_agency_unresolved",
            "Không xác định được cơ quan thực hiện một bước của quy trình; liên hệ quản trị.",
            "The agency of a route step could not be resolved; contact the administrators.",
            step=route_step.order,
        )
    return receiving_agency


def validate_route(procedure: Procedure, steps: list[RouteStep]) -> None:
    if not steps:
        raise errors.invalid(
            "route_missing",
            "Thủ tục chưa có quy trình nội bộ nên chưa thể tiếp nhận hồ sơ.",
            "The procedure has no internal route yet; dossiers cannot be received.",
            procedure=procedure.code,
        )
    total = sum((Decimal(step.share_days) for step in steps), Decimal(0))
    if total > procedure.processing_days:
        raise errors.invalid(
            "route_too_long",
            "Tổng thời gian các bước vượt thời hạn giải quyết của thủ tục.",
            "The route's steps take longer than the procedure's processing time.",
            total=str(total),
            processing_days=procedure.processing_days,
        )


def _problem(key: str, code: str, vi: str, en: str) -> dict[str, str]:
    return {"field": key, "code": code, "message_vi": vi, "message_en": en}


def validate_form_data(procedure: Procedure, data: Any) -> dict:
    """Check the applicant's answers against the procedure's ``FormField``s; return the clean dict.

    Unknown keys are refused (a typo would otherwise silently drop an answer); every problem is
    reported at once in ``details``.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise errors.invalid(
            "invalid_form_data", "Dữ liệu tờ khai không hợp lệ.", "The form data is not valid."
        )
    fields = {f.key: f for f in FormField.objects.filter(procedure=procedure).order_by("order")}
    problems: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    for key in data:
        if key not in fields:
            problems.append(
                _problem(key, "unknown_field", "Trường không có trong tờ khai.", "No such field in the form.")
            )
    for key, field in fields.items():
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                problems.append(
                    _problem(
                        key, "required", f"“{field.label}” là bắt buộc.", f"{field.label!r} is required."
                    )
                )
            continue
        checked = _check_value(field, value)
        if isinstance(checked, dict):
            problems.append(checked)
        else:
            clean[key] = checked
    if problems:
        raise errors.invalid(
            "invalid_form_data",
            "Tờ khai có thông tin chưa hợp lệ.",
            "Some answers of the form are not valid.",
            fields=problems,
        )
    return clean


def _check_value(field: FormField, value: Any) -> Any:
    key, label = field.key, field.label
    kind = field.datatype
    if kind in (FormFieldType.TEXT, FormFieldType.TEXTAREA):
        limit = MAX_TEXT if kind == FormFieldType.TEXT else MAX_TEXTAREA
        if not isinstance(value, str) or len(value) > limit:
            return _problem(
                key,
                "invalid_text",
                f"“{label}” phải là chuỗi tối đa {limit} ký tự.",
                f"{label!r}: text, {limit} chars max.",
            )
        return value.strip()
    if kind == FormFieldType.NUMBER:
        if isinstance(value, bool):
            return _problem(key, "invalid_number", f"“{label}” phải là số.", f"{label!r} must be a number.")
        if isinstance(value, int | float):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
            text = value.strip()
            return float(text) if "." in text else int(text)
        return _problem(key, "invalid_number", f"“{label}” phải là số.", f"{label!r} must be a number.")
    if kind == FormFieldType.DATE:
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            return _problem(
                key,
                "invalid_date",
                f"“{label}” phải là ngày (YYYY-MM-DD).",
                f"{label!r} must be a date (YYYY-MM-DD).",
            )
    if kind == FormFieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        return _problem(
            key, "invalid_boolean", f"“{label}” phải là Có hoặc Không.", f"{label!r} must be true or false."
        )
    if kind == FormFieldType.CHOICE:
        allowed = {str(choice.get("value")) for choice in (field.choices or []) if isinstance(choice, dict)}
        if str(value) not in allowed:
            return _problem(
                key,
                "invalid_choice",
                f"“{label}”: lựa chọn không hợp lệ.",
                f"{label!r}: not one of the choices.",
            )
        return str(value)
    return _problem(key, "unsupported_type", "Kiểu dữ liệu không được hỗ trợ.", "Unsupported field type.")
