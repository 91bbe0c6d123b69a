"""The dossier state machine: ONE table of what each action does from each state.

Every service that changes a dossier's state (or records something on its control sheet) looks
its (state, action) pair up here first; a pair that is not in the table is refused with
``dossiers.invalid_transition`` and nothing is written. The table is also what the docs print
(docs/onestop.md, "Transitions").
"""

from __future__ import annotations

from tinhso.dossiers.errors import invalid_transition
from tinhso.dossiers.models import DossierState as S


class Action:
    ACCEPT = "accept"  # one-stop officer receives the dossier (Form 01)
    START = "start"  # the received dossier enters its route (automatic, right after accept)
    REFUSE = "refuse"  # refusal to receive (Form 03)
    REQUEST_SUPPLEMENT = "request_supplement"  # Form 02
    FULFIL_SUPPLEMENT = "fulfil_supplement"
    FORWARD = "forward"  # a step is completed, the next step starts
    RETURN_STEP = "return_step"  # sent back to the previous step
    AWAIT_PAYMENT = "await_payment"  # fee step reached while the fee is unpaid
    PAYMENT_RECEIVED = "payment_received"
    FINISH = "finish"  # the last processing step is completed: processed (9)
    ATTACH_RESULT = "attach_result"
    EXTEND = "extend"  # apology and new appointment (Form 04)
    STOP = "stop"  # Form 05
    WITHDRAW = "withdraw"
    RETURN_RESULT = "return_result"


# The state a supplement goes back to is decided when it is requested (before receipt the
# dossier goes back to "submitted", during processing to "processing").
RESUME = "__resume__"

_OPEN_BEFORE_DECISION = (S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.AWAITING_SUPPLEMENT, S.AWAITING_PAYMENT)

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, Action.ACCEPT): S.RECEIVED,
    (S.SUBMITTED, Action.REFUSE): S.REFUSED,
    (S.SUBMITTED, Action.REQUEST_SUPPLEMENT): S.AWAITING_SUPPLEMENT,
    (S.RECEIVED, Action.START): S.PROCESSING,
    (S.PROCESSING, Action.REQUEST_SUPPLEMENT): S.AWAITING_SUPPLEMENT,
    (S.AWAITING_SUPPLEMENT, Action.FULFIL_SUPPLEMENT): RESUME,
    (S.PROCESSING, Action.FORWARD): S.PROCESSING,
    (S.PROCESSING, Action.RETURN_STEP): S.PROCESSING,
    (S.PROCESSING, Action.AWAIT_PAYMENT): S.AWAITING_PAYMENT,
    (S.AWAITING_PAYMENT, Action.PAYMENT_RECEIVED): S.PROCESSING,
    (S.PROCESSING, Action.FINISH): S.PROCESSED,
    (S.PROCESSING, Action.ATTACH_RESULT): S.PROCESSING,
    (S.PROCESSED, Action.ATTACH_RESULT): S.PROCESSED,
    (S.PROCESSING, Action.EXTEND): S.PROCESSING,
    (S.AWAITING_PAYMENT, Action.EXTEND): S.AWAITING_PAYMENT,
    (S.PROCESSING, Action.STOP): S.STOPPED,
    (S.AWAITING_SUPPLEMENT, Action.STOP): S.STOPPED,
    (S.AWAITING_PAYMENT, Action.STOP): S.STOPPED,
    **{(state, Action.WITHDRAW): S.WITHDRAWN for state in _OPEN_BEFORE_DECISION},
    (S.PROCESSED, Action.RETURN_RESULT): S.RETURNED,
}


def target_state(state: str, action: str) -> str:
    """The state ``action`` leads to from ``state`` (``RESUME`` for a supplement), or a 409."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise invalid_transition(state, action) from None


def allowed_actions(state: str) -> list[str]:
    """The actions the table allows from ``state`` (what a page may offer; permissions aside)."""
    return [action for (source, action) in TRANSITIONS if source == state]
