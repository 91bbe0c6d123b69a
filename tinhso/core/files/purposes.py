"""Upload purposes: what a file is for decides which types it may be and how large.

Every upload names a purpose. Each module registers the purposes it needs from its own code,
in a ``file_purposes.py`` module of its app (imported at start-up by the files app), e.g.::

    from tinhso.core.files.purposes import MB, Purpose, register_purpose
    from tinhso.core.files import types

    register_purpose(
        Purpose(
            name="feedback_photo",
            allowed_types=frozenset({types.JPEG, types.PNG, types.WEBP}),
            max_bytes=8 * MB,
            description="Ảnh đính kèm phản ánh / Photo attached to a citizen report",
        )
    )

The platform-wide purposes are registered at the bottom of this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tinhso.core.errors import ValidationFailed
from tinhso.core.files import types

MB = 1024 * 1024
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


@dataclass(frozen=True)
class Purpose:
    name: str
    allowed_types: frozenset[str]
    max_bytes: int
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"Purpose name {self.name!r} must be lowercase letters, digits and _")
        object.__setattr__(self, "allowed_types", frozenset(self.allowed_types))
        unknown = self.allowed_types - types.DETECTABLE
        # A type the detector never reports could never be accepted: fail at start-up, not at upload.
        if unknown:
            raise ValueError(f"Purpose {self.name!r} allows types that are never detected: {sorted(unknown)}")
        if not self.allowed_types:
            raise ValueError(f"Purpose {self.name!r} allows no type")
        if self.max_bytes <= 0:
            raise ValueError(f"Purpose {self.name!r} needs a positive size limit")


_PURPOSES: dict[str, Purpose] = {}


def register_purpose(purpose: Purpose) -> Purpose:
    """Declare a purpose once; declaring the same one again is harmless, a different one is an error."""
    existing = _PURPOSES.get(purpose.name)
    if existing is not None and existing != purpose:
        raise ValueError(f"File purpose {purpose.name!r} is declared twice with different rules")
    _PURPOSES[purpose.name] = purpose
    return purpose


def unregister_purpose(name: str) -> None:
    """For tests that declare a temporary purpose."""
    _PURPOSES.pop(name, None)


def get_purpose(name: str) -> Purpose:
    try:
        return _PURPOSES[name]
    except KeyError:
        raise ValidationFailed(
            f"Mục đích tải lên “{name}” không tồn tại.",
            f"Unknown upload purpose {name!r}.",
            code="files.unknown_purpose",
            details={"purpose": name, "known": sorted(_PURPOSES)},
        ) from None


def registered_purposes() -> dict[str, Purpose]:
    return dict(_PURPOSES)


DOSSIER_ATTACHMENT = register_purpose(
    Purpose(
        name="dossier_attachment",
        # No XML: attachments are documents a person reads; structured data enters through
        # data_import or the exchange platform, where it is validated against a schema.
        allowed_types=frozenset(
            {types.PDF, types.JPEG, types.PNG, types.DOCX, types.XLSX, types.ODT, types.ODS}
        ),
        max_bytes=20 * MB,
        description="Thành phần hồ sơ thủ tục hành chính / Attachment of an administrative dossier",
    )
)
SIGNED_DOCUMENT = register_purpose(
    Purpose(
        name="signed_document",
        allowed_types=frozenset({types.PDF}),
        max_bytes=50 * MB,
        description="Văn bản đã ký số / Digitally signed document",
    )
)
IMAGE = register_purpose(
    Purpose(
        name="image",
        allowed_types=frozenset({types.JPEG, types.PNG, types.WEBP}),
        max_bytes=10 * MB,
        description="Hình ảnh / Image",
    )
)
DATA_IMPORT = register_purpose(
    Purpose(
        name="data_import",
        allowed_types=frozenset({types.CSV, types.XLSX, types.JSON, types.XML}),
        max_bytes=50 * MB,
        description="Tệp dữ liệu để nhập / Data file to import",
    )
)
