"""The demo procedure catalog: about 170 procedures a Vietnamese reader would recognise.

The facts are in ``data/demo_catalog.csv`` (one procedure per line, written by hand; the format is
described in :func:`_read_rows`). This module turns each line into the catalog's data shape: it
adds the route, a few online form fields, and the performing agencies of the demo province:

* provincial procedures: the Hậu Giang department of the field (before 1 July 2025, including the
  departments absorbed on 1 March 2025) and the Cần Thơ department (from 1 July 2025);
* district procedures: the Bộ phận Một cửa of each Hậu Giang district (before 1 July 2025) and the
  People's Committees of the Cần Thơ wards and communes (after: the district level was abolished
  and its one-stop work moved to the communes);
* commune procedures: the Hậu Giang and the Cần Thơ commune People's Committees.

What is known and what is not is listed in docs/procedures.md ("Demo catalog"). In short: only six
national codes are used, the others are ``DEMO.<field>.<nnn>``; a procedure whose fee or time was
not checked against its source carries the flag ``fee?`` / ``days?`` in the data file, and the
note "(minh họa, cần đối chiếu)" on the pages.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tinhso.core.permissions import SYSTEM
from tinhso.demo import data as demo_data
from tinhso.procedures import services
from tinhso.procedures.validation import Lookups

DATA_FILE = Path(__file__).parent / "data" / "demo_catalog.csv"
UNCERTAIN_FEE = " (Mức thu minh họa, cần đối chiếu văn bản quy định hiện hành.)"
UNCERTAIN_DAYS = " (Thời hạn minh họa, cần đối chiếu văn bản quy định hiện hành.)"

# field code -> (name, Hậu Giang department numbers, Cần Thơ department number)
FIELDS: dict[str, tuple[str, tuple[int, ...], int]] = {
    "HT": ("Hộ tịch", (3,), 3),
    "CT": ("Chứng thực", (3,), 3),
    "LLTP": ("Lý lịch tư pháp", (3,), 3),
    "BTTP": ("Bổ trợ tư pháp (công chứng, luật sư)", (3,), 3),
    "NCN": ("Nuôi con nuôi", (3,), 3),
    "DD": ("Đất đai", (8, 20), 8),
    "MT": ("Môi trường", (8, 20), 8),
    "TNN": ("Tài nguyên nước", (8, 20), 8),
    "XD": ("Hoạt động xây dựng", (6,), 6),
    "DB": ("Đường bộ", (7, 6), 6),
    "HKD": ("Thành lập và hoạt động của hộ kinh doanh", (4, 5), 5),
    "HTX": ("Thành lập và hoạt động của hợp tác xã", (4, 5), 5),
    "DN": ("Thành lập và hoạt động doanh nghiệp", (4, 5), 5),
    "DT": ("Đầu tư tại Việt Nam", (4, 5), 5),
    "GD": ("Giáo dục và Đào tạo", (13,), 13),
    "YT": ("Y tế (khám bệnh, chữa bệnh, dược, an toàn thực phẩm)", (14,), 14),
    "LD": ("Lao động, việc làm", (10, 2), 2),
    "NCC": ("Người có công", (10, 2), 2),
    "BTXH": ("Bảo trợ xã hội", (10, 2), 14),
    "NN": ("Nông nghiệp (trồng trọt, bảo vệ thực vật, thú y, thủy sản)", (15, 20), 8),
    "LT": ("Lưu thông hàng hóa trong nước", (16,), 16),
    "DIEN": ("Điện", (16,), 16),
    "VH": ("Văn hóa, thể thao", (11,), 11),
    "DL": ("Du lịch", (11,), 11),
    "BC": ("Báo chí, xuất bản, thông tin điện tử", (9, 12), 12),
    "KHCN": ("Khoa học và công nghệ, an toàn bức xạ", (12,), 12),
    "TDKT": ("Thi đua, khen thưởng", (2,), 2),
    "TG": ("Tín ngưỡng, tôn giáo", (2,), 2),
    "NV": ("Tổ chức hội, công chức", (2,), 2),
    "TC": ("Tài chính, giá", (5,), 5),
    "TCD": ("Tiếp công dân, khiếu nại, tố cáo", (17,), 17),
}
LEVELS = {"p": "provincial", "d": "district", "c": "commune"}
ONLINE = {"F": "full", "P": "partial", "N": "none"}


@dataclass(frozen=True)
class Line:
    number: int
    code: str
    field: str
    name: str
    levels: list[str]
    days: int
    online: str
    fee: dict
    result: str
    legal: str
    documents: list[dict[str, Any]]
    note: str
    fee_note: str
    flags: dict[str, str]


def _fee(text: str) -> dict:
    """ "0" | "75000" | "t:key=Label=amount;..." | "u:unit:amount:first_units:next_amount:max"."""
    if text.startswith("t:"):
        options = []
        for part in text[2:].split(";"):
            key, label, amount = part.split("=")
            options.append({"key": key, "label": label, "amount": int(amount)})
        return {"kind": "table", "options": options}
    if text.startswith("u:"):
        unit, amount, first, following, cap = text[2:].split(":")
        return {
            "kind": "per_unit",
            "unit": unit,
            "amount": int(amount),
            "first_units": int(first),
            "next_amount": int(following),
            "max_amount": int(cap),
        }
    amount = int(text)
    return {"kind": "fixed", "amount": amount} if amount else {"kind": "free"}


def _documents(text: str) -> list[dict[str, Any]]:
    """ "?Name (case) [01 bản chính] // ..." — "?" marks an optional document."""
    documents = []
    for part in text.split(" // "):
        part = part.strip()
        optional = part.startswith("?")
        part = part.lstrip("?").strip()
        copies = ""
        if part.endswith("]") and "[" in part:
            part, _, copies = part[:-1].rpartition("[")
        documents.append(
            {
                "name": part.strip(),
                "copies": copies.strip(),
                "is_required": not optional,
                "accepts": ["pdf", "jpg", "png"],
            }
        )
    return documents


def _read_rows() -> list[Line]:
    """The data file: "|"-separated columns code, field, name, levels (p/d/c), days, online (F/P/N),
    fee, result, legal (" // "-separated), documents, note, fee_note, flags (space-separated:
    ``fee?``, ``days?``, ``lt`` (commune receives, district decides), ``to=``/``from=`` dates,
    ``dept=`` Hậu Giang department numbers, ``ct=none``)."""
    lines = []
    counters: dict[str, int] = {}
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE)
        next(reader)
        for number, cols in enumerate(reader, start=2):
            code, field, name, levels, days, online, fee, result, legal, docs, note, fee_note, flags = cols
            counters[field] = counters.get(field, 0) + 1
            flag_map = {}
            for flag in flags.split():
                key, _, value = flag.partition("=")
                flag_map[key] = value
            lines.append(
                Line(
                    number=number,
                    # Not a national code: a demo code, stable as long as lines keep their order.
                    code=code or f"DEMO.{field}.{counters[field]:03d}",
                    field=field,
                    name=name,
                    levels=[LEVELS[level] for level in levels.split(",")],
                    days=int(days),
                    online=ONLINE[online],
                    fee=_fee(fee),
                    result=result,
                    legal="\n".join(part.strip() for part in legal.split(" // ")),
                    documents=_documents(docs),
                    note=note,
                    fee_note=fee_note,
                    flags=flag_map,
                )
            )
    return lines


# --- Agencies ---------------------------------------------------------------------------------


def _hg(level2: int, level3: int = 0) -> str:
    return f"000.{level3:02d}.{level2:02d}.H28"


def _ct(level2: int, level3: int = 0) -> str:
    return f"000.{level3:02d}.{level2:02d}.H13"


def _agencies(line: Line) -> list[str]:
    _name, hg_departments, ct_department = FIELDS[line.field]
    if "dept" in line.flags:
        hg_departments = tuple(int(n) for n in line.flags["dept"].split(","))
    valid_from = date.fromisoformat(line.flags["from"]) if "from" in line.flags else None
    valid_to = date.fromisoformat(line.flags["to"]) if "to" in line.flags else None
    with_hau_giang = valid_from is None or valid_from <= demo_data.LEGACY_LAST_DAY
    with_can_tho = line.flags.get("ct") != "none" and (valid_to is None or valid_to >= demo_data.REFORM_DAY)
    codes: list[str] = []
    for level in line.levels:
        if level == "provincial":
            if with_hau_giang:
                codes += [_hg(n) for n in hg_departments]
            if with_can_tho:
                codes.append(_ct(ct_department))
        elif level == "district":
            if with_hau_giang:
                codes += [_hg(n, 1) for n, *_rest in demo_data.HG_DISTRICTS]
            if with_can_tho:
                codes += [_ct(n) for n, *_rest in demo_data.CT_COMMUNES]
        else:
            if with_hau_giang:
                codes += [_hg(district, n) for district, n, *_rest in demo_data.HG_COMMUNES]
            if with_can_tho:
                codes += [_ct(n) for n, *_rest in demo_data.CT_COMMUNES]
    return list(dict.fromkeys(codes))


# --- Routes -----------------------------------------------------------------------------------

Q = Decimal("0.25")


def _quarter(value: Decimal) -> Decimal:
    return (value / Q).to_integral_value() * Q


def _route(line: Line, has_fee: bool) -> list[dict[str, Any]]:
    days = Decimal(line.days)
    if "lt" in line.flags:
        edge = Decimal("0.5") if days >= 4 else Decimal("0.25")
        commune = max(Q, _quarter(days * Decimal("0.3")))
        approve = max(Q, _quarter(days * Decimal("0.15")))
        district = days - 3 * edge - commune - approve
        steps = [
            ("Tiếp nhận hồ sơ tại Ủy ban nhân dân cấp xã", "receive", "one_stop_officer", edge, "commune"),
            ("Xác minh, niêm yết, đề xuất của cấp xã", "process", "specialist", commune, "commune"),
            ("Chuyển hồ sơ lên cấp huyện", "transfer", "one_stop_officer", edge, "district"),
            ("Thẩm định hồ sơ", "process", "specialist", district, "district"),
            ("Phê duyệt kết quả", "approve", "leader", approve, "district"),
        ]
    else:
        if days >= 3:
            edge, approve = Decimal("0.5"), max(Decimal("0.5"), _quarter(days * Decimal("0.2")))
        elif days == 2:
            edge, approve = Q, Decimal("0.5")
        else:
            edge, approve = days / 4, days / 4
        process = days - 2 * edge - approve
        steps = [
            ("Tiếp nhận, kiểm tra hồ sơ", "receive", "one_stop_officer", edge, ""),
            ("Thẩm định, xử lý hồ sơ", "process", "specialist", process, ""),
            ("Phê duyệt, ký kết quả", "approve", "leader", approve, ""),
        ]
    if has_fee:
        steps.append(("Thu phí, lệ phí", "fee", "one_stop_officer", Decimal("0"), ""))
    steps.append(("Trả kết quả", "return", "one_stop_officer", edge, "commune" if "lt" in line.flags else ""))
    return [
        {"name": name, "kind": kind, "role": role, "share_days": share, "agency_level": level}
        for name, kind, role, share, level in steps
    ]


# --- Online form fields -----------------------------------------------------------------------


def _choice(key: str, label: str, options: list[tuple[str, str]], required: bool = True, help_text: str = ""):
    return {
        "key": key,
        "label": label,
        "datatype": "choice",
        "required": required,
        "choices": [{"value": v, "label": lab} for v, lab in options],
        "help_text": help_text,
    }


def _f(key: str, label: str, datatype: str = "text", required: bool = True, help_text: str = ""):
    return {"key": key, "label": label, "datatype": datatype, "required": required, "help_text": help_text}


GENDER = [("nam", "Nam"), ("nu", "Nữ")]
RELATION = [
    ("ban_than", "Bản thân"),
    ("cha_me", "Cha, mẹ"),
    ("ong_ba", "Ông, bà"),
    ("nguoi_than", "Người thân thích khác"),
    ("uy_quyen", "Người được ủy quyền"),
]


def _form_fields(line: Line) -> list[dict[str, Any]]:
    name = line.name.lower()
    if line.field == "HT" and "khai sinh" in name:
        fields = [
            _f("ho_ten_tre", "Họ, chữ đệm và tên người được khai sinh"),
            _f("ngay_sinh", "Ngày, tháng, năm sinh", "date"),
            _choice("gioi_tinh", "Giới tính", GENDER),
            _f("noi_sinh", "Nơi sinh", help_text="Tên cơ sở y tế hoặc địa danh hành chính nơi sinh"),
            _choice("quan_he", "Quan hệ của người đi khai sinh với người được khai sinh", RELATION),
        ]
    elif line.field == "HT" and "kết hôn" in name:
        fields = [
            _f("ho_ten_chong", "Họ, chữ đệm và tên bên nam"),
            _f("ngay_sinh_chong", "Ngày sinh bên nam", "date"),
            _f("ho_ten_vo", "Họ, chữ đệm và tên bên nữ"),
            _f("ngay_sinh_vo", "Ngày sinh bên nữ", "date"),
        ]
    elif line.field == "HT" and "khai tử" in name:
        fields = [
            _f("ho_ten_nguoi_chet", "Họ, chữ đệm và tên người đã chết"),
            _f("ngay_chet", "Ngày chết", "date"),
            _f("noi_chet", "Nơi chết"),
            _f("nguyen_nhan_chet", "Nguyên nhân chết", required=False),
        ]
    elif line.field == "HT":
        fields = [
            _f("ho_ten_nguoi_duoc_cap", "Họ, chữ đệm và tên người được đăng ký, cấp giấy tờ"),
            _f("ngay_sinh", "Ngày sinh", "date", required=False),
            _choice("quan_he", "Quan hệ của người yêu cầu với người được đăng ký", RELATION),
            _f("muc_dich", "Mục đích sử dụng", "textarea", required=False),
        ]
    elif line.field == "LLTP":
        fields = [
            _choice("loai_phieu", "Loại Phiếu yêu cầu cấp", [("so_1", "Phiếu số 1"), ("so_2", "Phiếu số 2")]),
            _f("muc_dich", "Mục đích yêu cầu cấp Phiếu"),
            _f("so_luong_phieu", "Số lượng Phiếu", "number"),
        ]
    elif line.field == "DD":
        fields = [
            _f("so_thua", "Thửa đất số"),
            _f("so_to_ban_do", "Tờ bản đồ số"),
            _f("dien_tich", "Diện tích (m²)", "number", required=False),
            _f("dia_chi_thua_dat", "Địa chỉ thửa đất"),
        ]
    elif line.field == "XD":
        fields = [
            _f("dia_chi_cong_trinh", "Địa điểm xây dựng"),
            _f("so_tang", "Số tầng", "number", required=False),
            _f("dien_tich_xay_dung", "Diện tích xây dựng tầng 1 (m²)", "number", required=False),
            _f("tong_dien_tich_san", "Tổng diện tích sàn (m²)", "number", required=False),
        ]
    elif line.field == "DB" and "lái xe" in name:
        fields = [
            _f("so_giay_phep", "Số giấy phép lái xe"),
            _choice(
                "hang_giay_phep",
                "Hạng giấy phép lái xe",
                [("a1", "A1"), ("a2", "A2"), ("b1", "B1"), ("b2", "B2"), ("c", "C"), ("d", "D"), ("e", "E")],
            ),
            _f("ngay_het_han", "Ngày hết hạn", "date", required=False),
        ]
    elif line.field in {"HKD", "HTX", "DN"}:
        fields = [
            _f("ten_to_chuc", "Tên hộ kinh doanh, hợp tác xã hoặc doanh nghiệp"),
            _f("dia_chi_tru_so", "Địa chỉ trụ sở, địa điểm kinh doanh"),
            _f("nganh_nghe", "Ngành, nghề kinh doanh", "textarea", required=False),
            _f("von", "Vốn kinh doanh, vốn điều lệ (đồng)", "number", required=False),
        ]
    else:
        fields = [
            _f("noi_dung_de_nghi", "Nội dung đề nghị", "textarea"),
            _f("ghi_chu", "Ghi chú", "textarea", required=False),
        ]
    # Convention with the dossiers module: these two keys feed selectors.fee_for().
    if line.fee["kind"] == "table":
        fields.append(
            _choice(
                "fee_option",
                "Trường hợp thu phí, lệ phí",
                [(o["key"], o["label"]) for o in line.fee["options"]],
                help_text="Chọn trường hợp áp dụng để tính phí, lệ phí",
            )
        )
    elif line.fee["kind"] == "per_unit":
        fields.append(_f("fee_quantity", f"Số {line.fee['unit']}", "number", help_text="Dùng để tính phí"))
    return fields


def procedure_data(line: Line) -> dict[str, Any]:
    has_fee = line.fee["kind"] != "free" and not (
        line.fee["kind"] == "table" and all(o["amount"] == 0 for o in line.fee["options"])
    )
    levels = list(line.levels)
    if "lt" in line.flags and "district" not in levels:
        levels.append("district")
    return {
        "code": line.code,
        "name": line.name,
        "field_code": line.field,
        "field_name": FIELDS[line.field][0],
        "levels": levels,
        "agencies": _agencies(line),
        "processing_days": line.days,
        "processing_note": line.note + (UNCERTAIN_DAYS if "days?" in line.flags else ""),
        "fee_rule": line.fee,
        "fee_description": line.fee_note + (UNCERTAIN_FEE if "fee?" in line.flags else ""),
        "result_type": line.result,
        "online_level": line.online,
        "legal_basis": line.legal,
        "is_active": True,
        "active_from": date.fromisoformat(line.flags["from"]) if "from" in line.flags else None,
        "active_to": date.fromisoformat(line.flags["to"]) if "to" in line.flags else None,
        "documents": line.documents,
        "form_fields": _form_fields(line),
        "route_steps": _route(line, has_fee),
    }


def catalog() -> list[dict[str, Any]]:
    """Every demo procedure in the catalog's data shape (used by load_demo and by tests)."""
    return [procedure_data(line) for line in _read_rows()]


def load_demo(report) -> None:
    """Create or bring up to date the demo catalog; a second run changes nothing."""
    lookups = Lookups()
    for data in catalog():
        _procedure, outcome = services.import_procedure_data(actor=SYSTEM, data=data, lookups=lookups)
        if outcome == "created":
            report.created["procedures"] += 1
        elif outcome == "updated":
            report.updated["procedures"] += 1
