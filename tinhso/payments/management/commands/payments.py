"""``tinhso payments``: reconciliation and housekeeping of online payments.

    tinhso payments reconcile [--date YYYY-MM-DD] [--provider NAME]   # default: yesterday, Vietnam time
    tinhso payments expire                # ask providers about pending payments past their expiry
    tinhso payments sandbox-send          # send the sandbox's due notifications (no deferring backend)
    tinhso payments providers             # the providers this server knows

Run ``reconcile`` once a day after the providers' statements close (e.g. 02:00) and ``expire``
every few minutes; see docs/payments.md for systemd timers.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.core.errors import DomainError
from tinhso.core.permissions import SYSTEM
from tinhso.payments import conf, services
from tinhso.payments.providers import provider_names, sandbox
from tinhso.payments.services import TZ


class Command(BaseCommand):
    help = "Online payments: daily reconciliation, expiry of pending payments, sandbox notifications."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        reconcile = actions.add_parser(
            "reconcile", help="Compare a day's provider statement with the payments."
        )
        reconcile.add_argument("--date", dest="day", help="YYYY-MM-DD (default: yesterday, Vietnam time)")
        reconcile.add_argument("--provider", help="Default: PAYMENT_PROVIDER")
        reconcile.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the run's details as JSON"
        )
        actions.add_parser("expire", help="Refresh pending payments past their expiry from their provider.")
        actions.add_parser("sandbox-send", help="Send the sandbox gateway's notifications that are due.")
        actions.add_parser("providers", help="List the payment providers.")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, "_" + action.replace("-", "_"))(**options)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message_en}") from None

    def _reconcile(self, *, day=None, provider=None, as_json=False, **_):
        if day:
            try:
                when = dt.date.fromisoformat(day)
            except ValueError:
                raise CommandError(f"{day!r} is not a date like 2026-01-31") from None
        else:
            when = timezone.now().astimezone(TZ).date() - dt.timedelta(days=1)
        run = services.reconcile_day(actor=SYSTEM, day=when, provider=provider)
        self.stdout.write(
            f"{run.provider} {run.day}: {run.statement_count} on the statement, {run.matched_count} matched, "
            f"{run.mismatched_count} mismatched, {run.corrected_count} corrected (run #{run.pk})"
        )
        if as_json:
            self.stdout.write(_dumps(run.details))

    def _expire(self, **_):
        counts = services.expire_overdue_payments(actor=SYSTEM)
        self.stdout.write(
            f"{counts['checked']} checked, {counts['changed']} changed, {counts['failed']} failed"
        )

    def _sandbox_send(self, **_):
        if not conf.sandbox_enabled():
            raise CommandError("The sandbox is disabled on this server (PAYMENT_SANDBOX_ENABLED).")
        self.stdout.write(f"{sandbox.send_due_callbacks()} notification(s) sent")

    def _providers(self, **_):
        default = conf.provider_name()
        for name in provider_names():
            self.stdout.write(f"{name}{'  (default)' if name == default else ''}")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
