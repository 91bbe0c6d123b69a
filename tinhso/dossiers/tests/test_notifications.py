"""Notification senders, delivery and the step reminders command."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command

from tinhso.core.permissions import SYSTEM
from tinhso.dossiers import notifications, services
from tinhso.dossiers.models import Notification, NotificationStatus
from tinhso.dossiers.tests.conftest import deliver_events, received, vn

pytestmark = pytest.mark.django_db

EMAIL = ["tinhso.dossiers.notifications.EmailSender"]


@pytest.fixture
def email_sender(settings):
    settings.DOSSIER_NOTIFICATION_SENDERS = EMAIL
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notifications._load.cache_clear()
    yield
    notifications._load.cache_clear()


class BrokenSender(notifications.Sender):
    channel = "email"
    name = "broken"

    def send(self, *, recipient, subject, body):
        raise ConnectionError("smtp down")


def test_email_sender_delivers_after_commit(world, email_sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = received(world, now=vn(2026, 11, 25, 9))
    with django_capture_on_commit_callbacks(execute=True):
        deliver_events()
    email = Notification.objects.get(dossier=dossier, kind="received", channel="email")
    assert email.status == NotificationStatus.SENT and email.sent_by == "django-mail"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dan@example.vn"]
    assert dossier.code in mail.outbox[0].subject
    # No SMS gateway is configured: the SMS stays in the outbox, never "sent".
    sms = Notification.objects.get(dossier=dossier, kind="received", channel="sms")
    assert sms.status == NotificationStatus.OUTBOX
    assert services.deliver_notification(email.pk) == "skipped"  # sending twice is refused
    assert len(mail.outbox) == 1


def test_a_failing_sender_is_recorded_and_retried(world, settings):
    settings.DOSSIER_NOTIFICATION_SENDERS = [f"{__name__}.BrokenSender"]
    notifications._load.cache_clear()
    try:
        dossier = received(world, now=vn(2026, 11, 25, 9))
        deliver_events()
        row = Notification.objects.get(dossier=dossier, kind="received", channel="email")
        assert row.status == NotificationStatus.PENDING
        assert services.deliver_notification(row.pk) == "failed"
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == (NotificationStatus.FAILED, 1, "ConnectionError")
        settings.DOSSIER_NOTIFICATION_SENDERS = EMAIL
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        notifications._load.cache_clear()
        out = io.StringIO()
        call_command("dossiers", "send-notifications", stdout=out)
        row.refresh_from_db()
        assert row.status == NotificationStatus.SENT and row.attempts == 2
        assert "sent=1" in out.getvalue()
    finally:
        notifications._load.cache_clear()


def test_sms_sender_is_only_an_interface():
    with pytest.raises(NotImplementedError):
        notifications.SmsSender().send(recipient="0912345678", subject="s", body="b")


def test_reminders_once_per_step_and_threshold(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))  # step 2 due Mon 30/11/2026 14:45
    # Thu 26/11 10:00: due in more than one working day -> nothing.
    assert services.remind_due_steps(actor=SYSTEM, now=vn(2026, 11, 26, 10)) == {
        "step_due_soon": 0,
        "step_overdue": 0,
    }
    # Fri 27/11 15:00: within one working day (Mon 30/11 15:00) -> one reminder to the specialist.
    assert services.remind_due_steps(actor=SYSTEM, now=vn(2026, 11, 27, 15)) == {
        "step_due_soon": 1,
        "step_overdue": 0,
    }
    assert services.remind_due_steps(actor=SYSTEM, now=vn(2026, 11, 27, 16)) == {
        "step_due_soon": 0,
        "step_overdue": 0,
    }
    # Mon 30/11 15:00: overdue -> one more, once.
    assert services.remind_due_steps(actor=SYSTEM, now=vn(2026, 11, 30, 15)) == {
        "step_due_soon": 0,
        "step_overdue": 1,
    }
    assert services.remind_due_steps(actor=SYSTEM, now=vn(2026, 11, 30, 16)) == {
        "step_due_soon": 0,
        "step_overdue": 0,
    }
    rows = Notification.objects.filter(dossier=dossier, kind__startswith="step_")
    assert {(r.kind, r.recipient_user) for r in rows} == {
        ("step_due_soon", world.specialist),
        ("step_overdue", world.specialist),
    }
    assert all(r.recipient_masked == "c***@stp.gov.vn" for r in rows)


def test_remind_command_runs(world):
    received(world, now=vn(2026, 11, 25, 9))
    out = io.StringIO()
    call_command("dossiers", "remind", stdout=out)  # today (the test machine's date) as "now"
    assert "step_due_soon=" in out.getvalue()
