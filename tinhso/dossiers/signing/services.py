"""Writes of the signing package: verify a result before it is stored, sign a stored result.

``sign_result_document`` is the platform's signing flow of Decree 30/2020/NĐ-CP: the competent
person (a leader) signs with their personal certificate, then the clerk or one-stop officer
applies the organisation's signature (its digital seal) over the left third of the person's
stamp; an attachment carries the organisation's signature alone, without image.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db import transaction

from tinhso.core.agencies.models import Agency
from tinhso.core.audit import services as audit
from tinhso.core.errors import PermissionDenied
from tinhso.core.events import services as events
from tinhso.core.files import services as files
from tinhso.core.files.models import StoredFile
from tinhso.core.files.purposes import get_purpose
from tinhso.core.permissions import SYSTEM, as_principal, require
from tinhso.dossiers import errors
from tinhso.dossiers.events import ResultSigned
from tinhso.dossiers.models import Dossier, DossierState, ResultDocument
from tinhso.dossiers.permissions import AgencyRef
from tinhso.dossiers.services.common import lock, now_or
from tinhso.dossiers.signing import keystore as keystores
from tinhso.dossiers.signing import pades, records, stamps, verification
from tinhso.dossiers.signing.keystore import ORGANISATION, PERSON

SIGNABLE_STATES = (DossierState.PROCESSING, DossierState.PROCESSED)
PDF = "application/pdf"

# --- Verification when a result is attached -------------------------------------------------------


def verify_upload(upload: Any, *, purpose: str) -> tuple[io.BytesIO, verification.Verification | None]:
    """Read an upload (from its current position), check the signatures of a PDF, and give back
    the bytes to store. Refuses a broken signature before anything is stored. An upload over the
    purpose's limit is handed back unread beyond the limit: the files service refuses it."""
    limit = get_purpose(purpose).max_bytes
    data = upload.read(limit + 1)
    if len(data) > limit or not verification.looks_like_pdf(data):
        return io.BytesIO(data), None
    return io.BytesIO(data), verification.check_pdf(data)


def _read(stored: StoredFile) -> bytes:
    # The dossier permission is the gate (checked by the caller); the files service reads the bytes.
    with files.open_stored_file(actor=SYSTEM, stored_file=stored) as handle:
        return handle.read()


def verify_stored(stored: StoredFile) -> verification.Verification | None:
    data = _read(stored)
    if not verification.looks_like_pdf(data):
        return None
    return verification.check_pdf(data)


# --- Signing in the platform -----------------------------------------------------------------------


def _check_certificate(key: keystores.SigningKey, at: dt.datetime) -> dict:
    described = key.describe()
    validity = key.certificate["tbs_certificate"]["validity"]
    if not validity["not_before"].native <= at <= validity["not_after"].native:
        raise errors.conflict(
            "signing_certificate_expired",
            "Chứng thư số dùng để ký đã hết hạn hoặc chưa có hiệu lực; liên hệ quản trị để gia hạn.",
            "The signing certificate has expired or is not valid yet; contact the administrators.",
            serial=described["serial"],
        )
    return described


def _same_certificate(entry: dict, described: dict) -> bool:
    return entry.get("serial") == described["serial"] and entry.get("issuer_cn") == described["issuer_cn"]


