"""Fixtures of the payments tests: payers, officers of two agencies, payments, signed notifications."""

from __future__ import annotations

import secrets

import pytest
from django.utils import timezone

from tinhso.payments import services
from tinhso.payments.models import Payment
from tinhso.payments.providers import sandbox


@pytest.fixture(autouse=True)
def _sandbox_settings(settings):
    # Notifications go to the handler in-process: there is no web server to post to in tests
    # (test_sandbox covers the HTTP transport against a live server).
    settings.PAYMENT_SANDBOX_CALLBACK_TRANSPORT = "direct"
    settings.PAYMENT_SANDBOX_ENABLED = True
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def citizen(make_citizen):
    return make_citizen(full_name="Trần Thị Dân")


@pytest.fixture
def other_citizen(make_citizen):
    return make_citizen(full_name="Lê Văn Khác")


@pytest.fixture
def officer(make_officer, agency):
    return make_officer(username="motcua.a", roles=[(agency, "one_stop_officer")])


@pytest.fixture
def other_officer(make_officer, other_agency):
    return make_officer(username="motcua.b", roles=[(other_agency, "one_stop_officer")])


@pytest.fixture
def make_payment(citizen, agency):
    def make(actor=None, **fields) -> Payment:
        data = {
            "payable_type": "dossier",
            "payable_id": "000.00.01.H23-260105-0001",
            "amount": 150_000,
            "description": "Lệ phí cấp bản sao trích lục hộ tịch",
            "return_url": "/ho-so/",
            "agency": agency,
        }
        data.update(fields)
        return services.create_payment(actor=actor or citizen, **data)

    return make


@pytest.fixture
def started_payment(make_payment, citizen):
    """A pending payment registered with the sandbox gateway."""

    def make(**fields) -> Payment:
        payment = make_payment(**fields)
        services.start_payment(actor=citizen, payment=payment)
        payment.refresh_from_db()
        return payment

    return make


def notification(
    payment: Payment,
    *,
    status: str = "succeeded",
    amount: int | None = None,
    nonce: str | None = None,
    timestamp: int | None = None,
    secret_sign=None,
) -> tuple[bytes, dict[str, str]]:
    """A notification about ``payment`` as the sandbox gateway would sign it."""
    payload = {
        "provider_ref": payment.provider_ref,
        "merchant_ref": str(payment.public_id),
        "status": status,
        "amount": payment.amount if amount is None else amount,
        "currency": "VND",
        "bank_txn_no": "SBT2026010100000001" if status == "succeeded" else "",
        "paid_at": timezone.now().isoformat() if status == "succeeded" else None,
        "nonce": nonce or secrets.token_hex(16),
        "timestamp": int(timezone.now().timestamp()) if timestamp is None else timestamp,
    }
    body = sandbox.canonical_body(payload)
    signature = (secret_sign or sandbox.sign)(body)
    return body, {"Content-Type": "application/json", sandbox.SIGNATURE_HEADER: signature}


@pytest.fixture
def post_notification(client):
    """POST a notification to the callback endpoint like the gateway does."""

    def post(body: bytes, headers: dict[str, str], provider: str = "sandbox"):
        extra = {
            "HTTP_" + key.upper().replace("-", "_"): value
            for key, value in headers.items()
            if key != "Content-Type"
        }
        return client.post(
            f"/api/v1/payments/callback/{provider}", data=body, content_type="application/json", **extra
        )

    return post


def deliver(payment: Payment, **options):
    """Hand a signed notification about ``payment`` to the service, as the endpoint does."""
    body, headers = notification(payment, **options)
    return services.handle_callback(provider_name="sandbox", body=body, headers=headers)
