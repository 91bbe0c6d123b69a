from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tinhso.core import context
from tinhso.core.accounts import services as accounts
from tinhso.core.audit import services as audit
from tinhso.core.audit.chain import GENESIS, compute_hash
from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import PermissionDenied
from tinhso.core.permissions import ANONYMOUS, SYSTEM, require

pytestmark = pytest.mark.django_db


def test_a_real_service_writes_a_record_with_the_request_context():
    ctx = context.RequestContext(request_id="req-0123456789", ip="203.113.131.5", channel="api")
    with context.bound(ctx):
        user = accounts.create_officer(
            actor=SYSTEM, username="moi.canbo", full_name="Lê Văn Mới", email="moi@example.gov.vn"
        )
    entry = AuditRecord.objects.get(action="accounts.officer_created")
    assert entry.actor_kind == "system" and entry.actor_id == "system" and entry.actor_label == "system"
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(user.public_id)
    assert entry.object_repr == "Lê Văn Mới"
    assert entry.changes == {"username": "moi.canbo"}
    assert (entry.request_id, entry.ip, entry.channel) == ("req-0123456789", "203.113.131.5", "api")
    assert entry.outcome == "ok"
    assert entry.at.tzinfo is not None


def test_a_user_actor_is_recorded_by_public_id_and_username(platform_admin):
    accounts.create_officer(actor=platform_admin, username="them.canbo", full_name="Thêm", email="")
    entry = AuditRecord.objects.filter(action="accounts.officer_created").order_by("-seq").first()
    assert entry.actor_kind == "officer"
    assert entry.actor_id == str(platform_admin.public_id)
    assert entry.actor_label == "admin.platform"
    assert entry.channel == "system" and entry.request_id == "" and entry.ip == ""


@pytest.mark.parametrize("actor", [None, ANONYMOUS])
def test_no_actor_is_recorded_as_anonymous(actor):
    audit.record(actor=actor, action="accounts.login_failed", changes={"channel": "web"})
    entry = AuditRecord.objects.get()
    assert (entry.actor_kind, entry.actor_id, entry.object_type) == ("anonymous", "", "")


def test_records_are_chained_from_genesis(chain):
    assert [r.seq for r in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == GENESIS
    for previous, current in zip(chain, chain[1:], strict=False):
        assert current.prev_hash == previous.hash
    fields = AuditRecord.objects.filter(seq=3).values().get()
    assert compute_hash(chain[1].hash, fields) == chain[2].hash


def test_verify_reports_an_intact_chain_and_its_head(chain):
    result = audit.verify_chain(chunk_size=2)
    assert result.ok and result.checked == 5 and result.first_broken_seq is None
    assert result.head == audit.Head(seq=5, hash=chain[-1].hash) == audit.current_head()


def test_an_empty_log_verifies():
    result = audit.verify_chain()
    assert result.ok and result.checked == 0 and result.head is None
    assert audit.current_head() is None


def test_a_record_is_rolled_back_with_the_change_it_describes():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=SYSTEM, action="test.step")
        raise RuntimeError("the service failed after recording")
    assert not AuditRecord.objects.exists()
    audit.record(actor=SYSTEM, action="test.step")
    assert AuditRecord.objects.get().seq == 1  # no gap left by the rolled-back record


def test_values_that_do_not_round_trip_through_json_are_normalised():
    audit.record(
        actor=SYSTEM,
        action="test.types",
        changes={
            "big": 1e20,
            "whole": 2.0,
            "ratio": 0.1,
            "day": date(2026, 7, 1),
            "when": datetime(2026, 7, 1, 3, 0, tzinfo=UTC),
            "amount": Decimal("1.50"),
            "codes": {"b", "a"},
            "nul": "a\x00b",
            7: "int key",
        },
    )
    entry = AuditRecord.objects.get()
    assert entry.changes == {
        "big": 10**20,
        "whole": 2,
        "ratio": 0.1,
        "day": "2026-07-01",
        "when": "2026-07-01T03:00:00.000000Z",
        "amount": "1.50",
        "codes": ["a", "b"],
        "nul": "ab",
        "7": "int key",
    }
    assert audit.verify_chain().ok


