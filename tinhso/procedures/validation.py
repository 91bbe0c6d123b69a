"""Validation of a procedure as a whole: its fields, documents, form, route and fee.

The services, the API, the importer and the demo all describe a procedure as one plain mapping
(see :func:`procedure_as_data` for its shape) and pass it through :func:`clean_procedure`, so the
same input is refused everywhere with the same codes and messages. Problems are collected, not
raised one at a time, so that an import can report every bad cell of a file at once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tinhso.core.accounts.models import Role
from tinhso.core.agencies.models import Agency
from tinhso.core.errors import ValidationFailed
from tinhso.core.files.models import StoredFile
from tinhso.procedures import fees
from tinhso.procedures.models import (
    AgencyLevel,
    Field,
    FormFieldType,
    OnlineLevel,
    Procedure,
    StepKind,
)

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{2,39}$")
FIELD_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,39}$")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
# File kinds an applicant may be asked to upload (the dossier_attachment purpose accepts them).
FILE_KINDS = ("pdf", "jpg", "png", "docx", "xlsx", "odt", "ods")
LEVEL_ORDER = list(AgencyLevel.values)
MAX_CHILDREN = 100
MAX_PROCESSING_DAYS = 3650
TEMPLATE_PURPOSE = "procedure_form_template"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a procedure; ``path`` names the input, e.g. ``route_steps[2].share_days``."""

    path: str
    code: str
    message_vi: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "code": self.code,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


@dataclass
class DocumentSpec:
    order: int
    name: str
    is_required: bool = True
    copies: str = ""
    accepts: list[str] = field(default_factory=list)
    template: StoredFile | None = None


@dataclass
class FormFieldSpec:
    order: int
    key: str
    label: str
    datatype: str = FormFieldType.TEXT
    required: bool = False
    choices: list[dict[str, str]] = field(default_factory=list)
    help_text: str = ""


@dataclass
class StepSpec:
    order: int
    name: str
    kind: str
    role: str
    share_days: Decimal
    agency_level: str = ""
    agency: Agency | None = None


@dataclass
class ProcedureSpec:
    code: str
    name: str
    field_code: str
    field_name: str
    field: Field | None  # None: a new field, created by the import that names it
    levels: list[str]
    agencies: list[Agency]
    processing_days: int
    processing_note: str
    fee_rule: dict
    fee_description: str
    result_type: str
    online_level: str
    legal_basis: str
    is_active: bool
    active_from: date | None
    active_to: date | None
    documents: list[DocumentSpec]
    form_fields: list[FormFieldSpec]
    route_steps: list[StepSpec]

    def as_data(self) -> dict[str, Any]:
        """The canonical mapping, comparable with :func:`procedure_as_data`."""
        return {
            "code": self.code,
            "name": self.name,
            "field_code": self.field_code,
            "levels": list(self.levels),
            "agencies": sorted(agency.code for agency in self.agencies),
            "processing_days": self.processing_days,
            "processing_note": self.processing_note,
            "fee_rule": self.fee_rule,
            "fee_description": self.fee_description,
            "result_type": self.result_type,
            "online_level": self.online_level,
            "legal_basis": self.legal_basis,
            "is_active": self.is_active,
            "active_from": self.active_from,
            "active_to": self.active_to,
            "documents": [
                {
                    "order": d.order,
                    "name": d.name,
                    "is_required": d.is_required,
                    "copies": d.copies,
                    "accepts": list(d.accepts),
                    "template": str(d.template.public_id) if d.template else None,
                }
                for d in self.documents
            ],
            "form_fields": [
                {
                    "order": f.order,
                    "key": f.key,
                    "label": f.label,
                    "datatype": f.datatype,
                    "required": f.required,
                    "choices": [dict(c) for c in f.choices],
                    "help_text": f.help_text,
                }
                for f in self.form_fields
            ],
            "route_steps": [
                {
                    "order": s.order,
                    "name": s.name,
                    "kind": s.kind,
                    "role": s.role,
                    "share_days": _decimal_text(s.share_days),
                    "agency_level": s.agency_level,
                    "agency": s.agency.code if s.agency else None,
                }
                for s in self.route_steps
            ],
        }


