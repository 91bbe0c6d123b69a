"""``tinhso worker``: the one background process of a tinhso installation.

It runs the django-tasks database queue (reusing django-tasks-db's own ``Worker`` to claim and
run tasks, so locking and result bookkeeping are theirs), and between batches of tasks it
records its heartbeat for ``/healthz``, sweeps the outbox for events whose enqueue was lost, and
prunes old task results. Several workers may run at once, on one machine or several.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tinhso.core.events import services
from tinhso.core.ops.health import record_worker_heartbeat

logger = logging.getLogger("tinhso.worker")

PRUNE_EVERY_SECONDS = 3600
PAUSE_STEP_SECONDS = 0.2


class _BatchWorker(Worker):
    """django-tasks-db's worker run in batch mode, counting the tasks it ran."""

    processed = 0

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            self.processed += 1


def _positive(kind):
    def parse(value: str):
        number = kind(value)
        if number <= 0:
            raise ValueError(value)
        return number

    parse.__name__ = kind.__name__
    return parse


class Command(BaseCommand):
    help = (
        "Run the background worker: queued tasks (event deliveries and others), the outbox sweep "
        "and the heartbeat. Stops cleanly on SIGINT/SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Queues to process, comma-separated; '*' for all (default).",
        )
        parser.add_argument(
            "--interval",
            type=_positive(float),
            default=1.0,
            help="Seconds to wait when there is nothing to do (default 1).",
        )
        parser.add_argument(
            "--batch-size",
            type=_positive(int),
            default=20,
            help="Tasks to run before the next heartbeat and sweep check (default 20).",
        )
        parser.add_argument(
            "--sweep-every",
            type=_positive(float),
            default=30.0,
            help="Seconds between two sweeps of the outbox (default 30).",
        )
        parser.add_argument(
            "--heartbeat-every",
            type=_positive(float),
            default=10.0,
            help="Seconds between two heartbeats (default 10).",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Sweep once, run every task that is ready, then exit.",
        )
        parser.add_argument(
            "--max-seconds",
            type=_positive(float),
            default=None,
            help="Exit after about this many seconds (the running task is finished first).",
        )
        parser.add_argument(
            "--worker-id",
            default=f"{socket.gethostname()}-{os.getpid()}"[:64],
            help="Identifier stored with each task this worker runs (default host-pid).",
        )

    def handle(self, *args, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                f"The worker needs the database task backend, but TASKS uses {type(backend).__name__}. "
                "Set TASKS_BACKEND=django_tasks_db.DatabaseBackend (the default outside tests)."
            )
        if options["verbosity"] < 2:
            # django-tasks-db announces every batch start and end; only its problems matter here.
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        self.options = options
        self.worker_id = options["worker_id"]
        self.stopping = False
        self.batch: _BatchWorker | None = None
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            processed = self._loop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"Worker {self.worker_id} stopped after running {processed} task(s).")

    def _stop(self, signum, frame) -> None:
        if self.stopping:
            # A second signal: stop now, even in the middle of a task (its event stays pending
            # and the sweep will deliver it again).
            raise SystemExit(1)
        logger.warning("Received %s: finishing the current task, then stopping", signal.strsignal(signum))
        self.stopping = True
        if self.batch is not None:
            self.batch.running = False

    def _loop(self) -> int:
        options = self.options
        deadline = time.monotonic() + options["max_seconds"] if options["max_seconds"] else None
        next_heartbeat = next_sweep = next_prune = 0.0
        total = 0
        logger.info("Worker %s started", self.worker_id)
        while not self.stopping:
            now = time.monotonic()
            if now >= next_heartbeat:
                self._guarded(record_worker_heartbeat, self.worker_id)
                next_heartbeat = now + options["heartbeat_every"]
            if now >= next_sweep:
                self._guarded(services.sweep_pending)
                next_sweep = now + options["sweep_every"]
            if now >= next_prune:
                self._guarded(self._prune_results)
                next_prune = now + PRUNE_EVERY_SECONDS
            processed = self._guarded(self._run_batch) or 0
            total += processed
            if options["once"] and processed < options["batch_size"]:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            if processed == 0:
                self._pause(options["interval"], deadline)
        self._guarded(record_worker_heartbeat, self.worker_id)
        return total

    def _run_batch(self) -> int:
        queue_names = [name.strip() for name in self.options["queue_name"].split(",") if name.strip()]
        self.batch = _BatchWorker(
            queue_names=queue_names or ["*"],
            interval=self.options["interval"],
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=self.options["batch_size"],
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        try:
            self.batch.run()
            return self.batch.processed
        finally:
            self.batch = None

    def _prune_results(self) -> None:
        cutoff = timezone.now() - timedelta(days=settings.TASKS_RESULT_RETENTION_DAYS)
        DBTaskResult.objects.finished().filter(
            backend_name=DEFAULT_TASK_BACKEND_ALIAS, finished_at__lte=cutoff
        ).delete()

    def _guarded(self, func, *args):
        """A database hiccup (restart, failover) must not kill the worker: log it and go on."""
        try:
            return func(*args)
        except DatabaseError:
            logger.exception("Worker %s: database error in %s", self.worker_id, func.__name__)
            return None

    def _pause(self, seconds: float, deadline: float | None) -> None:
        end = time.monotonic() + seconds
        if deadline is not None:
            end = min(end, deadline)
        # Short steps, so that a stop signal is honoured promptly.
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(PAUSE_STEP_SECONDS, max(end - time.monotonic(), 0)))
