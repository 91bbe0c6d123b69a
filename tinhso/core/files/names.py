"""Original file names: cleaned for display and download, and checked against the detected content.

The name never reaches the disk (blobs are stored under random names); it is kept only for the
``Content-Disposition`` of downloads, which is why its extension must agree with the content:
a PDF offered as ``hoso.exe`` would be opened by the wrong program on the officer's computer.
"""

from __future__ import annotations

import os
import re
import unicodedata

from tinhso.core.files import types
from tinhso.core.files.errors import FileTypeRefused

MAX_NAME_LENGTH = 200
_FORBIDDEN = re.compile(r'[<>:"/\\|?*;]')


def sanitize_name(name: str) -> str:
    """A display name safe on every platform; Vietnamese letters are kept (as NFC)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    # Browsers on Windows may send the full client path.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control and format characters, including U+202E which makes "gpj.exe" display as "exe.jpg".
    name = "".join(
        " " if ch.isspace() else ch for ch in name if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    name = _FORBIDDEN.sub("_", name)
    name = " ".join(name.split()).strip(". ")
    stem, extension = os.path.splitext(name)
    if len(extension) > 16:
        stem, extension = name, ""
    if len(name) > MAX_NAME_LENGTH:
        name = stem[: MAX_NAME_LENGTH - len(extension)].rstrip(". ") + extension
    return name


def name_for_content(name: str, content_type: str) -> str:
    """The sanitised name, with the type's extension added when it has none.

    Raises ``files.extension_mismatch`` when the name's extension belongs to another type.
    """
    clean = sanitize_name(name)
    stem, extension = os.path.splitext(clean)
    known = types.EXTENSIONS.get(content_type, ())
    if not stem:
        stem, extension = "tep", extension if extension.lower() in known else ""
    if not extension:
        return stem + (known[0] if known else "")
    if extension.lower() in known:
        return stem + extension
    claimed = types.types_for_extension(extension)
    claimed_label = ", ".join(sorted(types.label(t) for t in claimed)) if claimed else extension
    raise FileTypeRefused(
        f"Tên tệp có đuôi “{extension}” ({claimed_label}) nhưng nội dung là {types.label(content_type)}.",
        f"The file name ends in “{extension}” ({claimed_label}) but its content is {types.label(content_type)}.",
        code="files.extension_mismatch",
        details={"extension": extension.lower(), "detected": content_type},
    )
