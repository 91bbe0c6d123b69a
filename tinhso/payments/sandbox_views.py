"""The sandbox gateway's payer page: the "bank" side, where a tester chooses what happens.

It is public like a real gateway's page (the transaction reference in the address is a 128-bit
random value), and answers 404 whenever the sandbox is disabled on the server.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tinhso.core.errors import DomainError
from tinhso.core.ops.access import public_view
from tinhso.payments import conf, receipts
from tinhso.payments.models import SandboxStatus
from tinhso.payments.providers import sandbox


def _form_int(request: HttpRequest, name: str, default: int) -> int | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        return None


def _back_to_platform(url: str) -> str:
    # The sandbox lives on the platform's own site: going back by path keeps the payer's session
    # even when SITE_URL names the host differently from the one in the browser.
    site = conf.site_url()
    if url.startswith(site + "/"):
        return url[len(site) :]
    return url


@public_view
@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, ref: str) -> HttpResponse:
    if not conf.sandbox_enabled():
        raise Http404(_("Cổng thanh toán thử nghiệm không hoạt động."))
    tx = sandbox.find_transaction(ref)
    if tx is None:
        raise Http404(_("Không tìm thấy giao dịch."))
    errors: list[str] = []
    values = {"outcome": "success", "delay": "0", "copies": "1", "amount_delta": "0"}
    if request.method == "POST":
        values = {key: request.POST.get(key, values[key]) for key in values}
        outcome = request.POST.get("outcome", "")
        delay = _form_int(request, "delay", 0)
        copies = 2 if request.POST.get("twice") else 1
        amount_delta = _form_int(request, "amount_delta", 0)
        if outcome not in sandbox.OUTCOMES:
            errors.append(_("Hãy chọn kết quả thanh toán."))
        if delay is None:
            errors.append(_("Độ trễ phải là số giây."))
        if amount_delta is None:
            errors.append(_("Chênh lệch số tiền phải là số nguyên."))
        if not errors:
            try:
                sandbox.complete_transaction(
                    tx.ref,
                    outcome=outcome,
                    delay_seconds=delay,
                    copies=copies,
                    send_callback=not request.POST.get("no_callback"),
                    amount_delta=amount_delta,
                )
            except DomainError as error:
                errors.append(error.message_vi if request.LANGUAGE_CODE == "vi" else error.message_en)
            else:
                return redirect(_back_to_platform(tx.return_url))
        tx.refresh_from_db()
    status = sandbox.transaction_status(tx)
    return render(
        request,
        "payments/sandbox_pay.html",
        {
            "tx": tx,
            "status": status,
            "status_label": SandboxStatus(status).label,
            "is_open": status == SandboxStatus.PENDING,
            "amount_text": receipts.format_vnd(tx.amount),
            "errors": errors,
            "values": values,
            "twice": bool(request.POST.get("twice")),
            "no_callback": bool(request.POST.get("no_callback")),
            "max_delay": sandbox.MAX_DELAY_SECONDS,
            "minutes_left": max(0, int((tx.expires_at - timezone.now()).total_seconds() // 60)),
            "return_url": _back_to_platform(tx.return_url),
        },
    )
