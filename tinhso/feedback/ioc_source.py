"""Citizen field reports as a data source of the operations center (docs/ioc.md, "The
field-reports source").

Every counter is derived from facts that never change once written, so the event subscribers
below and ``replay()`` compute the same increments whatever the order and the moment the events
are delivered:

* a report's timeline rows (``ReportEvent``: when, which step, which agency handled it then);
* its administrative unit (set at submission, never changed);
* the category it was **submitted** in. An operator may later re-route a report to another
  category; the counters stay under the category the report was submitted in (for a re-routed
  report it is read from the submission's audit record). Open items show the current category;
* its rejection kind (a rejected report is terminal).

``resolved`` counts the reports whose resolution stands (resolved and not reopened since), on
the local day of their **first** resolution and for the agency that resolved it then. A report
may be reopened once and resolved again, so each ``report_resolved`` event adds the report's first
resolution and each ``report_reopened`` event takes it away again: whatever the order of
delivery, the sum is (resolutions - reopenings) x the first resolution, which is what
``replay()`` computes from the timeline. ``resolved_on_time`` follows it: the first resolution
was not after the deadline that applied at that moment (the ``on_time`` of its event; if a
re-route changed the deadline afterwards, it is read from the resolution's audit record).

Merged duplicates: they are received like any report, and a resolution they had before the
merge stays counted; from the merge on they follow the main report without timeline rows or
events of their own, so they are not counted again, and they are not open items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse

from tinhso.core.events.registry import subscriber
from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.feedback.events import (
    ReportClosed,
    ReportRejected,
    ReportReopened,
    ReportResolved,
    ReportRouted,
    ReportsMerged,
    ReportSubmitted,
    ReportTransferred,
)
from tinhso.feedback.models import RejectionKind, Report, ReportEvent
from tinhso.feedback.states import OPEN_STATUSES
from tinhso.ioc import services as ioc
from tinhso.ioc.sources import (
    COUNT,
    OPEN,
    OVERDUE,
    RATIO,
    DataSource,
    Increment,
    Kpi,
    Metric,
    OpenItemState,
    register,
)

SOURCE = "feedback"
SUBMITTED, RESOLVED, REOPENED, REJECTED, REROUTED = (
    "submitted",
    "resolved",
    "reopened",
    "rejected",
    "rerouted",
)
FACT_KINDS = (SUBMITTED, RESOLVED, REOPENED, REJECTED, REROUTED)


def _m(name: str, vi: str, en: str, dvi: str, den: str) -> Metric:
    return Metric(f"{SOURCE}.{name}", vi, en, dvi, den)


METRICS = (
    _m(
        "received",
        "Phản ánh tiếp nhận",
        "Reports received",
        "Phản ánh được gửi đến, tính vào ngày gửi, cho cơ quan được điều phối khi gửi.",
        "Reports submitted, on the day of submission, for the agency they were routed to then.",
    ),
    _m(
        "resolved",
        "Phản ánh đã xử lý",
        "Reports resolved",
        "Phản ánh đã xử lý và không bị mở lại sau đó, tính vào ngày xử lý lần đầu.",
        "Reports resolved and not reopened since, on the day of their first resolution.",
    ),
    _m(
        "resolved_on_time",
        "Xử lý đúng hạn",
        "Resolved on time",
        "Phản ánh đã xử lý có lần xử lý đầu tiên không muộn hơn hạn xử lý.",
        "Resolved reports whose first resolution was not after the deadline.",
    ),
    _m(
        "rejected",
        "Không xử lý",
        "Rejected",
        "Phản ánh bị từ chối (không thuộc thẩm quyền, trùng, lý do khác), trừ nội dung rác.",
        "Reports rejected (not competent, duplicate, other), spam excluded.",
    ),
    _m(
        "spam",
        "Nội dung rác",
        "Spam",
        "Phản ánh bị từ chối vì nội dung rác, không đúng sự thật.",
        "Reports rejected as spam or untrue.",
    ),
)

KPIS = (
    Kpi(
        f"{SOURCE}.received",
        "Phản ánh tiếp nhận",
        "Reports received",
        COUNT,
        "Số phản ánh hiện trường gửi đến trong kỳ (ngày gửi).",
        "Field reports submitted in the period (day of submission).",
        numerator=f"{SOURCE}.received",
        public=True,
    ),
    Kpi(
        f"{SOURCE}.resolved",
        "Phản ánh đã xử lý",
        "Reports resolved",
        COUNT,
        "Số phản ánh đã xử lý và không bị người phản ánh mở lại, tính vào ngày xử lý lần đầu trong kỳ.",
        "Reports resolved and not reopened by the reporter, counted on the day of their first resolution in the period.",
        numerator=f"{SOURCE}.resolved",
        public=True,
    ),
    Kpi(
        f"{SOURCE}.on_time_rate",
        "Tỷ lệ xử lý đúng hạn",
        "On-time resolution rate",
        RATIO,
        "Phản ánh xử lý đúng hạn / phản ánh đã xử lý trong kỳ. Đúng hạn: lần xử lý đầu tiên không sau hạn xử lý (tính theo ngày làm việc từ khi tiếp nhận).",
        "Resolved on time / resolved in the period. On time: the first resolution was not after the deadline (working days from receipt).",
        numerator=f"{SOURCE}.resolved_on_time",
        denominator=f"{SOURCE}.resolved",
        public=True,
        unit="percent",
    ),
    Kpi(
        f"{SOURCE}.in_progress",
        "Phản ánh đang xử lý",
        "Reports in progress",
        OPEN,
        "Số phản ánh chưa xử lý xong, chưa đóng, chưa bị từ chối (kể cả phản ánh được mở lại), tại thời điểm hiện tại.",
        "Reports not yet resolved, closed or rejected (reopened ones included), right now.",
        public=True,
    ),
    Kpi(
        f"{SOURCE}.overdue_now",
        "Phản ánh quá hạn",
        "Reports overdue",
        OVERDUE,
        "Số phản ánh đang xử lý đã quá hạn xử lý tại thời điểm hiện tại.",
        "Reports in progress whose deadline has passed, right now.",
        higher_is_better=False,
    ),
)


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TZ).date()


# -- The facts of one report and the increments they imply --------------------------------------


@dataclass(frozen=True)
class _Row:
    id: int
    kind: str
    at: dt.datetime
    agency_id: int | None


@dataclass
class _Facts:
    public_id: str
    unit_id: int
    category: str
    """The current category; the counters use ``submitted_category()``."""
    due_at: dt.datetime
    rejection_kind: str
    rows: list[_Row]
    """The timeline rows of FACT_KINDS, in the order they were written."""
    _submitted: str | None = None

    def _audit(self, action: str) -> list[dict]:
        from tinhso.core.audit.models import AuditRecord, Outcome

        return list(
            AuditRecord.objects.filter(
                object_type="feedback.report", object_id=self.public_id, action=action, outcome=Outcome.OK
            )
            .order_by("seq")
            .values_list("changes", flat=True)
        )

    def rerouted_after(self, row_id: int) -> bool:
        return any(r.kind == REROUTED and r.id > row_id for r in self.rows)

    def submitted_category(self) -> str:
        if self._submitted is None:
            self._submitted = self.category
            if self.rerouted_after(0):  # the category may have changed since: ask the audit log
                changes = self._audit("feedback.report_submitted")
                if changes and changes[0].get("category"):
                    self._submitted = str(changes[0]["category"])
        return self._submitted

    def dims(self, row: _Row) -> dict:
        return {
            "agency_id": row.agency_id or 0,
            "unit_id": self.unit_id,
            "subject": self.submitted_category(),
        }

    def first(self, kind: str) -> _Row | None:
        return next((r for r in self.rows if r.kind == kind), None)

    def first_resolution(self) -> list[Increment]:
        """The first resolution's increments, once (empty if the report was never resolved)."""
        row = self.first(RESOLVED)
        if row is None:
            return []
        if self.rerouted_after(row.id):  # the deadline may have changed since: ask the audit log
            changes = self._audit("feedback.report_resolved")
            on_time = bool(changes[0].get("on_time")) if changes else False
        else:
            on_time = row.at <= self.due_at
        dims, day = self.dims(row), _day(row.at)
        increments = [Increment(f"{SOURCE}.resolved", day=day, **dims)]
        if on_time:
            increments.append(Increment(f"{SOURCE}.resolved_on_time", day=day, **dims))
        return increments

    def received(self) -> list[Increment]:
        row = self.first(SUBMITTED)
        return [] if row is None else [Increment(f"{SOURCE}.received", day=_day(row.at), **self.dims(row))]

    def rejected(self) -> list[Increment]:
        row = self.first(REJECTED)
        if row is None:
            return []
        name = "spam" if self.rejection_kind == RejectionKind.SPAM else "rejected"
        return [Increment(f"{SOURCE}.{name}", day=_day(row.at), **self.dims(row))]

    def contribution(self) -> Iterator[Increment]:
        """Everything the report's history implies (what its delivered events add up to)."""
        yield from self.received()
        standing = sum(r.kind == RESOLVED for r in self.rows) - sum(r.kind == REOPENED for r in self.rows)
        for increment in self.first_resolution():
            yield Increment(**{**increment.__dict__, "delta": increment.delta * standing})
        yield from self.rejected()


