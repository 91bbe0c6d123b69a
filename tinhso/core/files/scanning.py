"""The antivirus hook: a scanner interface and a small client for ClamAV's clamd.

Which scanner runs is decided by settings, read at each upload:

* ``FILE_SCANNER``: dotted path of a scanner class (or factory) taking no argument; or
* ``CLAMAV_SOCKET`` (UNIX socket path) or ``CLAMAV_HOST``/``CLAMAV_PORT``: clamd; or
* nothing: no scanner, files are stored with the status ``not_scanned``.

When a scanner is configured but cannot answer, uploads are refused ("try later") unless
``FILE_SCAN_FAIL_OPEN`` is set, in which case they are stored as ``not_scanned``.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import IO, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

CHUNK_BYTES = 64 * 1024
MAX_REPLY_BYTES = 4096


class ScannerError(Exception):
    """The scanner could not give an answer (unreachable, timed out, refused the stream)."""


@dataclass(frozen=True)
class ScanResult:
    infected: bool
    signature: str = ""


class Scanner(Protocol):
    name: str

    def scan(self, stream: IO[bytes]) -> ScanResult:
        """Scan ``stream`` from its start; raise :class:`ScannerError` when no answer can be had."""
        ...


class ClamdScanner:
    """Streams the file to clamd with ``zINSTREAM`` over a UNIX or TCP socket.

    The protocol: the command ``zINSTREAM\\0``, then chunks each preceded by its length as a
    4-byte big-endian integer, then a zero length; clamd answers ``stream: OK`` or
    ``stream: <signature> FOUND`` (or ``... ERROR``), terminated by NUL.
    clamd refuses streams longer than its ``StreamMaxLength`` (25 MB by default): set it above
    the largest purpose limit (50 MB) in clamd.conf.
    """

    name = "clamav"

    def __init__(
        self, *, socket_path: str = "", host: str = "", port: int = 3310, timeout: float = 30.0
    ) -> None:
        if not socket_path and not host:
            raise ValueError("ClamdScanner needs a UNIX socket path or a host")
        self.socket_path = socket_path
        self.host = host
        self.port = port
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> ClamdScanner:
        return cls(
            socket_path=settings.CLAMAV_SOCKET,
            host=settings.CLAMAV_HOST,
            port=settings.CLAMAV_PORT,
            timeout=float(getattr(settings, "CLAMAV_TIMEOUT", 30)),
        )

    def _connect(self) -> socket.socket:
        if self.socket_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.socket_path)
            except OSError:
                sock.close()
                raise
            return sock
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    def _where(self) -> str:
        return self.socket_path or f"{self.host}:{self.port}"

    def _command(self, send) -> str:
        try:
            with self._connect() as sock:
                try:
                    send(sock)
                except (BrokenPipeError, ConnectionResetError):
                    # clamd answers, then hangs up, when it refuses a stream (StreamMaxLength):
                    # its answer says why, which the broken pipe does not.
                    reply = _read_reply(sock)
                    if not reply:
                        raise
                    return reply
                return _read_reply(sock)
        except OSError as exc:  # refused, missing socket, timeout, reset (e.g. stream too long)
            raise ScannerError(f"clamd at {self._where()}: {exc}") from exc

    def ping(self) -> bool:
        try:
            return self._command(lambda sock: sock.sendall(b"zPING\0")) == "PONG"
        except ScannerError:
            return False

    def scan(self, stream: IO[bytes]) -> ScanResult:
        def send(sock: socket.socket) -> None:
            stream.seek(0)
            sock.sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK_BYTES):
                sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            sock.sendall(struct.pack(">I", 0))

        reply = self._command(send)
        if reply == "stream: OK":
            return ScanResult(infected=False)
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            return ScanResult(infected=True, signature=reply[len("stream: ") : -len(" FOUND")])
        raise ScannerError(f"clamd at {self._where()} answered {reply[:200]!r}")


def _read_reply(sock: socket.socket) -> str:
    data = b""
    while b"\0" not in data and len(data) < MAX_REPLY_BYTES:
        part = sock.recv(1024)
        if not part:
            break
        data += part
    return data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def get_scanner() -> Scanner | None:
    """The configured scanner, or None when no scanner is configured."""
    dotted = getattr(settings, "FILE_SCANNER", "")
    if dotted:
        return import_string(dotted)()
    if getattr(settings, "CLAMAV_SOCKET", "") or getattr(settings, "CLAMAV_HOST", ""):
        return ClamdScanner.from_settings()
    return None


def fail_open() -> bool:
    return bool(getattr(settings, "FILE_SCAN_FAIL_OPEN", False))
