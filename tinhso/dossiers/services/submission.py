"""Submitting dossiers: online by a citizen, at the counter by a one-stop officer; their documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F

from tinhso.core.accounts import citizen_ids
from tinhso.core.accounts.models import User, UserKind
from tinhso.core.agencies.models import Agency
from tinhso.core.audit import services as audit
from tinhso.core.events import services as events
from tinhso.core.files import services as files
from tinhso.core.files import types as file_types
from tinhso.core.files.models import StoredFile
from tinhso.core.permissions import as_principal, require
from tinhso.core.workcalendar import arithmetic
from tinhso.dossiers import catalog, errors
from tinhso.dossiers.events import DossierSubmitted
from tinhso.dossiers.models import (
    NATIONAL_STATUS,
    Channel,
    Dossier,
    DossierDocument,
    DossierSequence,
    DossierState,
    DossierTransition,
    ResultDelivery,
)
from tinhso.dossiers.permissions import AgencyRef
from tinhso.dossiers.services.common import clean_text, label_of, now_or, user_of
from tinhso.procedures.models import OnlineLevel, Procedure, RequiredDocument

ATTACHMENT_PURPOSE = "dossier_attachment"
MAX_DOCUMENTS = 50
MAX_IDEMPOTENCY_KEY = 100
_PHONE = re.compile(r"^(\+84|0)\d{9,10}$")
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")


@dataclass
class DocumentInput:
    """One submitted file: an already uploaded ``file_id`` (the submitter's own upload, purpose
    ``dossier_attachment``) or an ``upload`` (a file object) stored now."""

    required_document_id: int | None = None
    file_id: uuid.UUID | str | None = None
    upload: Any = None
    name: str = ""


@dataclass
class ApplicantInput:
    """Who the dossier is for, as typed at the counter (the online applicant is the signed-in user)."""

    name: str = ""
    citizen_id: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass
class Submission:
    dossier: Dossier
    replayed: bool = False  # True when an Idempotency-Key matched an earlier identical submission


@dataclass
class _Applicant:
    user: Any
    name: str
    id_digest: str = ""
    id_last4: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    extra: dict = field(default_factory=dict)


# --- Codes ---------------------------------------------------------------------------------


def next_code(agency: Agency, day: dt.date) -> str:
    """``<agency code>-<yyMMdd>-<NNNN>``: the next number of ``agency`` on ``day``.

    The (agency, day) counter row is locked (``select_for_update``) and incremented in the
    caller's transaction, so concurrent submissions queue on it and never draw the same number;
    the unique ``Dossier.code`` is the last guard.
    """
    sequence, _ = DossierSequence.objects.select_for_update().get_or_create(agency=agency, day=day)
    DossierSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    value = DossierSequence.objects.values_list("last_value", flat=True).get(pk=sequence.pk)
    return f"{agency.code}-{day:%y%m%d}-{value:04d}"


# --- Checks --------------------------------------------------------------------------------


def _clean_phone(phone: str) -> str:
    phone = re.sub(r"[\s.\-]", "", phone or "")
    if phone and not _PHONE.match(phone):
        raise errors.invalid(
            "invalid_phone", "Số điện thoại không hợp lệ.", "The phone number is not valid.", field="phone"
        )
    return phone


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except DjangoValidationError:
        raise errors.invalid(
            "invalid_email",
            "Địa chỉ thư điện tử không hợp lệ.",
            "The e-mail address is not valid.",
            field="email",
        ) from None
    return email


def clean_idempotency_key(key: Any) -> str:
    key = (key or "").strip() if isinstance(key, str) else ""
    if key and not _KEY.match(key):
        raise errors.invalid(
            "invalid_idempotency_key",
            "Idempotency-Key phải gồm 1–100 ký tự ASCII in được, không có khoảng trắng.",
            "Idempotency-Key must be 1–100 printable ASCII characters without spaces.",
        )
    return key


def _fingerprint(payload: dict) -> str:
    # Keyed (HMAC): the stored fingerprint covers contact data and must not be reversible.
    key = b"dossier-submission:" + settings.CITIZEN_ID_KEY.encode()
    return hmac.new(
        key, json.dumps(payload, sort_keys=True, default=str).encode(), hashlib.sha256
    ).hexdigest()


def _replay(submitter, key: str, fingerprint: str) -> Submission | None:
    if not key or submitter is None:
        return None
    existing = Dossier.objects.filter(submitted_by=submitter, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.idempotency_fingerprint != fingerprint:
        raise errors.conflict(
            "idempotency_key_reused",
            "Idempotency-Key này đã được dùng cho một hồ sơ khác.",
            "This Idempotency-Key was already used for a different submission.",
        )
    return Submission(dossier=existing, replayed=True)


def _check_agency_performs(procedure: Procedure, agency: Agency) -> None:
    performing = list(procedure.performing_agencies.values_list("pk", flat=True))
    if performing:
        ok = agency.pk in performing
    elif procedure.levels:
        ok = catalog.level_of(agency) in procedure.levels
    else:
        ok = True
    if not ok:
        raise errors.invalid(
            "agency_not_competent",
            "Cơ quan được chọn không tiếp nhận thủ tục này.",
            "The chosen agency does not handle this procedure.",
            agency=agency.code,
            procedure=procedure.code,
        )


def _accepted(required: RequiredDocument | None, content_type: str) -> bool:
    if required is None or not required.accepts:
        return True
    extensions = {ext.lstrip(".").lower() for ext in file_types.EXTENSIONS.get(content_type, ())}
    return any(str(kind).lstrip(".").lower() in extensions for kind in required.accepts)


def _resolve_documents(
    *, actor: Any, procedure: Procedure, agency: Agency, items: list[DocumentInput]
) -> list[tuple[StoredFile, RequiredDocument | None, str]]:
    """Check every item (reference, ownership, type accepted) and store the uploads."""
    if len(items) > MAX_DOCUMENTS:
        raise errors.invalid(
            "too_many_documents",
            f"Tối đa {MAX_DOCUMENTS} tệp cho một lần nộp.",
            f"At most {MAX_DOCUMENTS} files per submission.",
        )
    required_by_id = {doc.pk: doc for doc in RequiredDocument.objects.filter(procedure=procedure)}
    owner = user_of(actor)
    resolved: list[tuple[StoredFile, RequiredDocument | None, str]] = []
    pending_uploads: list[tuple[DocumentInput, RequiredDocument | None]] = []
    for index, item in enumerate(items):
        required = None
        if item.required_document_id is not None:
            required = required_by_id.get(int(item.required_document_id))
            if required is None:
                raise errors.invalid(
                    "unknown_required_document",
                    "Thành phần hồ sơ không thuộc thủ tục này.",
                    "The document item does not belong to this procedure.",
                    index=index,
                )
        if item.upload is not None:
            pending_uploads.append((item, required))
            continue
        stored = _own_attachment(owner, item.file_id, index)
        resolved.append((stored, required, item.name))
    # Uploads last: nothing is stored when a reference above is wrong.
    for item, required in pending_uploads:
        stored = files.store_upload(
            actor=actor, purpose=ATTACHMENT_PURPOSE, file=item.upload, name=item.name or None, agency=agency
        )
        resolved.append((stored, required, item.name))
    for index, (stored, required, _name) in enumerate(resolved):
        if not _accepted(required, stored.content_type):
            raise errors.invalid(
                "document_type_not_accepted",
                f"Thành phần “{required.name[:80]}” chỉ nhận tệp: {', '.join(required.accepts)}.",
                f"This document item accepts only: {', '.join(required.accepts)}.",
                index=index,
                accepts=list(required.accepts),
            )
    return resolved


def _own_attachment(owner, file_id: Any, index: int) -> StoredFile:
    not_found = errors.invalid(
        "unknown_file",
        "Không tìm thấy tệp đã tải lên (hoặc tệp không phải của bạn).",
        "The uploaded file was not found (or is not yours).",
        index=index,
    )
    try:
        public_id = uuid.UUID(str(file_id))
    except (TypeError, ValueError):
        raise not_found from None
    stored = StoredFile.objects.filter(public_id=public_id, deleted_at__isnull=True).first()
    if stored is None or owner is None or stored.owner_id != owner.pk:
        raise not_found
    if stored.purpose != ATTACHMENT_PURPOSE:
        raise errors.invalid(
            "wrong_file_purpose",
            "Tệp phải được tải lên với mục đích “dossier_attachment”.",
            "The file must be uploaded with the purpose “dossier_attachment”.",
            index=index,
        )
    if DossierDocument.objects.filter(file=stored).exists():
        raise errors.conflict(
            "file_already_attached",
            "Tệp này đã thuộc một hồ sơ khác; hãy tải lên lại.",
            "This file already belongs to a dossier; upload it again.",
            index=index,
        )
    return stored


def check_required_documents(procedure: Procedure, present_ids: set[int]) -> None:
    missing = list(
        RequiredDocument.objects.filter(procedure=procedure, is_required=True)
        .exclude(pk__in=present_ids)
        .order_by("order")
        .values("pk", "order", "name")
    )
    if missing:
        raise errors.invalid(
            "missing_documents",
            "Hồ sơ còn thiếu thành phần bắt buộc.",
            "Required documents are missing.",
            missing=[{"id": m["pk"], "order": m["order"], "name": m["name"]} for m in missing],
        )


def _attach(dossier: Dossier, resolved, actor: Any, supplement=None) -> list[DossierDocument]:
    rows = []
    for stored, required, name in resolved:
        label = clean_text(
            name or (required.name if required else stored.original_name),
            field="name",
            max_length=500,
            required=True,
        )
        rows.append(
            DossierDocument.objects.create(
                dossier=dossier,
                file=stored,
                required_document=required,
                name=label,
                supplement_request=supplement,
                uploaded_by=user_of(actor),
            )
        )
    return rows


# --- Submission ----------------------------------------------------------------------------


def _online_applicant(user: User, contact: ApplicantInput) -> _Applicant:
    last4 = ""
    if user.citizen_id_encrypted:
        last4 = citizen_ids.decrypt(user.citizen_id_encrypted)[-4:]
    phone = contact.phone or (citizen_ids.decrypt(user.phone_encrypted) if user.phone_encrypted else "")
    return _Applicant(
        user=user,
        name=user.full_name or user.username,
        id_digest=user.citizen_id_digest or "",
        id_last4=last4,
        phone=_clean_phone(phone),
        email=_clean_email(contact.email or user.email),
        address=clean_text(contact.address, field="address", max_length=500, required=False),
    )


def _counter_applicant(applicant: ApplicantInput) -> _Applicant:
    name = clean_text(applicant.name, field="applicant_name", max_length=255, required=True)
    digest = last4 = ""
    user = None
    if applicant.citizen_id:
        number = citizen_ids.validate(applicant.citizen_id)
        digest, last4 = citizen_ids.digest(number), number[-4:]
        # A citizen who has an account sees the dossier among their own.
        user = User.objects.filter(citizen_id_digest=digest, kind=UserKind.CITIZEN, is_active=True).first()
    return _Applicant(
        user=user,
        name=name,
        id_digest=digest,
        id_last4=last4,
        phone=_clean_phone(applicant.phone),
        email=_clean_email(applicant.email),
        address=clean_text(applicant.address, field="address", max_length=500, required=False),
    )


def _create(
    *,
    actor: Any,
    procedure: Procedure,
    agency: Agency,
    applicant: _Applicant,
    channel: int,
    form_data: dict,
    fee_options: dict | None,
    result_delivery: str,
    documents: list[DocumentInput],
    key: str,
    fingerprint: str,
    at: dt.datetime,
) -> Dossier:
    if result_delivery not in ResultDelivery.values:
        raise errors.invalid(
            "invalid_result_delivery", "Cách nhận kết quả không hợp lệ.", "Invalid result delivery."
        )
    if result_delivery == ResultDelivery.ONLINE and procedure.online_level != OnlineLevel.FULL:
        raise errors.invalid(
            "online_result_unavailable",
            "Thủ tục này không trả kết quả trực tuyến.",
            "This procedure does not return its result online.",
        )
    clean_form = catalog.validate_form_data(procedure, form_data)
    fee = catalog.fee_for(procedure, fee_options)
    # The number is drawn before the uploads: every submission takes the sequence lock before the
    # audit chain's lock (uploads are audited), so concurrent submissions cannot deadlock.
    code = next_code(agency, at.astimezone(arithmetic.TZ).date())
    resolved = _resolve_documents(actor=actor, procedure=procedure, agency=agency, items=documents)
    check_required_documents(procedure, {required.pk for _, required, _ in resolved if required is not None})
    dossier = Dossier(
        code=code,
        procedure=procedure,
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        processing_days=procedure.processing_days,
        fee_amount=fee,
        fee_options=fee_options or {},
        online_level=procedure.online_level,
        receiving_agency=agency,
        current_agency=agency,
        applicant=applicant.user,
        applicant_name=applicant.name,
        applicant_id_digest=applicant.id_digest,
        applicant_id_last4=applicant.id_last4,
        applicant_phone_encrypted=citizen_ids.encrypt(applicant.phone) if applicant.phone else "",
        applicant_phone_last4=applicant.phone[-4:] if applicant.phone else "",
        applicant_email=applicant.email,
        applicant_address_encrypted=citizen_ids.encrypt(applicant.address) if applicant.address else "",
        channel=channel,
        result_delivery=result_delivery,
        form_data=clean_form,
        state=DossierState.SUBMITTED,
        submitted_at=at,
        submitted_by=user_of(actor),
        idempotency_key=key,
        idempotency_fingerprint=fingerprint if key else "",
    )
    dossier.save()
    _attach(dossier, resolved, actor)
    DossierTransition.objects.create(
        dossier=dossier,
        from_state="",
        to_state=DossierState.SUBMITTED,
        action="submit",
        actor=user_of(actor),
        actor_label=label_of(actor),
        at=at,
        agency=agency,
        national_status=NATIONAL_STATUS[DossierState.SUBMITTED],
        data={"channel": channel},
    )
    audit.record(
        actor=actor,
        action="dossiers.submitted",
        obj=dossier,
        changes={
            "code": dossier.code,
            "procedure": procedure.code,
            "agency": agency.code,
            "channel": channel,
            "documents": len(resolved),
        },
    )
    events.publish(
        DossierSubmitted(
            code=dossier.code, procedure_code=procedure.code, agency_code=agency.code, channel=channel
        )
    )
    return dossier


def _documents_fingerprint(documents: list[DocumentInput]) -> list:
    return [
        [d.required_document_id, str(d.file_id) if d.file_id else None, d.name, d.upload is not None]
        for d in documents
    ]


def _submit(*, actor, key, fingerprint, create) -> Submission:
    submitter = user_of(actor)
    if key and submitter is not None:
        # Retries of one submission queue here, so the later ones find the first one's dossier.
        User.objects.select_for_update().filter(pk=submitter.pk).values_list("pk", flat=True).first()
    replay = _replay(submitter, key, fingerprint)
    if replay is not None:
        return replay
    try:
        # A savepoint: a twin that lost the race on the idempotency key leaves no trace (no number
        # drawn, no row), and then answers with the winner's dossier.
        with transaction.atomic():
            return Submission(dossier=create())
    except IntegrityError:
        # A concurrent request with the same key won the unique constraint; answer with its dossier.
        replay = _replay(submitter, key, fingerprint) if key else None
        if replay is None:
            raise
        return replay


@transaction.atomic
def submit_dossier(
    *,
    actor: Any,
    procedure_code: str,
    agency: Agency,
    form_data: dict | None = None,
    documents: list[DocumentInput] | None = None,
    fee_options: dict | None = None,
    result_delivery: str | None = None,
    contact: ApplicantInput | None = None,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """A signed-in citizen submits a dossier online (channel 2).

    The procedure must be offered online (fully or partly) by ``agency``; the form is validated
    against the procedure's fields; every required document must be present. With an
    ``idempotency_key`` a retried identical submission returns the first dossier (``replayed``),
    a different one with the same key is a conflict (``dossiers.idempotency_key_reused``).
    """
    principal = as_principal(actor)
    require(actor, "dossiers.submit")
    if principal.kind != "citizen" or principal.user is None:
        raise errors.invalid(
            "citizen_only",
            "Chỉ công dân, tổ chức đăng nhập mới nộp hồ sơ trực tuyến; cán bộ dùng chức năng tiếp nhận tại quầy.",
            "Only signed-in citizens submit online; officers use the counter receipt.",
        )
    at = now_or(now)
    key = clean_idempotency_key(idempotency_key)
    documents = list(documents or [])
    contact = contact or ApplicantInput()
    fingerprint = _fingerprint(
        {
            "procedure": procedure_code,
            "agency": agency.code,
            "form": form_data,
            "documents": _documents_fingerprint(documents),
            "fee": fee_options,
            "delivery": result_delivery,
            "contact": [contact.phone, contact.email, contact.address],
        }
    )

    def create() -> Dossier:
        procedure = catalog.get_active_procedure(procedure_code, at.astimezone(arithmetic.TZ).date())
        if not catalog.is_online(procedure):
            raise errors.invalid(
                "not_online",
                "Thủ tục này không được cung cấp trực tuyến; vui lòng nộp tại bộ phận một cửa.",
                "This procedure is not offered online; please submit it at the one-stop desk.",
            )
        _check_agency_performs(procedure, agency)
        delivery = result_delivery or (
            ResultDelivery.ONLINE if procedure.online_level == OnlineLevel.FULL else ResultDelivery.COUNTER
        )
        return _create(
            actor=actor,
            procedure=procedure,
            agency=agency,
            applicant=_online_applicant(principal.user, contact),
            channel=Channel.ONLINE,
            form_data=form_data or {},
            fee_options=fee_options,
            result_delivery=delivery,
            documents=documents,
            key=key,
            fingerprint=fingerprint,
            at=at,
        )

    return _submit(actor=actor, key=key, fingerprint=fingerprint, create=create)


@transaction.atomic
def receive_at_counter(
    *,
    actor: Any,
    procedure_code: str,
    agency: Agency,
    applicant: ApplicantInput,
    form_data: dict | None = None,
    documents: list[DocumentInput] | None = None,
    fee_options: dict | None = None,
    result_delivery: str = ResultDelivery.COUNTER,
    channel: int = Channel.COUNTER,
    accept: bool = True,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """A one-stop officer of ``agency`` registers a dossier handed in at the counter (channel 1) or
    by post (channel 3) on the applicant's behalf and, by default, receives it at once (Form 01)."""
    require(actor, "dossiers.receive", AgencyRef(agency.pk))
    if channel not in (Channel.COUNTER, Channel.POSTAL):
        raise errors.invalid(
            "invalid_channel", "Kênh tiếp nhận không hợp lệ.", "Invalid channel for a counter receipt."
        )
    at = now_or(now)
    key = clean_idempotency_key(idempotency_key)
    documents = list(documents or [])
    fingerprint = _fingerprint(
        {
            "procedure": procedure_code,
            "agency": agency.code,
            "form": form_data,
            "documents": _documents_fingerprint(documents),
            "fee": fee_options,
            "delivery": result_delivery,
            "channel": channel,
            "accept": accept,
            "applicant": [
                applicant.name,
                # Keyed digest: the fingerprint must not let anyone recover the ID number.
                citizen_ids.digest(citizen_ids.normalize(applicant.citizen_id)),
                applicant.phone,
                applicant.email,
                applicant.address,
            ],
        }
    )

    def create() -> Dossier:
        procedure = catalog.get_active_procedure(procedure_code, at.astimezone(arithmetic.TZ).date())
        _check_agency_performs(procedure, agency)
        dossier = _create(
            actor=actor,
            procedure=procedure,
            agency=agency,
            applicant=_counter_applicant(applicant),
            channel=channel,
            form_data=form_data or {},
            fee_options=fee_options,
            result_delivery=result_delivery,
            documents=documents,
            key=key,
            fingerprint=fingerprint,
            at=at,
        )
        if accept:
            from tinhso.dossiers.services.reception import accept_dossier

            dossier = accept_dossier(actor=actor, dossier=dossier, now=at)
        return dossier

    return _submit(actor=actor, key=key, fingerprint=fingerprint, create=create)


@transaction.atomic
def add_documents(
    *, actor: Any, dossier: Dossier, documents: list[DocumentInput], expected_version: int | None = None
) -> list[DossierDocument]:
    """Add files to a dossier not yet received (the applicant completing it before reception).

    After reception files come in only as a supplement (``fulfil_supplement``)."""
    from tinhso.dossiers.services.common import lock

    locked = lock(dossier, expected_version)
    require(actor, "dossiers.supplement", locked)
    if locked.state != DossierState.SUBMITTED:
        raise errors.invalid_transition(locked.state, "add_documents")
    if not documents:
        raise errors.invalid("no_documents", "Chưa chọn tệp nào.", "No file was given.")
    resolved = _resolve_documents(
        actor=actor, procedure=locked.procedure, agency=locked.receiving_agency, items=list(documents)
    )
    rows = _attach(locked, resolved, actor)
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    audit.record(
        actor=actor,
        action="dossiers.documents_added",
        obj=locked,
        changes={"code": locked.code, "count": len(rows)},
    )
    return rows
