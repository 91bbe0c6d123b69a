"""The citizen's pages: apply online, my dossiers, one dossier (supplement, pay, withdraw, result,
rating) and the forms issued for it.

Every page is for a signed-in citizen (``dossiers.submit`` is "any signed-in citizen"); each
dossier is then fetched through ``selectors.get_dossier_for``, which answers 404 for a dossier
that is not the visitor's own.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core.agencies.models import Agency
from tinhso.core.errors import DomainError
from tinhso.core.ops.access import permission_view
from tinhso.dossiers import catalog, selectors, services
from tinhso.dossiers.models import DossierState, Rating, ResultDelivery, SupplementRequest
from tinhso.dossiers.services.route import PAYABLE_TYPE, fee_settled
from tinhso.dossiers.states import allowed_actions
from tinhso.dossiers.views import common
from tinhso.procedures import selectors as procedure_selectors
from tinhso.procedures.models import OnlineLevel

PAGE_SIZE = 20


# --- Apply online -----------------------------------------------------------------------------


def _receiving_agencies(procedure) -> list[Agency]:
    """Where the applicant may submit: the performing agencies, else the agencies at the
    procedure's levels (the service checks the choice again)."""
    today = timezone.localdate()
    performing = [a for a in procedure.performing_agencies.all() if a.valid_to is None or a.valid_to >= today]
    if performing:
        return sorted(performing, key=lambda a: a.name)
    kinds = [kind for kind, level in catalog.LEVEL_OF_KIND.items() if level in (procedure.levels or [])]
    rows = Agency.objects.exclude(valid_to__lt=today)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    elif procedure.levels:
        return []
    else:
        rows = rows.filter(kind__in=list(catalog.LEVEL_OF_KIND))
    return list(rows.order_by("name")[:500])


@permission_view("dossiers.submit")
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, procedure_code: str) -> HttpResponse:
    try:
        procedure = procedure_selectors.get_active_procedure(procedure_code)
    except DomainError:
        raise Http404(_("Thủ tục không tồn tại hoặc không còn áp dụng.")) from None
    agencies = _receiving_agencies(procedure)
    context = {
        "procedure": procedure,
        "online": catalog.is_online(procedure),
        "agencies": agencies,
        "deliveries": common.delivery_choices(procedure),
        "token": uuid.uuid4().hex,
        "agency_code": agencies[0].code if len(agencies) == 1 else "",
        "phone": "",
        "email": request.user.email,
        "address": "",
    }
    if not context["online"]:
        return render(request, "dossiers/apply.html", context)
    if request.method == "GET":
        form = common.submission_form(procedure)
        # The service's own default: a fully online procedure returns its result online.
        form.result_delivery = (
            ResultDelivery.ONLINE if procedure.online_level == OnlineLevel.FULL else ResultDelivery.COUNTER
        )
        context["form"] = form
        return render(request, "dossiers/apply.html", context)

    form = common.submission_form(procedure, request.POST, request.FILES)
    token = (request.POST.get("idempotency_token") or "").strip()[:100]
    agency_code = (request.POST.get("agency") or "").strip()
    contact = services.ApplicantInput(
        phone=(request.POST.get("phone") or "").strip()[:20],
        email=(request.POST.get("email") or "").strip()[:254],
        address=(request.POST.get("address") or "").strip()[:500],
    )
    context.update(
        form=form,
        token=token or context["token"],
        agency_code=agency_code,
        phone=contact.phone,
        email=contact.email,
        address=contact.address,
    )
    agency = next((a for a in agencies if a.code == agency_code), None)
    if agency is None:
        form.errors.append(_("Hãy chọn cơ quan tiếp nhận hồ sơ."))
        return render(request, "dossiers/apply.html", context, status=422)
    try:
        submission = services.submit_dossier(
            actor=request.user,
            procedure_code=procedure.code,
            agency=agency,
            form_data=form.form_data,
            documents=form.document_inputs,
            fee_options=form.fee_options,
            result_delivery=form.result_delivery or None,
            contact=contact,
            # The token is minted with the page: a second click or a resent POST finds the first dossier.
            idempotency_key=token or None,
        )
    except DomainError as error:
        common.attach_errors(request, form, error)
        return render(request, "dossiers/apply.html", context, status=error.status)
    dossier = submission.dossier
    if submission.replayed:
        messages.info(request, _("Hồ sơ này đã được nộp trước đó; không tạo hồ sơ mới."))
    else:
        messages.success(request, _("Đã nộp hồ sơ. Mã hồ sơ của bạn là %(code)s.") % {"code": dossier.code})
    return redirect("dossiers:detail", code=dossier.code)


# --- My dossiers ------------------------------------------------------------------------------


@permission_view("dossiers.submit")
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_dossiers(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "dossier": d,
            "status": (status := selectors.dossier_status(d, now)),
            "status_label": common.status_label(status),
        }
        for d in page.object_list
    ]
    return render(request, "dossiers/mine.html", {"page": page, "rows": rows})


