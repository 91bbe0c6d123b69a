from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import ClassVar

import pytest
from django.db import transaction
from django.utils import timezone

from tinhso.core import context
from tinhso.core.errors import Conflict, PermissionDenied
from tinhso.core.events import registry, services
from tinhso.core.events.base import DomainEvent
from tinhso.core.events.models import Delivery, EventStatus, OutboxEvent
from tinhso.core.events.tests.sample import EffectRecorded, ParcelShipped, Size
from tinhso.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db


def parcels():
    return OutboxEvent.objects.filter(name=ParcelShipped.name)


def make_due(event: OutboxEvent) -> None:
    """Time passes: the backoff delay of a pending event is over."""
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- publish ----------------------------------------------------------------------------


def test_publish_writes_the_event_in_the_callers_transaction(parcel, django_capture_on_commit_callbacks):
    with (
        context.bound(context.RequestContext(request_id="req-123", channel="web")),
        django_capture_on_commit_callbacks() as callbacks,
        transaction.atomic(),
    ):
        services.publish(parcel)
        # Visible inside the transaction, before any commit; nothing enqueued yet.
        row = parcels().get()
        assert callbacks == []
    assert len(callbacks) == 1  # the delivery task is enqueued on commit only
    assert row.status == EventStatus.PENDING
    assert row.attempts == 0
    assert row.request_id == "req-123"
    assert row.next_attempt_at is not None and row.delivered_at is None
    assert row.payload == {
        "parcel_id": "7b0c6a52-4c11-4f7e-9a39-2f3c0d7e5a10",
        "shipped_at": "2026-03-02T01:30:00+00:00",
        "due_on": "2026-03-09",
        "weight": "1.250",
        "size": "small",
        "tags": ["fragile"],
        "note": None,
        "extra": {},
    }


def test_rolled_back_transaction_leaves_no_event_and_enqueues_nothing(
    parcel, dummy_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        with transaction.atomic():
            services.publish(parcel)
            raise RuntimeError("the service failed after publishing")
    assert not OutboxEvent.objects.exists()
    assert callbacks == []
    assert dummy_tasks.results == []


def test_committed_event_enqueues_one_delivery_task(parcel, dummy_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.publish(parcel)
    row = parcels().get()
    assert len(dummy_tasks.results) == 1
    result = dummy_tasks.results[0]
    assert result.task.module_path == "tinhso.core.events.tasks.deliver_event"
    assert result.args == [str(row.id)]


@dataclass(frozen=True)
class _Unnamed(DomainEvent):
    value: int = 1


class _NotADataclass(DomainEvent):
    name: ClassVar[str] = "tests.not_a_dataclass"


@dataclass(frozen=True)
class _Loose(DomainEvent):
    name: ClassVar[str] = "tests.loose"
    value: object = None


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"name": "tests.dict"}, "DomainEvent dataclass"),
        (_NotADataclass(), "DomainEvent dataclass"),
        (_Unnamed(), "no event name"),
        (_Loose(value={1, 2}), "not JSON-friendly"),
        (_Loose(value=object()), "not JSON-friendly"),
        (_Loose(value={1: "a"}), "non-string keys"),
        (_Loose(value=datetime(2026, 1, 1)), "naive datetime"),
    ],
)
def test_publish_refuses_what_cannot_be_an_event(event, message):
    with pytest.raises(TypeError, match=message):
        services.publish(event)
    assert not OutboxEvent.objects.exists()


def test_two_classes_cannot_share_an_event_name():
    with pytest.raises(ValueError, match="tests.parcel_shipped"):

        @dataclass(frozen=True)
        class Impostor(DomainEvent):
            name: ClassVar[str] = "tests.parcel_shipped"


# --- delivery ---------------------------------------------------------------------------


def test_event_is_delivered_to_every_subscriber_as_its_typed_dataclass(
    parcel, recorder, django_capture_on_commit_callbacks
):
    recorder.make("tests.first")
    recorder.make("tests.second")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.publish(parcel)
    row = parcels().get()
    assert row.status == EventStatus.DELIVERED
    assert row.attempts == 1 and row.delivered_at is not None and row.next_attempt_at is None
    assert sorted(Delivery.objects.filter(event=row).values_list("subscriber", flat=True)) == [
        "tests.first",
        "tests.second",
    ]
    assert recorder.called("tests.first") == recorder.called("tests.second") == 1
    received = recorder.calls[0][1]
    assert received == parcel  # every field, with its type, round-tripped through JSON
    assert isinstance(received.parcel_id, uuid.UUID)
    assert isinstance(received.weight, Decimal)
    assert received.size is Size.SMALL and received.tags == ("fragile",)
    assert recorder.effects("tests.first") == recorder.effects("tests.second") == 1


def test_event_without_subscribers_is_simply_delivered(parcel):
    services.publish(parcel)
    row = parcels().get()
    assert services.deliver_event(row.id) == "delivered"
    row.refresh_from_db()
    assert row.status == EventStatus.DELIVERED and not row.deliveries.exists()


