"""Who may do what with dossiers.

Agency-bound checks take an object whose agency is meant: a ``Dossier`` (its current agency),
a ``DossierStep`` (the agency that performs it), an ``Agency``, or an :class:`AgencyRef`. A dossier
is *visible* to the officers of every agency it belongs or belonged to: the receiving agency,
the current one and each agency whose step it reached (liên thông); ``can_view`` checks them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, as_principal, can, register

ONE_STOP = frozenset({Role.ONE_STOP_OFFICER})
CASE_HANDLERS = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK})
VIEWERS = CASE_HANDLERS | {Role.IOC_VIEWER}


@dataclass(frozen=True)
class AgencyRef:
    """ "Something of agency ``agency_id``" for an agency-bound check without a model at hand."""

    agency_id: int


def agency_of(obj: Any) -> int | None:
    from tinhso.core.agencies.models import Agency
    from tinhso.dossiers.models import Dossier

    if obj is None:
        return None
    if isinstance(obj, Dossier):
        return obj.current_agency_id
    if isinstance(obj, Agency):
        return obj.pk
    return obj.agency_id  # DossierStep, AgencyRef


def _dossier_of(obj: Any):
    from tinhso.dossiers.models import Dossier, DossierStep

    if isinstance(obj, Dossier):
        return obj
    if isinstance(obj, DossierStep):
        return obj.dossier
    return None


def own_dossier(user, obj) -> bool:
    dossier = _dossier_of(obj)
    return dossier is not None and dossier.applicant_id is not None and dossier.applicant_id == user.pk


def citizen_may_submit(user, obj) -> bool:
    return True  # any signed-in citizen; the procedure decides whether it is offered online


register(
    Rule(
        "dossiers.submit",
        "Nộp hồ sơ trực tuyến / Submit a dossier online",
        citizen=citizen_may_submit,
        scope="dossiers:write",
    ),
    Rule(
        "dossiers.receive",
        "Tiếp nhận, từ chối, yêu cầu bổ sung hồ sơ tại bộ phận một cửa / Receive, refuse or ask to supplement a dossier",
        roles=ONE_STOP,
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.process",
        "Thẩm định, xử lý, chuyển hồ sơ / Process and hand over a dossier",
        roles=frozenset({Role.SPECIALIST, Role.CLERK}),
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.approve",
        "Phê duyệt kết quả giải quyết hồ sơ / Approve the outcome of a dossier",
        roles=frozenset({Role.LEADER}),
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.return_result",
        "Trả kết quả giải quyết hồ sơ / Return the result to the applicant",
        roles=ONE_STOP,
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.view",
        "Xem hồ sơ / See a dossier",
        roles=VIEWERS,
        citizen=own_dossier,
        scope="dossiers:read",
        agency_of=agency_of,
        sensitive=True,
    ),
    Rule(
        "dossiers.extend",
        "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) / Apologise and set a new appointment (Form 04)",
        roles=frozenset({Role.LEADER, Role.SPECIALIST}),
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.stop",
        "Dừng giải quyết hồ sơ (Mẫu 05) / Stop processing a dossier (Form 05)",
        roles=frozenset({Role.LEADER}),
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.withdraw",
        "Rút hồ sơ theo đề nghị của người nộp / Withdraw a dossier at the applicant's request",
        roles=ONE_STOP,
        citizen=own_dossier,
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.supplement",
        "Nộp bổ sung hồ sơ / Hand in the requested supplement",
        roles=ONE_STOP,
        citizen=own_dossier,
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.rate",
        "Đánh giá mức độ hài lòng / Rate the handling of one's dossier",
        citizen=own_dossier,
    ),
    Rule(
        "dossiers.pay",
        "Thanh toán trực tuyến phí, lệ phí của hồ sơ / Pay a dossier's fee online",
        citizen=own_dossier,
    ),
    Rule(
        "dossiers.assign",
        "Phân công chuyên viên xử lý / Assign a step to an officer",
        # Leaders assign their agency's work; the one-stop desk routes a dossier it received.
        roles=frozenset({Role.LEADER, Role.ONE_STOP_OFFICER}),
        scope="dossiers:write",
        agency_of=agency_of,
    ),
    Rule(
        "dossiers.track",
        "Tra cứu tình trạng hồ sơ bằng mã hồ sơ / Track a dossier by its code",
        public=True,
    ),
    Rule(
        "dossiers.view_outbox",
        "Xem hộp thư thông báo đã gửi / See the notification outbox",
        roles=frozenset({Role.PLATFORM_ADMIN}),
        scope="dossiers:read",
    ),
)

# Which permission completes a step, by the role the route gives the step.
STEP_PERMISSION = {
    Role.ONE_STOP_OFFICER: "dossiers.receive",
    Role.SPECIALIST: "dossiers.process",
    Role.CLERK: "dossiers.process",
    Role.LEADER: "dossiers.approve",
}


def involved_agency_ids(dossier) -> set[int]:
    """The receiving agency, the current one, and every agency whose step the dossier reached."""
    ids = {dossier.receiving_agency_id, dossier.current_agency_id}
    steps = getattr(dossier, "_prefetched_objects_cache", {}).get("steps")
    if steps is not None:
        ids |= {step.agency_id for step in steps if step.started_at is not None}
    else:
        ids |= set(dossier.steps.filter(started_at__isnull=False).values_list("agency_id", flat=True))
    return ids


def can_view(actor: Any, dossier) -> bool:
    principal = as_principal(actor)
    if principal.kind in ("officer", "client"):
        return any(can(principal, "dossiers.view", AgencyRef(a)) for a in involved_agency_ids(dossier))
    return can(principal, "dossiers.view", dossier)


def holds_step_role(actor: Any, step) -> bool:
    """An officer completes a step only with the step's own role in the step's agency."""
    principal = as_principal(actor)
    if principal.kind != "officer":
        return True  # system and machine clients are limited by scope and agency instead
    return step.agency_id in principal.agencies_with_any_role({step.role})


import tinhso.dossiers.outbox_permissions  # noqa: E402, F401

# The digital-signature permissions (dossiers.sign_result, dossiers.seal_result) live with the
# signing package; importing it here registers them at start-up.
import tinhso.dossiers.signing.permissions  # noqa: E402, F401

# The statistics permission lives with the statistics package; importing it here registers it at start-up.
import tinhso.dossiers.stats.permissions  # noqa: E402, F401
