"""The OAuth2 token endpoint through the test client, as another system would call it."""

import json
from urllib.parse import urlencode

import pytest

from tinhso.core.apiclients.models import AccessToken
from tinhso.core.apiclients.tests.token_requests import FORM, TOKEN_URL, basic, request_token

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"error", "error_description", "code", "message", "message_vi", "message_en"}


def assert_oauth_error(response, status, error, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert ERROR_KEYS <= set(body)
    assert body["error"] == error
    assert body["code"] == (code or f"oauth.{error}")
    assert body["error_description"].isascii()
    assert response["Cache-Control"] == "no-store"
    return body


def test_full_client_credentials_flow(client, make_client):
    api_client, secret = make_client(scopes=["things:read", "things:write"])
    response = request_token(client, api_client.client_id, secret)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "things:read things:write"

    me = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.status_code == 200, me.content
    assert me.json()["kind"] == "client"
    assert me.json()["username"] == "Ứng dụng di động"
    assert me.json()["scopes"] == ["things:read", "things:write"]
    api_client.refresh_from_db()
    assert api_client.last_used_at is not None


def test_credentials_in_the_body_work_too(client, make_client):
    api_client, secret = make_client()
    response = request_token(client, api_client.client_id, secret, use_basic=False, scope="things:read")
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "things:read"


def test_basic_credentials_are_form_urlencoded_first(client, make_client):
    """RFC 6749 §2.3.1: id and secret are form-urlencoded before base64; ours need no escaping,
    but an escaped form of the same values must still be accepted."""
    api_client, secret = make_client()
    escaped = secret.replace("-", "%2D")
    response = request_token(client, api_client.client_id, escaped)
    assert response.status_code == 200, response.content


def test_wrong_secret_is_invalid_client_and_audited(client, make_client, audit_calls):
    api_client, secret = make_client()
    response = request_token(client, api_client.client_id, secret + "x")
    body = assert_oauth_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic")
    assert body["message_vi"] and body["message_en"] == "Client authentication failed."
    assert not AccessToken.objects.exists()
    failed = [c for c in audit_calls if c["action"] == "apiclients.client_auth_failed"]
    assert len(failed) == 1
    assert failed[0]["changes"]["client_id"] == api_client.client_id
    assert failed[0]["changes"]["reason"] == "wrong_secret"
    assert secret not in repr(audit_calls)


def test_unknown_client_and_deactivated_client_look_the_same(client, make_client):
    from tinhso.core.apiclients import services
    from tinhso.core.permissions import SYSTEM

    api_client, secret = make_client()
    unknown = request_token(client, "tsc_doesnotexist", secret)
    services.deactivate_api_client(actor=SYSTEM, client=api_client)
    inactive = request_token(client, api_client.client_id, secret)
    assert assert_oauth_error(unknown, 401, "invalid_client") == assert_oauth_error(
        inactive, 401, "invalid_client"
    )


def test_unknown_scope_is_invalid_scope(client, make_client):
    api_client, secret = make_client(scopes=["things:read"])
    response = request_token(client, api_client.client_id, secret, scope="things:read things:write")
    assert_oauth_error(response, 400, "invalid_scope")
    malformed = request_token(client, api_client.client_id, secret, scope='things:"read"')
    assert_oauth_error(malformed, 400, "invalid_scope")
    assert not AccessToken.objects.exists()


def test_empty_scope_means_default(client, make_client):
    api_client, secret = make_client(scopes=["things:read"])
    response = request_token(client, api_client.client_id, secret, scope="")
    assert response.status_code == 200
    assert response.json()["scope"] == "things:read"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": ""}, "invalid_request"),
    ],
)
def test_grant_type_is_checked(client, make_client, data, error):
    api_client, secret = make_client()
    response = client.post(
        TOKEN_URL,
        data=urlencode(data),
        content_type=FORM,
        HTTP_AUTHORIZATION=basic(api_client.client_id, secret),
    )
    assert_oauth_error(response, 400, error)


