"""Every write about stored files: accept an upload, open it, delete it, purge deleted blobs.

Other modules never touch storage themselves: they call :func:`store_upload` with a purpose
they registered and keep the returned :class:`StoredFile` (or its ``public_id``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import NotFound
from tinhso.core.events import services as events
from tinhso.core.files import detection, names, scanning, types
from tinhso.core.files.errors import FileInfected, FileTooLarge, FileTypeRefused, ScannerUnavailable
from tinhso.core.files.events import FileDeleted, FileStored
from tinhso.core.files.models import ScanStatus, StoredFile
from tinhso.core.files.permissions import require_on_file
from tinhso.core.files.purposes import MB, Purpose, get_purpose
from tinhso.core.permissions import as_principal, require

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# Uploads are copied into our own spool while counted and hashed; small ones stay in memory.
SPOOL_MEMORY_BYTES = 2 * 1024 * 1024


class _Spool:
    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
        self.size = 0
        self.sha256 = ""


def _chunks(source: Any, limit: int) -> Iterator[bytes]:
    if isinstance(source, File):
        yield from source.chunks(CHUNK_BYTES)
        return
    while True:
        # Never ask for more than one byte past the limit: that byte is enough to refuse.
        chunk = source.read(min(CHUNK_BYTES, limit))
        if not chunk:
            return
        yield chunk


@contextlib.contextmanager
def _spooled(source: Any, purpose: Purpose) -> Iterator[_Spool]:
    """Copy ``source`` into a temporary spool, counting and hashing, stopping past the limit."""
    spool = _Spool()
    digest = hashlib.sha256()
    try:
        for chunk in _chunks(source, purpose.max_bytes + 1):
            if not isinstance(chunk, bytes | bytearray):
                raise TypeError("store_upload needs a binary file, not a text stream")
            spool.size += len(chunk)
            if spool.size > purpose.max_bytes:
                raise FileTooLarge(
                    f"Tệp vượt quá {purpose.max_bytes // MB} MB cho phép đối với mục đích này.",
                    f"The file is larger than the {purpose.max_bytes // MB} MB allowed for this purpose.",
                    details={"max_bytes": purpose.max_bytes, "purpose": purpose.name},
                )
            digest.update(chunk)
            spool.file.write(chunk)
        spool.sha256 = digest.hexdigest()
        spool.file.seek(0)
        yield spool
    finally:
        spool.file.close()


def new_storage_name() -> str:
    """A random name sharded by month; it says nothing about the file or its owner."""
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def store_upload(
    *,
    actor: Any,
    purpose: str,
    file: Any,
    name: str | None = None,
    agency: Any = None,
) -> StoredFile:
    """Check an upload (size, type by content, antivirus), store its bytes and record it.

    ``file`` is a Django ``UploadedFile``/``File`` or any binary file-like object (read from its
    current position). ``name`` defaults to ``file.name``; it is only kept for display and
    downloads. ``agency`` makes the file visible to that agency's officers.

    Not wrapped in one transaction on purpose: an infected upload is audited in a transaction
    of its own before the refusal is raised, so the security record survives the refusal
    (unless the caller's own transaction around this call is rolled back). The write itself is
    atomic: if the database write fails the blob is removed; if the blob write fails no row is
    written.
    """
    require(actor, "files.upload")
    if agency is not None:
        require(actor, "files.upload_for_agency", agency)
    chosen = get_purpose(purpose)
    if name is None:
        name = getattr(file, "name", "") or ""
    with _spooled(file, chosen) as spool:
        content_type = detection.detect(spool.file, name=name)
        if content_type not in chosen.allowed_types:
            allowed = ", ".join(sorted(types.label(t) for t in chosen.allowed_types))
            raise FileTypeRefused(
                f"Loại tệp {types.label(content_type)} không được chấp nhận; chỉ nhận: {allowed}.",
                f"{types.label(content_type)} files are not accepted here; accepted: {allowed}.",
                details={"detected": content_type, "allowed": sorted(chosen.allowed_types)},
            )
        final_name = names.name_for_content(name, content_type)
        scan_status, scanner_name = _scan(
            actor=actor, spool=spool, purpose=chosen, name=final_name, content_type=content_type
        )
        return _save(
            actor=actor,
            spool=spool,
            purpose=chosen,
            name=final_name,
            content_type=content_type,
            scan_status=scan_status,
            scanner_name=scanner_name,
            agency=agency,
        )


def _scan(*, actor: Any, spool: _Spool, purpose: Purpose, name: str, content_type: str) -> tuple[str, str]:
    scanner = scanning.get_scanner()
    if scanner is None:
        return ScanStatus.NOT_SCANNED, ""
    spool.file.seek(0)
    try:
        result = scanner.scan(spool.file)
    except scanning.ScannerError as exc:
        if scanning.fail_open():
            logger.warning("files.scanner_unavailable_fail_open", extra={"error": str(exc)})
            return ScanStatus.NOT_SCANNED, ""
        logger.error("files.scanner_unavailable", extra={"error": str(exc)})
        raise ScannerUnavailable() from exc
    finally:
        spool.file.seek(0)
    if result.infected:
        logger.warning(
            "files.infected_refused",
            extra={
                "security": True,
                "signature": result.signature,
                "sha256": spool.sha256,
                "purpose": purpose.name,
                "actor": as_principal(actor).id,
            },
        )
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="files.infected_refused",
                changes={
                    "name": name,
                    "size": spool.size,
                    "sha256": spool.sha256,
                    "purpose": purpose.name,
                    "content_type": content_type,
                    "signature": result.signature,
                    "scanner": scanner.name,
                },
                summary=f"Infected upload refused: {result.signature}",
            )
        raise FileInfected(details={"signature": result.signature})
    return ScanStatus.CLEAN, scanner.name


def _save(
    *,
    actor: Any,
    spool: _Spool,
    purpose: Purpose,
    name: str,
    content_type: str,
    scan_status: str,
    scanner_name: str,
    agency: Any,
) -> StoredFile:
    blob = File(spool.file, name=new_storage_name())
    blob.content_type = content_type  # S3 storage uses it for the object's Content-Type
    # If this raises, nothing has been written to the database.
    storage_name = default_storage.save(blob.name, blob)
    principal = as_principal(actor)
    owner = principal.user if principal.kind in {"citizen", "officer"} else None
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                storage_name=storage_name,
                original_name=name,
                content_type=content_type,
                size=spool.size,
                sha256=spool.sha256,
                purpose=purpose.name,
                owner=owner,
                agency=agency,
                scan_status=scan_status,
                scanner=scanner_name,
            )
            audit.record(
                actor=actor,
                action="files.stored",
                obj=stored,
                changes={
                    "name": name,
                    "size": spool.size,
                    "sha256": spool.sha256,
                    "purpose": purpose.name,
                    "content_type": content_type,
                    "scan_status": scan_status,
                },
            )
            events.publish(
                FileStored(
                    file_id=str(stored.public_id),
                    purpose=purpose.name,
                    content_type=content_type,
                    size=spool.size,
                    sha256=spool.sha256,
                    scan_status=scan_status,
                    agency_code=agency.code if agency is not None else None,
                )
            )
    except BaseException:
        _remove_blob(storage_name)
        raise
    logger.info(
        "files.stored",
        extra={"file_id": str(stored.public_id), "purpose": purpose.name, "size": spool.size},
    )
    return stored


def _remove_blob(storage_name: str) -> None:
    try:
        default_storage.delete(storage_name)
    except Exception:  # the orphan sweep of `tinhso files purge --orphans` will retry
        logger.exception("files.blob_cleanup_failed", extra={"storage_name": storage_name})


def open_stored_file(*, actor: Any, stored_file: StoredFile) -> File:
    """Open the file's bytes for reading, after checking ``actor`` may view it.

    The caller closes the returned file (a ``FileResponse`` does so itself).
    """
    require_on_file(actor, "files.view", stored_file)
    if stored_file.is_deleted:
        raise NotFound("Không tìm thấy tệp.", "File not found.", code="files.not_found")
    handle = default_storage.open(stored_file.storage_name, "rb")
    principal = as_principal(actor)
    if principal.user is None or principal.user.pk != stored_file.owner_id:
        # Someone reading another person's document is an access to personal data: keep a trace.
        audit.record(
            actor=actor,
            action="files.opened",
            obj=stored_file,
            changes={"purpose": stored_file.purpose, "sha256": stored_file.sha256},
        )
    return handle


@transaction.atomic
def delete_stored_file(*, actor: Any, stored_file: StoredFile) -> StoredFile:
    """Soft-delete: the file disappears from every read now; its blob goes at the next purge."""
    locked = StoredFile.objects.select_for_update().get(pk=stored_file.pk)
    require_on_file(actor, "files.delete", locked)
    if locked.is_deleted:
        return locked  # deleting twice changes nothing
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["deleted_at"])
    audit.record(
        actor=actor,
        action="files.deleted",
        obj=locked,
        changes={
            "name": locked.original_name,
            "size": locked.size,
            "sha256": locked.sha256,
            "purpose": locked.purpose,
        },
    )
    events.publish(FileDeleted(file_id=str(locked.public_id), purpose=locked.purpose))
    stored_file.deleted_at = locked.deleted_at
    return locked


def purge_deleted_files(*, actor: Any, grace: timedelta = timedelta(days=30)) -> int:
    """Remove the blobs of files deleted more than ``grace`` ago; the rows stay, marked purged.

    The grace period lets an administrator undo a mistaken deletion from a backup-free store.
    """
    require(actor, "files.manage_any")
    cutoff = timezone.now() - grace
    due = StoredFile.objects.filter(deleted_at__lt=cutoff, purged_at__isnull=True).values_list(
        "pk", flat=True
    )
    purged = 0
    for pk in list(due):
        with transaction.atomic():
            row = StoredFile.objects.select_for_update().filter(pk=pk, purged_at__isnull=True).first()
            if row is None:
                continue
            # Blob first: if the row update then fails, the next run deletes a missing blob, harmlessly.
            default_storage.delete(row.storage_name)
            row.purged_at = timezone.now()
            row.save(update_fields=["purged_at"])
            purged += 1
    if purged:
        audit.record(
            actor=actor,
            action="files.purged",
            changes={"count": purged, "deleted_before": cutoff.isoformat()},
        )
    return purged


def purge_orphan_blobs(*, actor: Any, older_than: timedelta = timedelta(days=1), months: int = 2) -> int:
    """Remove blobs no row refers to (an upload whose caller's transaction was rolled back).

    Only the last ``months`` month folders are walked, and only blobs older than
    ``older_than``, so an upload still in flight is never touched.
    """
    require(actor, "files.manage_any")
    now = timezone.now()
    cutoff = now - older_than
    removed = 0
    year, month = now.year, now.month
    for _ in range(months):
        folder = f"{year:04d}/{month:02d}"
        try:
            _dirs, blob_names = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            blob_names = []
        paths = [f"{folder}/{blob}" for blob in blob_names]
        known = set(StoredFile.objects.filter(storage_name__in=paths).values_list("storage_name", flat=True))
        for path in paths:
            if path in known:
                continue
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    if removed:
        audit.record(actor=actor, action="files.orphans_purged", changes={"count": removed})
    return removed
