"""Who may read the notification outbox of the one-stop office and send a failed message again.

The outbox (``Notification`` rows) holds what the platform told applicants and officers about
dossiers. Reading it follows the dossiers themselves: an officer sees the messages of the
dossiers they may see (``dossiers.view``: every agency the dossier belongs or belonged to), a
platform administrator every message (``dossiers.view_outbox``), a citizen only the messages
addressed to them. Sending a failed message again is an operator's act: platform administrators.
The lists are filtered by :func:`tinhso.dossiers.outbox_selectors.visible_notifications`.
"""

from __future__ import annotations

from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register
from tinhso.dossiers.permissions import VIEWERS


def addressed_to(user, obj) -> bool:
    """The page (no object) is open to any signed-in citizen; a message only to its recipient."""
    if obj is None:
        return True
    recipient_id = getattr(obj, "recipient_user_id", None)
    return recipient_id is not None and recipient_id == user.pk


register(
    Rule(
        "dossiers.view_notifications",
        "Xem thông báo đã gửi về hồ sơ của cơ quan / See the notifications about one's agencies' dossiers",
        roles=VIEWERS | {Role.PLATFORM_ADMIN},
        scope="dossiers:read",
    ),
    Rule(
        "dossiers.view_own_notifications",
        "Xem thông báo gửi cho mình / See the notifications addressed to oneself",
        citizen=addressed_to,
    ),
    Rule(
        "dossiers.resend_notification",
        "Gửi lại thông báo bị lỗi / Send a failed notification again",
        roles=frozenset({Role.PLATFORM_ADMIN}),
        scope="dossiers:write",
    ),
)