_REPORT_FIELDS = ("public_id", "unit_id", "category__code", "due_at", "rejection_kind")


def _facts_of(public_id: str) -> _Facts | None:
    report = Report.objects.filter(public_id=public_id).values("pk", *_REPORT_FIELDS).first()
    if report is None:
        return None
    rows = ReportEvent.objects.filter(report_id=report["pk"], kind__in=FACT_KINDS).order_by("id")
    return _Facts(
        public_id=report["public_id"],
        unit_id=report["unit_id"] or 0,
        category=report["category__code"],
        due_at=report["due_at"],
        rejection_kind=report["rejection_kind"],
        rows=[_Row(*values) for values in rows.values_list("id", "kind", "at", "agency_id")],
    )


def open_item_of(report: Report) -> OpenItemState | None:
    if report.status not in OPEN_STATUSES or report.merged_into_id is not None:
        return None
    return OpenItemState(
        key=report.public_id,
        agency_id=report.agency_id,
        unit_id=report.unit_id or 0,
        subject=report.category.code,
        opened_at=report.received_at,
        due_at=report.due_at,
    )


class FeedbackSource(DataSource):
    def replay(self) -> Iterable[Increment]:
        rerouted = ReportEvent.objects.filter(kind=REROUTED).values("report_id")
        # The bulk (reports never re-routed: the category is the current one) by SQL aggregates.
        plain = ReportEvent.objects.exclude(report_id__in=rerouted)
        received = (
            plain.filter(kind=SUBMITTED)
            .annotate(d=TruncDate("at", tzinfo=TZ))
            .values("d", "agency_id", "report__unit_id", "report__category__code")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in received:
            yield Increment(f"{SOURCE}.received", delta=row["n"], **_dims(row))
        rejected = (
            plain.filter(kind=REJECTED)
            .annotate(d=TruncDate("at", tzinfo=TZ))
            .values("d", "agency_id", "report__unit_id", "report__category__code")
            .annotate(
                spam=Count("id", filter=Q(report__rejection_kind=RejectionKind.SPAM)),
                other=Count("id", filter=~Q(report__rejection_kind=RejectionKind.SPAM)),
            )
            .order_by()
        )
        for row in rejected:
            if row["spam"]:
                yield Increment(f"{SOURCE}.spam", delta=row["spam"], **_dims(row))
            if row["other"]:
                yield Increment(f"{SOURCE}.rejected", delta=row["other"], **_dims(row))
        # Resolutions (the first one of each report, times the resolutions that stand) and every
        # re-routed report, report by report.
        for facts in _iter_facts(
            Q(kind__in=(RESOLVED, REOPENED)) & ~Q(report_id__in=rerouted), (RESOLVED, REOPENED)
        ):
            yield from facts.contribution()  # no submitted or rejected rows read here
        for facts in _iter_facts(Q(report_id__in=rerouted), FACT_KINDS):
            yield from facts.contribution()

    def open_items(self) -> Iterable[OpenItemState]:
        rows = Report.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True).select_related(
            "category"
        )
        for report in rows.iterator(chunk_size=5000):
            item = open_item_of(report)
            if item is not None:
                yield item

    def subject_names(self, codes: Iterable[str]) -> dict[str, str]:
        from tinhso.feedback.models import Category

        return dict(Category.objects.filter(code__in=list(codes)).values_list("code", "name"))

    def drill_url(self, *, agency_code: str = "", subject: str = "", date_from=None, date_to=None) -> str:
        # The officers' inbox filters by category only (``linh-vuc``); it shows the reports of the
        # officer's own agencies, newest deadline first, under the tab "Tất cả".
        from urllib.parse import urlencode

        params = {"loc": "tat-ca", "linh-vuc": subject}
        return reverse("feedback:inbox") + "?" + urlencode({k: v for k, v in params.items() if v})


