"""What the digital signatures embedded in a result PDF are worth.

Each signature is validated by pyHanko (``validate_pdf_signature``) against the configured trust
roots (``SIGNING_TRUST_ROOTS``), offline: no certificate, CRL or OCSP is fetched, so revocation is
not checked (docs/onestop.md, "Signed results"). For each signature we record:

* ``intact``: the signed bytes are unchanged and the signature value is cryptographically
  correct, and what was appended after it is only more signatures, form filling or annotations;
* ``valid``: intact **and** the signer's certificate chains to a trusted root, is within its
  validity period and allows document signing (non-repudiation or digital signature);
* ``coverage``: ``entire_file`` when the signature covers the whole file as it is, else
  ``entire_revision`` (later revisions were appended, e.g. a second signature) or worse.

A document is *signed* (``ResultDocument.is_signed``) when at least one signature is intact,
valid and covers the entire file. A broken signature refuses the upload: see ``check_pdf``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from tinhso.dossiers import errors
from tinhso.dossiers.signing import certificates, config

logger = logging.getLogger(__name__)
# pyHanko logs every certificate it cannot chain to a root as a warning with a traceback (and the
# signer's name); an untrusted signature is an expected outcome here, recorded in signature_info.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)

# Field names of the signatures the platform applies; they tell whose signature it is.
PERSON_FIELD_PREFIX = "TinhsoNguoiKy"
ORGANISATION_FIELD_PREFIX = "TinhsoCoQuan"

# Document signing certificates carry non-repudiation (content commitment) and/or digital
# signature; either is accepted, as Vietnamese CAs issue both kinds.
KEY_USAGE = KeyUsageConstraints(
    key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False
)
TAMPERING = {"digest_mismatch", "bad_signature_value", "modified_after_signing"}
ACCEPTED_AFTER_SIGNING = {
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
    ModificationLevel.ANNOTATIONS,
}


@dataclass
class Verification:
    is_signed: bool
    info: dict
    broken: list[dict] = field(default_factory=list)  # signatures that are not intact
    unreadable: bool = False  # the PDF could not be parsed though it seems to carry a signature


def role_of(field_name: str) -> str:
    if field_name.startswith(ORGANISATION_FIELD_PREFIX):
        return "organisation"
    if field_name.startswith(PERSON_FIELD_PREFIX):
        return "person"
    return "unknown"


@functools.lru_cache(maxsize=8)
def _roots_from(paths_and_mtimes: tuple[tuple[str, float], ...]) -> tuple:
    roots = []
    for path, _mtime in paths_and_mtimes:
        for certificate in certificates.load_pem_certificates(Path(path)):
            roots.append(certificates.to_asn1(certificate))
    return tuple(roots)


def trust_roots() -> tuple:
    """The configured roots (re-read when a file changes). A missing file is a configuration error."""
    keyed = []
    for path in config.trust_root_paths():
        try:
            keyed.append((str(path), path.stat().st_mtime))
        except OSError:
            logger.error("signing.trust_root_missing", extra={"path": str(path)})
            raise errors.conflict(
                "trust_roots_unavailable",
                "Không đọc được chứng thư gốc tin cậy đã cấu hình; liên hệ quản trị.",
                "A configured trust root cannot be read; contact the administrators.",
            ) from None
    return _roots_from(tuple(keyed))


def validation_context(moment: dt.datetime | None = None) -> ValidationContext:
    return ValidationContext(
        trust_roots=list(trust_roots()),
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )


def _rect_and_page(reader: PdfFileReader, sig_field) -> tuple[list[float] | None, int | None]:
    """Where the signature's widget is drawn; (None, None) when the PDF does not say clearly."""
    try:
        return _widget_position(reader, sig_field)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None, None


def _widget_position(reader: PdfFileReader, sig_field) -> tuple[list[float] | None, int | None]:
    widget = sig_field
    if "/Rect" not in widget and "/Kids" in widget:
        widget = widget["/Kids"][0].get_object()
    rect = widget.get("/Rect")
    if rect is None:
        return None, None
    box = [float(v) for v in rect]
    page_ref = widget.raw_get("/P") if "/P" in widget else None
    page_index = None
    if page_ref is not None:
        count = int(reader.root["/Pages"]["/Count"])
        for index in range(count):
            ref, _resources = reader.find_page_for_modification(index)
            if ref.idnum == page_ref.idnum:
                page_index = index
                break
    return box, page_index


