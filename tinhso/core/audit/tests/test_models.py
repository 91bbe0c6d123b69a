"""The ORM refuses to change or delete audit records, and to insert them outside services.record."""

import pytest

from tinhso.core.audit import services as audit
from tinhso.core.audit.models import AppendOnly, AuditRecord
from tinhso.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(db):
    audit.record(actor=SYSTEM, action="test.step", summary="gốc")
    return AuditRecord.objects.get()


def _unchanged(entry):
    fresh = AuditRecord.objects.values().get()
    assert fresh["summary"] == "gốc" and fresh["hash"] == entry.hash
    assert AuditRecord.objects.count() == 1
    assert audit.verify_chain().ok


@pytest.mark.parametrize(
    "attempt",
    [
        lambda e: (setattr(e, "summary", "sửa"), e.save()),
        lambda e: e.save(update_fields=["summary"]),
        lambda e: e.delete(),
        lambda e: AuditRecord.objects.filter(seq=e.seq).update(summary="sửa"),
        lambda e: AuditRecord.objects.all().delete(),
        lambda e: AuditRecord.objects.filter(seq=e.seq).delete(),
        lambda e: AuditRecord.objects.bulk_update([e], ["summary"]),
        lambda e: AuditRecord.objects.update_or_create(seq=e.seq, defaults={"summary": "sửa"}),
    ],
    ids=["save", "save_fields", "delete", "qs_update", "qs_delete_all", "qs_delete", "bulk_update", "upsert"],
)
def test_changes_and_deletions_are_refused(entry, attempt):
    with pytest.raises(AppendOnly) as info:
        attempt(entry)
    assert info.value.code == "audit.append_only"
    _unchanged(entry)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda e: AuditRecord.objects.create(
            seq=2, at=e.at, actor_kind="system", action="x", prev_hash=e.hash, hash="1" * 64
        ),
        lambda e: AuditRecord.objects.bulk_create([AuditRecord(seq=2, at=e.at, action="x", hash="1" * 64)]),
        lambda e: AuditRecord(seq=2, at=e.at, action="x", prev_hash=e.hash, hash="1" * 64).save(),
    ],
    ids=["create", "bulk_create", "save_new"],
)
def test_inserts_outside_the_service_are_refused(entry, attempt):
    with pytest.raises(AppendOnly):
        attempt(entry)
    _unchanged(entry)
