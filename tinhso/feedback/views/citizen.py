"""The citizen's pages: submitting a report, their own reports, confirming or reopening one.

Submitting goes through :func:`tinhso.feedback.services.submit_report`, which checks everything
(category rules, location, photos by content, attributes); this module only reads the form and
puts each error next to the field it concerns. A hidden token, sent as the ``Idempotency-Key``,
makes a double click or a resent form return the first report instead of creating a second.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tinhso.core.errors import DomainError, NotFound
from tinhso.core.ops.access import permission_view, public_view
from tinhso.core.permissions import can
from tinhso.feedback import photos as photo_rules
from tinhso.feedback import representations, selectors, services
from tinhso.feedback.views import common

# Which form field an error code of the service concerns (the rest are shown above the form).
FIELD_OF_ERROR = {
    "feedback.invalid_description": "description",
    "feedback.invalid_coordinates": "location",
    "feedback.outside_province": "location",
    "feedback.location_required": "location",
    "feedback.invalid_unit": "unit",
    "feedback.unit_outside_province": "unit",
    "feedback.invalid_address": "address",
    "feedback.contact_required": "contact",
    "feedback.invalid_email": "contact_email",
    "feedback.invalid_phone": "contact_phone",
    "feedback.invalid_contact_name": "contact_name",
    "feedback.photo_required": "photos",
    "feedback.too_many_photos": "photos",
    "feedback.photo_invalid": "photos",
}
ATTRIBUTE_ERRORS = {"feedback.attribute_required", "feedback.invalid_attribute", "feedback.unknown_attribute"}
FIELD_ANCHORS = {
    "description": "fb-description",
    "location": "fb-latitude",
    "unit": "fb-unit",
    "address": "fb-address",
    "contact": "fb-contact-email",
    "contact_email": "fb-contact-email",
    "contact_phone": "fb-contact-phone",
    "contact_name": "fb-contact-name",
    "photos": "fb-photos",
}


def _attribute_inputs(
    definitions: list[dict[str, Any]], data, errors: dict[str, str]
) -> list[dict[str, Any]]:
    """The category's questions with what the visitor answered, for the template."""
    rows = []
    for definition in definitions:
        name = f"attr-{definition['code']}"
        multiple = definition["datatype"] == "multivaluelist"
        rows.append(
            {
                "definition": definition,
                "name": name,
                "id": f"fb-{name}",
                "value": (data.getlist(name) if multiple else data.get(name, "")) if data is not None else "",
                "variable": definition.get("variable", True),
                "error": errors.get(name, ""),
            }
        )
    return rows


def _attribute_answers(definitions: list[dict[str, Any]], data) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for definition in definitions:
        if not definition.get("variable", True):
            continue
        name = f"attr-{definition['code']}"
        if definition["datatype"] == "multivaluelist":
            chosen = [value for value in data.getlist(name) if value]
            if chosen:
                answers[definition["code"]] = chosen
        else:
            value = data.get(name, "")
            if value.strip():
                answers[definition["code"]] = value
    return answers


def _new_token() -> str:
    return f"web-{uuid.uuid4().hex}"


def _choose_category(request: HttpRequest, *, error: str = "") -> HttpResponse:
    return render(
        request,
        "feedback/submit_choose.html",
        {"categories": list(selectors.active_categories()), "error": error},
        status=404 if error else 200,
    )


def _after_submit(request: HttpRequest, report) -> HttpResponse:
    if can(request.user, "feedback.view_own", report):
        return redirect("feedback:own_detail", public_id=report.public_id)
    return redirect("feedback:detail", public_id=report.public_id)


