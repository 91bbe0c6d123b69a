"""Type detection from content: each accepted type, and every way a file is refused."""

import io
import zipfile

import pytest

from tinhso.core.files import detection, types
from tinhso.core.files.errors import FileContentInvalid, FileTypeRefused
from tinhso.core.files.tests.samples import SAMPLES, docx_bytes, pdf_bytes, png_bytes, zip_bytes


def detect(data: bytes, name: str = "") -> str:
    return detection.detect(io.BytesIO(data), name=name)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_accepted_type_is_recognised_by_content_even_without_a_name(kind):
    build, content_type, _name = SAMPLES[kind]
    assert detect(build(), name="") == content_type  # CSV too: by its consistent delimiter


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "files.executable"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "files.executable"),
        (b"#!/bin/sh\nrm -rf /\n", "files.executable"),
        (b"\xcf\xfa\xed\xfe" + b"\x00" * 64, "files.executable"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "files.active_content"),
        (b"ma,ten\n1,<script>alert(1)</script>\n", "files.active_content"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "files.active_content"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "files.active_content"),
    ],
)
def test_executables_and_active_content_are_always_refused(data, code):
    with pytest.raises(FileTypeRefused) as info:
        detect(data, name="hoso.pdf")
    assert info.value.code == code


def test_text_starting_with_mz_is_text_not_an_executable():
    assert detect(b"MZ-01,Mo ta\nMZ-02,Khac\n") == types.CSV


def test_pdf_must_start_with_its_signature():
    assert detect(pdf_bytes()) == types.PDF
    with pytest.raises(FileTypeRefused):
        detect(b"\x00\x01garbage" + pdf_bytes())


def test_unknown_binary_is_refused_and_named():
    gzip_data = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00" * 40
    with pytest.raises(FileTypeRefused) as info:
        detect(gzip_data)
    assert info.value.code == "files.unknown_type"
    assert "gzip" in info.value.details["detected"]


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (16 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000  # 16 MB squeezed into a few kilobytes
    with pytest.raises(FileContentInvalid) as info:
        detect(buffer.getvalue())
    assert info.value.code == "files.archive_too_large"


def test_too_many_zip_entries_is_refused(monkeypatch):
    monkeypatch.setattr(detection, "ZIP_MAX_ENTRIES", 5)
    data = zip_bytes({f"xl/sheet{i}.xml": "<s/>" for i in range(6)} | {"[Content_Types].xml": "<T/>"})
    with pytest.raises(FileContentInvalid) as info:
        detect(data)
    assert info.value.code == "files.archive_too_large"


@pytest.mark.parametrize(
    "entries",
    [
        {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>", "word/vbaProject.bin": "x"},
        {
            "[Content_Types].xml": "<Override ContentType='application/vnd.ms-word.document.macroEnabled.main+xml'/>",
            "word/document.xml": "<w/>",
        },
        {"mimetype": "application/vnd.oasis.opendocument.text", "Basic/Standard/Module1.xml": "<m/>"},
    ],
)
def test_office_files_with_macros_are_refused(entries):
    with pytest.raises(FileTypeRefused) as info:
        detect(zip_bytes(entries))
    assert info.value.code == "files.active_content"


def test_java_archive_is_an_executable():
    with pytest.raises(FileTypeRefused) as info:
        detect(zip_bytes({"META-INF/MANIFEST.MF": "Main-Class: X\n", "X.class": "x"}))
    assert info.value.code == "files.executable"


def test_plain_zip_is_reported_as_zip_and_corrupt_zip_refused():
    assert detect(zip_bytes({"a.txt": "xin chào"})) == types.ZIP
    with pytest.raises(FileContentInvalid) as info:
        detect(b"PK\x03\x04" + b"\x00" * 100)
    assert info.value.code == "files.corrupt"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<data>&secret;</data>"""


@pytest.mark.parametrize(
    "data", [BILLION_LAUGHS, XXE, b'<?xml version="1.0"?><!DOCTYPE a SYSTEM "a.dtd"><a/>']
)
def test_xml_with_doctype_or_entities_is_refused(data):
    with pytest.raises(FileContentInvalid) as info:
        detect(data, name="du_lieu.xml")
    assert info.value.code == "files.xml_dtd"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"a": 1,}', "files.invalid_json"),
        (b'{"a": NaN}', "files.invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, "files.invalid_json"),
        (b"<a><b></a>", "files.invalid_xml"),
        ("ma,ten\n1,Hà Tiên\n".encode("cp1258"), "files.not_utf8"),
        ("ma,ten\n1,Cần Thơ\n".encode("utf-16"), "files.not_utf8"),
        (b"ma,ten\n" + b"1,ok\n" * 20_000 + b"2,\xff\xfe\n", "files.not_utf8"),
        (b"", "files.empty"),
    ],
)
def test_malformed_text_is_refused(data, code):
    with pytest.raises(FileContentInvalid) as info:
        detect(data, name="du_lieu.csv")
    assert info.value.code == code


def test_utf8_bom_is_allowed():
    assert detect(b"\xef\xbb\xbfma,ten\n1,A\n") == types.CSV
    assert detect(b'\xef\xbb\xbf{"a": [1, 2.5, true, null]}') == types.JSON
    assert detect(b"\xef\xbb\xbf<?xml version='1.0'?><a/>") == types.XML


def test_plain_text_is_csv_only_when_named_so():
    assert detect(b"mot dong van ban\n") == types.TEXT
    assert detect(b"mot cot\ngia tri\n", name="mot_cot.csv") == types.CSV


def test_signatures_win_over_names():
    assert detect(png_bytes(), name="hoso.pdf") == types.PNG
    assert detect(docx_bytes(), name="bang.xlsx") == types.DOCX
