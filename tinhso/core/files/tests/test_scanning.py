"""The antivirus hook against a fake clamd speaking the real INSTREAM protocol on a real socket."""

import hashlib
import io
import os
import shutil
import socket
import tempfile
import threading

import pytest

from tinhso.core.audit.models import AuditRecord
from tinhso.core.files import scanning, services
from tinhso.core.files.errors import FileInfected, ScannerUnavailable
from tinhso.core.files.models import ScanStatus, StoredFile
from tinhso.core.files.tests.samples import EICAR, csv_bytes, pdf_bytes, stored_blobs

pytestmark = pytest.mark.django_db


def test_clean_file_is_streamed_to_clamd_and_marked_clean(citizen, settings, fake_clamd_unix):
    settings.CLAMAV_SOCKET = fake_clamd_unix.address
    data = pdf_bytes(b"x" * 200_000)  # several INSTREAM chunks
    stored = services.store_upload(
        actor=citizen, purpose="signed_document", file=io.BytesIO(data), name="a.pdf"
    )
    assert stored.scan_status == ScanStatus.CLEAN and stored.scanner == "clamav"
    assert fake_clamd_unix.commands == [b"zINSTREAM\0"]
    assert fake_clamd_unix.received == [data]  # reassembled from the length-prefixed chunks


def test_infected_file_is_refused_audited_and_not_stored(citizen, settings, fake_clamd_unix):
    settings.CLAMAV_SOCKET = fake_clamd_unix.address
    with pytest.raises(FileInfected) as info:
        services.store_upload(
            actor=citizen, purpose="data_import", file=io.BytesIO(EICAR), name="du_lieu.csv"
        )
    assert info.value.code == "files.infected" and info.value.status == 422
    assert info.value.details == {"signature": "Eicar-Signature"}
    assert fake_clamd_unix.received == [EICAR]
    assert not StoredFile.objects.exists() and not stored_blobs(settings)
    # The security record survives the refusal (it is written in a transaction of its own).
    record = AuditRecord.objects.get(action="files.infected_refused")
    assert record.actor_id == str(citizen.public_id)
    assert record.changes["signature"] == "Eicar-Signature"
    assert record.changes["purpose"] == "data_import"
    assert record.changes["sha256"] == hashlib.sha256(EICAR).hexdigest()
    assert "EICAR" not in repr(record.changes)  # never the content
    assert not AuditRecord.objects.filter(action="files.stored").exists()


def test_unreachable_scanner_fails_closed(citizen, settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "no-clamd.sock")
    with pytest.raises(ScannerUnavailable) as info:
        services.store_upload(
            actor=citizen, purpose="data_import", file=io.BytesIO(csv_bytes()), name="a.csv"
        )
    assert info.value.status == 503 and info.value.code == "files.scanner_unavailable"
    assert "thử lại" in info.value.message_vi and "try again" in info.value.message_en
    assert not StoredFile.objects.exists() and not stored_blobs(settings)


def test_unreachable_scanner_may_fail_open_when_configured(citizen, settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "no-clamd.sock")
    settings.FILE_SCAN_FAIL_OPEN = True
    stored = services.store_upload(
        actor=citizen, purpose="data_import", file=io.BytesIO(csv_bytes()), name="a.csv"
    )
    assert stored.scan_status == ScanStatus.NOT_SCANNED


def test_no_scanner_configured_means_not_scanned(citizen, settings):
    settings.CLAMAV_SOCKET = ""
    settings.CLAMAV_HOST = ""
    settings.FILE_SCANNER = ""
    assert scanning.get_scanner() is None
    stored = services.store_upload(
        actor=citizen, purpose="data_import", file=io.BytesIO(csv_bytes()), name="a.csv"
    )
    assert stored.scan_status == ScanStatus.NOT_SCANNED and stored.scanner == ""


def test_tcp_clamd_and_ping(fake_clamd_tcp):
    host, port = fake_clamd_tcp.address
    scanner = scanning.ClamdScanner(host=host, port=port, timeout=5)
    assert scanner.ping()
    assert scanner.scan(io.BytesIO(b"hello")) == scanning.ScanResult(infected=False)
    result = scanner.scan(io.BytesIO(b"prefix " + EICAR))
    assert result.infected and result.signature == "Eicar-Signature"


def test_scanner_error_reply_and_silent_server_are_errors():
    directory = tempfile.mkdtemp(prefix="clamd")  # short: UNIX socket paths are limited
    path = os.path.join(directory, "s")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(2)

    def answer_then_hang():
        conn, _ = server.accept()
        with conn:
            received = b""
            while not received.endswith(b"\0\0\0\0"):  # the whole stream, up to its terminator
                received += conn.recv(65536)
            conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            threading.Event().wait(3)  # never answers: the client's timeout must fire

    thread = threading.Thread(target=answer_then_hang, daemon=True)
    thread.start()
    scanner = scanning.ClamdScanner(socket_path=path, timeout=0.5)
    with pytest.raises(scanning.ScannerError, match="size limit"):
        scanner.scan(io.BytesIO(b"data"))
    with pytest.raises(scanning.ScannerError):
        scanner.scan(io.BytesIO(b"data"))
    server.close()
    shutil.rmtree(directory, ignore_errors=True)


def test_custom_scanner_by_dotted_path(citizen, settings):
    settings.FILE_SCANNER = "tinhso.core.files.tests.test_scanning.RefuseEverything"
    with pytest.raises(FileInfected):
        services.store_upload(
            actor=citizen, purpose="signed_document", file=io.BytesIO(pdf_bytes()), name="a.pdf"
        )


class RefuseEverything:
    name = "refuse-everything"

    def scan(self, stream):
        assert stream.read(5) == b"%PDF-"
        return scanning.ScanResult(infected=True, signature="Test.Everything")
