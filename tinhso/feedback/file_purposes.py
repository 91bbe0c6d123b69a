"""Upload purposes of field reports (loaded at start-up by the files app)."""

from tinhso.core.files import types
from tinhso.core.files.purposes import MB, Purpose, register_purpose

FEEDBACK_PHOTO = register_purpose(
    Purpose(
        name="feedback_photo",
        allowed_types=frozenset({types.JPEG, types.PNG, types.WEBP}),
        max_bytes=10 * MB,
        description="Ảnh gốc của phản ánh hiện trường (riêng tư) / Original photo of a field report (private)",
    )
)
FEEDBACK_PHOTO_PUBLIC = register_purpose(
    Purpose(
        name="feedback_photo_public",
        # Only our own re-encoded copies, always JPEG, without metadata (tinhso/feedback/photos.py).
        allowed_types=frozenset({types.JPEG}),
        max_bytes=5 * MB,
        description="Bản sao công khai của ảnh phản ánh, đã xóa siêu dữ liệu / Public copy of a report photo, metadata removed",
    )
)
