"""Form 07, the tracking book (sổ theo dõi hồ sơ) of one agency for one period, landscape.

Columns after Circular 01/2018/TT-VPCP Form 06, which Circular 03/2025/TT-VPCP renumbers as
Form 07. The book is internal: it prints the applicants' addresses and phones in clear because
that is what it is for; the caller makes sure only the agency's officers print it, and nothing
here logs them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from tinhso.dossiers import deadlines, errors
from tinhso.dossiers.forms_pdf import facts, handovers, wording
from tinhso.dossiers.forms_pdf.layout import HeadingCell, new_form
from tinhso.dossiers.models import Dossier, DossierState, DossierStep, DossierTransition, SupplementRequest
from tinhso.procedures.models import StepKind

TITLE_07 = "SỔ THEO DÕI HỒ SƠ"
MAX_DAYS = 366
MAX_ROWS = 2000  # about 20 ms a row: a bigger book belongs in a background task

WIDTHS = [7, 23, 28, 11, 21, 27, 22, 17, 17, 17, 17, 17, 10, 18]
ALIGNS = ["C", "L", "L", "C", "L", "L", "L", "C", "C", "C", "C", "C", "C", "L"]


def _check_period(date_from, date_to) -> None:
    if (
        not isinstance(date_from, dt.date)
        or not isinstance(date_to, dt.date)
        or isinstance(date_from, dt.datetime)
        or isinstance(date_to, dt.datetime)
    ):
        raise errors.invalid(
            "invalid_period",
            "Kỳ in sổ phải là hai ngày (từ ngày, đến ngày).",
            "The period must be two dates.",
        )
    if date_from > date_to:
        raise errors.invalid(
            "invalid_period",
            "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.",
            "The start must not be after the end.",
        )
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise errors.invalid(
            "period_too_long",
            f"Mỗi lần in sổ tối đa {MAX_DAYS} ngày.",
            f"A book covers at most {MAX_DAYS} days.",
            max_days=MAX_DAYS,
        )


def book_dossiers(agency, date_from: dt.date, date_to: dt.date) -> list[Dossier]:
    """Dossiers the agency's desk received in the period (local days, both ends included)."""
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=wording.TZ)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=wording.TZ)
    rows = (
        Dossier.objects.filter(receiving_agency=agency, received_at__gte=start, received_at__lt=end)
        .select_related("receiving_agency")
        .prefetch_related(
            Prefetch(
                "steps", queryset=DossierStep.objects.select_related("agency", "assignee").order_by("order")
            ),
            Prefetch(
                "transitions", queryset=DossierTransition.objects.select_related("actor").order_by("at", "id")
            ),
            Prefetch(
                "supplement_requests", queryset=SupplementRequest.objects.order_by("requested_at", "id")
            ),
        )
        .order_by("received_at", "id")
    )
    found = list(rows[: MAX_ROWS + 1])
    if len(found) > MAX_ROWS:
        raise errors.invalid(
            "book_too_large",
            f"Kỳ đã chọn có hơn {MAX_ROWS} hồ sơ; vui lòng chọn kỳ ngắn hơn.",
            f"The period holds more than {MAX_ROWS} dossiers; choose a shorter one.",
            max_rows=MAX_ROWS,
        )
    return found


def _transferred_at(rows: list[handovers.HandOver]) -> dt.datetime | None:
    """When the desk handed the dossier to the first processing step."""
    for row in rows:
        if row.giver.kind == handovers.DESK and row.receiver.kind == handovers.STEP:
            if row.receiver.step.kind != StepKind.RECEIVE:
                return row.at
    return None


def _result_cell(dossier: Dossier) -> str:
    parts = [
        f"YCBS {wording.short_date(request.requested_at)}"
        for request in dossier.supplement_requests.all()
        if request.resume_state != DossierState.SUBMITTED
    ]
    if dossier.decided_at is not None and dossier.state in (DossierState.PROCESSED, DossierState.RETURNED):
        parts.append(f"KQ {wording.short_date(dossier.decided_at)}")
    elif dossier.decided_at is not None and dossier.state == DossierState.STOPPED:
        parts.append(f"Dừng {wording.short_date(dossier.decided_at)}")
    return "\n".join(parts)


NOTE_WORDS = {**handovers.RESULT_WORDS, deadlines.DeadlineStatus.OVERDUE: "Quá hạn"}


