"""``tinhso feedback close-stale | overdue``: upkeep of citizen field reports."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.core.context import RequestContext, bound, new_request_id
from tinhso.core.permissions import SYSTEM
from tinhso.feedback import selectors, services


class Command(BaseCommand):
    help = "Citizen field reports: close resolved reports nobody confirmed, list overdue reports."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        close = sub.add_parser(
            "close-stale",
            help="Close reports resolved more than N days ago that the reporter neither confirmed nor reopened.",
        )
        close.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days after resolution (default: FEEDBACK_AUTO_CLOSE_DAYS, 7).",
        )
        sub.add_parser("overdue", help="Count the open reports past their deadline, by agency.")

    def handle(self, *args, action, **options):
        with bound(RequestContext(request_id=new_request_id(), channel="cli")):
            getattr(self, "_" + action.replace("-", "_"))(**options)

    def _close_stale(self, *, days, **_):
        if days is not None and days < 0:
            raise CommandError("--days must be zero or more")
        closed = services.close_stale_reports(actor=SYSTEM, days=days)
        self.stdout.write(
            f"Closed {len(closed)} report(s) resolved more than {services.auto_close_days() if days is None else days} day(s) ago."
        )
        for public_id in closed:
            self.stdout.write(f"  {public_id}")

    def _overdue(self, **_):
        stats = selectors.statistics(now=timezone.now())
        self.stdout.write(f"Overdue now: {stats['overdue_now']}")
        rows = selectors.reports_for_handler(SYSTEM, selectors.ReportFilters(overdue=True)).values_list(
            "agency__code", "agency__name"
        )
        counts: dict[tuple[str, str], int] = {}
        for row in rows:
            counts[row] = counts.get(row, 0) + 1
        for (code, name), count in sorted(counts.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {count:5d}  {code}  {name}")
