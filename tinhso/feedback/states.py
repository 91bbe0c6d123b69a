"""The handling state machine of a report: the one place that says which step may follow which.

Services ask :func:`next_status` before they change a report's status; nothing else decides it.
The table is also what docs/feedback.md shows and what the tests walk exhaustively.
"""

from __future__ import annotations

from enum import StrEnum

from tinhso.core.errors import Conflict
from tinhso.feedback.models import ReportStatus as S


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    START = "start"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    AUTO_CLOSE = "auto_close"
    REOPEN = "reopen"
    REJECT = "reject"
    TRANSFER = "transfer"
    REROUTE = "reroute"


OPEN_STATUSES = frozenset({S.NEW, S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED})
"""The agency still owes an answer: these count for overdue and may be transferred."""
TERMINAL_STATUSES = frozenset({S.CLOSED, S.REJECTED})

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[str], str]] = {
    Action.ACKNOWLEDGE: (frozenset({S.NEW}), S.ACKNOWLEDGED),
    # Assigning again (another officer) is allowed until the report is resolved.
    Action.ASSIGN: (frozenset({S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED}), S.ASSIGNED),
    Action.START: (frozenset({S.ASSIGNED, S.REOPENED}), S.IN_PROGRESS),
    Action.RESOLVE: (frozenset({S.IN_PROGRESS}), S.RESOLVED),
    Action.CONFIRM: (frozenset({S.RESOLVED}), S.CLOSED),
    Action.AUTO_CLOSE: (frozenset({S.RESOLVED}), S.CLOSED),
    Action.REOPEN: (frozenset({S.RESOLVED}), S.REOPENED),
    # Once the agency has resolved a report it was competent: a reopened report is handled, not rejected.
    Action.REJECT: (frozenset({S.NEW, S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS}), S.REJECTED),
    # Another agency starts over: it acknowledges the report itself.
    Action.TRANSFER: (OPEN_STATUSES, S.NEW),
    Action.REROUTE: (OPEN_STATUSES, S.NEW),
}


class InvalidTransition(Conflict):
    code = "feedback.invalid_transition"
    message_vi = "Trạng thái hiện tại của phản ánh không cho phép thao tác này."
    message_en = "The report's current status does not allow this action."


def allowed_actions(status: str) -> list[Action]:
    """The actions the table allows from ``status`` (permissions aside)."""
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


def next_status(status: str, action: Action | str) -> str:
    """The status after ``action`` from ``status``, or :class:`InvalidTransition`."""
    sources, target = TRANSITIONS[Action(action)]
    if status not in sources:
        raise InvalidTransition(
            details={"status": str(status), "action": str(action), "allowed_from": sorted(sources)}
        )
    return target
