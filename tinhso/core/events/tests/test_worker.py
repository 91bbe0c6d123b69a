"""``tinhso worker`` against the real database task backend (django-tasks-db)."""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tinhso.core.events import services
from tinhso.core.events.management.commands.worker import Command as WorkerCommand
from tinhso.core.events.models import EventStatus, OutboxEvent
from tinhso.core.events.tests.sample import ParcelShipped
from tinhso.core.ops.health import last_worker_heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_heartbeat():
    cache.clear()
    yield
    cache.clear()


def run_worker(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("worker", *args, "--interval", "0.05", stdout=out)
    return out.getvalue()


def test_worker_runs_queued_deliveries_and_records_its_heartbeat(db_tasks, parcel, recorder):
    recorder.make("tests.worker_a")
    recorder.make("tests.worker_b")
    with transaction.atomic():
        services.publish(parcel)
    row = OutboxEvent.objects.get(name=ParcelShipped.name)
    queued = DBTaskResult.objects.get()
    assert queued.status == TaskResultStatus.READY
    assert queued.args_kwargs == {"args": [str(row.id)], "kwargs": {}}
    assert last_worker_heartbeat() is None

    output = run_worker("--once", "--worker-id", "test-worker")

    row.refresh_from_db()
    assert row.status == EventStatus.DELIVERED
    assert recorder.called("tests.worker_a") == recorder.called("tests.worker_b") == 1
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert queued.return_value == "delivered"
    assert queued.worker_ids == ["test-worker"]
    assert last_worker_heartbeat() is not None
    assert "test-worker stopped after running" in output


def test_worker_sweeps_events_whose_enqueue_was_lost(db_tasks, parcel, recorder, settings):
    settings.EVENTS_SWEEP_AFTER_SECONDS = 60
    recorder.make("tests.swept")
    with transaction.atomic():
        services.publish(parcel)
    DBTaskResult.objects.all().delete()  # the enqueue was lost
    OutboxEvent.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))

    run_worker("--once")

    row = OutboxEvent.objects.get(name=ParcelShipped.name)
    assert row.status == EventStatus.DELIVERED
    assert recorder.called("tests.swept") == 1


def test_worker_schedules_a_failed_delivery_for_later(db_tasks, parcel, recorder):
    recorder.make("tests.down")
    recorder.failing.add("tests.down")
    with transaction.atomic():
        services.publish(parcel)

    run_worker("--once")

    row = OutboxEvent.objects.get(name=ParcelShipped.name)
    assert row.status == EventStatus.PENDING and row.attempts == 1
    retry = DBTaskResult.objects.filter(status=TaskResultStatus.READY).get()
    assert retry.run_after == row.next_attempt_at
    assert recorder.called("tests.down") == 1  # the retry is not due, so --once did not run it


def test_worker_bounded_by_time_processes_what_is_queued(db_tasks, parcel, recorder):
    recorder.make("tests.timed")
    with transaction.atomic():
        services.publish(parcel)
    run_worker("--max-seconds", "0.3")
    assert OutboxEvent.objects.get(name=ParcelShipped.name).status == EventStatus.DELIVERED
    assert last_worker_heartbeat() is not None


def test_worker_stops_on_sigterm(db_tasks, caplog):
    import os
    import threading
    import time

    def worker_is_listening() -> bool:
        return isinstance(getattr(signal.getsignal(signal.SIGTERM), "__self__", None), WorkerCommand)

    def send_sigterm_once_listening() -> None:
        # Never signal before the worker's handler is installed: the default one ends pytest.
        for _ in range(500):
            if worker_is_listening():
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.02)

    sender = threading.Thread(target=send_sigterm_once_listening, daemon=True)
    sender.start()
    # --max-seconds is a safety bound only: the log line shows the signal is what stopped it.
    output = run_worker("--max-seconds", "30")
    sender.join(timeout=5)
    assert "finishing the current task, then stopping" in caplog.text
    assert "stopped after running 0 task(s)" in output
    assert not worker_is_listening()  # the previous handlers are restored


def test_second_signal_stops_at_once():
    command = WorkerCommand()
    command.stopping = False
    command.batch = None
    command._stop(signal.SIGINT, None)
    assert command.stopping is True
    with pytest.raises(SystemExit):
        command._stop(signal.SIGINT, None)


def test_worker_refuses_a_backend_it_cannot_serve():
    # Tests use the immediate backend by default: there is no queue to work on.
    with pytest.raises(CommandError, match="database task backend"):
        call_command("worker", "--once")


@pytest.mark.parametrize("args", [["--interval", "0"], ["--batch-size", "-1"], ["--max-seconds", "x"]])
def test_worker_refuses_bad_options(db_tasks, args):
    with pytest.raises(CommandError):
        call_command("worker", "--once", *args)