def _dims(row: dict) -> dict:
    return {
        "day": row["d"],
        "agency_id": row["agency_id"] or 0,
        "unit_id": row["report__unit_id"] or 0,
        "subject": row["report__category__code"],
    }


def _iter_facts(condition: Q, kinds: tuple[str, ...]) -> Iterator[_Facts]:
    """The facts of the reports having a timeline row matching ``condition`` (rows of ``kinds``
    only), report by report."""
    rows = (
        ReportEvent.objects.filter(condition, kind__in=kinds)
        .order_by("report_id", "id")
        .values_list("report_id", "id", "kind", "at", "agency_id", *(f"report__{f}" for f in _REPORT_FIELDS))
    )
    current: _Facts | None = None
    current_pk = None
    for (
        report_pk,
        row_id,
        kind,
        at,
        agency_id,
        public_id,
        unit_id,
        category,
        due_at,
        rejection,
    ) in rows.iterator(chunk_size=10000):
        if report_pk != current_pk:
            if current is not None:
                yield current
            current_pk = report_pk
            current = _Facts(public_id, unit_id or 0, category, due_at, rejection, [])
        current.rows.append(_Row(row_id, kind, at, agency_id))
    if current is not None:
        yield current


SOURCE_OBJECT = register(
    FeedbackSource(
        code=SOURCE,
        name_vi="Phản ánh hiện trường",
        name_en="Citizen field reports",
        metrics=METRICS,
        kpis=KPIS,
        subscriber_names=(
            "ioc.feedback_submitted",
            "ioc.feedback_resolved",
            "ioc.feedback_reopened",
            "ioc.feedback_rejected",
            "ioc.feedback_closed",
            "ioc.feedback_transferred",
            "ioc.feedback_routed",
            "ioc.feedback_merged",
        ),
        subject_label_vi="Lĩnh vực",
        subject_label_en="Category",
    )
)


