import pytest

from tinhso.core.apiclients import services
from tinhso.core.apiclients.tests.token_requests import request_token
from tinhso.core.permissions import SYSTEM, Rule, temporary_rules

READ = Rule(
    "test.read_things",
    "Đọc dữ liệu thử / Read test things",
    roles=frozenset({"leader"}),
    scope="things:read",
    agency_of=lambda obj: obj.pk,
)
WRITE = Rule(
    "test.write_things",
    "Ghi dữ liệu thử / Write test things",
    roles=frozenset({"leader"}),
    scope="things:write",
    agency_of=lambda obj: obj.pk,  # the test "thing" is an agency: it owns itself
)


@pytest.fixture(autouse=True)
def test_rules():
    with temporary_rules(READ, WRITE):
        yield


@pytest.fixture
def audit_calls(monkeypatch):
    """Every audit.record call made by the apiclients services, to check what is (not) recorded."""
    calls = []

    def record(*, actor, action, obj=None, changes=None, summary=""):
        calls.append({"actor": actor, "action": action, "obj": obj, "changes": changes or {}})

    monkeypatch.setattr(services.audit, "record", record)
    return calls


@pytest.fixture
def make_client(db):
    def make(scopes=("things:read", "things:write"), agency=None, name="Ứng dụng di động"):
        return services.create_api_client(actor=SYSTEM, name=name, scopes=list(scopes), agency=agency)

    return make


@pytest.fixture
def token_for(client):
    """A fresh access token for a client, through the real token endpoint."""

    def get(api_client, secret, scope=None):
        response = request_token(client, api_client.client_id, secret, scope=scope)
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    return get
