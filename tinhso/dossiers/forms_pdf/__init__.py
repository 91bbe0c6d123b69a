"""The official one-stop forms as PDF (Circular 03/2025/TT-VPCP, Appendix I, Forms 01–07).

Pure reading functions: each returns the PDF bytes and writes nothing. The caller checks that the
actor may see the dossier (``dossiers.view``) or, for the tracking book, that they are an officer
of the agency; these functions do not check permissions and never log personal data.

    from tinhso.dossiers import forms_pdf
    filename, pdf = forms_pdf.render_form(dossier, 1)

=========  ==================================================  ============================
 number     form                                                 function
=========  ==================================================  ============================
 01         Giấy tiếp nhận hồ sơ và hẹn trả kết quả              ``render_form_01(dossier)``
 02         Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ             ``render_form_02(dossier)``
 03         Phiếu từ chối tiếp nhận giải quyết hồ sơ            ``render_form_03(dossier)``
 04         Văn bản xin lỗi và đề nghị gia hạn thời gian        ``render_form_04(dossier)``
 05         Thông báo dừng giải quyết hồ sơ                     ``render_form_05(dossier)``
 06         Phiếu kiểm soát quá trình giải quyết hồ sơ          ``render_form_06(dossier)``
 07         Sổ theo dõi hồ sơ                                   ``render_form_07(agency, from, to)``
=========  ==================================================  ============================
"""

from __future__ import annotations

from tinhso.dossiers import errors
from tinhso.dossiers.forms_pdf.control_sheet import render_form_06
from tinhso.dossiers.forms_pdf.layout import FontsMissing
from tinhso.dossiers.forms_pdf.letters import render_form_04, render_form_05
from tinhso.dossiers.forms_pdf.reception import render_form_01, render_form_02, render_form_03
from tinhso.dossiers.forms_pdf.tracking import tracking_url
from tinhso.dossiers.forms_pdf.tracking_book import render_form_07
from tinhso.dossiers.models import Dossier

FORM_NAMES = {
    1: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    2: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    3: "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    4: "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
    5: "Thông báo dừng giải quyết hồ sơ",
    6: "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    7: "Sổ theo dõi hồ sơ",
}

_PER_DOSSIER = {
    1: render_form_01,
    2: render_form_02,
    3: render_form_03,
    4: render_form_04,
    5: render_form_05,
    6: render_form_06,
}


def filename_for(dossier: Dossier, number: int) -> str:
    """``mau-01-000.00.41.H13-251125-0001.pdf``: ASCII only, safe in a Content-Disposition."""
    return f"mau-{number:02d}-{dossier.code}.pdf"


def render_form(dossier: Dossier, number) -> tuple[str, bytes]:
    """Form ``number`` (1–6, or "01"–"06") of ``dossier`` as ``(filename, pdf bytes)``.

    Form 07 is per agency and period: use :func:`render_form_07`. A form the dossier does not
    have (a Form 03 for a dossier that was not refused...) is ``dossiers.form_unavailable`` (409).
    """
    try:
        key = int(str(number).strip())
    except (TypeError, ValueError):
        key = None
    if key == 7:
        raise errors.invalid(
            "form_per_agency",
            "Mẫu số 07 (Sổ theo dõi hồ sơ) được in theo cơ quan và kỳ, không theo từng hồ sơ.",
            "Form 07 (the tracking book) is printed per agency and period, not per dossier.",
        )
    if key not in _PER_DOSSIER:
        raise errors.invalid(
            "unknown_form",
            "Số mẫu phải từ 01 đến 06.",
            "The form number must be between 01 and 06.",
            number=str(number)[:10],
        )
    return filename_for(dossier, key), _PER_DOSSIER[key](dossier)


__all__ = [
    "FORM_NAMES",
    "FontsMissing",
    "filename_for",
    "render_form",
    "render_form_01",
    "render_form_02",
    "render_form_03",
    "render_form_04",
    "render_form_05",
    "render_form_06",
    "render_form_07",
    "tracking_url",
]