def test_json_body_is_an_invalid_request(client, make_client):
    api_client, secret = make_client()
    response = client.post(
        TOKEN_URL,
        data=json.dumps(
            {"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret}
        ),
        content_type="application/json",
    )
    assert_oauth_error(response, 400, "invalid_request")


def test_two_authentication_methods_at_once_are_refused(client, make_client):
    api_client, secret = make_client()
    response = request_token(client, api_client.client_id, secret, client_secret=secret)
    assert_oauth_error(response, 400, "invalid_request")


def test_repeated_parameters_are_refused(client, make_client):
    api_client, secret = make_client()
    response = client.post(
        TOKEN_URL,
        data="grant_type=client_credentials&scope=things:read&scope=things:write",
        content_type=FORM,
        HTTP_AUTHORIZATION=basic(api_client.client_id, secret),
    )
    assert_oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize("header", ["Basic !!!notbase64", "Basic " + "bm9jb2xvbg==", "Bearer abc"])
def test_malformed_client_authentication_is_invalid_client(client, make_client, header):
    make_client()
    response = client.post(
        TOKEN_URL, data="grant_type=client_credentials", content_type=FORM, HTTP_AUTHORIZATION=header
    )
    assert_oauth_error(response, 401, "invalid_client")


def test_missing_client_credentials_is_invalid_client(client):
    response = client.post(TOKEN_URL, data="grant_type=client_credentials", content_type=FORM)
    assert_oauth_error(response, 401, "invalid_client")


def test_failed_attempts_are_throttled_per_client_and_address(client, make_client, settings, audit_calls):
    settings.API_CLIENT_AUTH_FAILURE_LIMIT = 3
    api_client, secret = make_client()
    for _ in range(3):
        assert request_token(client, api_client.client_id, "tss_wrong", ip="10.9.9.9").status_code == 401
    # Locked: even the right secret is refused, without being checked, until the window passes.
    locked = request_token(client, api_client.client_id, secret, ip="10.9.9.9")
    assert_oauth_error(locked, 429, "invalid_client", code="oauth.too_many_failures")
    assert int(locked["Retry-After"]) > 0
    assert request_token(client, api_client.client_id, "tss_wrong", ip="10.9.9.9").status_code == 429
    # Another address is not affected.
    assert request_token(client, api_client.client_id, secret, ip="10.8.8.8").status_code == 200
    failed = [c for c in audit_calls if c["action"] == "apiclients.client_auth_failed"]
    assert len(failed) == 3  # the lock is audited once, attempts while locked are not
    assert failed[-1]["changes"]["locked"] is True


def test_a_success_resets_the_failure_count(client, make_client, settings):
    settings.API_CLIENT_AUTH_FAILURE_LIMIT = 3
    api_client, secret = make_client()
    for _ in range(2):
        request_token(client, api_client.client_id, "tss_wrong")
    assert request_token(client, api_client.client_id, secret).status_code == 200
    for _ in range(2):
        request_token(client, api_client.client_id, "tss_wrong")
    assert request_token(client, api_client.client_id, secret).status_code == 200


def test_failed_authentication_is_in_the_real_audit_log(client, make_client):
    from tinhso.core.audit.models import AuditRecord

    api_client, secret = make_client()
    wrong = "tss_" + "x" * 43
    assert request_token(client, api_client.client_id, wrong, ip="10.7.7.7").status_code == 401
    record = AuditRecord.objects.get(action="apiclients.client_auth_failed")
    assert record.changes["client_id"] == api_client.client_id
    assert record.ip == "10.7.7.7"
    assert request_token(client, api_client.client_id, secret).status_code == 200
    issued = AuditRecord.objects.get(action="apiclients.token_issued")
    assert issued.actor_kind == "client" and issued.actor_id == api_client.client_id
    everything = str(list(AuditRecord.objects.values()))
    assert secret not in everything and wrong not in everything
