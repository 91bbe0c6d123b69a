"""Original names: cleaned for display, and their extension checked against the content."""

import pytest

from tinhso.core.files import types
from tinhso.core.files.errors import FileTypeRefused
from tinhso.core.files.names import name_for_content, sanitize_name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\dan\\Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
        ("../../etc/passwd", "passwd"),
        ("hoa\u202egpj.exe", "hoagpj.exe"),  # right-to-left override removed
        ("  đơn\tđề   nghị .pdf", "đơn đề nghị .pdf"),
        ('a<b>:"c|d?*.pdf', "a_b___c_d__.pdf"),
        ("Nguye\u0302\u0303n.pdf", "Nguyễn.pdf"),  # decomposed accents recomposed (NFC)
        (".htaccess", "htaccess"),
    ],
)
def test_names_are_sanitised(raw, clean):
    assert sanitize_name(raw) == clean


def test_long_names_are_cut_keeping_the_extension():
    name = sanitize_name("x" * 500 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")


def test_extension_contradicting_content_is_refused_naming_both():
    with pytest.raises(FileTypeRefused) as info:
        name_for_content("hoso.pdf", types.PNG)
    error = info.value
    assert error.code == "files.extension_mismatch"
    assert ".pdf" in error.message_en and "PDF" in error.message_en and "PNG" in error.message_en
    assert ".pdf" in error.message_vi and "PNG" in error.message_vi


def test_unknown_or_dangerous_extension_is_refused():
    for name in ("hoso.exe", "hoso.hta", "hoso.pdf.scr"):
        with pytest.raises(FileTypeRefused) as info:
            name_for_content(name, types.PDF)
        assert info.value.code == "files.extension_mismatch"


def test_missing_extension_is_added_and_case_is_kept():
    assert name_for_content("giay to", types.PDF) == "giay to.pdf"
    assert name_for_content("", types.JPEG) == "tep.jpg"
    assert name_for_content("ANH.JPEG", types.JPEG) == "ANH.JPEG"
