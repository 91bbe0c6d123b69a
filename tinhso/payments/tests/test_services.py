"""Creating, starting, cancelling and retrying payments; receipts; what other modules read."""

import threading

import pytest
from django.conf import settings
from django.db import connections, transaction

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import Conflict, PermissionDenied, ValidationFailed
from tinhso.core.permissions import ANONYMOUS, SYSTEM
from tinhso.payments import selectors, services
from tinhso.payments.errors import ProviderUnavailable, UnknownProvider
from tinhso.payments.models import Payment, PaymentStatus, ReceiptSequence, SandboxTransaction
from tinhso.payments.services.outcomes import next_receipt_number
from tinhso.payments.tests.conftest import deliver

pytestmark = pytest.mark.django_db


def test_create_records_what_was_asked(make_payment, citizen, agency):
    payment = make_payment()
    assert payment.status == PaymentStatus.CREATED and payment.idempotent_replay is False
    assert payment.created_by == citizen and payment.agency == agency
    assert payment.payer_name == "Trần Thị Dân" and payment.currency == "VND"
    assert payment.provider == "sandbox" and payment.provider_ref == ""
    record = AuditRecord.objects.get(action="payments.payment_created")
    assert record.object_id == str(payment.public_id) and record.changes["amount"] == 150_000


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"amount": 0}, "payments.invalid_amount"),
        ({"amount": -5}, "payments.invalid_amount"),
        ({"amount": True}, "payments.invalid_amount"),
        ({"amount": 150000.0}, "payments.invalid_amount"),
        ({"amount": 10**12}, "payments.invalid_amount"),
        ({"payable_type": "Dossier"}, "payments.invalid_payable_type"),
        ({"payable_type": ""}, "payments.invalid_payable_type"),
        ({"payable_id": "  "}, "payments.required"),
        ({"description": ""}, "payments.required"),
        ({"description": "x" * 256}, "payments.too_long"),
        ({"description": "Lệ phí của 093085000001"}, "payments.personal_number"),
        ({"payer_name": "Dân 0912345678"}, "payments.personal_number"),
        ({"return_url": "https://evil.example.com/"}, "payments.invalid_return_url"),
        ({"return_url": "//evil.example.com/"}, "payments.invalid_return_url"),
        ({"return_url": "javascript:alert(1)"}, "payments.invalid_return_url"),
        ({"idempotency_key": "khóa"}, "payments.invalid_idempotency_key"),
        ({"idempotency_key": "k" * 256}, "payments.invalid_idempotency_key"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(make_payment, fields, code):
    with pytest.raises(ValidationFailed) as caught:
        make_payment(**fields)
    assert caught.value.code == code
    assert caught.value.message_vi and caught.value.message_en
    assert not Payment.objects.exists()


def test_only_signed_in_people_and_scoped_clients_create(make_payment):
    with pytest.raises(PermissionDenied):
        make_payment(actor=ANONYMOUS)
    assert make_payment(actor=SYSTEM).created_by is None


def test_the_same_idempotency_key_returns_the_same_payment(make_payment, other_citizen):
    first = make_payment(idempotency_key="ho-so-0001-le-phi")
    again = make_payment(idempotency_key="ho-so-0001-le-phi")
    assert again.pk == first.pk and again.idempotent_replay is True
    assert Payment.objects.count() == 1
    assert AuditRecord.objects.filter(action="payments.payment_created").count() == 1
    # Keys belong to their creator: another person's identical key is another payment.
    theirs = make_payment(actor=other_citizen, idempotency_key="ho-so-0001-le-phi")
    assert theirs.pk != first.pk
    # No key: every call creates.
    assert make_payment().pk != make_payment().pk


def test_the_same_key_with_different_data_is_a_conflict(make_payment):
    first = make_payment(idempotency_key="k-1")
    with pytest.raises(Conflict) as caught:
        make_payment(idempotency_key="k-1", amount=200_000)
    assert caught.value.status == 409 and caught.value.code == "payments.idempotency_key_reused"
    assert caught.value.details == {"payment_id": str(first.public_id)}
    assert Payment.objects.count() == 1


def test_start_registers_with_the_provider_once(make_payment, citizen):
    payment = make_payment()
    url = services.start_payment(actor=citizen, payment=payment)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and payment.provider_ref.startswith("SBX")
    assert url.endswith(f"/thanh-toan/sandbox/{payment.provider_ref}/") and url.startswith("http")
    assert payment.expires_at is not None
    tx = SandboxTransaction.objects.get()
    assert tx.merchant_ref == str(payment.public_id) and tx.amount == 150_000
    assert tx.callback_url.endswith("/api/v1/payments/callback/sandbox")
    assert tx.return_url.endswith(f"/thanh-toan/{payment.public_id}/")
    assert services.start_payment(actor=citizen, payment=payment) == url
    assert SandboxTransaction.objects.count() == 1


def test_only_the_payer_or_the_agency_starts(make_payment, other_citizen, officer, other_officer):
    payment = make_payment()
    for stranger in (other_citizen, other_officer):
        with pytest.raises(PermissionDenied):
            services.start_payment(actor=stranger, payment=payment)
    assert services.start_payment(actor=officer, payment=payment)


def test_a_paid_payment_cannot_be_started_cancelled_or_retried(started_payment, citizen):
    payment = started_payment()
    deliver(payment)
    payment.refresh_from_db()
    for call, code in (
        (services.start_payment, "payments.not_payable"),
        (services.cancel_payment, "payments.not_cancellable"),
        (services.retry_payment, "payments.not_retryable"),
    ):
        with pytest.raises(Conflict) as caught:
            call(actor=citizen, payment=payment)
        assert caught.value.code == code


def test_cancel_then_retry(started_payment, citizen):
    payment = started_payment(idempotency_key="k")
    services.cancel_payment(actor=citizen, payment=payment, reason="Nộp nhầm")
    assert payment.status == PaymentStatus.CANCELLED and payment.status_reason == "Nộp nhầm"
    retry = services.retry_payment(actor=citizen, payment=payment)
    assert retry.status == PaymentStatus.CREATED and retry.retry_of == payment
    assert (retry.amount, retry.payable_id, retry.created_by) == (payment.amount, payment.payable_id, citizen)
    assert services.retry_payment(actor=citizen, payment=payment) == retry  # a second click
    assert selectors.open_payment_for("dossier", payment.payable_id) == retry


def test_sandbox_disabled_means_no_payments(make_payment, settings):
    settings.PAYMENT_SANDBOX_ENABLED = False
    with pytest.raises(ProviderUnavailable) as caught:
        make_payment()
    assert caught.value.status == 503
    assert not Payment.objects.exists()


def test_unknown_provider(make_payment, settings):
    settings.PAYMENT_PROVIDER = "paygov"
    with pytest.raises(UnknownProvider):
        make_payment()


def test_receipt_numbers_are_gapless_within_a_year_and_restart_each_year():
    with transaction.atomic():
        assert next_receipt_number(2026) == (1, "BL-2026-000001")
        assert next_receipt_number(2026) == (2, "BL-2026-000002")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        assert next_receipt_number(2026)[1] == "BL-2026-000003"
        raise Boom  # the payment's transaction failed: its number is given back

    with transaction.atomic():
        assert next_receipt_number(2026)[1] == "BL-2026-000003"
        assert next_receipt_number(2027)[1] == "BL-2027-000001"
    assert dict(ReceiptSequence.objects.values_list("year", "last_number")) == {2026: 3, 2027: 1}


def test_receipts_of_successive_payments_follow_each_other(started_payment):
    numbers = []
    for n in range(3):
        payment = started_payment(payable_id=f"HS-{n}")
        outcome = deliver(payment)
        numbers.append(outcome.receipt_number)
    sequences = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert sequences == [sequences[0], sequences[0] + 1, sequences[0] + 2]


def test_is_paid_counts_money_received(started_payment):
    assert not selectors.is_paid("dossier", "HS-9")
    first = started_payment(payable_id="HS-9", amount=100_000)
    second = started_payment(payable_id="HS-9", amount=50_000)
    deliver(first)
    assert selectors.is_paid("dossier", "HS-9")
    assert selectors.is_paid("dossier", "HS-9", amount=100_000)
    assert not selectors.is_paid("dossier", "HS-9", amount=150_000)
    deliver(second)
    assert selectors.is_paid("dossier", "HS-9", amount=150_000)
    assert selectors.amount_paid("dossier", "HS-9") == 150_000
    assert not selectors.is_paid("dossier", "HS-10") and not selectors.is_paid("feedback", "HS-9")
    assert [p.pk for p in selectors.payments_for("dossier", "HS-9")] == [first.pk, second.pk]
    assert selectors.receipt_for(first).amount == 100_000
    with pytest.raises(ValueError):
        selectors.is_paid("dossier", "HS-9", amount=-1)


def test_refresh_asks_the_provider(started_payment, citizen):
    from tinhso.payments.providers import sandbox

    payment = started_payment()
    assert services.refresh_payment_status(actor=citizen, payment=payment).status == PaymentStatus.PENDING
    sandbox.complete_transaction(payment.provider_ref, outcome="success", send_callback=False)
    services.refresh_payment_status(actor=citizen, payment=payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert selectors.receipt_for(payment) is not None


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="two real transactions at once (the SQLite test database refuses concurrent writers)",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_creations_with_one_key_make_one_payment(make_payment):
    barrier = threading.Barrier(3)
    made, errors = [], []

    def create():
        try:
            barrier.wait()
            made.append(make_payment(idempotency_key="double-click"))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({p.pk for p in made}) == 1 and Payment.objects.count() == 1
    assert sorted(p.idempotent_replay for p in made) == [False, True, True]
