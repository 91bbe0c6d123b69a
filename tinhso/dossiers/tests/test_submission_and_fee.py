"""Submission checks (form, documents, files by content, idempotency) and the fee step."""

from __future__ import annotations

import io

import pytest
from django.db import transaction

from tinhso.core.errors import Conflict, NotFound, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.files.errors import FileTooLarge, FileTypeRefused
from tinhso.core.files.models import StoredFile
from tinhso.core.files.purposes import MB
from tinhso.core.files.tests.samples import pdf_bytes, png_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierSequence, DossierState, StepOutcome
from tinhso.dossiers.tests.conftest import FORM, deliver_events, received, submit, upload_pdf, vn
from tinhso.payments.events import PaymentSucceeded
from tinhso.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db


def _required(procedure):
    return procedure.documents.get(order=1)


def _nothing_created():
    assert Dossier.objects.count() == 0


def test_missing_required_document_is_refused_and_nothing_is_written(world):
    with pytest.raises(ValidationFailed) as error:
        submit(world, documents=[])
    assert error.value.code == "dossiers.missing_documents"
    assert error.value.details["missing"][0]["name"] == "Tờ khai theo mẫu"
    _nothing_created()
    assert DossierSequence.objects.count() == 0  # the number drawn was rolled back too


def test_form_data_is_validated_field_by_field(world):
    with pytest.raises(ValidationFailed) as error:
        submit(world, form_data={"so_ban": "hai", "loai": "khac", "la": 1})
    assert error.value.code == "dossiers.invalid_form_data"
    problems = {p["field"]: p["code"] for p in error.value.details["fields"]}
    assert problems == {
        "ho_ten": "required",
        "so_ban": "invalid_number",
        "loai": "invalid_choice",
        "la": "unknown_field",
    }
    _nothing_created()


def test_a_document_of_the_wrong_kind_for_its_item(world):
    from tinhso.core.files import services as files

    png = files.store_upload(
        actor=world.citizen, purpose="dossier_attachment", file=io.BytesIO(png_bytes()), name="anh.png"
    )
    with pytest.raises(ValidationFailed) as error:
        submit(
            world,
            documents=[
                services.DocumentInput(required_document_id=_required(world.simple).pk, file_id=png.public_id)
            ],
        )
    assert error.value.code == "dossiers.document_type_not_accepted"
    _nothing_created()


def test_file_type_is_detected_from_the_content(world):
    executable = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120
    with pytest.raises(FileTypeRefused):
        submit(
            world,
            documents=[
                services.DocumentInput(
                    required_document_id=_required(world.simple).pk,
                    upload=io.BytesIO(executable),
                    name="to-khai.pdf",
                )
            ],
        )
    _nothing_created()


def test_oversized_upload_is_refused(world):
    big = pdf_bytes() + b"0" * (20 * MB)
    with pytest.raises(FileTooLarge):
        submit(
            world,
            documents=[
                services.DocumentInput(
                    required_document_id=_required(world.simple).pk, upload=io.BytesIO(big), name="a.pdf"
                )
            ],
        )
    _nothing_created()


def test_someone_elses_file_cannot_be_attached(world):
    theirs = upload_pdf(world.other_citizen)
    with pytest.raises(ValidationFailed) as error:
        submit(
            world,
            documents=[
                services.DocumentInput(
                    required_document_id=_required(world.simple).pk, file_id=theirs.public_id
                )
            ],
        )
    assert error.value.code == "dossiers.unknown_file"


def test_a_file_is_attached_to_one_dossier_only(world):
    stored = upload_pdf(world.citizen)
    refs = [services.DocumentInput(required_document_id=_required(world.simple).pk, file_id=stored.public_id)]
    submit(world, documents=refs)
    with pytest.raises(Conflict) as error:
        submit(world, documents=refs)
    assert error.value.code == "dossiers.file_already_attached"


def test_procedure_checks(world):
    with pytest.raises(ValidationFailed) as error:
        services.submit_dossier(actor=world.citizen, procedure_code="9.999999", agency=world.dept)
    assert error.value.code == "dossiers.procedure_not_available"
    with pytest.raises(ValidationFailed) as error:
        submit(world, world.simple, agency=world.dept_b)
    assert error.value.code == "dossiers.agency_not_competent"
    from tinhso.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):  # officers register dossiers through the counter receipt
        submit(world, actor=world.one_stop)


