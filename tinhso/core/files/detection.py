"""What a file is, decided from its bytes and never from its name.

The formats we accept are recognised by their own signature at offset 0 and then checked more
deeply where a signature alone is ambiguous or unsafe: ZIP containers are opened to tell
DOCX/XLSX/ODT/ODS apart (and refused when they look like zip bombs, carry macros or are Java or
Android packages), text must be UTF-8, JSON must parse, XML must parse without any DTD or
entity declaration. Everything else is refused; ``puremagic`` names it so the refusal can say
what the file really is. Executables and scripts are always refused, whatever the purpose.

:func:`detect` takes a seekable binary stream (the upload already spooled by the service) and
returns a content type from :mod:`tinhso.core.files.types`, or raises a refusal.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from typing import IO
from xml.parsers import expat

import puremagic

from tinhso.core.files import types
from tinhso.core.files.errors import FileContentInvalid, FileTypeRefused

HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024
# Zip containers: refuse what would explode when a viewer, an importer or the antivirus unpacks it.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_UNCOMPRESSED = 512 * 1024 * 1024
ZIP_MAX_RATIO = 200  # legitimate spreadsheets reach ~100 on very repetitive sheets
ZIP_RATIO_MIN_BYTES = 4 * 1024 * 1024  # tiny entries may compress absurdly well without harm
ZIP_MEMBER_READ_CAP = 1024 * 1024

_EXECUTABLE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows/DOS (PE)"),
    (b"\x7fELF", "ELF (Linux)"),
    (b"\xfe\xed\xfa\xce", "Mach-O"),
    (b"\xfe\xed\xfa\xcf", "Mach-O"),
    (b"\xce\xfa\xed\xfe", "Mach-O"),
    (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", "Mach-O / Java class"),
    (b"\x00asm", "WebAssembly"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "Windows shortcut (LNK)"),
    (b"#!", "script (#!)"),
)
# What browsers sniff as HTML in the first bytes; an upload carrying it could run script if it
# were ever served inline, so it is refused even when it would otherwise pass as text.
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<iframe", b"<object", b"<embed", b"<body")
_XHTML_NS = "http://www.w3.org/1999/xhtml"
# Bytes that occur in text of any 8-bit encoding: printable ASCII, tab, newlines, form feed, 0x80+.
_TEXT_BYTES = bytes([9, 10, 12, 13, *range(32, 127), *range(128, 256)])


def _executable(kind: str) -> FileTypeRefused:
    return FileTypeRefused(
        f"Không chấp nhận tệp chương trình hoặc mã lệnh ({kind}).",
        f"Executable programs and scripts are refused ({kind}).",
        code="files.executable",
        details={"detected": kind},
    )


def _active_content(kind: str) -> FileTypeRefused:
    return FileTypeRefused(
        f"Không chấp nhận tệp có nội dung có thể thực thi ({kind}).",
        f"Files with active content are refused ({kind}).",
        code="files.active_content",
        details={"detected": kind},
    )


def _invalid(code: str, message_vi: str, message_en: str) -> FileContentInvalid:
    return FileContentInvalid(message_vi, message_en, code=code)


def detect(stream: IO[bytes], *, name: str = "") -> str:
    """The content type of ``stream`` (read from its start); ``name`` only tells CSV from plain text."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    if not head:
        raise _invalid("files.empty", "Tệp rỗng.", "The file is empty.")
    for signature, kind in _EXECUTABLE_SIGNATURES:
        # A real DOS/PE header holds NUL bytes; a text file that merely starts with "MZ" is text.
        if head.startswith(signature) and not (signature == b"MZ" and _is_utf8_text(head)):
            raise _executable(kind)
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(stream)
    if head.startswith(b"%PDF-"):
        return types.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return types.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return types.JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return types.WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return types.GIF
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return types.TIFF
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _invalid(
            "files.not_utf8",
            "Tệp văn bản phải dùng bảng mã UTF-8 (tệp này là UTF-16).",
            "Text files must be encoded in UTF-8 (this one is UTF-16).",
        )
    if _is_utf8_text(head):
        return _text_type(stream, head, name)
    if not head.translate(None, _TEXT_BYTES):
        # Text, but in a legacy encoding (e.g. Windows-1258, TCVN3): say so rather than "unknown".
        raise _invalid(
            "files.not_utf8",
            "Tệp văn bản phải dùng bảng mã UTF-8 (Unicode), không dùng bảng mã cũ như TCVN3, VNI, Windows-1258.",
            "Text files must be encoded in UTF-8, not in a legacy encoding such as TCVN3, VNI or Windows-1258.",
        )
    raise _unaccepted_binary(head)


