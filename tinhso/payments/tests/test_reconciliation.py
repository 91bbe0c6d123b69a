"""Daily reconciliation against the sandbox gateway's own ledger."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import PermissionDenied, ValidationFailed
from tinhso.core.events.models import OutboxEvent
from tinhso.core.permissions import SYSTEM
from tinhso.payments import services
from tinhso.payments.models import PaymentStatus, Receipt, ReconciliationRun, SandboxTransaction
from tinhso.payments.providers import sandbox
from tinhso.payments.services import TZ
from tinhso.payments.tests.conftest import deliver

pytestmark = pytest.mark.django_db


def _today():
    return timezone.now().astimezone(TZ).date()


def _kinds(run):
    return sorted((item["kind"], item["action"]) for item in run.details)


def test_a_lost_notification_is_found_and_the_payment_completed(started_payment, platform_admin):
    payment = started_payment()
    sandbox.complete_transaction(payment.provider_ref, outcome="success", send_callback=False)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING

    run = services.reconcile_day(actor=platform_admin, day=_today())
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Receipt.objects.filter(payment=payment).count() == 1
    assert OutboxEvent.objects.filter(name="payments.payment_succeeded").count() == 1
    assert (run.statement_count, run.matched_count, run.mismatched_count, run.corrected_count) == (1, 0, 1, 1)
    assert _kinds(run) == [("missing_callback", "marked_succeeded")]
    assert run.details[0]["payment_id"] == str(payment.public_id)
    assert AuditRecord.objects.filter(action="payments.reconciled").count() == 1
    success = AuditRecord.objects.get(action="payments.payment_succeeded")
    assert success.changes["source"].startswith("reconciliation of")

    # Running the day again finds everything in order and changes nothing.
    again = services.reconcile_day(actor=platform_admin, day=_today())
    assert (again.matched_count, again.mismatched_count, again.corrected_count) == (1, 0, 0)
    assert Receipt.objects.count() == 1


def test_an_amount_difference_is_flagged_not_paid(started_payment, platform_admin):
    payment = started_payment()
    sandbox.complete_transaction(
        payment.provider_ref, outcome="success", send_callback=False, amount_delta=5_000
    )
    run = services.reconcile_day(actor=platform_admin, day=_today())
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and payment.needs_review
    assert _kinds(run) == [("amount_mismatch", "flagged")]
    assert run.details[0]["provider_amount"] == 155_000 and run.details[0]["platform_amount"] == 150_000
    assert not Receipt.objects.exists()


def test_matched_failed_and_platform_only_successes(started_payment, platform_admin):
    matched = started_payment(payable_id="HS-1")
    sandbox.complete_transaction(matched.provider_ref, outcome="success", send_callback=False)
    deliver(matched)
    failed_quietly = started_payment(payable_id="HS-2")
    sandbox.complete_transaction(failed_quietly.provider_ref, outcome="failure", send_callback=False)
    # The platform holds this one as paid, but the bank's ledger never completed it.
    ghost = started_payment(payable_id="HS-3")
    deliver(ghost)
    # And the bank has a transaction the platform never made.
    SandboxTransaction.objects.create(
        ref="SBXSTRANGER",
        merchant_ref="not-a-payment",
        amount=10_000,
        settled_amount=10_000,
        description="?",
        return_url="/",
        callback_url="/",
        status="succeeded",
        expires_at=timezone.now(),
        completed_at=timezone.now(),
    )

    run = services.reconcile_day(actor=platform_admin, day=_today())
    assert run.statement_count == 3 and run.matched_count == 1
    assert _kinds(run) == [
        ("missing_at_provider", "flagged"),
        ("missing_callback", "marked_failed"),
        ("unknown_at_platform", "flagged"),
    ]
    failed_quietly.refresh_from_db()
    ghost.refresh_from_db()
    assert failed_quietly.status == PaymentStatus.FAILED
    assert ghost.status == PaymentStatus.SUCCEEDED and ghost.needs_review


def test_another_day_sees_nothing(started_payment, platform_admin):
    payment = started_payment()
    sandbox.complete_transaction(payment.provider_ref, outcome="success", send_callback=False)
    run = services.reconcile_day(actor=platform_admin, day=_today() - timedelta(days=1))
    assert run.statement_count == 0 and run.details == []
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_only_platform_administrators_reconcile(citizen, officer, platform_admin):
    for who in (citizen, officer):
        with pytest.raises(PermissionDenied):
            services.reconcile_day(actor=who, day=_today())
    # A refused attempt at this sensitive action is audited.
    assert AuditRecord.objects.filter(action="payments.reconcile", outcome="denied").count() == 2
    with pytest.raises(ValidationFailed):
        services.reconcile_day(actor=platform_admin, day=_today() + timedelta(days=2))
    assert not ReconciliationRun.objects.exists()


def test_the_command_defaults_to_yesterday(capsys):
    call_command("payments", "reconcile")
    run = ReconciliationRun.objects.get()
    assert run.day == _today() - timedelta(days=1) and run.run_by == SYSTEM.label
    call_command("payments", "reconcile", "--date", _today().isoformat(), "--json")
    out = capsys.readouterr().out
    assert "sandbox" in out and "0 on the statement" in out
    with pytest.raises(CommandError):
        call_command("payments", "reconcile", "--date", "31/12/2026")
    with pytest.raises(CommandError):
        call_command("payments", "reconcile", "--provider", "paygov")
