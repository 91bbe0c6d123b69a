"""The procedure catalog through the API: public search and detail, administration for platform
admins (create, update, withdraw, import, export)."""

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from tinhso.core.errors import ValidationFailed
from tinhso.core.permissions import require
from tinhso.procedures import fees, imports, selectors, services
from tinhso.procedures.models import (
    AgencyLevel,
    FormFieldType,
    ImportJob,
    ImportMode,
    OnlineLevel,
    Procedure,
    StepKind,
)

router = Router(tags=["procedures"])


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


# --- Schemas --------------------------------------------------------------------------------------


class FieldRead(Schema):
    code: str
    name: str
    active_count: int = Field(0, description="Procedures in force today in this field")


class FieldWrite(Schema):
    name: str


class ProcedureBrief(Schema):
    code: str
    name: str
    field_code: str
    field_name: str
    levels: list[AgencyLevel]
    processing_days: int
    online_level: OnlineLevel
    fee_summary: str
    result_type: str

    @staticmethod
    def resolve_field_code(obj: Procedure) -> str:
        return obj.field.code

    @staticmethod
    def resolve_field_name(obj: Procedure) -> str:
        return obj.field.name

    @staticmethod
    def resolve_fee_summary(obj: Procedure) -> str:
        return fees.describe(obj.fee_rule or fees.FREE)


class AgencyRef(Schema):
    code: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None


class DocumentRead(Schema):
    order: int
    name: str
    is_required: bool
    copies: str
    accepts: list[str]
    template_file: UUID | None = Field(None, description="public_id of the form template (files app)")

    @staticmethod
    def resolve_template_file(obj) -> UUID | None:
        return obj.template.public_id if obj.template_id else None


class Choice(Schema):
    value: str
    label: str


class FormFieldRead(Schema):
    order: int
    key: str
    label: str
    datatype: FormFieldType
    required: bool
    choices: list[Choice]
    help_text: str


class RouteStepRead(Schema):
    order: int
    name: str
    kind: StepKind
    role: str
    share_days: Decimal
    agency_level: str
    agency_code: str | None = None

    @staticmethod
    def resolve_agency_code(obj) -> str | None:
        return obj.agency.code if obj.agency_id else None


class ProcedureRead(ProcedureBrief):
    processing_note: str
    fee_rule: dict[str, Any]
    fee_description: str
    legal_basis: str
    is_active: bool
    active_from: date | None = None
    active_to: date | None = None
    in_force_today: bool
    agencies: list[AgencyRef]
    documents: list[DocumentRead]
    form_fields: list[FormFieldRead]
    route_steps: list[RouteStepRead]

    @staticmethod
    def resolve_in_force_today(obj: Procedure) -> bool:
        return selectors.is_active_on(obj)

    @staticmethod
    def resolve_agencies(obj: Procedure) -> list:
        return sorted(obj.performing_agencies.all(), key=lambda a: a.code)

    @staticmethod
    def resolve_documents(obj: Procedure) -> list:
        return list(obj.documents.all())

    @staticmethod
    def resolve_form_fields(obj: Procedure) -> list:
        return list(obj.form_fields.all())

    @staticmethod
    def resolve_route_steps(obj: Procedure) -> list:
        return selectors.route_of(obj)


class DocumentWrite(Schema):
    order: int | None = None
    name: str
    is_required: bool = True
    copies: str = ""
    accepts: list[str] = []
    template_file: UUID | None = Field(
        None, description="public_id of a file uploaded for procedure_form_template"
    )


class FormFieldWrite(Schema):
    order: int | None = None
    key: str
    label: str
    datatype: FormFieldType = FormFieldType.TEXT
    required: bool = False
    choices: list[Choice] = []
    help_text: str = ""


class RouteStepWrite(Schema):
    order: int | None = None
    name: str
    kind: StepKind
    role: str = Field(..., description="one_stop_officer, specialist, leader, clerk or ioc_viewer")
    share_days: Decimal = Field(..., description="Working days; the shares add up to processing_days")
    agency_level: str = ""
    agency_code: str | None = None


