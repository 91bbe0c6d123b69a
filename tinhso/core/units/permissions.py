from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

register(
    Rule(
        "units.view",
        "Xem danh mục đơn vị hành chính / See the administrative units registry",
        public=True,
    ),
    Rule(
        "units.manage",
        "Nạp, cập nhật danh mục đơn vị hành chính / Load or refresh the administrative units registry",
        roles=frozenset({Role.PLATFORM_ADMIN}),
        scope="units:manage",
        sensitive=True,
    ),
)
