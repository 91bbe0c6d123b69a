"""Dossiers through the API (``/api/v1/dossiers/``): submit, receive at the counter, follow, act.

Every action is ``POST /{code}/actions/{action}`` and calls one service; a client may send the
``expected_version`` it saw and gets ``409 dossiers.stale_version`` if someone acted in between.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.http import FileResponse
from ninja import File, Form, Header, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from tinhso.core import context
from tinhso.core.accounts.models import User, UserKind
from tinhso.core.agencies.models import Agency
from tinhso.core.audit import services as audit
from tinhso.core.errors import NotFound
from tinhso.core.files import services as files
from tinhso.core.permissions import SYSTEM, as_principal
from tinhso.dossiers import errors, notifications, selectors, services
from tinhso.dossiers.models import (
    NATIONAL_STATUS,
    Dossier,
    DossierDocument,
    DossierState,
    Notification,
    ResultDocument,
)

router = Router(tags=["dossiers"])


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


def _agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=(code or "").strip()).first()
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan.", "Agency not found.", code="agency.not_found")
    return agency


# --- Schemas -------------------------------------------------------------------------------


class DocumentRef(Schema):
    required_document_id: int | None = None
    file_id: UUID = Field(
        ..., description="A file uploaded with POST /api/v1/files/ (purpose dossier_attachment)"
    )
    name: str = ""


class Contact(Schema):
    phone: str = ""
    email: str = ""
    address: str = ""


class DossierCreate(Schema):
    procedure_code: str
    agency_code: str = Field(..., description="The receiving agency (any agency that performs the procedure)")
    form_data: dict = {}
    documents: list[DocumentRef] = []
    fee_options: dict | None = Field(
        None, description='{"option": key} for a fee table, {"quantity": n} per unit'
    )
    result_delivery: Literal["counter", "online", "post"] | None = Field(
        None, description="Default: online for a fully online procedure, else at the counter"
    )
    contact: Contact = Contact()


class ApplicantIn(Schema):
    name: str
    citizen_id: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


class CounterCreate(Schema):
    procedure_code: str
    agency_code: str
    applicant: ApplicantIn
    form_data: dict = {}
    documents: list[DocumentRef] = []
    fee_options: dict | None = None
    result_delivery: Literal["counter", "online", "post"] = "counter"
    channel: Literal[1, 3] = 1
    accept: bool = True


class StepRead(Schema):
    order: int
    name: str
    kind: str
    agency_code: str
    agency_name: str
    role: str
    assignee: str | None
    share_days: Decimal
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    outcome: str
    status: str


class DocumentRead(Schema):
    id: int
    name: str
    file_id: UUID
    content_type: str
    size: int
    required_document_id: int | None
    supplement: bool


class ResultRead(Schema):
    id: int
    name: str
    file_id: UUID
    is_signed: bool
    uploaded_at: dt.datetime
    returned_via: str
    returned_at: dt.datetime | None


class DossierBrief(Schema):
    code: str
    public_id: UUID
    procedure_code: str
    procedure_name: str
    applicant_name: str
    channel: int
    state: str
    national_status: int
    status: str
    receiving_agency_code: str
    current_agency_code: str
    current_agency_name: str
    current_step: str | None
    submitted_at: dt.datetime
    appointment_at: dt.datetime | None
    version: int


class DossierRead(DossierBrief):
    receiving_agency_name: str
    processing_days: int
    fee_amount: int
    fee_paid: bool
    result_delivery: str
    form_data: dict
    applicant_email: str
    applicant_phone_masked: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    decided_at: dt.datetime | None
    result_returned_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    extension_count: int
    supplement_count: int
    supplement_days_total: Decimal
    allowed_actions: list[str]
    steps: list[StepRead]
    documents: list[DocumentRead]
    results: list[ResultRead]
    rating: int | None


class TransitionRead(Schema):
    at: dt.datetime
    action: str
    from_state: str
    to_state: str
    national_status: int
    agency_code: str | None
    step: str | None
    actor: str
    note: str
    form: str


class DossierPage(Schema):
    items: list[DossierBrief]
    count: int


class InboxItem(Schema):
    code: str
    procedure_name: str
    applicant_name: str
    step_order: int
    step_name: str
    agency_code: str
    role: str
    due_at: dt.datetime | None
    status: str
    due_soon: bool
    overdue: bool


class ActionIn(Schema):
    expected_version: int | None = None
    note: str = ""
    reason: str = ""
    reasons: list[str] = []
    items: list[dict | str] = []
    new_appointment_at: dt.datetime | None = None
    via: Literal["", "counter", "online", "post"] = ""
    assignee: UUID | None = Field(None, description="public_id of the officer to assign (action assign)")


class SupplementIn(Schema):
    documents: list[DocumentRef] = []
    note: str = ""
    expected_version: int | None = None


class RatingIn(Schema):
    score: int
    comment: str = ""


class RatingRead(Schema):
    score: int
    comment: str
    created_at: dt.datetime


class PaymentStartIn(Schema):
    return_url: str = ""


class PaymentStartRead(Schema):
    payment_id: UUID
    amount: int
    redirect_url: str


class TrackIn(Schema):
    code: str
    second_factor: str = Field(..., description="Last 4 digits of the applicant's phone or ID number")


class TrackedEventRead(Schema):
    at: dt.datetime
    state: str
    state_label: str
    national_status: int
    action: str
    agency_name: str
    step_name: str


class TrackingRead(Schema):
    code: str
    procedure_name: str
    state: str
    state_label: str
    national_status: int
    receiving_agency: str
    current_agency: str
    current_step: str
    submitted_at: dt.datetime
    received_at: dt.datetime | None
    appointment_at: dt.datetime | None
    result_returned_at: dt.datetime | None
    status: str
    timeline: list[TrackedEventRead]


class NotificationRead(Schema):
    kind: str
    channel: str
    recipient_masked: str
    subject: str
    body: str
    status: str
    sent_at: dt.datetime | None
    created_at: dt.datetime


# --- Builders ------------------------------------------------------------------------------


def _brief(d: Dossier) -> dict:
    return {
        "code": d.code,
        "public_id": d.public_id,
        "procedure_code": d.procedure_code,
        "procedure_name": d.procedure_name,
        "applicant_name": d.applicant_name,
        "channel": d.channel,
        "state": d.state,
        "national_status": NATIONAL_STATUS[d.state],
        "status": selectors.dossier_status(d),
        "receiving_agency_code": d.receiving_agency.code,
        "current_agency_code": d.current_agency.code,
        "current_agency_name": d.current_agency.name,
        "current_step": d.current_step.name if d.current_step_id else None,
        "submitted_at": d.submitted_at,
        "appointment_at": d.appointment_at,
        "version": d.version,
    }


def _read(d: Dossier) -> dict:
    from tinhso.dossiers.services.route import fee_settled
    from tinhso.dossiers.states import allowed_actions

    d = (
        selectors.with_history(Dossier.objects.filter(pk=d.pk))
        .select_related("receiving_agency", "current_agency", "current_step")
        .get()
    )
    rating = getattr(d, "rating", None) if hasattr(d, "rating") else None
    return {
        **_brief(d),
        "receiving_agency_name": d.receiving_agency.name,
        "processing_days": d.processing_days,
        "fee_amount": int(d.fee_amount),
        "fee_paid": fee_settled(d),
        "result_delivery": d.result_delivery,
        "form_data": d.form_data,
        "applicant_email": d.applicant_email,
        "applicant_phone_masked": notifications.mask_phone(d.applicant_phone_last4),
        "received_at": d.received_at,
        "due_at": d.due_at,
        "decided_at": d.decided_at,
        "result_returned_at": d.result_returned_at,
        "withdrawn_at": d.withdrawn_at,
        "extension_count": d.extension_count,
        "supplement_count": d.supplement_count,
        "supplement_days_total": d.supplement_days_total,
        "allowed_actions": allowed_actions(d.state),
        "steps": [
            {
                "order": s.order,
                "name": s.name,
                "kind": s.kind,
                "agency_code": s.agency.code,
                "agency_name": s.agency.name,
                "role": s.role,
                "assignee": s.assignee.full_name if s.assignee_id else None,
                "share_days": s.share_days,
                "started_at": s.started_at,
                "due_at": s.due_at,
                "finished_at": s.finished_at,
                "outcome": s.outcome,
                "status": selectors.step_status(s),
            }
            for s in d.steps.all()
        ],
        "documents": [
            {
                "id": doc.pk,
                "name": doc.name,
                "file_id": doc.file.public_id,
                "content_type": doc.file.content_type,
                "size": doc.file.size,
                "required_document_id": doc.required_document_id,
                "supplement": doc.supplement_request_id is not None,
            }
            for doc in d.documents.all()
        ],
        "results": [
            {
                "id": r.pk,
                "name": r.name,
                "file_id": r.file.public_id,
                "is_signed": r.is_signed,
                "uploaded_at": r.uploaded_at,
                "returned_via": r.returned_via,
                "returned_at": r.returned_at,
            }
            for r in d.results.all()
        ],
        "rating": rating.score if rating else None,
    }


def _page(rows, limit: int, offset: int) -> dict:
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    return {"count": rows.count(), "items": [_brief(d) for d in rows[offset : offset + limit]]}


def _documents(refs: list[DocumentRef]) -> list[services.DocumentInput]:
    return [
        services.DocumentInput(required_document_id=r.required_document_id, file_id=r.file_id, name=r.name)
        for r in refs
    ]


# --- Operations ----------------------------------------------------------------------------


@router.post(
    "/",
    response={200: DossierRead, 201: DossierRead},
    summary="Nộp hồ sơ trực tuyến / Submit a dossier online",
)
def submit(
    request, payload: DossierCreate, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """A signed-in citizen submits a dossier (permission `dossiers.submit`, scope `dossiers:write`).

    Upload the files first (`POST /api/v1/files/`, purpose `dossier_attachment`) and reference them.
    Send an `Idempotency-Key` header to make a retry safe: the same key with the same body returns
    the first dossier (200), with another body `409 dossiers.idempotency_key_reused`. Errors:
    `dossiers.procedure_not_available`, `dossiers.not_online`, `dossiers.agency_not_competent`,
    `dossiers.invalid_form_data` (details per field), `dossiers.missing_documents`,
    `dossiers.unknown_file`, `dossiers.document_type_not_accepted`."""
    result = services.submit_dossier(
        actor=_actor(request),
        procedure_code=payload.procedure_code,
        agency=_agency(payload.agency_code),
        form_data=payload.form_data,
        documents=_documents(payload.documents),
        fee_options=payload.fee_options,
        result_delivery=payload.result_delivery,
        contact=services.ApplicantInput(**payload.contact.dict()),
        idempotency_key=idempotency_key,
    )
    return Status(200 if result.replayed else 201, _read(result.dossier))


@router.post(
    "/counter",
    response={200: DossierRead, 201: DossierRead},
    summary="Tiếp nhận hồ sơ tại quầy / Register a dossier at the counter",
)
def counter(
    request, payload: CounterCreate, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """A one-stop officer of the agency registers a dossier handed in at the desk (channel 1) or by
    post (3) for the applicant, and receives it at once unless `accept` is false (permission
    `dossiers.receive`). The citizen ID number is kept only as a digest and its last 4 digits."""
    result = services.receive_at_counter(
        actor=_actor(request),
        procedure_code=payload.procedure_code,
        agency=_agency(payload.agency_code),
        applicant=services.ApplicantInput(**payload.applicant.dict()),
        form_data=payload.form_data,
        documents=_documents(payload.documents),
        fee_options=payload.fee_options,
        result_delivery=payload.result_delivery,
        channel=payload.channel,
        accept=payload.accept,
        idempotency_key=idempotency_key,
    )
    return Status(200 if result.replayed else 201, _read(result.dossier))


@router.get("/mine", response=DossierPage, summary="Hồ sơ của tôi / My dossiers")
def mine(request, limit: int = 50, offset: int = 0):
    """The signed-in citizen's own dossiers, newest first."""
    return _page(selectors.my_dossiers(_actor(request)), limit, offset)


