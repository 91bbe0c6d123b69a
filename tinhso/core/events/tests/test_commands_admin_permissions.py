from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from tinhso.core.events import services
from tinhso.core.events.models import EventStatus, OutboxEvent
from tinhso.core.events.tests.sample import ParcelShipped
from tinhso.core.ops.health import record_worker_heartbeat
from tinhso.core.permissions import Principal, can

pytestmark = pytest.mark.django_db


def events_command(*args: str) -> str:
    out = StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def failed_event(parcel):
    services.publish(parcel)
    event = OutboxEvent.objects.get(name=ParcelShipped.name)
    OutboxEvent.objects.filter(pk=event.pk).update(
        status=EventStatus.FAILED,
        attempts=8,
        next_attempt_at=None,
        last_error="tests.x: RuntimeError: down\nmore",
    )
    return event


# --- tinhso events ----------------------------------------------------------------------


def test_status_lists_counts_heartbeat_and_failed_events(failed_event):
    cache.clear()
    out = events_command("status")
    assert "failed=1" in out
    assert "never (is `tinhso worker` running?)" in out
    assert f"FAILED {failed_event.id} tests.parcel_shipped attempts=8 tests.x: RuntimeError: down" in out
    assert "more" not in out
    record_worker_heartbeat("w1")
    assert "last worker heartbeat: " + timezone.localtime().strftime("%Y-%m-%d") in events_command("status")


def test_retry_by_id_and_all_failed(failed_event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = events_command("retry", "--id", str(failed_event.id))
    assert f"queued again: {failed_event.id}" in out
    failed_event.refresh_from_db()
    assert failed_event.status == EventStatus.DELIVERED

    OutboxEvent.objects.filter(pk=failed_event.pk).update(status=EventStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=False):
        out = events_command("retry")
    assert "1 event(s) queued again." in out
    failed_event.refresh_from_db()
    assert failed_event.status == EventStatus.PENDING and failed_event.attempts == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["retry", "--id", "nope"], "is not an event id"),
        (["retry", "--id", str(uuid.UUID(int=1))], "No event has the id"),
        (["sweep", "--older-than", "-5"], "zero or more"),
    ],
)
def test_bad_command_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        events_command(*args)


def test_retrying_a_delivered_event_by_command_is_refused(failed_event):
    OutboxEvent.objects.filter(pk=failed_event.pk).update(status=EventStatus.DELIVERED)
    with pytest.raises(CommandError, match="already delivered"):
        events_command("retry", "--id", str(failed_event.id))


def test_sweep_command(parcel):
    services.publish(parcel)
    OutboxEvent.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert "pending event(s) enqueued again." in events_command("sweep", "--older-than", "0")
    assert not OutboxEvent.objects.filter(next_attempt_at__lt=timezone.now() - timedelta(minutes=1))


# --- admin ------------------------------------------------------------------------------


def test_admin_lists_read_only_and_retries_through_the_service(
    client, platform_admin, failed_event, django_capture_on_commit_callbacks
):
    client.force_login(platform_admin)
    changelist = reverse("admin:events_outboxevent_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "tests.parcel_shipped" in page.text
    assert client.get(reverse("admin:events_outboxevent_change", args=[failed_event.pk])).status_code == 200
    assert client.get(reverse("admin:events_delivery_changelist")).status_code == 200
    assert client.get(reverse("admin:events_outboxevent_add")).status_code == 403
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            changelist, {"action": "retry_events", "_selected_action": [str(failed_event.pk)]}, follow=True
        )
    assert response.status_code == 200
    failed_event.refresh_from_db()
    assert failed_event.status == EventStatus.PENDING and failed_event.attempts == 0


# --- permissions ------------------------------------------------------------------------


def test_permissions(platform_admin, make_officer, agency):
    officer = make_officer(roles=[(agency, "leader")])
    assert can(platform_admin, "events.view") and can(platform_admin, "events.retry")
    assert not can(officer, "events.view") and not can(officer, "events.retry")
    reader = Principal(kind="client", id="c1", scopes=frozenset({"events:read"}))
    assert can(reader, "events.view")
    assert not can(reader, "events.retry")  # machines never retry: an operator decides
    assert not can(Principal(kind="client", id="c2", scopes=frozenset()), "events.view")
