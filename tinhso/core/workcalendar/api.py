"""The working-day calendar through the API: deadline arithmetic for anyone, overrides for administrators."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from tinhso.core.permissions import require
from tinhso.core.workcalendar import arithmetic, selectors, services
from tinhso.core.workcalendar.models import OverrideKind

router = Router(tags=["workcalendar"])


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


def _aware(moment: dt.datetime) -> dt.datetime:
    """Moments without an offset are read in Asia/Ho_Chi_Minh, the province's time."""
    return moment.replace(tzinfo=arithmetic.TZ) if moment.tzinfo is None else moment


class AddQuery(Schema):
    start: dt.datetime = Field(
        ...,
        alias="from",
        description="Thời điểm tiếp nhận (ISO 8601; không có múi giờ thì theo giờ Việt Nam)",
    )
    days: int = Field(..., ge=0, le=arithmetic.MAX_DAYS, description="Số ngày làm việc")


class AddRead(Schema):
    start: dt.datetime = Field(..., description="The moment given")
    received: dt.datetime = Field(..., description="When the legal clock starts (receipt rule applied)")
    days: int
    result: dt.datetime = Field(..., description="The moment `days` working days later")


class BetweenQuery(Schema):
    start: dt.datetime = Field(..., alias="from")
    end: dt.datetime = Field(..., alias="to")


class BetweenRead(Schema):
    start: dt.datetime
    end: dt.datetime
    working_days: int = Field(..., description="Whole working days; negative when `to` is before `from`")


class DayRead(Schema):
    date: dt.date
    working: bool
    kind: str = Field(..., description="holiday, make_up_day, day_off or working_day")
    source: str = Field(..., description="national (holidays package) or province (override)")
    name: str
    legal_basis: str = ""


class YearRead(Schema):
    year: int
    working_days: int
    days: list[DayRead]


class OverrideCreate(Schema):
    date: dt.date
    kind: OverrideKind
    reason: str
    legal_basis: str = ""


class OverrideRead(Schema):
    date: dt.date = Field(..., alias="day")
    kind: str
    reason: str
    legal_basis: str


@router.get("/add", response=AddRead, auth=None, summary="Cộng ngày làm việc / Add working days")
def add(request, query: Query[AddQuery]):
    """The moment N working days after a receipt: the N-th working day after the day the legal clock
    starts, at the same clock time. Weekends, public holidays (Tết included) and the province's days
    off are skipped; make-up days count. A receipt outside office hours starts the clock at the next
    office session."""
    require(_actor(request), "workcalendar.view")
    start = _aware(query.start)
    return AddRead(
        start=start,
        received=services.receive_moment(start),
        days=query.days,
        result=services.add_working_days(start, query.days),
    )


@router.get("/between", response=BetweenRead, auth=None, summary="Đếm ngày làm việc / Count working days")
def between(request, query: Query[BetweenQuery]):
    """Whole working days from the receipt `from` to `to` (partial days do not count), consistent with
    `/add`: between(x, add(x, n)) = n."""
    require(_actor(request), "workcalendar.view")
    start, end = _aware(query.start), _aware(query.end)
    return BetweenRead(start=start, end=end, working_days=services.working_days_between(start, end))


@router.get("/days", response=YearRead, auth=None, summary="Ngày nghỉ, ngày làm bù trong năm / Special days")
def days(request, year: int = Query(..., ge=arithmetic.MIN_YEAR, le=arithmetic.MAX_YEAR)):
    """The public holidays, observed days off, make-up days and the province's declarations of a year,
    with the number of working days in it."""
    require(_actor(request), "workcalendar.view")
    entries = [
        DayRead(
            date=entry.day,
            working=entry.working,
            kind=entry.kind,
            source=entry.source,
            name=entry.name,
            legal_basis=entry.legal_basis,
        )
        for entry in selectors.special_days(year)
    ]
    return YearRead(year=year, working_days=selectors.working_day_count(year), days=entries)


@router.post(
    "/overrides",
    response={201: OverrideRead},
    summary="Công bố ngày nghỉ / ngày làm bù / Declare a day off or a make-up day",
)
def declare(request, payload: OverrideCreate):
    """Platform administrators (permission `workcalendar.manage`, OAuth scope `calendar:manage`)
    declare a day off or a make-up working day for the province. Deadlines computed afterwards
    follow it."""
    declare_service = (
        services.declare_day_off if payload.kind == OverrideKind.DAY_OFF else services.declare_working_day
    )
    override = declare_service(
        actor=_actor(request), day=payload.date, reason=payload.reason, legal_basis=payload.legal_basis
    )
    return Status(201, override)


@router.delete(
    "/overrides/{day}", response={204: None}, summary="Xóa công bố điều chỉnh / Remove a declaration"
)
def remove(request, day: dt.date):
    """Withdraw a declaration (permission `workcalendar.manage`); the day follows the national calendar."""
    services.remove_override(actor=_actor(request), day=day)
    return Status(204, None)
