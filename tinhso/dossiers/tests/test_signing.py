"""Digitally signed results: verification when a result is attached, signing in the platform
(the leader's signature, then the organisation's), permissions, stamps, audit and event."""

from __future__ import annotations

import io

import pytest

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import Conflict, PermissionDenied, ValidationFailed
from tinhso.core.events.models import OutboxEvent
from tinhso.core.files.models import StoredFile
from tinhso.core.files.tests.samples import png_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import DossierState, ResultDocument
from tinhso.dossiers.signing import services as signing
from tinhso.dossiers.signing import stamps
from tinhso.dossiers.tests import test_signing_support as support
from tinhso.dossiers.tests.test_signing_support import (
    at_approval,
    attach,
    make_pdf,
    self_signed_p12,
    sign_externally,
    widget_rects,
)

pytestmark = pytest.mark.django_db
pki = support.pki  # the fixture, for this module's tests


def _bytes(result: ResultDocument) -> bytes:
    from django.core.files.storage import default_storage

    result.refresh_from_db()
    with default_storage.open(result.file.storage_name, "rb") as handle:
        return handle.read()


def _sign(world, dossier, result, signer="person", actor=None, **kwargs):
    actor = actor or (world.leader if signer == "person" else world.one_stop)
    return signing.sign_result_document(actor=actor, dossier=dossier, result=result, signer=signer, **kwargs)


# --- Verification when a result is attached ------------------------------------------------------


def test_an_externally_signed_pdf_is_verified_and_recorded(world, pki):
    key, cert = pki.issue("Trần Thị Giám Đốc", "Sở Tư pháp")
    signed = sign_externally(make_pdf(), pki.p12(key, cert))
    result = attach(world, at_approval(world), signed)
    assert result.is_signed
    info = result.signature_info
    assert info["status"] == "signed" and len(info["signatures"]) == 1
    entry = info["signatures"][0]
    assert entry["subject_cn"] == "Trần Thị Giám Đốc" and entry["subject_o"] == "Sở Tư pháp"
    assert entry["serial"] == format(cert.serial_number, "X")
    assert entry["intact"] and entry["valid"] and entry["whole_document"]
    assert entry["coverage"] == "entire_file" and entry["signed_at"]
    assert entry["role"] == "unknown"  # not applied by the platform
    transition = result.dossier.transitions.get(action="attach_result")
    assert transition.data["signed"] is True


def test_a_pdf_modified_after_signing_is_refused_and_nothing_is_stored(world, pki):
    key, cert = pki.issue("Trần Thị Giám Đốc", "Sở Tư pháp")
    signed = bytearray(sign_externally(make_pdf(), pki.p12(key, cert)))
    at = signed.index(b"/Producer (")  # inside the signed bytes; the PDF still parses
    signed[at + 11] = ord("X") if signed[at + 11] != ord("X") else ord("Y")
    dossier = at_approval(world)
    files_before = StoredFile.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        attach(world, dossier, bytes(signed))
    assert refused.value.code == "dossiers.signature_broken"
    assert (
        "sửa đổi sau khi ký" in refused.value.message_vi
        and "modified after signing" in refused.value.message_en
    )
    assert StoredFile.objects.count() == files_before
    assert not ResultDocument.objects.filter(dossier=dossier).exists()
    assert not dossier.transitions.filter(action="attach_result").exists()


def test_a_damaged_or_unsupported_signature_is_refused(world, pki):
    key, cert = pki.issue("Trần Thị Giám Đốc", "Sở Tư pháp")
    original = sign_externally(make_pdf(), pki.p12(key, cert))
    damaged = bytearray(original)
    at = damaged.index(b"/Contents <") + len(b"/Contents <")
    assert damaged[at : at + 2] == b"30"  # the DER SEQUENCE of the CMS object
    damaged[at : at + 2] = b"A0"  # no longer a CMS object (outside the signed byte range)
    dossier = at_approval(world)
    with pytest.raises(ValidationFailed) as refused:
        attach(world, dossier, bytes(damaged))
    assert refused.value.code == "dossiers.signature_unreadable"
    unsupported = original.replace(b"/ETSI.CAdES.detached", b"/ETSI.CAdES.detacheX")
    with pytest.raises(ValidationFailed) as refused:
        attach(world, dossier, unsupported)
    assert refused.value.code == "dossiers.signature_unverifiable"
    assert not ResultDocument.objects.filter(dossier=dossier).exists()


