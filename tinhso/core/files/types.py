"""The content types the detector can report, their file-name extensions and readable labels."""

from __future__ import annotations

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
GIF = "image/gif"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
ZIP = "application/zip"
CSV = "text/csv"
JSON = "application/json"
XML = "application/xml"
TEXT = "text/plain"
SVG = "image/svg+xml"
UNKNOWN = "application/octet-stream"

# The extensions a type is known by; the first is the one added to a name that has none.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg", ".jpe", ".jfif"),
    PNG: (".png",),
    WEBP: (".webp",),
    GIF: (".gif",),
    TIFF: (".tif", ".tiff"),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    ODT: (".odt",),
    ODS: (".ods",),
    ODP: (".odp",),
    ZIP: (".zip",),
    CSV: (".csv",),
    JSON: (".json",),
    XML: (".xml",),
    TEXT: (".txt",),
}

# Types an allowed-type list may name: what detect() can return for an acceptable file.
DETECTABLE = frozenset(EXTENSIONS)

LABELS: dict[str, str] = {
    PDF: "PDF",
    JPEG: "JPEG",
    PNG: "PNG",
    WEBP: "WebP",
    GIF: "GIF",
    TIFF: "TIFF",
    DOCX: "Word (DOCX)",
    XLSX: "Excel (XLSX)",
    PPTX: "PowerPoint (PPTX)",
    ODT: "OpenDocument Text (ODT)",
    ODS: "OpenDocument Spreadsheet (ODS)",
    ODP: "OpenDocument Presentation (ODP)",
    ZIP: "ZIP",
    CSV: "CSV",
    JSON: "JSON",
    XML: "XML",
    TEXT: "văn bản thuần / plain text",
    SVG: "SVG",
    UNKNOWN: "không xác định / unknown",
}


def label(content_type: str) -> str:
    return LABELS.get(content_type, content_type)


def types_for_extension(extension: str) -> set[str]:
    extension = extension.lower()
    return {ctype for ctype, extensions in EXTENSIONS.items() if extension in extensions}
