"""``tinhso apiclient create | list | rotate | deactivate | scopes | purge``: manage API clients.

The secret is printed once, by ``create`` and ``rotate``; only its hash is stored.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.core import context
from tinhso.core.agencies.models import Agency
from tinhso.core.apiclients import selectors, services
from tinhso.core.apiclients.models import ApiClient
from tinhso.core.errors import DomainError
from tinhso.core.permissions import SYSTEM


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Register, list, rotate and deactivate API clients (OAuth2 client credentials)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{create,list,rotate,deactivate,scopes,purge}"
        )
        create = sub.add_parser("create", help="Register a client; prints its client_id and secret once.")
        create.add_argument("name", help='A name people recognise, e.g. "Ứng dụng di động".')
        create.add_argument(
            "--scopes",
            nargs="+",
            required=True,
            metavar="SCOPE",
            help="Scopes it may request (space- or comma-separated); see 'tinhso apiclient scopes'.",
        )
        create.add_argument("--agency", metavar="CODE", help="Bind the client to this agency's objects only.")
        sub.add_parser("list", help="List clients (never their secrets).")
        rotate = sub.add_parser("rotate", help="Give a client a new secret (printed once).")
        rotate.add_argument("client_id")
        rotate.add_argument(
            "--keep-tokens", action="store_true", help="Do not revoke the access tokens it already holds."
        )
        deactivate = sub.add_parser("deactivate", help="Stop a client and revoke its tokens.")
        deactivate.add_argument("client_id")
        sub.add_parser("scopes", help="List the scopes that permission rules declare.")
        purge = sub.add_parser("purge", help="Delete client access tokens expired for a while.")
        purge.add_argument("--older-than-days", type=int, default=7, metavar="DAYS")

    def handle(self, *args, action: str, **options):
        ctx = context.RequestContext(request_id=context.new_request_id(), channel="cli")
        with context.bound(ctx):
            try:
                getattr(self, f"_{action}")(**options)
            except DomainError as exc:
                raise CommandError(f"{exc.message_en} [{exc.code}]") from None

    def _client(self, client_id: str) -> ApiClient:
        client = selectors.api_client_by_client_id(actor=SYSTEM, client_id=client_id)
        if client is None:
            raise CommandError(f"No API client with client_id {client_id!r}.")
        return client

    def _print_secret(self, client: ApiClient, secret: str) -> None:
        self.stdout.write(f"client_id:     {client.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write(
            self.style.WARNING("The secret is shown this once only and cannot be recovered: store it now.")
        )

    def _create(self, *, name: str, scopes: list[str], agency: str | None, **_):
        scopes = [s for item in scopes for s in item.replace(",", " ").split()]
        agency_obj = None
        if agency:
            agency_obj = Agency.objects.filter(code=agency).first()
            if agency_obj is None:
                raise CommandError(f"No agency with code {agency!r}.")
        client, secret = services.create_api_client(actor=SYSTEM, name=name, scopes=scopes, agency=agency_obj)
        self.stdout.write(self.style.SUCCESS(f"Created API client {client.name!r}."))
        self.stdout.write(f"scopes:        {' '.join(client.scopes)}")
        if agency_obj is not None:
            self.stdout.write(f"agency:        {agency_obj.code} ({agency_obj.name})")
        self._print_secret(client, secret)

    def _list(self, **_):
        clients = list(selectors.api_clients(actor=SYSTEM))
        if not clients:
            self.stdout.write("No API clients.")
            return
        for client in clients:
            self.stdout.write(
                f"{client.client_id}  {'active  ' if client.is_active else 'INACTIVE'}  "
                f"{client.name}  scopes={' '.join(client.scopes)}  "
                f"agency={client.agency.code if client.agency_id else '-'}  "
                f"last_used={_local(client.last_used_at)}"
            )

    def _rotate(self, *, client_id: str, keep_tokens: bool, **_):
        client, secret = services.rotate_client_secret(
            actor=SYSTEM, client=self._client(client_id), revoke_tokens=not keep_tokens
        )
        self.stdout.write(self.style.SUCCESS(f"New secret for {client.name!r}; the old one no longer works."))
        self._print_secret(client, secret)

    def _deactivate(self, *, client_id: str, **_):
        client = services.deactivate_api_client(actor=SYSTEM, client=self._client(client_id))
        self.stdout.write(self.style.SUCCESS(f"Deactivated {client.name!r} ({client.client_id})."))

    def _scopes(self, **_):
        known = selectors.known_scopes()
        if not known:
            self.stdout.write("No scopes are declared yet (no permission rule has a scope).")
            return
        for info in known.values():
            self.stdout.write(f"{info.scope}: {', '.join(info.actions)}")

    def _purge(self, *, older_than_days: int, **_):
        if older_than_days < 0:
            raise CommandError("--older-than-days must not be negative")
        deleted = services.purge_expired_tokens(actor=SYSTEM, older_than=timedelta(days=older_than_days))
        self.stdout.write(f"Deleted {deleted} expired access token(s).")