# -- Event subscribers: the same increments as replay(), as they happen ------------------------


def _sync(*public_ids: str) -> None:
    """Copy the reports' current state to their open items (idempotent)."""
    reports = {
        r.public_id: r for r in Report.objects.filter(public_id__in=public_ids).select_related("category")
    }
    for public_id in public_ids:
        report = reports.get(public_id)
        ioc.sync_open_item(SOURCE, public_id, None if report is None else open_item_of(report))


@subscriber(ReportSubmitted, name="ioc.feedback_submitted")
def on_submitted(event: ReportSubmitted) -> None:
    facts = _facts_of(event.report_id)
    if facts is not None:
        ioc.record(SOURCE, facts.received())
    _sync(event.report_id)


@subscriber(ReportResolved, name="ioc.feedback_resolved")
def on_resolved(event: ReportResolved) -> None:
    facts = _facts_of(event.report_id)
    if facts is not None:
        ioc.record(SOURCE, facts.first_resolution())
    _sync(event.report_id)


@subscriber(ReportReopened, name="ioc.feedback_reopened")
def on_reopened(event: ReportReopened) -> None:
    facts = _facts_of(event.report_id)
    if facts is not None:
        ioc.record(SOURCE, [Increment(**{**i.__dict__, "delta": -i.delta}) for i in facts.first_resolution()])
    _sync(event.report_id)


@subscriber(ReportRejected, name="ioc.feedback_rejected")
def on_rejected(event: ReportRejected) -> None:
    facts = _facts_of(event.report_id)
    if facts is not None:
        ioc.record(SOURCE, facts.rejected())
    _sync(event.report_id)


@subscriber(ReportClosed, name="ioc.feedback_closed")
def on_closed(event: ReportClosed) -> None:
    _sync(event.report_id)


@subscriber(ReportTransferred, name="ioc.feedback_transferred")
def on_transferred(event: ReportTransferred) -> None:
    _sync(event.report_id)


@subscriber(ReportRouted, name="ioc.feedback_routed")
def on_routed(event: ReportRouted) -> None:
    _sync(event.report_id)


@subscriber(ReportsMerged, name="ioc.feedback_merged")
def on_merged(event: ReportsMerged) -> None:
    _sync(event.main_report_id, *event.duplicate_report_ids)
