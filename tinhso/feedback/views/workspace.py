"""The officers' workspace: the inbox of their agency's reports and the handling page.

What the handling page offers is the state table (``InternalReport.allowed_actions``) narrowed by
the permission checks the services make (``feedback.handle`` on the report; the assignee or a
leader to start and resolve; ``feedback.moderate``; ``feedback.route``). The services check
everything again when a button is pressed, so the panel can only hide what would be refused.
Each action answers htmx with the re-rendered panel, timeline and outcome, or redirects back to
the page without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tinhso.core.accounts.models import User, UserKind
from tinhso.core.agencies import selectors as agency_selectors
from tinhso.core.errors import DomainError, NotFound, ValidationFailed
from tinhso.core.ops.access import permission_view
from tinhso.core.permissions import can
from tinhso.core.workcalendar import services as calendar
from tinhso.feedback import representations, selectors, services
from tinhso.feedback.models import Channel, RejectionKind, Report, ReportStatus
from tinhso.feedback.permissions import HANDLERS, can_moderate, can_route, is_leader_of
from tinhso.feedback.states import OPEN_STATUSES, TERMINAL_STATUSES
from tinhso.feedback.views import common

# Inbox tabs: (slug, label). "Due soon": open, not yet overdue, due within DUE_SOON_WORKING_DAYS.
DUE_SOON_WORKING_DAYS = 2
TABS = (
    ("can-xu-ly", gettext_lazy("Cần xử lý")),
    ("moi", gettext_lazy("Mới gửi")),
    ("sap-den-han", gettext_lazy("Sắp đến hạn")),
    ("qua-han", gettext_lazy("Quá hạn")),
    ("cua-toi", gettext_lazy("Được giao cho tôi")),
    ("da-xong", gettext_lazy("Đã xử lý xong")),
    ("tat-ca", gettext_lazy("Tất cả")),
)
DONE_STATUSES = (ReportStatus.RESOLVED, ReportStatus.CLOSED, ReportStatus.REJECTED)

ACTIONS = ("acknowledge", "assign", "start", "resolve", "reject", "transfer", "reroute", "merge", "moderate")
DONE_MESSAGES = {
    "acknowledge": gettext_lazy("Đã tiếp nhận phản ánh."),
    "assign": gettext_lazy("Đã phân công cán bộ xử lý."),
    "start": gettext_lazy("Đã chuyển phản ánh sang “Đang xử lý”."),
    "resolve": gettext_lazy("Đã ghi nhận kết quả xử lý. Người phản ánh sẽ xác nhận hoặc mở lại."),
    "reject": gettext_lazy("Đã ghi nhận không xử lý phản ánh."),
    "transfer": gettext_lazy("Đã chuyển phản ánh đến cơ quan khác."),
    "reroute": gettext_lazy("Đã điều phối lại phản ánh."),
    "merge": gettext_lazy("Đã gộp các phản ánh trùng vào phản ánh này."),
    "moderate": gettext_lazy("Đã cập nhật phần hiển thị công khai của phản ánh."),
}
ACTION_LABELS = {
    "acknowledge": gettext_lazy("Tiếp nhận"),
    "assign": gettext_lazy("Phân công"),
    "start": gettext_lazy("Bắt đầu xử lý"),
    "resolve": gettext_lazy("Hoàn thành xử lý"),
    "reject": gettext_lazy("Không xử lý"),
    "transfer": gettext_lazy("Chuyển cơ quan khác"),
    "reroute": gettext_lazy("Điều phối lại"),
    "merge": gettext_lazy("Gộp phản ánh trùng"),
    "moderate": gettext_lazy("Kiểm duyệt"),
}
CONFLICT_CODES = frozenset({"feedback.invalid_transition", "feedback.report_merged"})


# --- The inbox ---------------------------------------------------------------------------------------


def _tab_filters(tab: str, user, now) -> tuple[selectors.ReportFilters, dict]:
    """Selector filters of a tab, plus a narrowing the filters do not express (due soon)."""
    open_ = tuple(sorted(OPEN_STATUSES))
    if tab == "moi":
        return selectors.ReportFilters(statuses=(ReportStatus.NEW,)), {}
    if tab == "sap-den-han":
        horizon = calendar.add_working_days(now, DUE_SOON_WORKING_DAYS)
        return selectors.ReportFilters(statuses=open_, overdue=False), {"due_at__lte": horizon}
    if tab == "qua-han":
        return selectors.ReportFilters(overdue=True), {}
    if tab == "cua-toi":
        return selectors.ReportFilters(statuses=open_, assigned_to=user), {}
    if tab == "da-xong":
        return selectors.ReportFilters(statuses=DONE_STATUSES), {}
    if tab == "tat-ca":
        return selectors.ReportFilters(), {}
    return selectors.ReportFilters(statuses=open_), {}


def _tab_rows(user, tab: str, now, *, category: str = "", public_id: str = ""):
    filters, extra = _tab_filters(tab, user, now)
    if category:
        filters = replace(filters, category=category)
    if public_id:
        filters = replace(filters, public_ids=(public_id,))
    rows = selectors.reports_for_handler(user, filters, now=now)
    return rows.filter(**extra) if extra else rows


@permission_view("feedback.handle")
def inbox(request: HttpRequest) -> HttpResponse:
    """``/phan-anh/xu-ly/``: the reports of the officer's agencies, soonest deadline first."""
    now = timezone.now()
    tab = request.GET.get("loc", "can-xu-ly")
    if tab not in dict(TABS):
        tab = "can-xu-ly"
    category = request.GET.get("linh-vuc", "").strip()[:50]
    public_id = request.GET.get("ma", "").strip()[:20]
    rows = _tab_rows(request.user, tab, now, category=category, public_id=public_id)
    page = common.paginate(request, rows)
    items = [representations.internal_view(report, now=now, brief=True) for report in page.object_list]
    tabs = [
        {
            "slug": slug,
            "label": label,
            "count": _tab_rows(request.user, slug, now).count(),
            "current": slug == tab,
        }
        for slug, label in TABS
        if slug != "tat-ca"
    ]
    querystring = urlencode({k: v for k, v in (("loc", tab), ("linh-vuc", category), ("ma", public_id)) if v})
    context = {
        "tab": tab,
        "tabs": tabs,
        "items": items,
        "category": category,
        "public_id": public_id,
        "categories": list(selectors.active_categories()),
        "now": now,
        **common.page_links(page, querystring),
    }
    return render(request, "feedback/work/inbox.html", context)


