"""Reactions to events: the applicant's notifications, and the fee step released by a payment."""

from __future__ import annotations

from tinhso.core.events.registry import current_delivery, subscriber
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers.events import (
    DossierExtended,
    DossierReceived,
    DossierRefused,
    DossierStateChanged,
    ResultReady,
    ResultSigned,
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


# -- Statistics read model: a past day's figures follow late changes --------------------------


def _refresh_figures(code: str) -> None:
    from django.conf import settings

    from tinhso.dossiers.stats import readmodel

    if not getattr(settings, "DOSSIER_STATS_READ_MODEL", True):
        return
    dossier = Dossier.objects.filter(code=code).first()
    if dossier is not None:
        readmodel.refresh_dossier(dossier)


@subscriber(DossierStateChanged, name="dossiers.stats_refresh_on_transition")
def stats_refresh_on_transition(event: DossierStateChanged) -> None:
    """A transition today can change the figures of the day the dossier was received (its
    processing days, once decided)."""
    _refresh_figures(event.code)


@subscriber(PaymentSucceeded, name="dossiers.stats_refresh_on_payment")
def stats_refresh_on_payment(event: PaymentSucceeded) -> None:
    """A fee paid today counts as paid online on the day the dossier was received."""
    from tinhso.dossiers.services.route import PAYABLE_TYPE

    if event.payable_type == PAYABLE_TYPE:
        _refresh_figures(event.payable_id)


@subscriber(ResultSigned, name="dossiers.stats_refresh_on_result_signed")
def stats_refresh_on_result_signed(event: ResultSigned) -> None:
    """A result added after the decision counts on the day of the decision (digitisation)."""
    _refresh_figures(event.code)


# The one-stop office's data source of the operations center and its subscribers.
from tinhso.dossiers import ioc_source  # noqa: E402, F401
