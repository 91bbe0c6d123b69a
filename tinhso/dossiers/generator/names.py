"""Fictional people, organisations, addresses and phrases for generated dossiers.

Names are assembled from common Vietnamese family names, middle names and given names (the
family-name shares are rounded from commonly published estimates and tilted towards the Mekong
delta, where Huỳnh, Võ, Lâm and Châu are frequent); any resemblance to a real person is chance.
Identity numbers are never real: see :func:`fictional_id_number`. Phone numbers use the ``01x``
ten-digit range, which has not been given to subscribers since the 2018 renumbering moved the
eleven-digit ``01xx`` mobile numbers to ``03x``–``08x`` (believed, not verified against the
numbering plan): generated dossiers queue no message anyway.
"""

from __future__ import annotations

import bisect
import random
import unicodedata

FAMILY_NAMES: list[tuple[str, float]] = [
    ("Nguyễn", 31.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 6.5),
    ("Huỳnh", 5.5),
    ("Võ", 4.5),
    ("Phan", 4.0),
    ("Trương", 2.0),
    ("Đặng", 2.0),
    ("Bùi", 2.0),
    ("Đỗ", 1.5),
    ("Hồ", 1.5),
    ("Ngô", 1.5),
    ("Dương", 1.2),
    ("Lâm", 1.2),
    ("Châu", 1.0),
    ("Lý", 1.0),
    ("Mai", 0.8),
    ("Đoàn", 0.8),
    ("Tô", 0.6),
    ("Thái", 0.6),
    ("Lưu", 0.5),
    ("Cao", 0.5),
    ("Hoàng", 1.5),
    ("Vũ", 1.0),
    ("Quách", 0.3),
    ("Triệu", 0.3),
]
MALE_MIDDLE = ["Văn", "Văn", "Văn", "Minh", "Hoàng", "Quốc", "Thanh", "Hữu", "Đức", "Công", "Tấn", "Trung"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ", "Bích", "Hồng", "Thùy", "Phương"]
MALE_GIVEN = (
    "An Bình Cường Dũng Duy Hải Hiếu Hùng Huy Khang Khánh Khoa Lộc Long Luân Minh Nam Nghĩa Nhân "
    "Phong Phúc Quang Sang Sơn Tài Tâm Thắng Thành Thiện Thịnh Toàn Trí Trung Tuấn Việt Vinh Vũ"
).split()
FEMALE_GIVEN = (
    "Anh Châu Diễm Dung Giang Hà Hạnh Hằng Hoa Hương Lan Liên Linh Loan Mai My Ngân Nhi Nhung "
    "Oanh Phương Quyên Tâm Thảo Thủy Trang Trâm Trinh Tuyết Uyên Vân Vy Xuân Yến"
).split()

_FAMILY_CUMULATIVE: list[float] = []
_total = 0.0
for _name, _weight in FAMILY_NAMES:
    _total += _weight
    _FAMILY_CUMULATIVE.append(_total)

COMPANY_FORMS = ["Công ty TNHH", "Công ty TNHH MTV", "Công ty Cổ phần", "Doanh nghiệp tư nhân"]
COMPANY_TRADES = [
    "Thương mại Dịch vụ",
    "Xây dựng",
    "Nông sản",
    "Thủy sản",
    "Vận tải",
    "Vật liệu Xây dựng",
    "Chế biến Thực phẩm",
    "Công nghệ",
    "Du lịch",
    "Xuất nhập khẩu",
]
COMPANY_NAMES = [
    "Phú An",
    "Tân Lộc",
    "Hưng Thịnh",
    "Sông Hậu",
    "Mê Kông Xanh",
    "Phước Thành",
    "Minh Phát",
    "Thành Đạt",
    "Kim Long",
    "Hòa Bình",
    "Cửu Long",
    "Đại Phát",
    "Vĩnh Phúc",
    "Hậu Giang Xanh",
    "Ngọc Mai",
]
STREETS = [
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hòa Bình",
    "30 Tháng 4",
    "3 Tháng 2",
    "Ngô Quốc Trị",
    "Lê Hồng Phong",
    "Nguyễn Công Trứ",
    "Trần Ngọc Quế",
    "Võ Văn Kiệt",
    "Điện Biên Phủ",
    "Lê Lợi",
    "Hùng Vương",
    "Châu Văn Liêm",
]
PLACES = [
    "Vị Thanh",
    "Vị Tân",
    "Hỏa Lựu",
    "Ngã Bảy",
    "Tân Hòa",
    "Châu Thành",
    "Hiệp Hưng",
    "Vị Thủy",
    "Vĩnh Viễn",
    "Long Mỹ",
]

REFUSAL_REASONS = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan.",
    "Thành phần hồ sơ không đúng quy định; đã hướng dẫn người nộp hoàn thiện và nộp lại.",
    "Giấy tờ nộp kèm không hợp lệ (bản chụp không rõ, không đúng mẫu).",
    "Người nộp không đủ điều kiện thực hiện thủ tục theo quy định.",
]
SUPPLEMENT_REASONS = [
    "Bổ sung bản sao giấy tờ tùy thân còn thời hạn.",
    "Tờ khai chưa ghi đầy đủ thông tin; đề nghị khai lại theo mẫu.",
    "Bổ sung văn bản ủy quyền có chứng thực.",
    "Bổ sung bản vẽ, sơ đồ vị trí đúng tỷ lệ.",
    "Bổ sung giấy tờ chứng minh quan hệ nhân thân.",
]
FULFILMENT_NOTES = [
    "Đã nộp bổ sung giấy tờ theo yêu cầu.",
    "Đã khai lại tờ khai theo hướng dẫn.",
    "Đã bổ sung bản chính để đối chiếu tại bộ phận một cửa.",
]
EXTENSION_REASONS = [
    "Cần xác minh thêm thông tin tại địa phương.",
    "Phải lấy ý kiến của cơ quan có liên quan.",
    "Khối lượng hồ sơ tăng đột biến trong kỳ.",
]
STOP_REASONS = [
    "Người nộp không bổ sung hồ sơ trong thời hạn yêu cầu.",
    "Người nộp đề nghị dừng giải quyết để hoàn thiện hồ sơ.",
]
WITHDRAW_REASONS = [
    "Người nộp đề nghị rút hồ sơ.",
    "Người nộp đã thực hiện thủ tục tại cơ quan khác.",
    "",
]
RATING_COMMENTS = {
    5: ["Cán bộ hướng dẫn tận tình, trả kết quả sớm.", "Rất hài lòng.", ""],
    4: ["Hài lòng.", "Thủ tục nhanh gọn.", ""],
    3: ["Tạm được, thời gian chờ còn lâu.", ""],
    2: ["Phải bổ sung nhiều lần.", "Trả kết quả chậm."],
    1: ["Không hài lòng về thời gian giải quyết."],
}