def _note(dossier: Dossier, now: dt.datetime) -> str:
    """The state, then (except for a withdrawal) how the dossier stands against its appointment:
    early, on time or late once decided; overdue when still open past it."""
    parts = [str(DossierState(dossier.state).label)]
    if dossier.state != DossierState.WITHDRAWN:
        status = deadlines.status_of(
            due=dossier.appointment_at,
            finished=dossier.decided_at,
            now=now,
            paused=dossier.state == DossierState.AWAITING_SUPPLEMENT,
        )
        if status in NOTE_WORDS:
            parts.append(NOTE_WORDS[status])
    if dossier.extension_count:
        parts.append(f"Gia hạn {wording.two_digits(dossier.extension_count)} lần")
    return "; ".join(parts)


def _code_cell(code: str) -> str:
    # "000.00.41.H13-251125-0001" has no space to wrap at: break it after the agency code.
    agency, sep, rest = code.partition("-")
    return f"{agency}{sep}\n{rest}" if sep else code


def _row(index: int, dossier: Dossier, now: dt.datetime) -> list[str]:
    steps = list(dossier.steps.all())
    rows = handovers.hand_overs(dossier, transitions=list(dossier.transitions.all()), steps=steps)
    return [
        str(index),
        _code_cell(dossier.code),
        dossier.procedure_name,
        "01",
        dossier.applicant_name,
        facts.book_contact(dossier),
        handovers.lead_agency(dossier, steps).name,
        wording.short_date(dossier.received_at),
        wording.short_date(dossier.appointment_at),
        wording.short_date(_transferred_at(rows)),
        _result_cell(dossier),
        wording.short_date(dossier.result_returned_at),
        "",
        _note(dossier, now),
    ]


HEADINGS = [
    [
        HeadingCell("TT", rowspan=2),
        HeadingCell("Mã hồ sơ", rowspan=2),
        HeadingCell("Tên TTHC", rowspan=2),
        HeadingCell("Số lượng hồ sơ (bộ)", rowspan=2),
        HeadingCell("Tên cá nhân, tổ chức", rowspan=2),
        HeadingCell("Địa chỉ, số điện thoại", rowspan=2),
        HeadingCell("Cơ quan chủ trì giải quyết", rowspan=2),
        HeadingCell("Ngày, tháng, năm", colspan=5),
        HeadingCell("Ký nhận", rowspan=2),
        HeadingCell("Ghi chú", rowspan=2),
    ],
    [
        HeadingCell("Nhận hồ sơ"),
        HeadingCell("Hẹn trả kết quả"),
        HeadingCell("Chuyển hồ sơ đến cơ quan giải quyết"),
        HeadingCell("Có kết quả/ yêu cầu bổ sung"),
        HeadingCell("Trả kết quả"),
    ],
    [HeadingCell(f"({n})") for n in range(1, 15)],
]


def render_form_07(agency, date_from: dt.date, date_to: dt.date, *, now: dt.datetime | None = None) -> bytes:
    """Form 07 of ``agency`` for the dossiers its desk received from ``date_from`` to ``date_to``.

    ``now`` (default: the current time) decides whether an open dossier is already overdue.
    """
    _check_period(date_from, date_to)
    now = now or timezone.now()
    dossiers = book_dossiers(agency, date_from, date_to)
    heading = facts.heading_of(agency)
    page = new_form(
        meta_title=f"{TITLE_07} – {agency.code} – {date_from:%d/%m/%Y}–{date_to:%d/%m/%Y}",
        governing=heading.governing,
        agency=heading.agency,
        number=None,
        place_date=None,
        landscape=True,
    )
    page.form_title(
        TITLE_07,
        subtitle=f"Từ ngày {wording.short_date(date_from)} đến ngày {wording.short_date(date_to)}",
    )
    rows = [_row(index, dossier, now) for index, dossier in enumerate(dossiers, start=1)]
    if not rows:
        rows = [["", "(Không có hồ sơ được tiếp nhận trong kỳ)"] + [""] * 12]
    page.grid(
        headings=HEADINGS,
        rows=rows,
        widths=WIDTHS,
        aligns=ALIGNS,
        size=7,
        heading_size=7,
        line_height=3.4,
    )
    return page.to_bytes()
