"""Receipts as people read them: the amount in Vietnamese words, and the PDF document."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import segno
from django.contrib.staticfiles import finders
from fpdf import FPDF

from tinhso.payments.errors import UnknownProvider
from tinhso.payments.models import Receipt
from tinhso.payments.providers import get_provider

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
GROUPS = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ"]


def _read_group(number: int, *, full: bool) -> str:
    """Three digits; ``full`` when a higher group precedes (then "không trăm", "lẻ" are said)."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and (hundreds or full):
            words.append("lẻ")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 4 and tens >= 2:
        words.append("tư")
    elif units == 5 and tens >= 1:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return " ".join(words)


def amount_in_words(amount: int) -> str:
    """``150000`` -> "Một trăm năm mươi nghìn đồng" (up to 999 999 triệu tỷ)."""
    if amount < 0 or amount >= 1000 ** len(GROUPS):
        raise ValueError("amount out of range")
    if amount == 0:
        return "Không đồng"
    groups = []
    rest = amount
    while rest:
        groups.append(rest % 1000)
        rest //= 1000
    words = []
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            continue
        leading = index == len(groups) - 1
        words.append(_read_group(value, full=not leading))
        if GROUPS[index]:
            words.append(GROUPS[index])
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]


def format_vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def provider_label(name: str) -> str:
    try:
        return get_provider(name).label
    except UnknownProvider:
        return name


def _font(name: str) -> str:
    path = finders.find(f"vendor/fonts/{name}")
    if not path:
        raise RuntimeError(f"The font vendor/fonts/{name} is missing from the static files")
    return path


def render_pdf(receipt: Receipt) -> bytes:
    """The receipt as an A5 PDF, in Vietnamese, with a QR code of its number and lookup code."""
    pdf = FPDF(orientation="landscape", unit="mm", format=(148, 210))
    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("DejaVu", "", _font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font("DejaVuSans-Bold.ttf"))
    pdf.set_title(f"Biên lai {receipt.number}")
    pdf.set_creator("Tỉnh số")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    half = width / 2

    pdf.set_font("DejaVu", "B", 9)
    top = pdf.get_y()
    pdf.multi_cell(half, 5, (receipt.agency_name or "Nền tảng Tỉnh số").upper(), align="C")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.ln(4)

    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(width, 9, "BIÊN LAI THU PHÍ, LỆ PHÍ", align="C", new_x="LMARGIN", new_y="NEXT")
    if receipt.is_test:
        pdf.set_text_color(179, 38, 30)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(
            width,
            6,
            "BIÊN LAI THỬ NGHIỆM (SANDBOX) — KHÔNG CÓ GIÁ TRỊ THANH TOÁN",
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(
        width,
        6,
        f"Số: {receipt.number}    Mã tra cứu: {receipt.lookup_code}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)

    issued = receipt.issued_at.astimezone(TZ)
    rows = [
        ("Người nộp", receipt.payer_name or "—"),
        ("Nội dung thu", receipt.description),
        ("Số tiền", format_vnd(receipt.amount)),
        ("Bằng chữ", amount_in_words(receipt.amount)),
        ("Hình thức", f"Thanh toán trực tuyến qua {provider_label(receipt.provider)}"),
        ("Mã giao dịch", receipt.provider_txn_no or receipt.provider_ref or "—"),
        ("Thời gian lập", issued.strftime("%H:%M ngày %d/%m/%Y")),
    ]
    label_width = 32
    qr_size = 30
    text_width = width - qr_size - 4
    start_y = pdf.get_y()
    for label, value in rows:
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(label_width, 6.5, f"{label}:")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(text_width - label_width, 6.5, value, new_x="LMARGIN", new_y="NEXT")

    qr = segno.make(f"{receipt.number}|{receipt.lookup_code}|{receipt.amount}", error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=6, border=1)
    image.seek(0)
    pdf.image(image, x=pdf.l_margin + width - qr_size, y=start_y, w=qr_size, h=qr_size)

    pdf.ln(4)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        width,
        4.5,
        "Biên lai được lập tự động khi cổng thanh toán xác nhận đã nhận tiền. "
        "Đối chiếu bằng số biên lai và mã tra cứu tại bộ phận một cửa.",
    )
    return bytes(pdf.output())