def person(rng: random.Random) -> tuple[str, bool]:
    """A fictional full name and whether it is a man's."""
    family = FAMILY_NAMES[bisect.bisect_left(_FAMILY_CUMULATIVE, rng.random() * _total)][0]
    male = rng.random() < 0.5
    if male:
        return f"{family} {rng.choice(MALE_MIDDLE)} {rng.choice(MALE_GIVEN)}", True
    return f"{family} {rng.choice(FEMALE_MIDDLE)} {rng.choice(FEMALE_GIVEN)}", False


def organisation(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_FORMS)} {rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_NAMES)}"


def household_business(rng: random.Random) -> str:
    return f"Hộ kinh doanh {person(rng)[0]}"


def fictional_id_number(rng: random.Random) -> str:
    """Twelve digits that cannot be anybody's citizen ID: the province-of-birth code ``000`` is
    not assigned to any province (Circular 07/2016/TT-BCA codes start at 001)."""
    return f"000{rng.randrange(10**9):09d}"


def fictional_phone(rng: random.Random) -> str:
    return f"01{rng.randrange(10**8):08d}"


def address(rng: random.Random) -> str:
    return (
        f"Số {rng.randrange(1, 300)}, đường {rng.choice(STREETS)}, khu vực {rng.randrange(1, 8)}, "
        f"{rng.choice(PLACES)} (địa chỉ minh họa)"
    )


def email_for(name: str, rng: random.Random) -> str:
    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    letters = "".join(ch for ch in plain if ch.isascii() and ch.isalpha())
    return f"{letters.lower()[:20]}{rng.randrange(100, 1000)}@demo.tinhso.example"
