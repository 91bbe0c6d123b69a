"""Citizen field reports at volume: submitting through the service, the public list (page and API)
and the map's markers, each against a bare Django query or insert measured in the same run.

``BENCH_REPORTS`` (default 100,000) reports are generated first with ``bulk_create``, directly in
the table: this bypasses the services on purpose (no audit record, event, timeline or photo per
row), because going through them would take hours at a million rows and measure the generator,
not the reads. The submission benchmark then goes through ``submit_report`` as a citizen would.

``BENCH_EXPLAIN=1`` prints the query plans of the listing queries to stderr;
``BENCH_SUGGESTED_INDEX=1`` adds the index proposed in docs/benchmarks.md (newest first) before
measuring, to compare with and without it.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, timedelta

from bench.measure import Result, rate

CATEGORIES = [
    ("den-duong", "Đèn chiếu sáng công cộng hư hỏng"),
    ("ngap-ung", "Ngập úng, thoát nước"),
    ("o-ga", "Ổ gà, hư hỏng mặt đường"),
    ("cay-xanh", "Cây xanh ngã đổ"),
    ("cap-nuoc", "Cấp nước sinh hoạt"),
    ("xay-dung", "Xây dựng trái phép"),
    ("rac-thai", "Rác thải, vệ sinh môi trường"),
    ("tieng-on", "Tiếng ồn, gây mất trật tự"),
]
# (GSO code, name, latitude, longitude) of ten current wards and communes of former Hậu Giang.
COMMUNES = [
    ("31321", "Phường Vị Thanh", 9.7845, 105.4701),
    ("31333", "Phường Vị Tân", 9.7700, 105.4500),
    ("31338", "Xã Hỏa Lựu", 9.7600, 105.5000),
    ("31340", "Phường Ngã Bảy", 9.8166, 105.8188),
    ("31342", "Xã Tân Hòa", 9.8500, 105.7600),
    ("31366", "Xã Châu Thành", 9.9300, 105.8200),
    ("31396", "Xã Hiệp Hưng", 9.7800, 105.7000),
    ("31441", "Xã Vị Thủy", 9.8000, 105.5500),
    ("31489", "Xã Vĩnh Viễn", 9.6500, 105.6000),
    ("31471", "Phường Long Mỹ", 9.6797, 105.5636),
]
# Share of each status in a province where most reports are old and closed.
STATUS_WEIGHTS = {
    "closed": 45,
    "resolved": 10,
    "new": 10,
    "acknowledged": 5,
    "assigned": 5,
    "in_progress": 15,
    "reopened": 2,
    "rejected": 8,
}
BATCH = 5_000
LIST_FIELDS = ("public_id", "status", "created_at", "latitude", "longitude", "category_id", "unit_id")


def _suggested_indexes():
    from django.db import models

    return [
        # Newest first is the order of every public list and of the map; without it the database
        # sorts every matching row to return the first page.
        models.Index(fields=["created_at", "id"], name="feedback_report_created_idx"),
        # The public lists exclude spam (status and rejection_kind): with both in an index the counts
        # of the pagination are read from the index alone instead of one table row per report.
        models.Index(fields=["category", "status", "rejection_kind"], name="feedback_report_public_idx"),
    ]


class Timed(Result):
    """A result for slow operations too: rates below 10/s with decimals, and the time per operation."""

    def row(self) -> str:
        def show(value: float) -> str:
            rate_text = f"{value:,.0f}/s" if value >= 10 else f"{value:,.2f}/s"
            return f"{rate_text} = {1000 / value:,.1f} ms" if value else rate_text

        ratio = self.ours / self.baseline if self.baseline else float("nan")
        return (
            f"| {self.name} | {show(self.ours)} ({self.ours_label}) | {show(self.baseline)} "
            f"({self.baseline_label}) | {ratio:.2f}× |"
        )


def _scale() -> int:
    return int(os.environ.get("BENCH_REPORTS", "100000"))


def _code(n: int) -> str:
    from tinhso.feedback.identifiers import ALPHABET

    chars = []
    for _ in range(6):
        n, digit = divmod(n, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _setup():
    """Units, agencies, categories and routing rules, through the services where they exist."""
    from tinhso.core.accounts.models import User, UserKind
    from tinhso.core.agencies.models import AgencyKind
    from tinhso.core.permissions import SYSTEM
    from tinhso.core.testing import factories
    from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel
    from tinhso.feedback import services

    def unit(code, name, level, parent=None):
        return AdministrativeUnit.objects.create(
            structure=Structure.CURRENT,
            code=code,
            name=name,
            division_type="phường",
            level=level,
            parent=parent,
            search_name=name.lower(),
            valid_from=date(2025, 7, 1),
        )

    city = unit("92", "Thành phố Cần Thơ", UnitLevel.PROVINCE)
    committee = factories.make_agency(
        name="Ủy ban nhân dân thành phố Cần Thơ", code="000.00.00.H13", kind=AgencyKind.PROVINCIAL_COMMITTEE
    )
    department = factories.make_agency(name="Sở Xây dựng", code="000.00.06.H13", parent=committee)
    places = []
    for n, (code, name, lat, lon) in enumerate(COMMUNES):
        ward = unit(code, name, UnitLevel.COMMUNE, city)
        agency = factories.make_agency(
            name=f"Ủy ban nhân dân {name.lower()}",
            code=f"000.00.{41 + n}.H13",
            kind=AgencyKind.COMMUNE_COMMITTEE,
            parent=committee,
            unit=ward,
        )
        places.append((ward, agency, lat, lon))
    categories = []
    for code, name in CATEGORIES:
        category = services.create_category(
            actor=SYSTEM,
            code=code,
            name=name,
            agency=department,
            deadline_days=5,
            allow_anonymous=True,
            contact_required=False,
            photo_required=False,
        )
        for ward, agency, _lat, _lon in places:
            services.set_routing_rule(actor=SYSTEM, category=category, unit=ward, agency=agency)
        categories.append(category)
    citizen = factories.make_citizen(citizen_id="093085009999", full_name="Người Đo Hiệu Năng")
    # A province's accounts: reporters and assignees of the generated reports. (With a near-empty
    # user table SQLite's planner joins it first and sorts every report: not what production sees.)
    people = User.objects.bulk_create(
        [User(username=f"bench-citizen-{n}", kind=UserKind.CITIZEN, password="!") for n in range(5_000)]
    )
    officers = User.objects.bulk_create(
        [User(username=f"bench-officer-{n}", kind=UserKind.OFFICER, password="!") for n in range(200)]
    )
    return categories, places, citizen, people, officers


def _generate(count: int, categories, places, people, officers) -> float:
    """``count`` reports over the last two years, in batches; returns the seconds it took."""
    from django.db import transaction
    from django.utils import timezone

    from tinhso.feedback.models import Report

    rng = random.Random(20260301)
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    now = timezone.now()
    span = 730 * 86400
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        rows = []
        for i in range(first, min(first + BATCH, count)):
            created = now - timedelta(seconds=rng.randrange(span))
            ward, agency, lat, lon = places[rng.randrange(len(places))]
            status = rng.choices(statuses, weights)[0]
            rejected = status == "rejected"
            resolved = status in ("resolved", "closed")
            handled = status in ("assigned", "in_progress", "resolved", "closed", "reopened")
            rows.append(
                Report(
                    public_id=f"PA-{created.year}-{_code(i)}",
                    category=categories[rng.randrange(len(categories))],
                    agency=agency,
                    status=status,
                    description=f"Phản ánh số {i}: sự cố cần cơ quan chức năng kiểm tra, xử lý.",
                    latitude=round(lat + rng.uniform(-0.03, 0.03), 6),
                    longitude=round(lon + rng.uniform(-0.03, 0.03), 6),
                    unit=ward,
                    reporter=people[rng.randrange(len(people))] if rng.random() < 0.6 else None,
                    assignee=officers[rng.randrange(len(officers))] if handled else None,
                    received_at=created,
                    due_at=created + timedelta(days=7),
                    resolved_at=created + timedelta(days=rng.randrange(1, 10)) if resolved else None,
                    rejected_at=created + timedelta(days=1) if rejected else None,
                    rejection_kind=("spam" if rng.random() < 0.25 else "not_competent") if rejected else "",
                    created_at=created,
                    updated_at=created,
                )
            )
        with transaction.atomic():
            Report.objects.bulk_create(rows, batch_size=1_000)
        if first and first % 100_000 == 0:
            print(f"  … {first:,} reports", file=sys.stderr, flush=True)
    return time.perf_counter() - started


def _analyze() -> None:
    """Fresh statistics (and, on PostgreSQL, the visibility map that index-only scans need), as
    autovacuum keeps them on a production database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _explain(label: str, queryset) -> None:
    if not os.environ.get("BENCH_EXPLAIN"):
        return
    print(f"\n-- {label}\n{queryset.explain()}", file=sys.stderr, flush=True)


