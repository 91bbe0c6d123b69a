"""``tinhso dossiers``: periodic work of the one-stop office.

    tinhso dossiers remind [--soon-days 1]   # queue reminders for steps due soon or overdue
    tinhso dossiers send-notifications       # retry pending/failed notifications with the senders
    tinhso dossiers signing demo-ca          # demo CA and signing certificates (DEBUG only)
    tinhso dossiers stats close-days         # materialise the statistics of every ended day
    tinhso dossiers stats rebuild [--from D] [--to D]   # recompute the statistics read model
    tinhso dossiers stats check --from D --to D         # compare it with the dossiers

Reminders and notifications are idempotent: run them from a timer (e.g. every 15 minutes
during office hours); ``stats close-days`` from a timer after midnight (it catches up).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import DomainError
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers import services
from tinhso.dossiers.signing import commands as signing_commands


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = "One-stop office: step reminders and notification delivery."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="Queue reminders to the owners of steps due soon or overdue")
        remind.add_argument("--soon-days", type=int, default=1, help="working days before the due date")
        sub.add_parser("send-notifications", help="Send pending notifications with the configured senders")
        signing_commands.add_parser(sub)
        stats = sub.add_parser("stats", help="The statistics read model (docs/onestop.md)")
        stats_sub = stats.add_subparsers(dest="stats_action", required=True)
        stats_sub.add_parser("close-days", help="Materialise every ended day not yet materialised")
        for name, text in (
            ("rebuild", "Recompute the read model from the dossiers (default: all days to yesterday)"),
            ("check", "Compare the stored figures with a computation from the dossiers"),
        ):
            command = stats_sub.add_parser(name, help=text)
            command.add_argument("--from", dest="date_from", type=_date, required=name == "check")
            command.add_argument("--to", dest="date_to", type=_date, required=name == "check")

    def handle(self, *args, action: str, **options):
        if action == "signing":
            signing_commands.run(options, self.stdout)
            return
        if action == "stats":
            self._stats(options)
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

    def _stats(self, options) -> None:
        from tinhso.dossiers.stats import readmodel

        action = options["stats_action"]
        started = time.perf_counter()
        if action == "close-days":
            days = readmodel.close_days()
            self.stdout.write(
                f"{len(days)} day(s) materialised" + (f": {days[0]} … {days[-1]}" if days else "")
            )
        elif action == "rebuild":

            def progress(done: int, total: int) -> None:
                if done == total or done % 50 == 0:
                    sys.stderr.write(f"\r{done}/{total} ({100 * done // total} %)")
                    sys.stderr.flush()

            count = readmodel.rebuild(options["date_from"], options["date_to"], progress=progress)
            sys.stderr.write("\n")
            self.stdout.write(f"{count} day(s) rebuilt in {time.perf_counter() - started:.1f} s")
        else:
            if options["date_from"] > options["date_to"]:
                raise CommandError("--from must not be after --to")
            differences = readmodel.check(options["date_from"], options["date_to"])
            for line in differences:
                self.stdout.write(line)
            if differences:
                raise CommandError(
                    f"{len(differences)} difference(s) between the read model and the dossiers"
                )
            self.stdout.write("the read model agrees with the dossiers")
