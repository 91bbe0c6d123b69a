"""Per-dossier facts of a period, as SQL columns, and their aggregation in one query.

Every figure of the statistics is a sum over dossiers of a 0/1 (or numeric) *fact*. The facts
are computed once per dossier: an inner SELECT built with the ORM (filters, permission scope,
joins, the correlated look-ups), then raw SQL layers over its integer columns (day numbers,
working-day counts, the timeliness class), and an outer ``SELECT ... GROUP BY`` adds them up per
group, all in one statement (:func:`aggregate`). The inner query reads only the dossiers that can
matter for the period (see :func:`relevant`), so the cost follows the period's activity, not the
table's size.

The timeliness rule (docs/onestop.md, "Statistics and the Service Index") in one place:

* a received dossier *ends* at its terminal status: ``decided_at`` for processed (9, preferred
  over result returned 10), stopped (8) and refused (3); ``withdrawn_at`` for a withdrawal (7);
* the *deadline* is ``due_at``. The core sets it at receipt to the appointment of Form 01
  (``processing_days`` working days after the receive moment) and pushes it, when a supplement
  arrives, by the office time the dossier waited; extensions (Form 04) move ``appointment_at``
  only. So ``end <= due_at`` is exactly "end minus the supplement waiting time is not after the
  original appointment", with the waiting time measured in office hours as the legal clock is;
* a dossier whose (post-receipt) supplement request is still pending at the measuring moment is
  measured at the moment of that request (the clock stopped there);
* more than one supplement request after receipt: late, whatever the dates;
* a dossier still open at the end of the period is measured at the period's end (or now, while
  the period runs);
* without a deadline (legacy data), ``end − receipt − supplement time`` is compared with the
  statutory maximum of ``processing_days`` working days, counted in SQL with :mod:`.workdays`;
* *early*: not late, and one working day after the end is still not after the deadline (the
  rule of ``deadlines.status_of``, which the dossier's own page shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from tinhso.core.workcalendar.arithmetic import office_hours
from tinhso.dossiers.models import (
    Channel,
    Dossier,
    DossierDocument,
    DossierState,
    ResultDocument,
    SupplementRequest,
)
from tinhso.dossiers.services.route import PAYABLE_TYPE  # how fee payments name a dossier
from tinhso.dossiers.stats.period import Period
from tinhso.dossiers.stats.workdays import EpochSeconds, WorkingDays, day_sql, seconds_of_day_sql

S = DossierState
OPEN_STATES = (S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.AWAITING_SUPPLEMENT, S.AWAITING_PAYMENT)
PROCESSED_STATES = (S.PROCESSED, S.RETURNED)

# Timeliness classes of f_status.
NOT_RECEIVED, EARLY, ON_TIME, LATE = 0, 1, 2, 3


def _flag(condition: Q | Any) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def relevant(period: Period) -> Q:
    """Dossiers that can count in the period: submitted before its end and either decided or
    withdrawn after its start, or still open. (Received during the period implies one of them.)"""
    return Q(submitted_at__lt=period.end) & (
        Q(decided_at__gte=period.start) | Q(withdrawn_at__gte=period.start) | Q(state__in=OPEN_STATES)
    )


def touching(period: Period) -> Q:
    """Dossiers with an *additive* fact in the period: received, decided or withdrawn in it.

    Every additive figure (received, resolved and how, refused, stopped, withdrawn, fees paid,
    processing days, digitisation) belongs to one of those days, so the additive sums over
    ``touching`` equal those over :func:`relevant`; the boundary figures (carried over, in
    progress) do not, and are left to the snapshot queries. Unlike ``relevant`` it is bounded by
    the period's own activity (three indexed ranges), however old the period.
    """
    return _in("received_at", period) | _in("decided_at", period) | _in("withdrawn_at", period)


def end_moment() -> Coalesce:
    # The services set decided_at exactly when a dossier is refused, stopped or processed, and
    # withdrawn_at when it is withdrawn; no state leads back from those, so the end needs no
    # look at the state.
    return Coalesce("decided_at", "withdrawn_at", output_field=DateTimeField())


def _pending_supplement_at(measure: F) -> Subquery:
    """When the post-receipt supplement request still waiting at ``measure`` was made."""
    waiting = (
        SupplementRequest.objects.filter(dossier=OuterRef("pk"), requested_at__lte=OuterRef(measure.name))
        .exclude(resume_state=S.SUBMITTED)
        .filter(Q(fulfilled_at__isnull=True) | Q(fulfilled_at__gt=OuterRef(measure.name)))
        .order_by("requested_at")
        .values("requested_at")[:1]
    )
    return Subquery(waiting, output_field=DateTimeField())


def _fulfilled_wait_seconds(measure: F) -> Subquery:
    """Seconds (calendar time) between the post-receipt supplement request and its fulfilment,
    when both happened by ``measure``."""
    waits = (
        SupplementRequest.objects.filter(dossier=OuterRef("pk"), fulfilled_at__lte=OuterRef(measure.name))
        .exclude(resume_state=S.SUBMITTED)
        .annotate(waited=EpochSeconds("fulfilled_at") - EpochSeconds("requested_at"))
        .order_by("requested_at")
        .values("waited")[:1]
    )
    return Subquery(waits, output_field=BigIntegerField())


def _paid_online() -> Exists:
    """A succeeded payment through the payments module (every provider there is an online one)."""
    from tinhso.payments.models import Payment, PaymentStatus

    return Exists(
        Payment.objects.filter(
            payable_type=PAYABLE_TYPE, payable_id=OuterRef("code"), status=PaymentStatus.SUCCEEDED
        )
    )


@dataclass(frozen=True)
class Options:
    processing_time: bool = True
    """Also compute the working days each processed dossier took (needs the calendar window)."""
    digitisation: bool = False
    """Also compute the electronic-result and digitisation facts (Service Index group 4)."""
    national: bool = False
    """Also classify timeliness as the national portal does (Service Index 2.1)."""


def facts(
    queryset: QuerySet[Dossier],
    period: Period,
    keys: dict[str, Any],
    options: Options,
    *,
    additive_only: bool = False,
) -> QuerySet:
    """``queryset`` (already scoped) with one row of facts per relevant dossier, as values().

    ``additive_only``: only the dossiers :func:`touching` the period, whose sums are right for
    the additive figures only (carried over and in progress then count nothing useful).
    """
    qs = queryset.filter(touching(period) if additive_only else relevant(period)).order_by()
    qs = qs.alias(s_end=end_moment())
    qs = qs.alias(
        s_measure=Case(
            When(s_end__lt=period.end, then=F("s_end")),
            default=Value(period.measured_at, output_field=DateTimeField()),
            output_field=DateTimeField(),
        )
    )
    qs = qs.alias(
        s_effective=Coalesce(
            Case(
                When(supplement_count=1, then=_pending_supplement_at(F("s_measure"))),
                default=Value(None, output_field=DateTimeField()),
                output_field=DateTimeField(),
            ),
            F("s_measure"),
            output_field=DateTimeField(),
        )
    )
    received = Q(received_at__isnull=False)
    received_in = _in("received_at", period)
    ended_in = Q(s_end__gte=period.start, s_end__lt=period.end)
    open_at_end = (
        received & Q(received_at__lt=period.end) & (Q(s_end__isnull=True) | Q(s_end__gte=period.end))
    )
    fee_due = received_in & Q(fee_amount__gt=0)
    columns: dict[str, Any] = {
        **keys,
        "f_carried": _flag(
            Q(received_at__lt=period.start) & (Q(s_end__isnull=True) | Q(s_end__gte=period.start))
        ),
        "f_received": _flag(received_in),
        "f_channel": F("channel"),
        "f_resolved": _flag(received & ended_in),
        "f_open": _flag(open_at_end),
        # Timeliness inputs, as whole seconds since 1970 (the status is computed from them in
        # the aggregate query, where each is evaluated once per dossier).
        "f_received_s": EpochSeconds("received_at"),
        "f_effective_s": EpochSeconds(F("s_effective")),
        "f_due_s": EpochSeconds("due_at"),
        "f_supplements": F("supplement_count"),
        "f_processing_days": F("processing_days"),
        "f_refused": _flag(Q(state=S.REFUSED) & _in("decided_at", period)),
        "f_withdrawn": _flag(Q(state=S.WITHDRAWN) & _in("withdrawn_at", period)),
        "f_stopped": _flag(Q(state=S.STOPPED) & _in("decided_at", period)),
        "f_fee": _flag(fee_due),
        # Nested CASE: the payment lookup runs only for fee dossiers received in the period.
        "f_paid": Case(
            When(fee_due, then=Case(When(_paid_online(), then=Value(1)), default=Value(0))),
            default=Value(0),
            output_field=IntegerField(),
        ),
    }
    if options.national:
        columns["f_waited_s"] = Case(
            When(supplement_count=1, then=_fulfilled_wait_seconds(F("s_measure"))),
            default=Value(0),
            output_field=BigIntegerField(),
        )
    if options.processing_time:
        columns["f_cohort"] = _flag(received_in & Q(state__in=PROCESSED_STATES, decided_at__isnull=False))
        columns["f_decided_s"] = EpochSeconds("decided_at")
        columns["f_waited_days"] = F("supplement_days_total")
    if options.digitisation:
        processed_in = Q(state__in=PROCESSED_STATES) & _in("decided_at", period)
        has_result = Exists(ResultDocument.objects.filter(dossier=OuterRef("pk")))
        has_files = Exists(DossierDocument.objects.filter(dossier=OuterRef("pk")))
        columns["f_processed"] = _flag(processed_in)
        columns["f_result"] = Case(
            When(processed_in, then=Case(When(has_result, then=Value(1)), default=Value(0))),
            default=Value(0),
            output_field=IntegerField(),
        )
        columns["f_digitised"] = Case(
            When(processed_in, then=Case(When(has_files & has_result, then=Value(1)), default=Value(0))),
            default=Value(0),
            output_field=IntegerField(),
        )
    return qs.annotate(**columns).values(*columns)


# -- The outer aggregate ---------------------------------------------------------------------

_SUMS = {
    "carried_over": "SUM(f_carried)",
    "received": "SUM(f_received)",
    "received_online": f"SUM(CASE WHEN f_received = 1 AND f_channel = {Channel.ONLINE} THEN 1 ELSE 0 END)",
    "received_counter": f"SUM(CASE WHEN f_received = 1 AND f_channel = {Channel.COUNTER} THEN 1 ELSE 0 END)",
    "received_postal": f"SUM(CASE WHEN f_received = 1 AND f_channel = {Channel.POSTAL} THEN 1 ELSE 0 END)",
    "resolved": "SUM(f_resolved)",
    "resolved_early": f"SUM(CASE WHEN f_resolved = 1 AND f_status = {EARLY} THEN 1 ELSE 0 END)",
    "resolved_on_time": f"SUM(CASE WHEN f_resolved = 1 AND f_status = {ON_TIME} THEN 1 ELSE 0 END)",
    "resolved_late": f"SUM(CASE WHEN f_resolved = 1 AND f_status = {LATE} THEN 1 ELSE 0 END)",
    "in_progress": "SUM(f_open)",
    "in_progress_in_time": f"SUM(CASE WHEN f_open = 1 AND f_status <> {LATE} THEN 1 ELSE 0 END)",
    "in_progress_overdue": f"SUM(CASE WHEN f_open = 1 AND f_status = {LATE} THEN 1 ELSE 0 END)",
    "refused": "SUM(f_refused)",
    "withdrawn": "SUM(f_withdrawn)",
    "stopped": "SUM(f_stopped)",
    "fee_dossiers": "SUM(f_fee)",
    "paid_online": "SUM(f_paid)",
}
_PROCESSING_SUMS = {
    "processed_count": "SUM(CASE WHEN f_days IS NULL THEN 0 ELSE 1 END)",
    "processing_days_total": "SUM(f_days)",
}
_DIGITISATION_SUMS = {
    "processed": "SUM(f_processed)",
    "with_electronic_result": "SUM(f_result)",
    "digitised": "SUM(f_digitised)",
}
_NATIONAL_SUMS = {
    "national_resolved_early": f"SUM(CASE WHEN f_resolved = 1 AND f_status_national = {EARLY} THEN 1 ELSE 0 END)",
    "national_resolved_on_time": f"SUM(CASE WHEN f_resolved = 1 AND f_status_national = {ON_TIME} THEN 1 ELSE 0 END)",
    "national_resolved_late": f"SUM(CASE WHEN f_resolved = 1 AND f_status_national = {LATE} THEN 1 ELSE 0 END)",
    "national_in_progress_in_time": f"SUM(CASE WHEN f_open = 1 AND f_status_national <> {LATE} THEN 1 ELSE 0 END)",
}
KEY_COLUMNS = ("f_key", "f_code", "f_name")


def _fence() -> str:
    # Keeps the database from inlining a derived table into the query around it (which would
    # evaluate its expressions once per reference instead of once per row).
    return " LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else " OFFSET 0"


def _statutory_sql(effective: str) -> str:
    """Timeliness against the statutory deadline, from the working-day layer's columns for the
    end ``effective`` (``u_<effective>``: working days from the day of receipt to the end's day;
    ``w_<effective>``: whether the end's day is a working day; ``d_``/``t_``: day and clock).

    The deadline is the n-th working day after the day of receipt, at the clock time of receipt
    (n = processing_days), as ``reception.appointment_for`` sets it; n = 0: the office closing
    time of the day of receipt. Early, as in ``deadlines.status_of``: one working day after the
    end is still not after the deadline, i.e. u < n − 1, or u = n − 1 and not later in the day.
    """
    closing = office_hours().sessions[-1][1]
    closing_seconds = closing.hour * 3600 + closing.minute * 60
    used, working, day, clock = f"u_{effective}", f"w_{effective}", f"d_{effective}", f"t_{effective}"
    return (
        f"CASE WHEN f_processing_days = 0 THEN "
        f"(CASE WHEN {day} > d_received OR {clock} > {closing_seconds} THEN {LATE} ELSE {ON_TIME} END) "
        f"WHEN {used} > f_processing_days THEN {LATE} "
        f"WHEN {used} = f_processing_days AND ({working} = 0 OR {clock} > t_received) THEN {LATE} "
        f"WHEN {used} < f_processing_days - 1 OR ({used} = f_processing_days - 1 AND {clock} <= t_received) "
        f"THEN {EARLY} ELSE {ON_TIME} END"
    )


def _status_sql() -> str:
    """The timeliness class on the platform's legal clock (``due_at``).

    Early means what ``deadlines.status_of`` (the dossier's own page) means: one working day
    after the end is still not after the deadline. With k working days in (end day, deadline
    day]: k >= 2, or k = 1 and either the deadline falls on a day off or its clock time is not
    before the end's. (Deadlines are office moments; an end outside office hours compares the
    same way as its next office moment would.)
    """
    early = "(k_ahead >= 2 OR (k_ahead = 1 AND (w_due = 0 OR t_due >= t_effective)))"
    return (
        f"CASE WHEN f_received_s IS NULL THEN {NOT_RECEIVED} "
        f"WHEN f_supplements > 1 THEN {LATE} "
        f"WHEN f_due_s IS NOT NULL THEN (CASE WHEN f_effective_s > f_due_s THEN {LATE} "
        f"WHEN {early} THEN {EARLY} ELSE {ON_TIME} END) "
        f"ELSE ({_statutory_sql('effective')}) END"
    )


def _national_status_sql() -> str:
    """The timeliness class as the national portal computes it (Service Index 2.1): the end
    moved back by the calendar time waited for the supplement, against the appointment given at
    receipt (before any supplement or extension moved it)."""
    return (
        f"CASE WHEN f_received_s IS NULL THEN {NOT_RECEIVED} "
        f"WHEN f_supplements > 1 THEN {LATE} "
        f"ELSE ({_statutory_sql('national')}) END"
    )


def sum_expressions(options: Options) -> dict[str, str]:
    """The figures :func:`aggregate` returns with ``options``, each with its SQL sum."""
    sums = dict(_SUMS)
    if options.processing_time:
        sums.update(_PROCESSING_SUMS)
    if options.digitisation:
        sums.update(_DIGITISATION_SUMS)
    if options.national:
        sums.update(_NATIONAL_SUMS)
    return sums


def aggregate(
    parts: list[QuerySet], options: Options, workdays: WorkingDays, *, grouped: bool = True
) -> list[dict[str, Any]]:
    """Add up the facts of ``parts`` (one inner query each, joined with UNION ALL) per group:
    one database query. Returns one dict per group with the KEY_COLUMNS and every sum.

    Layers: the ORM rows (per dossier), then day numbers, then the timeliness class and the
    working days taken, then the sums. Each layer is fenced so every value is computed once.
    """
    sums = sum_expressions(options)
    inner_sql, params = [], []
    for part in parts:
        sql, part_params = part.query.sql_with_params()
        inner_sql.append(sql)
        params.extend(part_params)
    fence = _fence()
    days = [
        f"{day_sql('f_received_s')} AS d_received",
        f"{day_sql('f_effective_s')} AS d_effective",
        f"{day_sql('f_due_s')} AS d_due",
        f"{seconds_of_day_sql('f_received_s')} AS t_received",
        f"{seconds_of_day_sql('f_effective_s')} AS t_effective",
        f"{seconds_of_day_sql('f_due_s')} AS t_due",
    ]
    # Working-day counts, each computed only for the rows that need it.
    on_clock = "f_due_s IS NOT NULL AND f_effective_s <= f_due_s"
    legacy = "f_received_s IS NOT NULL AND f_due_s IS NULL"
    counts = [
        f"CASE WHEN {on_clock} THEN {workdays.between_sql('d_effective', 'd_due')} END AS k_ahead",
        f"CASE WHEN {on_clock} THEN {workdays.is_working_sql('d_due')} END AS w_due",
        f"CASE WHEN {legacy} THEN {workdays.between_sql('d_received', 'd_effective')} END AS u_effective",
        f"CASE WHEN {legacy} THEN {workdays.is_working_sql('d_effective')} END AS w_effective",
    ]
    derived = [f"{_status_sql()} AS f_status"]
    if options.processing_time:
        days.append(f"{day_sql('f_decided_s')} AS d_decided")
        counts.append(
            f"CASE WHEN f_cohort = 1 THEN {workdays.between_sql('d_received', 'd_decided')} END AS u_decided"
        )
        derived.append("CASE WHEN f_cohort = 1 THEN u_decided - f_waited_days ELSE NULL END AS f_days")
    if options.national:
        national_s = "(f_effective_s - COALESCE(f_waited_s, 0))"
        days += [f"{day_sql(national_s)} AS d_national", f"{seconds_of_day_sql(national_s)} AS t_national"]
        measured = "f_received_s IS NOT NULL AND f_supplements <= 1"
        counts += [
            f"CASE WHEN {measured} THEN {workdays.between_sql('d_received', 'd_national')} END AS u_national",
            f"CASE WHEN {measured} THEN {workdays.is_working_sql('d_national')} END AS w_national",
        ]
        derived.append(f"{_national_status_sql()} AS f_status_national")
    select = ", ".join(f"{expression} AS {name}" for name, expression in sums.items())
    keys = ", ".join(KEY_COLUMNS)
    # Only constants, column names and ORM-compiled SQL go into the text; every value travels
    # in ``params``.
    rows_sql = f"SELECT * FROM ({' UNION ALL '.join(inner_sql)}) AS parts{fence}"  # noqa: S608
    days_sql = f"SELECT rows_.*, {', '.join(days)} FROM ({rows_sql}) AS rows_{fence}"  # noqa: S608
    counts_sql = f"SELECT days_.*, {', '.join(counts)} FROM ({days_sql}) AS days_{fence}"  # noqa: S608
    facts_sql = f"SELECT counts_.*, {', '.join(derived)} FROM ({counts_sql}) AS counts_{fence}"  # noqa: S608
    if grouped:
        sql = f"SELECT {keys}, {select} FROM ({facts_sql}) AS facts GROUP BY {keys}"  # noqa: S608
    else:
        # One constant group: a plain aggregate, without sorting the rows for a GROUP BY.
        sql = f"SELECT {select} FROM ({facts_sql}) AS facts"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The expressions are wide and the row estimates large, so PostgreSQL would JIT-
            # compile the plan: measured at 2.5 s of compilation for a 0.7 s query. SET LOCAL
            # lasts until the end of the (outer) transaction.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if not grouped:
        rows = [
            {"f_key": 0, "f_code": "", "f_name": "", **row} for row in rows if row["received"] is not None
        ]
    return rows


def group_keys(group_by: str | None, *, label: str = "") -> dict[str, Any]:
    """The f_key/f_code/f_name columns of a breakdown (``label`` for a month part)."""
    text = lambda value: Value(value)  # noqa: E731
    if group_by == "agency":
        return {
            "f_key": F("receiving_agency_id"),
            "f_code": F("receiving_agency__code"),
            "f_name": F("receiving_agency__name"),
        }
    if group_by == "procedure":
        return {"f_key": F("procedure_id"), "f_code": F("procedure__code"), "f_name": F("procedure__name")}
    if group_by == "field":
        return {
            "f_key": F("procedure__field_id"),
            "f_code": F("procedure__field__code"),
            "f_name": F("procedure__field__name"),
        }
    if group_by == "month":
        return {"f_key": text(label), "f_code": text(label), "f_name": text(label)}
    return {"f_key": Value(0, output_field=BigIntegerField()), "f_code": text(""), "f_name": text("")}
