"""The payments API: creation with Idempotency-Key, who sees what, starting, receipts, machine clients."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.core.apiclients import services as apiclients
from tinhso.core.permissions import SYSTEM
from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.tests.conftest import deliver

pytestmark = pytest.mark.django_db

BASE = "/api/v1/payments/"
BODY = {
    "payable_type": "dossier",
    "payable_id": "000.00.01.H23-260105-0007",
    "amount": 150000,
    "description": "Lệ phí chứng thực",
    "return_url": "/ho-so/",
    "agency_code": "000.00.01.H23",
}


def _create(client, body=None, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(BASE, body or BODY, content_type="application/json", **headers)


def test_create_honours_the_idempotency_key(client, citizen, agency):
    client.force_login(citizen)
    first = _create(client, key="dvc-7-le-phi")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["status"] == "created" and data["agency_code"] == agency.code and data["amount"] == 150000
    assert data["page_url"] == f"/thanh-toan/{data['public_id']}/"
    again = _create(client, key="dvc-7-le-phi")
    assert again.status_code == 200 and again.json()["public_id"] == data["public_id"]
    changed = _create(client, {**BODY, "amount": 200000}, key="dvc-7-le-phi")
    assert changed.status_code == 409 and changed.json()["code"] == "payments.idempotency_key_reused"
    assert _create(client).status_code == 201  # without a key every call creates
    assert Payment.objects.count() == 2


def test_create_refuses_bad_input(client, citizen, agency):
    client.force_login(citizen)
    for body, code in (
        ({**BODY, "amount": 0}, "payments.invalid_amount"),
        ({**BODY, "amount": "nhiều"}, "validation_failed"),
        ({**BODY, "agency_code": "000.00.99.X"}, "agencies.not_found"),
        ({**BODY, "return_url": "https://evil.example.com/"}, "payments.invalid_return_url"),
    ):
        response = _create(client, body)
        assert response.status_code in (404, 422), response.content
        assert response.json()["code"] == code
    assert not Payment.objects.exists()
    assert _create(client, key="x" * 300).json()["code"] == "payments.invalid_idempotency_key"


def test_anonymous_callers_are_refused(client):
    assert _create(client).status_code == 401
    assert client.get(BASE).status_code == 401


def test_start_then_pay_then_receipt(client, citizen, agency):
    client.force_login(citizen)
    public_id = _create(client).json()["public_id"]
    assert client.get(f"{BASE}{public_id}/receipt").json()["code"] == "payments.receipt_not_found"
    started = client.post(f"{BASE}{public_id}/start")
    assert started.status_code == 200 and started.json()["status"] == "pending"
    assert "/thanh-toan/sandbox/SBX" in started.json()["redirect_url"]
    payment = Payment.objects.get(public_id=public_id)
    deliver(payment)
    detail = client.get(f"{BASE}{public_id}").json()
    assert detail["status"] == "succeeded" and detail["receipt_number"].startswith("BL-")
    receipt = client.get(f"{BASE}{public_id}/receipt")
    assert receipt.status_code == 200
    assert receipt.json()["number"] == detail["receipt_number"] and receipt.json()["is_test"] is True
    pdf = client.get(f"{BASE}{public_id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.post(f"{BASE}{public_id}/start").json()["code"] == "payments.not_payable"


def test_cancel_refresh_and_retry(client, citizen, agency):
    client.force_login(citizen)
    public_id = _create(client).json()["public_id"]
    client.post(f"{BASE}{public_id}/start")
    assert client.post(f"{BASE}{public_id}/refresh").json()["status"] == "pending"
    cancelled = client.post(
        f"{BASE}{public_id}/cancel", {"reason": "Nộp nhầm"}, content_type="application/json"
    )
    assert cancelled.json()["status"] == "cancelled"
    retry = client.post(f"{BASE}{public_id}/retry")
    assert retry.status_code == 201 and retry.json()["retry_of"] == public_id


def test_who_sees_which_payment(
    client, citizen, other_citizen, officer, other_officer, make_payment, other_agency, make_officer, agency,
    platform_admin,
):  # fmt: skip
    mine = make_payment()
    theirs = make_payment(actor=other_citizen, agency=other_agency)
    no_agency = make_payment(agency=None)
    ioc = make_officer(roles=[(agency, "ioc_viewer")])

    def visible(who):
        client.force_login(who)
        return {row["public_id"] for row in client.get(BASE).json()["items"]}

    assert visible(citizen) == {str(mine.public_id), str(no_agency.public_id)}
    assert visible(other_citizen) == {str(theirs.public_id)}
    assert visible(officer) == {str(mine.public_id)}
    assert visible(other_officer) == {str(theirs.public_id)}
    assert visible(ioc) == {str(mine.public_id)}
    assert visible(platform_admin) == {str(p.public_id) for p in (mine, theirs, no_agency)}

    client.force_login(other_officer)
    for payment in (mine, no_agency):
        response = client.get(f"{BASE}{payment.public_id}")
        assert response.status_code == 404 and response.json()["code"] == "payments.not_found"
        assert client.post(f"{BASE}{payment.public_id}/start").status_code == 404
    client.force_login(other_citizen)
    assert client.get(f"{BASE}{mine.public_id}").status_code == 404
    client.force_login(officer)
    assert client.get(f"{BASE}{mine.public_id}").status_code == 200
    # An IOC viewer sees but does not act.
    client.force_login(ioc)
    denied = client.post(f"{BASE}{mine.public_id}/cancel", {}, content_type="application/json")
    assert denied.status_code == 403 and denied.json()["code"] == "permission.denied"
    assert Payment.objects.get(pk=mine.pk).status == PaymentStatus.CREATED

    # The list costs the same number of queries whatever its length (no query per row).
    client.force_login(officer)
    client.get(BASE)
    with CaptureQueriesContext(connection) as one_row:
        assert len(client.get(BASE).json()["items"]) == 1
    for n in range(5):
        make_payment(payable_id=f"HS-{n}")
    with CaptureQueriesContext(connection) as six_rows:
        assert len(client.get(BASE).json()["items"]) == 6
    assert len(six_rows) == len(one_row) <= 8


def test_filters(client, citizen, make_payment):
    make_payment(payable_id="A")
    paid = make_payment(payable_id="B")
    services.start_payment(actor=citizen, payment=paid)
    paid.refresh_from_db()
    deliver(paid)
    client.force_login(citizen)
    rows = client.get(BASE, {"status": "succeeded"}).json()["items"]
    assert [row["payable_id"] for row in rows] == ["B"]
    assert client.get(BASE, {"payable_id": "A"}).json()["count"] == 1
    assert client.get(BASE, {"status": "nope"}).status_code == 422


def test_machine_clients_use_scopes_and_their_agency(client, agency, other_agency, make_payment):
    bound, secret = apiclients.create_api_client(
        actor=SYSTEM, name="Một cửa tỉnh", scopes=["payments:read", "payments:write"], agency=agency
    )
    _, token = apiclients.issue_client_token(client_id=bound.client_id, client_secret=secret)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    ours = make_payment()
    other = make_payment(agency=other_agency)
    listed = client.get(BASE, **auth).json()
    assert [row["public_id"] for row in listed["items"]] == [str(ours.public_id)]
    assert client.get(f"{BASE}{other.public_id}", **auth).status_code == 404
    created = client.post(BASE, BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY="m-1", **auth)
    assert created.status_code == 201
    payment = Payment.objects.get(public_id=created.json()["public_id"])
    assert payment.created_by is None and payment.creator_key == f"client:{bound.client_id}"

    reader, reader_secret = apiclients.create_api_client(
        actor=SYSTEM, name="Chỉ đọc", scopes=["payments:read"]
    )
    _, reader_token = apiclients.issue_client_token(client_id=reader.client_id, client_secret=reader_secret)
    refused = client.post(
        BASE, BODY, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {reader_token}"
    )
    assert refused.status_code == 403


def test_reconciliation_endpoints(client, platform_admin, citizen):
    client.force_login(citizen)
    assert (
        client.post(
            f"{BASE}reconciliations", {"day": "2026-01-05"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get(f"{BASE}reconciliations").status_code == 403
    client.force_login(platform_admin)
    created = client.post(f"{BASE}reconciliations", {"day": "2026-01-05"}, content_type="application/json")
    assert created.status_code == 201, created.content
    run_id = created.json()["id"]
    assert created.json()["provider"] == "sandbox" and created.json()["day"] == "2026-01-05"
    assert client.get(f"{BASE}reconciliations").json()["count"] == 1
    assert client.get(f"{BASE}reconciliations/{run_id}").json()["id"] == run_id
    assert client.get(f"{BASE}reconciliations/999999").json()["code"] == "payments.run_not_found"
