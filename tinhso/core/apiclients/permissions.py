from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

register(
    Rule(
        "apiclients.manage",
        "Tạo, đổi khóa bí mật, vô hiệu hóa ứng dụng kết nối API / Create, rotate and deactivate API clients",
        roles=frozenset({Role.PLATFORM_ADMIN}),
        sensitive=True,
    ),
    Rule(
        "apiclients.manage_own_tokens",
        "Tạo, thu hồi mã truy cập cá nhân của chính mình / Create and revoke one's own personal tokens",
        authenticated=True,
    ),
    # Asking for an access token is how a client authenticates, like signing in: the client
    # proves itself with its secret inside the service, so the rule itself is open.
    Rule(
        "apiclients.request_token",
        "Xin mã truy cập bằng thông tin ứng dụng / Request an access token with client credentials",
        public=True,
    ),
)
