"""``tinhso feedback close-stale | overdue`` and the background task."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tinhso.feedback.models import Report, ReportStatus
from tinhso.feedback.tests.conftest import in_status

pytestmark = pytest.mark.django_db


def test_close_stale_command(submit, officer_vt, capsys):
    old = in_status(submit(), ReportStatus.RESOLVED, assignee=officer_vt)
    Report.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=10))
    fresh = in_status(submit(), ReportStatus.RESOLVED, assignee=officer_vt)
    Report.objects.filter(pk=fresh.pk).update(resolved_at=timezone.now() - timedelta(days=1))
    call_command("feedback", "close-stale")
    out = capsys.readouterr().out
    assert "Closed 1 report(s)" in out and old.public_id in out
    assert Report.objects.get(pk=old.pk).status == ReportStatus.CLOSED
    assert Report.objects.get(pk=fresh.pk).status == ReportStatus.RESOLVED
    call_command("feedback", "close-stale", "--days", "0")
    assert Report.objects.get(pk=fresh.pk).status == ReportStatus.CLOSED
    with pytest.raises(CommandError):
        call_command("feedback", "close-stale", "--days", "-1")


def test_overdue_command(submit, capsys):
    submit()  # due 9 March 2026, long past on the test machine's clock
    call_command("feedback", "overdue")
    out = capsys.readouterr().out
    assert "Overdue now: 1" in out and "000.00.41.H13" in out


def test_task_closes_stale_reports(submit, officer_vt):
    from tinhso.feedback.tasks import close_stale_reports

    old = in_status(submit(), ReportStatus.RESOLVED, assignee=officer_vt)
    Report.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=30))
    result = close_stale_reports.enqueue()
    assert result.return_value == 1
    assert Report.objects.get(pk=old.pk).status == ReportStatus.CLOSED
