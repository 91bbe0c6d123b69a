from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tinhso.core.events import registry, services
from tinhso.core.events.models import OutboxEvent
from tinhso.core.events.tests.sample import EffectRecorded, ParcelShipped


class Recorder:
    """Test subscribers: each call is remembered, and each records its effect in the database."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.failing: set[str] = set()

    def make(self, sub_name: str, event=ParcelShipped):
        def handler(received) -> None:
            self.calls.append((sub_name, received))
            services.publish(EffectRecorded(subscriber=sub_name, parcel_id=str(received.parcel_id)))
            if sub_name in self.failing:
                raise RuntimeError(f"{sub_name} is down")

        handler.__qualname__ = f"handler_{sub_name}"
        registry.subscriber(event, name=sub_name)(handler)
        return handler

    def called(self, sub_name: str) -> int:
        return sum(1 for name, _ in self.calls if name == sub_name)

    @staticmethod
    def effects(sub_name: str) -> int:
        return OutboxEvent.objects.filter(name=EffectRecorded.name, payload__subscriber=sub_name).count()


@pytest.fixture
def recorder():
    with registry.temporary_subscribers():
        yield Recorder()


@pytest.fixture
def parcel():
    return ParcelShipped(
        parcel_id=uuid.UUID("7b0c6a52-4c11-4f7e-9a39-2f3c0d7e5a10"),
        shipped_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        due_on=date(2026, 3, 9),
        weight=Decimal("1.250"),
        tags=("fragile",),
    )


@pytest.fixture
def dummy_tasks(settings):
    """Tasks are recorded, not run: lets a test see exactly what was enqueued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
