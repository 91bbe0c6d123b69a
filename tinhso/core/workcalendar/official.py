"""Government decisions on days off that the installed `holidays` package does not know.

Loaded on request with ``tinhso calendar load-official`` (not by a migration: declaring days is an
administrator's decision, recorded in the audit log like any other). Only decisions whose text or
number could be checked against published reports are listed; see docs/calendar.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class OfficialDay:
    day: dt.date
    kind: str  # "day_off" or "working_day"
    reason: str
    legal_basis: str


_NEW_YEAR_2026 = (
    "Văn bản số 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ truyền đạt ý kiến Phó Thủ tướng "
    "Phạm Thị Thanh Trà: công chức, viên chức nghỉ Tết Dương lịch 2026 từ thứ Năm 01/01/2026 đến hết "
    "Chủ nhật 04/01/2026; hoán đổi ngày làm việc thứ Sáu 02/01/2026 sang thứ Bảy 10/01/2026."
)

OFFICIAL_DAYS: tuple[OfficialDay, ...] = (
    OfficialDay(
        day=dt.date(2026, 1, 2),
        kind="day_off",
        reason="Nghỉ Tết Dương lịch 2026 (hoán đổi với thứ Bảy 10/01/2026)",
        legal_basis=_NEW_YEAR_2026,
    ),
    OfficialDay(
        day=dt.date(2026, 1, 10),
        kind="working_day",
        reason="Làm bù cho ngày nghỉ thứ Sáu 02/01/2026",
        legal_basis=_NEW_YEAR_2026,
    ),
)
