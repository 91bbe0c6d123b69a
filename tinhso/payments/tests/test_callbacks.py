"""The callback endpoint: signatures, duplicates, replays, out-of-order and mismatched notifications."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from tinhso.core.audit.models import AuditRecord
from tinhso.core.events.models import OutboxEvent
from tinhso.payments import selectors, services
from tinhso.payments.errors import CallbackStale
from tinhso.payments.models import Payment, PaymentCallback, PaymentStatus, Receipt
from tinhso.payments.tests.conftest import notification

pytestmark = pytest.mark.django_db


def _state(payment: Payment) -> tuple:
    payment.refresh_from_db()
    return payment.status, payment.needs_review, Receipt.objects.filter(payment=payment).count()


def test_a_valid_notification_pays_issues_a_receipt_audits_and_publishes(started_payment, post_notification):
    payment = started_payment()
    body, headers = notification(payment)
    response = post_notification(body, headers)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["result"] == "applied" and answer["duplicate"] is False
    assert answer["payment_status"] == "succeeded"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.paid_at is not None
    receipt = Receipt.objects.get(payment=payment)
    assert answer["receipt_number"] == receipt.number
    assert receipt.number.startswith(f"BL-{timezone.localdate().year}-")
    assert receipt.is_test is True and receipt.amount == 150_000
    assert selectors.is_paid("dossier", payment.payable_id)
    callback = PaymentCallback.objects.get()
    assert callback.signature_valid and callback.result == "applied" and callback.body == body.decode()
    event = OutboxEvent.objects.get(name="payments.payment_succeeded")
    assert event.payload["receipt_number"] == receipt.number
    assert event.payload["payable_id"] == payment.payable_id and event.payload["amount"] == 150_000
    assert AuditRecord.objects.filter(
        action="payments.payment_succeeded", object_id=str(payment.public_id)
    ).exists()


def test_missing_signature_is_refused_and_recorded(started_payment, post_notification):
    payment = started_payment()
    body, headers = notification(payment)
    del headers["X-Sandbox-Signature"]
    response = post_notification(body, headers)
    assert response.status_code == 401
    assert response.json()["code"] == "payments.callback_unsigned"
    assert _state(payment) == (PaymentStatus.PENDING, False, 0)
    callback = PaymentCallback.objects.get()
    assert callback.result == "unsigned" and not callback.signature_valid and callback.payment is None


def test_invalid_signature_is_refused_and_recorded(started_payment, post_notification):
    payment = started_payment()
    body, headers = notification(payment, secret_sign=lambda body: "0" * 64)
    response = post_notification(body, headers)
    assert response.status_code == 401
    assert response.json()["code"] == "payments.callback_bad_signature"
    # A body changed after signing is refused too.
    good_body, good_headers = notification(payment)
    tampered = good_body.replace(b'"amount":150000', b'"amount":1')
    assert post_notification(tampered, good_headers).status_code == 401
    assert _state(payment) == (PaymentStatus.PENDING, False, 0)
    assert list(PaymentCallback.objects.values_list("result", flat=True)) == [
        "bad_signature",
        "bad_signature",
    ]
    assert not OutboxEvent.objects.filter(name__startswith="payments.").exists()


def test_signed_but_malformed_body_is_refused(started_payment, post_notification):
    from tinhso.payments.providers import sandbox

    started_payment()
    body = b"not json"
    response = post_notification(body, {sandbox.SIGNATURE_HEADER: sandbox.sign(body)})
    assert response.status_code == 400 and response.json()["code"] == "payments.callback_malformed"
    assert PaymentCallback.objects.get().result == "malformed"


def test_the_same_notification_twice_pays_once(started_payment, post_notification):
    payment = started_payment()
    body, headers = notification(payment)
    first = post_notification(body, headers).json()
    second = post_notification(body, headers)
    assert second.status_code == 200
    assert second.json() == {**first, "duplicate": True}
    assert Receipt.objects.count() == 1
    assert OutboxEvent.objects.filter(name="payments.payment_succeeded").count() == 1
    rows = list(PaymentCallback.objects.order_by("id").values_list("result", "duplicate"))
    assert rows == [("applied", False), ("applied", True)]


def test_a_repeated_success_with_a_new_nonce_changes_nothing(started_payment, post_notification):
    payment = started_payment()
    post_notification(*notification(payment))
    again = post_notification(*notification(payment)).json()
    assert again["result"] == "unchanged" and again["duplicate"] is True
    assert Receipt.objects.count() == 1


def test_a_replay_outside_the_time_window_is_refused(started_payment, post_notification, settings):
    settings.PAYMENT_CALLBACK_MAX_AGE_SECONDS = 600
    payment = started_payment()
    old = int((timezone.now() - timedelta(minutes=11)).timestamp())
    response = post_notification(*notification(payment, timestamp=old))
    assert response.status_code == 400 and response.json()["code"] == "payments.callback_stale"
    future = int((timezone.now() + timedelta(minutes=11)).timestamp())
    assert post_notification(*notification(payment, timestamp=future)).status_code == 400
    assert _state(payment) == (PaymentStatus.PENDING, False, 0)
    stale = PaymentCallback.objects.filter(result="stale")
    assert stale.count() == 2 and all(c.signature_valid and c.payment_id == payment.pk for c in stale)


def test_a_nonce_reused_for_another_body_is_refused(started_payment, post_notification):
    payment = started_payment()
    post_notification(*notification(payment, status="failed", nonce="a" * 32))
    response = post_notification(*notification(payment, status="succeeded", nonce="a" * 32))
    assert response.status_code == 400 and response.json()["code"] == "payments.callback_replayed"
    assert _state(payment) == (PaymentStatus.FAILED, False, 0)


def test_a_late_failure_does_not_undo_a_success(started_payment, post_notification):
    payment = started_payment()
    post_notification(*notification(payment))
    late = post_notification(*notification(payment, status="failed"))
    assert late.status_code == 200
    assert late.json()["result"] == "out_of_order" and late.json()["payment_status"] == "succeeded"
    assert _state(payment) == (PaymentStatus.SUCCEEDED, False, 1)
    assert PaymentCallback.objects.filter(result="out_of_order").count() == 1
    assert not OutboxEvent.objects.filter(name="payments.payment_failed").exists()


def test_a_failed_payment_fails_and_a_later_success_still_counts(started_payment, post_notification):
    payment = started_payment()
    response = post_notification(*notification(payment, status="failed"))
    assert response.json()["result"] == "applied"
    assert _state(payment) == (PaymentStatus.FAILED, False, 0)
    failed = OutboxEvent.objects.get(name="payments.payment_failed")
    assert failed.payload["status"] == "failed"
    assert not selectors.is_paid("dossier", payment.payable_id)
    # The bank took the money after all (a retry on its side): money received wins.
    post_notification(*notification(payment))
    assert _state(payment) == (PaymentStatus.SUCCEEDED, False, 1)


def test_an_amount_mismatch_is_flagged_not_paid(started_payment, post_notification):
    payment = started_payment()
    response = post_notification(*notification(payment, amount=149_000))
    assert response.status_code == 200 and response.json()["result"] == "amount_mismatch"
    status, flagged, receipts = _state(payment)
    assert (status, flagged, receipts) == (PaymentStatus.PENDING, True, 0)
    assert "149000" in payment.review_reason
    assert not selectors.is_paid("dossier", payment.payable_id)
    assert AuditRecord.objects.filter(action="payments.payment_flagged").count() == 1


def test_unknown_transaction_and_unknown_provider(started_payment, post_notification):
    payment = started_payment()
    payment.provider_ref = "SBX-NOT-OURS"
    response = post_notification(*notification(payment))
    assert response.status_code == 404 and response.json()["code"] == "payments.callback_unknown_payment"
    assert PaymentCallback.objects.get().result == "unknown_payment"
    other = post_notification(b"{}", {"X-Sandbox-Signature": "x"}, provider="paygov")
    assert other.status_code == 404 and other.json()["code"] == "payments.unknown_provider"


def test_a_disabled_sandbox_accepts_no_notification(started_payment, post_notification, settings):
    payment = started_payment()
    settings.PAYMENT_SANDBOX_ENABLED = False
    response = post_notification(*notification(payment))
    assert response.status_code == 503 and response.json()["code"] == "payments.provider_unavailable"
    assert _state(payment) == (PaymentStatus.PENDING, False, 0)


def test_the_service_raises_the_same_errors(started_payment):
    payment = started_payment()
    old = int((timezone.now() - timedelta(hours=1)).timestamp())
    body, headers = notification(payment, timestamp=old)
    with pytest.raises(CallbackStale):
        services.handle_callback(provider_name="sandbox", body=body, headers=headers)
    # The refusal was committed although the error propagated.
    assert PaymentCallback.objects.filter(result="stale").count() == 1


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason=(
        "two real transactions at once: on SQLite the test database answers concurrent writers "
        "with 'table is locked' instead of waiting, unlike the platform's file database"
    ),
)
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_notifications_issue_one_receipt(started_payment):
    payment = started_payment()
    body, headers = notification(payment)
    other_body, other_headers = notification(payment)  # the same news, another nonce
    barrier = threading.Barrier(4)
    outcomes, errors = [], []

    def deliver(b, h):
        try:
            barrier.wait()
            outcomes.append(services.handle_callback(provider_name="sandbox", body=b, headers=h))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=deliver, args=args)
        for args in [(body, headers), (body, headers), (other_body, other_headers), (body, headers)]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # One of them acted; the others saw its result (identical bodies) or an unchanged payment.
    [acted] = [o for o in outcomes if not o.duplicate]
    assert acted.result == "applied" and len(outcomes) == 4
    assert Receipt.objects.count() == 1
    assert OutboxEvent.objects.filter(name="payments.payment_succeeded").count() == 1
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED


def test_a_subscriber_receives_the_typed_event_once(started_payment, django_capture_on_commit_callbacks):
    from tinhso.core.events.registry import subscriber, temporary_subscribers
    from tinhso.payments.events import PaymentSucceeded
    from tinhso.payments.tests.conftest import deliver

    received = []
    payment = started_payment()
    with temporary_subscribers():

        @subscriber(PaymentSucceeded, name="tests.payments_fee_paid")
        def fee_paid(event: PaymentSucceeded) -> None:
            received.append(event)

        with django_capture_on_commit_callbacks(execute=True):
            deliver(payment)
        with django_capture_on_commit_callbacks(execute=True):
            body, headers = notification(payment)
            services.handle_callback(provider_name="sandbox", body=body, headers=headers)
    [event] = received
    assert isinstance(event, PaymentSucceeded) and event.amount == 150_000
    assert event.payment_id == str(payment.public_id) and event.agency_code == payment.agency.code
    assert event.receipt_number == Receipt.objects.get(payment=payment).number
