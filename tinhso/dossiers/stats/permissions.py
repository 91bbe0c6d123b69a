"""Who may see the one-stop office's statistics and the Service Index figures.

Statistics are counts, not personal data, but they are an agency's performance record: an
officer sees the figures of the agencies where they hold one of the roles below (a role that
covers subordinate agencies, e.g. a provincial leader or IOC viewer at the provincial People's
Committee, sees the whole tree below it). A machine client needs the ``dossiers:stats`` scope.
"""

from __future__ import annotations

from typing import Any

from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

STATS_ROLES = frozenset({Role.LEADER, Role.IOC_VIEWER, Role.ONE_STOP_OFFICER, Role.PLATFORM_ADMIN})


def agency_of(obj: Any) -> int | None:
    """The agency a statistics request is about: an ``Agency`` or anything with ``agency_id``."""
    from tinhso.core.agencies.models import Agency

    if obj is None:
        return None
    if isinstance(obj, Agency):
        return obj.pk
    return getattr(obj, "agency_id", None)


register(
    Rule(
        "dossiers.view_stats",
        "Xem thống kê giải quyết hồ sơ và Bộ chỉ số phục vụ / See dossier statistics and the Service Index",
        roles=STATS_ROLES,
        scope="dossiers:stats",
        agency_of=agency_of,
    ),
)
