"""Who may do what with field reports.

* Anyone may submit (whether a category needs a signed-in reporter is checked by the service)
  and see the public view of reports.
* A reporter (a signed-in citizen) follows, confirms and reopens their own reports.
* Officers handle the reports of the agency that currently handles them, and only those: the
  one-stop officers, specialists and leaders of that agency (or of an agency it granted access).
* Platform administrators oversee every report (the internal view, moderation) without handling
  them, and manage categories and routing rules.
* Re-routing a report to another agency is for platform administrators and leaders of the
  provincial People's Committee (the operators of the report centre).
"""

from __future__ import annotations

from typing import Any

from tinhso.core.accounts.models import Role
from tinhso.core.errors import PermissionDenied
from tinhso.core.permissions import Rule, as_principal, can, get_rule, register

HANDLERS = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER})
MODERATORS = frozenset({Role.ONE_STOP_OFFICER, Role.LEADER})
ADMINS = frozenset({Role.PLATFORM_ADMIN})


def _agency_of_report(report) -> int | None:
    return report.agency_id


def _own_report(user, report) -> bool:
    return report is not None and report.reporter_id is not None and report.reporter_id == user.pk


register(
    Rule(
        "feedback.submit",
        "Gửi phản ánh hiện trường / Submit a field report",
        # Whether the category needs a signed-in reporter is decided by the service, per category.
        public=True,
        scope="feedback:submit",
    ),
    Rule(
        "feedback.view_public",
        "Xem phản ánh công khai / See the public view of field reports",
        public=True,
    ),
    Rule(
        "feedback.view_own",
        "Xem phản ánh của mình / See one's own reports",
        citizen=lambda user, report: report is None or _own_report(user, report),
        scope="feedback:submit",
    ),
    Rule(
        "feedback.confirm",
        "Xác nhận kết quả hoặc mở lại phản ánh của mình / Confirm or reopen one's own report",
        citizen=_own_report,
        scope="feedback:submit",
    ),
    Rule(
        "feedback.handle",
        "Xử lý phản ánh của cơ quan mình / Handle the reports of one's agency",
        roles=HANDLERS,
        scope="feedback:handle",
        agency_of=_agency_of_report,
        sensitive=True,
    ),
    Rule(
        "feedback.route",
        "Điều phối lại phản ánh sang cơ quan khác / Re-route a report to another agency",
        roles=frozenset({Role.PLATFORM_ADMIN, Role.LEADER}),
        scope="feedback:route",
        sensitive=True,
    ),
    Rule(
        "feedback.moderate",
        "Ẩn nội dung phản ánh khỏi trang công khai / Hide report content from the public",
        roles=MODERATORS,
        scope="feedback:moderate",
        agency_of=_agency_of_report,
        sensitive=True,
    ),
    Rule(
        "feedback.oversee",
        "Giám sát mọi phản ánh (quản trị nền tảng) / Oversee every report (platform administration)",
        roles=ADMINS,
        sensitive=True,
    ),
    Rule(
        "feedback.manage_categories",
        "Quản lý danh mục phản ánh và quy tắc điều phối / Manage report categories and routing rules",
        roles=ADMINS,
        scope="feedback:manage",
        sensitive=True,
    ),
)


def _deny(actor: Any, action: str, obj: Any = None) -> None:
    if get_rule(action).sensitive:
        from tinhso.core.audit.services import record_denied

        record_denied(actor=actor, action=action, obj=obj)
    raise PermissionDenied(details={"action": action})


def can_view_internal(actor: Any, report) -> bool:
    """The handler view (hidden content, internal notes): the handling agency, an overseer, or an
    operator of the report centre (who must read a report to route it)."""
    return can(actor, "feedback.handle", report) or can(actor, "feedback.oversee") or can_route(actor)


def can_moderate(actor: Any, report) -> bool:
    return can(actor, "feedback.moderate", report) or can(actor, "feedback.oversee")


def is_provincial_leader(actor: Any) -> bool:
    """A leader holding the role in a provincial People's Committee."""
    from tinhso.core.agencies.models import Agency, AgencyKind

    principal = as_principal(actor)
    if principal.kind != "officer":
        return False
    agencies = principal.agencies_with_any_role({Role.LEADER})
    return (
        bool(agencies)
        and Agency.objects.filter(pk__in=agencies, kind=AgencyKind.PROVINCIAL_COMMITTEE).exists()
    )


def can_route(actor: Any) -> bool:
    """``feedback.route``, and for a leader only at the provincial People's Committee."""
    if not can(actor, "feedback.route"):
        return False
    principal = as_principal(actor)
    if principal.kind != "officer":
        return True  # the system, or a machine client holding the feedback:route scope
    return bool(principal.agencies_with_any_role({Role.PLATFORM_ADMIN})) or is_provincial_leader(principal)


def require_route(actor: Any, report=None) -> None:
    if not can_route(actor):
        _deny(actor, "feedback.route", report)


def require_moderate(actor: Any, report) -> None:
    if not can_moderate(actor, report):
        _deny(actor, "feedback.moderate", report)


def is_leader_of(actor: Any, agency_id: int) -> bool:
    principal = as_principal(actor)
    return principal.kind == "officer" and agency_id in principal.agencies_with_any_role({Role.LEADER})