class ProcedureCreate(Schema):
    code: str = Field(..., description='National code, e.g. "1.001193"')
    name: str
    field_code: str
    levels: list[AgencyLevel]
    agencies: list[str] = Field([], description="Codes of the agencies that receive it")
    processing_days: int
    processing_note: str = ""
    fee_rule: dict[str, Any] = Field({"kind": "free"}, description="See docs/procedures.md")
    fee_description: str = ""
    result_type: str = ""
    online_level: OnlineLevel = OnlineLevel.NONE
    legal_basis: str = ""
    is_active: bool = True
    active_from: date | None = None
    active_to: date | None = None
    documents: list[DocumentWrite] = []
    form_fields: list[FormFieldWrite] = []
    route_steps: list[RouteStepWrite]


class ProcedureUpdate(Schema):
    name: str | None = None
    field_code: str | None = None
    levels: list[AgencyLevel] | None = None
    agencies: list[str] | None = None
    processing_days: int | None = None
    processing_note: str | None = None
    fee_rule: dict[str, Any] | None = None
    fee_description: str | None = None
    result_type: str | None = None
    online_level: OnlineLevel | None = None
    legal_basis: str | None = None
    is_active: bool | None = None
    active_from: date | None = None
    active_to: date | None = None
    documents: list[DocumentWrite] | None = None
    form_fields: list[FormFieldWrite] | None = None
    route_steps: list[RouteStepWrite] | None = None


class Deactivate(Schema):
    last_day: date | None = Field(None, description="Last day new dossiers are accepted (default today)")


class FeeQuoteRead(Schema):
    amount: int = Field(..., description="VND")
    label: str
    option: str
    quantity: int


class ProcedureFilter(Schema):
    q: str = Field("", description="Words of the name, code or field; diacritics and order ignored")
    field: str = Field("", description="Field code")
    agency: str = Field("", description="Code of a performing agency")
    online_level: OnlineLevel | None = None
    level: AgencyLevel | None = None


class ImportJobRead(Schema):
    id: UUID
    status: str
    phase: str
    mode: ImportMode
    file_format: str
    total_rows: int
    processed_rows: int
    percent: int
    created_count: int
    updated_count: int
    skipped_count: int
    error_count: int
    errors: list[dict[str, Any]] = Field(..., description="sheet, row, column, code, message_vi, message_en")
    message: str
    created_at: Any
    finished_at: Any = None

    @staticmethod
    def resolve_id(obj: ImportJob) -> UUID:
        return obj.public_id


# --- Helpers --------------------------------------------------------------------------------------


def _write_data(payload: dict[str, Any]) -> dict[str, Any]:
    data = dict(payload)
    for document in data.get("documents") or []:
        document["template"] = document.pop("template_file", None)
    for step in data.get("route_steps") or []:
        step["agency"] = step.pop("agency_code", None)
    if data.get("levels") is not None:
        data["levels"] = [str(level) for level in data["levels"]]
    return data


def _procedure(code: str) -> Procedure:
    return selectors.get_procedure(code)


# --- Public operations ----------------------------------------------------------------------------


@router.get("/", response=list[ProcedureBrief], auth=None, summary="Tra cứu thủ tục / Search procedures")
@paginate
def list_procedures(request, filters: Query[ProcedureFilter]):
    """Procedures in force today, best match first. `q` matches word beginnings of the name, the
    code and the field, ignoring diacritics, case and word order ("cap giay phep xay dung" finds
    "Cấp giấy phép xây dựng..."). Paginated with `limit` and `offset`."""
    require(_actor(request), "procedures.view")
    return selectors.search_procedures(
        selectors.Filters(
            q=filters.q,
            field=filters.field,
            agency=filters.agency,
            online_level=filters.online_level or "",
            level=filters.level or "",
        )
    )


@router.get("/fields", response=list[FieldRead], auth=None, summary="Lĩnh vực / Fields")
def list_fields(request):
    """Fields (lĩnh vực) with the number of procedures in force today."""
    require(_actor(request), "procedures.view")
    return selectors.fields_with_counts()


@router.put("/fields/{code}", response=FieldRead, summary="Tạo, đổi tên lĩnh vực / Create or rename a field")
def save_field(request, code: str, payload: FieldWrite):
    """Create the field or change its name (permission `procedures.manage`, scope `procedures:manage`)."""
    actor = _actor(request)
    field, _ = services.save_field(actor=actor, code=code, name=payload.name)
    return FieldRead(code=field.code, name=field.name, active_count=0)


