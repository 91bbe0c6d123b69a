"""Typed schemas of the feedback API (``/api/v1/feedback/``): ``*Read`` out, ``*In`` in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from tinhso.feedback.models import RejectionKind, ReportStatus


class AttributeValueRead(Schema):
    key: str
    name: str


class AttributeRead(Schema):
    code: str
    datatype: str
    required: bool
    variable: bool = True
    description: str
    datatype_description: str = ""
    order: int
    values: list[AttributeValueRead] = []


class CategoryRead(Schema):
    code: str = Field(..., description="Stable code, the Open311 service_code")
    name: str
    description: str
    group: str
    keywords: list[str]
    agency_code: str = Field(..., description="The agency that handles reports when no routing rule matches")
    agency_name: str
    allow_anonymous: bool
    contact_required: bool = Field(..., description="An anonymous reporter must leave an e-mail or a phone")
    photo_required: bool
    deadline_days: int = Field(..., description="Working days from receipt to resolution")
    attributes: list[AttributeRead]

    @staticmethod
    def resolve_agency_code(obj) -> str:
        return obj.agency.code

    @staticmethod
    def resolve_agency_name(obj) -> str:
        return obj.agency.name


class SubmitForm(Schema):
    category: str = Field(..., description="Category code")
    description: str = Field(..., description="What is wrong, 10 to 5000 characters")
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    unit: str = Field("", description="GSO code of a current commune or ward of the city, e.g. 31321")
    attributes: str = Field(
        "", description='Answers to the category\'s attributes as a JSON object, e.g. {"depth": 30}'
    )
    identity_public: bool = Field(False, description="Show the reporter's name (and address) publicly")
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    channel: str = Field("web", description="web, app, open311, phone or other")


class PhotoRead(Schema):
    id: str
    kind: str
    width: int
    height: int
    url: str
    thumbnail_url: str


class InternalPhotoRead(PhotoRead):
    hidden_from_public: bool
    original_url: str | None = None


class TimelineRead(Schema):
    at: datetime
    kind: str
    status: str | None = None
    by: str
    note: str


class InternalTimelineRead(TimelineRead):
    internal_note: str | None = None


class ReportBrief(Schema):
    public_id: str = Field(
        ..., description="Opaque public id, e.g. PA-2026-7KQ3XM (the Open311 service_request_id)"
    )
    category_code: str
    category_name: str
    status: ReportStatus
    status_label: str
    description: str | None = Field(None, description="Null when hidden by moderation")
    description_hidden: bool
    latitude: float | None
    longitude: float | None
    address: str | None = Field(None, description="Only when the reporter made their identity public")
    unit_code: str | None
    unit_name: str | None
    agency_code: str
    agency_name: str
    reporter_name: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    overdue: bool
    resolved_at: datetime | None
    closed_at: datetime | None
    response: str | None = Field(None, description="The agency's public answer (resolution or rejection)")
    rejection_kind: RejectionKind | None
    merged_into: str | None = Field(None, description="Public id of the main report this one was merged into")
    photos: list[PhotoRead]
    result_photos: list[PhotoRead]


class ReportRead(ReportBrief):
    timeline: list[TimelineRead]


class SubmittedRead(ReportRead):
    token: str = Field(..., description="Open311 token of this submission")


class OwnReportRead(ReportRead):
    token: str
    address_full: str
    attributes: dict[str, Any]
    identity_public: bool
    reopen_count: int
    can_confirm: bool
    can_reopen: bool


class PersonRead(Schema):
    public_id: str
    name: str


class ReporterRead(Schema):
    kind: str = Field(..., description='"account" or "anonymous"')
    name: str
    email_masked: str
    phone_masked: str
    identity_public: bool


class InternalReportRead(ReportBrief):
    photos: list[InternalPhotoRead]
    result_photos: list[InternalPhotoRead]
    timeline: list[InternalTimelineRead]
    token: str
    channel: str
    address_full: str
    attributes: dict[str, Any]
    reporter: ReporterRead | None
    assignee: PersonRead | None
    received_at: datetime | None
    acknowledged_at: datetime | None
    assigned_at: datetime | None
    started_at: datetime | None
    close_kind: str | None
    reopen_count: int
    reopen_reason: str
    hide_description: bool
    hide_photos: bool
    hide_reporter: bool
    moderation_reason: str
    duplicate_ids: list[str]
    allowed_actions: list[str]


class DuplicateRead(Schema):
    report: ReportBrief
    distance_m: float


class ContactRead(Schema):
    name: str
    email: str
    phone: str


class NoteIn(Schema):
    note: str = ""


class AssignIn(Schema):
    assignee: str = Field(..., description="public_id (UUID) of an officer handling reports in the agency")
    note: str = ""


class ResolveForm(Schema):
    response: str = Field(..., description="The public answer, 10 to 5000 characters")


class RejectIn(Schema):
    rejection_kind: RejectionKind
    reason: str = Field(..., description="Public explanation, 10 to 5000 characters, without personal data")


class TransferIn(Schema):
    agency_code: str
    reason: str = Field(..., description="Internal: why it goes to that agency")


class RerouteIn(Schema):
    reason: str
    agency_code: str | None = None
    category_code: str | None = None


class MergeIn(Schema):
    duplicates: list[str] = Field(..., description="Public ids of the reports to merge into this one")
    note: str = ""


class ModerateIn(Schema):
    reason: str = Field(..., description="Internal: why (5 to 500 characters)")
    hide_description: bool | None = None
    hide_photos: bool | None = None
    hide_reporter: bool | None = None


class ReopenIn(Schema):
    reason: str = Field(..., description="Why the result is not satisfactory, 10 to 5000 characters")


class ReportListFilter(Schema):
    status: str | None = Field(None, description="Comma-separated statuses")
    category: str | None = Field(None, description="Category code")
    unit: str | None = Field(None, description="GSO code of a current commune or ward")
    bbox: str | None = Field(None, description="min_lat,min_lon,max_lat,max_lon")
    date_from: date | None = Field(None, description="Submitted on or after (Vietnam date)")
    date_to: date | None = Field(None, description="Submitted on or before (Vietnam date)")


class InboxFilter(ReportListFilter):
    overdue: bool | None = None
    mine: bool = Field(False, description="Only reports assigned to me")
    agency: str | None = Field(None, description="Agency code (overseers and officers of several agencies)")


class StatisticsFilter(Schema):
    category: str | None = None
    unit: str | None = None
    agency: str | None = None
    date_from: date | None = None
    date_to: date | None = None


class CountRead(Schema):
    code: str | None
    name: str | None
    count: int


class StatisticsRead(Schema):
    total: int
    by_status: dict[str, int]
    by_category: list[CountRead]
    by_unit: list[CountRead]
    by_agency: list[CountRead]
    resolved: int
    resolved_on_time: int
    on_time_rate: float | None = Field(
        None, description="resolved on time / resolved; null when none resolved"
    )
    overdue_now: int
    computed_at: datetime