def _decimal_text(value: Decimal) -> str:
    """Decimal("1.50") → "1.5", Decimal("2.00") → "2": one spelling per value."""
    text = format(value.normalize(), "f")
    return text


def procedure_as_data(procedure: Procedure) -> dict[str, Any]:
    """A stored procedure as the mapping :func:`clean_procedure` accepts (and ``as_data`` returns)."""
    return {
        "code": procedure.code,
        "name": procedure.name,
        "field_code": procedure.field.code,
        "levels": [level for level in LEVEL_ORDER if level in (procedure.levels or [])],
        "agencies": sorted(agency.code for agency in procedure.performing_agencies.all()),
        "processing_days": procedure.processing_days,
        "processing_note": procedure.processing_note,
        "fee_rule": procedure.fee_rule or dict(fees.FREE),
        "fee_description": procedure.fee_description,
        "result_type": procedure.result_type,
        "online_level": procedure.online_level,
        "legal_basis": procedure.legal_basis,
        "is_active": procedure.is_active,
        "active_from": procedure.active_from,
        "active_to": procedure.active_to,
        "documents": [
            {
                "order": d.order,
                "name": d.name,
                "is_required": d.is_required,
                "copies": d.copies,
                "accepts": list(d.accepts or []),
                "template": str(d.template.public_id) if d.template_id else None,
            }
            for d in procedure.documents.all()
        ],
        "form_fields": [
            {
                "order": f.order,
                "key": f.key,
                "label": f.label,
                "datatype": f.datatype,
                "required": f.required,
                "choices": [dict(c) for c in (f.choices or [])],
                "help_text": f.help_text,
            }
            for f in procedure.form_fields.all()
        ],
        "route_steps": [
            {
                "order": s.order,
                "name": s.name,
                "kind": s.kind,
                "role": s.role,
                "share_days": _decimal_text(s.share_days),
                "agency_level": s.agency_level,
                "agency": s.agency.code if s.agency_id else None,
            }
            for s in procedure.route_steps.all()
        ],
    }


class Lookups:
    """Fields, agencies and template files by code, cached: an import validates thousands of rows."""

    def __init__(self) -> None:
        self._fields: dict[str, Field | None] = {}
        self._agencies: dict[str, Agency | None] | None = None
        self._files: dict[str, StoredFile | None] = {}

    def field(self, code: str) -> Field | None:
        if code not in self._fields:
            self._fields[code] = Field.objects.filter(code=code).first()
        return self._fields[code]

    def agency(self, code: str) -> Agency | None:
        if self._agencies is None:
            self._agencies = {agency.code: agency for agency in Agency.objects.all()}
        return self._agencies.get(code)

    def template(self, public_id: str) -> StoredFile | None:
        if public_id not in self._files:
            try:
                key = uuid.UUID(str(public_id))
            except ValueError:
                self._files[public_id] = None
            else:
                self._files[public_id] = StoredFile.objects.filter(
                    public_id=key, deleted_at__isnull=True, purpose=TEMPLATE_PURPOSE
                ).first()
        return self._files[public_id]


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, code: str, vi: str, en: str) -> None:
        self.problems.append(Problem(path, code, vi, en))


