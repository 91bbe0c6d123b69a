"""/metrics: who may read it, request counters labelled by route pattern, scrape-time gauges,
and prometheus_client's multiprocess mode."""

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from tinhso.core.events.models import OutboxEvent
from tinhso.core.ops import health, metrics

pytestmark = pytest.mark.django_db

LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
OUTSIDER = {"REMOTE_ADDR": "203.0.113.7"}


def sample(name: str, **labels) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client) -> str:
    response = client.get("/metrics", **LOOPBACK)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.text


# --- access -------------------------------------------------------------------------------


def test_an_outsider_gets_404(client):
    response = client.get("/metrics", **OUTSIDER)
    assert response.status_code == 404
    assert b"tinhso_" not in response.content


def test_loopback_may_scrape_directly(client):
    assert "tinhso_http_requests_total" in scrape(client)


def test_loopback_relayed_by_the_proxy_is_not_trusted(client):
    # nginx on the same machine connects from 127.0.0.1 on behalf of a visitor.
    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.4", **LOOPBACK)
    assert response.status_code == 404


@override_settings(METRICS_ALLOWED_IPS=["10.0.0.5"])
def test_allowed_addresses_come_from_the_setting(client):
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 200
    assert client.get("/metrics", **LOOPBACK).status_code == 404


