"""A small province for the dossiers tests: agencies, officers, citizens and three procedures.

Procedures are written with the ORM (the catalog's own services are tested in their app); each
is what a real catalog entry looks like: required documents, form fields, a route whose shares
add up to at most the legal time.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tinhso.core.agencies.models import AgencyKind
from tinhso.core.events import services as event_services
from tinhso.core.events.models import EventStatus, OutboxEvent
from tinhso.core.files import services as files
from tinhso.core.files.tests.samples import pdf_bytes
from tinhso.core.workcalendar import arithmetic
from tinhso.dossiers import services
from tinhso.procedures.models import (
    Field,
    FormField,
    FormFieldType,
    OnlineLevel,
    Procedure,
    RequiredDocument,
    RouteStep,
    StepKind,
)

TZ = arithmetic.TZ


def vn(*args) -> dt.datetime:
    """A moment in Vietnamese time: vn(2027, 2, 3, 9) is 09:00 on 3/2/2027 in Asia/Ho_Chi_Minh."""
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def deliver_events() -> int:
    """Deliver every pending outbox event (and those their subscribers publish), as the worker would."""
    delivered = 0
    for _ in range(20):
        pending = list(OutboxEvent.objects.filter(status=EventStatus.PENDING).values_list("id", flat=True))
        if not pending:
            return delivered
        for event_id in pending:
            event_services.deliver_event(event_id)
            delivered += 1
    raise AssertionError("events keep being published")


@dataclass
class World:
    province: object
    dept: object
    dept_b: object
    district: object
    one_stop: object
    specialist: object
    leader: object
    one_stop_b: object
    specialist_b: object
    district_one_stop: object
    district_specialist: object
    district_clerk: object
    citizen: object
    other_citizen: object
    simple: Procedure  # 5 days, online full, at dept
    interagency: Procedure  # 7 days, received at district, processed at dept (liên thông)
    paid: Procedure  # 4 days, 100 000 đ fee step
    offline: Procedure  # not online


def _procedure(code, name, field, *, days, online, steps, agencies, fee=None, levels=None):
    procedure = Procedure.objects.create(
        code=code,
        name=name,
        field=field,
        processing_days=days,
        online_level=online,
        fee_rule=fee or {"kind": "free"},
        levels=levels or [],
    )
    procedure.performing_agencies.set(agencies)
    for order, (step_name, kind, role, share, agency) in enumerate(steps, start=1):
        RouteStep.objects.create(
            procedure=procedure,
            order=order,
            name=step_name,
            kind=kind,
            role=role,
            share_days=Decimal(share),
            agency=agency,
        )
    RequiredDocument.objects.create(
        procedure=procedure, order=1, name="Tờ khai theo mẫu", is_required=True, accepts=["pdf"]
    )
    RequiredDocument.objects.create(
        procedure=procedure, order=2, name="Giấy tờ khác (nếu có)", is_required=False
    )
    FormField.objects.create(
        procedure=procedure, order=1, key="ho_ten", label="Họ tên người yêu cầu", required=True
    )
    FormField.objects.create(
        procedure=procedure, order=2, key="so_ban", label="Số bản sao", datatype=FormFieldType.NUMBER
    )
    FormField.objects.create(
        procedure=procedure,
        order=3,
        key="loai",
        label="Loại yêu cầu",
        datatype=FormFieldType.CHOICE,
        choices=[{"value": "moi", "label": "Cấp mới"}, {"value": "lai", "label": "Cấp lại"}],
    )
    return procedure


@pytest.fixture
def world(db, make_agency, make_officer, make_citizen) -> World:
    province = make_agency(
        name="UBND tỉnh Hậu Giang", code="000.00.00.H23", kind=AgencyKind.PROVINCIAL_COMMITTEE
    )
    dept = make_agency(name="Sở Tư pháp", code="000.00.09.H23", kind=AgencyKind.DEPARTMENT, parent=province)
    dept_b = make_agency(
        name="Sở Xây dựng", code="000.00.11.H23", kind=AgencyKind.DEPARTMENT, parent=province
    )
    district = make_agency(
        name="UBND huyện Châu Thành",
        code="000.00.21.H23",
        kind=AgencyKind.DISTRICT_COMMITTEE,
        parent=province,
    )
    field = Field.objects.create(code="HT", name="Hộ tịch")
    ONE, SPEC, LEAD, CLERK = "one_stop_officer", "specialist", "leader", "clerk"
    simple = _procedure(
        "1.000001",
        "Cấp bản sao trích lục hộ tịch",
        field,
        days=5,
        online=OnlineLevel.FULL,
        agencies=[dept],
        steps=[
            ("Tiếp nhận hồ sơ", StepKind.RECEIVE, ONE, "0.5", None),
            ("Thẩm định hồ sơ", StepKind.PROCESS, SPEC, "3", None),
            ("Phê duyệt", StepKind.APPROVE, LEAD, "1", None),
            ("Trả kết quả", StepKind.RETURN, ONE, "0.5", None),
        ],
    )
    interagency = _procedure(
        "1.000002",
        "Thủ tục liên thông huyện – sở",
        field,
        days=7,
        online=OnlineLevel.PARTIAL,
        agencies=[district],
        steps=[
            ("Tiếp nhận hồ sơ", StepKind.RECEIVE, ONE, "0.5", None),
            ("Thẩm định cấp huyện", StepKind.PROCESS, SPEC, "2", None),
            ("Chuyển hồ sơ lên Sở", StepKind.TRANSFER, CLERK, "0.5", None),
            ("Thẩm định tại Sở", StepKind.PROCESS, SPEC, "2", dept),
            ("Lãnh đạo Sở phê duyệt", StepKind.APPROVE, LEAD, "1", dept),
            ("Trả kết quả", StepKind.RETURN, ONE, "0.5", None),
        ],
    )
    paid = _procedure(
        "1.000003",
        "Thủ tục có lệ phí",
        field,
        days=4,
        online=OnlineLevel.FULL,
        agencies=[dept],
        fee={"kind": "fixed", "amount": 100000},
        steps=[
            ("Tiếp nhận hồ sơ", StepKind.RECEIVE, ONE, "0.5", None),
            ("Thẩm định hồ sơ", StepKind.PROCESS, SPEC, "2", None),
            ("Thu lệ phí", StepKind.FEE, ONE, "0", None),
            ("Phê duyệt", StepKind.APPROVE, LEAD, "1", None),
            ("Trả kết quả", StepKind.RETURN, ONE, "0.5", None),
        ],
    )
    offline = _procedure(
        "1.000004",
        "Thủ tục chỉ nộp trực tiếp",
        field,
        days=3,
        online=OnlineLevel.NONE,
        agencies=[dept],
        steps=[
            ("Tiếp nhận hồ sơ", StepKind.RECEIVE, ONE, "0.5", None),
            ("Xử lý", StepKind.PROCESS, SPEC, "2", None),
            ("Trả kết quả", StepKind.RETURN, ONE, "0.5", None),
        ],
    )
    return World(
        province=province,
        dept=dept,
        dept_b=dept_b,
        district=district,
        one_stop=make_officer(username="motcua.stp", roles=[(dept, ONE)], email="motcua@stp.gov.vn"),
        specialist=make_officer(username="chuyenvien.stp", roles=[(dept, SPEC)], email="cv@stp.gov.vn"),
        leader=make_officer(username="lanhdao.stp", roles=[(dept, LEAD)], email="ld@stp.gov.vn"),
        one_stop_b=make_officer(username="motcua.sxd", roles=[(dept_b, ONE)]),
        specialist_b=make_officer(username="chuyenvien.sxd", roles=[(dept_b, SPEC)]),
        district_one_stop=make_officer(username="motcua.huyen", roles=[(district, ONE)]),
        district_specialist=make_officer(username="chuyenvien.huyen", roles=[(district, SPEC)]),
        district_clerk=make_officer(username="vanthu.huyen", roles=[(district, CLERK)]),
        citizen=make_citizen(full_name="Trần Thị Dân", phone="0912345678", email="dan@example.vn"),
        other_citizen=make_citizen(full_name="Lê Văn Khác", phone="0987654321"),
        simple=simple,
        interagency=interagency,
        paid=paid,
        offline=offline,
    )


def upload_pdf(actor, agency=None, name="to-khai.pdf"):
    return files.store_upload(
        actor=actor, purpose="dossier_attachment", file=io.BytesIO(pdf_bytes()), name=name, agency=agency
    )


FORM = {"ho_ten": "Trần Thị Dân", "so_ban": 2, "loai": "moi"}


def submit(world: World, procedure=None, *, actor=None, agency=None, now=None, key=None, **extra):
    """A complete online submission by ``world.citizen`` (the required document uploaded)."""
    actor = actor or world.citizen
    procedure = procedure or world.simple
    agency = agency or procedure.performing_agencies.first()
    stored = upload_pdf(actor, agency)
    required = procedure.documents.get(order=1)
    return services.submit_dossier(
        actor=actor,
        procedure_code=procedure.code,
        agency=agency,
        form_data=extra.pop("form_data", FORM),
        documents=extra.pop(
            "documents", [services.DocumentInput(required_document_id=required.pk, file_id=stored.public_id)]
        ),
        idempotency_key=key,
        now=now,
        **extra,
    ).dossier


def received(world: World, procedure=None, *, now=None, officer=None, **extra):
    """A dossier submitted online and accepted by the receiving agency's one-stop officer."""
    procedure = procedure or world.simple
    dossier = submit(world, procedure, now=now, **extra)
    officer = officer or (world.district_one_stop if procedure == world.interagency else world.one_stop)
    return services.accept_dossier(actor=officer, dossier=dossier, now=now)
