"""The officer's processing panel: which actions to offer now, and one POST per action.

What to offer is the state table (``states.allowed_actions``) narrowed by the same permission
checks the services make (``require_step_owner`` for the current step, the agency-bound rules
otherwise); the services check everything again when the button is pressed, so the panel can only
hide what would be refused, never allow what is not. Each action answers with the re-rendered
panel and timeline when called by htmx, or redirects back to the page without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tinhso.core.errors import DomainError, PermissionDenied, ValidationFailed
from tinhso.core.ops.access import permission_view
from tinhso.core.permissions import can
from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import Channel, DossierState, DossierStep, ResultDelivery
from tinhso.dossiers.notifications import mask_phone
from tinhso.dossiers.permissions import AgencyRef
from tinhso.dossiers.services.common import require_step_owner
from tinhso.dossiers.services.processing import RETURNABLE_KINDS
from tinhso.dossiers.services.route import fee_settled
from tinhso.dossiers.signing import panel as signing_panel
from tinhso.dossiers.states import allowed_actions
from tinhso.dossiers.views import common
from tinhso.procedures.models import StepKind

ACTIONS = (
    "accept",
    "refuse",
    "request_supplement",
    "complete_step",
    "return_step",
    "attach_result",
    "return_result",
    "extend",
    "stop",
    "withdraw",
    *signing_panel.ACTIONS,
)


@dataclass
class Offers:
    """The actions the signed-in officer may take on the dossier now."""

    names: list[str] = field(default_factory=list)
    step: DossierStep | None = None
    fee_blocked: bool = False  # the current step is the fee step and the fee is not paid yet

    def __contains__(self, name: str) -> bool:
        return name in self.names


def _owns(actor, step: DossierStep | None) -> bool:
    if step is None:
        return False
    try:
        require_step_owner(actor, step)
    except PermissionDenied:
        return False
    return True


def offers_for(actor, dossier, now: dt.datetime | None = None) -> Offers:
    now = now or timezone.now()
    allowed = set(allowed_actions(dossier.state))
    step = dossier.current_step if dossier.current_step_id else None
    if step is not None and (step.started_at is None or step.finished_at is not None):
        step = None
    owner = _owns(actor, step)
    receives = can(actor, "dossiers.receive", dossier)
    result = Offers(step=step)
    names = result.names
    if "accept" in allowed and receives:
        names.append("accept")
    if "request_supplement" in allowed and (receives if dossier.state == DossierState.SUBMITTED else owner):
        names.append("request_supplement")
    if "refuse" in allowed and receives:
        names.append("refuse")
    if "forward" in allowed and step is not None and step.kind != StepKind.RETURN and owner:
        names.append("complete_step")
        result.fee_blocked = step.kind == StepKind.FEE and not fee_settled(dossier)
    if (
        "return_step" in allowed
        and owner
        and step.kind in RETURNABLE_KINDS
        and DossierStep.objects.filter(
            dossier=dossier, order__lt=step.order, kind__in=RETURNABLE_KINDS
        ).exists()
    ):
        names.append("return_step")
    if "attach_result" in allowed:
        if step is not None and (dossier.state == DossierState.PROCESSING or step.kind == StepKind.RETURN):
            ok = owner
        else:
            ok = can(actor, "dossiers.return_result", dossier)
        if ok:
            names.append("attach_result")
    if "return_result" in allowed and (
        owner
        if step is not None and step.kind == StepKind.RETURN
        else can(actor, "dossiers.return_result", dossier)
    ):
        names.append("return_result")
    if (
        "extend" in allowed
        and can(actor, "dossiers.extend", dossier)
        and dossier.appointment_at is not None
        and now < dossier.appointment_at
    ):
        names.append("extend")
    if "stop" in allowed and can(actor, "dossiers.stop", dossier):
        names.append("stop")
    if "withdraw" in allowed and can(actor, "dossiers.withdraw", AgencyRef(dossier.receiving_agency_id)):
        names.append("withdraw")
    return result


def work_context(
    request: HttpRequest,
    dossier,
    *,
    notice: str = "",
    error: str = "",
    failed_action: str = "",
    posted=None,
) -> dict:
    """Everything the processing page shows; the panel part is re-rendered after each action."""
    dossier = common.with_history(dossier)
    now = timezone.now()
    status = selectors.dossier_status(dossier, now)
    steps = []
    for step in dossier.steps.all():
        step.dossier = dossier  # step_status reads the dossier's state; it is at hand already
        step_state = selectors.step_status(step, now)
        steps.append(
            {
                "step": step,
                "status": step_state,
                "status_label": common.status_label(step_state),
                "current": step.pk == dossier.current_step_id and step.finished_at is None,
            }
        )
    offers = offers_for(request.user, dossier, now)
    from tinhso.dossiers.views.desk import desk_offers  # desk.py answers with this panel too

    open_supplement = next((s for s in dossier.supplement_requests.all() if s.fulfilled_at is None), None)
    return {
        "dossier": dossier,
        "status": status,
        "status_label": common.status_label(status),
        "steps": steps,
        "offers": offers,
        "desk": desk_offers(request.user, dossier, offers.step),
        "documents": list(dossier.documents.all()),
        "results": list(dossier.results.all()),
        "result_rows": signing_panel.result_rows(request.user, dossier, dossier.results.all()),
        "open_supplement": open_supplement,
        "required_documents": list(dossier.procedure.documents.all().order_by("order")),
        "forms": common.available_forms(dossier),
        "timeline": common.timeline(dossier, for_applicant=False),
        "fee_text": common.fee_text(dossier.fee_amount),
        "fee_paid": dossier.fee_amount > 0 and fee_settled(dossier),
        "deliveries": list(ResultDelivery.choices),
        "appointment_local": common.local(dossier.appointment_at),
        "notice": notice,
        "error": error,
        "failed_action": failed_action,
        "posted": posted or {},
        "counter_receipt": dossier.channel != Channel.ONLINE,
        "phone_masked": mask_phone(dossier.applicant_phone_last4),
    }


# --- Running one action -----------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _appointment(raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationFailed(
            "Ngày hẹn trả mới không hợp lệ.",
            "The new appointment is not a valid date and time.",
            code="dossiers.invalid_appointment",
        ) from None
    return moment.replace(tzinfo=common.TZ) if moment.tzinfo is None else moment


def _run(request: HttpRequest, dossier, action: str) -> str:
    """Call the action's service; return the success notice."""
    post = request.POST
    raw_version = (post.get("version") or "").strip()
    base = {
        "actor": request.user,
        "dossier": dossier,
        "expected_version": int(raw_version) if raw_version.isdigit() else None,
    }
    if action == "accept":
        services.accept_dossier(**base, note=post.get("note", ""))
        return _("Đã tiếp nhận hồ sơ. In Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01) cho người nộp.")
    if action == "refuse":
        services.refuse_dossier(**base, reasons=_lines(post.get("reasons", "")))
        return _("Đã từ chối tiếp nhận hồ sơ (Mẫu 03).")
    if action == "request_supplement":
        wanted = {int(v) for v in post.getlist("documents") if v.isdigit()}
        items: list = [
            {"name": doc.name[:500], "required_document_id": doc.pk}
            for doc in dossier.procedure.documents.filter(pk__in=wanted).order_by("order")
        ]
        items += _lines(post.get("other_items", ""))
        services.request_supplement(**base, reason=post.get("reason", ""), items=items)
        return _("Đã gửi yêu cầu bổ sung hồ sơ (Mẫu 02) cho người nộp.")
    if action == "complete_step":
        services.complete_step(**base, note=post.get("note", ""))
        return _("Đã hoàn thành bước xử lý; hồ sơ đã chuyển bước tiếp theo.")
    if action == "return_step":
        services.return_step(**base, reason=post.get("reason", ""))
        return _("Đã trả hồ sơ về bước trước.")
    if action == "attach_result":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(
                "Hãy chọn tệp kết quả.", "Choose the result file.", code="dossiers.result_file_missing"
            )
        signed = post.get("signed") == "1"
        services.attach_result(
            **base,
            name=post.get("name", "") or upload.name,
            upload=upload,
            purpose="signed_document" if signed else "dossier_attachment",
            is_signed=signed,
        )
        return _("Đã đính kèm kết quả.")
    if action in signing_panel.ACTIONS:
        return signing_panel.run(request, dossier, action, base)
    if action == "return_result":
        services.return_result(**base, via=post.get("via", ""))
        return _("Đã trả kết quả cho người nộp.")
    if action == "extend":
        services.extend_dossier(
            **base,
            reason=post.get("reason", ""),
            new_appointment_at=_appointment(post.get("new_appointment")),
        )
        return _("Đã gia hạn và hẹn lại ngày trả kết quả (Mẫu 04).")
    if action == "stop":
        services.stop_dossier(**base, reason=post.get("reason", ""))
        return _("Đã dừng giải quyết hồ sơ (Mẫu 05).")
    services.withdraw_dossier(**base, reason=post.get("reason", ""))
    return _("Đã ghi nhận việc rút hồ sơ.")


def _panel(request: HttpRequest, context: dict, status: int) -> HttpResponse:
    response = render(request, "dossiers/work/_work.html", context, status=status)
    # Marks an error answer that carries the re-rendered panel (dossiers.js swaps it in).
    response["X-Dossier-Panel"] = "1"
    return response


def _error_text(request: HttpRequest, error: DomainError) -> str:
    if error.code in common.CONFLICT_CODES:
        return _("Hồ sơ vừa được người khác xử lý, vui lòng tải lại.")
    return common.message_of(request, error)


@permission_view("dossiers.view")
@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    dossier = common.dossier_for(request, code)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        notice = _run(request, dossier, action)
    except DomainError as error:
        text = _error_text(request, error)
        status = error.status
        context = work_context(request, dossier, error=text, failed_action=action, posted=request.POST)
        if htmx:
            return _panel(request, context, status)
        context.update(common.workspace_nav(request, ""), answers=common.answers(context["dossier"]))
        return render(request, "dossiers/work/detail.html", context, status=status)
    if htmx:
        return _panel(request, work_context(request, dossier, notice=notice), 200)
    messages.success(request, notice)
    return redirect("dossiers:work_detail", code=dossier.code)