def test_an_untrusted_self_signed_signature_is_stored_but_flagged(world, pki):
    signed = sign_externally(make_pdf(), self_signed_p12("Người Lạ", "Không rõ"))
    result = attach(world, at_approval(world), signed)
    assert result.is_signed is False
    entry = result.signature_info["signatures"][0]
    assert entry["intact"] is True and entry["valid"] is False and entry["trust_problem"]
    assert result.signature_info["status"] == "untrusted"
    from django.test import Client

    client = Client()
    client.force_login(world.leader)
    page = client.get(f"/ho-so/lam-viec/{result.dossier.code}/").content.decode()
    assert "không tin cậy" in page


def test_unsigned_pdf_and_images_are_not_signed(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    assert result.is_signed is False and result.signature_info["status"] == "unsigned"
    image = services.attach_result(
        actor=world.leader,
        dossier=dossier,
        name="Ảnh",
        upload=io.BytesIO(png_bytes()),
        purpose="dossier_attachment",
    )
    assert image.is_signed is False and image.signature_info == {}


def test_a_caller_cannot_claim_a_signature(world, pki):
    result = services.attach_result(
        actor=world.leader,
        dossier=at_approval(world),
        name="KQ",
        upload=io.BytesIO(make_pdf()),
        is_signed=True,
        signature_info={"forged": True},
    )
    assert result.is_signed is False and "forged" not in result.signature_info


# --- Signing in the platform ------------------------------------------------------------------


def test_leader_then_organisation_two_incremental_signatures_both_valid(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    original = result.file
    _sign(world, dossier, result, "person")
    result.refresh_from_db()
    assert result.is_signed and result.file != original
    assert result.file.purpose == "signed_document"
    assert [s["role"] for s in result.signature_info["signatures"]] == ["person"]
    services.complete_step(actor=world.leader, dossier=dossier)  # approval: processed
    _sign(world, dossier, result, "organisation")
    result.refresh_from_db()
    assert result.is_signed
    person, organisation = result.signature_info["signatures"]
    assert person["role"] == "person" and organisation["role"] == "organisation"
    assert person["subject_cn"] == "Nguyễn Văn Lãnh Đạo" and organisation["subject_cn"] == world.dept.name
    assert person["intact"] and person["valid"] and organisation["intact"] and organisation["valid"]
    # The person's signature covers its revision; the organisation's was appended after it.
    assert person["coverage"] == "entire_revision" and person["modified_after"] == "form_filling"
    assert organisation["coverage"] == "entire_file" and organisation["whole_document"]
    # The document as stored verifies the same way from its bytes.
    again = signing.verification.verify_pdf(_bytes(result))
    assert again.is_signed and [s["valid"] for s in again.info["signatures"]] == [True, True]
    assert [p["signer"] for p in result.signature_info["platform_signatures"]] == ["person", "organisation"]
    # The officer's page shows both signatures as valid and offers no further signing.
    from django.test import Client

    client = Client()
    client.force_login(world.one_stop)
    page = client.get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert page.count("sig-mark sig-ok") == 2 and "Đóng dấu số (cơ quan)" not in page


def test_the_seal_stamp_overlaps_the_left_third_of_the_person_stamp(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf(pages=2))
    _sign(world, dossier, result, "person")
    _sign(world, dossier, result, "organisation")
    rects = widget_rects(_bytes(result))
    (person, person_page), (seal, seal_page) = rects["TinhsoNguoiKy1"], rects["TinhsoCoQuan1"]
    assert person_page == seal_page == 1  # the last page
    px1, py1, px2, py2 = person
    sx1, sy1, sx2, sy2 = seal
    assert (px2 - px1, py2 - py1) == (stamps.PERSON_WIDTH, stamps.PERSON_HEIGHT)
    assert 595 - px2 == stamps.MARGIN_RIGHT  # A4, bottom right
    # Horizontally the seal covers exactly the left third of the person's stamp, and extends left.
    assert sx1 < px1 < sx2 and sx2 - px1 == pytest.approx((px2 - px1) / 3, abs=1)
    # Vertically they overlap (the seal is centred on the person's stamp).
    assert max(py1, sy1) < min(py2, sy2)
    assert (sy1 + sy2) / 2 == pytest.approx((py1 + py2) / 2, abs=1)


def test_the_seal_follows_an_externally_placed_person_stamp(world, pki):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import SigFieldSpec

    key, cert = pki.issue("Lê Văn Ký", "Sở Tư pháp")
    signer = signers.SimpleSigner.load_pkcs12_data(pki.p12(key, cert), [], passphrase=b"mat-khau-thu-nghiem")
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="ChuKy", subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer,
        new_field_spec=SigFieldSpec("ChuKy", on_page=0, box=(300, 400, 450, 460)),
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(make_pdf())), output=out)
    dossier = at_approval(world)
    result = attach(world, dossier, out.getvalue())
    _sign(world, dossier, result, "organisation")
    seal, page = widget_rects(_bytes(result))["TinhsoCoQuan1"]
    assert page == 0 and seal[2] == 350 and seal[0] < 300


