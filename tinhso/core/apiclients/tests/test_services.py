from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tinhso.core.apiclients import credentials, selectors, services
from tinhso.core.apiclients.auth import principal_for_token
from tinhso.core.apiclients.models import AccessToken, ApiClient, PersonalAccessToken
from tinhso.core.errors import Conflict, PermissionDenied, ValidationFailed
from tinhso.core.permissions import SYSTEM, registered_rules

pytestmark = pytest.mark.django_db


def test_known_scopes_are_exactly_those_rules_declare():
    declared = {r.scope for r in registered_rules().values() if r.scope}
    known = selectors.known_scopes()
    assert set(known) == declared
    assert {"things:read", "things:write"} <= set(known)
    assert known["things:read"].actions == ("test.read_things",)


def test_admin_creates_a_client_and_only_a_hash_of_its_secret_is_stored(platform_admin, agency, audit_calls):
    client, secret = services.create_api_client(
        actor=platform_admin,
        name="  Ứng dụng   di động ",
        scopes=["things:read", "things:read"],
        agency=agency,
    )
    client.refresh_from_db()
    assert client.name == "Ứng dụng di động"
    assert client.client_id.startswith("tsc_")
    assert secret.startswith("tss_") and len(secret) > 40
    assert client.scopes == ["things:read"]
    assert client.agency == agency
    assert client.created_by == platform_admin
    assert client.secret_hash == credentials.digest(secret)
    assert all(secret not in str(getattr(client, f.attname)) for f in ApiClient._meta.fields)
    assert [c["action"] for c in audit_calls] == ["apiclients.client_created"]
    assert secret not in repr(audit_calls)


@pytest.mark.parametrize(
    ("scopes", "code"),
    [
        (["things:read", "units:teleport"], "apiclients.unknown_scope"),
        ([], "apiclients.no_scope"),
        ("things:read", "apiclients.invalid_scopes"),
        ([1, 2], "apiclients.invalid_scopes"),
        (None, "apiclients.invalid_scopes"),
    ],
)
def test_bad_scopes_are_refused_and_nothing_is_created(platform_admin, scopes, code):
    with pytest.raises(ValidationFailed) as info:
        services.create_api_client(actor=platform_admin, name="X", scopes=scopes)
    assert info.value.code == code
    assert not ApiClient.objects.exists()


def test_unknown_scope_error_names_the_known_ones(platform_admin):
    with pytest.raises(ValidationFailed) as info:
        services.create_api_client(actor=platform_admin, name="X", scopes=["units:teleport"])
    assert info.value.details["unknown"] == ["units:teleport"]
    assert "things:read" in info.value.details["known"]
    assert "units:teleport" in info.value.message_vi


@pytest.mark.parametrize("name", ["", "   ", "x" * 151, None])
def test_client_needs_a_name(platform_admin, name):
    with pytest.raises(ValidationFailed) as info:
        services.create_api_client(actor=platform_admin, name=name, scopes=["things:read"])
    assert info.value.code == "apiclients.invalid_name"


def test_only_platform_admins_manage_clients(make_officer, agency, make_client):
    leader = make_officer(roles=[(agency, "leader")])
    with pytest.raises(PermissionDenied):
        services.create_api_client(actor=leader, name="X", scopes=["things:read"])
    client, _ = make_client()
    with pytest.raises(PermissionDenied):
        services.deactivate_api_client(actor=leader, client=client)
    with pytest.raises(PermissionDenied):
        services.rotate_client_secret(actor=leader, client=client)
    client.refresh_from_db()
    assert client.is_active and ApiClient.objects.count() == 1


def test_a_client_token_cannot_manage_clients(make_client):
    client, secret = make_client()
    _, plain = services.issue_client_token(client_id=client.client_id, client_secret=secret, ip="1.1.1.1")
    with pytest.raises(PermissionDenied):
        services.create_api_client(actor=principal_for_token(plain), name="Y", scopes=["things:read"])


def test_rotation_replaces_the_secret_and_revokes_live_tokens(make_client):
    client, old = make_client()
    token, _ = services.issue_client_token(client_id=client.client_id, client_secret=old, ip="1.1.1.1")
    client, new = services.rotate_client_secret(actor=SYSTEM, client=client)
    assert new != old and client.secret_rotated_at is not None
    token.refresh_from_db()
    assert token.revoked
    with pytest.raises(services.OAuthError) as info:
        services.issue_client_token(client_id=client.client_id, client_secret=old, ip="1.1.1.1")
    assert info.value.error == "invalid_client"
    services.issue_client_token(client_id=client.client_id, client_secret=new, ip="1.1.1.1")


def test_rotation_can_keep_tokens(make_client):
    client, secret = make_client()
    token, _ = services.issue_client_token(client_id=client.client_id, client_secret=secret, ip="1.1.1.1")
    services.rotate_client_secret(actor=SYSTEM, client=client, revoke_tokens=False)
    token.refresh_from_db()
    assert not token.revoked


