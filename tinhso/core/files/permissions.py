"""Who may upload, read and delete stored files.

A file belongs to the person who uploaded it and, when a module attaches it to an agency's
work (a dossier, a document), to that agency: its officers with a role see it. Platform
administrators see and delete any file. Nobody else does, whatever they know of its id.
"""

from __future__ import annotations

from typing import Any

from tinhso.core.accounts.models import Role
from tinhso.core.errors import PermissionDenied
from tinhso.core.permissions import Rule, as_principal, can, get_rule, register

ANY_ROLE = frozenset(Role.values)
CASE_HANDLERS = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK})
ADMINS = frozenset({Role.PLATFORM_ADMIN})
# For the permission layer an agency of None means "not agency-bound", i.e. any officer holding
# the role. A file without an agency belongs to its owner alone, so it maps to an id no agency has.
NO_AGENCY = 0


def _agency_of_file(stored_file) -> int:
    return stored_file.agency_id if stored_file.agency_id is not None else NO_AGENCY


def _own_file(user, stored_file) -> bool:
    return stored_file is not None and stored_file.owner_id is not None and stored_file.owner_id == user.pk


register(
    Rule(
        "files.upload",
        "Tải tệp lên / Upload a file",
        authenticated=True,
        scope="files:write",
    ),
    Rule(
        "files.upload_for_agency",
        "Tải lên tệp thuộc hồ sơ, công việc của một cơ quan / Upload a file owned by an agency",
        roles=ANY_ROLE,
        # Citizens hand files to an agency (that is what submitting a dossier is); the agency's
        # officers then see them. Officers only file things into agencies where they hold a role.
        citizen=lambda user, agency: agency is not None,
        scope="files:write",
        agency_of=lambda agency: agency.pk,
    ),
    Rule(
        "files.view",
        "Xem, tải về tệp / View and download a file",
        roles=ANY_ROLE,
        citizen=_own_file,
        scope="files:read",
        agency_of=_agency_of_file,
        sensitive=True,
    ),
    Rule(
        "files.delete",
        "Xoá tệp / Delete a file",
        roles=CASE_HANDLERS,
        citizen=_own_file,
        scope="files:write",
        agency_of=_agency_of_file,
        sensitive=True,
    ),
    Rule(
        "files.manage_any",
        "Xem, xoá mọi tệp (quản trị nền tảng) / View and delete any file (platform administration)",
        roles=ADMINS,
    ),
)


def can_on_file(actor: Any, action: str, stored_file) -> bool:
    """``files.view`` / ``files.delete``: the rule, or the file's own uploader, or a platform admin."""
    if can(actor, action, stored_file):
        return True
    principal = as_principal(actor)
    if principal.kind != "officer":
        return False
    rule = get_rule(action)
    # An officer's own upload without an agency is theirs, as a citizen's is (the rule's citizen
    # check only ever runs for citizens).
    scoped_ok = principal.scopes is None or rule.scope in principal.scopes
    if scoped_ok and principal.user is not None and stored_file.owner_id == principal.user.pk:
        return True
    return can(actor, "files.manage_any")


def require_on_file(actor: Any, action: str, stored_file) -> None:
    if can_on_file(actor, action, stored_file):
        return
    from tinhso.core.audit.services import record_denied

    record_denied(actor=actor, action=action, obj=stored_file)
    raise PermissionDenied(details={"action": action})
