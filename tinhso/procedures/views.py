"""Pages of the procedure catalog: public search and detail, and the import/export page for
platform administrators (with an HTMX-polled progress bar)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.core.agencies.models import Agency
from tinhso.core.errors import DomainError
from tinhso.core.files import services as files
from tinhso.core.ops.access import permission_view, public_view
from tinhso.core.permissions import SYSTEM
from tinhso.procedures import fees, imports, selectors
from tinhso.procedures.models import (
    AgencyLevel,
    ImportJob,
    ImportMode,
    ImportStatus,
    OnlineLevel,
    RequiredDocument,
)

PAGE_SIZE = 20
SUBMIT_URL = "/ho-so/nop/{code}/"  # the dossiers module's online submission page


def _filters(request: HttpRequest) -> selectors.Filters:
    get = request.GET
    online = get.get("online", "")
    level = get.get("level", "")
    return selectors.Filters(
        q=get.get("q", "")[:200],
        field=get.get("field", "")[:40],
        agency=get.get("agency", "")[:40],
        online_level=online if online in OnlineLevel.values else "",
        level=level if level in AgencyLevel.values else "",
    )


def _agencies_with_procedures() -> list[Agency]:
    today = timezone.localdate()
    return list(
        Agency.objects.filter(procedures__isnull=False)
        .exclude(valid_to__lt=today)
        .distinct()
        .order_by("name")
        .only("code", "name")
    )


@public_view
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    results = selectors.search_procedures(filters)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "total": len(results),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "procedures/_results.html", context)
    context.update(
        fields=selectors.fields_with_counts(),
        agencies=_agencies_with_procedures(),
        online_levels=OnlineLevel.choices,
        levels=AgencyLevel.choices,
    )
    return render(request, "procedures/catalog.html", context)


@public_view
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        procedure = selectors.get_procedure(code)
    except DomainError:
        raise Http404 from None
    today = timezone.localdate()
    agencies = sorted(procedure.performing_agencies.all(), key=lambda a: a.name)
    current_agencies = [a for a in agencies if (a.valid_to is None or a.valid_to >= today)]
    rule = procedure.fee_rule or fees.FREE
    fee_rows, fee_summary = [], fees.describe(rule)
    if rule.get("kind") == "table":
        fee_rows = [(row["label"], fees.format_vnd(row["amount"])) for row in rule["options"]]
        amounts = sorted(row["amount"] for row in rule["options"])
        fee_summary = _("Từ %(low)s đến %(high)s tùy trường hợp (xem bảng dưới)") % {
            "low": fees.format_vnd(amounts[0]),
            "high": fees.format_vnd(amounts[-1]),
        }
    in_force = selectors.is_active_on(procedure, today)
    return render(
        request,
        "procedures/detail.html",
        {
            "procedure": procedure,
            "in_force": in_force,
            "agencies": current_agencies or agencies,
            "fee_summary": fee_summary,
            "fee_rows": fee_rows,
            "route": [(step, _days(step.share_days)) for step in selectors.route_of(procedure)],
            "legal_lines": [line for line in procedure.legal_basis.splitlines() if line.strip()],
            "submit_url": SUBMIT_URL.format(code=procedure.code)
            if in_force and procedure.online_level != OnlineLevel.NONE
            else "",
        },
    )


def _days(value) -> str:
    """Decimal("0.50") → "0,5" (Vietnamese decimal comma, no trailing zeros)."""
    return format(value.normalize(), "f").replace(".", ",")


@public_view
@require_GET
def template_download(request: HttpRequest, code: str, order: int) -> HttpResponse:
    """Form templates are public documents: anyone downloads the blank form of a procedure."""
    document = (
        RequiredDocument.objects.select_related("template", "procedure")
        .filter(procedure__code=code, order=order, template__isnull=False, template__deleted_at__isnull=True)
        .first()
    )
    if document is None:
        raise Http404
    stored = document.template
    handle = files.open_stored_file(actor=SYSTEM, stored_file=stored)
    return FileResponse(
        handle, as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )


# --- Administration -------------------------------------------------------------------------------


@permission_view("procedures.manage")
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        mode = request.POST.get("mode", ImportMode.ALL_OR_NOTHING)
        if upload is None:
            error = _("Hãy chọn tệp CSV hoặc XLSX để nhập.")
        else:
            try:
                job = imports.start_import(actor=request.user, file=upload, name=upload.name, mode=mode)
            except DomainError as problem:
                error = problem.message_en if request.LANGUAGE_CODE.startswith("en") else problem.message_vi
            else:
                messages.success(request, _("Đã nhận tệp; đang nhập dữ liệu."))
                return redirect("procedures:import_job", public_id=job.public_id)
    jobs = ImportJob.objects.select_related("file", "created_by").order_by("-created_at")[:20]
    return render(
        request,
        "procedures/manage.html",
        {"jobs": jobs, "error": error, "modes": ImportMode.choices},
        status=422 if error else 200,
    )


def _job(public_id: uuid.UUID) -> ImportJob:
    job = ImportJob.objects.select_related("file", "created_by").filter(public_id=public_id).first()
    if job is None:
        raise Http404
    return job


@permission_view("procedures.manage")
@require_GET
def import_job(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return render(request, "procedures/import_job.html", _job_context(_job(public_id)))


@permission_view("procedures.manage")
@require_GET
def import_progress(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return render(request, "procedures/_progress.html", _job_context(_job(public_id)))


def _job_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "running": job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        "failed": job.status == ImportStatus.FAILED,
    }


@permission_view("procedures.manage")
@require_GET
def export(request: HttpRequest, file_format: str) -> HttpResponse:
    try:
        content, name, content_type = imports.export_catalog(actor=request.user, file_format=file_format)
    except DomainError:
        raise Http404 from None
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