# --- One dossier ------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, dossier) -> dict:
    from tinhso.payments import selectors as payment_selectors

    dossier = common.with_history(dossier)
    open_supplement = next((s for s in dossier.supplement_requests.all() if s.fulfilled_at is None), None)
    payable = dossier.fee_amount > 0 and not dossier.is_terminal and not fee_settled(dossier)
    payments = list(payment_selectors.payments_for(PAYABLE_TYPE, dossier.code, actor=request.user))
    status = selectors.dossier_status(dossier)
    returned = dossier.state == DossierState.RETURNED
    rating = Rating.objects.filter(dossier=dossier).first()
    return {
        "dossier": dossier,
        "status": status,
        "status_label": common.status_label(status),
        "timeline": common.timeline(dossier, for_applicant=True),
        "documents": list(dossier.documents.all()),
        "results": list(dossier.results.all()) if returned else [],
        "open_supplement": open_supplement,
        "fee_text": common.fee_text(dossier.fee_amount),
        "fee_paid": dossier.fee_amount > 0 and fee_settled(dossier),
        "payable": payable,
        "last_payment": payments[-1] if payments else None,
        "can_withdraw": "withdraw" in allowed_actions(dossier.state),
        "can_rate": returned and rating is None,
        "rating": rating,
        "forms": common.available_forms(dossier, common.APPLICANT_FORMS),
        "answers": common.answers(dossier),
        "scores": range(1, 6),
    }


@permission_view("dossiers.submit")
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = common.dossier_for(request, code)
    return render(request, "dossiers/detail.html", _detail_context(request, dossier))


def _act(request: HttpRequest, code: str, action) -> HttpResponse:
    """Run ``action(dossier)``; a refusal becomes a message on the dossier page."""
    dossier = common.dossier_for(request, code)
    try:
        response = action(dossier)
    except DomainError as error:
        messages.error(request, common.message_of(request, error))
        return redirect("dossiers:detail", code=dossier.code)
    return response or redirect("dossiers:detail", code=dossier.code)


def _version(request: HttpRequest) -> int | None:
    raw = (request.POST.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


@permission_view("dossiers.submit")
@require_POST
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    def fulfil(dossier):
        request_row = (
            SupplementRequest.objects.filter(dossier=dossier, fulfilled_at__isnull=True)
            .order_by("-requested_at")
            .first()
        )
        documents = []
        for index, item in enumerate(request_row.items if request_row else []):
            for upload in request.FILES.getlist(f"item_{index}"):
                documents.append(
                    services.DocumentInput(
                        required_document_id=item.get("required_document_id"),
                        upload=upload,
                        name=str(item.get("name") or upload.name)[:500],
                    )
                )
        for upload in request.FILES.getlist("extra"):
            documents.append(services.DocumentInput(upload=upload, name=upload.name[:500]))
        services.fulfil_supplement(
            actor=request.user,
            dossier=dossier,
            documents=documents,
            note=request.POST.get("note", ""),
            expected_version=_version(request),
        )
        messages.success(request, _("Đã nộp bổ sung hồ sơ."))

    return _act(request, code, fulfil)


@permission_view("dossiers.submit")
@require_POST
def pay(request: HttpRequest, code: str) -> HttpResponse:
    """Send the applicant to the payment provider for the dossier's fee (the payments module makes
    and tracks the payment; the dossier leaves "awaiting payment" when the provider confirms)."""
    from tinhso.payments import selectors as payment_selectors
    from tinhso.payments import services as payments
    from tinhso.payments.models import UNSUCCESSFUL_STATUSES

    def start(dossier):
        payment = payment_selectors.open_payment_for(
            PAYABLE_TYPE, dossier.code, amount=int(dossier.fee_amount)
        )
        if payment is None or payment.created_by_id != request.user.pk:
            payment = services.start_fee_payment(
                actor=request.user,
                dossier=dossier,
                return_url=reverse("dossiers:detail", args=[dossier.code]),
            )
            if payment.status in UNSUCCESSFUL_STATUSES:
                payment = payments.retry_payment(actor=request.user, payment=payment)
        try:
            return redirect(payments.start_payment(actor=request.user, payment=payment))
        except DomainError as error:
            # Expired or no longer payable: the payment page explains it and offers a retry.
            messages.error(request, common.message_of(request, error))
            return redirect("payments:detail", public_id=payment.public_id)

    return _act(request, code, start)


@permission_view("dossiers.submit")
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    dossier = common.dossier_for(request, code)
    allowed = "withdraw" in allowed_actions(dossier.state)
    if request.method == "POST" and allowed:

        def run(dossier):
            services.withdraw_dossier(
                actor=request.user,
                dossier=dossier,
                reason=request.POST.get("reason", ""),
                expected_version=_version(request),
            )
            messages.success(request, _("Đã rút hồ sơ %(code)s.") % {"code": dossier.code})

        return _act(request, code, run)
    return render(
        request,
        "dossiers/withdraw.html",
        {"dossier": dossier, "allowed": allowed},
        status=200 if allowed or request.method == "GET" else 409,
    )


@permission_view("dossiers.submit")
@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    def run(dossier):
        raw = (request.POST.get("score") or "").strip()
        services.rate_dossier(
            actor=request.user,
            dossier=dossier,
            score=int(raw) if raw.isdigit() else -1,
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("Cảm ơn bạn đã đánh giá."))

    return _act(request, code, run)


@permission_view("dossiers.submit")
@require_GET
def file_download(request: HttpRequest, code: str, file_id: uuid.UUID) -> HttpResponse:
    return common.file_response(request, common.dossier_for(request, code), file_id)


@permission_view("dossiers.submit")
@require_GET
def form_pdf(request: HttpRequest, code: str, number: int) -> HttpResponse:
    if number not in common.APPLICANT_FORMS:
        raise Http404
    dossier = common.dossier_for(request, code)
    return common.pdf_response(request, dossier, number)