class SearchQuery(Schema):
    q: str = ""
    procedure: str = ""
    state: DossierState | None = None
    agency: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    limit: int = 50
    offset: int = 0


@router.get("/", response=DossierPage, summary="Tìm hồ sơ / Search dossiers")
def search(request, filters: Query[SearchQuery]):
    """Dossiers the caller may see (`dossiers.view`: those of the officer's agencies, including
    those that passed through them), by code, applicant name, procedure, state and date range."""
    actor = _actor(request)
    rows = selectors.search_dossiers(
        actor,
        selectors.SearchFilters(
            q=filters.q,
            procedure=filters.procedure,
            state=filters.state or "",
            agency=filters.agency,
            submitted_from=filters.submitted_from,
            submitted_to=filters.submitted_to,
        ),
    )
    return _page(rows, filters.limit, filters.offset)


@router.get("/inbox", response=list[InboxItem], summary="Việc của tôi / My open steps")
def my_inbox(request, limit: int = 100):
    """Open steps the officer may perform (their agencies and roles, unassigned or assigned to them),
    soonest due first, with due-soon and overdue flags."""
    actor = _actor(request)
    items = []
    for step in selectors.inbox(actor)[: max(1, min(limit, 500))]:
        status = selectors.step_status(step)
        items.append(
            {
                "code": step.dossier.code,
                "procedure_name": step.dossier.procedure_name,
                "applicant_name": step.dossier.applicant_name,
                "step_order": step.order,
                "step_name": step.name,
                "agency_code": step.agency.code,
                "role": step.role,
                "due_at": step.due_at,
                "status": status,
                "due_soon": selectors.is_due_soon(step),
                "overdue": status == "overdue",
            }
        )
    return items


