"""Operators' pages for Open311 keys: the list, issuing a key (shown once), revoking one.

Open to whoever may manage the report catalogue (``feedback.manage_categories``: platform
administrators). The forms work with and without htmx: with it, the answer replaces the keys
panel in place; without it, the whole page comes back.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.errors import DomainError
from tinhso.core.ops.access import permission_view
from tinhso.feedback.open311 import selectors, services
from tinhso.feedback.open311.models import DEFAULT_RATE_LIMIT_PER_MINUTE

MANAGE = services.MANAGE


def _message(request: HttpRequest, error: DomainError) -> str:
    return error.message_en if getattr(request, "LANGUAGE_CODE", "vi") == "en" else error.message_vi


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _context(request: HttpRequest, **extra) -> dict:
    return {
        "keys": list(selectors.api_keys(request.user)),
        "default_rate": DEFAULT_RATE_LIMIT_PER_MINUTE,
        "form": {"name": "", "rate_limit_per_minute": DEFAULT_RATE_LIMIT_PER_MINUTE},
        **extra,
    }


def _panel(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    template = "open311/_panel.html" if _htmx(request) else "open311/keys.html"
    response = render(request, template, _context(request, **extra), status=status)
    # A page that may hold a key in clear must not be kept by the browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@permission_view(MANAGE)
@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    return _panel(request)


@permission_view(MANAGE)
@require_POST
def key_issue(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    rate = request.POST.get("rate_limit_per_minute", "") or DEFAULT_RATE_LIMIT_PER_MINUTE
    try:
        key, plain = services.issue_api_key(actor=request.user, name=name, rate_limit_per_minute=rate)
    except DomainError as error:
        return _panel(
            request,
            status=422 if not _htmx(request) else 200,
            error=_message(request, error),
            form={"name": name, "rate_limit_per_minute": rate},
        )
    return _panel(request, issued=key, issued_key=plain)


@permission_view(MANAGE)
@require_POST
def key_revoke(request: HttpRequest, public_id) -> HttpResponse:
    try:
        key = selectors.get_api_key(request.user, public_id)
    except DomainError:
        raise Http404 from None
    services.revoke_api_key(actor=request.user, key=key)
    if _htmx(request):
        return _panel(request, notice=_("Đã thu hồi khóa %(prefix)s.") % {"prefix": key.prefix})
    messages.success(request, _("Đã thu hồi khóa %(prefix)s.") % {"prefix": key.prefix})
    return redirect("open311_admin:keys")
