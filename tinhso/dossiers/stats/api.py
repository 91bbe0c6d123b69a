"""The statistics through the API (mounted at ``/api/v1/dossiers/stats/``).

Three operations, all with permission ``dossiers.view_stats`` (scope ``dossiers:stats``): the
figures per breakdown as JSON, the Service Index indicators, and the XLSX workbook. Agencies are
named by their electronic identifier codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from tinhso.core.agencies.models import Agency
from tinhso.core.errors import NotFound
from tinhso.dossiers.stats.index import service_index
from tinhso.dossiers.stats.selectors import dossier_stats
from tinhso.dossiers.stats.xlsx import export_stats_xlsx

router = Router(tags=["dossiers-stats"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


class ScopeQuery(Schema):
    date_from: dt.date = Field(..., alias="from", description="First day of the period (YYYY-MM-DD)")
    date_to: dt.date = Field(..., alias="to", description="Last day of the period, included (YYYY-MM-DD)")
    agency: list[str] = Field(
        default_factory=list, description="Receiving agency codes (repeat the parameter); empty: all visible"
    )
    include_subordinates: bool = Field(True, description="Also count the agencies below the requested ones")


class StatsQuery(ScopeQuery):
    group_by: Literal["agency", "procedure", "field", "month", "total"] = Field(
        "agency", description='Breakdown: "agency", "procedure", "field", "month" or "total"'
    )
    procedure: str = Field("", description="Only this procedure (national code, e.g. 1.001193)")
    field: str = Field("", description="Only this field (lĩnh vực) code")


class ExportQuery(ScopeQuery):
    procedure: str = Field("", description="Only this procedure (national code)")
    field: str = Field("", description="Only this field (lĩnh vực) code")


class StatsRowRead(Schema):
    key: str = Field(
        ..., description='Agency code, procedure code, field code, "YYYY-MM", or "" for the total'
    )
    name: str
    carried_over: int
    received: int
    received_online: int
    received_counter: int
    received_postal: int
    to_handle: int
    resolved: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    in_progress: int
    in_progress_in_time: int
    in_progress_overdue: int
    refused: int
    withdrawn: int
    stopped: int
    on_time_rate: float | None = Field(None, description="Fraction 0..1; null when nothing to handle")
    online_rate: float | None
    fee_dossiers: int
    paid_online: int
    online_payment_rate: float | None
    processed_count: int
    processing_days_total: float
    avg_processing_days: float | None = Field(None, description="Working days")
    ratings: int
    rating_points: int
    satisfied: int
    satisfaction_avg: float | None = Field(None, description="1..5")
    satisfied_rate: float | None


class IndicatorRead(Schema):
    code: str
    group: str
    group_name_vi: str
    group_name_en: str
    name_vi: str
    name_en: str
    unit: str = Field(..., description='"percent" (fraction 0..1), "working_days", or "" when not computed')
    value: float | None
    numerator: float | None
    denominator: float | None
    formula_vi: str
    formula_en: str
    source: str
    status: str = Field(..., description='"verified", "reference" or "platform" (see docs/onestop.md)')
    computed: bool
    note_vi: str
    note_en: str


class ServiceIndexRead(Schema):
    date_from: dt.date
    date_to: dt.date
    measured_at: dt.datetime
    agency_codes: list[str] | None = Field(None, description="Receiving agencies covered; null: all")
    indicators: list[IndicatorRead]


def _agency_ids(codes: list[str]) -> list[int] | None:
    wanted = {code.strip().upper() for code in codes if code and code.strip()}
    if not wanted:
        return None
    found = dict(Agency.objects.filter(code__in=wanted).values_list("code", "pk"))
    missing = sorted(wanted - set(found))
    if missing:
        raise NotFound(
            "Không tìm thấy cơ quan.",
            "The agency was not found.",
            code="dossiers.stats_unknown_agency",
            details={"agency": missing},
        )
    return sorted(found.values())


@router.get("/", response=list[StatsRowRead], summary="Thống kê giải quyết hồ sơ / Dossier statistics")
def get_stats(request, query: Query[StatsQuery]):
    """Figures of the one-stop office for a period, one row per receiving agency, procedure,
    field or month (or one total row): received by channel, resolved early / on time / late, in
    progress in time / overdue, refused, withdrawn, stopped, on-time rate, online payment share,
    average processing time and satisfaction. Formulas: docs/onestop.md. Permission
    `dossiers.view_stats`; only the agencies the caller may see are counted."""
    rows = dossier_stats(
        actor=_actor(request),
        date_from=query.date_from,
        date_to=query.date_to,
        group_by=None if query.group_by == "total" else query.group_by,
        agency_ids=_agency_ids(query.agency),
        procedure_code=query.procedure or None,
        field_code=query.field or None,
        include_subordinates=query.include_subordinates,
    )
    return [row.as_dict() for row in rows]


@router.get(
    "/service-index",
    response=ServiceIndexRead,
    summary="Bộ chỉ số phục vụ người dân, doanh nghiệp / Service Index figures",
)
def get_service_index(request, query: Query[ScopeQuery]):
    """The indicators of the national Service Index (Decision 766/QĐ-TTg, 2022) that the platform
    can compute, each with its value, numerator, denominator, formula and source; the others are
    listed with `computed: false` and the reason. Permission `dossiers.view_stats`."""
    report = service_index(
        actor=_actor(request),
        date_from=query.date_from,
        date_to=query.date_to,
        agency_ids=_agency_ids(query.agency),
        include_subordinates=query.include_subordinates,
    )
    data = report.as_dict()
    ids = data.pop("agency_ids")
    data["agency_codes"] = (
        None if ids is None else sorted(Agency.objects.filter(pk__in=ids).values_list("code", flat=True))
    )
    return data


@router.get(
    "/export.xlsx",
    summary="Xuất thống kê ra Excel / Export the statistics as XLSX",
    openapi_extra={"responses": {200: {"description": "XLSX workbook", "content": {XLSX: {}}}}},
)
def export_xlsx(request, query: Query[ExportQuery]):
    """The statistics of the period as an Excel workbook: a sheet per breakdown (total, agency,
    procedure, field, month), the Service Index and a sheet explaining every formula.
    Permission `dossiers.view_stats`."""
    content = export_stats_xlsx(
        actor=_actor(request),
        date_from=query.date_from,
        date_to=query.date_to,
        agency_ids=_agency_ids(query.agency),
        procedure_code=query.procedure or None,
        field_code=query.field or None,
        include_subordinates=query.include_subordinates,
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"thong-ke-ho-so-{query.date_from:%Y%m%d}-{query.date_to:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
