"""Bearer authentication: client tokens, personal tokens, scopes and agency binding."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tinhso.core.apiclients import services
from tinhso.core.apiclients.auth import principal_for_token
from tinhso.core.apiclients.models import AccessToken, ApiClient, PersonalAccessToken
from tinhso.core.permissions import SYSTEM, as_principal, can

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tinhso.core.apiclients.tests.scoped_api")]

THINGS = "/test-api/things"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert {"code", "message", "message_vi", "message_en"} <= set(body)
    assert body["code"] == code
    return body


def test_a_token_lacking_the_scope_is_refused(client, make_client, token_for):
    api_client, secret = make_client(scopes=["things:read", "things:write"])
    write_only = token_for(api_client, secret, scope="things:write")
    assert_error(client.get(THINGS, **bearer(write_only)), 403, "permission.denied")
    read = token_for(api_client, secret, scope="things:read")
    response = client.get(THINGS, **bearer(read))
    assert response.status_code == 200, response.content
    assert response.json() == {"kind": "client", "id": api_client.client_id, "scopes": ["things:read"]}


def test_expired_token_is_refused(client, make_client, token_for):
    api_client, secret = make_client()
    token = token_for(api_client, secret)
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(THINGS, **bearer(token)), 401, "auth.token_expired")


def test_revoked_and_deactivated_client_tokens_are_refused(client, make_client, token_for):
    api_client, secret = make_client()
    token = token_for(api_client, secret)
    services.revoke_client_token(actor=SYSTEM, token=AccessToken.objects.get())
    assert_error(client.get(THINGS, **bearer(token)), 401, "auth.token_revoked")
    other, other_secret = make_client(name="Khác")
    second = token_for(other, other_secret)
    ApiClient.objects.filter(pk=other.pk).update(is_active=False)
    assert_error(client.get(THINGS, **bearer(second)), 401, "auth.token_revoked")


@pytest.mark.parametrize("token", ["tsa_unknown", "tsp_unknown", "garbage", ""])
def test_unknown_tokens_are_refused(client, token):
    response = client.get(THINGS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["code"] in {"auth.invalid_token", "auth.required"}


def test_no_credentials_is_401_not_a_csrf_failure(client):
    assert_error(client.get(THINGS), 401, "auth.required")
    assert_error(
        client.post("/api/v1/oauth/personal-tokens", {}, content_type="application/json"),
        401,
        "auth.required",
    )


def test_a_bad_token_wins_over_a_session(client, make_officer, agency):
    officer = make_officer(roles=[(agency, "leader")])
    client.force_login(officer)
    assert client.get(THINGS).status_code == 200
    assert_error(client.get(THINGS, **bearer("tsp_nope")), 401, "auth.invalid_token")


def test_personal_token_acts_as_its_officer_narrowed_to_its_scopes(
    client, make_officer, agency, other_agency
):
    officer = make_officer(roles=[(agency, "leader")])
    _, reader = services.create_personal_token(actor=officer, user=officer, name="r", scopes=["things:read"])
    _, writer = services.create_personal_token(actor=officer, user=officer, name="w", scopes=["things:write"])

    response = client.get(THINGS, **bearer(reader))
    assert response.status_code == 200, response.content
    assert response.json() == {"kind": "officer", "id": str(officer.public_id), "scopes": ["things:read"]}
    assert_error(client.get(THINGS, **bearer(writer)), 403, "permission.denied")

    principal = principal_for_token(reader)
    assert principal.user == officer and principal.scopes == frozenset({"things:read"})
    # Still the officer's rights: only in the officer's own agency, and only the token's scope.
    assert can(principal, "test.read_things", agency)
    assert not can(principal, "test.read_things", other_agency)
    assert not can(principal, "test.write_things", agency)
    # The owner's own (session) principal is not narrowed by the token.
    assert as_principal(officer).scopes is None
    assert can(officer, "test.write_things", agency)


def test_personal_token_of_a_citizen_cannot_do_officer_things(make_citizen, agency):
    citizen = make_citizen()
    _, plain = services.create_personal_token(actor=citizen, user=citizen, name="c", scopes=["things:read"])
    principal = principal_for_token(plain)
    assert principal.kind == "citizen"
    assert not can(principal, "test.read_things", agency)


def test_revoked_and_expired_personal_tokens_are_refused(client, make_officer, agency):
    officer = make_officer(roles=[(agency, "leader")])
    token, plain = services.create_personal_token(
        actor=officer, user=officer, name="a", scopes=["things:read"]
    )
    assert client.get(THINGS, **bearer(plain)).status_code == 200
    services.revoke_personal_token(actor=officer, token=token)
    assert_error(client.get(THINGS, **bearer(plain)), 401, "auth.token_revoked")

    later, plain2 = services.create_personal_token(
        actor=officer,
        user=officer,
        name="b",
        scopes=["things:read"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    PersonalAccessToken.objects.filter(pk=later.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(THINGS, **bearer(plain2)), 401, "auth.token_expired")


def test_personal_token_of_a_deactivated_account_stops_working(client, make_officer, agency):
    officer = make_officer(roles=[(agency, "leader")])
    _, plain = services.create_personal_token(actor=officer, user=officer, name="a", scopes=["things:read"])
    type(officer).objects.filter(pk=officer.pk).update(is_active=False)
    assert_error(client.get(THINGS, **bearer(plain)), 401, "auth.token_revoked")


def test_agency_bound_client_acts_only_on_its_agency(make_client, agency, other_agency):
    bound, bound_secret = make_client(agency=agency, name="Cổng một cửa Sở")
    free, free_secret = make_client(name="Trục liên thông")
    _, bound_plain = services.issue_client_token(
        client_id=bound.client_id, client_secret=bound_secret, ip="x"
    )
    _, free_plain = services.issue_client_token(client_id=free.client_id, client_secret=free_secret, ip="x")
    bound_principal = principal_for_token(bound_plain)
    free_principal = principal_for_token(free_plain)
    assert can(bound_principal, "test.write_things", agency)
    assert not can(bound_principal, "test.write_things", other_agency)
    assert can(free_principal, "test.write_things", other_agency)


def test_last_used_is_written_at_most_once_a_minute(client, make_officer, agency):
    officer = make_officer(roles=[(agency, "leader")])
    token, plain = services.create_personal_token(
        actor=officer, user=officer, name="a", scopes=["things:read"]
    )
    client.get(THINGS, **bearer(plain))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    recent = timezone.now() - timedelta(seconds=30)
    PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    client.get(THINGS, **bearer(plain))
    token.refresh_from_db()
    assert token.last_used_at == recent
    old = timezone.now() - timedelta(minutes=2)
    PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=old)
    client.get(THINGS, **bearer(plain))
    token.refresh_from_db()
    assert token.last_used_at > old + timedelta(minutes=1)
