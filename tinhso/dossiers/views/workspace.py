"""The officers' workspace of the one-stop office (``/ho-so/lam-viec/``): my open steps, receipt at
the counter, one dossier's processing page, search, the tracking book (Form 07), statistics.

Each page needs an officer role that may see dossiers; each dossier is fetched through
``selectors.get_dossier_for`` (404 for a dossier that never reached one of the officer's
agencies), lists through ``selectors.visible_dossiers``/``inbox``/``search_dossiers``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.core.accounts.models import Role
from tinhso.core.agencies.models import Agency
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.ops.access import permission_view
from tinhso.core.permissions import as_principal, can, visible_agency_ids
from tinhso.dossiers import forms_pdf, selectors, services

# Importing the statistics package registers its permission (dossiers.view_stats).
from tinhso.dossiers import stats as dossier_stats
from tinhso.dossiers.models import Channel, DossierState
from tinhso.dossiers.permissions import AgencyRef
from tinhso.dossiers.views import common
from tinhso.dossiers.views.actions import work_context
from tinhso.procedures import selectors as procedure_selectors
from tinhso.procedures.models import Field, Procedure

PAGE_SIZE = 25
INBOX_LIMIT = 200
BOOK_ROLES = common.BOOK_ROLES


def _agencies_with(request: HttpRequest, roles) -> list[Agency]:
    ids = as_principal(request.user).agencies_with_any_role(roles)
    return list(Agency.objects.filter(pk__in=sorted(ids)).order_by("name"))


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


# --- My open steps ----------------------------------------------------------------------------


# "giao" of the inbox: the steps assigned to me, or my unit's steps nobody is assigned to yet.
INBOX_VIEWS = ("toi", "don-vi")


@permission_view("dossiers.view")
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    steps = selectors.inbox(request.user)
    mine = steps.filter(assignee=request.user)
    unit = steps.filter(assignee__isnull=True)
    view = request.GET.get("giao", "")
    view = view if view in INBOX_VIEWS else ""
    shown = {"toi": mine, "don-vi": unit}.get(view, steps)
    rows = []
    for step in shown[:INBOX_LIMIT]:
        status = selectors.step_status(step, now)
        rows.append(
            {
                "step": step,
                "dossier": step.dossier,
                "mine": step.assignee_id == request.user.pk,
                "overdue": status == "overdue",
                "due_soon": selectors.is_due_soon(step, now),
                "status_label": common.status_label(status),
            }
        )
    receiving = sorted(as_principal(request.user).agencies_with_any_role({Role.ONE_STOP_OFFICER}))
    waiting = (
        selectors.visible_dossiers(request.user)
        .filter(state=DossierState.SUBMITTED, receiving_agency_id__in=receiving)
        .order_by("submitted_at", "id")[:INBOX_LIMIT]
        if receiving
        else []
    )
    return render(
        request,
        "dossiers/work/inbox.html",
        {
            **common.workspace_nav(request, "inbox"),
            "rows": rows,
            "overdue_count": sum(1 for r in rows if r["overdue"]),
            "due_soon_count": sum(1 for r in rows if r["due_soon"]),
            "waiting": list(waiting),
            "limit": INBOX_LIMIT,
            "view": view,
            "all_count": steps.count(),
            "mine_count": mine.count(),
            "unit_count": unit.count(),
        },
    )


# --- Receipt at the counter -------------------------------------------------------------------


def _counter_procedures(agency: Agency) -> list[Procedure]:
    today = timezone.localdate()
    return list(
        Procedure.objects.filter(procedure_selectors.active_on(today), performing_agencies=agency)
        .order_by("code")
        .only("code", "name")[:2000]
    )


@permission_view("dossiers.receive")
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest) -> HttpResponse:
    """Step 1 picks the receiving agency and the procedure; step 2 is the form for the applicant,
    the answers and the scanned documents. Saving registers and receives the dossier at once."""
    agencies = _agencies_with(request, {Role.ONE_STOP_OFFICER})
    data = request.POST if request.method == "POST" else request.GET
    agency_code = (data.get("co_quan") or (agencies[0].code if len(agencies) == 1 else "")).strip()
    agency = next((a for a in agencies if a.code == agency_code), None)
    procedure_code = (data.get("thu_tuc") or "").strip().upper()
    context = {
        **common.workspace_nav(request, "counter"),
        "agencies": agencies,
        "agency": agency,
        "agency_code": agency_code,
        "procedure_code": procedure_code,
        "procedures": _counter_procedures(agency) if agency else [],
        "token": uuid.uuid4().hex,
        "applicant": {},
        "channel": str(Channel.COUNTER),
        "problem": "",
    }
    procedure = None
    status = 200
    if agency is None and data.get("co_quan"):
        context["problem"] = _("Bạn không tiếp nhận hồ sơ cho cơ quan này.")
        status = 403
    if agency is not None and procedure_code:
        try:
            procedure = procedure_selectors.get_active_procedure(procedure_code)
        except DomainError as error:
            context["problem"] = common.message_of(request, error)
            status = 404
    if procedure is None:
        return render(request, "dossiers/work/counter.html", context, status=status)
    context.update(procedure=procedure, deliveries=common.delivery_choices(procedure))
    if request.method == "GET":
        context["form"] = common.submission_form(procedure)
        return render(request, "dossiers/work/counter.html", context)

    form = common.submission_form(procedure, request.POST, request.FILES)
    applicant = services.ApplicantInput(
        name=(request.POST.get("applicant_name") or "")[:255],
        citizen_id=(request.POST.get("citizen_id") or "").strip()[:20],
        phone=(request.POST.get("phone") or "").strip()[:20],
        email=(request.POST.get("email") or "").strip()[:254],
        address=(request.POST.get("address") or "")[:500],
    )
    channel = Channel.POSTAL if request.POST.get("channel") == str(Channel.POSTAL) else Channel.COUNTER
    token = (request.POST.get("idempotency_token") or "").strip()[:100]
    # The ID number is not sent back into the page: a mistyped one is typed again.
    context.update(
        form=form,
        token=token or context["token"],
        applicant={
            "name": applicant.name,
            "phone": applicant.phone,
            "email": applicant.email,
            "address": applicant.address,
        },
        channel=str(channel),
    )
    try:
        submission = services.receive_at_counter(
            actor=request.user,
            procedure_code=procedure.code,
            agency=agency,
            applicant=applicant,
            form_data=form.form_data,
            documents=form.document_inputs,
            fee_options=form.fee_options,
            result_delivery=form.result_delivery or "counter",
            channel=channel,
            accept=True,
            idempotency_key=token or None,
        )
    except DomainError as error:
        common.attach_errors(request, form, error)
        return render(request, "dossiers/work/counter.html", context, status=error.status)
    dossier = submission.dossier
    messages.success(
        request,
        _("Đã tiếp nhận hồ sơ %(code)s. In Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01) giao người nộp.")
        % {"code": dossier.code},
    )
    return redirect("dossiers:work_detail", code=dossier.code)


# --- One dossier ------------------------------------------------------------------------------


@permission_view("dossiers.view")
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = common.dossier_for(request, code)
    context = {**common.workspace_nav(request, ""), **work_context(request, dossier)}
    context["answers"] = common.answers(context["dossier"])
    return render(request, "dossiers/work/detail.html", context)


@permission_view("dossiers.view")
@require_GET
def file_download(request: HttpRequest, code: str, file_id: uuid.UUID) -> HttpResponse:
    return common.file_response(request, common.dossier_for(request, code), file_id)


@permission_view("dossiers.view")
@require_GET
def form_pdf(request: HttpRequest, code: str, number: int) -> HttpResponse:
    if not 1 <= number <= 6:
        raise Http404
    dossier = common.dossier_for(request, code)
    # The receipt handed over at the desk carries the applicant's contact in clear; every other
    # copy (downloads, e-mail) masks it.
    reveal = (
        number == 1
        and dossier.channel != Channel.ONLINE
        and can(request.user, "dossiers.receive", AgencyRef(dossier.receiving_agency_id))
    )
    return common.pdf_response(request, dossier, number, reveal_contact=reveal)


# --- Search -----------------------------------------------------------------------------------


@permission_view("dossiers.view")
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    get = request.GET
    state = get.get("trang_thai", "")
    date_from, date_to = _date(get.get("tu_ngay")), _date(get.get("den_ngay"))
    problems = []
    if get.get("tu_ngay") and date_from is None or get.get("den_ngay") and date_to is None:
        problems.append(_("Ngày phải có dạng năm-tháng-ngày."))
    filters = selectors.SearchFilters(
        q=get.get("q", "").strip()[:200],
        procedure=get.get("thu_tuc", "").strip()[:40],
        state=state if state in DossierState.values else "",
        submitted_from=date_from,
        submitted_to=date_to,
    )
    page = Paginator(selectors.search_dossiers(request.user, filters), PAGE_SIZE).get_page(get.get("page"))
    now = timezone.now()
    rows = [
        {"dossier": d, "status_label": common.status_label(selectors.dossier_status(d, now))}
        for d in page.object_list
    ]
    query = get.copy()
    query.pop("page", None)
    return render(
        request,
        "dossiers/work/search.html",
        {
            **common.workspace_nav(request, "search"),
            "filters": filters,
            "raw": get,
            "states": DossierState.choices,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "problems": problems,
        },
    )


# --- Tracking book (Form 07) ------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return (
        _date(request.GET.get("tu_ngay")) or today.replace(day=1),
        _date(request.GET.get("den_ngay")) or today,
    )


@permission_view("dossiers.view")
@require_GET
def book(request: HttpRequest) -> HttpResponse:
    """The one-stop desk's tracking book of a period; printed by the desk's officers and leaders."""
    agencies = _agencies_with(request, BOOK_ROLES)
    date_from, date_to = _period(request)
    wanted = request.GET.get("co_quan", "")
    agency = next((a for a in agencies if a.code == wanted), None)
    if "co_quan" in request.GET:
        if agency is None:
            return common.error_page(
                request,
                _("Không có quyền"),
                _("Chỉ cán bộ một cửa và lãnh đạo của cơ quan mới in được sổ theo dõi hồ sơ của cơ quan."),
                403,
            )
        try:
            pdf = forms_pdf.render_form_07(agency, date_from, date_to)
        except DomainError as error:
            messages.error(request, common.message_of(request, error))
            return redirect("dossiers:book")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="mau-07-{agency.code}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.pdf"'
        )
        return response
    return render(
        request,
        "dossiers/work/book.html",
        {
            **common.workspace_nav(request, "book"),
            "agencies": agencies,
            "date_from": date_from,
            "date_to": date_to,
        },
    )


# --- Statistics -------------------------------------------------------------------------------

GROUPS = (
    ("agency", gettext_lazy("Theo cơ quan tiếp nhận")),
    ("procedure", gettext_lazy("Theo thủ tục")),
    ("field", gettext_lazy("Theo lĩnh vực")),
    ("month", gettext_lazy("Theo tháng")),
    ("total", gettext_lazy("Tổng hợp")),
)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %".replace(".", ",")


# The most agencies listed in the statistics filter (a provincial viewer sees the whole tree).
MAX_STATS_AGENCIES = 2000


def _stats_agencies(request: HttpRequest) -> list[Agency]:
    visible = visible_agency_ids(request.user, "dossiers.view_stats")
    rows = Agency.objects.all() if visible is None else Agency.objects.filter(pk__in=sorted(visible))
    return list(rows.order_by("name").only("code", "name")[:MAX_STATS_AGENCIES])


def _stats_filters(request: HttpRequest) -> dict:
    """The statistics filters of the query string, as ``dossier_stats`` takes them.

    Raises ``NotFound`` for an agency code that does not exist; an agency the officer may not see,
    an unknown procedure or field are refused by the statistics functions themselves."""
    get = request.GET
    agency_code = (get.get("co_quan") or "").strip()[:60]
    agency_ids = None
    if agency_code:
        agency_id = Agency.objects.filter(code=agency_code).values_list("pk", flat=True).first()
        if agency_id is None:
            raise NotFound(
                "Không tìm thấy cơ quan.", "The agency was not found.", code="dossiers.stats_unknown_agency"
            )
        agency_ids = [agency_id]
    return {
        "agency_ids": agency_ids,
        "include_subordinates": get.get("cap_duoi", "1") != "0",
        "procedure_code": (get.get("thu_tuc") or "").strip()[:40] or None,
        "field_code": (get.get("linh_vuc") or "").strip()[:40] or None,
    }


def _stats_query(request: HttpRequest, date_from: dt.date, date_to: dt.date) -> str:
    """The period and filters as a query string, for the XLSX link."""
    query = QueryDict(mutable=True)
    query["tu_ngay"], query["den_ngay"] = date_from.isoformat(), date_to.isoformat()
    for key in ("co_quan", "cap_duoi", "thu_tuc", "linh_vuc"):
        value = (request.GET.get(key) or "").strip()[:60]
        if value:
            query[key] = value
    return query.urlencode()


@permission_view("dossiers.view_stats")
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    date_from, date_to = _period(request)
    group = request.GET.get("nhom", "agency")
    group = group if group in dict(GROUPS) else "agency"
    rows, indicators, problem, status = [], [], "", 200
    try:
        filters = _stats_filters(request)
        rows = dossier_stats.dossier_stats(
            actor=request.user,
            date_from=date_from,
            date_to=date_to,
            group_by=None if group == "total" else group,
            **filters,
        )
        # The Service Index is per agency: the procedure and field filters do not apply to it.
        report = dossier_stats.service_index(
            actor=request.user,
            date_from=date_from,
            date_to=date_to,
            agency_ids=filters["agency_ids"],
            include_subordinates=filters["include_subordinates"],
        )
    except DomainError as error:
        problem = common.message_of(request, error)
        status = 400 if error.status == 422 else error.status
    else:
        indicators = [
            {
                "indicator": i,
                "value": (
                    _percent(i.value)
                    if i.unit == "percent"
                    else ("—" if i.value is None else f"{i.value:.2f}".replace(".", ","))
                ),
            }
            for i in report.indicators
        ]
    table = [
        {
            "row": row,
            "on_time": _percent(row.on_time_rate),
            "online": _percent(row.online_rate),
            "paid_online": _percent(row.online_payment_rate),
            "satisfaction": "—"
            if row.satisfaction_avg is None
            else str(row.satisfaction_avg).replace(".", ","),
        }
        for row in rows
    ]
    return render(
        request,
        "dossiers/work/stats.html",
        {
            **common.workspace_nav(request, "stats"),
            "date_from": date_from,
            "date_to": date_to,
            "group": group,
            "groups": GROUPS,
            "table": table,
            "indicators": indicators,
            "problem": problem,
            "agencies": _stats_agencies(request),
            "fields": list(Field.objects.order_by("name").only("code", "name")),
            "agency_code": (request.GET.get("co_quan") or "").strip(),
            "subordinates": request.GET.get("cap_duoi", "1") != "0",
            "procedure_code": (request.GET.get("thu_tuc") or "").strip(),
            "field_code": (request.GET.get("linh_vuc") or "").strip(),
            "filtered_by_catalog": bool(request.GET.get("thu_tuc") or request.GET.get("linh_vuc")),
            "xlsx_query": _stats_query(request, date_from, date_to),
        },
        status=status,
    )


@permission_view("dossiers.view_stats")
@require_GET
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    date_from, date_to = _period(request)
    try:
        content = dossier_stats.export_stats_xlsx(
            actor=request.user, date_from=date_from, date_to=date_to, **_stats_filters(request)
        )
    except DomainError as error:
        messages.error(request, common.message_of(request, error))
        return redirect(f"{reverse('dossiers:stats')}?{_stats_query(request, date_from, date_to)}")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="thong-ke-ho-so-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"'
    )
    return response