def run() -> list[Result]:
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from tinhso.feedback import services
    from tinhso.feedback.models import Report

    count = _scale()
    categories, places, citizen, people, officers = _setup()
    seconds = _generate(count, categories, places, people, officers)
    _analyze()
    print(
        f"generated {count:,} reports with bulk_create in {seconds:.0f} s ({connection.vendor})",
        file=sys.stderr,
        flush=True,
    )
    results: list[Result] = []
    client = Client()
    lights = categories[0]
    ward, agency, lat, lon = places[0]

    # --- Submitting ---------------------------------------------------------------------------
    submitted = iter(range(10**9))

    def submit(_i):
        n = next(submitted)
        services.submit_report(
            actor=citizen,
            category=lights,
            description=f"Đèn đường số {n} trước chợ không sáng nhiều đêm nay.",
            latitude=lat,
            longitude=lon,
            unit=ward.code,
        )

    inserted = iter(range(10**9))

    def insert(_i):
        n = next(inserted)
        moment = timezone.now()
        with transaction.atomic():
            Report.objects.create(
                public_id=f"PA-2099-{_code(n)}",
                category=lights,
                agency=agency,
                status="new",
                description=f"Đèn đường số {n} trước chợ không sáng nhiều đêm nay.",
                latitude=lat,
                longitude=lon,
                unit=ward,
                received_at=moment,
                due_at=moment + timedelta(days=7),
                created_at=moment,
                updated_at=moment,
            )

    def writes(suffix: str) -> list[Result]:
        return [
            Timed(
                f"submit a report (at {count:,}{suffix}): `submit_report` vs a bare single-row insert",
                rate(submit, 100),
                rate(insert, 100),
                "validation, routing, deadline, timeline, audit, events",
                "`Report.objects.create`",
            )
        ]

    results += writes("")
    results += reads(client, count, categories, places, "")
    if os.environ.get("BENCH_SUGGESTED_INDEX"):
        with connection.schema_editor() as editor:
            for index in _suggested_indexes():
                editor.add_index(Report, index)
        _analyze()
        suffix = ", with the suggested indexes"
        results += writes(suffix)
        results += reads(client, count, categories, places, suffix)
    return results