def _entry(reader: PdfFileReader, embedded, context: ValidationContext) -> dict:
    name = embedded.field_name or ""
    rect, page = _rect_and_page(reader, embedded.sig_field)
    entry: dict = {"field": name, "role": role_of(name), "page": page, "rect": rect}
    try:
        status = validate_pdf_signature(embedded, context, key_usage_settings=KEY_USAGE)
    except Exception as exc:  # a damaged signature container, an unsupported format...
        logger.warning("signing.signature_unverifiable", extra={"field": name, "error": type(exc).__name__})
        entry.update(
            intact=False, valid=False, error=type(exc).__name__, coverage="unclear", whole_document=False
        )
        return entry
    entry.update(certificates.describe(status.signing_cert))
    modification = status.modification_level
    intact = bool(
        status.intact
        and status.valid
        and status.docmdp_ok is not False
        and (modification is None or modification in ACCEPTED_AFTER_SIGNING)
    )
    coverage = status.coverage or SignatureCoverageLevel.UNCLEAR
    signed_at = status.signer_reported_dt
    entry.update(
        signed_at=signed_at.isoformat() if signed_at else None,
        intact=intact,
        valid=bool(intact and status.trusted),
        trust_problem=status.trust_problem_indic.name.lower() if status.trust_problem_indic else None,
        coverage=coverage.name.lower(),
        whole_document=coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modified_after=modification.name.lower() if modification is not None else None,
    )
    if not status.intact or not status.valid:
        entry["error"] = "digest_mismatch" if not status.intact else "bad_signature_value"
    elif not intact:
        entry["error"] = "modified_after_signing"
    return entry


def _summary(signatures: list[dict], is_signed: bool) -> str:
    if not signatures:
        return "unsigned"
    if is_signed:
        return "signed"
    if any(s.get("intact") and not s.get("valid") for s in signatures):
        return "untrusted"
    return "not_whole_document"


def verify_pdf(data: bytes, *, now: dt.datetime | None = None) -> Verification:
    """Validate every signature embedded in ``data`` (a PDF). Never raises for a bad document:
    the outcome says what is wrong (``broken``, ``unreadable``)."""
    moment = now or timezone.now()
    info: dict = {
        "verified_at": moment.isoformat(),
        "document_sha256": hashlib.sha256(data).hexdigest(),
        "signatures": [],
    }
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            info["status"] = "encrypted"
            return Verification(is_signed=False, info=info, unreadable=b"/ByteRange" in data)
        embedded = list(reader.embedded_regular_signatures)
        # pyHanko skips signatures it does not support (e.g. an unknown /SubFilter): they are
        # signed fields all the same, which we cannot check.
        known = {e.field_name for e in reader.embedded_signatures}
        skipped = [
            name
            for name, _value, _ref in fields.enumerate_sig_fields(reader, filled_status=True)
            if name not in known
        ]
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        logger.info("signing.pdf_unreadable", extra={"error": type(exc).__name__})
        info["status"] = "unreadable"
        # A file we cannot parse but which looks signed is not accepted as a signed document.
        return Verification(is_signed=False, info=info, unreadable=b"/ByteRange" in data)
    context = validation_context()
    signatures = [_entry(reader, e, context) for e in embedded]
    signatures += [
        {
            "field": name,
            "role": role_of(name),
            "intact": False,
            "valid": False,
            "error": "unsupported_format",
            "coverage": "unclear",
            "whole_document": False,
        }
        for name in skipped
    ]
    is_signed = any(s["intact"] and s["valid"] and s["whole_document"] for s in signatures)
    info["signatures"] = signatures
    info["status"] = _summary(signatures, is_signed)
    return Verification(is_signed=is_signed, info=info, broken=[s for s in signatures if not s["intact"]])


def check_pdf(data: bytes, *, now: dt.datetime | None = None) -> Verification:
    """``verify_pdf``, refusing a document whose signature is broken or cannot be read."""
    outcome = verify_pdf(data, now=now)
    if outcome.unreadable:
        raise errors.invalid(
            "signature_unreadable",
            "Tệp PDF có chữ ký số nhưng không đọc được để kiểm tra; hãy tải lên bản gốc đã ký.",
            "The PDF seems to carry a digital signature but cannot be read to check it; upload the signed original.",
        )
    unverifiable = [s["field"] for s in outcome.broken if s.get("error") not in TAMPERING]
    if unverifiable:
        raise errors.invalid(
            "signature_unverifiable",
            "Không kiểm tra được chữ ký số trong tệp (định dạng chữ ký không được hỗ trợ hoặc bị hỏng). Tệp không được lưu.",
            "A digital signature in the file cannot be checked (unsupported or damaged). Nothing was stored.",
            fields=unverifiable,
        )
    if outcome.broken:
        fields = [s["field"] for s in outcome.broken]
        raise errors.invalid(
            "signature_broken",
            "Chữ ký số trong tệp không còn toàn vẹn: văn bản đã bị sửa đổi sau khi ký. Tệp không được lưu.",
            "A digital signature in the file is broken: the document was modified after signing. Nothing was stored.",
            fields=fields,
        )
    return outcome


def looks_like_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")