@public_view
def submit(request: HttpRequest) -> HttpResponse:
    """``/phan-anh/gui/``: first the category (``?linh-vuc=<code>``), then the report itself."""
    code = (request.POST.get("category") if request.method == "POST" else request.GET.get("linh-vuc")) or ""
    if not code.strip():
        return _choose_category(request)
    try:
        category = selectors.get_category(code)
    except NotFound:
        return _choose_category(
            request, error=_("Lĩnh vực phản ánh không tồn tại hoặc đã ngừng nhận phản ánh.")
        )
    signed_in = request.user.is_authenticated
    data = request.POST if request.method == "POST" else None
    field_errors: dict[str, str] = {}
    errors: list[str] = []
    if request.method == "POST":
        if not signed_in and not category.allow_anonymous:
            errors.append(_("Lĩnh vực này chỉ nhận phản ánh của người đã đăng nhập."))
        else:
            try:
                submitted = services.submit_report(
                    actor=request.user if signed_in else None,
                    category=category,
                    description=data.get("description", ""),
                    photos=request.FILES.getlist("photos"),
                    latitude=data.get("latitude", "").strip() or None,
                    longitude=data.get("longitude", "").strip() or None,
                    address=data.get("address", ""),
                    unit=data.get("unit", "").strip() or None,
                    attributes=_attribute_answers(category.attributes, data),
                    identity_public=data.get("identity_public") == "on",
                    contact_name="" if signed_in else data.get("contact_name", ""),
                    contact_email="" if signed_in else data.get("contact_email", ""),
                    contact_phone="" if signed_in else data.get("contact_phone", ""),
                    idempotency_key=data.get("idempotency_token") or None,
                )
            except DomainError as error:
                message = common.message_of(request, error)
                target = FIELD_OF_ERROR.get(error.code) or (
                    "photos" if error.code.startswith("files.") else None
                )
                if target == "photos" and isinstance(error.details, dict) and "photo" in error.details:
                    message = _("Ảnh thứ %(n)s: %(message)s") % {
                        "n": error.details["photo"] + 1,
                        "message": message,
                    }
                if error.code in ATTRIBUTE_ERRORS and isinstance(error.details, dict):
                    target = f"attr-{error.details.get('attribute')}"
                if target:
                    field_errors[target] = message
                else:
                    errors.append(message)
            else:
                report = submitted.report
                messages.success(
                    request,
                    _("Đã gửi phản ánh %(id)s. Hãy ghi lại mã này để theo dõi.") % {"id": report.public_id},
                )
                return _after_submit(request, report)
    summary = [
        {"message": message, "anchor": FIELD_ANCHORS.get(key, f"fb-{key}")}
        for key, message in field_errors.items()
    ]
    context = {
        "category": category,
        "signed_in": signed_in,
        "data": data,
        "token": (data.get("idempotency_token") if data is not None else "") or _new_token(),
        "attributes": _attribute_inputs(category.attributes, data, field_errors),
        "units": common.city_communes(),
        "errors": errors,
        "field_errors": field_errors,
        "summary": summary,
        "max_photos": photo_rules.MAX_PHOTOS,
        "map_config": common.map_config(
            picked=[data.get("latitude", ""), data.get("longitude", "")] if data is not None else None
        ),
        "login_url": f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}",
    }
    status = 422 if (errors or field_errors) else 200
    return common.with_map_policy(render(request, "feedback/submit.html", context, status=status))


# --- The reporter's own reports ----------------------------------------------------------------------


@permission_view("feedback.view_own")
def mine(request: HttpRequest) -> HttpResponse:
    """``/phan-anh/cua-toi/``: the signed-in citizen's reports, newest first."""
    page = common.paginate(request, selectors.reports_of(request.user).order_by("-created_at", "-id"))
    items = [representations.own_view(report) for report in page.object_list]
    return render(request, "feedback/mine.html", {"items": items, **common.page_links(page, "")})


def _own_report(request: HttpRequest, public_id: str):
    try:
        return selectors.get_own_report(request.user, public_id)
    except NotFound:
        raise Http404(_("Không tìm thấy phản ánh.")) from None


def _own_page(request: HttpRequest, report, *, error: str = "", reason: str = "", status: int = 200):
    view = representations.own_view(report, timeline=selectors.public_timeline(report))
    context = {
        "report": view,
        "timeline": common.timeline_rows(view.timeline),
        "attributes": common.attribute_answers(report.category.attributes, view.attributes),
        "rejection_label": representations.rejection_label(view.rejection_kind),
        "error": error,
        "reason": reason,
        "map_config": common.map_config(
            point=[view.latitude, view.longitude] if view.latitude is not None else None, status=view.status
        ),
    }
    return common.with_map_policy(render(request, "feedback/own_detail.html", context, status=status))


@permission_view("feedback.view_own")
def own_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """``/phan-anh/cua-toi/<public_id>/``: what the reporter wrote, the timeline, and the
    confirm/reopen choice once the agency has resolved it."""
    return _own_page(request, _own_report(request, public_id))


@require_POST
@permission_view("feedback.view_own")
def confirm(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _own_report(request, public_id)
    try:
        services.confirm_resolution(actor=request.user, report=report)
    except DomainError as error:
        return _own_page(
            request,
            _own_report(request, public_id),
            error=common.message_of(request, error),
            status=error.status,
        )
    messages.success(request, _("Cảm ơn bạn đã xác nhận kết quả xử lý. Phản ánh đã được đóng."))
    return redirect("feedback:own_detail", public_id=report.public_id)


@require_POST
@permission_view("feedback.view_own")
def reopen(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _own_report(request, public_id)
    reason = request.POST.get("reason", "")
    try:
        services.reopen_report(actor=request.user, report=report, reason=reason)
    except DomainError as error:
        return _own_page(
            request,
            _own_report(request, public_id),
            error=common.message_of(request, error),
            reason=reason,
            status=error.status,
        )
    messages.success(request, _("Đã mở lại phản ánh. Cơ quan sẽ xử lý lại."))
    return redirect("feedback:own_detail", public_id=report.public_id)
