"""Extra questions of a category: Open311 GeoReport v2 "attributes".

A category stores its attribute definitions as JSON (the shape of an Open311 service
definition); :func:`clean_definitions` checks them when a category is saved and
:func:`clean_values` checks a submission's answers against them.

Definition keys: ``code`` (letters, digits, ``_`` and ``-``), ``datatype`` (``string``, ``number``,
``datetime``, ``text``, ``singlevaluelist``, ``multivaluelist``), ``required`` (bool),
``description`` (the question), ``order`` (int), ``datatype_description`` (hint, optional),
``variable`` (bool, default true: false means informational, no answer expected) and, for the
list types, ``values``: ``[{"key", "name"}]``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tinhso.core.errors import ValidationFailed

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = frozenset({"singlevaluelist", "multivaluelist"})
MAX_ATTRIBUTES = 30
MAX_VALUES = 100
MAX_STRING = 255
MAX_TEXT = 4000
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def _definition_error(message_vi: str, message_en: str, index: int | None = None) -> ValidationFailed:
    return ValidationFailed(
        message_vi,
        message_en,
        code="feedback.invalid_attribute_definition",
        details={"index": index} if index is not None else None,
    )


def _bool(value: Any, *, default: bool, index: int, key: str) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _definition_error(
            f"Thuộc tính thứ {index + 1}: “{key}” phải là true hoặc false.",
            f"Attribute {index + 1}: “{key}” must be true or false.",
            index,
        )
    return value


def clean_definitions(raw: Any) -> list[dict[str, Any]]:
    """Validate and normalise a category's attribute definitions; returns them sorted by order."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ATTRIBUTES:
        raise _definition_error(
            f"Danh sách thuộc tính phải là một mảng, tối đa {MAX_ATTRIBUTES} phần tử.",
            f"Attributes must be a list of at most {MAX_ATTRIBUTES} items.",
        )
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _definition_error(
                f"Thuộc tính thứ {index + 1} phải là một đối tượng.",
                f"Attribute {index + 1} must be an object.",
                index,
            )
        unknown = set(item) - {
            "code",
            "datatype",
            "required",
            "description",
            "order",
            "datatype_description",
            "variable",
            "values",
        }
        if unknown:
            raise _definition_error(
                f"Thuộc tính thứ {index + 1} có khóa không hợp lệ: {', '.join(sorted(unknown))}.",
                f"Attribute {index + 1} has unknown keys: {', '.join(sorted(unknown))}.",
                index,
            )
        code = item.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            raise _definition_error(
                f"Thuộc tính thứ {index + 1}: mã chỉ gồm chữ, số, “_” và “-” (tối đa 50 ký tự).",
                f"Attribute {index + 1}: the code is letters, digits, “_” and “-” (at most 50).",
                index,
            )
        if code in seen:
            raise _definition_error(
                f"Mã thuộc tính “{code}” bị trùng.", f"The attribute code “{code}” is repeated.", index
            )
        seen.add(code)
        datatype = item.get("datatype")
        if datatype not in DATATYPES:
            raise _definition_error(
                f"Thuộc tính “{code}”: kiểu dữ liệu phải là một trong {', '.join(DATATYPES)}.",
                f"Attribute “{code}”: the datatype must be one of {', '.join(DATATYPES)}.",
                index,
            )
        description = item.get("description")
        if not isinstance(description, str) or not description.strip() or len(description) > 500:
            raise _definition_error(
                f"Thuộc tính “{code}”: cần câu hỏi (description) tối đa 500 ký tự.",
                f"Attribute “{code}”: a description (the question) of at most 500 characters is needed.",
                index,
            )
        hint = item.get("datatype_description") or ""
        if not isinstance(hint, str) or len(hint) > 255:
            raise _definition_error(
                f"Thuộc tính “{code}”: datatype_description tối đa 255 ký tự.",
                f"Attribute “{code}”: datatype_description is at most 255 characters.",
                index,
            )
        order = item.get("order", index + 1)
        if isinstance(order, bool) or not isinstance(order, int) or order < 0:
            raise _definition_error(
                f"Thuộc tính “{code}”: thứ tự (order) phải là số nguyên không âm.",
                f"Attribute “{code}”: the order must be a non-negative integer.",
                index,
            )
        entry: dict[str, Any] = {
            "code": code,
            "datatype": datatype,
            "required": _bool(item.get("required"), default=False, index=index, key="required"),
            "variable": _bool(item.get("variable"), default=True, index=index, key="variable"),
            "description": description.strip(),
            "datatype_description": hint.strip(),
            "order": order,
        }
        values = item.get("values")
        if datatype in LIST_TYPES:
            entry["values"] = _clean_values_list(values, code=code, index=index)
        elif values not in (None, []):
            raise _definition_error(
                f"Thuộc tính “{code}”: chỉ kiểu danh sách mới có values.",
                f"Attribute “{code}”: only list datatypes have values.",
                index,
            )
        cleaned.append(entry)
    return sorted(cleaned, key=lambda entry: (entry["order"], entry["code"]))


