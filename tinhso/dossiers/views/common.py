"""What the dossier pages share: finding a dossier for the signed-in person, error messages in the
visitor's language, labels, the timeline, file and PDF responses, and reading the submission form
(the procedure's own fields, one upload per required document, the fee case)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.accounts.models import Role
from tinhso.core.audit import services as audit
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.files import services as files
from tinhso.core.permissions import SYSTEM, as_principal, can
from tinhso.core.workcalendar import arithmetic
from tinhso.dossiers import deadlines, forms_pdf, selectors, services
from tinhso.dossiers.models import Dossier, DossierDocument, DossierState, ResultDelivery, ResultDocument
from tinhso.procedures import fees
from tinhso.procedures.models import FormFieldType, Procedure, RequiredDocument

TZ = arithmetic.TZ

# The control-sheet actions as people read them (DossierTransition.action values).
ACTION_LABELS = {
    "submit": gettext_lazy("Nộp hồ sơ"),
    "accept": gettext_lazy("Tiếp nhận hồ sơ"),
    "start": gettext_lazy("Bắt đầu giải quyết"),
    "refuse": gettext_lazy("Từ chối tiếp nhận"),
    "request_supplement": gettext_lazy("Yêu cầu bổ sung hồ sơ"),
    "fulfil_supplement": gettext_lazy("Nộp bổ sung hồ sơ"),
    "forward": gettext_lazy("Chuyển bước tiếp theo"),
    "return_step": gettext_lazy("Trả lại bước trước"),
    "await_payment": gettext_lazy("Chờ thực hiện nghĩa vụ tài chính"),
    "payment_received": gettext_lazy("Đã nộp phí, lệ phí"),
    "finish": gettext_lazy("Đã giải quyết xong"),
    "attach_result": gettext_lazy("Đính kèm kết quả"),
    "extend": gettext_lazy("Xin lỗi và hẹn lại ngày trả (Mẫu 04)"),
    "stop": gettext_lazy("Dừng giải quyết (Mẫu 05)"),
    "withdraw": gettext_lazy("Rút hồ sơ"),
    "return_result": gettext_lazy("Trả kết quả"),
}

# Notes an applicant may read on their own timeline: what was asked of them and why. Notes of
# internal steps (an officer's remark, a leader sending a draft back) stay in the workspace.
APPLICANT_NOTES = frozenset({"request_supplement", "refuse", "extend", "stop", "withdraw"})

# The forms an applicant may download for their own dossier (06 is the agency's control sheet).
APPLICANT_FORMS = (1, 2, 3, 4, 5)

# Who keeps and prints the tracking book (Form 07) of their agency's desk.
BOOK_ROLES = frozenset({Role.ONE_STOP_OFFICER, Role.LEADER})

CONFLICT_CODES = frozenset({"dossiers.invalid_transition", "dossiers.stale_version"})


def message_of(request: HttpRequest, error: DomainError) -> str:
    return error.message_en if getattr(request, "LANGUAGE_CODE", "vi").startswith("en") else error.message_vi


def dossier_for(request: HttpRequest, code: str) -> Dossier:
    """The dossier if the signed-in person may see it (owner, or officer of an agency it reached);
    404 otherwise, the same as for a code that does not exist."""
    try:
        return selectors.get_dossier_for(request.user, code)
    except NotFound:
        raise Http404(_("Không tìm thấy hồ sơ.")) from None


def with_history(dossier: Dossier) -> Dossier:
    return (
        selectors.with_history(Dossier.objects.filter(pk=dossier.pk))
        .select_related("receiving_agency", "current_agency", "current_step", "procedure", "refusal")
        .get()
    )


def error_page(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(request, "web/error.html", {"title": title, "message": message}, status=status)


def workspace_nav(request: HttpRequest, current: str) -> dict:
    """The workspace's own menu, only with the pages the officer may open."""
    user = request.user
    return {
        "nav_current": current,
        "nav_view": can(user, "dossiers.view"),
        "nav_counter": can(user, "dossiers.receive"),
        "nav_book": bool(as_principal(user).agencies_with_any_role(BOOK_ROLES)),
        "nav_stats": can(user, "dossiers.view_stats"),
        "nav_outbox": can(user, "dossiers.view_notifications"),
    }


def answers(dossier: Dossier) -> list[tuple[str, Any]]:
    """The applicant's answers to the procedure's form, labelled with the form's own labels."""
    labels = {f.key: f.label for f in dossier.procedure.form_fields.all()}
    return [(labels.get(key, key), value) for key, value in (dossier.form_data or {}).items()]


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(TZ) if moment else None


def status_label(status: str) -> str:
    return str(deadlines.DeadlineStatus(status).label) if status in deadlines.DeadlineStatus.values else ""


