"""Who may see the operations center and act on its alerts.

Province-wide public KPIs (``Kpi.public``) are open to anyone, as totals only. Everything else
(breakdowns by agency, procedure or unit, "overdue now", the list behind a number, alerts) needs
``ioc.view`` and covers only the agencies where the person holds one of these roles (a role that
covers subordinate agencies, e.g. at the provincial People's Committee, sees the whole tree).
"""

from __future__ import annotations

from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register
from tinhso.dossiers.stats.permissions import agency_of

VIEW_ROLES = frozenset({Role.LEADER, Role.IOC_VIEWER, Role.PLATFORM_ADMIN})

register(
    Rule(
        "ioc.view",
        "Xem Trung tâm điều hành / See the operations center",
        roles=VIEW_ROLES,
        scope="ioc:read",
        agency_of=agency_of,
    ),
    Rule(
        "ioc.acknowledge_alert",
        "Tiếp nhận cảnh báo / Acknowledge an alert",
        roles=VIEW_ROLES,
        scope="ioc:alerts",
        agency_of=agency_of,
        sensitive=True,
    ),
    Rule(
        "ioc.manage_alert_rules",
        "Thiết lập quy tắc cảnh báo / Set alert rules",
        roles=frozenset({Role.PLATFORM_ADMIN, Role.IOC_VIEWER}),
        scope="ioc:alerts",
        agency_of=agency_of,
        sensitive=True,
    ),
)
