"""Uploads through the API: send a file for a purpose, read its metadata, download it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import FileResponse
from ninja import File, Form, Router, Schema, Status, UploadedFile

from tinhso.core.agencies.models import Agency
from tinhso.core.errors import NotFound
from tinhso.core.files import selectors, services
from tinhso.core.files.models import StoredFile
from tinhso.core.files.purposes import registered_purposes

router = Router(tags=["files"])

_TEXT_TYPES = {"text/csv", "text/plain", "application/json", "application/xml"}


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


class FileRead(Schema):
    id: UUID
    name: str
    content_type: str
    size: int
    sha256: str
    purpose: str
    scan_status: str
    created_at: datetime


class PurposeRead(Schema):
    name: str
    description: str
    allowed_types: list[str]
    max_bytes: int


def _read(stored: StoredFile) -> FileRead:
    return FileRead(
        id=stored.public_id,
        name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        purpose=stored.purpose,
        scan_status=stored.scan_status,
        created_at=stored.created_at,
    )


@router.get(
    "/purposes", response=list[PurposeRead], summary="Mục đích tải lên / Upload purposes and their limits"
)
def list_purposes(request):
    """The purposes a file may be uploaded for, with the types accepted (detected from the content)
    and the size limit of each."""
    return [
        PurposeRead(
            name=p.name,
            description=p.description,
            allowed_types=sorted(p.allowed_types),
            max_bytes=p.max_bytes,
        )
        for p in sorted(registered_purposes().values(), key=lambda p: p.name)
    ]


@router.post(
    "/",
    response={201: FileRead},
    summary="Tải tệp lên / Upload a file",
    openapi_extra={
        "responses": {
            413: {"description": "files.too_large"},
            415: {"description": "files.type_not_allowed, files.extension_mismatch, files.executable, ..."},
            422: {
                "description": "files.unknown_purpose, files.empty, files.invalid_json, files.infected, ..."
            },
            503: {"description": "files.scanner_unavailable: the antivirus is unreachable, retry later"},
        }
    },
)
def upload(
    request,
    purpose: Form[str],
    file: File[UploadedFile],
    agency_code: Form[str | None] = None,
):
    """Multipart upload (`purpose`, `file`, optional `agency_code`). The type is detected from the
    content, not the name; the size limit is the purpose's; the file is scanned for viruses when an
    antivirus is configured. Refusals: 413 too large, 415 type refused, 422 invalid or infected
    content, 503 antivirus unavailable (try again later); each with a stable `code`."""
    agency = None
    if agency_code:
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise NotFound("Không tìm thấy cơ quan.", "Agency not found.", code="agency.not_found")
    stored = services.store_upload(
        actor=_actor(request), purpose=purpose, file=file, name=file.name, agency=agency
    )
    return Status(201, _read(stored))


@router.get("/{file_id}", response=FileRead, summary="Thông tin tệp / File metadata")
def get_file(request, file_id: UUID):
    """Metadata of a file the caller may view (its uploader, officers of its agency, platform
    administrators); anyone else gets 404, as for a file that does not exist."""
    return _read(selectors.get_file_for(_actor(request), file_id))


@router.get(
    "/{file_id}/content",
    summary="Tải tệp về / Download a file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment, with the content type detected at upload.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download(request, file_id: UUID):
    """The file's bytes, always as an attachment (never rendered inline), with the content type
    detected at upload and `X-Content-Type-Options: nosniff`."""
    actor = _actor(request)
    stored = selectors.get_file_for(actor, file_id)
    handle = services.open_stored_file(actor=actor, stored_file=stored)
    content_type = stored.content_type
    if content_type in _TEXT_TYPES:
        content_type += "; charset=utf-8"
    response = FileResponse(
        handle, as_attachment=True, filename=stored.original_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Content-Length"] = str(stored.size)
    return response


@router.delete("/{file_id}", response={204: None}, summary="Xoá tệp / Delete a file")
def delete_file(request, file_id: UUID):
    """Soft-delete a file (its uploader, case-handling officers of its agency, platform
    administrators). It disappears at once; its bytes are purged later."""
    actor = _actor(request)
    stored = selectors.get_file_for(actor, file_id)
    services.delete_stored_file(actor=actor, stored_file=stored)
    return Status(204, None)
