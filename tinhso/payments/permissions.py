"""Who may create, see, start, refresh and cancel payments, and who reconciles them.

A payment belongs to the person who created it (the payer) and, when the calling module names
one, to the agency that collects the fee: that agency's officers see it. A payment without an
agency is the payer's alone (and unbound machine clients' with the right scope).
"""

from __future__ import annotations

from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

# An agency id no agency has: "not agency-bound" would otherwise open the payment to every officer.
NO_AGENCY = 0
CASE_ROLES = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER, Role.PLATFORM_ADMIN})
VIEW_ROLES = CASE_ROLES | {Role.IOC_VIEWER}


def agency_of_payment(payment) -> int:
    return payment.agency_id if payment.agency_id is not None else NO_AGENCY


def own_payment(user, payment) -> bool:
    return payment is not None and payment.created_by_id is not None and payment.created_by_id == user.pk


register(
    Rule(
        "payments.create",
        "Tạo khoản thanh toán phí, lệ phí / Create a payment of a fee or charge",
        authenticated=True,
        scope="payments:write",
    ),
    Rule(
        "payments.view",
        "Xem khoản thanh toán và biên lai / See a payment and its receipt",
        roles=VIEW_ROLES,
        citizen=own_payment,
        scope="payments:read",
        agency_of=agency_of_payment,
    ),
    Rule(
        "payments.start",
        "Chuyển sang cổng thanh toán để nộp tiền / Go to the payment provider to pay",
        roles=frozenset({Role.ONE_STOP_OFFICER}),
        citizen=own_payment,
        scope="payments:write",
        agency_of=agency_of_payment,
    ),
    Rule(
        "payments.refresh",
        "Hỏi lại cổng thanh toán về trạng thái giao dịch / Ask the provider for a payment's status",
        roles=CASE_ROLES,
        citizen=own_payment,
        scope="payments:write",
        agency_of=agency_of_payment,
    ),
    Rule(
        "payments.cancel",
        "Hủy khoản thanh toán chưa nộp tiền / Cancel a payment not yet paid",
        roles=frozenset({Role.ONE_STOP_OFFICER, Role.LEADER}),
        citizen=own_payment,
        scope="payments:write",
        agency_of=agency_of_payment,
    ),
    Rule(
        "payments.pages",
        "Mở các trang thanh toán / Open the payment pages",
        # Every signed-in person may open the pages; each payment is then checked with payments.view.
        authenticated=True,
    ),
    Rule(
        "payments.reconcile",
        "Đối soát giao dịch thanh toán với cổng thanh toán / Reconcile payments with the provider",
        roles=frozenset({Role.PLATFORM_ADMIN}),
        sensitive=True,
    ),
)
