"""Test-only rows for the statistics tests (no tests here; imported by the test_stats modules): dossiers with explicit timestamps.

The statistics only read, so these factories write model rows directly, with the deadline rules
of the core: the appointment at receipt is ``reception.appointment_for`` and a fulfilled
supplement pushes ``due_at`` and ``appointment_at`` by the office time waited, exactly as
``reception.fulfil_supplement`` does (one test also goes through the real services).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from tinhso.core.agencies.models import AgencyKind
from tinhso.core.permissions import SYSTEM
from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.dossiers import deadlines
from tinhso.dossiers.models import (
    Dossier,
    DossierDocument,
    DossierState,
    Rating,
    ResultDocument,
    SupplementRequest,
)
from tinhso.dossiers.services.reception import appointment_for
from tinhso.procedures import services as catalog

_numbers = itertools.count(1)


def at(month: int, day: int, hour: int = 8, minute: int = 0, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def make_dossier(
    *,
    procedure,
    agency,
    received=None,
    submitted=None,
    state: str = DossierState.PROCESSING,
    channel: int = 1,
    decided=None,
    returned=None,
    withdrawn=None,
    supplements=(),
    deadline: bool = True,
    fee: int | None = None,
) -> Dossier:
    """``supplements``: (requested, fulfilled or None) pairs after receipt, oldest first."""
    received_at = received
    due = appointment_for(received_at, procedure.processing_days) if (received_at and deadline) else None
    count = 0
    dossier = Dossier.objects.create(
        code=f"STATS-{next(_numbers):05d}",
        procedure=procedure,
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        processing_days=procedure.processing_days,
        fee_amount=fee if fee is not None else _fee_of(procedure),
        receiving_agency=agency,
        current_agency=agency,
        applicant_name="Nguyễn Văn Thống Kê",
        channel=channel,
        state=state,
        submitted_at=submitted or received_at,
        received_at=received_at,
        appointment_at=due,
        due_at=due,
        decided_at=decided,
        result_returned_at=returned,
        withdrawn_at=withdrawn,
    )
    for requested, fulfilled in supplements:
        waited = deadlines.office_minutes_between(requested, fulfilled) if fulfilled else 0
        SupplementRequest.objects.create(
            dossier=dossier,
            requested_at=requested,
            agency=agency,
            reason="Bổ sung giấy tờ",
            resume_state=DossierState.PROCESSING,
            fulfilled_at=fulfilled,
            waited_days=deadlines.minutes_to_days(waited),
        )
        count += 1
        if waited and dossier.due_at:
            dossier.due_at = deadlines.add_office_minutes(dossier.due_at, waited)
            dossier.appointment_at = deadlines.add_office_minutes(dossier.appointment_at, waited)
    if supplements:
        dossier.supplement_count = count
        dossier.supplement_days_total = sum(
            (deadlines.minutes_to_days(deadlines.office_minutes_between(r, f)) for r, f in supplements if f),
            Decimal(0),
        )
        dossier.save(update_fields=["supplement_count", "supplement_days_total", "due_at", "appointment_at"])
    return dossier


def _fee_of(procedure) -> int:
    rule = procedure.fee_rule or {}
    return int(rule.get("amount", 0)) if rule.get("kind") == "fixed" else 0


def rate(dossier: Dossier, score: int, when: dt.datetime) -> Rating:
    rating = Rating.objects.create(dossier=dossier, score=score)
    Rating.objects.filter(pk=rating.pk).update(created_at=when)
    return rating


def pay(dossier: Dossier, status: str = "succeeded"):
    from tinhso.payments.models import Payment

    return Payment.objects.create(
        payable_type="dossier",
        payable_id=dossier.code,
        agency=dossier.receiving_agency,
        amount=int(dossier.fee_amount) or 1,
        description=f"Phí hồ sơ {dossier.code}",
        provider="sandbox",
        creator_key="system:system",
        status=status,
    )


def attach_files(dossier: Dossier, *, result: bool = False) -> None:
    """A submitted document (and a result document) for the digitisation indicators."""
    from tinhso.core.files.models import StoredFile

    def stored(name: str) -> StoredFile:
        return StoredFile.objects.create(
            storage_name=f"stats-test/{dossier.code}/{name}",
            original_name=name,
            content_type="application/pdf",
            size=1024,
            sha256="0" * 64,
            purpose="stats_test",
            scan_status="clean",
        )

    DossierDocument.objects.create(dossier=dossier, file=stored("to-khai.pdf"), name="Tờ khai")
    if result:
        ResultDocument.objects.create(
            dossier=dossier, file=stored("ket-qua.pdf"), name="Kết quả", uploaded_at=dossier.decided_at
        )


# -- The hand-made world of March 2025 -------------------------------------------------------

MARCH = {"date_from": dt.date(2025, 3, 1), "date_to": dt.date(2025, 3, 31)}
LATER = at(5, 1)  # "now" for every test: March is over
S = DossierState


@pytest.fixture(autouse=True)
def _calendar_loaded(settings, db):
    # The working-day calendar checks its shared version every few seconds (a few cache
    # queries, whenever they fall due): load it once so that query counts measure the statistics.
    from tinhso.core.workcalendar import services as calendar

    settings.WORKCALENDAR_VERSION_CHECK_SECONDS = 3600
    calendar.is_working_day(dt.date(2025, 3, 3))


def procedure_data(code, name, field_code, days, fee_rule, *, agencies=(), online="full"):
    return {
        "code": code,
        "name": name,
        "field_code": field_code,
        "levels": ["provincial"],
        "agencies": list(agencies),
        "processing_days": days,
        "fee_rule": fee_rule,
        "online_level": online,
        "documents": [],
        "form_fields": [],
        "route_steps": [
            {"name": "Tiếp nhận", "kind": "receive", "role": "one_stop_officer", "share_days": "0.5"},
            {"name": "Thẩm định", "kind": "process", "role": "specialist", "share_days": "2.5"},
            {"name": "Phê duyệt", "kind": "approve", "role": "leader", "share_days": "1"},
            *(
                [{"name": "Thu phí", "kind": "fee", "role": "one_stop_officer", "share_days": "0"}]
                if fee_rule.get("kind") != "free"
                else []
            ),
            {"name": "Trả kết quả", "kind": "return", "role": "one_stop_officer", "share_days": "1"},
        ],
    }


@pytest.fixture
def world(make_agency):
    province = make_agency(name="UBND tỉnh Thử", code="000.00.00.T99", kind=AgencyKind.PROVINCIAL_COMMITTEE)
    a = make_agency(name="Sở A", code="000.00.11.T99", parent=province)
    b = make_agency(name="Sở B", code="000.00.12.T99", parent=province)
    catalog.save_field(actor=SYSTEM, code="HT", name="Hộ tịch")
    catalog.save_field(actor=SYSTEM, code="XD", name="Xây dựng")
    paid = catalog.create_procedure(
        actor=SYSTEM,
        data=procedure_data(
            "9.000001",
            "Thủ tục có phí",
            "HT",
            5,
            {"kind": "fixed", "amount": 50000},
            agencies=[a.code, b.code],
        ),
    )
    free = catalog.create_procedure(
        actor=SYSTEM,
        data=procedure_data("9.000002", "Thủ tục miễn phí", "XD", 5, {"kind": "free"}, agencies=[a.code]),
    )
    catalog.create_procedure(
        actor=SYSTEM,
        data=procedure_data(
            "9.000003", "Thủ tục chưa trực tuyến", "XD", 5, {"kind": "free"}, agencies=[a.code], online="none"
        ),
    )
    return {"province": province, "a": a, "b": b, "paid": paid, "free": free}


@pytest.fixture
def march(world):
    """The hand-made dossiers of agency A (and one of agency B), keyed by what they show."""
    a, b, paid, free = world["a"], world["b"], world["paid"], world["free"]
    d = {}
    # Processed exactly at the deadline (10 March 08:00): on time, not early.
    d["on_time"] = make_dossier(
        procedure=paid, agency=a, received=at(3, 3), state=S.PROCESSED, decided=at(3, 10)
    )
    # Stopped one hour after the deadline: late.
    d["late"] = make_dossier(
        procedure=paid, agency=a, received=at(3, 3), state=S.STOPPED, decided=at(3, 10, 9)
    )
    # Processed on Thursday 6 March at 16:00 for a Monday 08:00 deadline (one working day later,
    # Friday 16:00, is still before it), returned later: early; submitted online.
    d["early"] = make_dossier(
        procedure=paid,
        agency=a,
        received=at(3, 3),
        channel=2,
        state=S.RETURNED,
        decided=at(3, 6, 16),
        returned=at(3, 11),
    )
    # Processed on Friday 7 March at 16:00: one working day later (Monday 16:00) is past the
    # deadline, so on time, not early.
    d["friday"] = make_dossier(
        procedure=free, agency=b, received=at(3, 3), state=S.PROCESSED, decided=at(3, 7, 16)
    )
    # One supplement: waited 5 to 12 March (5 working days), so the deadline moved from 10 to 17
    # March; processed on 17 March 08:00: on time although after the first appointment.
    d["one_supplement"] = make_dossier(
        procedure=paid,
        agency=a,
        received=at(3, 3),
        state=S.PROCESSED,
        decided=at(3, 17),
        supplements=[(at(3, 5), at(3, 12))],
    )
    # Two supplements: late whatever the dates.
    d["two_supplements"] = make_dossier(
        procedure=free,
        agency=a,
        received=at(3, 3),
        state=S.PROCESSED,
        decided=at(3, 7, 10),
        supplements=[(at(3, 4), at(3, 5)), (at(3, 6), at(3, 7))],
    )
    # Open at the end of March, due 3 April: in progress, in time; sent by post.
    d["open_in_time"] = make_dossier(procedure=free, agency=a, received=at(3, 27), channel=3)
    # Open at the end of March, due 24 March: overdue.
    d["open_overdue"] = make_dossier(procedure=free, agency=a, received=at(3, 17))
    # Processed on 2 April but due 25 March: at the end of March it was open and overdue.
    d["finished_after"] = make_dossier(
        procedure=free, agency=a, received=at(3, 18), state=S.PROCESSED, decided=at(4, 2)
    )
    # Withdrawn by the applicant on 5 March, after receipt: ended, before the deadline day.
    d["withdrawn"] = make_dossier(
        procedure=free, agency=a, received=at(3, 3), state=S.WITHDRAWN, withdrawn=at(3, 5, 10)
    )
    # Refused at the desk (Form 03): never received.
    d["refused"] = make_dossier(
        procedure=free, agency=a, submitted=at(3, 4, 9), channel=2, state=S.REFUSED, decided=at(3, 4, 14)
    )
    # Legacy rows without any deadline: the statutory 5 working days from receipt (10 March 08:00).
    d["legacy_late"] = make_dossier(
        procedure=free, agency=a, received=at(3, 3), deadline=False, state=S.PROCESSED, decided=at(3, 10, 9)
    )
    d["legacy_early"] = make_dossier(
        procedure=free, agency=a, received=at(3, 3), deadline=False, state=S.PROCESSED, decided=at(3, 7)
    )
    # Received in February, processed on 3 March just before its deadline: carried over, on time.
    d["carried"] = make_dossier(
        procedure=free, agency=a, received=at(2, 24), state=S.PROCESSED, decided=at(3, 3, 7, 45)
    )
    # Finished in February: not part of March at all.
    d["february"] = make_dossier(
        procedure=free, agency=a, received=at(2, 3), state=S.PROCESSED, decided=at(2, 10)
    )
    # Waiting for its only supplement since 25 March 09:00, due 27 March: the clock stopped
    # before the deadline, so in time at the end of March.
    d["paused"] = make_dossier(
        procedure=free,
        agency=a,
        received=at(3, 20),
        state=S.AWAITING_SUPPLEMENT,
        supplements=[(at(3, 25, 9), None)],
    )
    # Agency B: one dossier, processed late.
    d["b_late"] = make_dossier(
        procedure=free, agency=b, received=at(3, 5), state=S.PROCESSED, decided=at(3, 20)
    )
    attach_files(d["early"], result=True)
    attach_files(d["on_time"])
    # Agency B: a supplement asked on Friday 7 March 16:00 and brought on Monday 10 March 08:00
    # (2 office hours, 64 calendar hours); processed on 11 March 09:00. The legal deadline moved
    # by the office time (10 March 10:00): late. The national method moves the end back by the
    # calendar time (Saturday 8 March 17:00): on time against the appointment of 10 March 08:00.
    d["weekend_supplement"] = make_dossier(
        procedure=free,
        agency=b,
        received=at(3, 3),
        state=S.PROCESSED,
        decided=at(3, 11, 9),
        supplements=[(at(3, 7, 16), at(3, 10))],
    )
    pay(d["early"])  # the only fee paid online
    pay(d["on_time"], status="failed")
    rate(d["early"], 5, at(3, 12))
    rate(d["on_time"], 2, at(3, 20))
    rate(d["february"], 4, at(2, 12))  # given in February: not a March rating
    return d
