from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

register(
    Rule(
        "workcalendar.view",
        "Xem lịch ngày làm việc, tính hạn theo ngày làm việc / Read the working-day calendar",
        public=True,
    ),
    Rule(
        "workcalendar.manage",
        "Công bố ngày nghỉ, ngày làm bù của tỉnh / Declare the province's days off and make-up days",
        roles=frozenset({Role.PLATFORM_ADMIN}),
        scope="calendar:manage",
        sensitive=True,
    ),
)
