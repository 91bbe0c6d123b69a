"""``tinhso open311 issue-key | revoke-key | keys``: the API keys of Open311 client applications."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.core.context import RequestContext, bound, new_request_id
from tinhso.core.errors import DomainError
from tinhso.core.permissions import SYSTEM
from tinhso.feedback.open311 import selectors, services
from tinhso.feedback.open311.models import DEFAULT_RATE_LIMIT_PER_MINUTE


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = "Open311 GeoReport v2: issue, revoke and list the API keys of client applications."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue-key", help="Issue a key to a client application and print it (once).")
        issue.add_argument("name", help='The client application\'s name, e.g. "Ứng dụng Cần Thơ Số".')
        issue.add_argument(
            "--rate-limit",
            type=int,
            default=DEFAULT_RATE_LIMIT_PER_MINUTE,
            help=f"Requests per minute allowed with this key (default {DEFAULT_RATE_LIMIT_PER_MINUTE}).",
        )
        revoke = sub.add_parser("revoke-key", help="Revoke a key at once, by the prefix shown in lists.")
        revoke.add_argument("prefix", help="The key's prefix, e.g. o311_AbCdEfG.")
        keys = sub.add_parser("keys", help="List the keys (prefix, application, limit, use, status).")
        keys.add_argument("--active", action="store_true", help="Only keys that are not revoked.")

    def handle(self, *args, action, **options):
        with bound(RequestContext(request_id=new_request_id(), channel="cli")):
            try:
                getattr(self, "_" + action.replace("-", "_"))(**options)
            except DomainError as error:
                raise CommandError(f"{error.message_en} ({error.code})") from None

    def _issue_key(self, *, name, rate_limit, **_):
        key, plain = services.issue_api_key(actor=SYSTEM, name=name, rate_limit_per_minute=rate_limit)
        self.stdout.write(
            f"Issued an Open311 key for “{key.name}” ({key.rate_limit_per_minute} requests/minute)."
        )
        self.stdout.write("The key is shown this once only; give it to the application's developers:")
        self.stdout.write(plain)
        self.stdout.write(f"Prefix (for lists and revocation): {key.prefix}")

    def _revoke_key(self, *, prefix, **_):
        key = selectors.api_key_by_prefix(SYSTEM, prefix)
        already = key.revoked_at is not None
        key = services.revoke_api_key(actor=SYSTEM, key=key)
        if already:
            self.stdout.write(
                f"The key {key.prefix} (“{key.name}”) was already revoked on {_when(key.revoked_at)}."
            )
        else:
            self.stdout.write(f"Revoked the key {key.prefix} (“{key.name}”).")

    def _keys(self, *, active, **_):
        rows = list(selectors.api_keys(SYSTEM, include_revoked=not active))
        if not rows:
            self.stdout.write("No Open311 keys.")
            return
        self.stdout.write(
            f"{'PREFIX':<14}{'STATUS':<9}{'LIMIT/MIN':>10}{'REPORTS':>9}  {'CREATED':<17} {'LAST USED':<17} APPLICATION"
        )
        for key in rows:
            status = "active" if key.revoked_at is None else "revoked"
            self.stdout.write(
                f"{key.prefix:<14}{status:<9}{key.rate_limit_per_minute:>10}{key.report_count:>9}  "
                f"{_when(key.created_at):<17} {_when(key.last_used_at):<17} {key.name}"
            )