@router.get(
    "/export",
    summary="Xuất danh mục / Export the catalog",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {
                    "text/csv": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                },
            }
        }
    },
)
def export_catalog(request, format: str = "xlsx", include_inactive: bool = True):
    """The whole catalog as CSV or XLSX in the import layout (docs/procedures.md). Needs
    `procedures.manage` (scope `procedures:manage`)."""
    content, name, content_type = imports.export_catalog(
        actor=_actor(request), file_format=format, include_inactive=include_inactive
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/imports",
    response={202: ImportJobRead},
    summary="Nhập danh mục từ tệp / Import the catalog from a file",
)
def start_import(request, file: File[UploadedFile], mode: Form[ImportMode] = ImportMode.ALL_OR_NOTHING):
    """Multipart upload of a CSV or XLSX file (layout in docs/procedures.md). Answers 202 with the job;
    follow it at `GET /imports/{id}`. `mode`: `all_or_nothing` (default: nothing is written when any
    row is invalid) or `valid_rows` (rows of invalid procedures are skipped). Needs
    `procedures.manage`. Errors: the files app's codes (413, 415, 422) for the upload itself."""
    job = imports.start_import(actor=_actor(request), file=file, name=file.name, mode=mode)
    job.refresh_from_db()
    return Status(202, job)


@router.get("/imports/{job_id}", response=ImportJobRead, summary="Tiến độ nhập / Import job status")
def get_import(request, job_id: UUID):
    """Progress and row-level errors of an import (`procedures.manage`)."""
    return imports.get_job_for(_actor(request), job_id)


@router.get("/{code}", response=ProcedureRead, auth=None, summary="Một thủ tục / One procedure")
def get_procedure(request, code: str):
    """One procedure by code with its documents, form fields, route, fee rule and agencies;
    withdrawn procedures are returned too (`in_force_today` false). 404 `procedures.not_found`."""
    require(_actor(request), "procedures.view")
    return _procedure(code)


@router.get("/{code}/fee", response=FeeQuoteRead, auth=None, summary="Tính phí, lệ phí / Fee quote")
def quote_fee(request, code: str, option: str = "", quantity: int = 1):
    """The amount due for a case: `option` is a key of a fee table, `quantity` the number of units
    of a per-unit fee. 422 `procedures.fee_option_required` or `procedures.invalid_fee_quantity`."""
    require(_actor(request), "procedures.view")
    options: dict[str, Any] = {"quantity": quantity}
    if option:
        options["option"] = option
    return selectors.fee_for(_procedure(code), options)


# --- Administration -------------------------------------------------------------------------------


@router.post("/", response={201: ProcedureRead}, summary="Thêm thủ tục / Create a procedure")
def create_procedure(request, payload: ProcedureCreate):
    """Add a procedure with its documents, form and route (`procedures.manage`). Errors (422) list
    every problem in `details.errors` (`path`, `code`, messages), e.g. `procedures.route_shares_mismatch`;
    409 `procedures.code_taken`."""
    procedure = services.create_procedure(actor=_actor(request), data=_write_data(payload.dict()))
    return Status(201, _procedure(procedure.code))


@router.patch("/{code}", response=ProcedureRead, summary="Sửa thủ tục / Update a procedure")
def update_procedure(request, code: str, payload: ProcedureUpdate):
    """Change the fields sent; a list sent for documents, form fields or route steps replaces the
    whole list (`procedures.manage`). The code never changes."""
    actor = _actor(request)
    require(actor, "procedures.manage")
    sent = payload.dict(exclude_unset=True)
    if any(value is None for key, value in sent.items() if key not in ("active_from", "active_to")):
        raise ValidationFailed(
            "Không gửi giá trị rỗng cho trường này.",
            "Do not send null for this field.",
            code="procedures.null_value",
        )
    services.update_procedure(actor=actor, procedure=services.get_for_update(code), data=_write_data(sent))
    return _procedure(code)


@router.post("/{code}/deactivate", response=ProcedureRead, summary="Ngừng áp dụng / Withdraw a procedure")
def deactivate_procedure(request, code: str, payload: Deactivate):
    """No new dossier after `last_day` (default today); doing it again changes nothing
    (`procedures.manage`)."""
    actor = _actor(request)
    require(actor, "procedures.manage")
    services.deactivate_procedure(
        actor=actor, procedure=services.get_for_update(code), last_day=payload.last_day
    )
    return _procedure(code)
