"""Demo payments: a few fees of the demo citizens to the Cần Thơ Department of Justice, one paid
(with its receipt), one waiting on the sandbox gateway, one cancelled. Idempotent: each is created
with an Idempotency-Key, and a payment already moved on is left alone."""

from __future__ import annotations

from tinhso.core.accounts import services as accounts
from tinhso.core.agencies.models import Agency
from tinhso.core.permissions import SYSTEM
from tinhso.payments import conf, services
from tinhso.payments.models import PaymentStatus
from tinhso.payments.providers import sandbox

AGENCY_CODE = "000.00.03.H13"  # Sở Tư pháp thành phố Cần Thơ
DEMO_PAYMENTS = [
    # (citizen ID, key, payable id, amount, description, what happens)
    ("093085000001", "demo-pay-1", "DEMO-STP-0001", 10_000, "Lệ phí cấp bản sao trích lục hộ tịch", "paid"),
    ("093192000002", "demo-pay-2", "DEMO-STP-0002", 200_000, "Phí cấp Phiếu lý lịch tư pháp", "pending"),
    ("092201000003", "demo-pay-3", "DEMO-STP-0003", 50_000, "Lệ phí chứng thực chữ ký", "cancelled"),
]


def load_demo(report) -> None:
    if not conf.sandbox_enabled():
        report.warnings.append(
            "payments: the sandbox is disabled (PAYMENT_SANDBOX_ENABLED), no demo payments"
        )
        return
    agency = Agency.objects.filter(code=AGENCY_CODE).first()
    for citizen_id, key, payable_id, amount, description, fate in DEMO_PAYMENTS:
        citizen = accounts.find_citizen(citizen_id)
        if citizen is None:
            continue
        payment = services.create_payment(
            actor=citizen,
            payable_type="demo_fee",
            payable_id=payable_id,
            amount=amount,
            description=description,
            return_url="/thanh-toan/",
            agency=agency,
            idempotency_key=key,
            provider="sandbox",
        )
        if payment.idempotent_replay:
            continue
        report.created["payments"] += 1
        if fate == "cancelled":
            services.cancel_payment(actor=citizen, payment=payment, reason="Nộp nhầm thủ tục")
            continue
        services.start_payment(actor=citizen, payment=payment)
        if fate == "paid":
            # The bank side completes without a notification; the platform learns it by asking,
            # so the demo needs neither the worker nor a reachable SITE_URL.
            sandbox.complete_transaction(payment.provider_ref, outcome="success", send_callback=False)
            services.refresh_payment_status(actor=SYSTEM, payment=payment)
            if payment.status == PaymentStatus.SUCCEEDED:
                report.created["receipts"] += 1
