from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.core.events import services
from tinhso.core.events.models import EventStatus, OutboxEvent
from tinhso.core.events.tests.sample import EffectRecorded, ParcelShipped

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


@pytest.fixture
def failed_event(parcel):
    services.publish(parcel)
    event = OutboxEvent.objects.get(name=ParcelShipped.name)
    OutboxEvent.objects.filter(pk=event.pk).update(
        status=EventStatus.FAILED, attempts=8, next_attempt_at=None, last_error="tests.x: RuntimeError: down"
    )
    event.refresh_from_db()
    return event


@pytest.fixture
def admin_client(client, platform_admin):
    client.force_login(platform_admin)
    return client


def test_list_filters_by_status(admin_client, failed_event):
    services.publish(EffectRecorded(subscriber="a", parcel_id="b"))
    body = admin_client.get(URL, {"status": "failed"}).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == str(failed_event.id)
    assert item["name"] == "tests.parcel_shipped"
    assert item["status"] == "failed" and item["attempts"] == 8
    assert item["last_error"] == "tests.x: RuntimeError: down"
    pending = admin_client.get(URL, {"status": "pending", "name": "tests.effect_recorded"}).json()
    assert [i["name"] for i in pending["items"]] == ["tests.effect_recorded"]


def test_list_query_count_does_not_grow_with_rows(admin_client, parcel):
    for _ in range(5):
        services.publish(EffectRecorded(subscriber="a", parcel_id="b"))
    query = {"name": "tests.effect_recorded"}
    admin_client.get(URL, query)  # the first request of a session does one-off work
    with CaptureQueriesContext(connection) as few:
        admin_client.get(URL, query)
    for _ in range(15):
        services.publish(EffectRecorded(subscriber="a", parcel_id="b"))
    with CaptureQueriesContext(connection) as many:
        body = admin_client.get(URL, query).json()
    assert body["count"] == 20
    assert len(many) == len(few)


def test_list_refuses_an_unknown_status(admin_client):
    response = admin_client.get(URL, {"status": "lost"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_detail_shows_payload_and_deliveries(admin_client, failed_event):
    body = admin_client.get(f"{URL}{failed_event.id}").json()
    assert body["payload"]["weight"] == "1.250"
    assert body["deliveries"] == []
    assert admin_client.get(f"{URL}{uuid.uuid4()}").json()["code"] == "events.not_found"


def test_retry_puts_the_event_back_and_delivers_it(
    admin_client, failed_event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{URL}{failed_event.id}/retry")
    assert response.status_code == 200
    failed_event.refresh_from_db()
    # Tests run tasks immediately, and this event has no subscriber: delivered at once.
    assert failed_event.status == EventStatus.DELIVERED and failed_event.attempts == 1
    assert response.json()["id"] == str(failed_event.id)


def test_retry_of_a_delivered_event_is_a_conflict(admin_client, failed_event):
    OutboxEvent.objects.filter(pk=failed_event.pk).update(status=EventStatus.DELIVERED)
    response = admin_client.post(f"{URL}{failed_event.id}/retry")
    assert response.status_code == 409
    assert response.json()["code"] == "events.already_delivered"


def test_retry_of_an_unknown_event_is_not_found(admin_client):
    response = admin_client.post(f"{URL}{uuid.uuid4()}/retry")
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["anonymous", "officer", "citizen"])
def test_outsiders_can_neither_list_nor_retry(client, kind, make_officer, make_citizen, agency, failed_event):
    if kind == "officer":
        client.force_login(make_officer(roles=[(agency, "leader")]))
    elif kind == "citizen":
        client.force_login(make_citizen())
    expected = 401 if kind == "anonymous" else 403
    assert client.get(URL).status_code == expected
    assert client.post(f"{URL}{failed_event.id}/retry").status_code == expected
    failed_event.refresh_from_db()
    assert failed_event.status == EventStatus.FAILED and failed_event.attempts == 8
