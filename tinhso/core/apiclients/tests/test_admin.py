import pytest
from django.conf import settings

from tinhso.core.apiclients import services
from tinhso.core.apiclients.models import ApiClient, PersonalAccessToken

pytestmark = pytest.mark.django_db

BASE = f"/{settings.ADMIN_URL}apiclients"


def test_admin_lists_clients_and_tokens_without_secrets(client, platform_admin, make_client):
    api_client, secret = make_client()
    _, plain = services.create_personal_token(
        actor=platform_admin, user=platform_admin, name="Kịch bản", scopes=["things:read"]
    )
    client.force_login(platform_admin)
    for page in ("apiclient", "accesstoken", "personalaccesstoken"):
        response = client.get(f"{BASE}/{page}/")
        assert response.status_code == 200, page
        assert secret not in response.content.decode() and plain not in response.content.decode()
    detail = client.get(f"{BASE}/apiclient/{api_client.pk}/change/")
    assert detail.status_code == 200
    assert api_client.secret_hash not in detail.content.decode()
    assert client.get(f"{BASE}/apiclient/add/").status_code == 403


def test_admin_actions_go_through_the_services(client, platform_admin, make_client):
    api_client, _ = make_client()
    token, _ = services.create_personal_token(
        actor=platform_admin, user=platform_admin, name="Kịch bản", scopes=["things:read"]
    )
    client.force_login(platform_admin)
    client.post(
        f"{BASE}/apiclient/", {"action": "deactivate", "_selected_action": [api_client.pk]}, follow=True
    )
    client.post(
        f"{BASE}/personalaccesstoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert not ApiClient.objects.get(pk=api_client.pk).is_active
    revoked = PersonalAccessToken.objects.get(pk=token.pk)
    assert revoked.revoked and revoked.revoked_at is not None
