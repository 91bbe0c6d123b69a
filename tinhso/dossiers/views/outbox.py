"""The notification outbox pages: what the platform told applicants and officers about dossiers.

``/ho-so/lam-viec/hop-thu-di/`` for officers (the messages about the dossiers they may see; a
platform administrator sees all and may send a failed one again) and ``/ho-so/thong-bao/`` for a
citizen (the messages addressed to them). Without a configured sender
(``DOSSIER_NOTIFICATION_SENDERS``) nothing leaves the platform and these pages are where the
e-mails and SMS of a demo are read. Recipients are shown masked only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.errors import DomainError
from tinhso.core.ops.access import permission_view
from tinhso.core.permissions import can
from tinhso.dossiers import outbox_selectors
from tinhso.dossiers.models import NotificationChannel, NotificationStatus
from tinhso.dossiers.services.outbox import resend_notification
from tinhso.dossiers.views import common

PAGE_SIZE = 25
FILTER_KEYS = ("kenh", "trang_thai", "loai", "ma")


def _filter_query(query) -> str:
    """The page's filters as a query string (page number left out), only the known keys."""
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = (query.get(key) or "").strip()[:60]
        if value:
            kept[key] = value
    return kept.urlencode()


def _listing(request: HttpRequest, *, for_officer: bool) -> dict:
    filters = outbox_selectors.OutboxFilters.from_query(request.GET)
    rows = outbox_selectors.filter_notifications(
        outbox_selectors.visible_notifications(request.user), filters
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "filters": filters,
        "page": page,
        "rows": [
            {
                "notification": n,
                "kind_label": outbox_selectors.KIND_LABELS.get(n.kind, n.kind),
                "failed": n.status == NotificationStatus.FAILED,
            }
            for n in page.object_list
        ],
        "channels": NotificationChannel.choices,
        "statuses": NotificationStatus.choices,
        # A citizen receives no step reminders: those kinds are the officers'.
        "kinds": [
            (kind, label)
            for kind, label in outbox_selectors.KIND_LABELS.items()
            if for_officer or not kind.startswith("step_")
        ],
        "query": _filter_query(request.GET),
        "for_officer": for_officer,
    }


@permission_view("dossiers.view_notifications")
@require_GET
def workspace_outbox(request: HttpRequest) -> HttpResponse:
    context = _listing(request, for_officer=True)
    context.update(
        common.workspace_nav(request, "outbox"),
        deliveries=outbox_selectors.channel_deliveries(),
        can_resend=can(request.user, "dossiers.resend_notification"),
        sees_all=can(request.user, "dossiers.view_outbox"),
    )
    return render(request, "dossiers/work/outbox.html", context)


@permission_view("dossiers.resend_notification")
@require_POST
def resend(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = outbox_selectors.get_notification_for(request.user, notification_id)
    if notification is None:
        raise Http404(_("Không tìm thấy thông báo."))
    try:
        row = resend_notification(actor=request.user, notification=notification)
    except DomainError as error:
        messages.error(request, common.message_of(request, error))
    else:
        messages.success(
            request,
            _("Đã đưa thông báo gửi %(recipient)s vào hàng đợi gửi lại.")
            % {"recipient": row.recipient_masked},
        )
    query = _filter_query(QueryDict((request.POST.get("back") or "")[:500]))
    url = reverse("dossiers:outbox")
    return redirect(f"{url}?{query}" if query else url)


@permission_view("dossiers.view_own_notifications")
@require_GET
def my_notifications(request: HttpRequest) -> HttpResponse:
    return render(request, "dossiers/notifications.html", _listing(request, for_officer=False))
