from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

register(
    Rule(
        "agencies.view",
        "Xem danh sách cơ quan, đơn vị / See the list of public bodies",
        # The list of public bodies and their identifier codes is public information.
        public=True,
    ),
    Rule(
        "agencies.manage",
        "Tạo, sửa, giải thể cơ quan, đơn vị / Create, edit and close agencies",
        roles=frozenset({Role.PLATFORM_ADMIN}),
        scope="agencies:manage",
        sensitive=True,
    ),
)
