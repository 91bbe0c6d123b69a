"""Reads of Open311 keys for the operators' pages and the command line."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Count, QuerySet

from tinhso.core.permissions import require
from tinhso.feedback.open311.errors import ApiKeyNotFound
from tinhso.feedback.open311.models import Open311ApiKey, Open311Submission
from tinhso.feedback.open311.services import MANAGE


def api_keys(actor: Any, *, include_revoked: bool = True) -> QuerySet[Open311ApiKey]:
    """Every key, newest first, with the number of reports submitted with it."""
    require(actor, MANAGE)
    rows = Open311ApiKey.objects.select_related("created_by", "revoked_by").annotate(
        report_count=Count("submissions")
    )
    if not include_revoked:
        rows = rows.filter(revoked_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def get_api_key(actor: Any, public_id: Any) -> Open311ApiKey:
    require(actor, MANAGE)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise ApiKeyNotFound() from None
    found = Open311ApiKey.objects.filter(public_id=key).first()
    if found is None:
        raise ApiKeyNotFound()
    return found


def api_key_by_prefix(actor: Any, prefix: str) -> Open311ApiKey:
    """The key shown as ``prefix`` in lists (the whole key is accepted too and cut to its prefix)."""
    require(actor, MANAGE)
    from tinhso.feedback.open311.services import DISPLAY_PREFIX_LENGTH

    text = (prefix or "").strip().rstrip("…")[:DISPLAY_PREFIX_LENGTH]
    found = Open311ApiKey.objects.filter(prefix=text).first() if text else None
    if found is None:
        raise ApiKeyNotFound()
    return found


def submission_of(report) -> Open311Submission | None:
    """Which application submitted ``report`` through Open311, and the ``media_url`` it sent (a
    reference for the handling agency: never fetched, never published). None for other channels.

    For handlers' pages only: the caller must already have checked that the actor may see the
    report's internal view (``tinhso.feedback.permissions.can_view_internal``)."""
    return Open311Submission.objects.select_related("api_key").filter(report=report).first()
