from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

ADMINS = frozenset({Role.PLATFORM_ADMIN})

register(
    Rule(
        "audit.view",
        "Xem nhật ký kiểm toán / Read the audit log",
        roles=ADMINS,
        scope="audit:read",
        sensitive=True,
    ),
    Rule(
        "audit.verify",
        "Kiểm tra tính toàn vẹn của nhật ký kiểm toán / Verify the audit chain",
        roles=ADMINS,
        scope="audit:read",
        sensitive=True,
    ),
)
