"""Statistics of the one-stop office per agency, procedure, field or month.

``dossier_stats`` answers in a constant number of queries whatever the number of dossiers: the
permission and filter look-ups, one aggregate over the dossiers (:mod:`.facts`) and one over the
satisfaction ratings. Every figure and its formula is described in docs/onestop.md
("Statistics and the Service Index") and in :mod:`.formulas`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from tinhso.core.agencies.selectors import descendant_ids
from tinhso.core.errors import NotFound
from tinhso.core.permissions import require, visible_agency_ids
from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.dossiers import errors
from tinhso.dossiers.models import Dossier, Rating
from tinhso.dossiers.stats import facts
from tinhso.dossiers.stats.period import Period, period_of
from tinhso.dossiers.stats.workdays import WorkingDays

ACTION = "dossiers.view_stats"
GROUPS = ("agency", "procedure", "field", "month")
SATISFIED_SCORE = 4  # ratings of 4 or 5 out of 5 count as satisfied
DISSATISFIED_SCORE = 2  # 1 or 2 out of 5 stand for the national "dislike" (Service Index)


@dataclass(frozen=True)
class AgencyRef:
    """ "Statistics of agency ``agency_id``" for a permission check."""

    agency_id: int


@dataclass(frozen=True)
class Scope:
    """What one statistics request covers, after permissions and filters."""

    agency_ids: frozenset[int] | None
    """Receiving agencies included; None: every agency (not limited)."""
    procedure_id: int | None = None
    field_id: int | None = None

    def dossiers(self) -> QuerySet[Dossier]:
        qs = Dossier.objects.all()
        if self.agency_ids is not None:
            qs = qs.filter(receiving_agency_id__in=sorted(self.agency_ids))
        if self.procedure_id is not None:
            qs = qs.filter(procedure_id=self.procedure_id)
        if self.field_id is not None:
            qs = qs.filter(procedure__field_id=self.field_id)
        return qs

    def cells(self, model) -> QuerySet:
        """Rows of a read-model table (``DailyFigures``, ``OpenFigures``) within the scope."""
        qs = model.objects.all()
        if self.agency_ids is not None:
            qs = qs.filter(agency_id__in=sorted(self.agency_ids))
        if self.procedure_id is not None:
            qs = qs.filter(procedure_id=self.procedure_id)
        if self.field_id is not None:
            qs = qs.filter(procedure__field_id=self.field_id)
        return qs

    def ratings(self) -> QuerySet[Rating]:
        qs = Rating.objects.all()
        if self.agency_ids is not None:
            qs = qs.filter(dossier__receiving_agency_id__in=sorted(self.agency_ids))
        if self.procedure_id is not None:
            qs = qs.filter(dossier__procedure_id=self.procedure_id)
        if self.field_id is not None:
            qs = qs.filter(dossier__procedure__field_id=self.field_id)
        return qs


def resolve_scope(
    actor: Any,
    *,
    agency_ids=None,
    procedure_code: str | None = None,
    field_code: str | None = None,
    include_subordinates: bool = True,
) -> Scope:
    """Check ``dossiers.view_stats`` and narrow the request to what the actor may see.

    Asking explicitly for an agency the actor may not see is refused (403) rather than answered
    with zeros, so a zero always means "nothing happened". Subordinate agencies of the requested
    ones are included unless ``include_subordinates`` is false, and only as far as visible.
    """
    require(actor, ACTION)
    visible = visible_agency_ids(actor, ACTION)
    agencies: set[int] | None
    if agency_ids:
        requested = {int(a) for a in agency_ids}
        for agency_id in sorted(requested):
            require(actor, ACTION, AgencyRef(agency_id))
        agencies = descendant_ids(requested) if include_subordinates else requested
        if visible is not None:
            agencies &= visible
    else:
        agencies = None if visible is None else set(visible)
    procedure_id = field_id = None
    if procedure_code:
        from tinhso.procedures import selectors as catalog

        procedure_id = catalog.get_procedure(procedure_code).pk
    if field_code:
        from tinhso.procedures.models import Field

        field_id = Field.objects.filter(code=field_code).values_list("pk", flat=True).first()
        if field_id is None:
            raise NotFound(
                "Không tìm thấy lĩnh vực.", "The field was not found.", code="dossiers.stats_unknown_field"
            )
    return Scope(None if agencies is None else frozenset(agencies), procedure_id, field_id)


@dataclass
class StatsRow:
    """The figures of one group (an agency, a procedure, a field, a month, or the total)."""

    key: str
    """Agency code, procedure code, field code, "YYYY-MM", or "" for the total."""
    name: str
    carried_over: int = 0
    received: int = 0
    received_online: int = 0
    received_counter: int = 0
    received_postal: int = 0
    resolved: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    in_progress: int = 0
    in_progress_in_time: int = 0
    in_progress_overdue: int = 0
    refused: int = 0
    withdrawn: int = 0
    stopped: int = 0
    fee_dossiers: int = 0
    paid_online: int = 0
    processed_count: int = 0
    processing_days_total: Decimal = Decimal(0)
    ratings: int = 0
    rating_points: int = 0
    satisfied: int = 0
    extra: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def to_handle(self) -> int:
        """Dossiers to handle in the period: carried over plus received (= resolved + in progress)."""
        return self.carried_over + self.received

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.resolved_early + self.resolved_on_time + self.in_progress_in_time, self.to_handle)

    @property
    def online_rate(self) -> float | None:
        return _ratio(self.received_online, self.received)

    @property
    def online_payment_rate(self) -> float | None:
        return _ratio(self.paid_online, self.fee_dossiers)

    @property
    def avg_processing_days(self) -> float | None:
        if not self.processed_count:
            return None
        return round(float(self.processing_days_total) / self.processed_count, 2)

    @property
    def satisfaction_avg(self) -> float | None:
        return round(self.rating_points / self.ratings, 2) if self.ratings else None

    @property
    def satisfied_rate(self) -> float | None:
        return _ratio(self.satisfied, self.ratings)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["processing_days_total"] = float(self.processing_days_total)
        for name in (
            "to_handle",
            "on_time_rate",
            "online_rate",
            "online_payment_rate",
            "avg_processing_days",
            "satisfaction_avg",
            "satisfied_rate",
        ):
            data[name] = getattr(self, name)
        return data


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


_COUNT_FIELDS = [
    name
    for name, kind in StatsRow.__annotations__.items()
    if kind == "int" and name not in ("ratings", "rating_points", "satisfied")
]


def _row_from(sums: dict[str, Any], key: str, name: str) -> StatsRow:
    row = StatsRow(key=key, name=name)
    for name_ in _COUNT_FIELDS:
        if name_ in sums:
            setattr(row, name_, int(sums[name_] or 0))
    if sums.get("processing_days_total") is not None:
        row.processing_days_total = Decimal(str(sums["processing_days_total"])).quantize(Decimal("0.01"))
    for name_ in (
        "processed",
        "with_electronic_result",
        "digitised",
        "national_resolved_early",
        "national_resolved_on_time",
        "national_resolved_late",
        "national_in_progress_in_time",
    ):
        if name_ in sums:
            row.extra[name_] = int(sums[name_] or 0)
    return row


def _month_label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _ratings(scope: Scope, period: Period, group_by: str | None) -> dict[Any, dict[str, Any]]:
    """Ratings given during the period, per group: one query."""
    qs = scope.ratings().filter(created_at__gte=period.start, created_at__lt=period.end)
    if group_by == "agency":
        keys = {
            "g": "dossier__receiving_agency_id",
            "c": "dossier__receiving_agency__code",
            "n": "dossier__receiving_agency__name",
        }
    elif group_by == "procedure":
        keys = {
            "g": "dossier__procedure_id",
            "c": "dossier__procedure__code",
            "n": "dossier__procedure__name",
        }
    elif group_by == "field":
        keys = {
            "g": "dossier__procedure__field_id",
            "c": "dossier__procedure__field__code",
            "n": "dossier__procedure__field__name",
        }
    else:
        keys = {}
    measures = {
        "n_ratings": Count("id"),
        "points": Sum("score"),
        "n_satisfied": Count("id", filter=Q(score__gte=SATISFIED_SCORE)),
        "n_dissatisfied": Count("id", filter=Q(score__lte=DISSATISFIED_SCORE)),
    }
    if group_by == "month":
        rows = qs.annotate(g=TruncMonth("created_at", tzinfo=TZ)).values("g").annotate(**measures).order_by()
    elif keys:
        rows = qs.values(*keys.values()).annotate(**measures).order_by()
    else:
        rows = [qs.aggregate(**measures)]
    result: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if group_by == "month":
            month = row["g"]
            month = month.astimezone(TZ).date() if isinstance(month, dt.datetime) else month
            label = _month_label(month)
            key, code, name = label, label, label
        elif keys:
            key, code, name = row[keys["g"]], row[keys["c"]], row[keys["n"]]
        else:
            key, code, name = 0, "", ""
        result[key] = {
            "code": code,
            "name": name,
            "ratings": row["n_ratings"] or 0,
            "points": row["points"] or 0,
            "satisfied": row["n_satisfied"] or 0,
            "dissatisfied": row["n_dissatisfied"] or 0,
        }
    return result


def _sort_key(group_by: str | None):
    if group_by == "agency":
        return lambda row: (row.name.lower(), row.key)
    return lambda row: row.key


def _part(
    scope: Scope, period: Period, group_by: str | None, options: facts.Options
) -> tuple[dict[Any, dict[str, Any]], dict[Any, dict[str, Any]]]:
    """Sums and ratings of one period per group: from the read model where it holds the days,
    else directly from the dossiers (one aggregate query and one over the ratings)."""
    from django.conf import settings

    from tinhso.dossiers.stats import readmodel

    stored = None
    if getattr(settings, "DOSSIER_STATS_READ_MODEL", True):
        stored = readmodel.figures(
            scope, period, group_by, options, raw_ratings=lambda part: _ratings(scope, part, group_by)
        )
    if stored is not None:
        return stored
    workdays = WorkingDays.for_years(period.date_from.year - 1, max(period.date_to.year, period.now.year) + 1)
    parts = [facts.facts(scope.dossiers(), period, facts.group_keys(group_by), options)]
    sums = facts.aggregate(parts, options, workdays, grouped=group_by is not None)
    return {entry["f_key"]: entry for entry in sums}, _ratings(scope, period, group_by)


def _direct_months(
    scope: Scope, period: Period, options: facts.Options
) -> tuple[dict[Any, dict[str, Any]], dict[Any, dict[str, Any]]]:
    """Every month of the period directly from the dossiers: one query (a UNION ALL branch per
    month) and one over the ratings."""
    months = period.months()
    parts = [
        facts.facts(
            scope.dossiers(), part, facts.group_keys("month", label=_month_label(part.date_from)), options
        )
        for part in months
    ]
    workdays = WorkingDays.for_years(period.date_from.year - 1, max(period.date_to.year, period.now.year) + 1)
    sums = facts.aggregate(parts, options, workdays, grouped=True)
    return {entry["f_key"]: entry for entry in sums}, _ratings(scope, period, "month")


def compute(
    scope: Scope, period: Period, group_by: str | None, options: facts.Options | None = None
) -> list[StatsRow]:
    """The rows of a breakdown for an already resolved scope (no permission check here)."""
    from django.conf import settings

    from tinhso.dossiers.stats import readmodel

    options = options or facts.Options()
    if group_by == "month":
        parts = [(part, _month_label(part.date_from)) for part in period.months()]
        if not parts:
            return []
        if not getattr(settings, "DOSSIER_STATS_READ_MODEL", True) or not readmodel.holds_any(period):
            parts = [(period, "*")]  # every month in one direct query
    else:
        parts = [(period, None)]
    rows: dict[Any, StatsRow] = {}
    for part, label in parts:
        if label == "*":
            sums, ratings = _direct_months(scope, period, options)
            for key, entry in sums.items():
                rows[key] = _row_from(entry, key, key)
            label = None
        else:
            sums, ratings = _part(scope, part, None if label else group_by, options)
            for key, entry in sums.items():
                if label:
                    key = label
                    rows[key] = _row_from(entry, label, label)
                else:
                    rows[key] = _row_from(entry, str(entry["f_code"] or ""), str(entry["f_name"] or ""))
        for key, rating in ratings.items():
            if not rating["ratings"]:
                continue
            key = label or key
            row = rows.get(key)
            if row is None:
                row = rows[key] = StatsRow(
                    key=str(label or rating["code"] or ""), name=str(rating["name"] or "")
                )
            row.ratings, row.rating_points, row.satisfied = (
                rating["ratings"],
                rating["points"],
                rating["satisfied"],
            )
            row.extra["dissatisfied"] = rating.get("dissatisfied", 0)
    if group_by is None:
        total = rows.get(0) or StatsRow(key="", name="")
        total.key, total.name = "", "Tổng cộng"
        return [total]
    if group_by == "month":
        for row in rows.values():
            year, month = row.key.split("-")
            row.name = f"Tháng {month}/{year}"
    return sorted(rows.values(), key=_sort_key(group_by))


def dossier_stats(
    *,
    actor: Any,
    date_from: dt.date,
    date_to: dt.date,
    group_by: str | None = "agency",
    agency_ids=None,
    procedure_code: str | None = None,
    field_code: str | None = None,
    include_subordinates: bool = True,
    now: dt.datetime | None = None,
) -> list[StatsRow]:
    """The one-stop office's figures for the period, one row per group (or one total row).

    ``group_by`` is "agency" (the receiving agency), "procedure", "field", "month" or None.
    Permission ``dossiers.view_stats``; the figures cover only the agencies the actor may see.
    ``now`` fixes the current moment (reports that must be reproducible, tests).
    """
    if group_by not in (*GROUPS, None):
        raise errors.invalid(
            "stats_invalid_group",
            "Cách nhóm số liệu không hợp lệ (agency, procedure, field, month).",
            "Unknown breakdown (agency, procedure, field, month).",
            field="group_by",
        )
    period = period_of(date_from, date_to, now=now)
    scope = resolve_scope(
        actor,
        agency_ids=agency_ids,
        procedure_code=procedure_code,
        field_code=field_code,
        include_subordinates=include_subordinates,
    )
    return compute(scope, period, group_by)
