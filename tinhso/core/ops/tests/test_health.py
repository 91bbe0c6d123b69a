"""/healthz and /healthz/live: ok, degraded (stale worker, pending migrations), down (no database)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError, connections
from django.test import override_settings
from django.utils import timezone

from tinhso.core.ops import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_heartbeat():
    cache.delete(health.HEARTBEAT_KEY)
    yield
    cache.delete(health.HEARTBEAT_KEY)


def _beat(seconds_ago: float) -> None:
    at = timezone.now() - timedelta(seconds=seconds_ago)
    cache.set(health.HEARTBEAT_KEY, {"at": at.isoformat(), "worker": "w1"}, 3600)


def test_ok_when_database_answers_worker_is_fresh_and_migrations_applied(client):
    health.record_worker_heartbeat("worker-1")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body) == {"status", "checks"}
    assert set(body["checks"]) == {"database", "worker", "migrations"}
    assert body["checks"]["database"]["ok"] is True
    worker = body["checks"]["worker"]
    assert worker["ok"] is True and 0 <= worker["age_seconds"] < 60
    assert worker["last_heartbeat"] == health.last_worker_heartbeat().isoformat()
    assert worker["max_age_seconds"] == 120
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert "no-store" in response["Cache-Control"]


def test_degraded_but_200_when_no_worker_was_ever_seen(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"] == {
        "ok": False,
        "last_heartbeat": None,
        "age_seconds": None,
        "max_age_seconds": 120,
    }


def test_degraded_when_the_heartbeat_is_older_than_the_setting(client):
    _beat(300)
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["age_seconds"] >= 300


@override_settings(WORKER_HEARTBEAT_MAX_AGE=600)
def test_the_max_age_setting_is_honoured(client):
    _beat(300)
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["max_age_seconds"] == 600


def test_degraded_when_migrations_are_pending(client):
    health.record_worker_heartbeat()
    with mock.patch.object(health, "pending_migrations", return_value=3):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["migrations"] == {"ok": False, "pending": 3}


def test_pending_migrations_is_zero_on_a_migrated_database_and_then_remembered():
    health._migrations.applied = False
    assert health.pending_migrations() == 0
    assert health._migrations.applied is True
    with mock.patch("django.db.migrations.executor.MigrationExecutor") as executor:
        assert health.pending_migrations() == 0
    executor.assert_not_called()


def test_down_and_503_when_the_database_does_not_answer_without_leaking_the_error(client):
    failure = OperationalError('connection to server at "db.internal" failed: password=hunter2')
    with mock.patch.object(connections["default"], "cursor", side_effect=failure):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"] == {"ok": False}
    assert "db.internal" not in response.text and "hunter2" not in response.text


def test_report_holds_no_versions_or_settings(client):
    health.record_worker_heartbeat("worker-1")
    text = client.get("/healthz").text.lower()
    for leak in ("django", "python", "postgres", "sqlite", "secret", "version", "worker-1"):
        assert leak not in text


def test_live_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_live_answers_even_when_the_database_is_down(client):
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz/live")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/healthz/live"])
def test_head_is_accepted_and_writes_are_refused(client, path):
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


def test_heartbeat_contract_round_trip():
    assert health.last_worker_heartbeat() is None
    assert health.worker_heartbeat_age() is None
    health.record_worker_heartbeat("w")
    last = health.last_worker_heartbeat()
    assert last is not None and last.tzinfo is not None
    assert 0 <= health.worker_heartbeat_age() < 60
