"""``tinhso accounts create-admin``: the first platform administrator of a new installation.

Everything else about people is done in the UI or the API by an administrator; this command
exists because the very first one has nobody to create them. It runs as SYSTEM (only an operator
with shell access on the server can start it) and goes through the same services as the UI.
"""

from __future__ import annotations

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tinhso.core.accounts import services
from tinhso.core.accounts.models import Role
from tinhso.core.agencies import services as agency_services
from tinhso.core.agencies.models import Agency, AgencyKind
from tinhso.core.errors import DomainError
from tinhso.core.permissions import SYSTEM


class Command(BaseCommand):
    help = "Manage accounts from the server: create-admin."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-admin", help="Create a platform administrator officer.")
        create.add_argument("--username", required=True)
        create.add_argument("--full-name", required=True)
        create.add_argument("--email", default="")
        create.add_argument("--agency", required=True, help="Code of the agency the administrator belongs to")
        create.add_argument(
            "--agency-name",
            default="",
            help="On a new installation: register the agency (a provincial People's Committee) with this name",
        )
        create.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input"
        )

    def handle(self, *args, **options):
        if options["action"] == "create-admin":
            self._create_admin(options)

    def _create_admin(self, options) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None and not options["agency_name"]:
            raise CommandError(
                f"No agency has the code {options['agency']!r}; give --agency-name to register it."
            )
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            with transaction.atomic():
                if agency is None:
                    agency = agency_services.create_agency(
                        actor=SYSTEM,
                        code=options["agency"],
                        name=options["agency_name"],
                        kind=AgencyKind.PROVINCIAL_COMMITTEE,
                    )
                user = services.create_officer(
                    actor=SYSTEM,
                    username=options["username"],
                    full_name=options["full_name"],
                    email=options["email"],
                    password=password,
                )
                services.assign_role(actor=SYSTEM, user=user, agency=agency, role=Role.PLATFORM_ADMIN)
        except DomainError as error:
            raise CommandError(error.message_en) from None
        self.stdout.write(
            f"Created platform administrator {user.username} in {agency.name}. "
            "They enrol two-factor authentication at their first sign-in."
        )