# --- The handling page --------------------------------------------------------------------------------


@dataclass
class Offers:
    """The actions the signed-in officer may take on the report now."""

    names: list[str] = field(default_factory=list)

    def __contains__(self, name: str) -> bool:
        return name in self.names


def offers_for(user, report: Report, view: representations.InternalReport) -> Offers:
    allowed = set(view.allowed_actions)  # the state table; empty for a merged duplicate
    handles = can(user, "feedback.handle", report)
    worker = report.assignee_id == user.pk or is_leader_of(user, report.agency_id)
    names = []
    for action in ("acknowledge", "assign", "reject", "transfer"):
        if action in allowed and handles:
            names.append(action)
    for action in ("start", "resolve"):
        if action in allowed and handles and worker:
            names.append(action)
    if "reroute" in allowed and can_route(user):
        names.append("reroute")
    if handles and report.merged_into_id is None and report.status not in TERMINAL_STATUSES:
        names.append("merge")
    if can_moderate(user, report):
        names.append("moderate")
    order = {name: index for index, name in enumerate(ACTIONS)}
    return Offers(names=sorted(names, key=order.__getitem__))


def assignee_choices(report: Report) -> list[User]:
    """Officers who handle reports in the report's agency (the service checks the choice again)."""
    today = timezone.localdate()
    candidates = (
        User.objects.filter(
            kind=UserKind.OFFICER,
            is_active=True,
            officer_roles__agency_id=report.agency_id,
            officer_roles__role__in=HANDLERS,
        )
        .filter(agency_selectors.valid_on(today, prefix="officer_roles__"))
        .distinct()
        .order_by("full_name", "username")
    )
    return [user for user in candidates if can(user, "feedback.handle", report)]


def _report_for(request: HttpRequest, public_id: str) -> Report:
    try:
        return selectors.get_report_for_handler(request.user, public_id)
    except NotFound:
        raise Http404(_("Không tìm thấy phản ánh.")) from None


