"""Bulk writes of generated rows: ids reserved under a lock, then one multi-row write per table.

Why not ``bulk_create``: measured on the development machine, building ``Dossier`` instances and
saving them with ``bulk_create`` cost about 290 µs a dossier (SQLite splits every insert into
batches of 999 parameters, ~25 dossiers), six times the whole budget of a generated dossier with
its steps and control-sheet lines. Rows are therefore plain tuples in the models' column order,
written with ``executemany`` on SQLite and ``COPY ... FROM STDIN`` on PostgreSQL, inside the
caller's transaction. The column list comes from the models (``_meta``): a field added later
with a default is filled with that default; a field the generator does not know and that has no
default, or a unique field with a computed default, makes the writer refuse to start.

Ids are reserved per batch so that steps, lines and supplements can point at each other without
a round trip: the tables are locked (PostgreSQL: ``LOCK TABLE``; SQLite has one writer at a
time once the batch has written), the next id is read, and the sequences are moved past the
last id used.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any

from django.db import connection, models

from tinhso.core.workcalendar import arithmetic
from tinhso.dossiers import models as m
from tinhso.dossiers.generator.history import Rows


class GeneratorSchemaError(RuntimeError):
    """The models changed in a way the generator does not know how to fill."""


COLUMNS: dict[str, tuple[type[models.Model], list[str], str]] = {
    "dossier": (
        m.Dossier,
        [
            "id",
            "code",
            "public_id",
            "procedure_id",
            "procedure_code",
            "procedure_name",
            "processing_days",
            "fee_amount",
            "fee_options",
            "online_level",
            "receiving_agency_id",
            "current_agency_id",
            "current_step_id",
            "applicant_id",
            "applicant_name",
            "applicant_id_digest",
            "applicant_id_last4",
            "applicant_phone_encrypted",
            "applicant_phone_last4",
            "applicant_email",
            "applicant_address_encrypted",
            "channel",
            "result_delivery",
            "form_data",
            "state",
            "submitted_at",
            "received_at",
            "appointment_at",
            "due_at",
            "decided_at",
            "result_returned_at",
            "withdrawn_at",
            "extension_count",
            "supplement_count",
            "supplement_days_total",
            "version",
            "submitted_by_id",
            "idempotency_key",
            "idempotency_fingerprint",
            "created_at",
            "updated_at",
        ],
        "dossiers",
    ),
    "step": (
        m.DossierStep,
        [
            "id",
            "dossier_id",
            "route_step_id",
            "order",
            "name",
            "kind",
            "agency_id",
            "role",
            "assignee_id",
            "share_days",
            "started_at",
            "due_at",
            "finished_at",
            "finished_by_id",
            "outcome",
            "note",
            "reopened_count",
        ],
        "steps",
    ),
    "transition": (
        m.DossierTransition,
        [
            "id",
            "dossier_id",
            "from_state",
            "to_state",
            "action",
            "actor_id",
            "actor_label",
            "at",
            "agency_id",
            "step_id",
            "note",
            "national_status",
            "form",
            "data",
        ],
        "transitions",
    ),
    "supplement": (
        m.SupplementRequest,
        [
            "id",
            "dossier_id",
            "requested_at",
            "requested_by_id",
            "agency_id",
            "reason",
            "items",
            "resume_state",
            "fulfilled_at",
            "fulfilled_by_id",
            "fulfilment_note",
            "waited_days",
        ],
        "supplements",
    ),
    "refusal": (
        m.Refusal,
        ["id", "dossier_id", "reasons", "issued_at", "issued_by_id", "agency_id"],
        "refusals",
    ),
    "stop": (
        m.StopNotice,
        ["id", "dossier_id", "reason", "issued_at", "issued_by_id", "agency_id"],
        "stops",
    ),
    "extension": (
        m.Extension,
        [
            "id",
            "dossier_id",
            "reason",
            "old_appointment_at",
            "new_appointment_at",
            "issued_at",
            "issued_by_id",
            "agency_id",
        ],
        "extensions",
    ),
    "rating": (
        m.Rating,
        ["id", "dossier_id", "score", "comment", "rated_by_id", "created_at"],
        "ratings",
    ),
    "document": (
        m.DossierDocument,
        [
            "id",
            "dossier_id",
            "file_id",
            "required_document_id",
            "name",
            "supplement_request_id",
            "uploaded_by_id",
            "created_at",
        ],
        "documents",
    ),
    "result": (
        m.ResultDocument,
        [
            "id",
            "dossier_id",
            "file_id",
            "name",
            "is_signed",
            "signature_info",
            "uploaded_by_id",
            "uploaded_at",
            "returned_via",
            "returned_at",
        ],
        "results",
    ),
}
# Parents first: foreign keys are checked at commit (SQLite) or per row (PostgreSQL).
ORDER = [
    "dossier",
    "step",
    "transition",
    "supplement",
    "refusal",
    "stop",
    "extension",
    "rating",
    "document",
    "result",
]


class _Spec:
    def __init__(self, model: type[models.Model], given: list[str], attribute: str, vendor: str) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.attribute = attribute
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in given if name not in by_attname]
        if unknown:
            raise GeneratorSchemaError(f"{self.table}: the generator writes unknown columns {unknown}")
        self.fields = [by_attname[name] for name in given]
        self.extra: tuple = ()
        extra_fields = []
        for name, model_field in by_attname.items():
            if name in given:
                continue
            if model_field.has_default() and not (callable(model_field.default) and model_field.unique):
                value = model_field.get_default()
            elif model_field.null:
                value = None
            else:
                raise GeneratorSchemaError(
                    f"{self.table}.{name} has no default the generator could use: update the generator"
                )
            extra_fields.append(model_field)
            self.extra += (_json(value) if isinstance(model_field, models.JSONField) else value,)
        self.fields += extra_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        if vendor == "postgresql":
            self.sql = f"COPY {connection.ops.quote_name(self.table)} ({columns}) FROM STDIN"
        else:
            placeholders = ", ".join("?" for _ in self.fields)
            self.sql = (
                f"INSERT INTO {connection.ops.quote_name(self.table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
            )
        # SQLite stores datetimes as UTC text, UUIDs as 32 hex digits, decimals as text.
        self.converters = []
        for index, model_field in enumerate(self.fields):
            if isinstance(model_field, models.DateTimeField):
                self.converters.append((index, "datetime"))
            elif isinstance(model_field, models.UUIDField):
                self.converters.append((index, "uuid"))
            elif isinstance(model_field, models.DecimalField):
                self.converters.append((index, "decimal"))
            elif isinstance(model_field, models.DateField):
                self.converters.append((index, "date"))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class BulkWriter:
    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise GeneratorSchemaError(f"the generator writes to SQLite or PostgreSQL, not {self.vendor}")
        self.specs = {
            name: _Spec(model, given, attribute, self.vendor)
            for name, (model, given, attribute) in COLUMNS.items()
        }
        # Django's SQLite backend makes aware datetimes naive in the connection's zone (UTC).
        self._zone = connection.timezone
        # Asia/Ho_Chi_Minh has kept UTC+7 since 1975: the conversion of the generator's own
        # moments is then a subtraction (others go through astimezone).
        self._local = arithmetic.TZ
        probe = dt.datetime(2000, 1, 1, tzinfo=self._local)
        self._shift = probe.utcoffset() - probe.astimezone(self._zone).utcoffset()

    # --- ids --------------------------------------------------------------------------

    def lock(self) -> None:
        """Keep other writers out of the generated tables until the batch commits."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # The code counters first and exclusively: a submission holding a counter row
                # finishes before the batch starts, so the two never wait on each other.
                cursor.execute(f"LOCK TABLE {quote(m.DossierSequence._meta.db_table)} IN EXCLUSIVE MODE")
                tables = ", ".join(quote(spec.table) for spec in self.specs.values())
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
            else:
                # Any write takes SQLite's single write lock for the rest of the transaction.
                cursor.execute(
                    f"UPDATE {quote(m.DossierSequence._meta.db_table)} SET last_value = last_value WHERE id < 0"  # noqa: S608
                )

    def next_ids(self) -> dict[str, int]:
        quote = connection.ops.quote_name
        first = {}
        with connection.cursor() as cursor:
            for name, spec in self.specs.items():
                cursor.execute(f"SELECT MAX(id) FROM {quote(spec.table)}")  # noqa: S608
                top = cursor.fetchone()[0] or 0
                if self.vendor == "postgresql":
                    cursor.execute(
                        "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)",
                        [quote(spec.table)],
                    )
                    top = max(top, cursor.fetchone()[0] or 0)
                else:
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [spec.table])
                    row = cursor.fetchone()
                    top = max(top, row[0] if row else 0)
                first[name] = top + 1
        return first

    def advance_sequences(self, used: dict[str, int]) -> None:
        """PostgreSQL: move each identity sequence past the last id used (SQLite's AUTOINCREMENT
        counter follows explicit ids by itself)."""
        if self.vendor != "postgresql":
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for name, next_id in used.items():
                if next_id <= 1:
                    continue
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "GREATEST(%s, pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)))",
                    [quote(self.specs[name].table), next_id - 1, quote(self.specs[name].table)],
                )

    # --- rows -------------------------------------------------------------------------

    def write(self, rows: Rows) -> None:
        for name in ORDER:
            spec = self.specs[name]
            data = getattr(rows, spec.attribute)
            if data:
                self._write(spec, data)

    def _write(self, spec: _Spec, data: list[tuple]) -> None:
        extra = spec.extra
        if self.vendor == "postgresql":
            with connection.cursor() as wrapper:
                cursor = wrapper.cursor
                with cursor.copy(spec.sql) as copy:
                    write_row = copy.write_row
                    for row in data:
                        write_row(row + extra if extra else row)
            return
        stamp = self._stamp
        converters = spec.converters
        converted = []
        for row in data:
            values = list(row + extra if extra else row)
            for index, kind in converters:
                value = values[index]
                if value is None:
                    continue
                if kind == "datetime":
                    values[index] = stamp(value)
                elif kind == "uuid":
                    values[index] = value.hex if isinstance(value, uuid.UUID) else value
                elif kind == "decimal":
                    values[index] = str(value) if isinstance(value, decimal.Decimal) else value
                else:
                    values[index] = value.isoformat()
            converted.append(values)
        connection.ensure_connection()
        connection.connection.executemany(spec.sql, converted)

    def _stamp(self, value: dt.datetime) -> str:
        """As Django's SQLite backend stores an aware datetime: naive in the connection's zone, ``str()``."""
        if value.tzinfo is self._local and value.year >= 1976:
            return str(value.replace(tzinfo=None) - self._shift)
        return str(value.astimezone(self._zone).replace(tzinfo=None))
