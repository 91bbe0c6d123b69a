"""The upload service: accepted types per purpose, limits, checksums, storage, atomicity, permissions."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso.core.errors import NotFound, PermissionDenied, ValidationFailed
from tinhso.core.files import purposes, selectors, services
from tinhso.core.files.errors import FileContentInvalid, FileTooLarge, FileTypeRefused
from tinhso.core.files.models import ScanStatus, StoredFile
from tinhso.core.files.permissions import can_on_file
from tinhso.core.files.purposes import MB, Purpose, register_purpose
from tinhso.core.files.tests.samples import SAMPLES, pdf_bytes, png_bytes, stored_blobs
from tinhso.core.permissions import ANONYMOUS, SYSTEM

pytestmark = pytest.mark.django_db

ACCEPTED = [
    (purpose_name, kind)
    for purpose_name, purpose in sorted(purposes.registered_purposes().items())
    for kind, (_build, content_type, _name) in sorted(SAMPLES.items())
    if content_type in purpose.allowed_types
]


@pytest.mark.parametrize(("purpose_name", "kind"), ACCEPTED)
def test_each_allowed_type_is_accepted_by_content(citizen, settings, purpose_name, kind):
    build, content_type, name = SAMPLES[kind]
    data = build()
    stored = services.store_upload(
        actor=citizen, purpose=purpose_name, file=SimpleUploadedFile(name, data, content_type="x/lie")
    )
    stored.refresh_from_db()
    assert stored.content_type == content_type  # the browser's claim ("x/lie") is ignored
    assert stored.original_name == name
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.owner == citizen and stored.purpose == purpose_name
    assert stored.scan_status == ScanStatus.NOT_SCANNED
    with default_storage.open(stored.storage_name, "rb") as handle:
        assert handle.read() == data
    assert len(stored_blobs(settings)) == 1


def test_every_shipped_purpose_accepts_something():
    assert {"dossier_attachment", "signed_document", "image", "data_import"} <= set(
        purposes.registered_purposes()
    )
    accepted_purposes = {purpose_name for purpose_name, _ in ACCEPTED}
    assert accepted_purposes == set(purposes.registered_purposes())


def test_storage_name_is_random_and_never_the_original_name(citizen):
    first = services.store_upload(
        actor=citizen, purpose="signed_document", file=io.BytesIO(pdf_bytes()), name="Quyết định.pdf"
    )
    second = services.store_upload(
        actor=citizen, purpose="signed_document", file=io.BytesIO(pdf_bytes()), name="Quyết định.pdf"
    )
    assert first.sha256 == second.sha256
    assert first.storage_name != second.storage_name
    for stored in (first, second):
        assert "Quy" not in stored.storage_name and ".pdf" not in stored.storage_name
        year_month, blob = stored.storage_name.rsplit("/", 1)
        assert year_month == timezone.now().strftime("%Y/%m")
        assert len(blob) == 32 and int(blob, 16) >= 0
        assert str(stored.public_id).replace("-", "") != blob


def test_renamed_executable_is_refused_and_nothing_stored(citizen, settings):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500
    with pytest.raises(FileTypeRefused) as info:
        services.store_upload(
            actor=citizen, purpose="dossier_attachment", file=io.BytesIO(exe), name="hoso.pdf"
        )
    assert info.value.code == "files.executable" and info.value.status == 415
    assert not StoredFile.objects.exists() and not stored_blobs(settings)


def test_extension_mismatch_is_refused(citizen, settings):
    with pytest.raises(FileTypeRefused) as info:
        services.store_upload(actor=citizen, purpose="image", file=io.BytesIO(png_bytes()), name="anh.jpg")
    assert info.value.code == "files.extension_mismatch"
    assert "PNG" in info.value.message_en and ".jpg" in info.value.message_en
    assert not StoredFile.objects.exists() and not stored_blobs(settings)


def test_type_not_allowed_for_the_purpose(citizen):
    with pytest.raises(FileTypeRefused) as info:
        services.store_upload(
            actor=citizen, purpose="signed_document", file=io.BytesIO(png_bytes()), name="a.png"
        )
    assert info.value.code == "files.type_not_allowed"
    assert info.value.details["detected"] == "image/png"
    assert not StoredFile.objects.exists()


def test_oversize_is_refused_while_streaming_without_storing(citizen, settings):
    register_purpose(Purpose("tiny_test", frozenset({"application/pdf"}), max_bytes=1000, description="test"))
    try:

        class CountingStream(io.BytesIO):
            consumed = 0

            def read(self, size=-1):
                chunk = super().read(size)
                CountingStream.consumed += len(chunk)
                return chunk

        big = CountingStream(pdf_bytes(b"0" * 5_000_000))
        with pytest.raises(FileTooLarge) as info:
            services.store_upload(actor=citizen, purpose="tiny_test", file=big, name="lon.pdf")
        assert info.value.status == 413 and info.value.code == "files.too_large"
        assert CountingStream.consumed == 1001  # stopped one byte past the limit
        exact = pdf_bytes()
        exact += b"%" * (1000 - len(exact))
        assert (
            services.store_upload(
                actor=citizen, purpose="tiny_test", file=io.BytesIO(exact), name="a.pdf"
            ).size
            == 1000
        )
    finally:
        purposes.unregister_purpose("tiny_test")
    assert StoredFile.objects.count() == 1 and len(stored_blobs(settings)) == 1


def test_oversize_uploaded_file_is_refused(citizen, settings):
    data = pdf_bytes(b"0" * (50 * MB))
    with pytest.raises(FileTooLarge):
        services.store_upload(
            actor=citizen, purpose="signed_document", file=SimpleUploadedFile("a.pdf", data)
        )
    assert not StoredFile.objects.exists() and not stored_blobs(settings)


def test_empty_file_and_unknown_purpose_are_refused(citizen):
    with pytest.raises(FileContentInvalid) as info:
        services.store_upload(actor=citizen, purpose="image", file=io.BytesIO(b""), name="a.png")
    assert info.value.code == "files.empty"
    with pytest.raises(ValidationFailed) as info:
        services.store_upload(
            actor=citizen, purpose="no_such_purpose", file=io.BytesIO(png_bytes()), name="a.png"
        )
    assert info.value.code == "files.unknown_purpose"
    assert not StoredFile.objects.exists()


def test_text_stream_is_a_programming_error(citizen):
    with pytest.raises(TypeError):
        services.store_upload(
            actor=citizen, purpose="data_import", file=io.StringIO("a,b\n1,2\n"), name="a.csv"
        )


def test_blob_is_removed_when_the_database_write_fails(citizen, settings, monkeypatch):
    def broken_publish(event):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(services.events, "publish", broken_publish)
    with pytest.raises(RuntimeError):
        services.store_upload(actor=citizen, purpose="image", file=io.BytesIO(png_bytes()), name="a.png")
    assert not StoredFile.objects.exists()
    assert not stored_blobs(settings)


def test_no_row_remains_when_the_blob_write_fails(citizen, monkeypatch):
    def broken_save(self, name, content):
        raise OSError("disk full")

    monkeypatch.setattr(FileSystemStorage, "_save", broken_save)
    with pytest.raises(OSError):
        services.store_upload(actor=citizen, purpose="image", file=io.BytesIO(png_bytes()), name="a.png")
    assert not StoredFile.objects.exists()


def test_anonymous_cannot_upload():
    with pytest.raises(PermissionDenied):
        services.store_upload(actor=ANONYMOUS, purpose="image", file=io.BytesIO(png_bytes()), name="a.png")
    assert not StoredFile.objects.exists()


def test_officer_uploads_only_into_own_agency(make_officer, agency, other_agency):
    officer = make_officer(roles=[(agency, "specialist")])
    stored = services.store_upload(
        actor=officer, purpose="image", file=io.BytesIO(png_bytes()), name="a.png", agency=agency
    )
    assert stored.agency == agency
    with pytest.raises(PermissionDenied):
        services.store_upload(
            actor=officer, purpose="image", file=io.BytesIO(png_bytes()), name="b.png", agency=other_agency
        )
    assert StoredFile.objects.count() == 1


# --- Who may read and delete --------------------------------------------------------------


@pytest.fixture
def citizen_file(citizen, agency):
    # As a dossier would: the citizen hands the file to the agency handling the case.
    return services.store_upload(
        actor=citizen,
        purpose="dossier_attachment",
        file=io.BytesIO(pdf_bytes()),
        name="don.pdf",
        agency=agency,
    )


def test_owner_reads_own_file(citizen, citizen_file):
    with services.open_stored_file(actor=citizen, stored_file=citizen_file) as handle:
        assert handle.read() == pdf_bytes()


def test_other_citizen_cannot_read(other_citizen, citizen_file):
    with pytest.raises(PermissionDenied):
        services.open_stored_file(actor=other_citizen, stored_file=citizen_file)
    with pytest.raises(NotFound) as info:
        selectors.get_file_for(other_citizen, citizen_file.public_id)
    assert info.value.code == "files.not_found"
    assert list(selectors.files_visible_to(other_citizen)) == []


def test_officers_of_the_owning_agency_read_others_do_not(make_officer, agency, other_agency, citizen_file):
    mine = make_officer(roles=[(agency, "one_stop_officer")])
    foreign = make_officer(roles=[(other_agency, "one_stop_officer")])
    with services.open_stored_file(actor=mine, stored_file=citizen_file) as handle:
        assert handle.read().startswith(b"%PDF-")
    assert list(selectors.files_visible_to(mine)) == [citizen_file]
    with pytest.raises(PermissionDenied):
        services.open_stored_file(actor=foreign, stored_file=citizen_file)
    assert list(selectors.files_visible_to(foreign)) == []


def test_file_without_agency_is_only_its_owners(make_officer, agency, citizen):
    private = services.store_upload(
        actor=citizen, purpose="image", file=io.BytesIO(png_bytes()), name="a.png"
    )
    officer = make_officer(roles=[(agency, "leader")])
    assert not can_on_file(officer, "files.view", private)
    assert list(selectors.files_visible_to(officer)) == []
    own = services.store_upload(actor=officer, purpose="image", file=io.BytesIO(png_bytes()), name="b.png")
    assert can_on_file(officer, "files.view", own)
    assert list(selectors.files_visible_to(officer)) == [own]


def test_platform_admin_reads_any_file(platform_admin, citizen, other_agency):
    private = services.store_upload(
        actor=citizen, purpose="image", file=io.BytesIO(png_bytes()), name="a.png"
    )
    with services.open_stored_file(actor=platform_admin, stored_file=private) as handle:
        assert handle.read() == png_bytes()
    assert private in selectors.files_visible_to(platform_admin)


def test_delete_is_soft_then_purged(citizen, other_citizen, citizen_file, settings):
    with pytest.raises(PermissionDenied):
        services.delete_stored_file(actor=other_citizen, stored_file=citizen_file)
    assert not StoredFile.objects.get(pk=citizen_file.pk).is_deleted
    services.delete_stored_file(actor=citizen, stored_file=citizen_file)
    services.delete_stored_file(actor=citizen, stored_file=citizen_file)  # twice: no error
    row = StoredFile.objects.get(pk=citizen_file.pk)
    assert row.is_deleted
    with pytest.raises(NotFound):
        selectors.get_file_for(citizen, citizen_file.public_id)
    with pytest.raises(NotFound):
        services.open_stored_file(actor=citizen, stored_file=row)
    assert len(stored_blobs(settings)) == 1  # the blob waits for the purge
    assert services.purge_deleted_files(actor=SYSTEM, grace=timedelta(days=1)) == 0
    assert services.purge_deleted_files(actor=SYSTEM, grace=timedelta(0)) == 1
    assert not stored_blobs(settings)
    assert StoredFile.objects.get(pk=citizen_file.pk).purged_at is not None
    with pytest.raises(PermissionDenied):
        services.purge_deleted_files(actor=citizen)


def test_orphan_blobs_are_swept_but_live_ones_kept(citizen, settings):
    kept = services.store_upload(actor=citizen, purpose="image", file=io.BytesIO(png_bytes()), name="a.png")
    orphan = default_storage.save(services.new_storage_name(), io.BytesIO(b"left behind"))
    assert services.purge_orphan_blobs(actor=SYSTEM) == 0  # too recent: might be an upload in flight
    assert services.purge_orphan_blobs(actor=SYSTEM, older_than=timedelta(seconds=-60)) == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept.storage_name)


def test_store_and_delete_are_audited_and_evented_without_content(citizen):
    from tinhso.core.audit.models import AuditRecord
    from tinhso.core.events.models import OutboxEvent

    data = pdf_bytes(b"NOI-DUNG-BI-MAT")
    stored = services.store_upload(
        actor=citizen, purpose="signed_document", file=io.BytesIO(data), name="qd.pdf"
    )
    record = AuditRecord.objects.get(action="files.stored")
    assert record.changes["sha256"] == hashlib.sha256(data).hexdigest()
    assert record.changes["size"] == len(data) and record.changes["name"] == "qd.pdf"
    assert record.changes["purpose"] == "signed_document"
    assert "NOI-DUNG" not in repr(record.changes)
    event = OutboxEvent.objects.get(name="files.stored")
    assert event.payload["file_id"] == str(stored.public_id)
    assert event.payload["sha256"] == stored.sha256
    services.delete_stored_file(actor=citizen, stored_file=stored)
    assert AuditRecord.objects.filter(action="files.deleted").count() == 1
    assert OutboxEvent.objects.filter(name="files.deleted").count() == 1


def test_failed_upload_leaves_no_audit_or_event(citizen):
    from tinhso.core.audit.models import AuditRecord
    from tinhso.core.events.models import OutboxEvent

    with pytest.raises(FileTypeRefused):
        services.store_upload(
            actor=citizen, purpose="signed_document", file=io.BytesIO(png_bytes()), name="a.png"
        )
    assert not AuditRecord.objects.filter(action__startswith="files.").exists()
    assert not OutboxEvent.objects.filter(name__startswith="files.").exists()