def _unaccepted_binary(head: bytes) -> FileTypeRefused:
    kind = types.UNKNOWN
    try:
        guesses = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        guesses = []
    named = [g for g in guesses if g.mime_type] or guesses
    if named:
        best = max(named, key=lambda g: g.confidence)
        kind = best.mime_type or best.extension or best.name
        mime = best.mime_type or ""
        if any(word in mime for word in ("executable", "dosexec", "msdownload", "sharedlib", "mach-binary")):
            raise _executable(kind)
    return FileTypeRefused(
        f"Không nhận dạng được loại tệp hoặc loại tệp không được hỗ trợ ({types.label(kind)}).",
        f"The file type is not recognised or not supported ({types.label(kind)}).",
        code="files.unknown_type",
        details={"detected": kind},
    )


# --- ZIP containers: DOCX, XLSX, PPTX, ODT, ODS, ODP -----------------------------------


def _zip_type(stream: IO[bytes]) -> str:
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _invalid(
            "files.corrupt", "Tệp nén bị hỏng hoặc không đọc được.", "The archive is damaged or unreadable."
        ) from None
    bomb = _invalid(
        "files.archive_too_large",
        "Tệp nén khi giải nén quá lớn (có thể là “bom nén”).",
        "The archive expands to far more than its size (a possible zip bomb).",
    )
    if len(infos) > ZIP_MAX_ENTRIES:
        raise bomb
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > ZIP_RATIO_MIN_BYTES and info.file_size > ZIP_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise bomb
        if info.flag_bits & 0x1:
            # An encrypted member cannot be checked by us nor by the antivirus.
            raise _invalid(
                "files.encrypted",
                "Không chấp nhận tệp được đặt mật khẩu.",
                "Password-protected files are refused.",
            )
    if total > ZIP_MAX_UNCOMPRESSED:
        raise bomb
    names = {info.filename for info in infos}
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") for n in lowered) or any(
        n.startswith(("basic/", "scripts/")) for n in lowered
    ):
        raise _active_content("macro")
    if "mimetype" in names:
        declared = _read_member(archive, "mimetype", 200).strip().decode("ascii", "replace")
        for ctype in (types.ODT, types.ODS, types.ODP):
            if declared == ctype:
                return ctype
    if "[Content_Types].xml" in names:
        declared = _read_member(archive, "[Content_Types].xml", ZIP_MEMBER_READ_CAP).lower()
        if b"macroenabled" in declared:
            raise _active_content("macro")
        for prefix, ctype in (("word/", types.DOCX), ("xl/", types.XLSX), ("ppt/", types.PPTX)):
            if any(n.startswith(prefix) for n in names):
                return ctype
    if names & {"META-INF/MANIFEST.MF", "classes.dex", "AndroidManifest.xml"}:
        raise _executable("Java/Android (JAR/APK)")
    return types.ZIP


def _read_member(archive: zipfile.ZipFile, member: str, cap: int) -> bytes:
    # Capped read: the sizes in a zip's headers are the sender's claim, not a limit.
    try:
        with archive.open(member) as handle:
            return handle.read(cap)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _invalid(
            "files.corrupt", "Tệp nén bị hỏng hoặc không đọc được.", "The archive is damaged or unreadable."
        ) from None


# --- Text: CSV, JSON, XML, plain text --------------------------------------------------


def _is_utf8_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the head is fine
    except UnicodeDecodeError:
        return False
    return True


