"""``tinhso dossiers``: periodic work of the one-stop office.

    tinhso dossiers remind [--soon-days 1]   # queue reminders for steps due soon or overdue
    tinhso dossiers send-notifications       # retry pending/failed notifications with the senders
    tinhso dossiers signing demo-ca          # demo CA and signing certificates (DEBUG only)

Both are idempotent: run them from a timer (e.g. every 15 minutes during office hours).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import DomainError
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers import services
from tinhso.dossiers.signing import commands as signing_commands


class Command(BaseCommand):
    help = "One-stop office: step reminders and notification delivery."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="Queue reminders to the owners of steps due soon or overdue")
        remind.add_argument("--soon-days", type=int, default=1, help="working days before the due date")
        sub.add_parser("send-notifications", help="Send pending notifications with the configured senders")
        signing_commands.add_parser(sub)

    def handle(self, *args, action: str, **options):
        if action == "signing":
            signing_commands.run(options, self.stdout)
            return
        try:
            if action == "remind":
                if options["soon_days"] < 0:
                    raise CommandError("--soon-days must be 0 or more")
                counts = services.remind_due_steps(actor=SYSTEM, soon_days=options["soon_days"])
            else:
                counts = services.deliver_pending(actor=SYSTEM)
        except DomainError as exc:
            raise CommandError(exc.message_en) from exc
        summary = ", ".join(f"{key}={value}" for key, value in sorted(counts.items())) or "nothing to do"
        self.stdout.write(summary)
