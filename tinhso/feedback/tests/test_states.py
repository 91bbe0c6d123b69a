"""Every (status, action) pair through the real services: allowed ones succeed and land on the
table's target status, every other one is refused with feedback.invalid_transition and changes
nothing."""

from datetime import timedelta

import pytest

from tinhso.core.audit.models import AuditRecord
from tinhso.core.permissions import SYSTEM
from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportStatus
from tinhso.feedback.states import TRANSITIONS, Action, InvalidTransition, allowed_actions, next_status
from tinhso.feedback.tests.conftest import in_status

pytestmark = pytest.mark.django_db

RESPONSE = "Đã thay bóng đèn mới, đèn sáng bình thường."
REASON = "Lý do đủ dài để ghi nhận vào hồ sơ."


def _run(action, report, *, leader, citizen, admin, ward_nb, officer):
    if action == Action.ACKNOWLEDGE:
        return services.acknowledge_report(actor=leader, report=report)
    if action == Action.ASSIGN:
        return services.assign_report(actor=leader, report=report, assignee=officer)
    if action == Action.START:
        return services.start_report(actor=leader, report=report)
    if action == Action.RESOLVE:
        return services.resolve_report(actor=leader, report=report, response=RESPONSE)
    if action == Action.CONFIRM:
        return services.confirm_resolution(actor=citizen, report=report)
    if action == Action.AUTO_CLOSE:
        closed = services.close_stale_reports(actor=SYSTEM, now=report.created_at + timedelta(days=30))
        if report.public_id not in closed:
            raise InvalidTransition()
        return Report.objects.get(pk=report.pk)
    if action == Action.REOPEN:
        return services.reopen_report(actor=citizen, report=report, reason=REASON)
    if action == Action.REJECT:
        return services.reject_report(
            actor=leader, report=report, rejection_kind="not_competent", reason=REASON
        )
    if action == Action.TRANSFER:
        return services.transfer_report(actor=leader, report=report, agency=ward_nb, reason=REASON)
    if action == Action.REROUTE:
        return services.reroute_report(actor=admin, report=report, agency=ward_nb, reason=REASON)
    raise AssertionError(action)


@pytest.mark.parametrize("status", ReportStatus.values)
@pytest.mark.parametrize("action", list(Action))
def test_every_transition(status, action, submit, leader_vt, officer_vt, citizen, admin, ward_nb):
    report = in_status(submit(), status, assignee=officer_vt)
    sources, target = TRANSITIONS[action]
    audit_before = AuditRecord.objects.count()
    kwargs = dict(leader=leader_vt, citizen=citizen, admin=admin, ward_nb=ward_nb, officer=officer_vt)
    if status in sources:
        result = _run(action, report, **kwargs)
        stored = Report.objects.get(pk=report.pk)
        assert stored.status == target == result.status
        assert AuditRecord.objects.count() > audit_before
    else:
        with pytest.raises(InvalidTransition) as raised:
            _run(action, report, **kwargs)
        assert raised.value.code == "feedback.invalid_transition"
        assert raised.value.status == 409
        assert Report.objects.get(pk=report.pk).status == status


def test_table_helpers():
    assert next_status("new", "acknowledge") == "acknowledged"
    assert allowed_actions("resolved") == [Action.CONFIRM, Action.AUTO_CLOSE, Action.REOPEN]
    assert allowed_actions("closed") == [] and allowed_actions("rejected") == []
    with pytest.raises(InvalidTransition):
        next_status("closed", "reopen")
    # Every status is reachable, and terminal statuses have no way out.
    reachable = {target for _, target in TRANSITIONS.values()} | {"new"}
    assert reachable == set(ReportStatus.values)