def test_idempotency_key_same_body_same_dossier(world):
    stored = upload_pdf(world.citizen)
    kwargs = {
        "actor": world.citizen,
        "procedure_code": world.simple.code,
        "agency": world.dept,
        "form_data": FORM,
        "documents": [
            services.DocumentInput(required_document_id=_required(world.simple).pk, file_id=stored.public_id)
        ],
        "idempotency_key": "nop-ho-so-1",
    }
    first = services.submit_dossier(**kwargs)
    again = services.submit_dossier(**kwargs)
    assert not first.replayed and again.replayed
    assert again.dossier.pk == first.dossier.pk
    assert Dossier.objects.count() == 1
    with pytest.raises(Conflict) as error:
        services.submit_dossier(**{**kwargs, "form_data": {**FORM, "so_ban": 3}})
    assert error.value.code == "dossiers.idempotency_key_reused"
    # Another citizen may use the same key for their own submission.
    other = submit(world, actor=world.other_citizen, key="nop-ho-so-1")
    assert other.pk != first.dossier.pk


def test_invalid_idempotency_key(world):
    with pytest.raises(ValidationFailed) as error:
        submit(world, key="có dấu cách")
    assert error.value.code == "dossiers.invalid_idempotency_key"


def _pay(dossier, amount=None):
    """Record a succeeded payment and publish its event as the payments module does."""
    with transaction.atomic():
        payment = Payment.objects.create(
            payable_type="dossier",
            payable_id=dossier.code,
            amount=amount if amount is not None else int(dossier.fee_amount),
            description="test",
            provider="sandbox",
            creator_key="test",
            status=PaymentStatus.SUCCEEDED,
        )
        events.publish(
            PaymentSucceeded(
                payment_id=str(payment.public_id),
                payable_type="dossier",
                payable_id=dossier.code,
                amount=payment.amount,
                receipt_number="BL-TEST-1",
            )
        )


def test_fee_step_waits_for_the_payment_event(world):
    dossier = received(world, world.paid, now=vn(2026, 11, 25, 9))
    assert dossier.fee_amount == 100000
    services.complete_step(actor=world.specialist, dossier=dossier, now=vn(2026, 11, 26, 9))
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.AWAITING_PAYMENT and dossier.national_status == 6
    assert dossier.current_step.kind == "fee"
    with pytest.raises(Conflict) as error:
        services.complete_step(actor=world.one_stop, dossier=dossier)
    assert error.value.code == "dossiers.invalid_transition"
    # A payment for less than the fee does not release it.
    _pay(dossier, amount=1000)
    deliver_events()
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.AWAITING_PAYMENT
    _pay(dossier, amount=99000)
    deliver_events()
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.PROCESSING
    assert dossier.current_step.kind == "approve"
    assert dossier.steps.get(kind="fee").outcome == StepOutcome.PAID
    assert list(dossier.transitions.order_by("id").values_list("action", flat=True))[-2:] == [
        "await_payment",
        "payment_received",
    ]


def test_fee_paid_in_advance_passes_the_step_at_once(world):
    dossier = received(world, world.paid, now=vn(2026, 11, 25, 9))
    _pay(dossier)
    deliver_events()  # nothing waits yet: the subscriber changes nothing
    services.complete_step(actor=world.specialist, dossier=dossier, now=vn(2026, 11, 26, 9))
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.PROCESSING and dossier.current_step.kind == "approve"


def test_start_fee_payment_creates_the_payment_for_the_applicant(world):
    dossier = received(world, world.paid, now=vn(2026, 11, 25, 9))
    from tinhso.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.start_fee_payment(actor=world.other_citizen, dossier=dossier)
    payment = services.start_fee_payment(actor=world.citizen, dossier=dossier)
    assert (payment.payable_type, payment.payable_id, payment.amount) == ("dossier", dossier.code, 100000)
    again = services.start_fee_payment(actor=world.citizen, dossier=dossier)
    assert again.pk == payment.pk
    free = received(world, now=vn(2026, 11, 25, 9))
    with pytest.raises(Conflict) as error:
        services.start_fee_payment(actor=world.citizen, dossier=free)
    assert error.value.code == "dossiers.nothing_to_pay"


def test_add_documents_before_reception_only(world):
    dossier = submit(world)
    rows = services.add_documents(
        actor=world.citizen,
        dossier=dossier,
        documents=[services.DocumentInput(upload=io.BytesIO(pdf_bytes()), name="Giấy khác.pdf")],
    )
    assert rows[0].file.agency == world.dept
    assert StoredFile.objects.filter(pk=rows[0].file_id, purpose="dossier_attachment").exists()
    services.accept_dossier(actor=world.one_stop, dossier=dossier)
    with pytest.raises(Conflict):
        services.add_documents(
            actor=world.citizen,
            dossier=dossier,
            documents=[services.DocumentInput(upload=io.BytesIO(pdf_bytes()))],
        )


def test_unknown_dossier_code_is_not_found(world):
    from tinhso.dossiers.selectors import get_dossier_for

    with pytest.raises(NotFound):
        get_dossier_for(world.one_stop, "000.00.09.H23-261125-9999")
