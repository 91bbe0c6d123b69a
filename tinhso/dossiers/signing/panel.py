"""The signing part of the officer's processing page: which sign buttons to show next to each
result, what its signatures are worth, and the two actions (``sign_result``, ``seal_result``).

Plugged into ``tinhso/dossiers/views/actions.py``: ``result_rows`` feeds the results panel
(``dossiers/work/_results.html``) and ``run`` performs the action posted by its forms. As for the
other actions, the buttons only hide what the service would refuse; the service checks again.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils.translation import gettext as _

from tinhso.core.errors import ValidationFailed
from tinhso.core.permissions import as_principal, can
from tinhso.dossiers.models import DossierState, ResultDocument
from tinhso.dossiers.permissions import AgencyRef
from tinhso.dossiers.signing import records

ACTIONS = ("sign_result", "seal_result")
SIGNABLE_STATES = (DossierState.PROCESSING, DossierState.PROCESSED)
PDF = "application/pdf"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _status_label(status: str) -> str:
    return {
        "signed": _("Có chữ ký số hợp lệ"),
        "untrusted": _("Chữ ký số không tin cậy: chứng thư số không thuộc tổ chức chứng thực được tin cậy"),
        "not_whole_document": _("Chữ ký số không bao trùm toàn bộ văn bản"),
        "unsigned": _("Không có chữ ký số"),
        "unreadable": _("Không kiểm tra được chữ ký số"),
        "encrypted": _("Tệp được mã hóa, không kiểm tra được chữ ký số"),
    }.get(status, "")


def _role_label(role: str) -> str:
    return {
        records.PERSON: _("Người có thẩm quyền"),
        records.ORGANISATION: _("Cơ quan"),
    }.get(role, _("Chữ ký số"))


def _moment(raw: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(raw).astimezone(TZ) if raw else None
    except ValueError:
        return None


def _signature_row(entry: dict) -> dict:
    problem = ""
    if not entry.get("intact"):
        problem = _("không còn toàn vẹn")
    elif not entry.get("valid"):
        problem = _("không tin cậy")
    elif not entry.get("whole_document"):
        problem = _("có nội dung được thêm sau khi ký")
    return {
        "role": _role_label(entry.get("role", "")),
        "signer": entry.get("subject_cn", ""),
        "organisation": entry.get("subject_o", ""),
        "serial": entry.get("serial", ""),
        "signed_at": _moment(entry.get("signed_at")),
        "valid": bool(entry.get("intact") and entry.get("valid")),
        "problem": problem,
    }


def result_rows(actor, dossier, results) -> list[dict]:
    """One row per result: the result, its signatures and the sign buttons the actor may use."""
    principal = as_principal(actor)
    open_state = dossier.state in SIGNABLE_STATES and principal.kind == "officer"
    may_sign = open_state and can(actor, "dossiers.sign_result", dossier)
    me = str(principal.user.public_id) if principal.user is not None else ""
    rows = []
    for result in results:
        info = result.signature_info or {}
        signable = open_state and result.returned_at is None and result.file.content_type == PDF
        sealed = records.is_sealed(result)
        signed_by_me = any(
            p.get("signer") == records.PERSON and p.get("officer_id") == me
            for p in records.platform_signatures(result)
        )
        seal = (
            signable
            and not sealed
            and can(actor, "dossiers.seal_result", AgencyRef(records.issuing_agency_id(dossier, result)))
        )
        rows.append(
            {
                "result": result,
                "status": info.get("status", ""),
                "status_label": _status_label(info.get("status", "")),
                "signatures": [_signature_row(s) for s in records.signatures(result)],
                "sign": bool(signable and may_sign and not sealed and not signed_by_me),
                "seal": bool(seal),
                "seal_as_attachment": bool(seal and not records.has_person_signature(result)),
            }
        )
    return rows


def run(request: HttpRequest, dossier, action: str, base: dict) -> str:
    from tinhso.dossiers.signing.services import sign_result_document

    raw = (request.POST.get("result") or "").strip()
    result = ResultDocument.objects.filter(dossier=dossier, pk=int(raw)).first() if raw.isdigit() else None
    if result is None:
        raise ValidationFailed(
            "Không tìm thấy kết quả của hồ sơ.", "Result not found.", code="dossiers.unknown_result"
        )
    if action == "sign_result":
        sign_result_document(**base, result=result, signer=records.PERSON)
        return _("Đã ký số kết quả bằng chứng thư số cá nhân.")
    sign_result_document(
        **base,
        result=result,
        signer=records.ORGANISATION,
        attachment=request.POST.get("attachment") == "1",
    )
    return _("Đã ký số của cơ quan (đóng dấu số) lên kết quả.")