def reads(client, count: int, categories, places, suffix: str) -> list[Result]:
    """The public list (page and API) and the map's markers, each against a bare query."""
    from tinhso.feedback import selectors
    from tinhso.feedback.models import Report
    from tinhso.feedback.views import common

    results: list[Result] = []
    lights = categories[0]
    ward, agency, lat, lon = places[0]
    # --- The public list --------------------------------------------------------------------------
    status = "in_progress"

    def bare_filtered(_i):
        list(
            Report.objects.filter(category__code=lights.code, status=status)
            .order_by("-created_at", "-id")
            .values(*LIST_FIELDS)[:50]
        )

    def bare_all(_i):
        list(Report.objects.order_by("-created_at", "-id").values(*LIST_FIELDS)[:50])

    _explain(
        "public list, category + status, first page",
        selectors.public_reports(selectors.ReportFilters(category=lights.code, statuses=(status,)))[:20],
    )
    _explain("public list, no filter, first page", selectors.public_reports()[:20])
    _explain(
        "public list count, category + status",
        selectors.public_reports(selectors.ReportFilters(category=lights.code, statuses=(status,)))
        .order_by()
        .values("pk"),
    )
    filtered_page = f"/phan-anh/?linh-vuc={lights.code}&trang-thai={status}"
    assert client.get(filtered_page).status_code == 200
    results.append(
        Timed(
            f"public page `/phan-anh/`, category + status, first page (at {count:,}{suffix})",
            rate(lambda i: client.get(filtered_page), 5),
            rate(bare_filtered, 5),
            "20 reports, count, filters, template",
            "`filter().order_by().values()[:50]`",
        )
    )
    results.append(
        Timed(
            f"public page `/phan-anh/`, no filter, first page (at {count:,}{suffix})",
            rate(lambda i: client.get("/phan-anh/"), 3),
            rate(bare_all, 3),
            "20 reports, count, template",
            "`order_by().values()[:50]`",
        )
    )
    api = f"/api/v1/feedback/reports?category={lights.code}&status={status}&limit=50"
    assert client.get(api).status_code == 200
    results.append(
        Timed(
            f"API `GET /reports`, category + status, 50 items (at {count:,}{suffix})",
            rate(lambda i: client.get(api), 5),
            rate(bare_filtered, 5),
            "public view of 50, count",
            "`filter().order_by().values()[:50]`",
        )
    )

    # --- The map's markers -----------------------------------------------------------------------------
    def bare_markers(box, **extra):
        def query(_i):
            list(
                Report.objects.filter(
                    latitude__gte=box[0],
                    longitude__gte=box[1],
                    latitude__lte=box[2],
                    longitude__lte=box[3],
                    **extra,
                )
                .order_by("-created_at", "-id")
                .values("public_id", "latitude", "longitude", "status")[: common.MAP_MARKER_LIMIT]
            )

        return query

    def bare_newest_with_coordinates(_i):
        list(
            Report.objects.filter(latitude__isnull=False)
            .order_by("-created_at", "-id")
            .values("public_id", "latitude", "longitude", "status")[: common.MAP_MARKER_LIMIT]
        )

    _explain(
        "map data, whole city",
        selectors.public_reports().filter(latitude__isnull=False)[: common.MAP_MARKER_LIMIT + 1],
    )

    assert client.get("/phan-anh/ban-do.json").status_code == 200
    results.append(
        Timed(
            f"map data `/phan-anh/ban-do.json`, {common.MAP_MARKER_LIMIT} markers (at {count:,}{suffix})",
            rate(lambda i: client.get("/phan-anh/ban-do.json"), 3),
            rate(bare_newest_with_coordinates, 3),
            "public view per marker",
            f"`filter(latitude__isnull=False).values()[:{common.MAP_MARKER_LIMIT}]`",
        )
    )
    box = (lat - 0.02, lon - 0.02, lat + 0.02, lon + 0.02)
    url = f"/phan-anh/ban-do.json?linh-vuc={lights.code}&bbox={','.join(str(v) for v in box)}"
    _explain(
        "map data, category + box",
        selectors.public_reports(selectors.ReportFilters(category=lights.code, bbox=box))[:500],
    )
    results.append(
        Timed(
            f"map data, category + a 4 km box around one ward (at {count:,}{suffix})",
            rate(lambda i: client.get(url), 3),
            rate(bare_markers(box, category_id=lights.pk), 3),
            "public view per marker",
            f"`filter(category, bbox).values()[:{common.MAP_MARKER_LIMIT}]`",
        )
    )
    return results
