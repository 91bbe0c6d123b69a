"""``tinhso ioc``: the operations center's read models.

tinhso ioc rebuild [--source onestop]   # recompute counters and open items from history
tinhso ioc check [--source onestop]     # compare them with the history; exit 1 on a difference
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tinhso.ioc import services
from tinhso.ioc.sources import sources


class Command(BaseCommand):
    help = "Operations center: rebuild or check the KPI read models."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("rebuild", "Recompute the counters and open items from the modules' history"),
            ("check", "Compare the read models with the modules' history"),
        ):
            command = sub.add_parser(name, help=text)
            command.add_argument("--source", help="one data source (default: all)")

    def handle(self, *args, action: str, source: str | None = None, **options):
        known = {s.code for s in sources()}
        if source and source not in known:
            raise CommandError(f"unknown source {source!r} (known: {', '.join(sorted(known))})")
        started = time.perf_counter()
        if action == "rebuild":
            done = services.rebuild(source)
            summary = ", ".join(f"{code}: {cells:,} counter cells" for code, cells in done.items())
            self.stdout.write(f"rebuilt in {time.perf_counter() - started:.1f} s ({summary or 'no source'})")
            return
        differences = services.check(source)
        for line in differences:
            self.stdout.write(line)
        if differences:
            raise CommandError(f"{len(differences)} difference(s) between the read models and the history")
        self.stdout.write("the read models agree with the history")
