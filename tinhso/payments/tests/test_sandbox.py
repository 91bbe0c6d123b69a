"""The sandbox gateway end to end through the web pages: the payer's journey and the tester's options
(delayed, duplicated, lost notifications, a different amount), and its HTTP notifications."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tinhso.payments import services
from tinhso.payments.models import (
    Payment,
    PaymentCallback,
    PaymentStatus,
    Receipt,
    SandboxCallback,
    SandboxStatus,
    SandboxTransaction,
)
from tinhso.payments.providers import sandbox
from tinhso.payments.tasks import deliver_sandbox_callback

pytestmark = pytest.mark.django_db


@pytest.fixture
def payer(client, citizen):
    client.force_login(citizen)
    return client


def _to_sandbox(payer, payment) -> str:
    response = payer.post(f"/thanh-toan/{payment.public_id}/nop-tien/")
    assert response.status_code == 302
    payment.refresh_from_db()
    assert response["Location"] == f"http://127.0.0.1:8000/thanh-toan/sandbox/{payment.provider_ref}/"
    return urlsplit(response["Location"]).path


def _choose(payer, page, captured, **form):
    with captured(execute=True):
        return payer.post(page, {"outcome": "success", "delay": "0", **form})


def test_the_payers_journey(payer, make_payment, django_capture_on_commit_callbacks):
    payment = make_payment()
    detail = payer.get(f"/thanh-toan/{payment.public_id}/")
    assert detail.status_code == 200
    assert "150.000 đồng" in detail.content.decode() and "Nộp tiền" in detail.content.decode()

    page = _to_sandbox(payer, payment)
    shown = payer.get(page)
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "SANDBOX" in text and "150.000 đồng" in text and "Thanh toán thành công" in text

    response = _choose(payer, page, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == f"/thanh-toan/{payment.public_id}/"  # back on the platform

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    receipt = Receipt.objects.get(payment=payment)
    back = payer.get(response["Location"]).content.decode()
    assert "Đã thanh toán" in back and receipt.number in back
    receipt_page = payer.get(f"/thanh-toan/{payment.public_id}/bien-lai/").content.decode()
    assert receipt.number in receipt_page and "Một trăm năm mươi nghìn đồng" in receipt_page
    assert "thử nghiệm" in receipt_page
    pdf = payer.get(f"/thanh-toan/{payment.public_id}/bien-lai.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # The bank's page is closed now.
    again = _choose(payer, page, django_capture_on_commit_callbacks)
    assert again.status_code == 200 and "đã kết thúc" in again.content.decode()
    assert Receipt.objects.count() == 1


@pytest.mark.parametrize(("outcome", "status"), [("failure", "failed"), ("cancel", "cancelled")])
def test_failed_and_cancelled_payments(
    payer, make_payment, django_capture_on_commit_callbacks, outcome, status
):
    payment = make_payment()
    page = _to_sandbox(payer, payment)
    _choose(payer, page, django_capture_on_commit_callbacks, outcome=outcome)
    payment.refresh_from_db()
    assert payment.status == status and not Receipt.objects.exists()
    detail = payer.get(f"/thanh-toan/{payment.public_id}/").content.decode()
    assert "Thanh toán lại" in detail
    retry = payer.post(f"/thanh-toan/{payment.public_id}/thanh-toan-lai/")
    new = Payment.objects.get(retry_of=payment)
    assert retry["Location"] == f"/thanh-toan/{new.public_id}/"


def test_a_delayed_notification_arrives_when_the_task_runs(
    payer, make_payment, settings, django_capture_on_commit_callbacks
):
    # A task backend that can defer, whose tasks we run ourselves "later".
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    deliver_sandbox_callback.get_backend().clear()
    payment = make_payment()
    page = _to_sandbox(payer, payment)
    _choose(payer, page, django_capture_on_commit_callbacks, delay="60")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING  # the payer is back, the news is not
    status_panel = payer.get(f"/thanh-toan/{payment.public_id}/trang-thai/").content.decode()
    assert 'hx-trigger="every 3s"' in status_panel

    [queued] = deliver_sandbox_callback.get_backend().results
    scheduled = SandboxCallback.objects.get()
    assert queued.task.run_after == scheduled.due_at
    assert scheduled.due_at >= timezone.now() + timedelta(seconds=55)
    # Run too early, the task sends nothing.
    assert deliver_sandbox_callback.call(*queued.args) == "not due"
    scheduled.due_at = timezone.now() - timedelta(seconds=1)  # the minute has passed
    scheduled.save(update_fields=["due_at"])
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_sandbox_callback.call(*queued.args) == "sent"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert "hx-trigger" not in payer.get(f"/thanh-toan/{payment.public_id}/trang-thai/").content.decode()


def test_without_a_deferring_backend_due_notifications_are_sent_by_the_command(
    payer, make_payment, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    payment = make_payment()
    page = _to_sandbox(payer, payment)
    _choose(payer, page, django_capture_on_commit_callbacks, delay="30")
    assert sandbox.send_due_callbacks() == 0  # not due yet
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        assert sandbox.send_due_callbacks(now=timezone.now() + timedelta(seconds=31)) == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    call_command("payments", "sandbox-send")  # nothing left: sends nothing again
    assert PaymentCallback.objects.count() == 1


def test_a_duplicated_notification_gives_one_receipt(payer, make_payment, django_capture_on_commit_callbacks):
    payment = make_payment()
    page = _to_sandbox(payer, payment)
    _choose(payer, page, django_capture_on_commit_callbacks, twice="1")
    callbacks = list(PaymentCallback.objects.order_by("id").values_list("result", "duplicate", "body_sha256"))
    assert len(callbacks) == 2 and callbacks[0][2] == callbacks[1][2]  # byte-identical
    assert [c[:2] for c in callbacks] == [("applied", False), ("applied", True)]
    assert Receipt.objects.filter(payment=payment).count() == 1
    assert SandboxCallback.objects.get().sent_count == 2


def test_a_lost_notification_is_caught_by_asking_the_provider(
    payer, make_payment, django_capture_on_commit_callbacks
):
    payment = make_payment()
    page = _to_sandbox(payer, payment)
    _choose(payer, page, django_capture_on_commit_callbacks, no_callback="1")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and not PaymentCallback.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        payer.post(f"/thanh-toan/{payment.public_id}/kiem-tra/")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and Receipt.objects.filter(payment=payment).exists()


def test_the_bank_debits_another_amount(payer, make_payment, django_capture_on_commit_callbacks):
    payment = make_payment()
    page = _to_sandbox(payer, payment)
    _choose(payer, page, django_capture_on_commit_callbacks, amount_delta="-1000")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and payment.needs_review
    assert PaymentCallback.objects.get().result == "amount_mismatch"
    assert "cán bộ kiểm tra" in payer.get(f"/thanh-toan/{payment.public_id}/").content.decode()


def test_bad_tester_options_are_refused(payer, make_payment, django_capture_on_commit_callbacks):
    payment = make_payment()
    page = _to_sandbox(payer, payment)
    for form in ({"delay": "abc"}, {"delay": "99999"}, {"outcome": "maybe"}, {"amount_delta": "-150000"}):
        response = _choose(payer, page, django_capture_on_commit_callbacks, **form)
        assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert SandboxTransaction.objects.get().status == SandboxStatus.PENDING


def test_an_expired_transaction_cannot_be_paid_and_expires_the_payment(
    payer, make_payment, citizen, django_capture_on_commit_callbacks
):
    payment = make_payment()
    page = _to_sandbox(payer, payment)
    SandboxTransaction.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _choose(payer, page, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "hết hạn" in response.content.decode()
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.expire_overdue_payments()
    assert counts == {"checked": 1, "changed": 1, "failed": 0}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED


def test_the_sandbox_page_is_gone_when_disabled(payer, make_payment, settings):
    payment = make_payment()
    page = _to_sandbox(payer, payment)
    settings.PAYMENT_SANDBOX_ENABLED = False
    assert payer.get(page).status_code == 404
    assert payer.get("/thanh-toan/sandbox/SBXNOSUCHREF/").status_code == 404


def test_an_unreachable_platform_is_retried_then_given_up(started_payment, settings):
    settings.PAYMENT_SANDBOX_CALLBACK_TRANSPORT = "http"
    settings.PAYMENT_SANDBOX_CALLBACK_MAX_ATTEMPTS = 2
    payment = started_payment()
    SandboxTransaction.objects.update(callback_url="http://127.0.0.1:9/api/v1/payments/callback/sandbox")
    sandbox.complete_transaction(payment.provider_ref, outcome="success")
    callback = SandboxCallback.objects.get()
    assert sandbox.deliver_callback(callback.pk) == "retry"
    callback.refresh_from_db()
    assert callback.sent_count == 0 and callback.attempts == 1 and callback.last_error
    assert callback.due_at > timezone.now() + timedelta(seconds=20)
    first_body = callback.body
    assert sandbox.deliver_callback(callback.pk, now=callback.due_at) == "given up"
    callback.refresh_from_db()
    assert callback.given_up and callback.body != first_body  # each round is signed afresh
    assert sandbox.deliver_callback(callback.pk, now=callback.due_at) == "done"


@pytest.mark.django_db(transaction=True)
def test_notifications_over_http_reach_the_callback_endpoint(live_server, started_payment, settings):
    settings.PAYMENT_SANDBOX_CALLBACK_TRANSPORT = "http"
    payment = started_payment()
    SandboxTransaction.objects.update(callback_url=f"{live_server.url}/api/v1/payments/callback/sandbox")
    # Committed at once here: the on-commit hook enqueues the task, which the immediate backend runs.
    sandbox.complete_transaction(payment.provider_ref, outcome="success", copies=2)
    callback = SandboxCallback.objects.get()
    assert callback.sent_count == 2
    assert callback.last_status_code == 200 and '"duplicate": true' in callback.last_response
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Receipt.objects.filter(payment=payment).count() == 1