def fee_text(amount: int) -> str:
    return fees.format_vnd(int(amount)) if amount else _("Không thu phí, lệ phí")


# --- Timeline ---------------------------------------------------------------------------------


@dataclass
class TimelineRow:
    at: dt.datetime
    action: str
    label: str
    state_label: str
    agency: str
    step: str
    actor: str
    note: str
    form: str


def _actor_label(dossier: Dossier, line) -> str:
    # A citizen's username is an opaque token: name the role instead.
    if line.actor_id is not None and line.actor_id == dossier.applicant_id:
        return _("Người nộp hồ sơ")
    return line.actor_label


def timeline(dossier: Dossier, *, for_applicant: bool) -> list[TimelineRow]:
    """The control-sheet lines in order. The applicant sees no officer names and only the notes
    that concern them (what to supplement, why refused, extended or stopped)."""
    states = dict(DossierState.choices)
    rows = []
    for line in dossier.transitions.all():
        note = line.note
        if for_applicant and line.action not in APPLICANT_NOTES:
            note = ""
        rows.append(
            TimelineRow(
                at=line.at,
                action=line.action,
                label=str(ACTION_LABELS.get(line.action, line.action)),
                state_label=str(states.get(line.to_state, line.to_state)),
                agency=line.agency.name if line.agency_id else "",
                step=line.step.name if line.step_id else "",
                actor="" if for_applicant else _actor_label(dossier, line),
                note=note,
                form=line.form,
            )
        )
    return rows


# --- Forms (PDF) ------------------------------------------------------------------------------


def available_forms(dossier: Dossier, numbers=(1, 2, 3, 4, 5, 6)) -> list[dict[str, Any]]:
    """The one-stop forms this dossier has (a Form 03 only once refused, and so on)."""
    has = {
        1: dossier.received_at is not None,
        2: bool(dossier.supplement_requests.all()),
        3: hasattr(dossier, "refusal"),
        4: bool(dossier.extensions.all()),
        5: dossier.state == DossierState.STOPPED,
        6: True,
    }
    return [{"number": n, "code": f"{n:02d}", "name": forms_pdf.FORM_NAMES[n]} for n in numbers if has.get(n)]


def pdf_response(
    request: HttpRequest, dossier: Dossier, number: int, *, reveal_contact: bool = False
) -> HttpResponse:
    """Form ``number`` of the dossier as a PDF (the caller has checked who may print it)."""
    try:
        if number == 1 and reveal_contact:
            filename, pdf = (
                forms_pdf.filename_for(dossier, 1),
                forms_pdf.render_form_01(dossier, reveal_contact=True),
            )
        else:
            filename, pdf = forms_pdf.render_form(dossier, number)
    except DomainError as error:
        return error_page(request, _("Không in được mẫu này"), message_of(request, error), 409)
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action="dossiers.form_printed",
            obj=dossier,
            changes={"code": dossier.code, "form": f"{number:02d}", "contact_in_clear": reveal_contact},
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- Files ------------------------------------------------------------------------------------


