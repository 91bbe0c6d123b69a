"""``tinhso demo load`` seeds the demo province; ``tinhso demo logins`` prints how to sign in."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.demo import services


class Command(BaseCommand):
    help = "Demo province (Hậu Giang and its 2025 transition into Cần Thơ): load it, print its sign-ins."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{load,logins}")
        load = sub.add_parser("load", help="Load the demo agencies, officers and citizens (idempotent).")
        logins = sub.add_parser("logins", help="Print the demo accounts with their current TOTP codes.")
        for action in (load, logins):
            action.add_argument(
                "--force",
                action="store_true",
                help="Run even with DEBUG off. Demo accounts have published passwords: never in production.",
            )

    def handle(self, *args, action: str, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to touch demo accounts (their passwords and TOTP secrets are public). "
                "Use DEBUG=1, or --force if this really is a demo server."
            )
        if action == "load":
            self._load()
        else:
            self._logins()

    def _load(self) -> None:
        report = services.load_demo()
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        created = ", ".join(f"{count} {what}" for what, count in sorted(report.created.items())) or "nothing"
        updated = ", ".join(f"{count} {what}" for what, count in sorted(report.updated.items())) or "nothing"
        self.stdout.write(
            self.style.SUCCESS(f"Demo province loaded. Created: {created}. Updated: {updated}.")
        )

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
