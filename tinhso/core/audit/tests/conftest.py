"""Helpers to tamper with the audit table the way a malicious DBA would: raw SQL, not the ORM."""

import json

import pytest
from django.db import connection

from tinhso.core.audit import services as audit
from tinhso.core.audit.chain import HASHED_FIELDS, compute_hash
from tinhso.core.audit.models import AuditRecord
from tinhso.core.permissions import SYSTEM

TABLE = connection.ops.quote_name(AuditRecord._meta.db_table)


def run_sql(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=TABLE), params)


def insert_raw(fields: dict) -> None:
    """Insert a row with every column given, bypassing the model."""
    columns = [*HASHED_FIELDS, "prev_hash", "hash"]
    values = []
    for name in columns:
        value = fields[name]
        if name == "at":
            value = connection.ops.adapt_datetimefield_value(value)
        elif name == "changes":
            value = json.dumps(value)
        values.append(value)
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    placeholders = ", ".join(f"%s{json_cast}" if name == "changes" else "%s" for name in columns)
    run_sql(f"INSERT INTO {{table}} ({', '.join(columns)}) VALUES ({placeholders})", values)


def row(seq: int) -> dict:
    return AuditRecord.objects.filter(seq=seq).values(*HASHED_FIELDS, "prev_hash", "hash").get()


def forged(seq: int, prev_hash: str, *, hash_value: str | None = None, **overrides) -> dict:
    """A plausible record, hashed with the published formula unless ``hash_value`` is given."""
    fields = row(1) | {"seq": seq, "prev_hash": prev_hash, "action": "accounts.role_assigned"} | overrides
    fields["hash"] = hash_value or compute_hash(prev_hash, fields)
    return fields


@pytest.fixture
def chain(db):
    """Five records written the normal way; returns them in seq order."""
    start = AuditRecord.objects.count()
    for n in range(5):
        audit.record(actor=SYSTEM, action="test.step", changes={"n": n}, summary=f"bước {n}")
    records = list(AuditRecord.objects.order_by("seq"))
    assert len(records) == start + 5
    return records