def test_failing_subscriber_does_not_block_others_and_succeeds_on_retry(parcel, recorder, settings):
    settings.EVENTS_RETRY_BASE_SECONDS = 30
    recorder.make("tests.steady")
    recorder.make("tests.flaky")
    recorder.failing.add("tests.flaky")
    services.publish(parcel)
    row = parcels().get()

    before = timezone.now()
    assert services.deliver_event(row.id) == "retry"
    row.refresh_from_db()
    assert row.status == EventStatus.PENDING
    assert row.attempts == 1
    assert "tests.flaky: RuntimeError: tests.flaky is down" in row.last_error
    # First backoff: 30 s plus at most 10 % jitter.
    assert before + timedelta(seconds=30) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=33)
    assert list(row.deliveries.values_list("subscriber", flat=True)) == ["tests.steady"]
    # The flaky subscriber wrote before raising: its write was rolled back with its savepoint.
    assert recorder.effects("tests.flaky") == 0
    assert recorder.effects("tests.steady") == 1

    # A duplicate task arriving before the backoff is over must not use up an attempt.
    assert services.deliver_event(row.id) == "not_due"
    row.refresh_from_db()
    assert row.attempts == 1

    recorder.failing.clear()
    make_due(row)
    assert services.deliver_event(row.id) == "delivered"
    row.refresh_from_db()
    assert row.status == EventStatus.DELIVERED and row.attempts == 2
    assert recorder.called("tests.steady") == 1  # not called again
    assert recorder.called("tests.flaky") == 2
    assert recorder.effects("tests.flaky") == recorder.effects("tests.steady") == 1
    assert dict(row.deliveries.values_list("subscriber", "attempt")) == {"tests.steady": 1, "tests.flaky": 2}


def test_backoff_grows_exponentially_up_to_the_cap(settings):
    settings.EVENTS_RETRY_BASE_SECONDS = 10
    settings.EVENTS_RETRY_MAX_SECONDS = 50
    for attempt, base in [(1, 10), (2, 20), (3, 40), (4, 50), (9, 50)]:
        delay = services.retry_delay(attempt).total_seconds()
        assert base <= delay <= base * 1.1


def test_retry_is_enqueued_for_later_when_the_backend_can_defer(
    parcel, recorder, dummy_tasks, django_capture_on_commit_callbacks
):
    recorder.make("tests.flaky")
    recorder.failing.add("tests.flaky")
    services.publish(parcel)
    row = parcels().get()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver_event(row.id) == "retry"
    row.refresh_from_db()
    deferred = [r for r in dummy_tasks.results if r.args == [str(row.id)]]
    assert len(deferred) == 1
    assert deferred[0].task.run_after == row.next_attempt_at


def test_event_fails_after_the_last_attempt_and_an_operator_retries_it(
    parcel, recorder, settings, platform_admin, django_capture_on_commit_callbacks
):
    settings.EVENTS_MAX_ATTEMPTS = 2
    recorder.make("tests.flaky")
    recorder.failing.add("tests.flaky")
    services.publish(parcel)
    row = parcels().get()
    assert services.deliver_event(row.id) == "retry"
    make_due(row)
    assert services.deliver_event(row.id) == "failed"
    row.refresh_from_db()
    assert row.status == EventStatus.FAILED and row.attempts == 2 and row.next_attempt_at is None
    # Nothing delivers a failed event by itself, not even a stray task or the sweep.
    assert services.deliver_event(row.id) == "skipped"
    services.sweep_pending(older_than_seconds=0)
    row.refresh_from_db()
    assert row.status == EventStatus.FAILED and row.next_attempt_at is None

    recorder.failing.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_event(actor=platform_admin, event=row)
    row.refresh_from_db()
    assert row.status == EventStatus.DELIVERED and row.attempts == 1
    assert recorder.effects("tests.flaky") == 1

    with pytest.raises(Conflict) as info:
        services.retry_event(actor=platform_admin, event=row)
    assert info.value.code == "events.already_delivered"


def test_retry_is_refused_to_non_administrators_and_changes_nothing(parcel, make_officer, agency):
    officer = make_officer(roles=[(agency, "specialist")])
    services.publish(parcel)
    row = parcels().get()
    OutboxEvent.objects.filter(pk=row.pk).update(status=EventStatus.FAILED, attempts=8, next_attempt_at=None)
    with pytest.raises(PermissionDenied):
        services.retry_event(actor=officer, event=row)
    with pytest.raises(PermissionDenied):
        services.retry_failed_events(actor=officer)
    row.refresh_from_db()
    assert row.status == EventStatus.FAILED and row.attempts == 8


