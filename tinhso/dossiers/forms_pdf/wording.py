"""How the forms write dates, times, places, names and masked contacts, in Vietnamese.

Dates follow Decree 30/2020/NĐ-CP, Appendix I (the place and date of a document): a day below 10
and the months January and February get a leading zero ("ngày 05 tháng 02 năm 2026"), the other
months do not ("ngày 05 tháng 3 năm 2026"). Every moment is shown in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.conf import settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Words an administrative unit's name starts with (as the units registry spells them). The place
# line of a document names the unit itself ("Vị Thanh", "Cần Thơ"), without its kind.
_UNIT_PREFIXES = (
    "thành phố",
    "tỉnh",
    "thị xã",
    "thị trấn",
    "quận",
    "huyện",
    "phường",
    "xã",
    "đặc khu",
)
_PREFIX = re.compile(r"^(" + "|".join(re.escape(p) for p in _UNIT_PREFIXES) + r")\s+", re.IGNORECASE)

BLANK = "……"


def local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("forms only print aware datetimes")
    return moment.astimezone(TZ)


def _day(day: int) -> str:
    return f"{day:02d}"


def _month(month: int) -> str:
    return f"{month:02d}" if month <= 2 else str(month)


def date_words(day: dt.date | dt.datetime | None) -> str:
    """``ngày 25 tháng 11 năm 2026`` (dotted blanks when there is no date)."""
    if day is None:
        return f"ngày {BLANK} tháng {BLANK} năm {BLANK}"
    if isinstance(day, dt.datetime):
        day = local(day).date()
    return f"ngày {_day(day.day)} tháng {_month(day.month)} năm {day.year}"


def moment_words(moment: dt.datetime | None) -> str:
    """``08 giờ 15 phút, ngày 25 tháng 11 năm 2026``, as the forms write a moment."""
    if moment is None:
        return f"{BLANK} giờ {BLANK} phút, {date_words(None)}"
    at = local(moment)
    return f"{at.hour:02d} giờ {at.minute:02d} phút, {date_words(at.date())}"


def short_date(moment: dt.datetime | dt.date | None) -> str:
    """``25/11/2026``: the compact form used in table cells."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = local(moment).date()
    return f"{moment.day:02d}/{moment.month:02d}/{moment.year}"


def short_moment(moment: dt.datetime | None) -> str:
    """``08:15 25/11/2026``."""
    if moment is None:
        return ""
    at = local(moment)
    return f"{at.hour:02d}:{at.minute:02d} {short_date(at)}"


def place_of_unit_name(name: str) -> str:
    """``Phường Vị Thanh`` -> ``Vị Thanh``; ``Thành phố Cần Thơ`` -> ``Cần Thơ``."""
    return _PREFIX.sub("", (name or "").strip(), count=1).strip()


def place_name(agency) -> str:
    """The place written on the agency's documents.

    ``settings.DOSSIER_FORMS_PLACE_NAMES`` (``{agency code: place}``) wins when it names the
    agency; otherwise the name of the administrative unit the agency (or its nearest ancestor)
    serves. Empty when neither is known: the date line is then printed without a place.
    """
    overrides = getattr(settings, "DOSSIER_FORMS_PLACE_NAMES", None) or {}
    seen = set()
    current = agency
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if current.code in overrides:
            return str(overrides[current.code]).strip()
        if current.unit_id is not None:
            return place_of_unit_name(current.unit.name)
        current = current.parent
    return ""


def place_and_date(agency, moment: dt.datetime | dt.date | None) -> str:
    place = place_name(agency)
    words = date_words(moment)
    return f"{place}, {words}" if place else words[0].upper() + words[1:]


def person_name(user, fallback: str = "") -> str:
    """An officer's or citizen's display name; ``fallback`` for the system or an API client."""
    if user is None:
        return fallback
    return (user.full_name or user.username or fallback).strip()


def masked_phone(last4: str) -> str:
    return f"******{last4}" if last4 else ""


def masked_email(email: str) -> str:
    if not email or "@" not in email:
        return ""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def vnd(amount: int) -> str:
    return f"{int(amount):,}".replace(",", ".") + " đồng"


def two_digits(number: int) -> str:
    """Counts on the forms are written with two digits: ``01``, ``05``, ``12``."""
    return f"{int(number):02d}"
