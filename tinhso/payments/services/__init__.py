"""Every write of the payments app, one module per sub-domain; import them from here.

A payment goes created -> pending (the payer was sent to the provider) -> succeeded, failed,
cancelled or expired. What the provider says about money wins over what the platform last
thought: a success reported after a local failure, expiry or cancellation is applied (the money
was taken), while a failure reported after a success changes nothing and is only recorded.

Lock order, everywhere: the payment row, then the year's receipt sequence, then the audit chain
(``audit.record`` comes last).
"""

from tinhso.payments.services.callbacks import CallbackOutcome, handle_callback
from tinhso.payments.services.common import TZ, callback_url, payment_page_path, provider_principal
from tinhso.payments.services.payments import (
    cancel_payment,
    create_payment,
    expire_overdue_payments,
    refresh_payment_status,
    retry_payment,
    start_payment,
)
from tinhso.payments.services.reconciliation import reconcile_day

__all__ = [
    "TZ",
    "CallbackOutcome",
    "callback_url",
    "cancel_payment",
    "create_payment",
    "expire_overdue_payments",
    "handle_callback",
    "payment_page_path",
    "provider_principal",
    "reconcile_day",
    "refresh_payment_status",
    "retry_payment",
    "start_payment",
]
