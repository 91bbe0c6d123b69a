"""What the forms print about a dossier, read from the database (reading only, nothing logged).

Personal data: Forms 01–06 never print the citizen ID number (the model does not even hold it),
and print the phone and e-mail masked unless the caller, who checked the permission, asks for the
contact in clear (``reveal_contact``); the address is then decrypted, otherwise not printed.
Form 07, the agency's internal tracking book, prints address and phone in clear: that is its
legal purpose, and only the agency's officers may print it (the caller checks).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import InvalidToken

from tinhso.core.accounts import citizen_ids
from tinhso.dossiers import errors
from tinhso.dossiers.forms_pdf import wording
from tinhso.dossiers.models import (
    Channel,
    Dossier,
    DossierDocument,
    DossierState,
    DossierTransition,
    ResultDelivery,
)
from tinhso.dossiers.states import Action

HIDDEN = "(không in trên phiếu để bảo vệ dữ liệu cá nhân)"


@dataclass(frozen=True)
class Heading:
    governing: str
    agency: str


@dataclass(frozen=True)
class Contact:
    address: str
    phone: str
    email: str


@dataclass(frozen=True)
class DocumentLine:
    name: str
    form: str  # "01 bản chính", "Bản điện tử"...
    files: int


def heading_of(agency) -> Heading:
    """The agency and its direct governing body, as the left heading block names them."""
    parent = agency.parent
    return Heading(governing=parent.name if parent is not None else "", agency=agency.name)


def reveal(token: str) -> str:
    """A value the dossiers core encrypted (``citizen_ids.encrypt``); empty if absent or unreadable."""
    if not token:
        return ""
    try:
        return citizen_ids.decrypt(token)
    except (InvalidToken, ValueError):
        return ""


def contact_of(dossier: Dossier, *, reveal_contact: bool) -> Contact:
    if reveal_contact:
        return Contact(
            address=reveal(dossier.applicant_address_encrypted),
            phone=reveal(dossier.applicant_phone_encrypted),
            email=dossier.applicant_email,
        )
    return Contact(
        address=HIDDEN if dossier.applicant_address_encrypted else "",
        phone=wording.masked_phone(dossier.applicant_phone_last4),
        email=wording.masked_email(dossier.applicant_email),
    )


def book_contact(dossier: Dossier) -> str:
    """Address and phone in clear, for the tracking book (Form 07) only."""
    parts = [reveal(dossier.applicant_address_encrypted), reveal(dossier.applicant_phone_encrypted)]
    return "; ".join(p for p in parts if p)


def last_transition(dossier: Dossier, action: str) -> DossierTransition | None:
    return (
        DossierTransition.objects.filter(dossier=dossier, action=action)
        .select_related("actor", "agency")
        .order_by("-at", "-id")
        .first()
    )


def officer_name(transition: DossierTransition | None) -> str:
    if transition is None:
        return ""
    if transition.actor_id is not None:
        return wording.person_name(transition.actor)
    return ""


def acceptance(dossier: Dossier) -> DossierTransition:
    """The reception line (Form 01); a dossier never received has no Form 01."""
    row = last_transition(dossier, Action.ACCEPT)
    if row is None or dossier.received_at is None:
        raise unavailable(dossier, "01", "Hồ sơ chưa được tiếp nhận.", "The dossier has not been received.")
    return row


def documents_received(dossier: Dossier) -> list[DocumentLine]:
    """The documents handed in up to reception, one line per required item (then the others).

    Supplements asked for during processing came later and are not part of the receipt.
    """
    rows = (
        DossierDocument.objects.filter(dossier=dossier)
        .select_related("required_document", "supplement_request")
        .order_by("required_document__order", "id")
    )
    electronic = dossier.channel == Channel.ONLINE
    lines: dict[object, DocumentLine] = {}
    for doc in rows:
        request = doc.supplement_request
        if request is not None and request.resume_state != DossierState.SUBMITTED:
            continue
        required = doc.required_document
        key = ("required", required.pk) if required is not None else ("other", doc.pk)
        if key in lines:
            line = lines[key]
            lines[key] = DocumentLine(line.name, line.form, line.files + 1)
            continue
        form = (required.copies if required is not None else "") or ("Bản điện tử" if electronic else "")
        lines[key] = DocumentLine(required.name if required is not None else doc.name, form, 1)
    return list(lines.values())


DELIVERY_WORDS = {
    ResultDelivery.COUNTER: "Bộ phận tiếp nhận và trả kết quả – {agency}",
    ResultDelivery.ONLINE: "Trực tuyến, trên Cổng dịch vụ công (tài khoản của người nộp hồ sơ)",
    ResultDelivery.POST: "Qua dịch vụ bưu chính công ích, tại địa chỉ người nộp hồ sơ đã đăng ký",
}


def delivery_words(dossier: Dossier) -> str:
    template = DELIVERY_WORDS.get(dossier.result_delivery, "{agency}")
    return template.format(agency=dossier.receiving_agency.name)


def processing_time_words(dossier: Dossier) -> str:
    if dossier.processing_days == 0:
        return "trong ngày làm việc"
    return f"{wording.two_digits(dossier.processing_days)} ngày làm việc"


def unavailable(dossier: Dossier, number: str, vi: str, en: str):
    return errors.conflict(
        "form_unavailable",
        f"Không thể lập Mẫu số {number} cho hồ sơ {dossier.code}: {vi}",
        f"Form {number} cannot be issued for dossier {dossier.code}: {en}",
        form=number,
        dossier=dossier.code,
        state=dossier.state,
    )