@router.post("/track", response=TrackingRead, auth=None, summary="Tra cứu hồ sơ / Track a dossier")
def track(request, payload: TrackIn):
    """Public: the status and timeline of a dossier for whoever knows its code and the last 4 digits
    of the applicant's phone or ID number; no personal data. A wrong code or second factor is
    `404 dossiers.not_found`; too many attempts `429 rate_limited`."""
    ctx = context.current()
    return selectors.track_dossier(
        payload.code, payload.second_factor, client_ip=(ctx.ip if ctx else "") or ""
    )


@router.get("/{code}", response=DossierRead, summary="Chi tiết hồ sơ / A dossier")
def detail(request, code: str):
    """One dossier (`dossiers.view`); 404 when it does not exist or is not visible to the caller."""
    return _read(selectors.get_dossier_for(_actor(request), code))


@router.get("/{code}/timeline", response=list[TransitionRead], summary="Quá trình xử lý / Control sheet")
def timeline(request, code: str):
    """Every transition of the dossier in order: the control sheet (Form 06)."""
    dossier = selectors.get_dossier_for(_actor(request), code)
    return [
        {
            "at": t.at,
            "action": t.action,
            "from_state": t.from_state,
            "to_state": t.to_state,
            "national_status": t.national_status,
            "agency_code": t.agency.code if t.agency_id else None,
            "step": t.step.name if t.step_id else None,
            "actor": t.actor_label,
            "note": t.note,
            "form": t.form,
        }
        for t in dossier.transitions.select_related("agency", "step").order_by("at", "id")
    ]


