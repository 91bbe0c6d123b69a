"""GeoReport v2 conformance of the read endpoints, in both formats: discovery, services, service
definitions, service requests (list with filters, one), tokens, and the spec's error answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tinhso.feedback.models import ReportStatus
from tinhso.feedback.tests.conftest import force_status
from tinhso.feedback.tests.test_open311_support import (  # noqa: F401 (fixtures)
    BASE,
    FORMATS,
    REQUEST_FIELDS,
    api_key_fixture,
    as_text,
    assert_error,
    issued_key_fixture,
    open311_clean_state_fixture,
    parse,
    potholes_fixture,
    report_at_fixture,
)

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]


def _get(client, path: str, fmt: str, **params):
    return client.get(f"{BASE}/{path}.{fmt}", params)


def _both(client, path: str, **params):
    """The JSON and the XML answer, checked to carry the same data."""
    json_response, xml_response = _get(client, path, "json", **params), _get(client, path, "xml", **params)
    assert json_response.status_code == xml_response.status_code == 200
    _, json_data = parse(json_response, "json")
    root, xml_data = parse(xml_response, "xml")
    assert as_text(json_data) == xml_data
    return json_data, root


# --- Discovery and services --------------------------------------------------------------------


def test_discovery_document(client, potholes):
    data, root = _both(client, "discovery")
    assert root == "discovery"
    assert list(data) == ["changeset", "contact", "key_service", "endpoints"]
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root_response = client.get(f"{BASE}/")
    assert parse(root_response, "xml")[0] == "discovery"


def test_service_list(client, potholes, lights, building):
    data, root = _both(client, "services")
    assert root == "services"
    by_code = {row["service_code"]: row for row in data}
    assert set(by_code) == {"o-ga", "den-duong", "xay-dung-trai-phep"}
    assert all(list(row) == SERVICE_FIELDS for row in data)
    assert by_code["o-ga"] == {
        "service_code": "o-ga",
        "service_name": "Ổ gà, hư hỏng mặt đường",
        "description": "Ổ gà, sụt lún mặt đường, vỉa hè.",
        "metadata": True,
        "type": "realtime",
        "keywords": "ổ gà, sụt lún",
        "group": "Giao thông",
    }
    assert by_code["xay-dung-trai-phep"]["metadata"] is False
    assert by_code["xay-dung-trai-phep"]["description"] is None


def test_inactive_categories_are_not_services(client, potholes, lights):
    lights.is_active = False
    lights.save(update_fields=["is_active"])  # setup only
    data, _ = _both(client, "services")
    assert [row["service_code"] for row in data] == ["o-ga"]
    assert_error(_get(client, "services/den-duong", "json"), "json", 404, "feedback.category_not_found")


def test_service_definition(client, potholes):
    data, root = _both(client, "services/o-ga")
    assert root == "service_definition"
    assert list(data) == ["service_code", "attributes"]
    assert data["service_code"] == "o-ga"
    size, danger = data["attributes"]
    assert list(size) == ATTRIBUTE_FIELDS
    assert size == {
        "variable": True,
        "code": "kich-thuoc",
        "datatype": "number",
        "required": True,
        "datatype_description": "Số, đơn vị xentimét",
        "order": 1,
        "description": "Đường kính ổ gà (cm)",
        "values": [],
    }
    assert danger["datatype"] == "multivaluelist" and danger["required"] is False
    assert danger["datatype_description"] is None
    assert danger["values"] == [
        {"key": "xe-may", "name": "Xe máy"},
        {"key": "nguoi-di-bo", "name": "Người đi bộ"},
        {"key": "o-to", "name": "Ô tô"},
    ]


def test_service_definition_of_a_category_without_attributes(client, building):
    data, _ = _both(client, "services/xay-dung-trai-phep")
    assert data == {"service_code": "xay-dung-trai-phep", "attributes": []}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_404(client, potholes, fmt):
    description = assert_error(
        _get(client, "services/khong-co", fmt), fmt, 404, "feedback.category_not_found"
    )
    assert description == "Không tìm thấy danh mục phản ánh."


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_id(client, potholes, fmt, settings):
    assert _get(client, "services", fmt, jurisdiction_id="cantho.gov.vn").status_code == 200
    assert _get(client, "services", fmt, jurisdiction_id="").status_code == 200  # empty is absent
    assert_error(
        _get(client, "services", fmt, jurisdiction_id="sfgov.org"), fmt, 404, "open311.jurisdiction_not_found"
    )
    settings.OPEN311_JURISDICTION_ID = "haugiang.gov.vn"
    assert _get(client, "services", fmt, jurisdiction_id="HauGiang.gov.vn").status_code == 200


# --- One service request -------------------------------------------------------------------------


def test_one_request_has_the_spec_fields_in_order(client, report_at):
    report = report_at(days_ago=2)
    data, root = _both(client, f"requests/{report.public_id}")
    assert root == "service_requests"
    (item,) = data
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == report.public_id
    assert item["status"] == "open"
    assert item["status_notes"] == "Mới gửi"
    assert item["service_code"] == "o-ga" and item["service_name"] == "Ổ gà, hư hỏng mặt đường"
    assert item["description"] == "Ổ gà sâu trước cổng trường học, xe máy dễ té ngã."
    assert item["agency_responsible"] == "Ủy ban nhân dân phường Vị Thanh"
    assert item["service_notice"].startswith("Ủy ban nhân dân phường Vị Thanh xử lý; hạn xử lý:")
    local = timezone.localtime(report.created_at)
    assert item["requested_datetime"] == local.isoformat(timespec="seconds")
    assert item["requested_datetime"].endswith("+07:00")
    assert item["expected_datetime"] == timezone.localtime(report.due_at).isoformat(timespec="seconds")
    assert item["address"] == "Phường Vị Thanh" and item["address_id"] == "31321"
    assert item["zipcode"] is None
    assert item["lat"] == 9.7845 and item["long"] == 105.4701
    assert item["media_url"] is None


def test_statuses_map_to_open_and_closed(client, report_at):
    report = report_at()
    expected = {
        ReportStatus.NEW: "open",
        ReportStatus.ACKNOWLEDGED: "open",
        ReportStatus.ASSIGNED: "open",
        ReportStatus.IN_PROGRESS: "open",
        ReportStatus.REOPENED: "open",
        ReportStatus.RESOLVED: "closed",
        ReportStatus.CLOSED: "closed",
        ReportStatus.REJECTED: "closed",
    }
    for status, spec_status in expected.items():
        force_status(report, status)
        (item,) = _get_json(client, f"requests/{report.public_id}")
        assert item["status"] == spec_status, status
        assert (item["service_notice"] is None) == (spec_status == "closed")


def _get_json(client, path, **params):
    response = _get(client, path, "json", **params)
    assert response.status_code == 200, response.content
    return parse(response, "json")[1]


def test_status_notes_carry_the_public_response(client, report_at):
    report = force_status(
        report_at(),
        ReportStatus.RESOLVED,
        response="Đã vá ổ gà bằng bê tông nhựa ngày 20/11.",
        resolved_at=timezone.now(),
    )
    (item,) = _get_json(client, f"requests/{report.public_id}")
    assert item["status"] == "closed"
    assert item["status_notes"] == "Đã vá ổ gà bằng bê tông nhựa ngày 20/11."


def test_english_labels_and_notices_with_accept_language(client, report_at):
    report = report_at()
    response = client.get(f"{BASE}/requests/{report.public_id}.json", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    (item,) = parse(response, "json")[1]
    assert item["service_notice"].startswith("Handled by Ủy ban nhân dân phường Vị Thanh; due by ")
    vietnamese = client.get(f"{BASE}/requests/{report.public_id}.json", HTTP_ACCEPT_LANGUAGE="vi,en;q=0.5")
    assert parse(vietnamese, "json")[1][0]["service_notice"].endswith(".")
    assert "xử lý" in parse(vietnamese, "json")[1][0]["service_notice"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_is_404(client, potholes, fmt):
    assert_error(_get(client, "requests/PA-2026-ZZZZZZ", fmt), fmt, 404, "feedback.not_found")
    english = client.get(f"{BASE}/requests/nope.{fmt}", HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error(english, fmt, 404) == "Report not found."


def test_request_ids_are_read_like_people_type_them(client, report_at):
    report = report_at()
    head, _, tail = report.public_id.rpartition("-")
    mistyped = f"{head}-{tail.replace('0', 'o').replace('1', 'l')}".lower()
    (item,) = _get_json(client, f"requests/{mistyped}")
    assert item["service_request_id"] == report.public_id


# --- The list of service requests ----------------------------------------------------------------


def test_requests_default_to_the_last_90_days_newest_first(client, report_at):
    old = report_at(days_ago=120)
    middle = report_at(days_ago=30)
    recent = report_at(days_ago=1)
    data, root = _both(client, "requests")
    assert root == "service_requests"
    assert [item["service_request_id"] for item in data] == [recent.public_id, middle.public_id]
    assert all(list(item) == REQUEST_FIELDS for item in data)
    assert old.public_id not in str(data)


def test_requests_filter_by_status(client, report_at):
    open_one = report_at(days_ago=3)
    resolved = force_status(report_at(days_ago=2), ReportStatus.RESOLVED, resolved_at=timezone.now())
    rejected = force_status(report_at(days_ago=1), ReportStatus.REJECTED, rejection_kind="not_competent")

    def ids(**params):
        return [item["service_request_id"] for item in _get_json(client, "requests", **params)]

    assert ids(status="open") == [open_one.public_id]
    assert ids(status="closed") == [rejected.public_id, resolved.public_id]
    assert ids(status="open,closed") == [rejected.public_id, resolved.public_id, open_one.public_id]
    assert_error(_get(client, "requests", "xml", status="pending"), "xml", 400, "open311.invalid_parameter")


def test_requests_filter_by_service_code(client, report_at, lights, anonymous_submit):
    pothole = report_at(days_ago=1)
    light = anonymous_submit(now=timezone.now() - timedelta(days=2))

    def ids(**params):
        return [item["service_request_id"] for item in _get_json(client, "requests", **params)]

    assert ids(service_code="o-ga") == [pothole.public_id]
    assert ids(service_code="den-duong") == [light.public_id]
    assert ids(service_code="o-ga,den-duong") == [pothole.public_id, light.public_id]
    assert_error(
        _get(client, "requests", "json", service_code="o-ga,khong-co"),
        "json",
        400,
        "open311.invalid_parameter",
    )


def test_requests_filter_by_dates(client, report_at):
    a = report_at(days_ago=100)
    b = report_at(days_ago=50)
    c = report_at(days_ago=10)

    def ids(**params):
        return [item["service_request_id"] for item in _get_json(client, "requests", **params)]

    now = timezone.now()
    w3 = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    assert ids(start_date=w3(now - timedelta(days=110)), end_date=w3(now - timedelta(days=40))) == [
        b.public_id,
        a.public_id,
    ]
    # Only a start: 90 days from it. Only an end: 90 days up to it.
    assert ids(start_date=w3(now - timedelta(days=60))) == [c.public_id, b.public_id]
    assert ids(end_date=w3(now - timedelta(days=20))) == [b.public_id, a.public_id]
    # An offset instead of Z, and one sent unencoded (its "+" arrives as a space).
    local = timezone.localtime(now - timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%S")
    assert ids(start_date=local + "+07:00") == [c.public_id]
    response = client.get(f"{BASE}/requests.json?start_date={local}+07:00")
    assert [item["service_request_id"] for item in parse(response, "json")[1]] == [c.public_id]
    # A date alone is the whole day; exactly 90 days is allowed.
    day = timezone.localdate(c.created_at)
    assert ids(start_date=day.isoformat(), end_date=day.isoformat()) == [c.public_id]
    assert ids(start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:00Z") == []
    assert ids(start_date="2026-01-01", end_date="2026-03-31") == []


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "hôm qua"},
        {"start_date": "2026-13-01T00:00:00Z"},
        {"end_date": "2026-02-30"},
        {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:01Z"},
        {"page_size": "0"},
        {"page_size": "1001"},
        {"page": "x"},
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_list_parameters_are_400(client, potholes, params, fmt):
    assert_error(_get(client, "requests", fmt, **params), fmt, 400, "open311.invalid_parameter")


def test_service_request_id_overrides_every_other_argument(client, report_at):
    old = report_at(days_ago=200)
    recent = force_status(report_at(days_ago=1), ReportStatus.CLOSED)
    ids = f"{old.public_id}, {recent.public_id},PA-2026-ZZZZZZ"
    data = _get_json(client, "requests", service_request_id=ids, status="open", service_code="khong-co")
    assert [item["service_request_id"] for item in data] == [recent.public_id, old.public_id]


def test_requests_pages(client, report_at):
    reports = [report_at(days_ago=days) for days in (5, 4, 3, 2, 1)]
    newest_first = [r.public_id for r in reversed(reports)]
    page = lambda n: [i["service_request_id"] for i in _get_json(client, "requests", page_size=2, page=n)]  # noqa: E731
    assert page(1) == newest_first[:2]
    assert page(2) == newest_first[2:4]
    assert page(3) == newest_first[4:]
    assert page(4) == []


def test_at_most_1000_requests_are_returned(client, report_at, monkeypatch):
    from tinhso.feedback.open311 import views

    monkeypatch.setattr(views, "MAX_REQUESTS", 2)
    for days in (3, 2, 1):
        report_at(days_ago=days)
    assert len(_get_json(client, "requests")) == 2


def test_an_empty_list_is_an_empty_collection(client, potholes):
    assert _get_json(client, "requests") == []
    response = _get(client, "requests", "xml")
    root, data = parse(response, "xml")
    assert root == "service_requests" and data == []


def test_listing_reports_does_not_grow_queries_with_their_number(client, report_at):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report_at(days_ago=1)
    with CaptureQueriesContext(connection) as one:
        assert len(_get_json(client, "requests")) == 1
    for days in range(2, 7):
        report_at(days_ago=days)
    with CaptureQueriesContext(connection) as six:
        assert len(_get_json(client, "requests")) == 6

    def data_queries(context):  # the rate limiter's cache rows vary with the window's first hit
        return [
            q["sql"]
            for q in context.captured_queries
            if "tinhso_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]
        ]

    assert len(data_queries(six)) == len(data_queries(one)) <= 3


# --- Tokens --------------------------------------------------------------------------------------


def test_token_gives_the_request_id(client, report_at):
    report = report_at()
    data, root = _both(client, f"tokens/{report.token}")
    assert root == "service_requests"
    assert data == [{"service_request_id": report.public_id, "token": str(report.token)}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_token_is_404(client, potholes, fmt):
    assert_error(
        _get(client, "tokens/3f8e2f7e-8d5c-4b7a-9a51-0a8f5f1d7e11", fmt), fmt, 404, "feedback.not_found"
    )
    assert_error(_get(client, "tokens/123456", fmt), fmt, 404, "feedback.not_found")


# --- Errors of the endpoint itself -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_resources_and_formats_are_404_in_the_spec_format(client, fmt):
    assert_error(client.get(f"{BASE}/nothing.{fmt}"), fmt, 404, "open311.not_found")
    assert_error(client.post(f"{BASE}/services/x/y.{fmt}"), fmt, 404, "open311.not_found")
    assert_error(client.get(f"{BASE}/services.csv"), "xml", 404, "open311.not_found")


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_method_is_405_in_the_spec_format(client, potholes, fmt):
    response = client.delete(f"{BASE}/services.{fmt}")
    assert_error(response, fmt, 405, "open311.method_not_allowed")
    assert response["Allow"] == "GET, HEAD"
    assert client.put(f"{BASE}/requests.{fmt}")["Allow"] == "GET, HEAD, POST"


def test_head_is_answered_like_get(client, potholes):
    assert client.head(f"{BASE}/services.xml").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unexpected_failure_is_500_in_the_spec_format(client, potholes, fmt, monkeypatch, caplog):
    from tinhso.feedback import selectors

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setattr(selectors, "active_categories", broken)
    description = assert_error(_get(client, "services", fmt), fmt, 500, "open311.internal_error")
    assert "database" not in description
    assert "open311.unexpected_error" in caplog.text


def test_text_that_xml_cannot_carry_is_dropped(client, report_at):
    report = report_at(description="Ổ gà\x0b sâu\x01 trước cổng trường học.")
    root, data = parse(_get(client, f"requests/{report.public_id}", "xml"), "xml")
    assert data[0]["description"] == "Ổ gà sâu trước cổng trường học."
    assert (
        _get_json(client, f"requests/{report.public_id}")[0]["description"]
        == "Ổ gà sâu trước cổng trường học."
    )
