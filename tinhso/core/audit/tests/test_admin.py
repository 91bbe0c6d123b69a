import pytest
from django.urls import reverse

from tinhso.core.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, platform_admin):
    client.force_login(platform_admin)
    return client


def test_the_admin_lists_records_read_only(admin_client):
    entry = AuditRecord.objects.order_by("-seq").first()
    listing = admin_client.get(reverse("admin:audit_auditrecord_changelist"))
    assert listing.status_code == 200
    assert "accounts.role_assigned" in listing.content.decode()
    detail = admin_client.get(reverse("admin:audit_auditrecord_change", args=[entry.seq]))
    assert detail.status_code == 200
    assert entry.hash in detail.content.decode()


def test_the_admin_cannot_add_change_or_delete(admin_client):
    entry = AuditRecord.objects.order_by("-seq").first()
    before = list(AuditRecord.objects.values_list("seq", "hash"))
    assert admin_client.get(reverse("admin:audit_auditrecord_add")).status_code == 403
    change = admin_client.post(reverse("admin:audit_auditrecord_change", args=[entry.seq]), {"summary": "x"})
    assert change.status_code == 403
    delete = admin_client.post(reverse("admin:audit_auditrecord_delete", args=[entry.seq]), {"post": "yes"})
    assert delete.status_code == 403
    bulk = admin_client.post(
        reverse("admin:audit_auditrecord_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.seq], "post": "yes"},
    )
    assert bulk.status_code in {200, 302}
    assert list(AuditRecord.objects.values_list("seq", "hash")) == before
