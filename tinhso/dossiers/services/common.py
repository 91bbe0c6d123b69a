"""What every dossier service does the same way: lock, check the state table and the version,
write one control-sheet line, audit and publish."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import PermissionDenied
from tinhso.core.events import services as events
from tinhso.core.permissions import as_principal, require
from tinhso.dossiers import errors
from tinhso.dossiers.events import DossierStateChanged
from tinhso.dossiers.models import NATIONAL_STATUS, Dossier, DossierStep, DossierTransition
from tinhso.dossiers.permissions import STEP_PERMISSION, holds_step_role
from tinhso.dossiers.states import RESUME, target_state
from tinhso.procedures.models import StepKind


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def user_of(actor: Any):
    return as_principal(actor).user


def label_of(actor: Any) -> str:
    principal = as_principal(actor)
    return (principal.label or principal.kind)[:150]


def lock(dossier: Dossier, expected_version: int | None = None) -> Dossier:
    """The dossier re-read under a row lock (``select_for_update``); checks ``expected_version``.

    Two officers acting at once serialise here: the second one reads the state the first one
    left and is refused by the state table if the action no longer applies.
    """
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("receiving_agency", "current_agency", "procedure")
        .get(pk=dossier.pk)
    )
    if expected_version is not None and int(expected_version) != locked.version:
        raise errors.stale_version(int(expected_version), locked.version)
    return locked


def check(dossier: Dossier, action: str) -> str:
    """The target state of ``action`` from the dossier's state (``RESUME`` resolved by the caller)."""
    return target_state(dossier.state, action)


def current_step(dossier: Dossier) -> DossierStep | None:
    if dossier.current_step_id is None:
        return None
    return DossierStep.objects.select_related("agency").get(pk=dossier.current_step_id)


def require_step_owner(actor: Any, step: DossierStep) -> None:
    """The step's agency and role: the permission of its role, and the role itself for officers."""
    permission = (
        "dossiers.return_result"
        if step.kind == StepKind.RETURN
        else STEP_PERMISSION.get(step.role, "dossiers.process")
    )
    require(actor, permission, step)
    if not holds_step_role(actor, step):
        raise PermissionDenied(
            "Bước này do cán bộ có vai trò khác thực hiện.",
            "This step is performed by an officer with another role.",
            details={"action": permission, "role": step.role},
        )
    if (
        step.assignee_id is not None
        and as_principal(actor).kind == "officer"
        and as_principal(actor).user.pk != step.assignee_id
    ):
        raise PermissionDenied(
            "Bước này đã được phân công cho cán bộ khác.",
            "This step is assigned to another officer.",
            details={"action": permission},
        )


def transition(
    dossier: Dossier,
    *,
    actor: Any,
    action: str,
    to_state: str,
    at: dt.datetime,
    step: DossierStep | None = None,
    note: str = "",
    form: str = "",
    data: dict | None = None,
    fields: tuple[str, ...] = (),
) -> DossierTransition:
    """Move the dossier to ``to_state`` (already checked against the table), save ``fields`` and the
    state with a new version, write the control-sheet line, the audit record and the event."""
    if to_state == RESUME:
        raise ValueError("resolve RESUME before calling transition()")
    from_state = dossier.state
    dossier.state = to_state
    dossier.version += 1
    dossier.save(update_fields=sorted({"state", "version", "updated_at", *fields}))
    row = DossierTransition.objects.create(
        dossier=dossier,
        from_state=from_state,
        to_state=to_state,
        action=action,
        actor=user_of(actor),
        actor_label=label_of(actor),
        at=at,
        agency=step.agency if step is not None else dossier.current_agency,
        step=step,
        note=note,
        national_status=NATIONAL_STATUS[to_state],
        form=form,
        data=data or {},
    )
    audit.record(
        actor=actor,
        action=f"dossiers.{action}",
        obj=dossier,
        changes={"code": dossier.code, "from": from_state, "to": to_state, **(data or {})},
    )
    agency = row.agency or dossier.current_agency
    events.publish(
        DossierStateChanged(
            code=dossier.code,
            action=action,
            from_state=from_state,
            to_state=to_state,
            national_status=NATIONAL_STATUS[to_state],
            agency_code=agency.code if agency is not None else "",
            at=at,
        )
    )
    return row


LABELS = {
    "reason": ("Lý do", "The reason"),
    "note": ("Ghi chú", "The note"),
    "comment": ("Nhận xét", "The comment"),
    "applicant_name": ("Họ và tên người nộp", "The applicant's name"),
    "address": ("Địa chỉ", "The address"),
    "name": ("Tên tài liệu", "The document name"),
}


def clean_text(value: Any, *, field: str, max_length: int, required: bool) -> str:
    """Trimmed text (single-line fields also have their inner spaces collapsed)."""
    raw = str(value or "")
    text = " ".join(raw.split()) if max_length <= 500 else raw.strip()
    vi, en = LABELS.get(field, (field, field))
    if required and not text:
        raise errors.invalid(f"{field}_required", f"{vi} là bắt buộc.", f"{en} is required.", field=field)
    if len(text) > max_length:
        raise errors.invalid(
            f"{field}_too_long",
            f"{vi} dài quá {max_length} ký tự.",
            f"{en} is longer than {max_length} characters.",
            field=field,
        )
    return text
