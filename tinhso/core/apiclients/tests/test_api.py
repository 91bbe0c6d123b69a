"""The administration endpoints: API clients (administrators) and one's own personal tokens."""

import pytest
from django.test import Client

from tinhso.core.apiclients import services
from tinhso.core.apiclients.models import ApiClient, PersonalAccessToken

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/oauth/clients"
TOKENS = "/api/v1/oauth/personal-tokens"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(http, url, data=None, **extra):
    return http.post(url, data or {}, content_type="application/json", **extra)


def test_admin_registers_a_client_and_sees_the_secret_once(client, platform_admin, agency):
    client.force_login(platform_admin)
    response = post(
        client, CLIENTS, {"name": "Ứng dụng di động", "scopes": ["things:read"], "agency_code": agency.code}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["client_secret"].startswith("tss_")
    assert body["agency_code"] == agency.code and body["scopes"] == ["things:read"]
    listed = client.get(CLIENTS).json()
    assert listed["count"] == 1
    assert "client_secret" not in listed["items"][0] and "secret_hash" not in listed["items"][0]
    assert body["client_secret"] not in str(listed)
    assert listed["items"][0]["client_id"] == body["client_id"]


def test_register_with_unknown_scope_or_agency_is_refused(client, platform_admin):
    client.force_login(platform_admin)
    response = post(client, CLIENTS, {"name": "X", "scopes": ["units:teleport"]})
    assert response.status_code == 422
    assert response.json()["code"] == "apiclients.unknown_scope"
    response = post(client, CLIENTS, {"name": "X", "scopes": ["things:read"], "agency_code": "nope"})
    assert response.status_code == 404
    assert response.json()["code"] == "agency.not_found"
    response = post(client, CLIENTS, {"name": "X", "scopes": "things:read"})
    assert response.status_code == 422
    assert not ApiClient.objects.exists()


def test_only_admins_with_a_session_manage_clients(client, make_officer, agency, make_client, token_for):
    api_client, secret = make_client()
    leader = make_officer(roles=[(agency, "leader")])
    client.force_login(leader)
    assert post(client, CLIENTS, {"name": "X", "scopes": ["things:read"]}).status_code == 403
    assert client.get(CLIENTS).status_code == 403
    client.logout()
    token = token_for(api_client, secret)
    assert post(client, CLIENTS, {"name": "X", "scopes": ["things:read"]}, **bearer(token)).status_code == 403
    assert client.get(CLIENTS, **bearer(token)).status_code == 403
    assert ApiClient.objects.count() == 1


def test_admin_rotates_and_deactivates(client, platform_admin, make_client):
    api_client, secret = make_client()
    client.force_login(platform_admin)
    rotated = post(client, f"{CLIENTS}/{api_client.client_id}/rotate-secret")
    assert rotated.status_code == 200, rotated.content
    assert rotated.json()["client_secret"] != secret
    deactivated = post(client, f"{CLIENTS}/{api_client.client_id}/deactivate")
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False
    missing = post(client, f"{CLIENTS}/tsc_nope/deactivate")
    assert missing.status_code == 404 and missing.json()["code"] == "apiclients.not_found"


def test_session_csrf_is_enforced(platform_admin):
    http = Client(enforce_csrf_checks=True)
    http.force_login(platform_admin)
    response = post(http, CLIENTS, {"name": "X", "scopes": ["things:read"]})
    assert response.status_code == 403
    assert not ApiClient.objects.exists()


def test_person_manages_own_personal_tokens(client, make_officer, agency):
    officer = make_officer(roles=[(agency, "leader")])
    client.force_login(officer)
    created = post(client, TOKENS, {"name": "Báo cáo", "scopes": ["things:read"]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["token"].startswith("tsp_") and body["prefix"] == body["token"][:10]
    listed = client.get(TOKENS).json()
    assert listed["count"] == 1 and "token" not in listed["items"][0]
    assert body["token"] not in str(listed)

    # A token cannot make tokens, list them or revoke them.
    for response in (
        post(client, TOKENS, {"name": "x", "scopes": ["things:read"]}, **bearer(body["token"])),
        client.get(TOKENS, **bearer(body["token"])),
        client.delete(f"{TOKENS}/{body['id']}", **bearer(body["token"])),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "apiclients.session_required"

    revoked = client.delete(f"{TOKENS}/{body['id']}")
    assert revoked.status_code == 204
    assert PersonalAccessToken.objects.get().revoked
    assert client.get("/api/v1/accounts/me", **bearer(body["token"])).status_code == 401


def test_personal_token_bad_input(client, make_citizen):
    citizen = make_citizen()
    client.force_login(citizen)
    for data, code in [
        ({"name": "x", "scopes": ["nope:nope"]}, "apiclients.unknown_scope"),
        ({"name": "", "scopes": ["things:read"]}, "apiclients.invalid_name"),
        (
            {"name": "x", "scopes": ["things:read"], "expires_at": "2001-01-01T00:00:00Z"},
            "apiclients.invalid_expiry",
        ),
        ({"name": "x"}, "validation_failed"),
    ]:
        response = post(client, TOKENS, data)
        assert response.status_code == 422, response.content
        assert response.json()["code"] == code
    assert not PersonalAccessToken.objects.exists()


def test_cannot_revoke_someone_elses_token(client, make_officer, agency):
    owner = make_officer(roles=[(agency, "leader")])
    other = make_officer(roles=[(agency, "leader")])
    token, _ = services.create_personal_token(actor=owner, user=owner, name="a", scopes=["things:read"])
    client.force_login(other)
    response = client.delete(f"{TOKENS}/{token.public_id}")
    assert response.status_code == 404
    token.refresh_from_db()
    assert not token.revoked


def test_scopes_are_listed(client, make_officer, agency):
    client.force_login(make_officer(roles=[(agency, "leader")]))
    scopes = {s["scope"]: s for s in client.get("/api/v1/oauth/scopes").json()}
    assert scopes["things:read"]["actions"] == ["test.read_things"]
