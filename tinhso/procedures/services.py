"""Every write to the procedure catalog: fields, procedures (with their documents, form and route).

Imports (``tinhso.procedures.imports``) and the demo write through these same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict, NotFound, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import require
from tinhso.procedures.events import FieldSaved, ProcedureCreated, ProcedureDeactivated, ProcedureUpdated
from tinhso.procedures.models import Field, FormField, Procedure, RequiredDocument, RouteStep
from tinhso.procedures.search import build_search_text, code_variants
from tinhso.procedures.validation import (
    FIELD_CODE_PATTERN,
    Lookups,
    Problem,
    ProcedureSpec,
    clean_code,
    clean_procedure,
    procedure_as_data,
)

SCALARS = (
    "name",
    "levels",
    "processing_days",
    "processing_note",
    "fee_rule",
    "fee_description",
    "result_type",
    "online_level",
    "legal_basis",
    "is_active",
    "active_from",
    "active_to",
)
CHILDREN = ("documents", "form_fields", "route_steps")


def _raise(problems: list[Problem]) -> None:
    first = problems[0]
    raise ValidationFailed(
        first.message_vi,
        first.message_en,
        code=first.code,
        details={"errors": [problem.as_dict() for problem in problems]},
    )


def search_text_for(*, code: str, name: str, field_name: str) -> str:
    return build_search_text(name, code_variants(code), field_name)


# --- Fields ---------------------------------------------------------------------------------------


def _clean_field(code: Any, name: Any) -> tuple[str, str]:
    code = code.strip().upper() if isinstance(code, str) else ""
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not FIELD_CODE_PATTERN.match(code):
        raise ValidationFailed(
            "Mã lĩnh vực gồm chữ in hoa không dấu, số, dấu chấm, gạch (tối đa 40 ký tự).",
            "A field code is upper-case ASCII letters, digits, dots or hyphens (at most 40).",
            code="procedures.invalid_field",
        )
    if not name or len(name) > 255:
        raise ValidationFailed(
            "Tên lĩnh vực là bắt buộc, tối đa 255 ký tự.",
            "The field name is required, at most 255 characters.",
            code="procedures.invalid_field_name",
        )
    return code, name


@transaction.atomic
def save_field(*, actor: Any, code: str, name: str) -> tuple[Field, bool]:
    """Create the field (lĩnh vực) ``code`` or rename it; returns (field, created).

    Renaming refreshes the search text of its procedures (the field name is searchable)."""
    require(actor, "procedures.manage")
    code, name = _clean_field(code, name)
    existing = Field.objects.select_for_update().filter(code=code).first()
    if existing is not None:
        if existing.name == name:
            return existing, False
        before = existing.name
        existing.name = name
        existing.save(update_fields=["name", "updated_at"])
        for procedure in Procedure.objects.select_for_update().filter(field=existing).order_by("pk"):
            procedure.search_text = search_text_for(code=procedure.code, name=procedure.name, field_name=name)
            procedure.save(update_fields=["search_text"])
        audit.record(
            actor=actor, action="procedures.field_renamed", obj=existing, changes={"name": [before, name]}
        )
        events.publish(FieldSaved(code=code, field_name=name, created=False))
        return existing, False
    field = Field(code=code, name=name)
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError:
        raise Conflict(
            "Mã lĩnh vực đã có.", "This field code exists.", code="procedures.field_code_taken"
        ) from None
    audit.record(
        actor=actor, action="procedures.field_created", obj=field, changes={"code": code, "name": name}
    )
    events.publish(FieldSaved(code=code, field_name=name, created=True))
    return field, True


# --- Procedures -----------------------------------------------------------------------------------


def _write_children(procedure: Procedure, spec: ProcedureSpec, *, replace: bool) -> None:
    if replace:
        procedure.documents.all().delete()
        procedure.form_fields.all().delete()
        procedure.route_steps.all().delete()
    RequiredDocument.objects.bulk_create(
        RequiredDocument(
            procedure=procedure,
            order=d.order,
            name=d.name,
            is_required=d.is_required,
            copies=d.copies,
            accepts=d.accepts,
            template=d.template,
        )
        for d in spec.documents
    )
    FormField.objects.bulk_create(
        FormField(
            procedure=procedure,
            order=f.order,
            key=f.key,
            label=f.label,
            datatype=f.datatype,
            required=f.required,
            choices=f.choices,
            help_text=f.help_text,
        )
        for f in spec.form_fields
    )
    RouteStep.objects.bulk_create(
        RouteStep(
            procedure=procedure,
            order=s.order,
            name=s.name,
            kind=s.kind,
            role=s.role,
            share_days=s.share_days,
            agency_level=s.agency_level,
            agency=s.agency,
        )
        for s in spec.route_steps
    )


def _field_for(actor: Any, spec: ProcedureSpec) -> Field:
    if spec.field is not None:
        if spec.field_name and spec.field_name != spec.field.name:
            field, _ = save_field(actor=actor, code=spec.field_code, name=spec.field_name)
            spec.field.name = field.name  # the instance may be shared through a Lookups cache
            return field
        return spec.field
    field, _ = save_field(actor=actor, code=spec.field_code, name=spec.field_name)
    return field


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _create(actor: Any, spec: ProcedureSpec) -> Procedure:
    if Procedure.objects.filter(code=spec.code).exists():
        raise Conflict("Mã thủ tục đã có.", "This procedure code exists.", code="procedures.code_taken")
    field = _field_for(actor, spec)
    procedure = Procedure(
        code=spec.code,
        field=field,
        search_text=search_text_for(code=spec.code, name=spec.name, field_name=field.name),
        **{key: getattr(spec, key) for key in SCALARS},
    )
    try:
        with transaction.atomic():
            procedure.save()
    except IntegrityError:
        raise Conflict(
            "Mã thủ tục đã có.", "This procedure code exists.", code="procedures.code_taken"
        ) from None
    procedure.performing_agencies.set(spec.agencies)
    _write_children(procedure, spec, replace=False)
    audit.record(
        actor=actor,
        action="procedures.procedure_created",
        obj=procedure,
        changes={
            "code": spec.code,
            "name": spec.name,
            "field": field.code,
            "processing_days": spec.processing_days,
            "online_level": spec.online_level,
            "fee_rule": spec.fee_rule,
            "agencies": sorted(agency.code for agency in spec.agencies),
            "documents": len(spec.documents),
            "form_fields": len(spec.form_fields),
            "route_steps": len(spec.route_steps),
        },
    )
    events.publish(
        ProcedureCreated(
            code=spec.code, procedure_name=spec.name, field_code=field.code, online_level=spec.online_level
        )
    )
    return procedure


def _update(actor: Any, locked: Procedure, before: dict[str, Any], spec: ProcedureSpec) -> list[str]:
    after = spec.as_data()
    changed = [key for key in after if key != "code" and after[key] != before[key]]
    field = _field_for(actor, spec)  # a field rename is audited and evented by save_field itself
    if not changed:
        return []
    scalar_changes = [key for key in SCALARS if key in changed]
    for key in scalar_changes:
        setattr(locked, key, getattr(spec, key))
    update_fields = [*scalar_changes]
    if "field_code" in changed:
        locked.field = field
        update_fields.append("field")
    search_text = search_text_for(code=locked.code, name=spec.name, field_name=field.name)
    if search_text != locked.search_text:
        locked.search_text = search_text
        update_fields.append("search_text")
    locked.save(update_fields=[*update_fields, "updated_at"])
    if "agencies" in changed:
        locked.performing_agencies.set(spec.agencies)
    if any(key in changed for key in CHILDREN):
        _write_children(locked, spec, replace=True)
    audit_changes: dict[str, Any] = {}
    for key in changed:
        if key in CHILDREN:
            audit_changes[key] = {"before": len(before[key]), "after": len(after[key])}
        else:
            audit_changes[key] = [_audit_value(before[key]), _audit_value(after[key])]
    audit.record(actor=actor, action="procedures.procedure_updated", obj=locked, changes=audit_changes)
    events.publish(ProcedureUpdated(code=locked.code, changed_fields=tuple(changed)))
    return changed


def _locked(procedure: Procedure) -> Procedure:
    return Procedure.objects.select_for_update(of=("self",)).select_related("field").get(pk=procedure.pk)


@transaction.atomic
def create_procedure(*, actor: Any, data: Mapping[str, Any]) -> Procedure:
    """Add a procedure with its documents, form fields and route; ``data`` as in docs/procedures.md."""
    require(actor, "procedures.manage")
    spec, problems = clean_procedure(data)
    if problems:
        _raise(problems)
    return _create(actor, spec)


@transaction.atomic
def update_procedure(*, actor: Any, procedure: Procedure, data: Mapping[str, Any]) -> Procedure:
    """Change the keys present in ``data``; a list given for documents, form fields or route steps
    replaces the whole list. The code never changes (a new code is a new procedure)."""
    require(actor, "procedures.manage", procedure)
    if not isinstance(data, Mapping):
        raise ValidationFailed(code="procedures.invalid")
    if "code" in data and clean_code(data["code"]) != procedure.code:
        raise ValidationFailed(
            "Không đổi được mã thủ tục; hãy tạo thủ tục mới và ngừng áp dụng thủ tục cũ.",
            "A procedure's code cannot change; create a new procedure and withdraw the old one.",
            code="procedures.code_immutable",
        )
    locked = _locked(procedure)
    before = procedure_as_data(locked)
    merged = {**before, **{key: value for key, value in data.items() if key != "code"}}
    spec, problems = clean_procedure(merged)
    if problems:
        _raise(problems)
    _update(actor, locked, before, spec)
    return locked


def upsert_procedure(*, actor: Any, spec: ProcedureSpec) -> tuple[Procedure, str]:
    """Create or bring up to date the procedure ``spec.code`` from an already cleaned spec (imports
    and the demo); returns the procedure and "created", "updated" or "unchanged"."""
    require(actor, "procedures.manage")
    with transaction.atomic():
        existing = (
            Procedure.objects.select_for_update(of=("self",))
            .select_related("field")
            .filter(code=spec.code)
            .first()
        )
        if existing is None:
            return _create(actor, spec), "created"
        renames_field = bool(spec.field and spec.field_name and spec.field_name != spec.field.name)
        before = procedure_as_data(existing)
        changed = _update(actor, existing, before, spec)
        return existing, ("updated" if changed or renames_field else "unchanged")


def import_procedure_data(
    *, actor: Any, data: Mapping[str, Any], lookups: Lookups | None = None
) -> tuple[Procedure, str]:
    """Validate ``data`` (creating its field if named and new) and upsert it by code."""
    require(actor, "procedures.manage")
    spec, problems = clean_procedure(data, lookups=lookups, allow_new_field=True)
    if problems:
        _raise(problems)
    return upsert_procedure(actor=actor, spec=spec)


@transaction.atomic
def deactivate_procedure(*, actor: Any, procedure: Procedure, last_day: date | None = None) -> Procedure:
    """Withdraw a procedure: no new dossier from the day after ``last_day`` (default today).

    Dossiers already submitted keep their procedure. Doing it again changes nothing."""
    require(actor, "procedures.manage", procedure)
    if last_day is not None and not isinstance(last_day, date):
        raise ValidationFailed("Ngày không hợp lệ.", "Not a valid date.", code="procedures.invalid_date")
    locked = _locked(procedure)
    last_day = last_day or timezone.localdate()
    if locked.active_to is not None and locked.active_to < last_day:
        last_day = locked.active_to  # an earlier end already set stays
    if locked.active_from is not None and last_day < locked.active_from:
        raise ValidationFailed(
            "Ngày cuối áp dụng phải sau ngày bắt đầu hiệu lực.",
            "The last day must be on or after the start of validity.",
            code="procedures.invalid_dates",
        )
    if not locked.is_active and locked.active_to == last_day:
        return locked
    before = {"is_active": locked.is_active, "active_to": _audit_value(locked.active_to)}
    locked.is_active = False
    locked.active_to = last_day
    locked.save(update_fields=["is_active", "active_to", "updated_at"])
    audit.record(
        actor=actor,
        action="procedures.procedure_deactivated",
        obj=locked,
        changes={
            "is_active": [before["is_active"], False],
            "active_to": [before["active_to"], last_day.isoformat()],
        },
    )
    events.publish(ProcedureDeactivated(code=locked.code, active_to=last_day.isoformat()))
    procedure.is_active, procedure.active_to = False, last_day
    return locked


def get_for_update(code: str) -> Procedure:
    """The procedure ``code`` (any state) or ``procedures.not_found``; for the write paths."""
    procedure = Procedure.objects.select_related("field").filter(code=(code or "").strip().upper()).first()
    if procedure is None:
        raise NotFound("Không tìm thấy thủ tục.", "The procedure was not found.", code="procedures.not_found")
    return procedure
