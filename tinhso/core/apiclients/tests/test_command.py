import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tinhso.core.apiclients import credentials
from tinhso.core.apiclients.models import ApiClient

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("apiclient", *args, stdout=out)
    return out.getvalue()


def printed_credentials(output: str) -> tuple[str, str]:
    client_id = re.search(r"client_id:\s+(\S+)", output).group(1)
    secret = re.search(r"client_secret:\s+(\S+)", output).group(1)
    return client_id, secret


def test_create_prints_the_secret_once_and_stores_its_hash(agency):
    output = run(
        "create", "Ứng dụng di động", "--scopes", "things:read,things:write", "--agency", agency.code
    )
    client_id, secret = printed_credentials(output)
    client = ApiClient.objects.get(client_id=client_id)
    assert client.name == "Ứng dụng di động"
    assert client.scopes == ["things:read", "things:write"]
    assert client.agency == agency
    assert credentials.matches(secret, client.secret_hash)
    listing = run("list")
    assert client_id in listing and secret not in listing and "things:read things:write" in listing


def test_rotate_and_deactivate():
    client_id, secret = printed_credentials(run("create", "App", "--scopes", "things:read"))
    _, new_secret = printed_credentials(run("rotate", client_id))
    client = ApiClient.objects.get(client_id=client_id)
    assert new_secret != secret and credentials.matches(new_secret, client.secret_hash)
    assert "Deactivated" in run("deactivate", client_id)
    client.refresh_from_db()
    assert not client.is_active
    assert "INACTIVE" in run("list")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "App", "--scopes", "units:teleport"], "Unknown scope"),
        (["create", "App", "--scopes", "things:read", "--agency", "nope"], "No agency"),
        (["rotate", "tsc_nope"], "No API client"),
        (["deactivate", "tsc_nope"], "No API client"),
    ],
)
def test_bad_input_is_a_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiClient.objects.exists()


def test_scopes_lists_what_rules_declare():
    output = run("scopes")
    assert "things:read: test.read_things" in output
