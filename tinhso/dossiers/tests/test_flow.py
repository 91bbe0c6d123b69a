"""The whole life of a dossier through the services, and each transition refused where it must be."""

from __future__ import annotations

import pytest

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import Conflict, PermissionDenied, ValidationFailed
from tinhso.dossiers import services
from tinhso.dossiers.models import (
    Dossier,
    DossierState,
    DossierStep,
    DossierTransition,
    Notification,
    StepOutcome,
)
from tinhso.dossiers.states import TRANSITIONS
from tinhso.dossiers.tests.conftest import deliver_events, received, submit, upload_pdf, vn

pytestmark = pytest.mark.django_db


def _reload(dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def test_online_submission_records_state_1_and_a_national_code(world):
    dossier = submit(world, now=vn(2026, 11, 25, 9))
    assert dossier.state == DossierState.SUBMITTED
    assert dossier.national_status == 1
    assert dossier.code == "000.00.09.H23-261125-0001"
    assert dossier.channel == 2
    assert dossier.applicant == world.citizen
    assert dossier.applicant_phone_last4 == "5678"
    assert dossier.applicant_phone_encrypted and "0912345678" not in dossier.applicant_phone_encrypted
    assert dossier.applicant_id_digest == world.citizen.citizen_id_digest
    assert len(dossier.applicant_id_last4) == 4
    assert dossier.documents.count() == 1
    second = submit(world, now=vn(2026, 11, 25, 10))
    assert second.code == "000.00.09.H23-261125-0002"
    next_day = submit(world, now=vn(2026, 11, 26, 9))
    assert next_day.code == "000.00.09.H23-261126-0001"


def test_full_life_with_steps_approval_and_return(world):
    # Received Wed 25/11/2026 09:00; 5 working days -> Wed 2/12/2026 09:00 (no holiday in between;
    # 24/11 "Ngày Văn hóa Việt Nam" is the day before).
    dossier = received(world, now=vn(2026, 11, 25, 9))
    assert dossier.state == DossierState.PROCESSING
    assert dossier.received_at == vn(2026, 11, 25, 9)
    assert dossier.appointment_at == vn(2026, 12, 2, 9) == dossier.due_at
    steps = list(dossier.steps.order_by("order"))
    # Shares 0.5 / 3 / 1 / 0.5. 0.5 day = 255 office minutes: 09:00 + 150 min to 11:30, then
    # 105 min from 13:00 -> 14:45. Cumulative 3.5 -> Mon 30/11 14:45; 4.5 -> Tue 1/12 14:45; 5 -> due.
    assert [s.due_at for s in steps] == [
        vn(2026, 11, 25, 14, 45),
        vn(2026, 11, 30, 14, 45),
        vn(2026, 12, 1, 14, 45),
        vn(2026, 12, 2, 9),
    ]
    assert steps[0].outcome == StepOutcome.DONE and steps[0].finished_at is not None
    assert dossier.current_step == steps[1]
    assert [t.action for t in dossier.transitions.order_by("id")] == ["submit", "accept", "start"]
    assert [t.national_status for t in dossier.transitions.order_by("id")] == [1, 2, 4]

    services.complete_step(actor=world.specialist, dossier=dossier, now=vn(2026, 11, 27, 10))
    dossier = _reload(dossier)
    assert dossier.current_step.order == 3
    with pytest.raises(PermissionDenied):  # approval is a leader's
        services.complete_step(actor=world.specialist, dossier=dossier, now=vn(2026, 11, 27, 11))
    services.attach_result(
        actor=world.leader,
        dossier=dossier,
        name="Bản sao trích lục",
        upload=_pdf(),
        purpose="dossier_attachment",
    )
    services.complete_step(actor=world.leader, dossier=dossier, now=vn(2026, 11, 30, 8))
    dossier = _reload(dossier)
    assert dossier.state == DossierState.PROCESSED
    assert dossier.national_status == 9
    assert dossier.decided_at == vn(2026, 11, 30, 8)
    assert dossier.current_step.kind == "return"
    services.return_result(actor=world.one_stop, dossier=dossier, now=vn(2026, 11, 30, 9))
    dossier = _reload(dossier)
    assert dossier.state == DossierState.RETURNED and dossier.national_status == 10
    assert dossier.results.get().returned_via == "online"
    from tinhso.dossiers.selectors import dossier_status

    assert dossier_status(dossier) == "early"  # decided Mon 30/11 08:00, due Wed 2/12 09:00
    assert AuditRecord.objects.filter(action="dossiers.finish").exists()

    services.rate_dossier(actor=world.citizen, dossier=dossier, score=5, comment="Nhanh")
    with pytest.raises(Conflict) as again:
        services.rate_dossier(actor=world.citizen, dossier=dossier, score=4)
    assert again.value.code == "dossiers.already_rated"


def _pdf():
    import io

    from tinhso.core.files.tests.samples import pdf_bytes

    return io.BytesIO(pdf_bytes())


def test_notifications_land_in_the_outbox(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    rows = Notification.objects.filter(dossier=dossier, kind="received")
    assert {r.channel for r in rows} == {"email", "sms"}
    assert {r.status for r in rows} == {"outbox"}
    email = rows.get(channel="email")
    assert email.recipient_masked == "d***@example.vn"
    assert "dan@example.vn" not in email.recipient_encrypted
    assert "hẹn trả" in email.body
    deliver_events()  # delivering again changes nothing
    assert Notification.objects.filter(dossier=dossier, kind="received").count() == 2


def test_every_pair_outside_the_table_is_refused_and_changes_nothing(world):
    dossier = submit(world, now=vn(2026, 11, 25, 9))
    before = (dossier.state, dossier.version, DossierTransition.objects.filter(dossier=dossier).count())
    with pytest.raises(Conflict) as error:
        services.complete_step(actor=world.specialist, dossier=dossier)
    assert error.value.code == "dossiers.invalid_transition"
    with pytest.raises(Conflict):
        services.return_result(actor=world.one_stop, dossier=dossier)
    with pytest.raises(Conflict):
        services.stop_dossier(actor=world.leader, dossier=dossier, reason="x")
    with pytest.raises(Conflict):
        services.fulfil_supplement(actor=world.citizen, dossier=dossier, note="x")
    dossier = _reload(dossier)
    assert (
        dossier.state,
        dossier.version,
        DossierTransition.objects.filter(dossier=dossier).count(),
    ) == before


@pytest.mark.parametrize(
    ("state", "action", "allowed"),
    [
        ("submitted", "accept", True),
        ("submitted", "refuse", True),
        ("submitted", "withdraw", True),
        ("processing", "accept", False),
        ("processing", "refuse", False),
        ("processing", "forward", True),
        ("processing", "finish", True),
        ("awaiting_payment", "forward", False),
        ("awaiting_supplement", "forward", False),
        ("processed", "withdraw", False),
        ("processed", "return_result", True),
        ("returned", "withdraw", False),
        ("refused", "accept", False),
        ("withdrawn", "accept", False),
        ("stopped", "forward", False),
        ("processing", "extend", True),
        ("awaiting_supplement", "extend", False),
    ],
)
def test_the_table(state, action, allowed):
    assert ((state, action) in TRANSITIONS) is allowed


def test_refuse_needs_reasons_and_is_final(world):
    dossier = submit(world)
    with pytest.raises(ValidationFailed) as error:
        services.refuse_dossier(actor=world.one_stop, dossier=dossier, reasons=["  "])
    assert error.value.code == "dossiers.reason_required"
    services.refuse_dossier(actor=world.one_stop, dossier=dossier, reasons=["Không thuộc thẩm quyền"])
    dossier = _reload(dossier)
    assert dossier.state == DossierState.REFUSED and dossier.national_status == 3
    assert dossier.refusal.reasons == ["Không thuộc thẩm quyền"]
    assert dossier.transitions.get(action="refuse").form == "03"
    with pytest.raises(Conflict):
        services.accept_dossier(actor=world.one_stop, dossier=dossier)
    deliver_events()
    assert Notification.objects.filter(dossier=dossier, kind="refused").exists()


def test_only_the_receiving_agency_receives(world):
    dossier = submit(world)
    with pytest.raises(PermissionDenied):
        services.accept_dossier(actor=world.one_stop_b, dossier=dossier)
    with pytest.raises(PermissionDenied):
        services.accept_dossier(actor=world.specialist, dossier=dossier)
    with pytest.raises(PermissionDenied):
        services.accept_dossier(actor=world.citizen, dossier=dossier)
    assert _reload(dossier).state == DossierState.SUBMITTED


def test_step_owner_only(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    for intruder in (world.specialist_b, world.one_stop, world.leader, world.citizen):
        with pytest.raises(PermissionDenied):
            services.complete_step(actor=intruder, dossier=dossier)
    services.complete_step(actor=world.specialist, dossier=dossier)


def test_return_step_goes_back_with_reason(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    services.complete_step(actor=world.specialist, dossier=dossier, now=vn(2026, 11, 26, 9))
    with pytest.raises(ValidationFailed):
        services.return_step(actor=world.leader, dossier=dossier, reason="")
    services.return_step(
        actor=world.leader, dossier=dossier, reason="Bổ sung căn cứ", now=vn(2026, 11, 26, 10)
    )
    dossier = _reload(dossier)
    assert dossier.current_step.order == 2
    assert dossier.current_step.reopened_count == 1 and dossier.current_step.finished_at is None
    approve = dossier.steps.get(order=3)
    assert approve.outcome == StepOutcome.RETURNED
    with pytest.raises(Conflict) as error:  # the first processing step has nothing before it
        services.return_step(actor=world.specialist, dossier=dossier, reason="x")
    assert error.value.code == "dossiers.no_previous_step"


def test_interagency_route_moves_to_the_department_and_back(world):
    dossier = received(world, world.interagency, now=vn(2026, 11, 25, 9))
    assert dossier.current_agency == world.district
    services.complete_step(actor=world.district_specialist, dossier=dossier)
    dossier = _reload(dossier)
    assert dossier.current_step.kind == "transfer" and dossier.current_agency == world.district
    services.complete_step(actor=world.district_clerk, dossier=dossier)
    dossier = _reload(dossier)
    assert dossier.current_agency == world.dept
    forward = dossier.transitions.filter(action="forward").order_by("-id").first()
    assert forward.data["transfer"] is True and forward.data["next_agency"] == world.dept.code
    with pytest.raises(PermissionDenied):  # the district's specialist does not act at the department
        services.complete_step(actor=world.district_specialist, dossier=dossier)
    services.complete_step(actor=world.specialist, dossier=dossier)
    services.complete_step(actor=world.leader, dossier=dossier)
    dossier = _reload(dossier)
    assert dossier.state == DossierState.PROCESSED
    assert dossier.current_agency == world.district  # the result goes back to where it was received
    services.return_result(actor=world.district_one_stop, dossier=dossier, via="counter")
    assert _reload(dossier).state == DossierState.RETURNED


def test_withdraw_before_decision_only(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    with pytest.raises(PermissionDenied):
        services.withdraw_dossier(actor=world.other_citizen, dossier=dossier)
    services.withdraw_dossier(actor=world.citizen, dossier=dossier, reason="Không còn nhu cầu")
    dossier = _reload(dossier)
    assert dossier.state == DossierState.WITHDRAWN and dossier.national_status == 7
    assert dossier.withdrawn_at is not None and dossier.current_step is None
    assert not DossierStep.objects.filter(
        dossier=dossier, started_at__isnull=False, finished_at__isnull=True
    ).exists()
    assert dossier.steps.get(order=2).outcome == StepOutcome.CANCELLED


def test_stop_by_a_leader(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    with pytest.raises(PermissionDenied):
        services.stop_dossier(actor=world.specialist, dossier=dossier, reason="x")
    services.stop_dossier(actor=world.leader, dossier=dossier, reason="Hồ sơ giả mạo")
    dossier = _reload(dossier)
    assert dossier.state == DossierState.STOPPED and dossier.national_status == 8
    assert dossier.stop_notice.reason == "Hồ sơ giả mạo"
    assert dossier.transitions.get(action="stop").form == "05"


def test_expected_version_conflict(world):
    dossier = submit(world)
    with pytest.raises(Conflict) as error:
        services.accept_dossier(actor=world.one_stop, dossier=dossier, expected_version=dossier.version + 5)
    assert error.value.code == "dossiers.stale_version"
    services.accept_dossier(actor=world.one_stop, dossier=dossier, expected_version=dossier.version)


def test_rating_only_after_return_and_only_by_the_owner(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    with pytest.raises(Conflict) as error:
        services.rate_dossier(actor=world.citizen, dossier=dossier, score=5)
    assert error.value.code == "dossiers.not_rateable"
    with pytest.raises(PermissionDenied):
        services.rate_dossier(actor=world.other_citizen, dossier=dossier, score=1)


def test_assign_step(world, make_officer):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    second = make_officer(username="chuyenvien2.stp", roles=[(world.dept, "specialist")])
    with pytest.raises(PermissionDenied):
        services.assign_step(actor=world.specialist, dossier=dossier, assignee=second)
    with pytest.raises(ValidationFailed):
        services.assign_step(actor=world.leader, dossier=dossier, assignee=world.specialist_b)
    services.assign_step(actor=world.leader, dossier=dossier, assignee=second)
    with pytest.raises(PermissionDenied):
        services.complete_step(actor=world.specialist, dossier=dossier)
    services.complete_step(actor=second, dossier=dossier)


def test_counter_receipt_on_behalf_of_a_citizen(world):
    stored = upload_pdf(world.one_stop, world.dept)
    result = services.receive_at_counter(
        actor=world.one_stop,
        procedure_code=world.offline.code,
        agency=world.dept,
        applicant=services.ApplicantInput(
            name="Nguyễn Văn Quầy", citizen_id="093123456789", phone="0901111222", address="Ấp 1, xã Tân Hòa"
        ),
        form_data={"ho_ten": "Nguyễn Văn Quầy"},
        documents=[
            services.DocumentInput(
                required_document_id=world.offline.documents.get(order=1).pk, file_id=stored.public_id
            )
        ],
        now=vn(2026, 11, 25, 14),
    )
    dossier = result.dossier
    assert dossier.channel == 1 and dossier.state == DossierState.PROCESSING
    assert dossier.applicant is None
    assert dossier.applicant_id_last4 == "6789" and dossier.applicant_phone_last4 == "1222"
    assert "Ấp 1" not in dossier.applicant_address_encrypted
    assert not AuditRecord.objects.filter(changes__icontains="093123456789").exists()
    # The citizen's own one-stop desk account cannot submit online for an offline procedure.
    with pytest.raises(ValidationFailed) as error:
        submit(world, world.offline)
    assert error.value.code == "dossiers.not_online"


def test_counter_receipt_links_an_existing_citizen_account(world):
    from tinhso.core.accounts import citizen_ids

    number = citizen_ids.decrypt(world.citizen.citizen_id_encrypted)
    stored = upload_pdf(world.one_stop, world.dept)
    dossier = services.receive_at_counter(
        actor=world.one_stop,
        procedure_code=world.simple.code,
        agency=world.dept,
        applicant=services.ApplicantInput(name="Trần Thị Dân", citizen_id=number),
        form_data={"ho_ten": "Trần Thị Dân"},
        documents=[
            services.DocumentInput(
                required_document_id=world.simple.documents.get(order=1).pk, file_id=stored.public_id
            )
        ],
        accept=False,
    ).dossier
    assert dossier.applicant == world.citizen and dossier.state == DossierState.SUBMITTED
