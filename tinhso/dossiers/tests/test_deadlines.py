"""Deadlines computed by hand: weekends, Tết 2027, fractional step shares, supplements, extensions.

Office hours are the defaults, 07:00–11:30 and 13:00–17:00 (510 minutes a working day). Tết 2027
in the calendar package: Thu 4/2 – Wed 10/2/2027 are days off (docs/calendar.md).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.core.errors import Conflict, ValidationFailed
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import deadlines, selectors, services
from tinhso.dossiers.models import Dossier, DossierState
from tinhso.dossiers.tests.conftest import deliver_events, received, submit, vn

pytestmark = pytest.mark.django_db


def _reload(dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def test_office_minutes_arithmetic():
    assert deadlines.minutes_per_day() == 510
    # 09:00 + 255 min: 150 until 11:30, 105 from 13:00 -> 14:45.
    assert deadlines.add_office_minutes(vn(2026, 11, 25, 9), 255) == vn(2026, 11, 25, 14, 45)
    # Exactly to the end of the day lands on the next opening, like add_working_days.
    assert deadlines.add_office_minutes(vn(2026, 11, 25, 7), 510) == vn(2026, 11, 26, 7)
    # Friday 16:00 + 120 min: 60 on Friday, 60 on Monday -> Mon 30/11 08:00.
    assert deadlines.add_office_minutes(vn(2026, 11, 27, 16), 120) == vn(2026, 11, 30, 8)
    # Saturday counts from Monday's opening.
    assert deadlines.add_office_minutes(vn(2026, 11, 28, 10), 30) == vn(2026, 11, 30, 7, 30)
    assert deadlines.office_minutes_between(vn(2026, 11, 27, 16), vn(2026, 11, 30, 8)) == 120
    # Across Tết 2027: Wed 3/2 15:00 -> Thu 11/2 10:00 = 120 (Wed) + 180 (Thu morning).
    assert deadlines.office_minutes_between(vn(2027, 2, 3, 15), vn(2027, 2, 11, 10)) == 300
    assert deadlines.minutes_to_days(300) == Decimal("0.59")
    assert deadlines.add_working_time(vn(2027, 2, 3, 9), Decimal("3.5")) == vn(2027, 2, 15, 14, 45)


def test_appointment_across_tet_2027(world):
    # Received Wed 3/2/2027 09:00, 5 working days: Tết 4/2–10/2 skipped, Thu 11 (1), Fri 12 (2),
    # Mon 15 (3), Tue 16 (4), Wed 17/2 (5) -> 09:00.
    dossier = received(world, now=vn(2027, 2, 3, 9))
    assert dossier.appointment_at == vn(2027, 2, 17, 9)
    steps = list(dossier.steps.order_by("order"))
    # 0.5 -> Wed 3/2 14:45; 3.5 -> Mon 15/2 14:45; 4.5 -> Tue 16/2 14:45; 5 -> Wed 17/2 09:00.
    assert [s.due_at for s in steps] == [
        vn(2027, 2, 3, 14, 45),
        vn(2027, 2, 15, 14, 45),
        vn(2027, 2, 16, 14, 45),
        vn(2027, 2, 17, 9),
    ]


def test_weekend_receipt_starts_on_monday(world):
    # Submitted online Sat 28/11/2026 10:00, received by the officer's action at the same moment:
    # the clock starts Mon 30/11 07:00; 5 working days -> Mon 7/12/2026 07:00.
    dossier = received(world, now=vn(2026, 11, 28, 10))
    assert dossier.received_at == vn(2026, 11, 30, 7)
    assert dossier.appointment_at == vn(2026, 12, 7, 7)


def test_friday_afternoon_receipt(world):
    # Fri 27/11/2026 16:00 + 5 working days -> Fri 4/12/2026 16:00.
    dossier = received(world, now=vn(2026, 11, 27, 16))
    assert dossier.appointment_at == vn(2026, 12, 4, 16)


def test_supplement_during_processing_stops_the_clock_across_tet(world):
    dossier = received(world, now=vn(2027, 2, 3, 9))  # due Wed 17/2/2027 09:00
    services.request_supplement(
        actor=world.specialist,
        dossier=dossier,
        reason="Thiếu bản sao giấy khai sinh",
        items=["Bản sao giấy khai sinh"],
        now=vn(2027, 2, 3, 15),
    )
    dossier = _reload(dossier)
    assert dossier.state == DossierState.AWAITING_SUPPLEMENT and dossier.national_status == 5
    assert dossier.supplement_count == 1
    assert selectors.dossier_status(dossier, now=vn(2027, 3, 1, 9)) == "paused"
    services.fulfil_supplement(
        actor=world.citizen, dossier=dossier, note="Đã bổ sung", now=vn(2027, 2, 11, 10)
    )
    dossier = _reload(dossier)
    # Waited 300 office minutes (see test_office_minutes_arithmetic) = 0.59 day.
    # Due Wed 17/2 09:00 + 300 min: 150 to 11:30, 150 from 13:00 -> 15:30.
    assert dossier.state == DossierState.PROCESSING
    assert dossier.due_at == dossier.appointment_at == vn(2027, 2, 17, 15, 30)
    assert dossier.supplement_days_total == Decimal("0.59")
    # The open step (due Mon 15/2 14:45) moves by the same 300 minutes: 135 to 17:00, then
    # 165 from Tue 16/2 07:00 -> 09:45.
    assert dossier.current_step.due_at == vn(2027, 2, 16, 9, 45)
    request = dossier.supplement_requests.get()
    assert request.waited_days == Decimal("0.59") and request.fulfilled_by == world.citizen
    assert dossier.transitions.get(action="request_supplement").form == "02"
    deliver_events()
    assert dossier.notifications.filter(kind="supplement_requested").exists()


def test_supplement_before_receipt_does_not_move_any_clock(world):
    dossier = submit(world, now=vn(2026, 11, 25, 9))
    services.request_supplement(
        actor=world.one_stop, dossier=dossier, reason="Thiếu tờ khai", now=vn(2026, 11, 25, 10)
    )
    with pytest.raises(ValidationFailed) as error:
        services.fulfil_supplement(actor=world.citizen, dossier=dossier, now=vn(2026, 11, 27, 10))
    assert error.value.code == "dossiers.supplement_empty"
    services.fulfil_supplement(actor=world.citizen, dossier=dossier, note="Đã nộp", now=vn(2026, 11, 27, 10))
    dossier = _reload(dossier)
    assert dossier.state == DossierState.SUBMITTED
    assert dossier.supplement_days_total == 0 and dossier.supplement_count == 0
    assert dossier.due_at is None


def test_status_early_on_time_late_overdue(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))  # appointment Wed 2/12/2026 09:00
    assert selectors.dossier_status(dossier, now=vn(2026, 12, 1, 9)) == "in_time"
    assert selectors.dossier_status(dossier, now=vn(2026, 12, 2, 9, 1)) == "overdue"
    step = dossier.steps.get(order=2)  # due Mon 30/11 14:45
    assert selectors.step_status(step, now=vn(2026, 12, 1, 9)) == "overdue"
    assert (
        deadlines.status_of(due=vn(2026, 12, 2, 9), finished=vn(2026, 12, 2, 9), now=vn(2027, 1, 1, 0))
        == "on_time"
    )
    assert (
        deadlines.status_of(due=vn(2026, 12, 2, 9), finished=vn(2026, 12, 1, 9), now=vn(2027, 1, 1, 0))
        == "early"
    )
    assert (
        deadlines.status_of(due=vn(2026, 12, 2, 9), finished=vn(2026, 12, 1, 10), now=vn(2027, 1, 1, 0))
        == "on_time"
    )
    assert (
        deadlines.status_of(due=vn(2026, 12, 2, 9), finished=vn(2026, 12, 2, 9, 1), now=vn(2027, 1, 1, 0))
        == "late"
    )


def test_extension_before_the_appointment_only(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))  # appointment Wed 2/12/2026 09:00
    with pytest.raises(Conflict) as error:
        services.extend_dossier(
            actor=world.leader,
            dossier=dossier,
            reason="Cần xác minh",
            new_appointment_at=vn(2026, 12, 4, 9),
            now=vn(2026, 12, 2, 9),
        )
    assert error.value.code == "dossiers.extension_too_late"
    with pytest.raises(ValidationFailed):
        services.extend_dossier(
            actor=world.leader,
            dossier=dossier,
            reason="x",
            new_appointment_at=vn(2026, 12, 1, 9),
            now=vn(2026, 12, 1, 8),
        )
    extension = services.extend_dossier(
        actor=world.leader,
        dossier=dossier,
        reason="Cần xác minh tại địa phương",
        new_appointment_at=vn(2026, 12, 4, 9),
        now=vn(2026, 12, 1, 10),
    )
    dossier = _reload(dossier)
    assert extension.old_appointment_at == vn(2026, 12, 2, 9)
    assert dossier.appointment_at == vn(2026, 12, 4, 9)
    assert dossier.due_at == vn(2026, 12, 2, 9)  # the legal deadline does not move
    assert dossier.extension_count == 1
    assert dossier.transitions.get(action="extend").form == "04"
    # The open step (due Mon 30/11 14:45) gets the same two working days: Wed 2/12 14:45.
    assert dossier.current_step.due_at == vn(2026, 12, 2, 14, 45)
    deliver_events()
    assert dossier.notifications.filter(kind="extended").exists()


def test_same_day_procedure_is_due_at_closing_time(world):
    world.simple.processing_days = 0
    world.simple.save(update_fields=["processing_days"])
    world.simple.route_steps.update(share_days=0)
    dossier = received(world, now=vn(2026, 11, 25, 9))
    assert dossier.appointment_at == vn(2026, 11, 25, 17)
    assert {s.due_at for s in dossier.steps.all()} == {vn(2026, 11, 25, 17)}


_moments = st.builds(
    lambda days, minutes: calendar.office_moment(vn(2026, 1, 5, 7) + timedelta(days=days, minutes=minutes)),
    st.integers(min_value=0, max_value=900),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)


@settings(max_examples=150, deadline=None)
@given(start=_moments, days=st.integers(min_value=0, max_value=30))
def test_whole_days_of_office_time_match_add_working_days(start, days):
    assert deadlines.add_office_minutes(
        start, days * deadlines.minutes_per_day()
    ) == calendar.add_working_days(start, days)


@settings(max_examples=150, deadline=None)
@given(start=_moments, minutes=st.integers(min_value=0, max_value=20 * 510))
def test_office_minutes_between_inverts_add(start, minutes):
    end = deadlines.add_office_minutes(start, minutes)
    assert end >= start
    assert deadlines.office_minutes_between(start, end) == minutes
