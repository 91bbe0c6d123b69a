"""The admin site edits categories and routing rules through the services and shows reports
read-only, without personal data."""

import json

import pytest
from django.conf import settings

from tinhso.core.audit.models import AuditRecord
from tinhso.feedback.models import Category, RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def _url(model: str, suffix: str = "") -> str:
    return f"/{settings.ADMIN_URL}feedback/{model}/{suffix}"


def _category_form(**values):
    base = {
        "code": "rac-thai",
        "name": "Rác thải",
        "description": "",
        "group": "",
        "keywords": "[]",
        "agency": "",
        "deadline_days": "3",
        "attributes": "[]",
        "allow_anonymous": "on",
        "contact_required": "on",
        "photo_required": "on",
        "is_active": "on",
        "sort_order": "100",
    }
    return {**base, **values}


def test_category_admin_goes_through_the_service(admin_client, construction):
    response = admin_client.post(_url("category", "add/"), _category_form(agency=construction.pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    category = Category.objects.get(code="rac-thai")
    assert AuditRecord.objects.filter(action="feedback.category_created").exists()
    bad_attributes = json.dumps([{"code": "x", "datatype": "color", "description": "?"}])
    response = admin_client.post(
        _url("category", f"{category.pk}/change/"),
        _category_form(agency=construction.pk, attributes=bad_attributes),
    )
    assert response.status_code == 200 and "kiểu dữ liệu" in response.content.decode()
    assert Category.objects.get(pk=category.pk).attributes == []
    assert admin_client.get(_url("category")).status_code == 200


def test_routing_rule_admin(admin_client, lights, units, ward_vt):
    response = admin_client.post(
        _url("routingrule", "add/"),
        {
            "category": lights.pk,
            "unit": units["long_my"].pk,
            "agency": ward_vt.pk,
            "include_descendants": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = RoutingRule.objects.get(unit=units["long_my"])
    assert AuditRecord.objects.filter(action="feedback.routing_rule_set").count() >= 1
    response = admin_client.post(_url("routingrule", f"{rule.pk}/delete/"), {"post": "yes"})
    assert response.status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert AuditRecord.objects.filter(action="feedback.routing_rule_removed").exists()


def test_report_admin_is_read_only_without_personal_data(admin_client, submit):
    report = submit(address="Nhà riêng số 99")
    listing = admin_client.get(_url("report"))
    assert listing.status_code == 200 and report.public_id in listing.content.decode()
    detail = admin_client.get(_url("report", f"{report.pk}/change/"))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "Nhà riêng số 99" not in page and "chợ Vị Thanh không sáng" not in page
    assert admin_client.get(_url("report", "add/")).status_code == 403
