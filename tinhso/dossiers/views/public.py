"""Public tracking of a dossier (tra cứu hồ sơ): the address printed in the QR code of the forms.

Anyone who knows the code and the last 4 digits of the applicant's phone or ID number sees the
state and the timeline; no personal data is shown. The selector limits attempts per IP and
failures per code; the factor travels in a POST body, never in the address.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tinhso.core import context as request_context
from tinhso.core.errors import NotFound, RateLimited
from tinhso.core.ops.access import public_view
from tinhso.dossiers import selectors
from tinhso.dossiers.views import common


@public_view
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("ma")) or ""
    code = code.strip()[:60]
    page = {"code": code, "tracking": None, "error": ""}
    status = 200
    if request.method == "POST":
        factor = (request.POST.get("factor") or "").strip()[:20]
        ctx = request_context.current()
        try:
            tracking = selectors.track_dossier(code, factor, client_ip=(ctx.ip if ctx else "") or "")
        except RateLimited:
            page["error"] = _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút.")
            status = 429
        except NotFound:
            page["error"] = _(
                "Không tìm thấy hồ sơ với mã và 4 chữ số đã nhập. Hãy kiểm tra lại mã hồ sơ và 4 số cuối "
                "của số điện thoại hoặc số định danh cá nhân của người nộp."
            )
            status = 404
        else:
            page["tracking"] = tracking
            page["status_label"] = common.status_label(tracking.status)
            page["events"] = [
                {"event": event, "label": str(common.ACTION_LABELS.get(event.action, event.action))}
                for event in tracking.timeline
            ]
    return render(request, "dossiers/track.html", page, status=status)