def test_an_attachment_carries_the_organisation_signature_without_image(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf(), name="Phụ lục")
    with pytest.raises(Conflict) as missing:
        _sign(world, dossier, result, "organisation")
    assert missing.value.code == "dossiers.person_signature_missing"
    _sign(world, dossier, result, "organisation", attachment=True)
    result.refresh_from_db()
    assert result.is_signed
    rect, _page = widget_rects(_bytes(result))["TinhsoCoQuan1"]
    assert rect[2] - rect[0] == 0 and rect[3] - rect[1] == 0  # invisible
    with pytest.raises(ValidationFailed):
        _sign(world, dossier, result, "person", attachment=True)


def test_signing_again_with_the_same_certificate_changes_nothing(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    _sign(world, dossier, result, "person")
    result.refresh_from_db()
    first_file = result.file_id
    _sign(world, dossier, result, "person")
    result.refresh_from_db()
    assert result.file_id == first_file and len(result.signature_info["signatures"]) == 1
    assert AuditRecord.objects.filter(action="dossiers.result_signed").count() == 1


def test_signing_is_audited_and_evented(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    previous_sha = result.file.sha256
    _sign(world, dossier, result, "person")
    result.refresh_from_db()
    record = AuditRecord.objects.get(action="dossiers.result_signed")
    serial = result.signature_info["signatures"][0]["serial"]
    assert record.changes["certificate_serial"] == serial
    assert record.changes["document_sha256"] == result.file.sha256 != previous_sha
    assert record.changes["previous_sha256"] == previous_sha and record.changes["signer"] == "person"
    event = OutboxEvent.objects.get(name="dossiers.result_signed")
    assert event.payload["code"] == dossier.code and event.payload["certificate_serial"] == serial
    assert event.payload["document_sha256"] == result.file.sha256 and event.payload["is_signed"] is True


# --- Who may sign, and when ---------------------------------------------------------------------


def test_only_a_leader_signs_and_only_a_clerk_or_one_stop_officer_seals(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    for actor in (world.specialist, world.one_stop, world.specialist_b, world.one_stop_b):
        with pytest.raises(PermissionDenied):
            _sign(world, dossier, result, "person", actor=actor)
    _sign(world, dossier, result, "person")
    for actor in (world.specialist, world.leader, world.one_stop_b, world.district_clerk):
        with pytest.raises(PermissionDenied):
            _sign(world, dossier, result, "organisation", actor=actor)
    assert AuditRecord.objects.filter(action="dossiers.result_signed").count() == 1


def test_a_leader_without_a_key_gets_a_clear_error(world, pki, make_officer):
    other_leader = make_officer(username="lanhdao2.stp", roles=[(world.dept, "leader")])
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    with pytest.raises(Conflict) as missing:
        _sign(world, dossier, result, "person", actor=other_leader)
    assert missing.value.code == "dossiers.signing_key_missing" and "chứng thư số" in missing.value.message_vi


def test_an_expired_certificate_does_not_sign(world, pki):
    import datetime as dt

    from tinhso.dossiers.tests.test_signing_support import NOW

    pki.install(
        "person",
        world.leader.username,
        "Nguyễn Văn Lãnh Đạo",
        world.dept.name,
        start=NOW - dt.timedelta(days=400),
    )
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    with pytest.raises(Conflict) as expired:
        _sign(world, dossier, result, "person")
    assert expired.value.code == "dossiers.signing_certificate_expired"


def test_nothing_is_signed_after_the_seal_nor_once_returned(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    _sign(world, dossier, result, "person")
    _sign(world, dossier, result, "organisation")
    # A new certificate of the leader (a retry with the same one changes nothing, see above).
    pki.install("person", world.leader.username, "Nguyễn Văn Lãnh Đạo", world.dept.name)
    with pytest.raises(Conflict) as sealed:
        _sign(world, dossier, result, "person")
    assert sealed.value.code == "dossiers.result_already_sealed"
    services.complete_step(actor=world.leader, dossier=dossier)
    services.return_result(actor=world.one_stop, dossier=dossier, via="online")
    assert dossier.__class__.objects.get(pk=dossier.pk).state == DossierState.RETURNED
    with pytest.raises(Conflict) as closed:
        _sign(world, dossier, result, "person")
    assert closed.value.code == "dossiers.result_not_signable"


def test_a_result_of_another_dossier_is_not_found(world, pki):
    first, second = at_approval(world), at_approval(world)
    result = attach(world, first, make_pdf())
    with pytest.raises(ValidationFailed) as unknown:
        _sign(world, second, result, "person")
    assert unknown.value.code == "dossiers.unknown_result"
