"""Reads of the catalog: search, one procedure, and what the dossiers module needs from it.

For the dossiers module:

* :func:`get_active_procedure` — the procedure a new dossier may be submitted for, on a day;
* :func:`route_of` — its processing route, in order;
* :func:`fee_for` — the amount due for the applicant's case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from tinhso.core.errors import NotFound
from tinhso.procedures import fees, search
from tinhso.procedures.models import Field, OnlineLevel, Procedure, RouteStep

MAX_RESULTS = 5000


def active_on(day: date) -> Q:
    """Procedures open to new dossiers on ``day``: active and inside their validity dates."""
    return (
        Q(is_active=True)
        & (Q(active_from__isnull=True) | Q(active_from__lte=day))
        & (Q(active_to__isnull=True) | Q(active_to__gte=day))
    )


def is_active_on(procedure: Procedure, day: date | None = None) -> bool:
    day = day or timezone.localdate()
    return (
        procedure.is_active
        and (procedure.active_from is None or procedure.active_from <= day)
        and (procedure.active_to is None or day <= procedure.active_to)
    )


def with_details(queryset: QuerySet[Procedure]) -> QuerySet[Procedure]:
    return queryset.select_related("field").prefetch_related(
        "performing_agencies",
        "documents__template",
        "form_fields",
        Prefetch("route_steps", queryset=RouteStep.objects.select_related("agency").order_by("order")),
    )


def get_procedure(code: str) -> Procedure:
    """Any procedure by code (withdrawn ones included, for history), with its details."""
    procedure = with_details(Procedure.objects.filter(code=(code or "").strip().upper())).first()
    if procedure is None:
        raise NotFound("Không tìm thấy thủ tục.", "The procedure was not found.", code="procedures.not_found")
    return procedure


def get_active_procedure(code: str, on: date | None = None) -> Procedure:
    """The procedure ``code`` if a dossier may be submitted for it on ``on`` (default today).

    Raises ``NotFound`` (``procedures.not_found``) when there is no such procedure, and
    ``procedures.not_active`` (404 too) when it exists but is withdrawn or outside its validity on
    that day. Documents, form fields, route steps (with agencies) and performing agencies are
    prefetched."""
    day = on or timezone.localdate()
    procedure = get_procedure(code)
    if not is_active_on(procedure, day):
        raise NotFound(
            "Thủ tục không áp dụng vào ngày này.",
            "The procedure is not in force on this day.",
            code="procedures.not_active",
            details={"code": procedure.code, "on": day.isoformat()},
        )
    return procedure


def route_of(procedure: Procedure) -> list[RouteStep]:
    """The route steps in order (receive first, return last); uses the prefetch when present."""
    cache = getattr(procedure, "_prefetched_objects_cache", {})
    if "route_steps" in cache:
        return sorted(cache["route_steps"], key=lambda step: step.order)
    return list(procedure.route_steps.select_related("agency").order_by("order"))


def fee_for(procedure: Procedure, options: dict | None = None) -> fees.FeeQuote:
    """The fee due for a dossier of ``procedure``: ``FeeQuote(amount, label, option, quantity)``.

    ``options``: ``{"option": key}`` for a fee table, ``{"quantity": n}`` for a per-unit fee; raises
    ``procedures.fee_option_required`` / ``procedures.invalid_fee_quantity`` (422) otherwise."""
    return fees.quote(procedure.fee_rule or dict(fees.FREE), options)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    field: str = ""  # field code
    agency: str = ""  # agency code
    online_level: str = ""
    level: str = ""


def search_procedures(
    filters: Filters | None = None, *, on: date | None = None, include_inactive: bool = False
) -> list[Procedure]:
    """Procedures matching every token of ``filters.q`` (word-prefix, diacritics and order ignored),
    best first; without a query, by name. Filtered by field, agency, online level and level."""
    filters = filters or Filters()
    queryset = Procedure.objects.select_related("field")
    if not include_inactive:
        queryset = queryset.filter(active_on(on or timezone.localdate()))
    if filters.field:
        queryset = queryset.filter(field__code=filters.field.strip().upper())
    if filters.agency:
        queryset = queryset.filter(performing_agencies__code=filters.agency.strip().upper())
    if filters.online_level in OnlineLevel.values:
        queryset = queryset.filter(online_level=filters.online_level)
    if filters.level:
        # levels is a short JSON list; "contains" on JSON is not portable to SQLite, its text is.
        queryset = queryset.filter(levels__icontains=f'"{filters.level}"')
    query_tokens = search.tokens(filters.q)
    for token in query_tokens:
        queryset = queryset.filter(search_text__contains=f" {token}")
    rows = list(
        queryset.distinct().only(
            "id",
            "code",
            "name",
            "field__code",
            "field__name",
            "levels",
            "processing_days",
            "processing_note",
            "fee_rule",
            "online_level",
            "result_type",
            "is_active",
            "active_from",
            "active_to",
        )[:MAX_RESULTS]
    )
    if query_tokens:
        rows.sort(key=lambda p: search.score(query_tokens, p.name))
    else:
        rows.sort(key=lambda p: (search.normalize(p.name), p.code))
    return rows


def fields_with_counts(*, on: date | None = None) -> list[Field]:
    """Fields with ``active_count``, the number of procedures in force, by name."""
    day = on or timezone.localdate()
    prefixed = _prefix_q(active_on(day), "procedures__")
    return list(Field.objects.annotate(active_count=Count("procedures", filter=prefixed)).order_by("name"))


def _prefix_q(q: Q, prefix: str) -> Q:
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _prefix_q(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return clone
