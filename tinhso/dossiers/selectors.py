"""Reads over dossiers: who sees what, the officer's inbox, search, deadlines, public tracking."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from tinhso.core.audit.services import record_denied
from tinhso.core.errors import RateLimited
from tinhso.core.permissions import as_principal, visible_agency_ids
from tinhso.dossiers import deadlines, errors
from tinhso.dossiers.models import (
    NATIONAL_STATUS,
    Dossier,
    DossierState,
    DossierStep,
    DossierTransition,
)
from tinhso.dossiers.permissions import can_view

OPEN_STATES = (
    DossierState.SUBMITTED,
    DossierState.RECEIVED,
    DossierState.PROCESSING,
    DossierState.AWAITING_SUPPLEMENT,
    DossierState.AWAITING_PAYMENT,
    DossierState.PROCESSED,
)


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related("receiving_agency", "current_agency", "current_step", "procedure")


def visible_dossiers(actor) -> QuerySet[Dossier]:
    """Dossiers ``actor`` may see: a citizen their own; an officer those of every agency where they
    may view that the dossier belongs or belonged to (receiving, current, or a step it reached)."""
    principal = as_principal(actor)
    rows = _base()
    if principal.scopes is not None and "dossiers:read" not in principal.scopes:
        return rows.none()  # a token without the scope reads nothing, whoever owns it
    if principal.kind == "citizen":
        return rows.filter(applicant=principal.user)
    agencies = visible_agency_ids(principal, "dossiers.view")
    if agencies is None:
        return rows
    if not agencies:
        return rows.none()
    reached = DossierStep.objects.filter(
        dossier=OuterRef("pk"), agency_id__in=agencies, started_at__isnull=False
    )
    return rows.filter(
        Q(receiving_agency_id__in=agencies) | Q(current_agency_id__in=agencies) | Exists(reached)
    )


def get_dossier_for(actor, code: str) -> Dossier:
    """The dossier ``code`` if ``actor`` may see it; otherwise 404 (the same as a code that does not exist)."""
    dossier = _base().filter(code=(code or "").strip()).first()
    if dossier is None or not can_view(actor, dossier):
        if dossier is not None:
            # A refused look at someone's dossier goes to the audit log (the rule is sensitive).
            record_denied(actor=actor, action="dossiers.view", obj=dossier)
        raise errors.not_found()
    return dossier


def my_dossiers(actor) -> QuerySet[Dossier]:
    principal = as_principal(actor)
    if principal.kind != "citizen":
        return Dossier.objects.none()
    return visible_dossiers(actor).order_by("-submitted_at", "-id")


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""  # code, applicant name, procedure code or name
    procedure: str = ""
    state: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    agency: str = ""  # receiving or current agency code


def search_dossiers(actor, filters: SearchFilters) -> QuerySet[Dossier]:
    rows = visible_dossiers(actor)
    q = (filters.q or "").strip()
    if q:
        rows = rows.filter(
            Q(code__icontains=q)
            | Q(applicant_name__icontains=q)
            | Q(procedure_code__icontains=q)
            | Q(procedure_name__icontains=q)
        )
    if filters.procedure:
        rows = rows.filter(procedure_code=filters.procedure.strip().upper())
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.agency:
        rows = rows.filter(Q(receiving_agency__code=filters.agency) | Q(current_agency__code=filters.agency))
    if filters.submitted_from:
        rows = rows.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to:
        rows = rows.filter(submitted_at__date__lte=filters.submitted_to)
    return rows.order_by("-submitted_at", "-id")


def inbox(actor, *, now: dt.datetime | None = None, soon_days: int = 1) -> QuerySet[DossierStep]:
    """Open steps the officer may perform: their agency and role, unassigned or assigned to them;
    soonest due first. ``due_soon``/``overdue`` flags are given by :func:`step_status`."""
    principal = as_principal(actor)
    if principal.kind != "officer" or (
        principal.scopes is not None and "dossiers:read" not in principal.scopes
    ):
        return DossierStep.objects.none()
    condition = Q()
    for agency_id, roles in principal.role_map.items():
        condition |= Q(agency_id=agency_id, role__in=list(roles))
    if not condition:
        return DossierStep.objects.none()
    return (
        DossierStep.objects.filter(condition, started_at__isnull=False, finished_at__isnull=True)
        .filter(Q(assignee__isnull=True) | Q(assignee=principal.user))
        .filter(dossier__state__in=OPEN_STATES)
        .select_related("dossier", "agency", "assignee")
        .order_by("due_at", "id")
    )


def dossier_status(dossier: Dossier, now: dt.datetime | None = None) -> str:
    """Early / on time / late (finished) or in time / overdue / paused (open), against the
    appointment (which an extension moves and a supplement pushes by the time waited)."""
    now = now or timezone.now()
    if dossier.state in (DossierState.SUBMITTED, DossierState.REFUSED) or dossier.received_at is None:
        return deadlines.DeadlineStatus.NO_DEADLINE
    end = dossier.decided_at or dossier.withdrawn_at
    return deadlines.status_of(
        due=dossier.appointment_at,
        finished=end,
        now=now,
        paused=dossier.state == DossierState.AWAITING_SUPPLEMENT,
    )


def step_status(step: DossierStep, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if step.started_at is None:
        return deadlines.DeadlineStatus.NO_DEADLINE
    paused = step.finished_at is None and step.dossier.state == DossierState.AWAITING_SUPPLEMENT
    return deadlines.status_of(due=step.due_at, finished=step.finished_at, now=now, paused=paused)


def is_due_soon(step: DossierStep, now: dt.datetime | None = None, soon_days: int = 1) -> bool:
    from tinhso.core.workcalendar import services as calendar

    now = now or timezone.now()
    return (
        step.finished_at is None
        and step.due_at is not None
        and now <= step.due_at <= calendar.add_working_days(now, soon_days)
    )


def with_history(rows: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return rows.prefetch_related(
        Prefetch(
            "steps", queryset=DossierStep.objects.select_related("agency", "assignee").order_by("order")
        ),
        Prefetch(
            "transitions",
            queryset=DossierTransition.objects.select_related("agency", "step").order_by("at", "id"),
        ),
        "documents__file",
        "results__file",
        "supplement_requests",
        "extensions",
    )


# --- Public tracking ---------------------------------------------------------------------


@dataclass
class TrackedEvent:
    at: dt.datetime
    state: str
    state_label: str
    national_status: int
    action: str
    agency_name: str
    step_name: str = ""


@dataclass
class Tracking:
    code: str
    procedure_name: str
    state: str
    state_label: str
    national_status: int
    receiving_agency: str
    current_agency: str
    current_step: str
    submitted_at: dt.datetime
    received_at: dt.datetime | None
    appointment_at: dt.datetime | None
    result_returned_at: dt.datetime | None
    status: str
    timeline: list[TrackedEvent] = field(default_factory=list)


def _limit(key: str, limit: int, window: int) -> bool:
    """Count one more hit on ``key`` in the shared cache; True while within ``limit``."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def track_dossier(code: str, second_factor: str, *, client_ip: str = "") -> Tracking:
    """The public status of a dossier, for whoever knows its code and the last 4 digits of the
    applicant's phone or ID number. No personal data in the answer; a wrong code and a wrong
    second factor give the same 404. Attempts are limited per IP and failures per code."""
    window = _setting("DOSSIER_TRACK_WINDOW_SECONDS", 900)
    if not _limit(
        f"dossiers:track:ip:{client_ip or 'unknown'}", _setting("DOSSIER_TRACK_IP_LIMIT", 30), window
    ):
        raise RateLimited()
    code = (code or "").strip()[:60]
    failures_key = f"dossiers:track:code:{code}"
    code_limit = _setting("DOSSIER_TRACK_CODE_FAILURE_LIMIT", 10)
    if (cache.get(failures_key) or 0) >= code_limit:
        raise RateLimited()
    factor = "".join(ch for ch in str(second_factor or "") if ch.isdigit())
    dossier = _base().filter(code=code).first()
    matched = False
    if dossier is not None and len(factor) == 4:
        # Compare against both stored values every time (constant time, no hint which one matched).
        phone_ok = hmac.compare_digest(factor, dossier.applicant_phone_last4 or "----")
        id_ok = hmac.compare_digest(factor, dossier.applicant_id_last4 or "----")
        matched = phone_ok or id_ok
    if not matched:
        _limit(failures_key, code_limit, _setting("DOSSIER_TRACK_CODE_WINDOW_SECONDS", 3600))
        raise errors.not_found()
    transitions = (
        DossierTransition.objects.filter(dossier=dossier)
        .select_related("agency", "step")
        .order_by("at", "id")
    )
    labels = dict(DossierState.choices)
    return Tracking(
        code=dossier.code,
        procedure_name=dossier.procedure_name,
        state=dossier.state,
        state_label=str(labels[dossier.state]),
        national_status=NATIONAL_STATUS[dossier.state],
        receiving_agency=dossier.receiving_agency.name,
        current_agency=dossier.current_agency.name,
        current_step=dossier.current_step.name if dossier.current_step_id else "",
        submitted_at=dossier.submitted_at,
        received_at=dossier.received_at,
        appointment_at=dossier.appointment_at,
        result_returned_at=dossier.result_returned_at,
        status=dossier_status(dossier),
        timeline=[
            TrackedEvent(
                at=t.at,
                state=t.to_state,
                state_label=str(labels.get(t.to_state, t.to_state)),
                national_status=t.national_status,
                action=t.action,
                agency_name=t.agency.name if t.agency_id else "",
                step_name=t.step.name if t.step_id else "",
            )
            for t in transitions
        ],
    )


def step_candidates(step: DossierStep) -> QuerySet:
    """The officers a step may be assigned to: active officers who hold the step's role in the
    step's agency itself, valid today (a role covering the agency from a parent does not count)."""
    from tinhso.core.accounts.models import OfficerRole, User, UserKind

    today = timezone.localdate()
    holders = (
        OfficerRole.objects.filter(agency_id=step.agency_id, role=step.role)
        .exclude(valid_from__gt=today)
        .exclude(valid_to__lt=today)
        .values("user_id")
    )
    return User.objects.filter(is_active=True, kind=UserKind.OFFICER, pk__in=holders).order_by(
        "full_name", "username"
    )
