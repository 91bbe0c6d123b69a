"""Photos of reports: read with a size cap, decode fully with Pillow, make public copies without
metadata.

A phone photo carries EXIF: the GPS position where it was taken (often the reporter's home), the
time, the phone's make and serial. The original is kept private (handlers may need it as
evidence); everything shown to the public is a re-encoded copy made from the pixels only:
no EXIF, no XMP, no ICC profile, no comments.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from tinhso.core.errors import ValidationFailed
from tinhso.core.files.errors import FileTooLarge
from tinhso.core.files.purposes import MB
from tinhso.feedback.file_purposes import FEEDBACK_PHOTO

MAX_PHOTOS = 5
LARGE_PX = 1600
THUMBNAIL_PX = 400
JPEG_QUALITY = 85
# Refuse before decoding: a 50 KB PNG can claim 60,000 x 60,000 pixels (a decompression bomb).
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


class PhotoRefused(ValidationFailed):
    status = 415
    code = "feedback.photo_invalid"
    message_vi = "Ảnh không hợp lệ: chỉ nhận ảnh JPEG, PNG hoặc WebP đọc được."
    message_en = "The photo is not valid: only readable JPEG, PNG or WebP images are accepted."


@dataclass
class ProcessedPhoto:
    name: str
    format: str
    original: bytes
    large: bytes
    thumbnail: bytes
    width: int
    height: int


def read_limited(upload: Any, limit: int = FEEDBACK_PHOTO.max_bytes) -> bytes:
    """The upload's bytes, refusing (before reading it all) anything over ``limit``."""
    if hasattr(upload, "seek"):
        try:
            upload.seek(0)
        except (OSError, ValueError):
            pass
    chunks, size = [], 0
    chunk_source = upload.chunks(64 * 1024) if hasattr(upload, "chunks") else None
    while True:
        chunk = (
            next(chunk_source, b"") if chunk_source is not None else upload.read(min(64 * 1024, limit + 1))
        )
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise FileTooLarge(
                f"Ảnh vượt quá {limit // MB} MB cho phép.",
                f"The photo is larger than the {limit // MB} MB allowed.",
                details={"max_bytes": limit, "purpose": FEEDBACK_PHOTO.name},
            )
        chunks.append(bytes(chunk))
    if not size:
        raise PhotoRefused("Tệp ảnh rỗng.", "The photo file is empty.")
    return b"".join(chunks)


def _encode(image: Image.Image, longest: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)  # never enlarges
    out = io.BytesIO()
    # No exif=, icc_profile= or comment=: Pillow writes none of them unless asked.
    copy.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels only: transparency is laid on white, palettes and CMYK are converted."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def process(upload: Any, *, name: str = "") -> ProcessedPhoto:
    """Check that ``upload`` is a whole JPEG/PNG/WebP image and make its public copies.

    Raises :class:`FileTooLarge` (413) or :class:`PhotoRefused` (415) and stores nothing.
    """
    data = read_limited(upload)
    name = name or getattr(upload, "name", "") or "anh"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise PhotoRefused(details={"detected": probe.format})
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise PhotoRefused(
                        f"Ảnh quá lớn ({width}×{height} điểm ảnh); tối đa {MAX_PIXELS // 1_000_000} triệu điểm ảnh.",
                        f"The image is too large ({width}×{height} pixels); at most "
                        f"{MAX_PIXELS // 1_000_000} million pixels.",
                    )
                detected = probe.format
                probe.verify()  # structure and checksums; the object is unusable afterwards
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # decode every pixel: a truncated file fails here
                upright = ImageOps.exif_transpose(image)  # apply the camera's rotation, then forget it
                pixels = _flatten(upright)
    except PhotoRefused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise PhotoRefused(details={"reason": type(error).__name__}) from None
    return ProcessedPhoto(
        name=name,
        format=detected,
        original=data,
        large=_encode(pixels, LARGE_PX),
        thumbnail=_encode(pixels, THUMBNAIL_PX),
        width=pixels.width,
        height=pixels.height,
    )