def file_response(request: HttpRequest, dossier: Dossier, file_id: uuid.UUID) -> HttpResponse:
    """A submitted document or a result of a dossier the person may see (checked by the caller
    through ``dossier_for``). An applicant gets a result only once it has been returned."""
    document = (
        DossierDocument.objects.filter(dossier=dossier, file__public_id=file_id)
        .select_related("file")
        .first()
    )
    stored = document.file if document is not None else None
    if stored is None:
        result = (
            ResultDocument.objects.filter(dossier=dossier, file__public_id=file_id)
            .select_related("file")
            .first()
        )
        if result is not None and (
            as_principal(request.user).kind != "citizen" or dossier.state == DossierState.RETURNED
        ):
            stored = result.file
    if stored is None or stored.is_deleted:
        raise Http404(_("Không tìm thấy tệp."))
    # The dossier permission is the gate; the files service then reads the bytes.
    handle = files.open_stored_file(actor=SYSTEM, stored_file=stored)
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action="dossiers.file_opened",
            obj=dossier,
            changes={"code": dossier.code, "file": str(stored.public_id), "sha256": stored.sha256},
        )
    response = FileResponse(
        handle, as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The submission form (online and at the counter) ------------------------------------------


@dataclass
class FieldInput:
    """One of the procedure's form fields as shown: its input name, the value typed, its error."""

    key: str
    name: str
    label: str
    datatype: str
    required: bool
    help_text: str
    choices: list[dict]
    value: str = ""
    error: str = ""


@dataclass
class DocumentSlot:
    """One required document (thành phần hồ sơ) and its file input."""

    id: int
    name: str
    order: int
    required: bool
    copies: str
    accepts: str
    input_name: str
    error: str = ""


@dataclass
class SubmissionForm:
    """What the applicant (or the officer at the counter) typed, ready for the service."""

    procedure: Procedure
    fields: list[FieldInput]
    documents: list[DocumentSlot]
    form_data: dict = field(default_factory=dict)
    document_inputs: list[services.DocumentInput] = field(default_factory=list)
    fee_options: dict | None = None
    fee_option: str = ""
    fee_quantity: str = ""
    result_delivery: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def fee_rule(self) -> dict:
        return self.procedure.fee_rule or fees.FREE

    @property
    def fee_kind(self) -> str:
        return self.fee_rule.get("kind", "free")

    @property
    def fee_summary(self) -> str:
        return fees.describe(self.fee_rule)

    @property
    def fee_choices(self) -> list[dict]:
        if self.fee_kind != "table":
            return []
        return [{**row, "amount_text": fees.format_vnd(row["amount"])} for row in self.fee_rule["options"]]


def submission_form(procedure: Procedure, data=None, uploads=None) -> SubmissionForm:
    """The form for ``procedure``; with ``data``/``uploads`` (request.POST/FILES) also parsed."""
    fields = [
        FieldInput(
            key=f.key,
            name=f"f_{f.key}",
            label=f.label,
            datatype=f.datatype,
            required=f.required,
            help_text=f.help_text,
            choices=[c for c in (f.choices or []) if isinstance(c, dict)],
        )
        for f in procedure.form_fields.all().order_by("order")
    ]
    documents = [
        DocumentSlot(
            id=d.pk,
            name=d.name,
            order=d.order,
            required=d.is_required,
            copies=d.copies,
            accepts=", ".join(str(kind) for kind in (d.accepts or [])),
            input_name=f"doc_{d.pk}",
        )
        for d in RequiredDocument.objects.filter(procedure=procedure).order_by("order")
    ]
    form = SubmissionForm(procedure=procedure, fields=fields, documents=documents)
    if data is None:
        return form
    for item in fields:
        raw = (data.get(item.name) or "").strip()
        item.value = raw
        if not raw:
            continue
        if item.datatype == FormFieldType.BOOLEAN:
            form.form_data[item.key] = raw == "yes"
        else:
            form.form_data[item.key] = raw
    for slot in documents:
        for upload in uploads.getlist(slot.input_name) if uploads is not None else []:
            form.document_inputs.append(services.DocumentInput(required_document_id=slot.id, upload=upload))
    for upload in uploads.getlist("doc_other") if uploads is not None else []:
        form.document_inputs.append(services.DocumentInput(upload=upload, name=upload.name[:500]))
    form.fee_option = (data.get("fee_option") or "").strip()[:50]
    form.fee_quantity = (data.get("fee_quantity") or "").strip()[:10]
    if form.fee_kind == "table" and form.fee_option:
        form.fee_options = {"option": form.fee_option}
    elif form.fee_kind == "per_unit" and form.fee_quantity:
        quantity = form.fee_quantity
        form.fee_options = {"quantity": int(quantity) if quantity.isdigit() else quantity}
    delivery = (data.get("result_delivery") or "").strip()
    form.result_delivery = delivery if delivery in ResultDelivery.values else ""
    return form


def attach_errors(request: HttpRequest, form: SubmissionForm, error: DomainError) -> None:
    """Put the service's error next to the inputs it names (form fields, missing documents)."""
    english = getattr(request, "LANGUAGE_CODE", "vi").startswith("en")
    details = error.details if isinstance(error.details, dict) else {}
    placed = False
    by_key = {item.key: item for item in form.fields}
    for problem in details.get("fields", []) or []:
        item = by_key.get(problem.get("field"))
        if item is not None:
            item.error = problem.get("message_en" if english else "message_vi", "")
            placed = True
    by_id = {slot.id: slot for slot in form.documents}
    for missing in details.get("missing", []) or []:
        slot = by_id.get(missing.get("id"))
        if slot is not None:
            slot.error = _("Thành phần bắt buộc: hãy chọn tệp.")
            placed = True
    form.errors.append(message_of(request, error))
    if form.document_inputs or placed:
        # Browsers never keep chosen files after a round trip; say so instead of failing silently.
        form.errors.append(
            _("Vì lý do an toàn, trình duyệt không giữ tệp đã chọn: vui lòng chọn lại các tệp.")
        )


def delivery_choices(procedure: Procedure) -> list[tuple[str, str]]:
    from tinhso.procedures.models import OnlineLevel

    return [
        (value, label)
        for value, label in ResultDelivery.choices
        if value != ResultDelivery.ONLINE or procedure.online_level == OnlineLevel.FULL
    ]
