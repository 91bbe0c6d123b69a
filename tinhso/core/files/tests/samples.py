"""Sample files of every accepted type, built in memory, and a fake clamd speaking the real protocol."""

from __future__ import annotations

import io
import socket
import struct
import threading
import zipfile
import zlib
from pathlib import Path

# Assembled at run time so that no antivirus quarantines this source file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bytes() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
    )


def webp_bytes() -> bytes:
    return b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def pdf_bytes(extra: bytes = b"") -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + extra + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def zip_bytes(entries: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            # ODF requires "mimetype" first and stored, uncompressed.
            kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document/>",
        }
    )


def xlsx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
            "_rels/.rels": "<Relationships/>",
            "xl/workbook.xml": "<workbook/>",
        }
    )


def odf_bytes(mimetype: str) -> bytes:
    return zip_bytes(
        {
            "mimetype": mimetype,
            "META-INF/manifest.xml": "<manifest/>",
            "content.xml": "<office:document-content/>",
        }
    )


def odt_bytes() -> bytes:
    return odf_bytes("application/vnd.oasis.opendocument.text")


def ods_bytes() -> bytes:
    return odf_bytes("application/vnd.oasis.opendocument.spreadsheet")


def csv_bytes() -> bytes:
    return "ma_xa;ten_xa;dan_so\n31001;Phường Vị Thanh;12000\n31002;Xã Hỏa Lựu;8000\n".encode()


def json_bytes() -> bytes:
    return '{"tinh": "Cần Thơ", "xa": [{"ma": "31001", "dan_so": 12000.5}]}'.encode()


def xml_bytes() -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><danh_sach><xa ma="31001">Vị Thanh</xa></danh_sach>'.encode()
    )


SAMPLES = {
    "pdf": (pdf_bytes, "application/pdf", "hoso.pdf"),
    "jpeg": (jpeg_bytes, "image/jpeg", "anh.jpg"),
    "png": (png_bytes, "image/png", "anh.png"),
    "webp": (webp_bytes, "image/webp", "anh.webp"),
    "docx": (
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "don.docx",
    ),
    "xlsx": (xlsx_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "bang.xlsx"),
    "odt": (odt_bytes, "application/vnd.oasis.opendocument.text", "don.odt"),
    "ods": (ods_bytes, "application/vnd.oasis.opendocument.spreadsheet", "bang.ods"),
    "csv": (csv_bytes, "text/csv", "du_lieu.csv"),
    "json": (json_bytes, "application/json", "du_lieu.json"),
    "xml": (xml_bytes, "application/xml", "du_lieu.xml"),
}


def stored_blobs(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class FakeClamd:
    """A clamd stand-in on a real socket: parses zINSTREAM chunks and answers like clamd does."""

    def __init__(self, family: int, address) -> None:
        self.server = socket.socket(family, socket.SOCK_STREAM)
        self.server.bind(address)
        self.server.listen(4)
        self.address = self.server.getsockname()
        self.received: list[bytes] = []
        self.commands: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _recv_exact(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                raise ConnectionError("client closed mid-message")
            data += part
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return  # closed by stop()
            with conn:
                try:
                    self._handle(conn)
                except (ConnectionError, OSError):
                    continue

    def _handle(self, conn: socket.socket) -> None:
        command = b""
        while not command.endswith(b"\0"):
            part = conn.recv(1)
            if not part:
                return
            command += part
        self.commands.append(command)
        if command == b"zPING\0":
            conn.sendall(b"PONG\0")
            return
        if command != b"zINSTREAM\0":
            conn.sendall(b"UNKNOWN COMMAND\0")
            return
        body = b""
        while True:
            (length,) = struct.unpack(">I", self._recv_exact(conn, 4))
            if length == 0:
                break
            body += self._recv_exact(conn, length)
        self.received.append(body)
        if EICAR in body:
            conn.sendall(b"stream: Eicar-Signature FOUND\0")
        else:
            conn.sendall(b"stream: OK\0")

    def stop(self) -> None:
        self.server.close()
