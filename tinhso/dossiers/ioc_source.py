"""The one-stop office as a data source of the operations center (docs/ioc.md).

Metrics are counted on the local day of the dossier's own timestamp (receipt, decision,
withdrawal, payment, rating), per receiving agency, the administrative unit that agency serves,
and the procedure code. The event subscribers below and ``replay()`` derive the same increments
from the same facts, facts that no longer change once the event happened (the channel and the
fee are fixed at submission; a decided dossier's deadline and supplements are final), so the
incremental figures and a rebuild are equal; ``tests/test_ioc_source.py`` checks it after random
sequences of real service calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse

from tinhso.core.events.registry import subscriber
from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.dossiers.events import DossierRated, DossierReceived, DossierStateChanged
from tinhso.dossiers.models import Channel, Dossier, DossierState, Rating
from tinhso.dossiers.services.route import PAYABLE_TYPE  # how fee payments name a dossier
from tinhso.ioc import services as ioc
from tinhso.ioc.sources import (
    AVERAGE,
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
from tinhso.payments.events import PaymentSucceeded

SOURCE = "onestop"
S = DossierState
OPEN_STATES = (S.RECEIVED, S.PROCESSING, S.AWAITING_SUPPLEMENT, S.AWAITING_PAYMENT)
RESOLVED_STATES = (S.PROCESSED, S.RETURNED)


def _m(name: str, vi: str, en: str, dvi: str, den: str) -> Metric:
    return Metric(f"{SOURCE}.{name}", vi, en, dvi, den)


METRICS = (
    _m(
        "received",
        "Hồ sơ tiếp nhận",
        "Dossiers received",
        "Hồ sơ được tiếp nhận, tính vào ngày tiếp nhận.",
        "Dossiers accepted, on the day of receipt.",
    ),
    _m(
        "received_online",
        "Tiếp nhận trực tuyến",
        "Received online",
        "Hồ sơ tiếp nhận nộp qua mạng.",
        "Received dossiers submitted online.",
    ),
    _m(
        "fee_due",
        "Hồ sơ có phí",
        "Dossiers with a fee",
        "Hồ sơ tiếp nhận có phí, lệ phí.",
        "Received dossiers with a fee.",
    ),
    _m(
        "resolved",
        "Đã giải quyết",
        "Resolved",
        "Hồ sơ xử lý xong (có kết quả), tính vào ngày xử lý xong.",
        "Dossiers processed (result ready), on the day of the decision.",
    ),
    _m(
        "resolved_on_time",
        "Giải quyết đúng hạn",
        "Resolved on time",
        "Xử lý xong không muộn hơn hạn giải quyết và không bổ sung quá 01 lần.",
        "Processed not after the deadline, with at most one supplement request.",
    ),
    _m(
        "refused",
        "Từ chối tiếp nhận",
        "Refused",
        "Hồ sơ bị từ chối tiếp nhận, tính vào ngày từ chối.",
        "Dossiers refused, on the day of the refusal.",
    ),
    _m(
        "withdrawn",
        "Rút hồ sơ",
        "Withdrawn",
        "Hồ sơ công dân rút, tính vào ngày rút.",
        "Dossiers withdrawn, on that day.",
    ),
    _m(
        "paid_online",
        "Thanh toán trực tuyến",
        "Paid online",
        "Khoản phí hồ sơ thanh toán trực tuyến thành công, tính vào ngày thanh toán.",
        "Dossier fees paid online, on the day of payment.",
    ),
    _m(
        "ratings", "Lượt đánh giá", "Ratings", "Lượt đánh giá mức độ hài lòng.", "Satisfaction ratings given."
    ),
    _m(
        "rating_points",
        "Tổng điểm đánh giá",
        "Rating points",
        "Tổng điểm (1–5) các lượt đánh giá.",
        "Sum of the scores (1–5).",
    ),
)

KPIS = (
    Kpi(
        f"{SOURCE}.received",
        "Hồ sơ tiếp nhận",
        "Dossiers received",
        COUNT,
        "Số hồ sơ tiếp nhận trong kỳ (ngày tiếp nhận).",
        "Dossiers received in the period (day of receipt).",
        numerator=f"{SOURCE}.received",
        public=True,
    ),
    Kpi(
        f"{SOURCE}.resolved",
        "Hồ sơ đã giải quyết",
        "Dossiers resolved",
        COUNT,
        "Số hồ sơ xử lý xong trong kỳ (ngày xử lý xong).",
        "Dossiers processed in the period (day of the decision).",
        numerator=f"{SOURCE}.resolved",
        public=True,
    ),
    Kpi(
        f"{SOURCE}.on_time_rate",
        "Tỷ lệ đúng hạn",
        "On-time rate",
        RATIO,
        "Hồ sơ giải quyết đúng hạn / hồ sơ đã giải quyết trong kỳ. Đúng hạn: thời điểm xử lý xong không sau hạn giải quyết (đã cộng thời gian chờ bổ sung) và không yêu cầu bổ sung quá 01 lần.",
        "Resolved on time / resolved in the period. On time: processed not after the deadline (supplement waiting time added) and at most one supplement request.",
        numerator=f"{SOURCE}.resolved_on_time",
        denominator=f"{SOURCE}.resolved",
        public=True,
        unit="percent",
    ),
    Kpi(
        f"{SOURCE}.online_rate",
        "Tỷ lệ nộp trực tuyến",
        "Online submission rate",
        RATIO,
        "Hồ sơ tiếp nhận nộp trực tuyến / hồ sơ tiếp nhận trong kỳ.",
        "Received online / received in the period.",
        numerator=f"{SOURCE}.received_online",
        denominator=f"{SOURCE}.received",
        public=True,
        unit="percent",
    ),
    Kpi(
        f"{SOURCE}.online_payment_rate",
        "Tỷ lệ thanh toán trực tuyến",
        "Online payment rate",
        RATIO,
        "Khoản phí thanh toán trực tuyến trong kỳ / hồ sơ có phí tiếp nhận trong kỳ.",
        "Fees paid online in the period / dossiers with a fee received in the period.",
        numerator=f"{SOURCE}.paid_online",
        denominator=f"{SOURCE}.fee_due",
        public=True,
        unit="percent",
    ),
    Kpi(
        f"{SOURCE}.satisfaction",
        "Mức độ hài lòng",
        "Satisfaction",
        AVERAGE,
        "Điểm trung bình (1–5) các lượt đánh giá trong kỳ.",
        "Average score (1–5) of the ratings given in the period.",
        numerator=f"{SOURCE}.rating_points",
        denominator=f"{SOURCE}.ratings",
        public=True,
        unit="score",
    ),
    Kpi(
        f"{SOURCE}.in_progress",
        "Đang giải quyết",
        "In progress",
        OPEN,
        "Số hồ sơ đã tiếp nhận, chưa kết thúc, tại thời điểm hiện tại.",
        "Dossiers received and not ended, right now.",
        public=True,
    ),
    Kpi(
        f"{SOURCE}.overdue_now",
        "Quá hạn hiện tại",
        "Overdue now",
        OVERDUE,
        "Số hồ sơ đang giải quyết đã quá hạn giải quyết tại thời điểm hiện tại.",
        "Dossiers in progress whose deadline has passed, right now.",
        higher_is_better=False,
    ),
)


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TZ).date()


def _dims(dossier: Dossier) -> dict:
    return {
        "agency_id": dossier.receiving_agency_id,
        "unit_id": dossier.receiving_agency.unit_id or 0,
        "subject": dossier.procedure_code,
    }


def _on_time(dossier: Dossier) -> bool:
    return (
        dossier.due_at is not None
        and dossier.decided_at is not None
        and dossier.decided_at <= dossier.due_at
        and dossier.supplement_count <= 1
    )


def open_item_of(dossier: Dossier) -> OpenItemState | None:
    if dossier.received_at is None or dossier.state not in OPEN_STATES:
        return None
    return OpenItemState(
        key=dossier.code, opened_at=dossier.received_at, due_at=dossier.due_at, **_dims(dossier)
    )


class OneStopSource(DataSource):
    def replay(self) -> Iterable[Increment]:
        def grouped(qs, moment: str, measures: dict):
            rows = (
                qs.annotate(d=TruncDate(moment, tzinfo=TZ))
                .values("d", "receiving_agency_id", "receiving_agency__unit_id", "procedure_code")
                .annotate(**measures)
                .order_by()
            )
            for row in rows:
                dims = {
                    "day": row["d"],
                    "agency_id": row["receiving_agency_id"],
                    "unit_id": row["receiving_agency__unit_id"] or 0,
                    "subject": row["procedure_code"],
                }
                for name in measures:
                    if row[name]:
                        yield Increment(f"{SOURCE}.{name}", delta=int(row[name]), **dims)

        dossiers = Dossier.objects.all()
        yield from grouped(
            dossiers.filter(received_at__isnull=False),
            "received_at",
            {
                "received": Count("id"),
                "received_online": Count("id", filter=Q(channel=Channel.ONLINE)),
                "fee_due": Count("id", filter=Q(fee_amount__gt=0)),
            },
        )
        on_time = Q(due_at__isnull=False, decided_at__lte=F("due_at"), supplement_count__lte=1)
        yield from grouped(
            dossiers.filter(state__in=RESOLVED_STATES, decided_at__isnull=False),
            "decided_at",
            {"resolved": Count("id"), "resolved_on_time": Count("id", filter=on_time)},
        )
        yield from grouped(
            dossiers.filter(state=S.REFUSED, decided_at__isnull=False), "decided_at", {"refused": Count("id")}
        )
        yield from grouped(
            dossiers.filter(state=S.WITHDRAWN, withdrawn_at__isnull=False),
            "withdrawn_at",
            {"withdrawn": Count("id")},
        )
        ratings = (
            Rating.objects.annotate(d=TruncDate("created_at", tzinfo=TZ))
            .values(
                "d",
                "dossier__receiving_agency_id",
                "dossier__receiving_agency__unit_id",
                "dossier__procedure_code",
            )
            .annotate(ratings=Count("id"), rating_points=Sum("score"))
            .order_by()
        )
        for row in ratings:
            dims = {
                "day": row["d"],
                "agency_id": row["dossier__receiving_agency_id"],
                "unit_id": row["dossier__receiving_agency__unit_id"] or 0,
                "subject": row["dossier__procedure_code"],
            }
            yield Increment(f"{SOURCE}.ratings", delta=row["ratings"], **dims)
            yield Increment(f"{SOURCE}.rating_points", delta=int(row["rating_points"] or 0), **dims)
        yield from _replay_payments()

    def open_items(self) -> Iterable[OpenItemState]:
        rows = Dossier.objects.filter(state__in=OPEN_STATES, received_at__isnull=False).select_related(
            "receiving_agency"
        )
        for dossier in rows.iterator(chunk_size=5000):
            item = open_item_of(dossier)
            if item is not None:
                yield item

    def subject_names(self, codes: Iterable[str]) -> dict[str, str]:
        from tinhso.procedures.models import Procedure

        return dict(Procedure.objects.filter(code__in=list(codes)).values_list("code", "name"))

    def drill_url(self, *, agency_code: str = "", subject: str = "", date_from=None, date_to=None) -> str:
        from urllib.parse import urlencode

        params = {"thu_tuc": subject, "tu_ngay": date_from or "", "den_ngay": date_to or ""}
        query = urlencode({k: str(v) for k, v in params.items() if v})
        return reverse("dossiers:search") + (f"?{query}" if query else "")


def _replay_payments() -> Iterable[Increment]:
    from tinhso.payments.models import Payment, PaymentStatus

    payments = Payment.objects.filter(
        payable_type=PAYABLE_TYPE, status=PaymentStatus.SUCCEEDED, paid_at__isnull=False
    ).values_list("payable_id", "paid_at")
    by_code: dict[str, list[dt.datetime]] = {}
    for code, paid_at in payments.iterator(chunk_size=10000):
        by_code.setdefault(code, []).append(paid_at)
    codes = sorted(by_code)
    for start in range(0, len(codes), 5000):
        chunk = Dossier.objects.filter(code__in=codes[start : start + 5000]).select_related(
            "receiving_agency"
        )
        for dossier in chunk:
            for paid_at in by_code[dossier.code]:
                yield Increment(f"{SOURCE}.paid_online", day=_day(paid_at), **_dims(dossier))


SOURCE_OBJECT = register(
    OneStopSource(
        code=SOURCE,
        name_vi="Một cửa điện tử",
        name_en="One-stop office",
        metrics=METRICS,
        kpis=KPIS,
        subscriber_names=(
            "ioc.onestop_received",
            "ioc.onestop_state_changed",
            "ioc.onestop_payment_succeeded",
            "ioc.onestop_rated",
        ),
        subject_label_vi="Thủ tục",
        subject_label_en="Procedure",
    )
)


# -- Event subscribers: the same increments as replay(), as they happen ------------------------


def _dossier(code: str) -> Dossier | None:
    return Dossier.objects.select_related("receiving_agency").filter(code=code).first()


def _increment(name: str, dossier: Dossier, moment: dt.datetime, delta: int = 1) -> Increment:
    return Increment(f"{SOURCE}.{name}", day=_day(moment), delta=delta, **_dims(dossier))


@subscriber(DossierReceived, name="ioc.onestop_received")
def on_received(event: DossierReceived) -> None:
    dossier = _dossier(event.code)
    if dossier is None or dossier.received_at is None:
        return
    increments = [_increment("received", dossier, dossier.received_at)]
    if dossier.channel == Channel.ONLINE:
        increments.append(_increment("received_online", dossier, dossier.received_at))
    if dossier.fee_amount > 0:
        increments.append(_increment("fee_due", dossier, dossier.received_at))
    ioc.record(SOURCE, increments)


@subscriber(DossierStateChanged, name="ioc.onestop_state_changed")
def on_state_changed(event: DossierStateChanged) -> None:
    dossier = _dossier(event.code)
    if dossier is None:
        return
    ioc.sync_open_item(SOURCE, dossier.code, open_item_of(dossier))
    increments = []
    if event.to_state == S.PROCESSED and event.from_state != S.PROCESSED and dossier.decided_at is not None:
        increments.append(_increment("resolved", dossier, dossier.decided_at))
        if _on_time(dossier):
            increments.append(_increment("resolved_on_time", dossier, dossier.decided_at))
    elif event.to_state == S.REFUSED and dossier.decided_at is not None:
        increments.append(_increment("refused", dossier, dossier.decided_at))
    elif event.to_state == S.WITHDRAWN and dossier.withdrawn_at is not None:
        increments.append(_increment("withdrawn", dossier, dossier.withdrawn_at))
    if increments:
        ioc.record(SOURCE, increments)


@subscriber(PaymentSucceeded, name="ioc.onestop_payment_succeeded")
def on_payment_succeeded(event: PaymentSucceeded) -> None:
    from tinhso.payments.models import Payment

    if event.payable_type != PAYABLE_TYPE:
        return
    dossier = _dossier(event.payable_id)
    payment = Payment.objects.filter(public_id=event.payment_id).values_list("paid_at", flat=True).first()
    if dossier is None or payment is None:
        return
    ioc.record(SOURCE, [_increment("paid_online", dossier, payment)])


@subscriber(DossierRated, name="ioc.onestop_rated")
def on_rated(event: DossierRated) -> None:
    dossier = _dossier(event.code)
    rating = Rating.objects.filter(dossier__code=event.code).first()
    if dossier is None or rating is None:
        return
    ioc.record(
        SOURCE,
        [
            _increment("ratings", dossier, rating.created_at),
            _increment("rating_points", dossier, rating.created_at, delta=rating.score),
        ],
    )
