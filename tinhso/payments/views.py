"""Payment pages: a payer's payments, one payment (pay, follow, cancel, retry), its receipt, and
reconciliation for platform administrators. The sandbox gateway's payer page is in sandbox_views."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core.errors import DomainError
from tinhso.core.ops.access import permission_view
from tinhso.core.permissions import can
from tinhso.payments import receipts, selectors, services
from tinhso.payments.models import PaymentStatus, ReconciliationRun
from tinhso.payments.providers import provider_names
from tinhso.payments.services import TZ


def _payment(request: HttpRequest, public_id) -> object:
    try:
        return selectors.get_payment_for(request.user, public_id)
    except DomainError as error:
        raise Http404(error.message_vi) from None


def _context(request: HttpRequest, payment) -> dict:
    receipt = selectors.receipt_for(payment) if payment.status == PaymentStatus.SUCCEEDED else None
    return_url = payment.return_url
    if return_url and not url_has_allowed_host_and_scheme(
        return_url, {request.get_host()}, request.is_secure()
    ):
        return_url = ""
    retry = (
        payment.retries.order_by("-created_at").first() if payment.status != PaymentStatus.SUCCEEDED else None
    )
    return {
        "payment": payment,
        "receipt": receipt,
        "return_url": return_url,
        "retry": retry,
        "amount_text": receipts.format_vnd(payment.amount),
        "polling": payment.status == PaymentStatus.PENDING,
        "can_start": payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING)
        and can(request.user, "payments.start", payment),
        "can_cancel": payment.is_open and can(request.user, "payments.cancel", payment),
        "can_refresh": payment.status == PaymentStatus.PENDING
        and can(request.user, "payments.refresh", payment),
        "can_retry": payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED)
        and can(request.user, "payments.start", payment),
        "provider_label": receipts.provider_label(payment.provider),
    }


@permission_view("payments.pages")
@require_GET
def payment_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.visible_payments(request.user).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in PaymentStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/list.html",
        {"page": page, "statuses": PaymentStatus.choices, "status": status},
    )


@permission_view("payments.pages")
@require_GET
def payment_detail(request: HttpRequest, public_id) -> HttpResponse:
    payment = _payment(request, public_id)
    return render(request, "payments/detail.html", _context(request, payment))


@permission_view("payments.pages")
@require_GET
def payment_status(request: HttpRequest, public_id) -> HttpResponse:
    """The status panel alone, polled by htmx while the payment is pending."""
    payment = _payment(request, public_id)
    return render(request, "payments/_status.html", _context(request, payment))


def _act(request: HttpRequest, public_id, action) -> HttpResponse:
    payment = _payment(request, public_id)
    try:
        return action(payment)
    except DomainError as error:
        messages.error(request, error.message_vi if request.LANGUAGE_CODE == "vi" else error.message_en)
        return redirect("payments:detail", public_id=payment.public_id)


@permission_view("payments.pages")
@require_POST
def payment_start(request: HttpRequest, public_id) -> HttpResponse:
    def start(payment):
        try:
            return redirect(services.start_payment(actor=request.user, payment=payment))
        except DomainError as error:
            if error.code == "payments.expired":
                # The provider's transaction timed out: learn its final status before saying so.
                services.refresh_payment_status(actor=request.user, payment=payment)
            raise

    return _act(request, public_id, start)


@permission_view("payments.pages")
@require_POST
def payment_refresh(request: HttpRequest, public_id) -> HttpResponse:
    def refresh(payment):
        services.refresh_payment_status(actor=request.user, payment=payment)
        if payment.status == PaymentStatus.PENDING:
            messages.info(request, _("Cổng thanh toán chưa xác nhận kết quả. Vui lòng chờ thêm."))
        return redirect("payments:detail", public_id=payment.public_id)

    return _act(request, public_id, refresh)


@permission_view("payments.pages")
@require_POST
def payment_cancel(request: HttpRequest, public_id) -> HttpResponse:
    def cancel(payment):
        services.cancel_payment(actor=request.user, payment=payment, reason=request.POST.get("reason", ""))
        messages.success(request, _("Đã hủy khoản thanh toán."))
        return redirect("payments:detail", public_id=payment.public_id)

    return _act(request, public_id, cancel)


@permission_view("payments.pages")
@require_POST
def payment_retry(request: HttpRequest, public_id) -> HttpResponse:
    def retry(payment):
        new = services.retry_payment(actor=request.user, payment=payment)
        return redirect("payments:detail", public_id=new.public_id)

    return _act(request, public_id, retry)


@permission_view("payments.pages")
@require_GET
def receipt_page(request: HttpRequest, public_id) -> HttpResponse:
    payment = _payment(request, public_id)
    receipt = selectors.receipt_for(payment)
    if receipt is None:
        raise Http404(_("Khoản thanh toán chưa có biên lai."))
    return render(
        request,
        "payments/receipt.html",
        {
            "payment": payment,
            "receipt": receipt,
            "amount_text": receipts.format_vnd(receipt.amount),
            "amount_words": receipts.amount_in_words(receipt.amount),
            "provider_label": receipts.provider_label(receipt.provider),
        },
    )


@permission_view("payments.pages")
@require_GET
def receipt_pdf(request: HttpRequest, public_id) -> HttpResponse:
    payment = _payment(request, public_id)
    receipt = selectors.receipt_for(payment)
    if receipt is None:
        raise Http404(_("Khoản thanh toán chưa có biên lai."))
    response = HttpResponse(receipts.render_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt.number}.pdf"'
    return response


@permission_view("payments.reconcile")
@require_http_methods(["GET", "POST"])
def reconciliations(request: HttpRequest) -> HttpResponse:
    yesterday = timezone.now().astimezone(TZ).date() - timedelta(days=1)
    if request.method == "POST":
        try:
            day = date.fromisoformat(request.POST.get("day", ""))
        except ValueError:
            messages.error(request, _("Ngày đối soát không hợp lệ."))
            return redirect("payments:reconciliations")
        try:
            run = services.reconcile_day(
                actor=request.user, day=day, provider=request.POST.get("provider") or None
            )
        except DomainError as error:
            messages.error(request, error.message_vi if request.LANGUAGE_CODE == "vi" else error.message_en)
            return redirect("payments:reconciliations")
        messages.success(request, _("Đã đối soát xong."))
        return redirect("payments:reconciliation", run_id=run.pk)
    page = Paginator(selectors.reconciliation_runs(), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/reconciliations.html",
        {"page": page, "yesterday": yesterday.isoformat(), "providers": provider_names()},
    )


@permission_view("payments.reconcile")
@require_GET
def reconciliation_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = ReconciliationRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404(_("Không tìm thấy lần đối soát."))
    return render(request, "payments/reconciliation.html", {"run": run})
