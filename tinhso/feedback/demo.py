"""Demo citizen field reports for the demo province (``tinhso demo load`` calls :func:`load_demo`).

Categories are owned by the departments of Thành phố Cần Thơ (from 1 July 2025), routed by ward
to the People's Committees of the wards and communes that cover former Hậu Giang territory, and
about forty reports around Vị Thanh, Ngã Bảy and Long Mỹ in every state of handling, dated over
the last two months (relative to the day the demo is loaded, so deadlines and overdue reports
look real). Descriptions, addresses and contacts are invented.

Idempotent: each report is submitted with a fixed ``Idempotency-Key``; a second run finds it and
changes nothing. Everything is written through the services, as SYSTEM, the demo citizens and
the demo leader of phường Vị Thanh (``pvithanh.lanhdao``), so it is audited and evented.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from tinhso.core.accounts import services as accounts
from tinhso.core.accounts.models import User
from tinhso.core.agencies.models import Agency
from tinhso.core.permissions import ANONYMOUS, SYSTEM
from tinhso.core.units.models import AdministrativeUnit, Structure
from tinhso.feedback import services
from tinhso.feedback.models import Category, Report, ReportStatus, RoutingRule

SO_XAY_DUNG = "000.00.06.H13"
SO_NONG_NGHIEP_MOI_TRUONG = "000.00.08.H13"
VI_THANH_LEADER = "pvithanh.lanhdao"

# Wards and communes (2025 GSO code) → their People's Committee (tinhso/demo/data.py CT_COMMUNES).
WARDS = {
    "31321": "000.00.41.H13",  # phường Vị Thanh
    "31333": "000.00.42.H13",  # phường Vị Tân
    "31338": "000.00.43.H13",  # xã Hỏa Lựu
    "31340": "000.00.44.H13",  # phường Ngã Bảy
    "31342": "000.00.45.H13",  # xã Tân Hòa
    "31366": "000.00.46.H13",  # xã Châu Thành
    "31396": "000.00.47.H13",  # xã Hiệp Hưng
    "31441": "000.00.48.H13",  # xã Vị Thủy
    "31489": "000.00.49.H13",  # xã Vĩnh Viễn
    "31471": "000.00.50.H13",  # phường Long Mỹ
}

LIGHT_STATES = [
    {"key": "tat", "name": "Đèn không sáng"},
    {"key": "chap-chon", "name": "Đèn chập chờn"},
    {"key": "sang-ban-ngay", "name": "Đèn sáng cả ban ngày"},
    {"key": "gay-cot", "name": "Cột đèn gãy, nghiêng"},
]


@dataclass(frozen=True)
class DemoCategory:
    code: str
    name: str
    description: str
    group: str
    keywords: tuple[str, ...]
    agency: str
    deadline_days: int
    allow_anonymous: bool = True
    contact_required: bool = True
    photo_required: bool = True
    routed_by_ward: bool = True
    attributes: tuple[dict, ...] = ()


CATEGORIES = [
    DemoCategory(
        "den-duong",
        "Đèn chiếu sáng công cộng hư hỏng",
        "Đèn đường không sáng, chập chờn, sáng cả ban ngày; cột đèn gãy, nghiêng.",
        "Hạ tầng đô thị",
        ("đèn đường", "chiếu sáng", "cột đèn"),
        SO_XAY_DUNG,
        5,
        attributes=(
            {
                "code": "tinh-trang",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "Tình trạng đèn",
                "order": 1,
                "values": LIGHT_STATES,
            },
            {
                "code": "so-cot",
                "datatype": "string",
                "required": False,
                "description": "Số hiệu cột đèn (nếu có)",
                "order": 2,
            },
        ),
    ),
    DemoCategory(
        "ngap-ung",
        "Ngập úng, thoát nước",
        "Đường, hẻm ngập sau mưa hoặc triều cường; cống, rãnh thoát nước bị tắc.",
        "Hạ tầng đô thị",
        ("ngập", "triều cường", "cống", "thoát nước"),
        SO_XAY_DUNG,
        3,
        attributes=(
            {
                "code": "do-sau",
                "datatype": "number",
                "required": True,
                "description": "Độ sâu ngập ước tính (cm)",
                "order": 1,
            },
        ),
    ),
    DemoCategory(
        "rac-thai",
        "Rác thải, vệ sinh môi trường",
        "Rác tồn đọng, đổ rác không đúng nơi quy định, xả thải ra kênh rạch.",
        "Môi trường",
        ("rác", "vệ sinh", "ô nhiễm"),
        SO_NONG_NGHIEP_MOI_TRUONG,
        3,
        contact_required=False,
    ),
    DemoCategory(
        "o-ga-mat-duong",
        "Ổ gà, hư hỏng mặt đường",
        "Ổ gà, sụt lún, bong tróc mặt đường, cầu, vỉa hè.",
        "Giao thông",
        ("ổ gà", "sụt lún", "mặt đường", "vỉa hè"),
        SO_XAY_DUNG,
        7,
    ),
    DemoCategory(
        "cay-xanh",
        "Cây xanh ngã đổ, nguy cơ ngã đổ",
        "Cây xanh đô thị ngã đổ, gãy cành, nghiêng có nguy cơ ngã.",
        "Hạ tầng đô thị",
        ("cây xanh", "ngã đổ", "gãy cành"),
        SO_XAY_DUNG,
        2,
    ),
    DemoCategory(
        "tieng-on",
        "Tiếng ồn, gây mất trật tự",
        "Karaoke, loa kéo, cơ sở sản xuất gây ồn, nhất là ban đêm.",
        "Trật tự đô thị",
        ("karaoke", "tiếng ồn", "loa kéo"),
        SO_NONG_NGHIEP_MOI_TRUONG,
        3,
        contact_required=False,
        photo_required=False,
    ),
    DemoCategory(
        "xay-dung-trai-phep",
        "Xây dựng trái phép, lấn chiếm",
        "Công trình xây dựng không phép, sai phép; lấn chiếm lòng lề đường, kênh rạch.",
        "Trật tự xây dựng",
        ("xây dựng", "không phép", "lấn chiếm"),
        SO_XAY_DUNG,
        10,
        allow_anonymous=False,
        photo_required=False,
        routed_by_ward=False,
    ),
    DemoCategory(
        "cap-nuoc",
        "Cấp nước sinh hoạt",
        "Mất nước, nước yếu, nước đục; vỡ đường ống cấp nước.",
        "Dịch vụ công ích",
        ("mất nước", "vỡ ống", "nước sạch"),
        SO_XAY_DUNG,
        3,
        routed_by_ward=False,
    ),
]


@dataclass(frozen=True)
class DemoReport:
    key: str
    category: str
    unit: str
    lat: float
    lon: float
    description: str
    days_ago: float
    scenario: str  # new, acknowledged, assigned, in_progress, resolved, closed, closed_auto, reopened,
    #                rejected_spam, rejected_not_competent, transferred, merged, moderated
    address: str = ""
    reporter: str | None = None  # a demo citizen's ID number, or None (anonymous)
    contact_email: str = ""
    contact_phone: str = ""
    contact_name: str = ""
    identity_public: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    response: str = ""
    resolve_after_days: float = 2
    merge_into: str | None = None


C1, C2, C3 = "093085000001", "093192000002", "092201000003"

REPORTS = [
    # --- phường Vị Thanh: handled by its People's Committee (pvithanh.lanhdao) ---
    DemoReport(
        "pa-01",
        "den-duong",
        "31321",
        9.78452,
        105.47011,
        "Ba bóng đèn đường trên đường Trần Hưng Đạo, đoạn trước chợ Vị Thanh, không sáng gần một tuần nay; buổi tối rất tối, dễ xảy ra tai nạn.",
        52,
        "closed",
        address="Đường Trần Hưng Đạo, trước chợ Vị Thanh",
        reporter=C1,
        identity_public=True,
        attributes={"tinh-trang": "tat", "so-cot": "TH-112"},
        response="Điện lực đã thay 3 bóng đèn LED mới tại các cột TH-110 đến TH-112, đèn sáng bình thường từ tối 15/11.",
    ),
    DemoReport(
        "pa-03",
        "ngap-ung",
        "31321",
        9.78710,
        105.46620,
        "Sau cơn mưa chiều nay, đường 3 Tháng 2 đoạn gần trường tiểu học ngập sâu, xe máy chết máy nhiều.",
        45,
        "closed_auto",
        address="Đường 3 Tháng 2, gần trường tiểu học",
        reporter=C2,
        attributes={"do-sau": 35},
        response="Đã nạo vét 120 m cống thoát nước dọc đường 3 Tháng 2; nước rút sau 30 phút khi mưa lớn.",
    ),
    DemoReport(
        "pa-04",
        "rac-thai",
        "31321",
        9.78220,
        105.47540,
        "Bãi rác tự phát ở đầu hẻm 42 đường Nguyễn Công Trứ bốc mùi hôi, ruồi nhặng nhiều.",
        5,
        "resolved",
        address="Đầu hẻm 42 đường Nguyễn Công Trứ",
        contact_email="hoa.nguyen@example.vn",
        response="Đã thu gom toàn bộ rác tồn đọng, đặt biển cấm đổ rác và bố trí thùng rác công cộng.",
        resolve_after_days=1,
    ),
    DemoReport(
        "pa-05",
        "o-ga-mat-duong",
        "31321",
        9.77890,
        105.46980,
        "Ổ gà lớn giữa đường Lê Hồng Phong, đường kính khoảng 1 m, đã có người đi xe máy bị ngã.",
        35,
        "closed",
        reporter=C3,
        response="Đã vá ổ gà bằng bê tông nhựa nóng, lắp biển báo trong thời gian chờ khô.",
        resolve_after_days=6,
    ),
    DemoReport(
        "pa-06",
        "cay-xanh",
        "31321",
        9.78630,
        105.47290,
        "Cây dầu lớn trên đường Võ Văn Kiệt bị nghiêng về phía nhà dân, có nguy cơ ngã khi mưa bão.",
        6,
        "resolved",
        contact_phone="0912000111",
        response="Đã cắt tỉa cành và gia cố cây; đơn vị quản lý cây xanh sẽ kiểm tra định kỳ.",
        resolve_after_days=2,
    ),
    DemoReport(
        "pa-07",
        "den-duong",
        "31321",
        9.79010,
        105.46310,
        "Đèn đường trong khu dân cư số 4 sáng cả ban ngày, lãng phí điện.",
        20,
        "in_progress",
        contact_email="tuan.le@example.vn",
        attributes={"tinh-trang": "sang-ban-ngay"},
    ),
    DemoReport(
        "pa-08",
        "rac-thai",
        "31321",
        9.77650,
        105.47820,
        "Cơ sở chế biến cá xả nước thải xuống kênh Xáng Xà No, nước đen và hôi.",
        15,
        "assigned",
        reporter=C1,
    ),
    DemoReport(
        "pa-09",
        "ngap-ung",
        "31321",
        9.78110,
        105.46150,
        "Triều cường làm ngập hẻm 15 đường Nguyễn Huệ, nước tràn vào nhà dân.",
        10,
        "acknowledged",
        contact_phone="0933444555",
        attributes={"do-sau": 20},
    ),
    DemoReport(
        "pa-10",
        "tieng-on",
        "31321",
        9.78390,
        105.47160,
        "Quán karaoke mở nhạc lớn đến 1 giờ sáng nhiều đêm liền, ảnh hưởng giấc ngủ người già và trẻ nhỏ.",
        8,
        "reopened",
        reporter=C2,
        response="Đã làm việc với chủ quán, yêu cầu cam kết tắt nhạc trước 22 giờ.",
        resolve_after_days=2,
    ),
    DemoReport(
        "pa-11",
        "o-ga-mat-duong",
        "31321",
        9.78550,
        105.46450,
        "Vỉa hè đường Trần Quốc Tuấn bị bong tróc, gạch vỡ nhiều chỗ.",
        3,
        "new",
        contact_email="minh.pham@example.vn",
    ),
    DemoReport(
        "pa-12",
        "den-duong",
        "31321",
        9.78020,
        105.47400,
        "Cột đèn số 45 bị xe tải va chạm, nghiêng ra giữa đường.",
        1,
        "new",
        contact_phone="0977888999",
        attributes={"tinh-trang": "gay-cot", "so-cot": "NCT-45"},
    ),
    DemoReport(
        "pa-13",
        "rac-thai",
        "31321",
        9.78300,
        105.46900,
        "Mua bán đồ cũ giá rẻ, liên hệ ngay để được giá tốt nhất!!!",
        6,
        "rejected_spam",
    ),
    DemoReport(
        "pa-14",
        "tieng-on",
        "31321",
        9.78150,
        105.46700,
        "Loa kéo hát karaoke ngoài đường đến khuya. Cán bộ phường làm ăn kiểu gì mà không ai xử lý, toàn lũ vô dụng!",
        4,
        "moderated",
        contact_email="an.danh@example.vn",
    ),
    DemoReport(
        "pa-15",
        "cap-nuoc",
        "31321",
        9.78800,
        105.47600,
        "Khu vực đường Hòa Bình mất nước sinh hoạt từ sáng đến giờ, không có thông báo trước.",
        2,
        "new",
        contact_phone="0911222333",
    ),
    DemoReport(
        "pa-16",
        "xay-dung-trai-phep",
        "31321",
        9.77700,
        105.46600,
        "Công trình đang xây lấn ra mép kênh, che lấp lối đi chung của các hộ phía sau.",
        12,
        "acknowledged",
        reporter=C3,
        address="Ven kênh 62, khu vực 3",
    ),
    DemoReport(
        "pa-17",
        "den-duong",
        "31321",
        9.79250,
        105.47700,
        "Cả tuyến đường Lý Tự Trọng mất điện chiếu sáng từ 3 ngày nay.",
        9,
        "in_progress",
        reporter=C1,
        attributes={"tinh-trang": "tat"},
    ),
    DemoReport(
        "pa-02",
        "den-duong",
        "31321",
        9.79268,
        105.47712,
        "Đường Lý Tự Trọng tối om mấy hôm nay, không thấy đèn nào sáng.",
        8.5,
        "merged",
        contact_phone="0901234567",
        attributes={"tinh-trang": "tat"},
        merge_into="pa-17",
    ),
    DemoReport(
        "pa-18",
        "ngap-ung",
        "31321",
        9.78900,
        105.46800,
        "Miệng cống trước nhà văn hóa bị rác bịt kín, mưa xuống là ngập.",
        25,
        "closed",
        reporter=C2,
        attributes={"do-sau": 15},
        response="Đã thông tắc miệng cống và vớt rác.",
        resolve_after_days=1,
    ),
    # --- phường Ngã Bảy ---
    DemoReport(
        "pa-19",
        "den-duong",
        "31340",
        9.81660,
        105.81880,
        "Đèn trên cầu Ngã Bảy chập chờn, lúc sáng lúc tắt.",
        28,
        "acknowledged",
        contact_email="khang.vo@example.vn",
        attributes={"tinh-trang": "chap-chon"},
    ),
    DemoReport(
        "pa-20",
        "rac-thai",
        "31340",
        9.81420,
        105.82100,
        "Rác thải từ chợ nổi Phụng Hiệp trôi dạt vào bờ, tích tụ nhiều ngày.",
        18,
        "new",
    ),
    DemoReport(
        "pa-21",
        "o-ga-mat-duong",
        "31340",
        9.81900,
        105.81500,
        "Mặt đường Hùng Vương sụt lún thành vũng lớn, xe tải đi qua rất nguy hiểm.",
        14,
        "new",
        contact_phone="0944555666",
    ),
    DemoReport(
        "pa-22",
        "ngap-ung",
        "31340",
        9.82050,
        105.82300,
        "Đường vào khu tái định cư ngập nước kéo dài, trẻ em đi học phải lội nước.",
        6,
        "acknowledged",
        reporter=C3,
        attributes={"do-sau": 40},
    ),
    DemoReport(
        "pa-23",
        "cay-xanh",
        "31340",
        9.81300,
        105.81700,
        "Cành cây lớn gãy đổ chắn ngang đường sau cơn giông tối qua.",
        1,
        "new",
        contact_email="nhu.tran@example.vn",
    ),
    DemoReport(
        "pa-24",
        "tieng-on",
        "31340",
        9.81750,
        105.82000,
        "Xưởng cưa gỗ hoạt động ồn ào cả đêm gần khu dân cư.",
        22,
        "rejected_not_competent",
        contact_phone="0966777888",
        response="Nội dung thuộc thẩm quyền xử lý của cơ quan quản lý môi trường; đã hướng dẫn người dân gửi đến Sở Nông nghiệp và Môi trường.",
    ),
    DemoReport(
        "pa-25",
        "cap-nuoc",
        "31340",
        9.81550,
        105.82450,
        "Ống nước chính bị vỡ, nước phun lên mặt đường Nguyễn Trãi.",
        3,
        "acknowledged",
        contact_phone="0988999000",
    ),
    DemoReport(
        "pa-26",
        "den-duong",
        "31340",
        9.82200,
        105.81950,
        "Khu phố 2 có 5 bóng đèn đường không sáng.",
        33,
        "new",
        reporter=C1,
        attributes={"tinh-trang": "tat"},
    ),
    # --- phường Long Mỹ ---
    DemoReport(
        "pa-27",
        "ngap-ung",
        "31471",
        9.67970,
        105.56360,
        "Đường Nguyễn Văn Quy ngập sau mỗi cơn mưa lớn, nước không thoát được.",
        38,
        "transferred",
        contact_email="phuc.le@example.vn",
        attributes={"do-sau": 25},
    ),
    DemoReport(
        "pa-28",
        "rac-thai",
        "31471",
        9.68210,
        105.56010,
        "Người dân đổ xà bần, rác xây dựng ra bờ kênh Lái Hiếu.",
        16,
        "acknowledged",
    ),
    DemoReport(
        "pa-29",
        "o-ga-mat-duong",
        "31471",
        9.67700,
        105.56800,
        "Cầu bê tông ở ấp 3 bị nứt, bong lớp mặt, xe máy qua lại bị xóc mạnh.",
        11,
        "new",
        reporter=C2,
    ),
    DemoReport(
        "pa-30",
        "den-duong",
        "31471",
        9.68050,
        105.56550,
        "Đèn chiếu sáng khu chợ Long Mỹ tắt toàn bộ vào buổi tối.",
        5,
        "new",
        contact_phone="0909090909",
        attributes={"tinh-trang": "tat"},
    ),
    DemoReport(
        "pa-31",
        "cay-xanh",
        "31471",
        9.67550,
        105.56200,
        "Hàng cây trước trường THCS có nhiều cành khô, có thể rơi trúng học sinh.",
        44,
        "new",
        contact_email="giaovien@example.vn",
    ),
    DemoReport(
        "pa-32",
        "tieng-on",
        "31471",
        9.68350,
        105.56700,
        "Tiệm sửa xe dùng máy nén khí ồn ào từ 5 giờ sáng.",
        7,
        "new",
    ),
    DemoReport(
        "pa-33",
        "xay-dung-trai-phep",
        "31471",
        9.67850,
        105.55900,
        "Nhà dân xây thêm tầng không có giấy phép, vật liệu đổ tràn ra đường.",
        19,
        "new",
        reporter=C1,
    ),
    DemoReport(
        "pa-34",
        "cap-nuoc",
        "31471",
        9.68100,
        105.57000,
        "Nước máy có màu đục và mùi lạ từ tuần trước.",
        9,
        "new",
        reporter=C3,
    ),
    # --- xã Vị Thủy, xã Vĩnh Viễn, phường Vị Tân, xã Hỏa Lựu ---
    DemoReport(
        "pa-35",
        "o-ga-mat-duong",
        "31441",
        9.80620,
        105.55300,
        "Đường tỉnh 925 đoạn qua thị trấn Nàng Mau cũ có nhiều ổ gà liên tiếp.",
        26,
        "acknowledged",
        contact_phone="0922333444",
    ),
    DemoReport(
        "pa-36",
        "ngap-ung",
        "31489",
        9.63700,
        105.61000,
        "Đê bao ấp 5 bị rò rỉ, nước tràn vào ruộng và nhà dân khi triều lên.",
        13,
        "new",
        reporter=C2,
        attributes={"do-sau": 30},
    ),
    DemoReport(
        "pa-37",
        "rac-thai",
        "31333",
        9.76200,
        105.45600,
        "Bãi đất trống cạnh trường mầm non thành nơi đổ rác.",
        21,
        "acknowledged",
        contact_email="me.be@example.vn",
    ),
    DemoReport(
        "pa-38",
        "den-duong",
        "31333",
        9.76050,
        105.45800,
        "Đèn đường khu vực 4 không sáng, thanh niên tụ tập ban đêm.",
        2,
        "new",
        attributes={"tinh-trang": "tat"},
        contact_phone="0919191919",
    ),
    DemoReport(
        "pa-39",
        "cay-xanh",
        "31338",
        9.74600,
        105.50400,
        "Cây me lớn bên quốc lộ 61 bị sâu đục thân, thân cây rỗng.",
        29,
        "new",
        contact_email="hoalu@example.vn",
    ),
    DemoReport(
        "pa-40",
        "rac-thai",
        "31321",
        9.78180,
        105.47590,
        "Rác tồn đọng ở đầu hẻm 42 vẫn chưa được thu gom hết.",
        4.8,
        "merged",
        contact_email="nam.ho@example.vn",
        merge_into="pa-04",
    ),
]

COLORS = {
    "den-duong": (40, 40, 70),
    "ngap-ung": (70, 110, 150),
    "rac-thai": (90, 110, 60),
    "o-ga-mat-duong": (110, 100, 90),
    "cay-xanh": (40, 110, 50),
    "tieng-on": (120, 60, 90),
    "xay-dung-trai-phep": (150, 120, 80),
    "cap-nuoc": (60, 130, 170),
}


def _photo(category: str, key: str) -> io.BytesIO:
    """A made-up scene (colour blocks), with EXIF GPS like a phone photo: public copies lose it."""
    rng = random.Random(key)  # noqa: S311 - a picture, not a secret
    base = COLORS.get(category, (100, 100, 100))
    image = Image.new("RGB", (1280, 960), base)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(0, 1200), rng.randrange(0, 900)
        shade = tuple(min(255, c + rng.randrange(20, 120)) for c in base)
        draw.rectangle([x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 200)], fill=shade)
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"
    exif[0x8825] = {1: "N", 2: (9.0, 47.0, 0.0), 3: "E", 4: (105.0, 28.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, exif=exif)
    out.seek(0)
    out.name = f"{key}.jpg"
    return out


def _load_categories(report, agencies: dict[str, Agency]) -> dict[str, Category]:
    saved = {}
    for row in CATEGORIES:
        fields = dict(
            name=row.name,
            description=row.description,
            group=row.group,
            keywords=list(row.keywords),
            agency=agencies[row.agency],
            deadline_days=row.deadline_days,
            allow_anonymous=row.allow_anonymous,
            contact_required=row.contact_required,
            photo_required=row.photo_required,
            attributes=list(row.attributes),
            sort_order=10 * (CATEGORIES.index(row) + 1),
        )
        category = Category.objects.filter(code=row.code).first()
        if category is None:
            saved[row.code] = services.create_category(actor=SYSTEM, code=row.code, **fields)
            report.created["feedback categories"] += 1
            continue
        before = category.updated_at
        saved[row.code] = services.update_category(actor=SYSTEM, category=category, **fields)
        if saved[row.code].updated_at != before:
            report.updated["feedback categories"] += 1
    return saved


def _load_rules(report, categories: dict[str, Category], agencies: dict[str, Agency]) -> None:
    units = {
        u.code: u for u in AdministrativeUnit.objects.filter(structure=Structure.CURRENT, code__in=WARDS)
    }
    for row in CATEGORIES:
        if not row.routed_by_ward:
            continue
        for unit_code, agency_code in WARDS.items():
            unit = units.get(unit_code)
            if unit is None:
                report.warnings.append(f"feedback demo: unit current/{unit_code} missing, no routing rule")
                continue
            existing = RoutingRule.objects.filter(category=categories[row.code], unit=unit).first()
            if existing is not None and existing.agency.code == agency_code:
                continue
            services.set_routing_rule(
                actor=SYSTEM, category=categories[row.code], unit=unit, agency=agencies[agency_code]
            )
            report.created["feedback routing rules"] += 1


def _at(base: datetime, days: float) -> datetime:
    return base - timedelta(days=days)


def _play(
    row: DemoReport,
    report: Report,
    *,
    base: datetime,
    citizens: dict[str, User],
    leader: User | None,
    done: dict[str, Report],
) -> None:
    """Take a freshly submitted report through its scenario, with realistic times."""
    created = report.created_at
    step = lambda hours: min(created + timedelta(hours=hours), base - timedelta(minutes=5))  # noqa: E731
    in_vi_thanh = report.agency.code == WARDS["31321"] and leader is not None
    actor = leader if in_vi_thanh else SYSTEM
    scenario = row.scenario
    if scenario == "new":
        return
    if scenario == "rejected_spam":
        services.reject_report(
            actor=actor,
            report=report,
            rejection_kind="spam",
            reason="Nội dung quảng cáo, không phải phản ánh hiện trường.",
            now=step(3),
        )
        return
    if scenario == "rejected_not_competent":
        services.reject_report(
            actor=actor, report=report, rejection_kind="not_competent", reason=row.response, now=step(20)
        )
        return
    if scenario == "transferred":
        services.transfer_report(
            actor=SYSTEM,
            report=report,
            agency=Agency.objects.get(code=SO_XAY_DUNG),
            reason="Cần cải tạo tuyến cống chính, vượt khả năng của phường.",
            now=step(26),
        )
        return
    if scenario == "merged":
        services.merge_reports(
            actor=actor,
            main=done[row.merge_into],
            duplicates=[report],
            note="Cùng vị trí, cùng nội dung với phản ánh đã tiếp nhận.",
        )
        return
    if scenario == "moderated":
        services.moderate_report(
            actor=actor,
            report=report,
            hide_description=True,
            reason="Lời lẽ xúc phạm cán bộ; nội dung phản ánh vẫn được xử lý.",
        )
    services.acknowledge_report(actor=actor, report=report, now=step(2))
    if scenario in {"acknowledged", "moderated"} or not in_vi_thanh:
        return
    services.assign_report(actor=leader, report=report, assignee=leader, now=step(4))
    if scenario == "assigned":
        return
    services.start_report(actor=leader, report=report, now=step(6))
    if scenario == "in_progress":
        return
    services.resolve_report(
        actor=leader,
        report=report,
        response=row.response,
        photos=[_photo(row.category, row.key + "-ket-qua")],
        now=step(24 * row.resolve_after_days),
    )
    if scenario == "closed" and report.reporter_id is not None:
        services.confirm_resolution(
            actor=report.reporter, report=report, now=step(24 * row.resolve_after_days + 5)
        )
    elif scenario == "reopened" and report.reporter_id is not None:
        services.reopen_report(
            actor=report.reporter,
            report=report,
            reason="Quán vẫn mở nhạc lớn sau 23 giờ, tình trạng không thay đổi.",
            now=step(24 * row.resolve_after_days + 20),
        )


def load_demo(report) -> None:
    codes = {row.agency for row in CATEGORIES} | set(WARDS.values())
    agencies = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    missing = codes - set(agencies)
    if missing:
        report.warnings.append(f"feedback demo skipped: agencies {sorted(missing)} are missing")
        return
    categories = _load_categories(report, agencies)
    _load_rules(report, categories, agencies)
    citizens = {c: accounts.find_citizen(c) for c in (C1, C2, C3)}
    leader = User.objects.filter(username=VI_THANH_LEADER).first()
    base = timezone.now()
    done: dict[str, Report] = {}
    for row in REPORTS:
        reporter = citizens.get(row.reporter) if row.reporter else None
        submitted = services.submit_report(
            actor=reporter or ANONYMOUS,
            category=categories[row.category],
            description=row.description,
            photos=[_photo(row.category, row.key)]
            if row.category not in {"tieng-on", "xay-dung-trai-phep"}
            else [],
            latitude=row.lat,
            longitude=row.lon,
            address=row.address,
            unit=row.unit,
            attributes=row.attributes,
            identity_public=row.identity_public,
            contact_name=row.contact_name,
            contact_email=row.contact_email,
            contact_phone=row.contact_phone,
            channel="app" if int(row.key[-2:]) % 3 == 0 else "web",
            idempotency_key=f"demo-{row.key}",
            now=_at(base, row.days_ago),
        )
        done[row.key] = submitted.report
        if submitted.replayed:
            continue
        report.created["feedback reports"] += 1
        _play(row, submitted.report, base=base, citizens=citizens, leader=leader, done=done)
    # Resolved reports nobody confirmed for a week close, as the daily job would do.
    closed = services.close_stale_reports(actor=SYSTEM, now=base)
    if closed:
        report.updated["feedback reports closed automatically"] += len(closed)
    _check(report)


def _check(report) -> None:
    statuses = set(Report.objects.values_list("status", flat=True))
    wanted = {
        ReportStatus.NEW,
        ReportStatus.ACKNOWLEDGED,
        ReportStatus.RESOLVED,
        ReportStatus.CLOSED,
        ReportStatus.REJECTED,
    }
    if not wanted <= statuses:
        report.warnings.append(f"feedback demo: some states are missing: {sorted(wanted - statuses)}")
