"""Reactions to events: the applicant's notifications, and the fee step released by a payment."""

from __future__ import annotations

from tinhso.core.events.registry import current_delivery, subscriber
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers.events import (
    DossierExtended,
    DossierReceived,
    DossierRefused,
    ResultReady,
    SupplementRequested,
)
from tinhso.dossiers.models import Dossier, SupplementRequest
from tinhso.payments.events import PaymentSucceeded


def _dossier(code: str) -> Dossier | None:
    return Dossier.objects.select_related("applicant").filter(code=code).first()


def _dedupe(code: str) -> str:
    delivery = current_delivery()
    return f"{code}:{delivery.event_id if delivery else 'direct'}"


@subscriber(DossierReceived, name="dossiers.notify_received")
def notify_received(event: DossierReceived) -> None:
    from tinhso.dossiers.services import notify_applicant

    dossier = _dossier(event.code)
    if dossier is not None:
        notify_applicant(dossier=dossier, kind="received", dedupe=_dedupe(event.code))


@subscriber(SupplementRequested, name="dossiers.notify_supplement_requested")
def notify_supplement_requested(event: SupplementRequested) -> None:
    from tinhso.dossiers.services import notify_applicant

    dossier = _dossier(event.code)
    request = SupplementRequest.objects.filter(pk=event.supplement_id).first()
    if dossier is not None and request is not None:
        notify_applicant(
            dossier=dossier, kind="supplement_requested", dedupe=_dedupe(event.code), reason=request.reason
        )


@subscriber(DossierRefused, name="dossiers.notify_refused")
def notify_refused(event: DossierRefused) -> None:
    from tinhso.dossiers.services import notify_applicant

    dossier = _dossier(event.code)
    if dossier is not None:
        refusal = getattr(dossier, "refusal", None)
        reason = "; ".join(refusal.reasons) if refusal is not None else ""
        notify_applicant(dossier=dossier, kind="refused", dedupe=_dedupe(event.code), reason=reason)


@subscriber(ResultReady, name="dossiers.notify_result_ready")
def notify_result_ready(event: ResultReady) -> None:
    from tinhso.dossiers.services import notify_applicant

    dossier = _dossier(event.code)
    if dossier is not None:
        notify_applicant(dossier=dossier, kind="result_ready", dedupe=_dedupe(event.code))


@subscriber(DossierExtended, name="dossiers.notify_extended")
def notify_extended(event: DossierExtended) -> None:
    from tinhso.dossiers.services import notify_applicant

    dossier = _dossier(event.code)
    extension = dossier.extensions.order_by("-issued_at").first() if dossier else None
    if dossier is not None:
        notify_applicant(
            dossier=dossier,
            kind="extended",
            dedupe=_dedupe(event.code),
            new_appointment_at=event.new_appointment_at,
            reason=extension.reason if extension else "",
        )


@subscriber(PaymentSucceeded, name="dossiers.release_paid_fee_step")
def release_paid_fee_step(event: PaymentSucceeded) -> None:
    """A dossier waiting for its fee (state 6) moves on once the fee is paid."""
    if event.payable_type != "dossier":
        return
    from tinhso.dossiers.services import release_payment

    dossier = Dossier.objects.filter(code=event.payable_id).first()
    if dossier is not None:
        release_payment(actor=SYSTEM, dossier=dossier)
