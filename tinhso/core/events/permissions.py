from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

ADMINS = frozenset({Role.PLATFORM_ADMIN})

register(
    Rule(
        "events.view",
        "Xem hàng đợi sự kiện và tình trạng chuyển / See the event outbox and its deliveries",
        roles=ADMINS,
        scope="events:read",
    ),
    Rule(
        "events.retry",
        "Chuyển lại sự kiện thất bại / Retry the delivery of a failed event",
        roles=ADMINS,
        sensitive=True,
    ),
)
