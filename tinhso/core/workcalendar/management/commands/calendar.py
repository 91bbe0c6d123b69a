"""``tinhso calendar``: working-day arithmetic and the province's declarations from the command line.

    tinhso calendar add --from 2027-02-03T09:00 --days 5
    tinhso calendar between --from 2027-02-01 --to 2027-02-28
    tinhso calendar days --year 2027
    tinhso calendar declare --date 2027-04-19 --kind day_off --reason "..." [--legal-basis "..."]
    tinhso calendar remove --date 2027-04-19
    tinhso calendar load-official

Moments without an offset are read in Asia/Ho_Chi_Minh. A bare date means the start of that day for
--from and the end of that day for --to, so that both days are counted.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import DomainError
from tinhso.core.permissions import SYSTEM
from tinhso.core.workcalendar import arithmetic, selectors, services
from tinhso.core.workcalendar.models import CalendarOverride, OverrideKind
from tinhso.core.workcalendar.official import OFFICIAL_DAYS

WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def _is_bare_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def parse_moment(text: str, *, end_of_day: bool = False) -> dt.datetime:
    """An ISO 8601 moment; without an offset it is Vietnamese time. A bare date is the start of the
    day, or with ``end_of_day`` the start of the next one."""
    text = (text or "").strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date or moment like 2027-02-03T09:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=arithmetic.TZ)
    if end_of_day and _is_bare_date(text):
        moment += dt.timedelta(days=1)
    return moment


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise CommandError(f"{text!r} is not a date like 2027-02-03") from None


class Command(BaseCommand):
    help = "Working days: add, count, list special days, declare days off and make-up days."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        add = actions.add_parser("add", help="Print the moment N working days after a receipt.")
        add.add_argument("--from", dest="start", required=True, help="e.g. 2027-02-03T09:00")
        add.add_argument("--days", type=int, required=True)

        between = actions.add_parser("between", help="Print the number of whole working days.")
        between.add_argument("--from", dest="start", required=True)
        between.add_argument("--to", dest="end", required=True)

        days = actions.add_parser("days", help="List the holidays, make-up days and declarations of a year.")
        days.add_argument("--year", type=int, required=True)

        declare = actions.add_parser("declare", help="Declare a day off or a make-up working day.")
        declare.add_argument("--date", dest="day", required=True)
        declare.add_argument("--kind", required=True, choices=OverrideKind.values)
        declare.add_argument("--reason", required=True)
        declare.add_argument("--legal-basis", dest="legal_basis", default="")

        remove = actions.add_parser("remove", help="Withdraw a declaration.")
        remove.add_argument("--date", dest="day", required=True)

        actions.add_parser(
            "load-official", help="Declare the government's swaps the holidays package does not know."
        )

    def handle(self, *args, action: str, **options):
        handler = getattr(self, "handle_" + action.replace("-", "_"))
        try:
            handler(**options)
        except DomainError as error:
            raise CommandError(f"{error.message_en} ({error.code})") from None

    def handle_add(self, *, start: str, days: int, **_):
        result = services.add_working_days(parse_moment(start), days)
        self.stdout.write(result.isoformat())

    def handle_between(self, *, start: str, end: str, **_):
        count = services.working_days_between(parse_moment(start), parse_moment(end, end_of_day=True))
        self.stdout.write(str(count))

    def handle_days(self, *, year: int, **_):
        if not arithmetic.MIN_YEAR <= year <= arithmetic.MAX_YEAR:
            raise CommandError(f"The year must be between {arithmetic.MIN_YEAR} and {arithmetic.MAX_YEAR}.")
        for entry in selectors.special_days(year):
            status = "làm việc" if entry.working else "nghỉ"
            self.stdout.write(
                f"{entry.day.isoformat()}  {WEEKDAYS[entry.day.weekday()]:<2}  {status:<8}  "
                f"{entry.kind:<11}  {entry.source:<8}  {entry.name}"
            )
        self.stdout.write(f"Working days in {year}: {selectors.working_day_count(year)}")

    def handle_declare(self, *, day: str, kind: str, reason: str, legal_basis: str, **_):
        declare = services.declare_day_off if kind == OverrideKind.DAY_OFF else services.declare_working_day
        override = declare(actor=SYSTEM, day=parse_day(day), reason=reason, legal_basis=legal_basis)
        self.stdout.write(f"Declared {override.day.isoformat()}: {override.kind} ({override.reason})")

    def handle_remove(self, *, day: str, **_):
        services.remove_override(actor=SYSTEM, day=parse_day(day))
        self.stdout.write(f"Removed the declaration of {parse_day(day).isoformat()}")

    def handle_load_official(self, **_):
        for official in OFFICIAL_DAYS:
            existing = CalendarOverride.objects.filter(day=official.day).first()
            if existing is not None and existing.kind == official.kind:
                self.stdout.write(f"{official.day.isoformat()}: already declared")
                continue
            declare = (
                services.declare_day_off
                if official.kind == OverrideKind.DAY_OFF
                else services.declare_working_day
            )
            try:
                declare(
                    actor=SYSTEM, day=official.day, reason=official.reason, legal_basis=official.legal_basis
                )
            except DomainError as error:
                # e.g. a newer holidays package already knows the swap, or an administrator decided otherwise
                self.stdout.write(f"{official.day.isoformat()}: skipped, {error.message_en}")
                continue
            self.stdout.write(f"{official.day.isoformat()}: declared {official.kind}")
