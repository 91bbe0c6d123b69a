"""The demo province: Hậu Giang until 30 June 2025 and its territory in Thành phố Cần Thơ after.

Facts and their sources are listed in docs/demo.md. In short:

* Names of bodies are the real, public names of the provincial People's Committees, their
  departments, the district-level People's Committees and the communes. Administrative units come
  from the ``vietnam-provinces`` package (legacy and 2025 structures and its conversion table).
* The departmental merger of early 2025 (Sở Kế hoạch và Đầu tư into Sở Tài chính, and so on) is
  dated 1 March 2025, the common date of that reorganisation; Hậu Giang's own decisions were not
  checked, so the day is marked as assumed in the docs.
* Electronic identifier codes: the level-1 codes H28 (Hậu Giang) and H13 (Cần Thơ) follow the
  alphabetical order of the provinces in Decision 20/2020/QĐ-TTg (checked against published codes of
  other provinces, not against the annex itself). Everything below level 1 is a DEMO numbering
  (01, 02 ... in the order of this file), not the codes the provinces actually issued.
* People (officers and citizens) are invented; citizen ID numbers end in 00000n on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tinhso.core.accounts.models import Role
from tinhso.core.agencies.models import AgencyKind as K

LEGACY = "legacy"
CURRENT = "current"

HAU_GIANG_PROVINCE = "93"  # legacy structure
CAN_THO_PROVINCE = "92"  # current structure (Cần Thơ, Sóc Trăng and Hậu Giang merged)
UNIT_PROVINCES = [HAU_GIANG_PROVINCE, CAN_THO_PROVINCE]

HAU_GIANG_FOUNDED = date(
    2004, 1, 1
)  # Resolution 22/2003/QH11 split Cần Thơ province into Cần Thơ and Hậu Giang
DEPARTMENT_MERGER_LAST_DAY = date(2025, 2, 28)  # assumed, see the module docstring
DEPARTMENT_MERGER_FIRST_DAY = date(2025, 3, 1)
LEGACY_LAST_DAY = date(2025, 6, 30)
REFORM_DAY = date(2025, 7, 1)

DEMO_PASSWORD = "TinhSo-Demo-2025"


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    short_name: str
    kind: str
    parent: str | None  # code of the parent agency
    unit: tuple[str, str] | None  # (structure, code) of the administrative unit it serves
    valid_from: date | None = None
    valid_to: date | None = None
    successor: str | None = None  # code of the agency that took over


def _hg(level2: int, level3: int = 0) -> str:
    return f"000.{level3:02d}.{level2:02d}.H28"


def _ct(level2: int, level3: int = 0) -> str:
    return f"000.{level3:02d}.{level2:02d}.H13"


HG_UBND = _hg(0)
CT_UBND = _ct(0)

# --- Thành phố Cần Thơ from 1 July 2025 -----------------------------------------------------

# (level-2 number, name, short name); the departments of the merged city (Decree 45/2025/NĐ-CP set).
CT_DEPARTMENTS = [
    (1, "Văn phòng Ủy ban nhân dân thành phố Cần Thơ", "VP"),
    (2, "Sở Nội vụ thành phố Cần Thơ", "SNV"),
    (3, "Sở Tư pháp thành phố Cần Thơ", "STP"),
    (5, "Sở Tài chính thành phố Cần Thơ", "STC"),
    (6, "Sở Xây dựng thành phố Cần Thơ", "SXD"),
    (8, "Sở Nông nghiệp và Môi trường thành phố Cần Thơ", "SNNMT"),
    (11, "Sở Văn hóa, Thể thao và Du lịch thành phố Cần Thơ", "SVHTTDL"),
    (12, "Sở Khoa học và Công nghệ thành phố Cần Thơ", "SKHCN"),
    (13, "Sở Giáo dục và Đào tạo thành phố Cần Thơ", "SGDĐT"),
    (14, "Sở Y tế thành phố Cần Thơ", "SYT"),
    (16, "Sở Công Thương thành phố Cần Thơ", "SCT"),
    (17, "Thanh tra thành phố Cần Thơ", "TTTP"),
    (18, "Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ", "BQLKCX&CN"),
]

# Wards and communes of the merged city that cover former Hậu Giang territory:
# (level-2 number, GSO code of the 2025 unit, name).
CT_COMMUNES = [
    (41, "31321", "phường Vị Thanh"),
    (42, "31333", "phường Vị Tân"),
    (43, "31338", "xã Hỏa Lựu"),
    (44, "31340", "phường Ngã Bảy"),
    (45, "31342", "xã Tân Hòa"),
    (46, "31366", "xã Châu Thành"),
    (47, "31396", "xã Hiệp Hưng"),
    (48, "31441", "xã Vị Thủy"),
    (49, "31489", "xã Vĩnh Viễn"),
    (50, "31471", "phường Long Mỹ"),
]
CT_COMMUNE_BY_UNIT = {unit: _ct(n) for n, unit, _name in CT_COMMUNES}
CT_COMMUNE_CENTER_BY_UNIT = {unit: _ct(n, 1) for n, unit, _name in CT_COMMUNES}


def _can_tho() -> list[DemoAgency]:
    city = (CURRENT, CAN_THO_PROVINCE)
    rows = [
        DemoAgency(
            CT_UBND,
            "Ủy ban nhân dân thành phố Cần Thơ",
            "UBND",
            K.PROVINCIAL_COMMITTEE,
            None,
            city,
            REFORM_DAY,
        )
    ]
    for number, name, short in CT_DEPARTMENTS:
        rows.append(DemoAgency(_ct(number), name, short, K.DEPARTMENT, CT_UBND, city, REFORM_DAY))
    rows.append(
        DemoAgency(
            _ct(1, 1),
            "Trung tâm Phục vụ hành chính công thành phố Cần Thơ",
            "TTPVHCC",
            K.SERVICE_CENTER,
            _ct(1),
            city,
            REFORM_DAY,
        )
    )
    for number, unit_code, name in CT_COMMUNES:
        unit = (CURRENT, unit_code)
        rows.append(
            DemoAgency(
                _ct(number), f"Ủy ban nhân dân {name}", "UBND", K.COMMUNE_COMMITTEE, CT_UBND, unit, REFORM_DAY
            )
        )
        rows.append(
            DemoAgency(
                _ct(number, 1),
                f"Trung tâm Phục vụ hành chính công {name}",
                "TTPVHCC",
                K.SERVICE_CENTER,
                _ct(number),
                unit,
                REFORM_DAY,
            )
        )
    return rows


# --- Tỉnh Hậu Giang until 30 June 2025 --------------------------------------------------------

# (level-2 number, name, short name, successor code, last day if earlier than 30 June 2025)
HG_DEPARTMENTS = [
    (1, "Văn phòng Ủy ban nhân dân tỉnh Hậu Giang", "VP", _ct(1), None),
    (2, "Sở Nội vụ tỉnh Hậu Giang", "SNV", _ct(2), None),
    (3, "Sở Tư pháp tỉnh Hậu Giang", "STP", _ct(3), None),
    (4, "Sở Kế hoạch và Đầu tư tỉnh Hậu Giang", "SKHĐT", _hg(5), DEPARTMENT_MERGER_LAST_DAY),
    (5, "Sở Tài chính tỉnh Hậu Giang", "STC", _ct(5), None),
    (6, "Sở Xây dựng tỉnh Hậu Giang", "SXD", _ct(6), None),
    (7, "Sở Giao thông vận tải tỉnh Hậu Giang", "SGTVT", _hg(6), DEPARTMENT_MERGER_LAST_DAY),
    (8, "Sở Tài nguyên và Môi trường tỉnh Hậu Giang", "STNMT", _hg(20), DEPARTMENT_MERGER_LAST_DAY),
    (9, "Sở Thông tin và Truyền thông tỉnh Hậu Giang", "STTTT", _hg(12), DEPARTMENT_MERGER_LAST_DAY),
    (10, "Sở Lao động - Thương binh và Xã hội tỉnh Hậu Giang", "SLĐTBXH", _hg(2), DEPARTMENT_MERGER_LAST_DAY),
    (11, "Sở Văn hóa, Thể thao và Du lịch tỉnh Hậu Giang", "SVHTTDL", _ct(11), None),
    (12, "Sở Khoa học và Công nghệ tỉnh Hậu Giang", "SKHCN", _ct(12), None),
    (13, "Sở Giáo dục và Đào tạo tỉnh Hậu Giang", "SGDĐT", _ct(13), None),
    (14, "Sở Y tế tỉnh Hậu Giang", "SYT", _ct(14), None),
    (
        15,
        "Sở Nông nghiệp và Phát triển nông thôn tỉnh Hậu Giang",
        "SNNPTNT",
        _hg(20),
        DEPARTMENT_MERGER_LAST_DAY,
    ),
    (16, "Sở Công Thương tỉnh Hậu Giang", "SCT", _ct(16), None),
    (17, "Thanh tra tỉnh Hậu Giang", "TTT", _ct(17), None),
    (18, "Ban Quản lý các khu công nghiệp tỉnh Hậu Giang", "BQLCKCN", _ct(18), None),
]

# The district-level units: (level-2 number, legacy GSO code, People's Committee name, place name,
# the 2025 commune or ward that took the district's name or its district town).
HG_DISTRICTS = [
    (31, "930", "Ủy ban nhân dân thành phố Vị Thanh", "thành phố Vị Thanh", "31321"),
    (32, "931", "Ủy ban nhân dân thành phố Ngã Bảy", "thành phố Ngã Bảy", "31340"),
    (33, "937", "Ủy ban nhân dân thị xã Long Mỹ", "thị xã Long Mỹ", "31471"),
    (34, "933", "Ủy ban nhân dân huyện Châu Thành", "huyện Châu Thành", "31366"),
    (35, "932", "Ủy ban nhân dân huyện Châu Thành A", "huyện Châu Thành A", "31342"),
    (36, "934", "Ủy ban nhân dân huyện Phụng Hiệp", "huyện Phụng Hiệp", "31396"),
    (37, "935", "Ủy ban nhân dân huyện Vị Thủy", "huyện Vị Thủy", "31441"),
    (38, "936", "Ủy ban nhân dân huyện Long Mỹ", "huyện Long Mỹ", "31489"),
]

# Communes before the reform: (district level-2 number, level-3 number, legacy GSO code, name,
# GSO code of the 2025 commune it became part of, per the package's conversion table).
HG_COMMUNES = [
    (31, 21, "31318", "Phường I, thành phố Vị Thanh", "31321"),
    (31, 22, "31321", "Phường III, thành phố Vị Thanh", "31321"),
    (31, 23, "31336", "xã Hỏa Lựu, thành phố Vị Thanh", "31338"),
    (32, 21, "31340", "phường Ngã Bảy, thành phố Ngã Bảy", "31340"),
    (33, 21, "31471", "phường Thuận An, thị xã Long Mỹ", "31471"),
    (34, 21, "31366", "thị trấn Ngã Sáu, huyện Châu Thành", "31366"),
    (35, 21, "31342", "thị trấn Một Ngàn, huyện Châu Thành A", "31342"),
    (36, 21, "31396", "thị trấn Cây Dương, huyện Phụng Hiệp", "31396"),
    (37, 21, "31441", "thị trấn Nàng Mau, huyện Vị Thủy", "31441"),
    (38, 21, "31489", "thị trấn Vĩnh Viễn, huyện Long Mỹ", "31489"),
]


def _hau_giang() -> list[DemoAgency]:
    province = (LEGACY, HAU_GIANG_PROVINCE)
    rows = [
        DemoAgency(
            HG_UBND,
            "Ủy ban nhân dân tỉnh Hậu Giang",
            "UBND",
            K.PROVINCIAL_COMMITTEE,
            None,
            province,
            HAU_GIANG_FOUNDED,
            LEGACY_LAST_DAY,
            CT_UBND,
        )
    ]
    for number, name, short, successor, last_day in HG_DEPARTMENTS:
        rows.append(
            DemoAgency(
                _hg(number),
                name,
                short,
                K.DEPARTMENT,
                HG_UBND,
                province,
                None,
                last_day or LEGACY_LAST_DAY,
                successor,
            )
        )
    # Formed on 1 March 2025 from the agriculture and the natural resources departments.
    rows.append(
        DemoAgency(
            _hg(20),
            "Sở Nông nghiệp và Môi trường tỉnh Hậu Giang",
            "SNNMT",
            K.DEPARTMENT,
            HG_UBND,
            province,
            DEPARTMENT_MERGER_FIRST_DAY,
            LEGACY_LAST_DAY,
            _ct(8),
        )
    )
    rows.append(
        DemoAgency(
            _hg(1, 1),
            "Trung tâm Phục vụ hành chính công tỉnh Hậu Giang",
            "TTPVHCC",
            K.SERVICE_CENTER,
            _hg(1),
            province,
            None,
            LEGACY_LAST_DAY,
            _ct(1, 1),
        )
    )
    for number, unit_code, committee, place, successor_unit in HG_DISTRICTS:
        unit = (LEGACY, unit_code)
        rows.append(
            DemoAgency(
                _hg(number),
                committee,
                "UBND",
                K.DISTRICT_COMMITTEE,
                HG_UBND,
                unit,
                None,
                LEGACY_LAST_DAY,
                CT_COMMUNE_BY_UNIT[successor_unit],
            )
        )
        rows.append(
            DemoAgency(
                _hg(number, 1),
                f"Bộ phận Một cửa {place}",
                "BPMC",
                K.DIVISION,
                _hg(number),
                unit,
                None,
                LEGACY_LAST_DAY,
                CT_COMMUNE_CENTER_BY_UNIT[successor_unit],
            )
        )
        # Their tasks went partly to the city's departments, partly to the new communes: no
        # single successor.
        rows.append(
            DemoAgency(
                _hg(number, 2),
                f"Phòng Tư pháp {place}",
                "PTP",
                K.DIVISION,
                _hg(number),
                unit,
                None,
                LEGACY_LAST_DAY,
            )
        )
        rows.append(
            DemoAgency(
                _hg(number, 3),
                f"Phòng Tài chính - Kế hoạch {place}",
                "PTCKH",
                K.DIVISION,
                _hg(number),
                unit,
                None,
                LEGACY_LAST_DAY,
            )
        )
    for district, number, unit_code, name, successor_unit in HG_COMMUNES:
        rows.append(
            DemoAgency(
                _hg(district, number),
                f"Ủy ban nhân dân {name}",
                "UBND",
                K.COMMUNE_COMMITTEE,
                _hg(district),
                (LEGACY, unit_code),
                None,
                LEGACY_LAST_DAY,
                CT_COMMUNE_BY_UNIT[successor_unit],
            )
        )
    return rows


# Cần Thơ first: the Hậu Giang bodies name their successors there.
AGENCIES: list[DemoAgency] = _can_tho() + _hau_giang()


# --- People -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOfficer:
    username: str
    full_name: str
    agency: str  # code
    role: str
    covers_subordinates: bool = False


OFFICERS = [
    # Hậu Giang, before 1 July 2025
    DemoOfficer("hg.quantri", "Nguyễn Văn An", _hg(9), Role.PLATFORM_ADMIN),
    DemoOfficer("hg.ioc", "Trần Thị Bích Ngọc", HG_UBND, Role.IOC_VIEWER, covers_subordinates=True),
    DemoOfficer("hg.vanthu", "Lê Thị Cẩm Tú", _hg(1), Role.CLERK),
    DemoOfficer("hg.motcua", "Phạm Văn Đức", _hg(1, 1), Role.ONE_STOP_OFFICER),
    DemoOfficer("hg.chuyenvien", "Võ Thị Hồng Nhung", _hg(3), Role.SPECIALIST),
    DemoOfficer("hg.lanhdao", "Huỳnh Minh Khang", _hg(3), Role.LEADER),
    DemoOfficer("vithanh.motcua", "Đặng Thị Kim Liên", _hg(31, 1), Role.ONE_STOP_OFFICER),
    DemoOfficer("vithanh.chuyenvien", "Bùi Văn Lợi", _hg(31, 2), Role.SPECIALIST),
    # Thành phố Cần Thơ, from 1 July 2025
    DemoOfficer("ct.quantri", "Ngô Thanh Phong", _ct(12), Role.PLATFORM_ADMIN),
    DemoOfficer("ct.ioc", "Dương Thị Quỳnh Như", CT_UBND, Role.IOC_VIEWER, covers_subordinates=True),
    DemoOfficer("ct.vanthu", "Lý Thị Thanh Thảo", _ct(1), Role.CLERK),
    DemoOfficer("ct.motcua", "Châu Văn Tài", _ct(1, 1), Role.ONE_STOP_OFFICER),
    DemoOfficer("ct.chuyenvien", "Tô Thị Mỹ Uyên", _ct(3), Role.SPECIALIST),
    DemoOfficer("ct.lanhdao", "Lâm Quốc Việt", _ct(3), Role.LEADER),
    DemoOfficer("pvithanh.motcua", "Mai Thị Xuân", _ct(41, 1), Role.ONE_STOP_OFFICER),
    DemoOfficer("pvithanh.lanhdao", "Đoàn Văn Yên", _ct(41), Role.LEADER),
]


@dataclass(frozen=True)
class DemoCitizen:
    citizen_id: str  # 12 digits: birth province, century/sex, year of birth, then an obvious 00000n
    full_name: str


CITIZENS = [
    DemoCitizen("093085000001", "Nguyễn Văn Thành"),  # registered in Hậu Giang (093), man born 1985
    DemoCitizen("093192000002", "Trần Thị Ngọc Lan"),  # Hậu Giang, woman born 1992
    DemoCitizen("092201000003", "Lê Hoàng Phúc"),  # Cần Thơ (092), man born 2001
]
