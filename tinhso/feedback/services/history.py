"""The timeline of a report (ReportEvent rows), written by every service next to its audit record.

The audit log is the tamper-evident record for auditors; the timeline is what citizens and
handlers read on the report's page. ``public_note`` is composed by the services from category
and agency names only, never from what a person typed, so the public timeline holds no personal
data; reasons and officers' notes go into ``internal_note``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinhso.core.permissions import as_principal
from tinhso.feedback.models import Report, ReportEvent


def add(
    report: Report,
    *,
    kind: str,
    actor: Any,
    at: datetime,
    from_status: str = "",
    to_status: str = "",
    public_note: str = "",
    internal_note: str = "",
    is_public: bool = True,
    agency=None,
) -> ReportEvent:
    principal = as_principal(actor)
    return ReportEvent.objects.create(
        report=report,
        at=at,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=principal.user if principal.kind in {"citizen", "officer"} else None,
        actor_kind=principal.kind,
        agency=agency if agency is not None else report.agency,
        public_note=public_note,
        internal_note=internal_note,
        is_public=is_public,
    )
