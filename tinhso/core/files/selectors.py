"""Reads of stored files, filtered by who is asking."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from tinhso.core.errors import NotFound
from tinhso.core.files.models import StoredFile
from tinhso.core.files.permissions import can_on_file
from tinhso.core.permissions import as_principal, can, visible_agency_ids


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy tệp.", "File not found.", code="files.not_found")


def live_files() -> QuerySet[StoredFile]:
    return StoredFile.objects.filter(deleted_at__isnull=True)


def get_file_for(actor: Any, public_id: uuid.UUID | str, action: str = "files.view") -> StoredFile:
    """The live file ``public_id`` if ``actor`` may do ``action`` on it.

    A file the actor may not see is reported as not found, exactly like a file that does not
    exist, so ids cannot be probed; the denial is still written to the audit log.
    """
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise _not_found() from None
    stored = live_files().select_related("agency").filter(public_id=key).first()
    if stored is None:
        raise _not_found()
    if not can_on_file(actor, action, stored):
        from tinhso.core.audit.services import record_denied

        record_denied(actor=actor, action=action, obj=stored)
        raise _not_found()
    return stored


def files_visible_to(actor: Any) -> QuerySet[StoredFile]:
    """Every live file ``actor`` may view; the same answer as :func:`can_on_file`, as one query."""
    principal = as_principal(actor)
    files = live_files()
    if principal.kind == "officer" and can(principal, "files.manage_any"):
        return files
    agencies = visible_agency_ids(principal, "files.view")
    if agencies is None:
        return files
    condition = Q(agency_id__in=agencies) if agencies else Q(pk__in=[])
    if principal.kind in {"citizen", "officer"} and principal.user is not None:
        if principal.scopes is None or "files:read" in principal.scopes:
            condition |= Q(owner_id=principal.user.pk)
    return files.filter(condition)