def _text(
    value: Any,
    path: str,
    c: _Collector,
    *,
    max_length: int,
    required: bool,
    label_vi: str,
    label_en: str,
    multiline: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        c.add(path, "procedures.invalid_text", f"{label_vi} phải là văn bản.", f"{label_en} must be text.")
        return ""
    if multiline:
        text = "\n".join(" ".join(line.split()) for line in value.strip().splitlines()).strip()
    else:
        text = " ".join(value.split())
    if "\x00" in text:
        text = text.replace("\x00", "")
    if required and not text:
        c.add(path, "procedures.required", f"{label_vi} là bắt buộc.", f"{label_en} is required.")
    elif len(text) > max_length:
        c.add(
            path,
            "procedures.too_long",
            f"{label_vi} dài tối đa {max_length} ký tự.",
            f"{label_en} is at most {max_length} characters long.",
        )
    return text


def _bool(value: Any, path: str, c: _Collector, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        c.add(
            path,
            "procedures.invalid_boolean",
            "Giá trị phải là có/không.",
            "The value must be true or false.",
        )
        return default
    return value


def _int(value: Any, path: str, c: _Collector, *, low: int, high: int, label_vi: str, label_en: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        c.add(
            path,
            "procedures.invalid_number",
            f"{label_vi} phải là số nguyên từ {low} đến {high}.",
            f"{label_en} must be a whole number from {low} to {high}.",
        )
        return low
    return value


def _list(value: Any, path: str, c: _Collector) -> list:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        c.add(path, "procedures.invalid_list", "Giá trị phải là một danh sách.", "The value must be a list.")
        return []
    if len(value) > MAX_CHILDREN:
        c.add(
            path,
            "procedures.too_many",
            f"Tối đa {MAX_CHILDREN} mục.",
            f"At most {MAX_CHILDREN} items.",
        )
        return list(value)[:MAX_CHILDREN]
    return list(value)


def _orders(items: list[Mapping], path: str, c: _Collector) -> list[int]:
    """Each child's order: as given (positive, unique) or its position in the list."""
    orders, seen = [], set()
    for index, item in enumerate(items):
        order = item.get("order") if isinstance(item, Mapping) else None
        if order is None:
            order = index + 1
        order = _int(
            order, f"{path}[{index}].order", c, low=1, high=1000, label_vi="Thứ tự", label_en="The order"
        )
        if order in seen:
            c.add(
                f"{path}[{index}].order",
                "procedures.duplicate_order",
                "Thứ tự bị trùng.",
                "The order number is used twice.",
            )
        seen.add(order)
        orders.append(order)
    return orders


def clean_code(value: Any) -> str:
    """The normalised procedure code, or ``procedures.invalid_code``."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not CODE_PATTERN.match(code):
        raise ValidationFailed(
            "Mã thủ tục gồm 3–40 ký tự: chữ, số, dấu chấm, gạch ngang, gạch dưới (ví dụ 1.001193).",
            "A procedure code is 3–40 letters, digits, dots, hyphens or underscores (e.g. 1.001193).",
            code="procedures.invalid_code",
        )
    return code


def clean_procedure(
    data: Mapping[str, Any], *, lookups: Lookups | None = None, allow_new_field: bool = False
) -> tuple[ProcedureSpec | None, list[Problem]]:
    """Check a whole procedure; returns the cleaned spec (None when invalid) and every problem."""
    lookups = lookups or Lookups()
    c = _Collector()
    if not isinstance(data, Mapping):
        c.add("", "procedures.invalid", "Dữ liệu thủ tục không hợp lệ.", "The procedure data is not valid.")
        return None, c.problems
    try:
        code = clean_code(data.get("code"))
    except ValidationFailed as error:
        c.add("code", error.code, error.message_vi, error.message_en)
        code = ""
    name = _text(
        data.get("name"),
        "name",
        c,
        max_length=500,
        required=True,
        label_vi="Tên thủ tục",
        label_en="The name",
    )

    field_code = data.get("field_code")
    field_code = field_code.strip().upper() if isinstance(field_code, str) else ""
    field_name = _text(
        data.get("field_name"),
        "field_name",
        c,
        max_length=255,
        required=False,
        label_vi="Tên lĩnh vực",
        label_en="The field name",
    )
    field_obj = None
    if not FIELD_CODE_PATTERN.match(field_code):
        c.add(
            "field_code",
            "procedures.invalid_field",
            "Mã lĩnh vực không hợp lệ.",
            "The field code is not valid.",
        )
    else:
        field_obj = lookups.field(field_code)
        if field_obj is None and not (allow_new_field and field_name):
            c.add(
                "field_code",
                "procedures.unknown_field",
                f"Không có lĩnh vực mã {field_code}"
                + (" (ghi tên lĩnh vực để tạo mới)." if allow_new_field else "."),
                f"There is no field {field_code}"
                + (" (give its name to create it)." if allow_new_field else "."),
            )

    levels_in = _list(data.get("levels"), "levels", c)
    levels = [level for level in LEVEL_ORDER if level in levels_in]
    if not levels_in or any(level not in LEVEL_ORDER for level in levels_in):
        c.add(
            "levels",
            "procedures.invalid_levels",
            "Cấp thực hiện là một hoặc nhiều giá trị provincial (tỉnh), district (huyện), commune (xã).",
            "Levels are one or more of provincial, district, commune.",
        )

    agencies, seen_agencies = [], set()
    for index, agency_code in enumerate(_list(data.get("agencies"), "agencies", c)):
        agency = lookups.agency(agency_code.strip().upper()) if isinstance(agency_code, str) else None
        if agency is None:
            c.add(
                f"agencies[{index}]",
                "procedures.unknown_agency",
                f"Không có cơ quan mã {agency_code}.",
                f"There is no agency {agency_code}.",
            )
        elif agency.pk not in seen_agencies:
            seen_agencies.add(agency.pk)
            agencies.append(agency)

    processing_days = _int(
        data.get("processing_days"),
        "processing_days",
        c,
        low=0,
        high=MAX_PROCESSING_DAYS,
        label_vi="Thời hạn giải quyết (ngày làm việc)",
        label_en="The processing time in working days",
    )
    processing_note = _text(
        data.get("processing_note"),
        "processing_note",
        c,
        max_length=500,
        required=False,
        label_vi="Ghi chú thời hạn",
        label_en="The processing note",
    )
    fee_rule, fee_problems = fees.normalize_fee_rule(data.get("fee_rule"))
    for problem in fee_problems:
        c.add(problem.path, problem.code, problem.message_vi, problem.message_en)
    fee_description = _text(
        data.get("fee_description"),
        "fee_description",
        c,
        max_length=2000,
        required=False,
        label_vi="Mô tả phí, lệ phí",
        label_en="The fee description",
        multiline=True,
    )
    result_type = _text(
        data.get("result_type"),
        "result_type",
        c,
        max_length=500,
        required=False,
        label_vi="Kết quả thực hiện",
        label_en="The result",
    )
    online_level = data.get("online_level") or OnlineLevel.NONE
    if online_level not in OnlineLevel.values:
        c.add(
            "online_level",
            "procedures.invalid_online_level",
            "Mức độ trực tuyến là full (toàn trình), partial (một phần) hoặc none.",
            "The online level is full, partial or none.",
        )
        online_level = OnlineLevel.NONE
    legal_basis = _text(
        data.get("legal_basis"),
        "legal_basis",
        c,
        max_length=5000,
        required=False,
        label_vi="Căn cứ pháp lý",
        label_en="The legal basis",
        multiline=True,
    )
    is_active = _bool(data.get("is_active"), "is_active", c, True)
    active_from, active_to = data.get("active_from"), data.get("active_to")
    for key, value in (("active_from", active_from), ("active_to", active_to)):
        if value is not None and not isinstance(value, date):
            c.add(
                key,
                "procedures.invalid_date",
                "Ngày không hợp lệ (YYYY-MM-DD).",
                "Not a valid date (YYYY-MM-DD).",
            )
    if isinstance(active_from, date) and isinstance(active_to, date) and active_from > active_to:
        c.add(
            "active_to",
            "procedures.invalid_dates",
            "Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu.",
            "The end of validity must be on or after its start.",
        )

    documents = _clean_documents(_list(data.get("documents"), "documents", c), c, lookups)
    form_fields = _clean_form_fields(_list(data.get("form_fields"), "form_fields", c), c)
    route_steps = _clean_route(_list(data.get("route_steps"), "route_steps", c), c, lookups)
    # With a bad fee rule, whether a fee step is needed is unknown: report the fee only.
    _check_route(route_steps, processing_days, None if fee_problems else fee_rule, c)

    if c.problems:
        return None, c.problems
    return (
        ProcedureSpec(
            code=code,
            name=name,
            field_code=field_code,
            field_name=field_name,
            field=field_obj,
            levels=levels,
            agencies=agencies,
            processing_days=processing_days,
            processing_note=processing_note,
            fee_rule=fee_rule,
            fee_description=fee_description,
            result_type=result_type,
            online_level=online_level,
            legal_basis=legal_basis,
            is_active=is_active,
            active_from=active_from,
            active_to=active_to,
            documents=documents,
            form_fields=form_fields,
            route_steps=route_steps,
        ),
        [],
    )


def _mapping_items(items: list, path: str, c: _Collector) -> list[Mapping]:
    good = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            c.add(f"{path}[{index}]", "procedures.invalid", "Mục không hợp lệ.", "The item is not valid.")
            good.append({})
        else:
            good.append(item)
    return good


def _clean_documents(items: list, c: _Collector, lookups: Lookups) -> list[DocumentSpec]:
    items = _mapping_items(items, "documents", c)
    orders = _orders(items, "documents", c)
    result = []
    for index, (item, order) in enumerate(zip(items, orders, strict=True)):
        path = f"documents[{index}]"
        accepts = _list(item.get("accepts"), f"{path}.accepts", c)
        if any(kind not in FILE_KINDS for kind in accepts):
            c.add(
                f"{path}.accepts",
                "procedures.invalid_file_kinds",
                f"Loại tệp chấp nhận là một số trong: {', '.join(FILE_KINDS)}.",
                f"Accepted file kinds are some of: {', '.join(FILE_KINDS)}.",
            )
        template = None
        template_ref = item.get("template")
        if isinstance(template_ref, StoredFile):
            template = template_ref
        elif template_ref not in (None, ""):
            template = lookups.template(str(template_ref))
            if template is None:
                c.add(
                    f"{path}.template",
                    "procedures.unknown_template",
                    "Không có tệp mẫu đơn, tờ khai với mã này.",
                    "There is no form template file with this id.",
                )
        result.append(
            DocumentSpec(
                order=order,
                name=_text(
                    item.get("name"),
                    f"{path}.name",
                    c,
                    max_length=2000,
                    required=True,
                    label_vi="Tên giấy tờ",
                    label_en="The document name",
                ),
                is_required=_bool(item.get("is_required"), f"{path}.is_required", c, True),
                copies=_text(
                    item.get("copies"),
                    f"{path}.copies",
                    c,
                    max_length=200,
                    required=False,
                    label_vi="Số lượng bản",
                    label_en="The number of copies",
                ),
                accepts=[kind for kind in FILE_KINDS if kind in accepts],
                template=template,
            )
        )
    return sorted(result, key=lambda d: d.order)


def _clean_form_fields(items: list, c: _Collector) -> list[FormFieldSpec]:
    items = _mapping_items(items, "form_fields", c)
    orders = _orders(items, "form_fields", c)
    result, keys = [], set()
    for index, (item, order) in enumerate(zip(items, orders, strict=True)):
        path = f"form_fields[{index}]"
        key = item.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            c.add(
                f"{path}.key",
                "procedures.invalid_key",
                "Mã trường là chữ thường không dấu, số hoặc _, bắt đầu bằng chữ (ví dụ ho_ten).",
                "A field key is lower-case ASCII letters, digits or _, starting with a letter (e.g. full_name).",
            )
        elif key in keys:
            c.add(
                f"{path}.key",
                "procedures.duplicate_key",
                "Mã trường bị trùng.",
                "The field key is used twice.",
            )
        keys.add(key)
        datatype = item.get("datatype") or FormFieldType.TEXT
        if datatype not in FormFieldType.values:
            c.add(
                f"{path}.datatype",
                "procedures.invalid_datatype",
                f"Kiểu dữ liệu là một trong: {', '.join(FormFieldType.values)}.",
                f"The data type is one of: {', '.join(FormFieldType.values)}.",
            )
        choices = []
        raw_choices = _list(item.get("choices"), f"{path}.choices", c)
        values = set()
        for choice_index, choice in enumerate(raw_choices):
            value = choice.get("value") if isinstance(choice, Mapping) else None
            label = choice.get("label") if isinstance(choice, Mapping) else None
            label = " ".join(label.split()) if isinstance(label, str) else ""
            if (
                not isinstance(value, str)
                or not KEY_PATTERN.match(value)
                or value in values
                or not label
                or len(label) > 255
                or "|" in label
            ):
                c.add(
                    f"{path}.choices[{choice_index}]",
                    "procedures.invalid_choice",
                    "Mỗi lựa chọn có mã (chữ thường không dấu, không trùng) và nhãn (không chứa dấu |).",
                    "Each choice has a unique lower-case ASCII value and a label (without |).",
                )
            values.add(value)
            choices.append({"value": value, "label": label})
        if datatype == FormFieldType.CHOICE and not choices:
            c.add(
                f"{path}.choices",
                "procedures.choices_required",
                "Trường lựa chọn cần ít nhất một lựa chọn.",
                "A choice field needs at least one choice.",
            )
        if datatype != FormFieldType.CHOICE and choices:
            c.add(
                f"{path}.choices",
                "procedures.choices_not_allowed",
                "Chỉ trường lựa chọn mới có danh sách lựa chọn.",
                "Only a choice field has choices.",
            )
        result.append(
            FormFieldSpec(
                order=order,
                key=key if isinstance(key, str) else "",
                label=_text(
                    item.get("label"),
                    f"{path}.label",
                    c,
                    max_length=255,
                    required=True,
                    label_vi="Nhãn trường",
                    label_en="The field label",
                ),
                datatype=datatype,
                required=_bool(item.get("required"), f"{path}.required", c, False),
                choices=choices,
                help_text=_text(
                    item.get("help_text"),
                    f"{path}.help_text",
                    c,
                    max_length=500,
                    required=False,
                    label_vi="Hướng dẫn",
                    label_en="The help text",
                ),
            )
        )
    return sorted(result, key=lambda f: f.order)


def _share(value: Any, path: str, c: _Collector) -> Decimal:
    try:
        share = (
            value
            if isinstance(value, Decimal)
            else Decimal(str(value))
            if value is not None and not isinstance(value, bool)
            else None
        )
    except (InvalidOperation, ValueError):
        share = None
    if (
        share is None
        or not share.is_finite()
        or share < 0
        or share > MAX_PROCESSING_DAYS
        or share != share.quantize(Decimal("0.01"))
    ):
        c.add(
            path,
            "procedures.invalid_share",
            "Thời gian của bước là số ngày làm việc không âm, tối đa 2 chữ số thập phân (ví dụ 0.5).",
            "A step's time is a non-negative number of working days with at most 2 decimals (e.g. 0.5).",
        )
        return Decimal("0")
    return share.quantize(Decimal("0.01"))


def _clean_route(items: list, c: _Collector, lookups: Lookups) -> list[StepSpec]:
    items = _mapping_items(items, "route_steps", c)
    orders = _orders(items, "route_steps", c)
    result = []
    for index, (item, order) in enumerate(zip(items, orders, strict=True)):
        path = f"route_steps[{index}]"
        kind = item.get("kind")
        if kind not in StepKind.values:
            c.add(
                f"{path}.kind",
                "procedures.invalid_step_kind",
                f"Loại bước là một trong: {', '.join(StepKind.values)}.",
                f"The step kind is one of: {', '.join(StepKind.values)}.",
            )
        role = item.get("role")
        if role not in Role.values or role == Role.PLATFORM_ADMIN:
            c.add(
                f"{path}.role",
                "procedures.invalid_role",
                "Vai trò thực hiện là one_stop_officer, specialist, leader, clerk hoặc ioc_viewer.",
                "The role is one_stop_officer, specialist, leader, clerk or ioc_viewer.",
            )
        agency_level = item.get("agency_level") or ""
        if agency_level and agency_level not in AgencyLevel.values:
            c.add(
                f"{path}.agency_level",
                "procedures.invalid_levels",
                "Cấp thực hiện là provincial, district hoặc commune.",
                "The level is provincial, district or commune.",
            )
        agency = None
        agency_code = item.get("agency")
        if isinstance(agency_code, Agency):
            agency = agency_code
        elif agency_code not in (None, ""):
            agency = lookups.agency(str(agency_code).strip().upper())
            if agency is None:
                c.add(
                    f"{path}.agency",
                    "procedures.unknown_agency",
                    f"Không có cơ quan mã {agency_code}.",
                    f"There is no agency {agency_code}.",
                )
        result.append(
            StepSpec(
                order=order,
                name=_text(
                    item.get("name"),
                    f"{path}.name",
                    c,
                    max_length=255,
                    required=True,
                    label_vi="Tên bước",
                    label_en="The step name",
                ),
                kind=kind if kind in StepKind.values else "",
                role=role if isinstance(role, str) else "",
                share_days=_share(item.get("share_days"), f"{path}.share_days", c),
                agency_level=agency_level,
                agency=agency,
            )
        )
    return result


def _check_route(steps: list[StepSpec], processing_days: int, fee_rule: dict | None, c: _Collector) -> None:
    """A route starts with one receive step, ends with one return step, and shares the legal time."""
    if not steps:
        c.add(
            "route_steps",
            "procedures.route_required",
            "Cần khai báo quy trình xử lý (bắt đầu bằng bước tiếp nhận, kết thúc bằng bước trả kết quả).",
            "The processing route is required (starting with a receive step and ending with a return step).",
        )
        return
    by_order = sorted(range(len(steps)), key=lambda i: steps[i].order)
    first, last = by_order[0], by_order[-1]
    kinds = [step.kind for step in steps]
    if steps[first].kind != StepKind.RECEIVE or kinds.count(StepKind.RECEIVE) != 1:
        bad = next((i for i in by_order if i != first and steps[i].kind == StepKind.RECEIVE), first)
        c.add(
            f"route_steps[{bad}].kind",
            "procedures.route_receive_first",
            "Quy trình có đúng một bước tiếp nhận (receive) và đó là bước đầu tiên.",
            "The route has exactly one receive step and it is the first step.",
        )
    if len(steps) < 2 or steps[last].kind != StepKind.RETURN or kinds.count(StepKind.RETURN) != 1:
        bad = next((i for i in by_order if i != last and steps[i].kind == StepKind.RETURN), last)
        c.add(
            f"route_steps[{bad}].kind",
            "procedures.route_return_last",
            "Quy trình có đúng một bước trả kết quả (return) và đó là bước cuối cùng.",
            "The route has exactly one return step and it is the last step.",
        )
    fee_steps = [i for i in by_order if steps[i].kind == StepKind.FEE]
    if fee_rule is None:
        pass
    elif fees.is_free(fee_rule) and fee_steps:
        c.add(
            f"route_steps[{fee_steps[0]}].kind",
            "procedures.fee_step_without_fee",
            "Thủ tục không thu phí, lệ phí nên không có bước thu phí.",
            "The procedure has no fee, so the route has no fee step.",
        )
    elif not fees.is_free(fee_rule) and len(fee_steps) != 1:
        c.add(
            f"route_steps[{fee_steps[1]}].kind" if fee_steps else "route_steps",
            "procedures.fee_step_required",
            "Thủ tục có thu phí, lệ phí cần đúng một bước thu phí (fee) trong quy trình.",
            "A procedure with a fee needs exactly one fee step in its route.",
        )
    total = sum((step.share_days for step in steps), Decimal("0"))
    if total != Decimal(processing_days):
        c.add(
            "route_steps[*].share_days",
            "procedures.route_shares_mismatch",
            f"Tổng thời gian các bước ({_decimal_text(total)} ngày) phải bằng thời hạn giải quyết "
            f"({processing_days} ngày làm việc).",
            f"The steps' times add up to {_decimal_text(total)} days, not the processing time of "
            f"{processing_days} working days.",
        )