ActionName = Literal[
    "accept",
    "refuse",
    "request_supplement",
    "complete_step",
    "return_step",
    "assign",
    "extend",
    "stop",
    "withdraw",
    "return_result",
]


@router.post(
    "/{code}/actions/{action}", response=DossierRead, summary="Thao tác trên hồ sơ / Act on a dossier"
)
def act(request, code: str, action: ActionName, payload: ActionIn):
    """One transition: `accept` (dossiers.receive), `refuse` (`reasons`), `request_supplement`
    (`reason`, `items`), `complete_step` (the step's agency and role; a leader approves),
    `return_step` (`reason`), `assign` (`assignee`, a leader), `extend` (`reason`,
    `new_appointment_at`, before the appointment), `stop` (`reason`, a leader), `withdraw`,
    `return_result` (`via`). A transition the state does not allow is `409
    dossiers.invalid_transition`; a stale `expected_version` is `409 dossiers.stale_version`."""
    actor = _actor(request)
    dossier = selectors.get_dossier_for(actor, code)
    common = {"actor": actor, "dossier": dossier, "expected_version": payload.expected_version}
    if action == "accept":
        services.accept_dossier(**common, note=payload.note)
    elif action == "refuse":
        services.refuse_dossier(
            **common, reasons=payload.reasons or ([payload.reason] if payload.reason else [])
        )
    elif action == "request_supplement":
        services.request_supplement(**common, reason=payload.reason, items=payload.items)
    elif action == "complete_step":
        services.complete_step(**common, note=payload.note)
    elif action == "return_step":
        services.return_step(**common, reason=payload.reason)
    elif action == "assign":
        assignee = User.objects.filter(public_id=payload.assignee, kind=UserKind.OFFICER).first()
        if assignee is None:
            raise errors.invalid("invalid_assignee", "Không tìm thấy cán bộ.", "Officer not found.")
        services.assign_step(**common, assignee=assignee)
    elif action == "extend":
        if payload.new_appointment_at is None:
            raise errors.invalid(
                "invalid_appointment", "Cần ngày hẹn trả mới.", "The new appointment is required."
            )
        services.extend_dossier(
            **common, reason=payload.reason, new_appointment_at=payload.new_appointment_at
        )
    elif action == "stop":
        services.stop_dossier(**common, reason=payload.reason)
    elif action == "withdraw":
        services.withdraw_dossier(**common, reason=payload.reason or payload.note)
    elif action == "return_result":
        services.return_result(**common, via=payload.via)
    return _read(dossier)


