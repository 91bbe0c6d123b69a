from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

ADMINS = frozenset({Role.PLATFORM_ADMIN})

register(
    Rule("accounts.register_citizen", "Đăng ký tài khoản công dân / Register a citizen account", public=True),
    Rule(
        "accounts.manage_officers",
        "Tạo tài khoản cán bộ, gán và thu hồi vai trò / Create officers, assign and revoke roles",
        roles=ADMINS,
        scope="accounts:manage",
        sensitive=True,
    ),
    Rule(
        "accounts.manage_grants",
        "Cấp quyền truy cập giữa các cơ quan / Grant one agency access to another's data",
        roles=ADMINS,
        sensitive=True,
    ),
    Rule(
        "accounts.view_self",
        "Xem hồ sơ tài khoản của chính mình / See one's own account",
        authenticated=True,
        scope="accounts:self",
    ),
    Rule(
        "accounts.manage_own_security",
        "Đổi mật khẩu, xác thực hai lớp của chính mình / Manage one's own password and 2FA",
        authenticated=True,
    ),
    Rule(
        "web.workspace",
        "Vào không gian làm việc cán bộ / Open the officer workspace",
        roles=frozenset(Role.values),
    ),
    Rule("web.admin", "Vào trang quản trị / Open the administration site", roles=ADMINS, sensitive=True),
)