@transaction.atomic
def sign_result_document(
    *,
    actor: Any,
    dossier: Dossier,
    result: ResultDocument,
    signer: str,
    attachment: bool = False,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> ResultDocument:
    """Add a digital signature to a result PDF not returned yet.

    ``signer="person"``: a leader of the dossier's current agency (``dossiers.sign_result``) signs
    with their personal certificate; the stamp (name, title, agency, time) goes at the bottom
    right of the last page. ``signer="organisation"``: a clerk or one-stop officer of the issuing
    agency (``dossiers.seal_result``) applies the agency's signature, its red text stamp over the
    left third of the person's stamp; it needs the person's signature first, unless ``attachment``
    (an attachment carries the organisation's signature without image).

    The signed PDF is stored as a new file (``signed_document``) and replaces the result's file;
    the previous file stays stored and is named in the audit record. Signing again with the same
    certificate changes nothing (a retried request).
    """
    at = now_or(now)
    if signer not in (PERSON, ORGANISATION):
        raise errors.invalid("invalid_signer", "Loại chữ ký không hợp lệ.", "Unknown kind of signature.")
    locked = lock(dossier, expected_version)
    row = (
        ResultDocument.objects.select_for_update(of=("self",))
        .select_related("file")
        .filter(pk=getattr(result, "pk", None), dossier=locked)
        .first()
    )
    if row is None:
        raise errors.invalid("unknown_result", "Không tìm thấy kết quả của hồ sơ.", "Result not found.")
    if signer == PERSON:
        if attachment:
            raise errors.invalid(
                "attachment_person_signature",
                "Phụ lục chỉ mang chữ ký số của cơ quan.",
                "An attachment carries only the organisation's signature.",
            )
        require(actor, "dossiers.sign_result", locked)
        agency = locked.current_agency
    else:
        agency = Agency.objects.get(pk=records.issuing_agency_id(locked, row))
        require(actor, "dossiers.seal_result", AgencyRef(agency.pk))
    principal = as_principal(actor)
    if principal.kind != "officer":
        raise PermissionDenied(
            "Chỉ cán bộ được cấp chứng thư số mới ký số kết quả.",
            "Only an officer holding a signing certificate signs a result.",
        )
    if locked.state not in SIGNABLE_STATES or row.returned_at is not None:
        raise errors.conflict(
            "result_not_signable",
            "Chỉ ký số kết quả chưa trả, khi hồ sơ đang xử lý hoặc đã xử lý xong.",
            "Only a result not yet returned, of a dossier being processed or processed, can be signed.",
            state=locked.state,
        )
    if row.file.content_type != PDF:
        raise errors.invalid(
            "result_not_pdf", "Chỉ ký số được kết quả dạng PDF.", "Only a PDF result can be signed."
        )
    data = _read(row.file)
    current = verification.check_pdf(data, now=at)
    store = keystores.get_keystore()
    key = store.person_key(principal.user) if signer == PERSON else store.organisation_key(agency)
    described = _check_certificate(key, at)
    existing = current.info["signatures"]
    if any(_same_certificate(s, described) for s in existing):
        return row  # already signed with this certificate: a retry
    if any(s["role"] == ORGANISATION for s in existing):
        raise errors.conflict(
            "result_already_sealed",
            "Kết quả đã có chữ ký số của cơ quan; không ký thêm sau chữ ký của cơ quan.",
            "The result already carries the organisation's signature; nothing is signed after it.",
        )
    person_signature = next(
        (s for s in reversed(existing) if s["role"] != ORGANISATION and s["intact"]), None
    )
    if signer == ORGANISATION and not attachment and person_signature is None:
        raise errors.conflict(
            "person_signature_missing",
            "Kết quả chưa có chữ ký số của người có thẩm quyền: lãnh đạo ký trước, sau đó mới ký số của cơ quan.",
            "The result has no signature of the competent person yet: the leader signs first, then the organisation.",
        )

    if signer == PERSON:
        name = principal.user.full_name or described["subject_cn"]
        title = described["subject_title"] or "Lãnh đạo"
        placement = pades.person_placement(data)
        style = stamps.person_style(
            stamps.person_text(name=name, title=title, organisation=agency.name, moment=at)
        )
        field = pades.field_name(data, verification.PERSON_FIELD_PREFIX)
        reason = "Ký duyệt kết quả giải quyết thủ tục hành chính"
    else:
        name = agency.name
        placement = (
            pades.Placement(page=-1, box=None) if attachment else pades.seal_placement(data, person_signature)
        )
        style = stamps.seal_style(stamps.seal_text(organisation=agency.name, moment=at))
        field = pades.field_name(data, verification.ORGANISATION_FIELD_PREFIX)
        reason = "Chữ ký số của cơ quan, tổ chức"
    signed = pades.sign_pdf(
        data,
        key=key,
        name=field,
        placement=placement,
        style=style,
        signer_name=name,
        reason=reason,
        location=agency.name,
    )
    outcome = verification.verify_pdf(signed, now=at)
    stored = files.store_upload(
        actor=actor,
        purpose="signed_document",
        file=io.BytesIO(signed),
        name=row.file.original_name or row.name,
        agency=agency,
    )
    previous = row.file
    info = outcome.info
    info["platform_signatures"] = [
        *records.platform_signatures(row),
        {
            "field": field,
            "signer": signer,
            "attachment": bool(attachment),
            "agency_id": agency.pk,
            "agency_code": agency.code,
            "officer_id": str(principal.user.public_id),
            "serial": described["serial"],
            "at": at.isoformat(),
            "previous_file_id": str(previous.public_id),
        },
    ]
    row.file = stored
    row.is_signed = outcome.is_signed
    row.signature_info = info
    row.save(update_fields=["file", "is_signed", "signature_info"])
    audit.record(
        actor=actor,
        action="dossiers.result_signed",
        obj=locked,
        changes={
            "code": locked.code,
            "result_id": row.pk,
            "signer": signer,
            "attachment": bool(attachment),
            "agency": agency.code,
            "certificate_serial": described["serial"],
            "certificate_issuer": described["issuer_cn"],
            "document_sha256": stored.sha256,
            "file": str(stored.public_id),
            "previous_file": str(previous.public_id),
            "previous_sha256": previous.sha256,
            "is_signed": outcome.is_signed,
        },
    )
    events.publish(
        ResultSigned(
            code=locked.code,
            agency_code=agency.code,
            result_id=row.pk,
            signer=signer,
            certificate_serial=described["serial"],
            document_sha256=stored.sha256,
            is_signed=outcome.is_signed,
        )
    )
    return row
