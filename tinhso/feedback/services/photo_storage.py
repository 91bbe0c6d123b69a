"""Storing the photos of a report through the files service.

The module stores them on the reporter's (or officer's) behalf as the platform (``SYSTEM``), once
``feedback.submit`` / ``feedback.handle`` has been granted: the stored files have no owner and no
agency, so nobody can open, or delete, report evidence through the generic files API; this
module alone serves them (public copies to everyone, originals to the handling agency).
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from datetime import datetime

from django.core.files.storage import default_storage

from tinhso.core.files import services as files
from tinhso.core.files.models import StoredFile
from tinhso.core.permissions import SYSTEM
from tinhso.feedback.file_purposes import FEEDBACK_PHOTO, FEEDBACK_PHOTO_PUBLIC
from tinhso.feedback.models import Report, ReportPhoto
from tinhso.feedback.photos import EXTENSIONS, ProcessedPhoto

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def blobs_removed_on_error() -> Iterator[list[StoredFile]]:
    """Collects the files stored inside the block; if the block fails, their blobs are removed
    (the rows go with the caller's rolled-back transaction), so a refused submission leaves
    nothing behind."""
    stored: list[StoredFile] = []
    try:
        yield stored
    except BaseException:
        for row in stored:
            try:
                default_storage.delete(row.storage_name)
            except Exception:  # `tinhso files purge --orphans` removes what is left
                logger.exception("feedback.photo_cleanup_failed")
        raise


def _stem(name: str, fallback: str) -> str:
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem or fallback)[:80]


def store_photos(
    *, report: Report, photos: list[ProcessedPhoto], kind: str, at: datetime, collected: list[StoredFile]
) -> list[ReportPhoto]:
    rows = []
    start = report.photos.filter(kind=kind).count()
    for offset, photo in enumerate(photos):
        stem = _stem(photo.name, f"anh-{offset + 1}")
        # Named after the format Pillow read, so a phone's "photo.png" holding a JPEG is not refused.
        original = files.store_upload(
            actor=SYSTEM,
            purpose=FEEDBACK_PHOTO.name,
            file=io.BytesIO(photo.original),
            name=stem + EXTENSIONS[photo.format],
        )
        collected.append(original)
        large = files.store_upload(
            actor=SYSTEM,
            purpose=FEEDBACK_PHOTO_PUBLIC.name,
            file=io.BytesIO(photo.large),
            name=f"{stem}-1600.jpg",
        )
        collected.append(large)
        thumbnail = files.store_upload(
            actor=SYSTEM,
            purpose=FEEDBACK_PHOTO_PUBLIC.name,
            file=io.BytesIO(photo.thumbnail),
            name=f"{stem}-400.jpg",
        )
        collected.append(thumbnail)
        rows.append(
            ReportPhoto.objects.create(
                report=report,
                kind=kind,
                position=start + offset,
                original=original,
                large=large,
                thumbnail=thumbnail,
                width=photo.width,
                height=photo.height,
                created_at=at,
            )
        )
    return rows