def test_retry_failed_events_retries_only_failed_ones(parcel, django_capture_on_commit_callbacks):
    services.publish(parcel)
    services.publish(EffectRecorded(subscriber="x", parcel_id="y"))
    failed = parcels().get()
    OutboxEvent.objects.filter(pk=failed.pk).update(status=EventStatus.FAILED, next_attempt_at=None)
    retried = services.retry_failed_events(actor=SYSTEM)
    assert [event.pk for event in retried] == [failed.pk]


# --- duplicates and the sweep -----------------------------------------------------------


def test_duplicate_delivery_does_not_repeat_the_subscribers_effect(
    parcel, recorder, django_capture_on_commit_callbacks
):
    recorder.make("tests.once")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.publish(parcel)
    row = parcels().get()
    # The same task delivered again (a retried task, a sweep racing the first delivery).
    assert services.deliver_event(row.id) == "skipped"
    assert services.deliver_event(str(row.id)) == "skipped"
    assert recorder.called("tests.once") == 1
    assert recorder.effects("tests.once") == 1


def test_subscriber_with_a_delivery_row_is_skipped_even_if_the_event_is_pending(parcel, recorder):
    recorder.make("tests.done")
    recorder.make("tests.todo")
    services.publish(parcel)
    row = parcels().get()
    Delivery.objects.create(event=row, subscriber="tests.done")
    assert services.deliver_event(row.id) == "delivered"
    assert recorder.called("tests.done") == 0
    assert recorder.called("tests.todo") == 1


def test_unknown_or_malformed_ids_are_ignored():
    assert services.deliver_event(uuid.uuid4()) == "missing"
    assert services.deliver_event("not-a-uuid") == "missing"


def test_sweep_enqueues_a_pending_event_whose_enqueue_was_lost(
    parcel, recorder, settings, django_capture_on_commit_callbacks
):
    settings.EVENTS_SWEEP_AFTER_SECONDS = 60
    recorder.make("tests.late")
    # The process dies between commit and enqueue: the on-commit callback never runs.
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        services.publish(parcel)
    row = parcels().get()
    assert row.status == EventStatus.PENDING and recorder.called("tests.late") == 0

    # Not overdue yet: the task may simply still be in the queue.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_pending() == 0
    assert recorder.called("tests.late") == 0

    OutboxEvent.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_pending() == 1
    row.refresh_from_db()
    assert row.status == EventStatus.DELIVERED
    assert recorder.called("tests.late") == 1


def test_sweep_pushes_the_due_time_forward(parcel, dummy_tasks, django_capture_on_commit_callbacks):
    services.publish(parcel)
    row = parcels().get()
    OutboxEvent.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    dummy_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_pending(older_than_seconds=60) == 1
        # A second sweep right after does not enqueue it again.
        assert services.sweep_pending(older_than_seconds=60) == 0
    assert [r.args for r in dummy_tasks.results] == [[str(row.id)]]


# --- decoding and context ---------------------------------------------------------------


def test_payload_keys_the_class_no_longer_has_are_ignored(parcel):
    payload = services.encode_payload(parcel) | {"removed_field": 1}
    assert services.decode_payload(ParcelShipped, payload) == parcel


def test_event_whose_class_is_unknown_is_retried_not_lost(recorder):
    handler = recorder.make("tests.ghost_listener", event="tests.ghost")
    assert handler is not None
    row = OutboxEvent.objects.create(
        name="tests.ghost", payload={}, status=EventStatus.PENDING, next_attempt_at=timezone.now()
    )
    assert services.deliver_event(row.id) == "retry"
    row.refresh_from_db()
    assert "No event class is named 'tests.ghost'" in row.last_error
    assert recorder.called("tests.ghost_listener") == 0


def test_subscriber_runs_with_the_publishing_request_id_and_delivery_info(parcel, recorder):
    seen = {}

    @registry.subscriber(ParcelShipped, name="tests.curious")
    def curious(event):
        info = registry.current_delivery()
        seen.update(request_id=context.current_request_id(), info=info)

    with context.bound(context.RequestContext(request_id="req-abc", channel="api")):
        services.publish(parcel)
    row = parcels().get()
    services.deliver_event(row.id)
    assert seen["request_id"] == "req-abc"
    assert seen["info"].event_id == str(row.id)
    assert seen["info"].subscriber == "tests.curious" and seen["info"].attempt == 1
    assert registry.current_delivery() is None


def test_registry_refuses_bad_declarations(recorder):
    recorder.make("tests.unique")
    with pytest.raises(ValueError, match="registered twice"):

        @registry.subscriber(ParcelShipped, name="tests.unique")
        def another(event):
            return None

    with pytest.raises(TypeError):
        registry.subscriber(object)
    with pytest.raises(TypeError):
        registry.subscriber(DomainEvent)


def test_subscriber_name_defaults_to_module_and_function(recorder):
    @registry.subscriber(ParcelShipped)
    def listener(event):
        return None

    names = [sub.name for sub in registry.subscribers_for(ParcelShipped.name)]
    assert names == [f"{__name__}.{listener.__qualname__}"]
