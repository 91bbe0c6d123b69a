"""Every write of the one-stop office, one ``verb_noun(*, actor, ...)`` function each.

Split by sub-domain (submission, reception, processing, notifications); import them from here::

    from tinhso.dossiers import services
    services.accept_dossier(actor=officer, dossier=dossier)
"""

from tinhso.dossiers.services.notifications import (
    deliver_notification,
    deliver_pending,
    notify_applicant,
    remind_due_steps,
)
from tinhso.dossiers.services.processing import (
    assign_step,
    attach_result,
    complete_step,
    extend_dossier,
    rate_dossier,
    release_payment,
    return_result,
    return_step,
    start_fee_payment,
    stop_dossier,
    withdraw_dossier,
)
from tinhso.dossiers.services.reception import (
    accept_dossier,
    fulfil_supplement,
    refuse_dossier,
    request_supplement,
)
from tinhso.dossiers.services.submission import (
    ApplicantInput,
    DocumentInput,
    Submission,
    add_documents,
    next_code,
    receive_at_counter,
    submit_dossier,
)

__all__ = [
    "ApplicantInput",
    "DocumentInput",
    "Submission",
    "accept_dossier",
    "add_documents",
    "assign_step",
    "attach_result",
    "complete_step",
    "deliver_notification",
    "deliver_pending",
    "extend_dossier",
    "fulfil_supplement",
    "next_code",
    "notify_applicant",
    "rate_dossier",
    "receive_at_counter",
    "refuse_dossier",
    "release_payment",
    "remind_due_steps",
    "request_supplement",
    "return_result",
    "return_step",
    "start_fee_payment",
    "stop_dossier",
    "submit_dossier",
    "withdraw_dossier",
]
