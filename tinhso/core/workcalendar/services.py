"""The working-day calendar: arithmetic on working days (reads) and the province's overrides (writes).

Other apps use it as ``from tinhso.core.workcalendar import services as calendar`` and call
``calendar.add_working_days(received_at, procedure.days)``. The arithmetic lives in
:mod:`tinhso.core.workcalendar.arithmetic` and costs no database query per call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict, NotFound, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import require
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar.arithmetic import (
    add_working_days,
    is_working_day,
    next_working_day,
    office_moment,
    receive_moment,
    working_days_between,
    working_days_in,
)
from tinhso.core.workcalendar.events import CalendarOverrideDeclared, CalendarOverrideRemoved
from tinhso.core.workcalendar.models import CalendarOverride, OverrideKind

__all__ = [
    "add_working_days",
    "check_override",
    "declare_day_off",
    "declare_working_day",
    "is_working_day",
    "next_working_day",
    "office_moment",
    "receive_moment",
    "remove_override",
    "working_days_between",
    "working_days_in",
]

MAX_REASON = 255
MAX_LEGAL_BASIS = 2000


def check_override(*, day: Any, kind: str, reason: str, legal_basis: str = "") -> tuple[dt.date, str, str]:
    """Validate an override without writing; returns the cleaned (day, reason, legal_basis).

    An override must change something: a day off on a day the national calendar already has off (a
    weekend or a holiday), or a working day on a day that is already one, is refused so that the list
    of overrides stays the list of real decisions.
    """
    if kind not in OverrideKind.values:
        raise ValidationFailed(
            "Loại ngày phải là ngày nghỉ hoặc ngày làm việc.",
            'The kind must be "day_off" or "working_day".',
            code="workcalendar.invalid_kind",
        )
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise ValidationFailed("Cần một ngày.", "A date is required.", code="workcalendar.not_a_date")
    arithmetic.to_day(day)
    reason = " ".join(str(reason or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(
            f"Cần nêu lý do (tối đa {MAX_REASON} ký tự).",
            f"A reason is required ({MAX_REASON} characters at most).",
            code="workcalendar.invalid_reason",
        )
    legal_basis = str(legal_basis or "").strip()
    if len(legal_basis) > MAX_LEGAL_BASIS:
        raise ValidationFailed(
            f"Căn cứ pháp lý tối đa {MAX_LEGAL_BASIS} ký tự.",
            f"The legal basis is {MAX_LEGAL_BASIS} characters at most.",
            code="workcalendar.invalid_legal_basis",
        )
    nationally_working = arithmetic.national_year(day.year).is_working_day(day)
    if kind == OverrideKind.DAY_OFF and not nationally_working:
        raise ValidationFailed(
            "Ngày này đã là ngày nghỉ (cuối tuần hoặc ngày lễ).",
            "This day is already a day off (weekend or public holiday).",
            code="workcalendar.already_day_off",
        )
    if kind == OverrideKind.WORKING_DAY and nationally_working:
        raise ValidationFailed(
            "Ngày này đã là ngày làm việc.",
            "This day is already a working day.",
            code="workcalendar.already_working_day",
        )
    return day, reason, legal_basis


def _declare(*, actor: Any, day: Any, kind: str, reason: str, legal_basis: str) -> CalendarOverride:
    require(actor, "workcalendar.manage")
    day, reason, legal_basis = check_override(day=day, kind=kind, reason=reason, legal_basis=legal_basis)
    existing = CalendarOverride.objects.select_for_update().filter(day=day).first()
    if existing is not None and existing.kind != kind:
        raise Conflict(
            "Ngày này đã được công bố theo loại khác; hãy xóa công bố cũ trước.",
            "This day is already declared with the other kind; remove that declaration first.",
            code="workcalendar.override_exists",
        )
    if existing is not None:
        if (existing.reason, existing.legal_basis) == (reason, legal_basis):
            return existing  # the same declaration again changes nothing
        before = {"reason": existing.reason, "legal_basis": existing.legal_basis}
        existing.reason, existing.legal_basis = reason, legal_basis
        existing.save(update_fields=["reason", "legal_basis", "updated_at"])
        override, action = existing, "workcalendar.override_updated"
        changes = {"day": day.isoformat(), "kind": kind, "before": before, "reason": reason}
    else:
        try:
            with transaction.atomic():
                override = CalendarOverride.objects.create(
                    day=day, kind=kind, reason=reason, legal_basis=legal_basis
                )
        except IntegrityError:
            raise Conflict(code="workcalendar.override_exists") from None
        action = f"workcalendar.{kind}_declared"
        changes = {"day": day.isoformat(), "kind": kind, "reason": reason, "legal_basis": legal_basis}
    audit.record(actor=actor, action=action, obj=override, changes=changes)
    events.publish(CalendarOverrideDeclared(day=day.isoformat(), kind=kind, reason=reason))
    arithmetic.overrides_changed()
    return override


@transaction.atomic
def declare_day_off(*, actor: Any, day: dt.date, reason: str, legal_basis: str = "") -> CalendarOverride:
    """Declare a working day a day off for the province (e.g. a swapped day off the package does not know)."""
    return _declare(actor=actor, day=day, kind=OverrideKind.DAY_OFF, reason=reason, legal_basis=legal_basis)


@transaction.atomic
def declare_working_day(*, actor: Any, day: dt.date, reason: str, legal_basis: str = "") -> CalendarOverride:
    """Declare a weekend day or a holiday a working day (e.g. a make-up Saturday, "làm bù")."""
    return _declare(
        actor=actor, day=day, kind=OverrideKind.WORKING_DAY, reason=reason, legal_basis=legal_basis
    )


@transaction.atomic
def remove_override(*, actor: Any, day: dt.date) -> None:
    """Withdraw a declaration: the day follows the national calendar again."""
    require(actor, "workcalendar.manage")
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise ValidationFailed("Cần một ngày.", "A date is required.", code="workcalendar.not_a_date")
    override = CalendarOverride.objects.select_for_update().filter(day=day).first()
    if override is None:
        raise NotFound(
            "Ngày này không có công bố điều chỉnh.",
            "No declaration exists for this day.",
            code="workcalendar.override_not_found",
        )
    kind = override.kind
    audit.record(
        actor=actor,
        action="workcalendar.override_removed",
        obj=override,
        changes={"day": day.isoformat(), "kind": kind, "reason": override.reason},
    )
    override.delete()
    events.publish(CalendarOverrideRemoved(day=day.isoformat(), kind=kind))
    arithmetic.overrides_changed()