def test_deactivation_revokes_tokens_and_is_idempotent(make_client, audit_calls):
    client, secret = make_client()
    token, _ = services.issue_client_token(client_id=client.client_id, client_secret=secret, ip="1.1.1.1")
    services.deactivate_api_client(actor=SYSTEM, client=client)
    services.deactivate_api_client(actor=SYSTEM, client=client)
    token.refresh_from_db()
    client.refresh_from_db()
    assert token.revoked and not client.is_active
    assert [c["action"] for c in audit_calls].count("apiclients.client_deactivated") == 1
    with pytest.raises(Conflict):
        services.rotate_client_secret(actor=SYSTEM, client=client)


def test_issue_grants_all_allowed_scopes_by_default_and_a_subset_on_request(make_client):
    client, secret = make_client()
    token, plain = services.issue_client_token(client_id=client.client_id, client_secret=secret, ip="1.1.1.1")
    assert token.scopes == ["things:read", "things:write"]
    assert plain.startswith("tsa_") and token.token_hash == credentials.digest(plain)
    assert timedelta(minutes=59) < token.expires_at - timezone.now() <= timedelta(hours=1)
    narrow, _ = services.issue_client_token(
        client_id=client.client_id, client_secret=secret, scopes=["things:read"], ip="1.1.1.1"
    )
    assert narrow.scopes == ["things:read"]
    with pytest.raises(services.OAuthError) as info:
        services.issue_client_token(
            client_id=client.client_id, client_secret=secret, scopes=["accounts:manage"], ip="1.1.1.1"
        )
    assert info.value.error == "invalid_scope" and info.value.status == 400


def test_purge_deletes_only_long_expired_tokens(make_client):
    client, secret = make_client()
    old, _ = services.issue_client_token(client_id=client.client_id, client_secret=secret, ip="1.1.1.1")
    fresh, _ = services.issue_client_token(client_id=client.client_id, client_secret=secret, ip="1.1.1.1")
    AccessToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=8))
    assert services.purge_expired_tokens(actor=SYSTEM) == 1
    assert list(AccessToken.objects.all()) == [fresh]


# --- Personal access tokens ---------------------------------------------------------------


def test_owner_creates_a_personal_token(make_officer, agency, audit_calls):
    officer = make_officer(roles=[(agency, "leader")])
    expiry = timezone.now() + timedelta(days=30)
    token, plain = services.create_personal_token(
        actor=officer, user=officer, name="Báo cáo hằng tuần", scopes=["things:read"], expires_at=expiry
    )
    assert plain.startswith("tsp_") and token.prefix == plain[:10]
    assert token.token_hash == credentials.digest(plain)
    assert token.user == officer and token.scopes == ["things:read"]
    assert audit_calls[-1]["action"] == "apiclients.personal_token_created"
    assert plain not in repr(audit_calls)


def test_nobody_else_creates_a_personal_token_for_you(make_officer, platform_admin, agency):
    officer = make_officer(roles=[(agency, "leader")])
    other = make_officer(roles=[(agency, "leader")])
    for actor in (other, platform_admin):
        with pytest.raises(PermissionDenied):
            services.create_personal_token(actor=actor, user=officer, name="x", scopes=["things:read"])
    assert not PersonalAccessToken.objects.exists()


def test_a_personal_token_cannot_create_another(make_officer, agency):
    officer = make_officer(roles=[(agency, "leader")])
    _, plain = services.create_personal_token(actor=officer, user=officer, name="a", scopes=["things:read"])
    with pytest.raises(PermissionDenied):
        services.create_personal_token(
            actor=principal_for_token(plain), user=officer, name="b", scopes=["things:read"]
        )
    assert PersonalAccessToken.objects.count() == 1


@pytest.mark.parametrize(
    "expires_at",
    [
        lambda: timezone.now() - timedelta(minutes=1),
        lambda: datetime(2099, 1, 1),  # naive
        lambda: "2099-01-01",
    ],
)
def test_personal_token_expiry_must_be_an_aware_future_time(make_citizen, expires_at):
    citizen = make_citizen()
    with pytest.raises(ValidationFailed) as info:
        services.create_personal_token(
            actor=citizen, user=citizen, name="x", scopes=["things:read"], expires_at=expires_at()
        )
    assert info.value.code == "apiclients.invalid_expiry"
    assert not PersonalAccessToken.objects.exists()


def test_revoking_a_personal_token(make_officer, platform_admin, agency):
    officer = make_officer(roles=[(agency, "leader")])
    other = make_officer(roles=[(agency, "leader")])
    token, _ = services.create_personal_token(actor=officer, user=officer, name="a", scopes=["things:read"])
    with pytest.raises(PermissionDenied):
        services.revoke_personal_token(actor=other, token=token)
    token.refresh_from_db()
    assert not token.revoked
    services.revoke_personal_token(actor=officer, token=token)
    token.refresh_from_db()
    assert token.revoked and token.revoked_at is not None
    # An administrator may revoke anyone's token (e.g. after a leak), and twice is harmless.
    services.revoke_personal_token(actor=platform_admin, token=token)