def _clean_values_list(values: Any, *, code: str, index: int) -> list[dict[str, str]]:
    if not isinstance(values, list) or not values or len(values) > MAX_VALUES:
        raise _definition_error(
            f"Thuộc tính “{code}”: kiểu danh sách cần từ 1 đến {MAX_VALUES} lựa chọn (values).",
            f"Attribute “{code}”: a list datatype needs 1 to {MAX_VALUES} values.",
            index,
        )
    cleaned, keys = [], set()
    for value in values:
        key = value.get("key") if isinstance(value, dict) else None
        name = value.get("name") if isinstance(value, dict) else None
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        if not isinstance(key, str) or not key.strip() or len(key) > 100 or key in keys:
            raise _definition_error(
                f"Thuộc tính “{code}”: mỗi lựa chọn cần khóa (key) riêng, tối đa 100 ký tự.",
                f"Attribute “{code}”: each value needs its own key of at most 100 characters.",
                index,
            )
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise _definition_error(
                f"Thuộc tính “{code}”: mỗi lựa chọn cần tên (name) tối đa 255 ký tự.",
                f"Attribute “{code}”: each value needs a name of at most 255 characters.",
                index,
            )
        keys.add(key)
        cleaned.append({"key": key, "name": name.strip()})
    return cleaned


def _value_error(code: str, message_vi: str, message_en: str, error_code: str = "feedback.invalid_attribute"):
    return ValidationFailed(message_vi, message_en, code=error_code, details={"attribute": code})


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(code: str, value: Any) -> int | float:
    if isinstance(value, bool):
        value = None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise _value_error(code, f"“{code}” phải là một số.", f"“{code}” must be a number.") from None
    if not number.is_finite():
        raise _value_error(code, f"“{code}” phải là một số.", f"“{code}” must be a number.")
    as_float = float(number)
    if not math.isfinite(as_float):
        raise _value_error(code, f"“{code}” quá lớn.", f"“{code}” is too large.")
    return int(number) if number == number.to_integral_value() and abs(number) < 2**53 else as_float


def _datetime(code: str, value: Any) -> str:
    parsed = value if isinstance(value, datetime) else None
    if parsed is None and isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise _value_error(
            code,
            f"“{code}” phải là ngày giờ dạng ISO 8601 (ví dụ 2026-03-01T08:30:00+07:00).",
            f"“{code}” must be an ISO 8601 date-time (e.g. 2026-03-01T08:30:00+07:00).",
        )
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=VIETNAM)  # the province's time, as everywhere in the API
    return parsed.isoformat()


def _text(code: str, value: Any, limit: int) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _value_error(code, f"“{code}” phải là văn bản.", f"“{code}” must be text.")
    text = str(value).strip()
    if len(text) > limit:
        raise _value_error(
            code, f"“{code}” dài tối đa {limit} ký tự.", f"“{code}” is at most {limit} characters long."
        )
    return text


def clean_values(definitions: list[dict[str, Any]], raw: Any) -> dict[str, Any]:
    """Check the answers ``raw`` ({code: value}) against ``definitions``; returns what is stored."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "Thông tin bổ sung (attributes) phải là một đối tượng {mã: giá trị}.",
            "Attributes must be an object {code: value}.",
            code="feedback.invalid_attribute",
        )
    by_code = {d["code"]: d for d in definitions if d.get("variable", True)}
    unknown = sorted(set(raw) - set(by_code))
    if unknown:
        raise ValidationFailed(
            f"Danh mục này không có thông tin bổ sung: {', '.join(map(str, unknown))}.",
            f"This category has no attribute {', '.join(map(str, unknown))}.",
            code="feedback.unknown_attribute",
            details={"attributes": unknown},
        )
    cleaned: dict[str, Any] = {}
    for code, definition in by_code.items():
        value = raw.get(code)
        if _is_empty(value):
            if definition.get("required"):
                raise _value_error(
                    code,
                    f"Cần trả lời: {definition['description']}",
                    f"An answer is required: {definition['description']}",
                    "feedback.attribute_required",
                )
            continue
        datatype = definition["datatype"]
        keys = [v["key"] for v in definition.get("values", [])]
        if datatype == "string":
            cleaned[code] = _text(code, value, MAX_STRING)
        elif datatype == "text":
            cleaned[code] = _text(code, value, MAX_TEXT)
        elif datatype == "number":
            cleaned[code] = _number(code, value)
        elif datatype == "datetime":
            cleaned[code] = _datetime(code, value)
        elif datatype == "singlevaluelist":
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if str(value) not in keys:
                raise _value_error(
                    code,
                    f"“{code}”: lựa chọn không hợp lệ.",
                    f"“{code}”: not one of the allowed values.",
                )
            cleaned[code] = str(value)
        else:  # multivaluelist
            chosen = value if isinstance(value, list) else [value]
            chosen = list(dict.fromkeys(str(item) for item in chosen))
            if any(item not in keys for item in chosen):
                raise _value_error(
                    code,
                    f"“{code}”: có lựa chọn không hợp lệ.",
                    f"“{code}”: some values are not allowed.",
                )
            cleaned[code] = chosen
    return cleaned
