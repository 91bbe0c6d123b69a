"""``tinhso demo load`` seeds the demo province; ``tinhso demo logins`` prints how to sign in;
``tinhso demo --dossiers N`` (or ``tinhso demo load --dossiers N``) adds N generated dossiers."""

from __future__ import annotations

import argparse
import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.demo import services


class Command(BaseCommand):
    help = "Demo province (Hậu Giang and its 2025 transition into Cần Thơ): load it, print its sign-ins."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=False, metavar="{load,logins}")
        load = sub.add_parser("load", help="Load the demo agencies, officers and citizens (idempotent).")
        logins = sub.add_parser("logins", help="Print the demo accounts with their current TOTP codes.")
        # Accepted before or after the action ("demo --force load", "demo load --force"); the
        # sub-command's copy must not overwrite the main one with its default.
        for target, default in ((parser, False), (load, argparse.SUPPRESS), (logins, argparse.SUPPRESS)):
            target.add_argument(
                "--force",
                action="store_true",
                default=default,
                help="Run even with DEBUG off. Demo accounts have published passwords: never in production.",
            )
        for target, default in ((parser, None), (load, argparse.SUPPRESS)):
            self._generator_arguments(target, default)

    @staticmethod
    def _generator_arguments(parser, default):
        suppress = default is argparse.SUPPRESS
        parser.add_argument(
            "--dossiers",
            type=int,
            default=default,
            metavar="N",
            help="Also generate N realistic dossiers of past years (bulk, no audit, no events; see docs/onestop.md).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=argparse.SUPPRESS if suppress else 1,
            help="Generator seed (default 1).",
        )
        parser.add_argument(
            "--since",
            type=dt.date.fromisoformat,
            default=argparse.SUPPRESS if suppress else None,
            metavar="YYYY-MM-DD",
            help="First day of generated submissions (default 2022-01-01).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=argparse.SUPPRESS if suppress else None,
            help="Dossiers per transaction (default 5000).",
        )

    def handle(
        self, *args, action: str | None = None, force: bool = False, dossiers: int | None = None, **options
    ):
        if action is None and dossiers is None:
            raise CommandError("Give an action (load, logins) or --dossiers N.")
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to touch demo accounts (their passwords and TOTP secrets are public). "
                "Use DEBUG=1, or --force if this really is a demo server."
            )
        if action == "load":
            self._load()
        elif action == "logins":
            self._logins()
        if dossiers is not None:
            self._generate(dossiers, options)

    def _load(self) -> None:
        report = services.load_demo()
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        created = ", ".join(f"{count} {what}" for what, count in sorted(report.created.items())) or "nothing"
        updated = ", ".join(f"{count} {what}" for what, count in sorted(report.updated.items())) or "nothing"
        self.stdout.write(
            self.style.SUCCESS(f"Demo province loaded. Created: {created}. Updated: {updated}.")
        )

    def _generate(self, count: int, options) -> None:
        from tinhso.dossiers import generator

        progress = generator.Progress(count, stream=self.stderr)
        kwargs = {"count": count, "seed": options.get("seed", 1), "progress": progress}
        if options.get("since"):
            kwargs["since"] = options["since"]
        if options.get("batch_size"):
            kwargs["batch_size"] = options["batch_size"]
        try:
            report = generator.generate_dossiers(**kwargs)
        except generator.GenerationError as exc:
            raise CommandError(str(exc)) from exc
        rows = ", ".join(f"{number:,} {name}" for name, number in report.rows.items() if name != "dossiers")
        states = ", ".join(f"{state} {number:,}" for state, number in report.states.most_common())
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {report.count:,} dossiers submitted {report.first_day} to {report.last_day} "
                f"in {report.seconds:.1f} s ({report.rate:,.0f} dossiers/s)."
            )
        )
        self.stdout.write(f"Rows: {rows}.")
        self.stdout.write(f"States now: {states}.")
        if report.skipped:
            self.stdout.write(
                f"Left out (the services would refuse them): {len(report.skipped)} procedure/agency pairs."
            )
        # The generated history lies in the past: the statistics read model is rebuilt for it.
        from tinhso.dossiers.stats import readmodel

        started = time.perf_counter()
        days = readmodel.rebuild(report.first_day)
        self.stdout.write(
            f"Statistics read model rebuilt: {days:,} days in {time.perf_counter() - started:.1f} s."
        )
        from tinhso.ioc import services as ioc

        started = time.perf_counter()
        ioc.rebuild()
        self.stdout.write(f"Operations center figures rebuilt in {time.perf_counter() - started:.1f} s.")

    def _logins(self) -> None:
        logins = services.demo_logins()
        if not logins:
            self.stdout.write("No demo accounts. Run `tinhso demo load` first.")
            return
        header = ("username", "password", "role", "agency", "TOTP secret (base32)", "code now")
        rows = [header] + [
            (x.username, x.password, x.role, x.agency, x.totp_secret or "-", x.totp_code or "-")
            for x in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        self.stdout.write("Demo sign-ins (demo data only: these passwords and secrets are public)")
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write(
            "Officers: sign in with the username and password, then type the current 6-digit code from an "
            "authenticator app set up with the secret (codes change every 30 seconds; the one printed "
            f"above expires in {services.seconds_left_now()} s). Citizens sign in with their ID number."
        )
