"""What happens to field reports, for other apps (notifications, the IOC, Open311 subscribers).

Reports are named by their public id ("PA-2026-7KQ3XM"); no payload carries a description, an
address, a contact or a name. ``merged_report_ids`` lists the duplicates merged into the report,
whose reporters follow it and should be told too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class CategoryCreated(DomainEvent):
    name: ClassVar[str] = "feedback.category_created"
    code: str
    agency_code: str


@dataclass(frozen=True)
class CategoryUpdated(DomainEvent):
    name: ClassVar[str] = "feedback.category_updated"
    code: str
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoutingRuleSet(DomainEvent):
    name: ClassVar[str] = "feedback.routing_rule_set"
    category_code: str
    unit_code: str
    agency_code: str
    include_descendants: bool = True


@dataclass(frozen=True)
class RoutingRuleRemoved(DomainEvent):
    name: ClassVar[str] = "feedback.routing_rule_removed"
    category_code: str
    unit_code: str


@dataclass(frozen=True)
class ReportSubmitted(DomainEvent):
    name: ClassVar[str] = "feedback.report_submitted"
    report_id: str
    category_code: str
    agency_code: str
    unit_code: str | None
    channel: str
    due_at: datetime


@dataclass(frozen=True)
class ReportRouted(DomainEvent):
    """A report got its handling agency: at submission (by rule or category) or by an operator."""

    name: ClassVar[str] = "feedback.report_routed"
    report_id: str
    agency_code: str
    via: str  # "rule", "category" or "operator"
    previous_agency_code: str | None = None


@dataclass(frozen=True)
class ReportAcknowledged(DomainEvent):
    name: ClassVar[str] = "feedback.report_acknowledged"
    report_id: str
    agency_code: str
    merged_report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportAssigned(DomainEvent):
    name: ClassVar[str] = "feedback.report_assigned"
    report_id: str
    agency_code: str
    assignee_public_id: str
    merged_report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportStarted(DomainEvent):
    name: ClassVar[str] = "feedback.report_started"
    report_id: str
    agency_code: str
    merged_report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportResolved(DomainEvent):
    name: ClassVar[str] = "feedback.report_resolved"
    report_id: str
    agency_code: str
    on_time: bool
    merged_report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportClosed(DomainEvent):
    name: ClassVar[str] = "feedback.report_closed"
    report_id: str
    agency_code: str
    automatically: bool
    merged_report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportReopened(DomainEvent):
    name: ClassVar[str] = "feedback.report_reopened"
    report_id: str
    agency_code: str
    merged_report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportRejected(DomainEvent):
    name: ClassVar[str] = "feedback.report_rejected"
    report_id: str
    agency_code: str
    rejection_kind: str
    merged_report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportTransferred(DomainEvent):
    name: ClassVar[str] = "feedback.report_transferred"
    report_id: str
    from_agency_code: str
    to_agency_code: str
    merged_report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportsMerged(DomainEvent):
    name: ClassVar[str] = "feedback.reports_merged"
    main_report_id: str
    duplicate_report_ids: tuple[str, ...]
    agency_code: str


@dataclass(frozen=True)
class ReportModerated(DomainEvent):
    name: ClassVar[str] = "feedback.report_moderated"
    report_id: str
    hide_description: bool
    hide_photos: bool
    hide_reporter: bool
