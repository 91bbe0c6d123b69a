"""``tinhso ioc_alerts``: the operations center's alert rules.

tinhso ioc_alerts evaluate   # evaluate every active rule now (the every-minute timer runs this)
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tinhso.ioc.alerts import evaluate_rules


class Command(BaseCommand):
    help = "Operations center: evaluate the alert rules (open, update and clear alerts)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("evaluate", help="Evaluate every active alert rule now")

    def handle(self, *args, action: str, **options):
        started = time.perf_counter()
        result = evaluate_rules()
        self.stdout.write(
            f"evaluated {result.evaluated} rule(s) in {time.perf_counter() - started:.2f} s: "
            f"{result.opened} opened, {result.updated} updated, {result.cleared} cleared"
        )
        if result.failed:
            raise CommandError(
                f"{len(result.failed)} rule(s) could not be evaluated: {', '.join(result.failed)}"
            )
