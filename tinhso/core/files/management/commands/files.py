"""``tinhso files purge | purposes | check-scanner``: upkeep of stored files."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.context import RequestContext, bound, new_request_id
from tinhso.core.files import scanning, services
from tinhso.core.files.purposes import MB, registered_purposes
from tinhso.core.permissions import SYSTEM


class Command(BaseCommand):
    help = "Stored files: purge deleted blobs, list upload purposes, check the antivirus."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="Remove the blobs of files deleted before the grace period.")
        purge.add_argument("--grace-days", type=int, default=30)
        purge.add_argument(
            "--orphans", action="store_true", help="Also remove blobs that no file record refers to."
        )
        sub.add_parser("purposes", help="List the upload purposes, their types and size limits.")
        sub.add_parser("check-scanner", help="Ask the configured antivirus whether it answers.")

    def handle(self, *args, action, **options):
        with bound(RequestContext(request_id=new_request_id(), channel="cli")):
            getattr(self, "_" + action.replace("-", "_"))(**options)

    def _purge(self, *, grace_days, orphans, **_):
        if grace_days < 0:
            raise CommandError("--grace-days must be zero or more")
        purged = services.purge_deleted_files(actor=SYSTEM, grace=timedelta(days=grace_days))
        self.stdout.write(f"Purged {purged} deleted file(s).")
        if orphans:
            removed = services.purge_orphan_blobs(actor=SYSTEM)
            self.stdout.write(f"Removed {removed} orphan blob(s).")

    def _purposes(self, **_):
        for purpose in sorted(registered_purposes().values(), key=lambda p: p.name):
            limit = f"{purpose.max_bytes / MB:g} MB"
            self.stdout.write(f"{purpose.name}  ({limit})  {purpose.description}")
            for content_type in sorted(purpose.allowed_types):
                self.stdout.write(f"    {content_type}")

    def _check_scanner(self, **_):
        scanner = scanning.get_scanner()
        if scanner is None:
            self.stdout.write("No antivirus configured: uploads are stored as not_scanned.")
            return
        ping = getattr(scanner, "ping", None)
        if ping is None:
            self.stdout.write(f"Scanner {scanner.name} configured (it has no ping).")
            return
        if not ping():
            raise CommandError(
                f"Scanner {scanner.name} does not answer; uploads are "
                + ("stored unscanned (fail open)." if scanning.fail_open() else "refused (fail closed).")
            )
        self.stdout.write(f"Scanner {scanner.name} answers.")