def work_context(
    request: HttpRequest, report: Report, *, notice: str = "", error: str = "", failed: str = "", posted=None
) -> dict:
    now = timezone.now()
    view = representations.internal_view(report, timeline=selectors.internal_timeline(report), now=now)
    offers = offers_for(request.user, report, view)
    duplicates = []
    if "merge" in offers:
        duplicates = [
            {"view": representations.public_view(d.report, now=now), "distance_m": d.distance_m}
            for d in selectors.possible_duplicates(report, actor=request.user)
        ]
    return {
        "report": view,
        "offers": offers,
        "labels": ACTION_LABELS,
        "timeline": common.timeline_rows(view.timeline),
        "assignees": assignee_choices(report) if "assign" in offers else [],
        "agencies": (
            list(
                agency_selectors.agencies_as_of(timezone.localdate())
                .exclude(pk=report.agency_id)
                .order_by("name")
            )
            if ("transfer" in offers or "reroute" in offers)
            else []
        ),
        "categories": list(selectors.active_categories()) if "reroute" in offers else [],
        "rejection_kinds": RejectionKind.choices,
        "duplicates": duplicates,
        "rejection_label": representations.rejection_label(view.rejection_kind),
        "is_leader": is_leader_of(request.user, report.agency_id),
        "notice": notice,
        "error": error,
        "failed": failed,
        "posted": posted,
        "now": now,
    }


def _page(request: HttpRequest, report: Report, *, contact=None) -> HttpResponse:
    context = work_context(request, report)
    context["contact"] = contact
    context["attributes"] = common.attribute_answers(report.category.attributes, context["report"].attributes)
    context["channel_label"] = (
        Channel(report.channel).label if report.channel in Channel.values else report.channel
    )
    context["map_config"] = common.map_config(
        point=[context["report"].latitude, context["report"].longitude]
        if context["report"].latitude is not None
        else None,
    )
    return common.with_map_policy(render(request, "feedback/work/handle.html", context))


@permission_view("feedback.handle")
def handle(request: HttpRequest, public_id: str) -> HttpResponse:
    """``/phan-anh/xu-ly/<public_id>/``: everything about the report for its handling agency, the
    actions allowed now and the internal timeline. Another agency's report is 404 (audited)."""
    return _page(request, _report_for(request, public_id))


def _required(value: str, message_vi: str, message_en: str, code: str) -> str:
    if not value:
        raise ValidationFailed(message_vi, message_en, code=code)
    return value


def _perform(request: HttpRequest, action: str, report: Report) -> None:
    """Call the service for ``action`` with what the form sent; DomainErrors go to the caller."""
    data, user = request.POST, request.user
    if action == "acknowledge":
        services.acknowledge_report(actor=user, report=report, note=data.get("note", ""))
    elif action == "assign":
        key = data.get("assignee", "")
        chosen = next((u for u in assignee_choices(report) if str(u.public_id) == key), None)
        if chosen is None:
            raise ValidationFailed(
                "Hãy chọn cán bộ xử lý của cơ quan.",
                "Choose an officer of the agency.",
                code="feedback.invalid_assignee",
            )
        services.assign_report(actor=user, report=report, assignee=chosen, note=data.get("note", ""))
    elif action == "start":
        services.start_report(actor=user, report=report)
    elif action == "resolve":
        services.resolve_report(
            actor=user,
            report=report,
            response=data.get("response", ""),
            photos=request.FILES.getlist("photos"),
        )
    elif action == "reject":
        services.reject_report(
            actor=user,
            report=report,
            rejection_kind=data.get("rejection_kind", ""),
            reason=data.get("reason", ""),
        )
    elif action == "transfer":
        code = _required(
            data.get("agency", "").strip(),
            "Hãy chọn cơ quan nhận.",
            "Choose the receiving agency.",
            "feedback.invalid_agency",
        )
        agency = agency_selectors.get_by_code(code)
        if agency is None:
            raise ValidationFailed(
                "Không tìm thấy cơ quan.", "The agency was not found.", code="feedback.invalid_agency"
            )
        services.transfer_report(actor=user, report=report, agency=agency, reason=data.get("reason", ""))
    elif action == "reroute":
        agency = None
        if data.get("agency", "").strip():
            agency = agency_selectors.get_by_code(data["agency"])
            if agency is None:
                raise ValidationFailed(
                    "Không tìm thấy cơ quan.", "The agency was not found.", code="feedback.invalid_agency"
                )
        category = selectors.get_category(data["category"]) if data.get("category", "").strip() else None
        services.reroute_report(
            actor=user, report=report, reason=data.get("reason", ""), agency=agency, category=category
        )
    elif action == "merge":
        chosen = [value for value in data.getlist("duplicates") if value]
        if not chosen:
            raise ValidationFailed(
                "Hãy chọn ít nhất một phản ánh trùng để gộp.",
                "Choose at least one duplicate to merge.",
                code="feedback.invalid_merge",
            )
        duplicates = [selectors.get_report_for_handler(user, public_id) for public_id in chosen]
        services.merge_reports(actor=user, main=report, duplicates=duplicates, note=data.get("note", ""))
    elif action == "moderate":
        services.moderate_report(
            actor=user,
            report=report,
            reason=data.get("reason", ""),
            hide_description=data.get("hide_description") == "on",
            hide_photos=data.get("hide_photos") == "on",
            hide_reporter=data.get("hide_reporter") == "on",
        )


