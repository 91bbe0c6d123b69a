import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.core import context
from tinhso.core.accounts import services as accounts
from tinhso.core.audit import services as audit
from tinhso.core.audit.models import AuditRecord
from tinhso.core.permissions import SYSTEM

from .conftest import run_sql

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/audit/records"
VERIFY = "/api/v1/audit/verify"


@pytest.fixture
def admin_client(client, platform_admin):
    client.force_login(platform_admin)
    return client


def test_anonymous_callers_must_authenticate(client):
    response = client.get(RECORDS)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


@pytest.mark.parametrize("url", [RECORDS, VERIFY])
def test_an_officer_without_platform_admin_gets_403_and_the_attempt_is_recorded(
    client, make_officer, agency, url
):
    officer = make_officer(username="mot.cua", roles=[(agency, "one_stop_officer"), (agency, "leader")])
    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "permission.denied"
    denial = AuditRecord.objects.get(outcome="denied")
    assert denial.actor_label == "mot.cua"
    assert denial.action == ("audit.view" if url == RECORDS else "audit.verify")
    assert denial.channel == "api" and denial.request_id == response["X-Request-ID"]


def test_a_platform_admin_sees_records_newest_first(admin_client, platform_admin):
    response = admin_client.get(RECORDS, HTTP_X_REQUEST_ID="req-test-000001")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == AuditRecord.objects.count() >= 2
    seqs = [item["seq"] for item in body["items"]]
    assert seqs == sorted(seqs, reverse=True)
    created = next(item for item in body["items"] if item["action"] == "accounts.officer_created")
    assert created["object_id"] == str(platform_admin.public_id)
    assert created["changes"] == {"username": "admin.platform"}
    assert set(created) >= {"at", "actor_kind", "prev_hash", "hash", "request_id", "ip", "outcome"}


def test_filters(admin_client, platform_admin, make_officer):
    other = make_officer(username="nguoi.khac")
    with context.bound(context.RequestContext(request_id="req-filter-0001", channel="web")):
        accounts.create_officer(actor=platform_admin, username="do.admin.tao", full_name="Mới", email="")

    def actions(**params):
        response = admin_client.get(RECORDS, params)
        assert response.status_code == 200, response.content
        return [item["action"] for item in response.json()["items"]]

    assert actions(action="accounts.officer_created").count("accounts.officer_created") == 3
    assert set(actions(action="accounts.")) == {"accounts.officer_created", "accounts.role_assigned"}
    assert actions(actor="admin.platform") == ["accounts.officer_created"]
    assert actions(actor=str(platform_admin.public_id)) == ["accounts.officer_created"]
    assert actions(object_type="accounts.user", object_id=str(other.public_id)) == [
        "accounts.officer_created"
    ]
    assert actions(outcome="denied") == []
    newest = AuditRecord.objects.order_by("-seq").first()
    assert actions(**{"from": newest.at.isoformat()}) == ["accounts.officer_created"]
    assert "accounts.officer_created" not in actions(**{"to": "2000-01-01T00:00:00"})
    assert len(actions(**{"from": "2000-01-01", "to": "2999-01-01"})) == AuditRecord.objects.count()


@pytest.mark.parametrize("params", [{"from": "not-a-date"}, {"outcome": "maybe"}, {"limit": "many"}])
def test_bad_filters_are_a_422(admin_client, params):
    response = admin_client.get(RECORDS, params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_pagination_and_constant_query_count(admin_client):
    for n in range(3):
        audit.record(actor=SYSTEM, action="test.step", changes={"n": n})
    admin_client.get(RECORDS)  # the first request of a session does one-off work (session, sign-in)
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get(RECORDS, {"limit": 2, "offset": 1}).json()
    assert len(page["items"]) == 2 and page["count"] == AuditRecord.objects.count()
    for n in range(30):
        audit.record(actor=SYSTEM, action="test.step", changes={"n": n})
    with CaptureQueriesContext(connection) as many:
        assert len(admin_client.get(RECORDS, {"limit": 30}).json()["items"]) == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_verify_reports_the_chain(admin_client):
    body = admin_client.get(VERIFY).json()
    head = audit.current_head()
    assert body == {
        "ok": True,
        "checked": head.seq,
        "first_broken_seq": None,
        "reason": "",
        "head_seq": head.seq,
        "head_hash": head.hash,
    }
    assert admin_client.get(VERIFY, {"expect_head": str(head)}).json()["ok"] is True
    run_sql("UPDATE {table} SET summary = 'x' WHERE seq = 2")
    body = admin_client.get(VERIFY).json()
    assert (body["ok"], body["first_broken_seq"], body["checked"]) == (False, 2, 1)


def test_verify_refuses_a_malformed_head(admin_client):
    response = admin_client.get(VERIFY, {"expect_head": "12:nothex"})
    assert response.status_code == 422
    assert response.json()["code"] == "audit.invalid_head"
