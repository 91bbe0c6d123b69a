"""Fixtures and helpers shared by the Open311 tests (no tests here): a category Open311 clients can
report in without a photo, API keys, and readers that turn both answer formats into the same
Python structure so that each test checks JSON and XML alike."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from lxml import etree

from tinhso.core.permissions import ANONYMOUS, SYSTEM
from tinhso.feedback import services
from tinhso.feedback.open311 import services as open311_services
from tinhso.feedback.open311 import throttling

BASE = "/open311/v2"
FORMATS = ("json", "xml")
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture(autouse=True, name="open311_clean_state")
def open311_clean_state_fixture(monkeypatch):
    # One fixed instant for the rate limiter: a test never straddles two one-minute windows.
    monkeypatch.setattr(throttling, "clock", lambda: 1_800_000_030.0)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(name="potholes")
def potholes_fixture(construction, ward_vt, units):
    """Anonymous reports without a contact or photo; a required number and a multi-value list."""
    category = services.create_category(
        actor=SYSTEM,
        code="o-ga",
        name="Ổ gà, hư hỏng mặt đường",
        description="Ổ gà, sụt lún mặt đường, vỉa hè.",
        group="Giao thông",
        keywords=["ổ gà", "sụt lún"],
        agency=construction,
        deadline_days=7,
        allow_anonymous=True,
        contact_required=False,
        photo_required=False,
        attributes=[
            {
                "code": "kich-thuoc",
                "datatype": "number",
                "required": True,
                "description": "Đường kính ổ gà (cm)",
                "datatype_description": "Số, đơn vị xentimét",
                "order": 1,
            },
            {
                "code": "nguy-hiem",
                "datatype": "multivaluelist",
                "required": False,
                "description": "Nguy hiểm cho",
                "order": 2,
                "values": [
                    {"key": "xe-may", "name": "Xe máy"},
                    {"key": "nguoi-di-bo", "name": "Người đi bộ"},
                    {"key": "o-to", "name": "Ô tô"},
                ],
            },
        ],
    )
    services.set_routing_rule(actor=SYSTEM, category=category, unit=units["vi_thanh"], agency=ward_vt)
    return category


@pytest.fixture(name="report_at")
def report_at_fixture(potholes):
    """A pothole report (anonymous, in Vị Thanh) submitted ``days_ago`` days ago."""

    def _make(days_ago: float = 1, **overrides):
        fields = {
            "actor": ANONYMOUS,
            "category": potholes,
            "description": "Ổ gà sâu trước cổng trường học, xe máy dễ té ngã.",
            "latitude": 9.7845,
            "longitude": 105.4701,
            "unit": "31321",
            "attributes": {"kich-thuoc": 30},
            "now": timezone.now() - timedelta(days=days_ago),
        }
        fields.update(overrides)
        return services.submit_report(**fields).report

    return _make


@pytest.fixture(name="issued_key")
def issued_key_fixture(db):
    def _issue(name: str = "Ứng dụng Cần Thơ Số", rate: int = 100) -> tuple[Any, str]:
        return open311_services.issue_api_key(actor=SYSTEM, name=name, rate_limit_per_minute=rate)

    return _issue


@pytest.fixture(name="api_key")
def api_key_fixture(issued_key) -> str:
    return issued_key()[1]


def xml_data(element: etree._Element) -> Any:
    """An XML answer read back into lists, dicts and strings by the spec's convention."""
    if element.tag in LIST_ITEMS:
        child = LIST_ITEMS[element.tag]
        assert all(item.tag == child for item in element), f"<{element.tag}> holds only <{child}>"
        return [xml_data(item) for item in element]
    if len(element):
        keys = [item.tag for item in element]
        assert len(keys) == len(set(keys)), f"repeated element in <{element.tag}>"
        return {item.tag: xml_data(item) for item in element}
    return element.text


def parse(response, fmt: str) -> tuple[str | None, Any]:
    """(XML root element name or None, the data) of an answer, after checking its content type."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return None, json.loads(response.content.decode("utf-8"))
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = etree.fromstring(response.content)
    assert root.nsmap == {}, "no namespace in GeoReport v2 XML"
    return root.tag, xml_data(root)


def as_text(value: Any) -> Any:
    """JSON values as XML carries them: strings, booleans as true/false, null as empty."""
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_error(response, fmt: str, status: int, code: str | None = None) -> str:
    """The spec's error answer; returns its description."""
    assert response.status_code == status, response.content.decode()
    root, data = parse(response, fmt)
    if fmt == "xml":
        assert root == "errors"
    assert isinstance(data, list) and len(data) == 1
    assert set(data[0]) == {"code", "description"}
    assert str(data[0]["code"]) == str(status)
    if fmt == "json":
        assert data[0]["code"] == status
    if code is not None:
        assert response["X-Tinhso-Error-Code"] == code
    assert data[0]["description"]
    return data[0]["description"]