@router.post(
    "/{code}/documents",
    response={201: list[DocumentRead]},
    summary="Bổ sung tệp trước khi tiếp nhận / Add files before reception",
)
def add_document(
    request,
    code: str,
    file: File[UploadedFile],
    name: Form[str] = "",
    required_document_id: Form[int | None] = None,
):
    """Multipart upload of one file to a dossier not yet received (applicant or one-stop officer).
    Type detected from the content; the `dossier_attachment` purpose's size limit applies."""
    actor = _actor(request)
    dossier = selectors.get_dossier_for(actor, code)
    rows = services.add_documents(
        actor=actor,
        dossier=dossier,
        documents=[
            services.DocumentInput(
                required_document_id=required_document_id, upload=file, name=name or file.name
            )
        ],
    )
    return Status(
        201,
        [
            {
                "id": r.pk,
                "name": r.name,
                "file_id": r.file.public_id,
                "content_type": r.file.content_type,
                "size": r.file.size,
                "required_document_id": r.required_document_id,
                "supplement": False,
            }
            for r in rows
        ],
    )


@router.post("/{code}/supplement", response=DossierRead, summary="Nộp bổ sung / Hand in the supplement")
def supplement(request, code: str, payload: SupplementIn):
    """The applicant (or the one-stop officer for them) hands in the requested supplement: files
    uploaded beforehand (`dossier_attachment`) and/or a note. The clock resumes."""
    actor = _actor(request)
    dossier = selectors.get_dossier_for(actor, code)
    services.fulfil_supplement(
        actor=actor,
        dossier=dossier,
        documents=_documents(payload.documents),
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _read(dossier)


@router.post("/{code}/results", response={201: ResultRead}, summary="Đính kèm kết quả / Attach the result")
def add_result(
    request,
    code: str,
    file: File[UploadedFile],
    name: Form[str],
    signed: Form[bool] = False,
):
    """Multipart upload of the result file. A PDF meant as signed uses the `signed_document` purpose,
    any other file `dossier_attachment`. Embedded PDF signatures are verified on upload: a document
    changed after signing is refused; `is_signed` in the answer is true only for a signature that is
    intact, covers the whole file and chains to a trusted root (docs/onestop.md, "Signed results")."""
    actor = _actor(request)
    dossier = selectors.get_dossier_for(actor, code)
    result = services.attach_result(
        actor=actor,
        dossier=dossier,
        name=name,
        upload=file,
        purpose="signed_document" if signed else "dossier_attachment",
    )
    return Status(
        201,
        {
            "id": result.pk,
            "name": result.name,
            "file_id": result.file.public_id,
            "is_signed": result.is_signed,
            "uploaded_at": result.uploaded_at,
            "returned_via": result.returned_via,
            "returned_at": result.returned_at,
        },
    )


@router.get(
    "/{code}/files/{file_id}",
    summary="Tải tệp của hồ sơ / Download a file of the dossier",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file as an attachment.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download(request, code: str, file_id: UUID):
    """A submitted document or a result of a dossier the caller may see. The applicant sees a
    result only once it has been returned online or at the desk."""
    actor = _actor(request)
    dossier = selectors.get_dossier_for(actor, code)
    stored = None
    document = (
        DossierDocument.objects.filter(dossier=dossier, file__public_id=file_id)
        .select_related("file")
        .first()
    )
    if document is not None:
        stored = document.file
    else:
        result = (
            ResultDocument.objects.filter(dossier=dossier, file__public_id=file_id)
            .select_related("file")
            .first()
        )
        if result is not None:
            if as_principal(actor).kind == "citizen" and dossier.state not in (DossierState.RETURNED,):
                raise NotFound("Không tìm thấy tệp.", "File not found.", code="files.not_found")
            stored = result.file
    if stored is None:
        raise NotFound("Không tìm thấy tệp.", "File not found.", code="files.not_found")
    # The dossier permission is the gate; the files service then reads the bytes.
    handle = files.open_stored_file(actor=SYSTEM, stored_file=stored)
    audit.record(
        actor=actor,
        action="dossiers.file_opened",
        obj=dossier,
        changes={"code": dossier.code, "file": str(stored.public_id), "sha256": stored.sha256},
    )
    response = FileResponse(
        handle, as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/{code}/rating", response={201: RatingRead}, summary="Đánh giá hài lòng / Rate the service")
def rate(request, code: str, payload: RatingIn):
    """The applicant rates the handling (1–5), once, after the result was returned."""
    actor = _actor(request)
    dossier = selectors.get_dossier_for(actor, code)
    rating = services.rate_dossier(actor=actor, dossier=dossier, score=payload.score, comment=payload.comment)
    return Status(201, rating)


@router.post("/{code}/payment", response={201: PaymentStartRead}, summary="Thanh toán phí / Pay the fee")
def pay(request, code: str, payload: PaymentStartIn):
    """The applicant starts the online payment of the dossier's fee; follow `redirect_url`. When it
    succeeds the dossier leaves "awaiting payment" by itself."""
    from tinhso.payments import services as payments

    actor = _actor(request)
    dossier = selectors.get_dossier_for(actor, code)
    payment = services.start_fee_payment(actor=actor, dossier=dossier, return_url=payload.return_url)
    redirect = payments.start_payment(actor=actor, payment=payment)
    return Status(201, {"payment_id": payment.public_id, "amount": payment.amount, "redirect_url": redirect})


@router.get(
    "/{code}/notifications",
    response=list[NotificationRead],
    summary="Thông báo đã gửi / Notifications of a dossier",
)
def dossier_notifications(request, code: str):
    """The outbox rows of a dossier (recipients masked), for whoever may see the dossier."""
    actor = _actor(request)
    dossier = selectors.get_dossier_for(actor, code)
    rows = Notification.objects.filter(dossier=dossier)
    principal = as_principal(actor)
    if principal.kind == "citizen":
        rows = rows.filter(recipient_user=principal.user)  # not the officers' reminders
    return list(rows.order_by("-created_at", "-id")[:200])