def _text_type(stream: IO[bytes], head: bytes, name: str) -> str:
    _require_utf8(stream)
    sniff = head[:4096].lower()
    if any(marker in sniff for marker in _HTML_MARKERS):
        raise _active_content("HTML")
    text_head = head.decode("utf-8-sig", errors="ignore")
    start = text_head.lstrip()[:1]
    if start == "<":
        return _xml_type(stream)
    if start in ("{", "["):
        _check_json(stream)
        return types.JSON
    if name.lower().endswith(".csv") or _looks_like_csv(text_head, truncated=len(head) == HEAD_BYTES):
        return types.CSV
    return types.TEXT


def _require_utf8(stream: IO[bytes]) -> None:
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        while chunk := stream.read(CHUNK_BYTES):
            if b"\x00" in chunk:
                raise UnicodeDecodeError("utf-8", chunk, 0, 1, "NUL byte in text")
            decoder.decode(chunk, final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _invalid(
            "files.not_utf8",
            "Tệp văn bản phải dùng bảng mã UTF-8 và không chứa ký tự nhị phân.",
            "Text files must be valid UTF-8 without binary characters.",
        ) from None


def _looks_like_csv(text: str, *, truncated: bool) -> bool:
    lines = text.splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    lines = [line for line in lines[:50] if line.strip()]
    if not lines:
        return False
    for delimiter in (",", ";", "\t", "|"):
        widths = {len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)}
        if len(widths) == 1 and widths.pop() >= 2:
            return True
    return False


def _refuse_json_constant(value: str) -> None:
    raise ValueError(f"{value} is not JSON")


def _check_json(stream: IO[bytes]) -> None:
    stream.seek(0)
    raw = stream.read()
    try:
        # The hooks throw every value away: we only need to know the document parses, not keep it.
        json.loads(
            raw.decode("utf-8-sig"),
            object_pairs_hook=lambda _pairs: None,
            parse_float=lambda _v: None,
            parse_int=lambda _v: None,
            parse_constant=_refuse_json_constant,
        )
    except (ValueError, RecursionError):
        raise _invalid(
            "files.invalid_json", "Tệp JSON không đúng cú pháp.", "The JSON file is not well-formed."
        ) from None


class _XmlRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _xml_type(stream: IO[bytes]) -> str:
    """Parse with expat, refusing any DTD: no DTD means no entity, hence no billion laughs and no XXE."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state: dict[str, str] = {}

    def refuse_dtd(*_args) -> None:
        raise _XmlRefused("dtd")

    def refuse_entity(*_args) -> int:
        raise _XmlRefused("dtd")

    def start_element(tag: str, attributes: dict[str, str]) -> None:
        namespace, _, local = tag.rpartition(" ")
        if "root" not in state:
            state["root"] = local.lower()
        if local.lower() == "script" or namespace == _XHTML_NS or state["root"] == "html":
            raise _XmlRefused("script")
        if state["root"] == "svg":
            for attribute, value in attributes.items():
                attribute_local = attribute.rpartition(" ")[2].lower()
                if attribute_local.startswith("on") or value.strip().lower().startswith("javascript:"):
                    raise _XmlRefused("script")

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.UnparsedEntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_entity
    parser.StartElementHandler = start_element
    stream.seek(0)
    try:
        while chunk := stream.read(CHUNK_BYTES):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _XmlRefused as refused:
        if refused.reason == "script":
            raise _active_content("HTML/SVG script") from None
        raise _invalid(
            "files.xml_dtd",
            "Không chấp nhận XML có khai báo DOCTYPE hoặc ENTITY.",
            "XML with a DOCTYPE or ENTITY declaration is refused.",
        ) from None
    except expat.ExpatError as exc:
        raise FileContentInvalid(
            f"Tệp XML không đúng cú pháp (dòng {exc.lineno}).",
            f"The XML file is not well-formed (line {exc.lineno}).",
            code="files.invalid_xml",
        ) from None
    return types.SVG if state.get("root") == "svg" else types.XML