def _conflict_message(request: HttpRequest, error: DomainError, action: str, report: Report) -> str:
    if error.code == "feedback.invalid_transition":
        return _(
            "Phản ánh vừa được cập nhật bởi người khác (trạng thái hiện tại: %(status)s). Thao tác "
            "“%(action)s” không còn thực hiện được; bảng thao tác đã được làm mới."
        ) % {"status": ReportStatus(report.status).label, "action": ACTION_LABELS[action]}
    return common.message_of(request, error)


def _panel(request: HttpRequest, report: Report, *, status: int = 200, **kwargs) -> HttpResponse:
    response = render(
        request, "feedback/work/_swap.html", work_context(request, report, **kwargs), status=status
    )
    response["X-Feedback-Panel"] = "1"
    return response


@require_POST
@permission_view("feedback.handle")
def act(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """One action on the report, then the refreshed panel (htmx) or the page again."""
    if action not in ACTIONS:
        raise Http404(_("Thao tác không tồn tại."))
    report = _report_for(request, public_id)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        _perform(request, action, report)
    except DomainError as error:
        try:
            fresh = _report_for(request, public_id)
        except Http404:
            fresh = None
        if fresh is None:  # it left the agency meanwhile (transferred by a colleague)
            messages.warning(request, _("Phản ánh không còn thuộc cơ quan của bạn."))
            return _leave(htmx)
        message = (
            _conflict_message(request, error, action, fresh)
            if error.code in CONFLICT_CODES
            else common.message_of(request, error)
        )
        if htmx:
            return _panel(
                request, fresh, status=error.status, error=message, failed=action, posted=request.POST
            )
        messages.error(request, message)
        return redirect("feedback:handle", public_id=fresh.public_id)
    try:
        fresh = _report_for(request, public_id)
    except Http404:
        # Transferred or re-routed away: the officer no longer sees it.
        messages.success(request, str(DONE_MESSAGES[action]))
        return _leave(htmx)
    if htmx:
        return _panel(request, fresh, notice=str(DONE_MESSAGES[action]))
    messages.success(request, str(DONE_MESSAGES[action]))
    return redirect("feedback:handle", public_id=fresh.public_id)


def _leave(htmx: bool) -> HttpResponse:
    if htmx:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = reverse("feedback:inbox")
        return response
    return redirect("feedback:inbox")


@require_POST
@permission_view("feedback.handle")
def contact(request: HttpRequest, public_id: str) -> HttpResponse:
    """The reporter's contact in clear (audited by the service), to call or write back."""
    report = _report_for(request, public_id)
    shown = services.reveal_contact(actor=request.user, report=report)
    if request.headers.get("HX-Request") != "true":
        return _page(request, report, contact=shown)
    view = representations.internal_view(report, brief=True)
    return render(request, "feedback/work/_contact.html", {"report": view, "contact": shown})
