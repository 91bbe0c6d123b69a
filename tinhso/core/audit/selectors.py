"""Reads of the audit log: filtered lists, newest first."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from tinhso.core.audit.models import AuditRecord


def records(
    *,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    outcome: str | None = None,
) -> QuerySet[AuditRecord]:
    """Records matching every given filter. ``action`` ending in "." matches a prefix
    (``"accounts."``); ``actor`` matches the actor's public id or label. Callers check
    ``audit.view`` first: the log is not agency-scoped, it is for platform administrators."""
    qs = AuditRecord.objects.order_by("-seq")
    if action:
        qs = qs.filter(action__startswith=action) if action.endswith(".") else qs.filter(action=action)
    if actor:
        qs = qs.filter(Q(actor_id=actor) | Q(actor_label=actor))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs


def tail(count: int) -> list[AuditRecord]:
    """The newest ``count`` records, oldest first (as a log reads)."""
    return list(reversed(AuditRecord.objects.order_by("-seq")[: max(count, 0)]))