def test_personal_identifiers_are_masked():
    audit.record(
        actor=SYSTEM,
        action="test.personal",
        changes={
            "citizen_id": "093201000123",
            "phone": "0901234567",
            "contact": {"home_address": "12 Trần Hưng Đạo, Phường 1", "mobile": 901234567},
            "note": "gọi 0901.234.567 hoặc CCCD 093 201 000 456",
            "already_masked": {"citizen_id": "***123"},
            "amount": 1500000000,
            "amount_text": "1.500.000.000",
            "agency": "000.00.01.H23",
            "email_address": "dan@example.vn",
        },
        summary="Công dân 093201000789 gọi từ +84901234567",
    )
    entry = AuditRecord.objects.get()
    assert entry.changes == {
        "citizen_id": "*********123",
        "phone": "*******567",
        "contact": {"home_address": "***********************g 1", "mobile": "******567"},
        "note": "gọi ****.***.567 hoặc CCCD *** *** *** 456",
        "already_masked": {"citizen_id": "***123"},
        "amount": 1500000000,
        "amount_text": "1.500.000.000",
        "agency": "000.00.01.H23",
        "email_address": "dan@example.vn",
    }
    assert entry.summary == "Công dân *********789 gọi từ +********567"
    assert audit.verify_chain().ok


def test_a_citizen_registration_leaves_no_clear_citizen_id():
    accounts.register_citizen(
        actor=ANONYMOUS, citizen_id="093201000321", full_name="Đỗ Thị Hồng", password="Hong-mat-khau-2026"
    )
    entry = AuditRecord.objects.get(action="accounts.citizen_registered")
    assert "093201000321" not in str(AuditRecord.objects.values().get())
    assert entry.changes["citizen_id"].endswith("321")
    assert entry.actor_kind == "anonymous"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"action": ""}, ValueError),
        ({"action": "   "}, ValueError),
        ({"action": None}, ValueError),
        ({"action": "x" * 101}, ValueError),
        ({"action": "test.bad", "changes": ["not", "a", "dict"]}, TypeError),
        ({"action": "test.bad", "changes": {"nan": float("nan")}}, ValueError),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(kwargs, error):
    with pytest.raises(error):
        audit.record(actor=SYSTEM, **kwargs)
    assert not AuditRecord.objects.exists()


def test_a_denial_inside_a_service_survives_its_rollback(make_officer, agency):
    specialist = make_officer(username="chuyen.vien", roles=[(agency, "specialist")])
    before = AuditRecord.objects.count()
    with pytest.raises(PermissionDenied):
        accounts.create_officer(actor=specialist, username="khong.duoc", full_name="X", email="")
    # The service's transaction rolled back, denial record included...
    assert AuditRecord.objects.count() == before
    # ...and once the transaction is over, the remembered denial is written again, once.
    assert audit.flush_denials() == 1
    assert audit.flush_denials() == 0
    denial = AuditRecord.objects.get(outcome="denied")
    assert denial.action == "accounts.manage_officers"
    assert denial.actor_label == "chuyen.vien" and denial.actor_kind == "officer"
    assert not AuditRecord.objects.filter(action="accounts.officer_created", changes__username="khong.duoc")
    assert audit.verify_chain().ok


def test_a_denial_outside_a_transaction_is_written_at_once_and_not_twice(make_officer, agency):
    specialist = make_officer(roles=[(agency, "specialist")])
    with pytest.raises(PermissionDenied):
        require(specialist, "audit.view")
    assert AuditRecord.objects.filter(outcome="denied", action="audit.view").count() == 1
    assert audit.flush_denials() == 0
    assert AuditRecord.objects.filter(outcome="denied").count() == 1


def test_a_denial_whose_transaction_committed_is_not_written_twice(make_officer, agency):
    from django.db import transaction

    specialist = make_officer(roles=[(agency, "specialist")])
    with transaction.atomic():
        with pytest.raises(PermissionDenied):
            require(specialist, "audit.verify")
        audit.record(actor=SYSTEM, action="test.after_denial")
    assert audit.flush_denials() == 0
    assert AuditRecord.objects.filter(outcome="denied").count() == 1


def test_flush_inside_a_transaction_waits(make_officer, agency):
    from django.db import transaction

    specialist = make_officer(roles=[(agency, "specialist")])
    with pytest.raises(PermissionDenied), transaction.atomic():
        require(specialist, "audit.verify")
    with transaction.atomic():
        assert audit.flush_denials() == 0
    assert audit.flush_denials() == 1


@pytest.mark.parametrize("text", ["", "12:abc", "x:" + "a" * 64, "5" + "a" * 64, "5:" + "g" * 64])
def test_a_malformed_head_is_refused(text):
    with pytest.raises(ValueError):
        audit.Head.parse(text)


def test_a_head_parses_as_printed():
    head = audit.Head(seq=42, hash="ab" * 32)
    assert audit.Head.parse(str(head)) == head
    assert audit.Head.parse(f" 42:{'AB' * 32} ") == head