@override_settings(METRICS_TOKEN="tok-3f9a7c1e")
def test_the_token_opens_metrics_from_anywhere(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer tok-3f9a7c1e", **OUTSIDER)
    assert response.status_code == 200
    assert "tinhso_http_requests_total" in response.text


@override_settings(METRICS_TOKEN="tok-3f9a7c1e")
@pytest.mark.parametrize(
    "header", ["Bearer wrong", "Bearer tok-3f9a7c1", "Bearer tok-3f9a7c1e0", "Bearer tok-3f9a7c1e tok"]
)
def test_a_wrong_token_is_refused_even_from_loopback(client, header):
    response = client.get("/metrics", HTTP_AUTHORIZATION=header, **LOOPBACK)
    assert response.status_code == 403
    assert b"tinhso_" not in response.content


def test_a_token_is_useless_when_none_is_configured(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything", **OUTSIDER)
    assert response.status_code == 404


def test_metrics_refuses_writes(client):
    assert client.post("/metrics", **LOOPBACK).status_code == 405


# --- request metrics ------------------------------------------------------------------------


def test_requests_are_counted_by_method_route_pattern_and_status(client):
    before = sample("tinhso_http_requests_total", method="GET", route="/healthz/live", status="200")
    client.get("/healthz/live")
    client.get("/healthz/live")
    after = sample("tinhso_http_requests_total", method="GET", route="/healthz/live", status="200")
    assert after - before == 2
    count = sample(
        "tinhso_http_request_duration_seconds_count", method="GET", route="/healthz/live", status="200"
    )
    assert count >= 2
    text = scrape(client)
    assert 'tinhso_http_requests_total{method="GET",route="/healthz/live",status="200"}' in text


@override_settings(ROOT_URLCONF="tinhso.core.ops.tests.urls")
def test_the_route_label_is_the_pattern_never_the_path(client):
    client.get("/items/98765/")
    client.get("/items/12345/")
    text = scrape(client)
    assert 'route="/items/<int:pk>/",status="200"' in text
    assert "98765" not in text and "12345" not in text


def test_unmatched_paths_share_one_label(client):
    client.get("/khong-co-trang-nay/0912345678/")
    text = scrape(client)
    assert 'route="<unmatched>",status="404"' in text
    assert "0912345678" not in text and "khong-co" not in text


def test_invented_methods_share_one_label(client):
    client.generic("BREW", "/healthz/live")
    text = scrape(client)
    assert "BREW" not in text
    assert 'method="other",route="/healthz/live"' in text


@override_settings(ROOT_URLCONF="tinhso.core.ops.tests.urls")
def test_a_failing_view_is_counted_as_500_and_in_flight_returns_to_its_level():
    from django.test import Client

    client = Client(raise_request_exception=False)
    in_flight = sample("tinhso_http_requests_in_flight")
    before = sample("tinhso_http_requests_total", method="GET", route="/boom/", status="500")
    assert client.get("/boom/").status_code == 500
    assert sample("tinhso_http_requests_total", method="GET", route="/boom/", status="500") - before == 1
    assert sample("tinhso_http_requests_in_flight") == in_flight


def test_database_queries_per_request_are_observed(client):
    before = sample("tinhso_http_request_db_queries_sum", method="GET", route="/healthz")
    client.get("/healthz")
    assert sample("tinhso_http_request_db_queries_sum", method="GET", route="/healthz") - before >= 1


# --- scrape-time gauges ---------------------------------------------------------------------


def _gauge(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{line_start} not in the exposition")


def test_outbox_backlog_and_oldest_pending_age(client):
    old = timezone.now() - timedelta(minutes=10)
    OutboxEvent.objects.create(name="ops.test", status="pending", occurred_at=old)
    OutboxEvent.objects.create(name="ops.test", status="pending")
    OutboxEvent.objects.create(name="ops.test", status="failed")
    OutboxEvent.objects.create(name="ops.test", status="delivered", delivered_at=timezone.now())
    text = scrape(client)
    assert _gauge(text, 'tinhso_outbox_events{status="pending"}') == 2
    assert _gauge(text, 'tinhso_outbox_events{status="failed"}') == 1
    assert 'status="delivered"' not in text
    assert 590 <= _gauge(text, "tinhso_outbox_oldest_pending_age_seconds") < 3600


def test_empty_outbox_reports_zeroes(client):
    text = scrape(client)
    assert _gauge(text, 'tinhso_outbox_events{status="pending"}') == 0
    assert _gauge(text, "tinhso_outbox_oldest_pending_age_seconds") == 0


def test_worker_heartbeat_age_is_infinite_until_a_worker_beats(client):
    cache.delete(health.HEARTBEAT_KEY)
    assert _gauge(scrape(client), "tinhso_worker_heartbeat_age_seconds") == float("inf")
    health.record_worker_heartbeat("w")
    assert 0 <= _gauge(scrape(client), "tinhso_worker_heartbeat_age_seconds") < 60
    cache.delete(health.HEARTBEAT_KEY)


def test_scrape_survives_without_the_events_app(client):
    with mock.patch.dict(sys.modules, {"tinhso.core.events.models": None}):
        text = scrape(client)
    assert "tinhso_outbox_events" not in text
    assert "tinhso_worker_heartbeat_age_seconds" in text


def test_scrape_survives_a_database_failure_of_the_gauges(client):
    with mock.patch.object(OutboxEvent.objects, "exclude", side_effect=RuntimeError("db gone")):
        text = scrape(client)
    assert "tinhso_outbox_events" not in text
    assert "tinhso_http_requests_total" in text


# --- several processes ----------------------------------------------------------------------

INCREMENT = textwrap.dedent(
    """
    from tinhso.core.ops import metrics
    metrics.HTTP_REQUESTS.labels("GET", "/healthz", "200").inc()
    """
)
RENDER = textwrap.dedent(
    """
    import django
    django.setup()
    from tinhso.core.ops import metrics
    print(metrics.render()[0].decode())
    """
)


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        "TINHSO_TESTING": "1",
        # An empty database: the scrape-time gauges fail and are left out, the counters remain.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "LOG_LEVEL": "CRITICAL",
    }
    cwd = Path(__file__).resolve().parents[4]
    for _ in range(2):
        subprocess.run([sys.executable, "-c", INCREMENT], env=env, cwd=cwd, check=True, timeout=60)
    assert len(list(multiproc_dir.glob("counter_*.db"))) == 2
    output = subprocess.run(
        [sys.executable, "-c", RENDER],
        env=env,
        cwd=cwd,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout
    assert 'tinhso_http_requests_total{method="GET",route="/healthz",status="200"} 2.0' in output
    # Per-process collectors describe only the process that answers: left out in this mode.
    assert "process_resident_memory_bytes" not in output
