"""The notification outbox pages: the officers' (their agencies' dossiers; platform administrators
everything, with "send again" for a failed message) and the citizen's own."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import Conflict, PermissionDenied
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers import notifications, outbox_selectors, services
from tinhso.dossiers.models import Notification, NotificationStatus
from tinhso.dossiers.services.outbox import resend_notification
from tinhso.dossiers.tests.conftest import deliver_events, received, vn

pytestmark = pytest.mark.django_db

OUTBOX = "/ho-so/lam-viec/hop-thu-di/"
MINE = "/ho-so/thong-bao/"
EMAIL = ["tinhso.dossiers.notifications.EmailSender"]


class BrokenSender(notifications.Sender):
    channel = "email"
    name = "broken"

    def send(self, *, recipient, subject, body):
        raise ConnectionError("smtp down")


@pytest.fixture(autouse=True)
def _senders_reloaded():
    notifications._load.cache_clear()
    yield
    notifications._load.cache_clear()


def use_senders(settings, paths) -> None:
    settings.DOSSIER_NOTIFICATION_SENDERS = paths
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notifications._load.cache_clear()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(world, make_officer):
    return make_officer(username="quantri.tinh", roles=[(world.province, "platform_admin")])


@pytest.fixture
def outbox(world):
    """A dossier received at the department (e-mail and SMS to the applicant), one received at the
    district for another citizen, and the reminders of the department's steps."""
    dept_dossier = received(world, now=vn(2026, 11, 25, 9))
    district_dossier = received(world, world.interagency, now=vn(2026, 11, 25, 9), actor=world.other_citizen)
    deliver_events()
    services.remind_due_steps(actor=SYSTEM, now=vn(2026, 12, 30, 9))
    return dept_dossier, district_dossier


def test_pages_are_for_the_right_people(world, admin):
    assert Client().get(OUTBOX).status_code == 302
    assert Client().get(MINE).status_code == 302
    assert as_user(world.citizen).get(OUTBOX).status_code == 403
    for officer in (world.one_stop, world.specialist, world.leader, world.specialist_b, admin):
        assert as_user(officer).get(OUTBOX).status_code == 200
        assert as_user(officer).get(MINE).status_code == 403  # officers use the workspace outbox
    assert as_user(world.citizen).get(MINE).status_code == 200


def test_officers_see_their_agencies_messages_masked(world, outbox):
    dept_dossier, district_dossier = outbox
    html = as_user(world.one_stop).get(OUTBOX).content.decode()
    assert f"Đã tiếp nhận hồ sơ {dept_dossier.code}" in html
    assert "d***@example.vn" in html and "*******5678" in html
    # Contacts in clear never reach the page.
    assert "dan@example.vn" not in html and "0912345678" not in html
    # The district's dossier never reached the department: not listed.
    assert district_dossier.code not in html
    # Another department sees nothing of either.
    other = as_user(world.specialist_b).get(OUTBOX).content.decode()
    assert dept_dossier.code not in other and district_dossier.code not in other
    assert "Không có thông báo nào." in other
    # Without a configured sender nothing leaves the platform: the page says so.
    assert "chưa cấu hình kênh gửi" in html and "Gửi lại" not in html


def test_platform_admin_sees_every_message(world, admin, outbox):
    dept_dossier, district_dossier = outbox
    html = as_user(admin).get(OUTBOX).content.decode()
    assert dept_dossier.code in html and district_dossier.code in html
    assert outbox_selectors.visible_notifications(admin).count() == Notification.objects.count()


def test_citizen_sees_only_messages_addressed_to_them(world, outbox):
    dept_dossier, district_dossier = outbox
    mine = as_user(world.citizen).get(MINE).content.decode()
    assert dept_dossier.code in mine and district_dossier.code not in mine
    assert f"/ho-so/{dept_dossier.code}/" in mine  # links to the citizen's own dossier page
    assert "/ho-so/lam-viec/" not in mine
    # The officers' reminders about the citizen's dossier are not the citizen's.
    assert Notification.objects.filter(dossier=dept_dossier, kind="step_overdue").exists()
    assert "Quá hạn xử lý hồ sơ" not in mine
    expected = Notification.objects.filter(recipient_user=world.citizen).count()
    assert outbox_selectors.visible_notifications(world.citizen).count() == expected == 2
    other = as_user(world.other_citizen).get(MINE).content.decode()
    assert district_dossier.code in other and dept_dossier.code not in other


def test_filters_and_pagination(world, admin, outbox):
    client = as_user(admin)
    sms = client.get(OUTBOX, {"kenh": "sms"}).content.decode()
    assert "*******5678" in sms and "d***@example.vn" not in sms
    reminders = client.get(OUTBOX, {"loai": "step_overdue"}).content.decode()
    assert "Quá hạn xử lý hồ sơ" in reminders and "Đã tiếp nhận hồ sơ" not in reminders.split("</select>")[-1]
    assert "Không có thông báo nào." in client.get(OUTBOX, {"trang_thai": "sent"}).content.decode()
    # Unknown filter values are ignored rather than failing.
    assert client.get(OUTBOX, {"kenh": "fax", "trang_thai": "x", "loai": "<b>"}).status_code == 200
    dept_dossier, _ = outbox
    by_code = client.get(OUTBOX, {"ma": dept_dossier.code}).content.decode()
    assert dept_dossier.code in by_code and outbox[1].code not in by_code
    # 25 a page; the filters stay in the page links.
    for _ in range(12):
        received(world, now=vn(2026, 11, 26, 9))
    deliver_events()
    total = Notification.objects.filter(status=NotificationStatus.OUTBOX).count()
    assert total > 25
    first = client.get(OUTBOX, {"trang_thai": "outbox"}).content.decode()
    assert f"{total} thông báo" in first and "trang_thai=outbox&amp;page=2" in first
    second = client.get(OUTBOX, {"trang_thai": "outbox", "page": 2}).content.decode()
    assert "Trang 2/2" in second


def _failed_email(world, settings):
    use_senders(settings, [f"{__name__}.BrokenSender"])
    dossier = received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    row = Notification.objects.get(dossier=dossier, kind="received", channel="email")
    assert services.deliver_notification(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    return row


def test_platform_admin_sends_a_failed_message_again(
    world, admin, settings, django_capture_on_commit_callbacks
):
    row = _failed_email(world, settings)
    client = as_user(admin)
    page = client.get(OUTBOX, {"trang_thai": "failed"}).content.decode()
    assert "Gửi lại" in page and "ConnectionError" in page
    # Another officer sees the failure but no button, and may not send it again.
    officer_page = as_user(world.one_stop).get(OUTBOX).content.decode()
    assert "Gửi lại" not in officer_page
    refused = as_user(world.one_stop).post(f"{OUTBOX}{row.pk}/gui-lai/")
    assert refused.status_code == 403
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED and row.attempts == 1
    # The mail server is back: the administrator sends it again; the task delivers it after commit.
    use_senders(settings, EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{OUTBOX}{row.pk}/gui-lai/", {"back": "trang_thai=failed"})
    assert response.status_code == 302 and response["Location"] == f"{OUTBOX}?trang_thai=failed"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (NotificationStatus.SENT, 2, "")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dan@example.vn"]
    record = AuditRecord.objects.get(action="dossiers.notification_resent")
    assert record.changes["notification"] == row.pk and record.changes["last_error"] == "ConnectionError"
    # Sent: sending it again is refused with a message, nothing changes.
    again = client.post(f"{OUTBOX}{row.pk}/gui-lai/", follow=True)
    assert "Chỉ gửi lại được thông báo bị lỗi." in again.content.decode()
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and len(mail.outbox) == 1


def test_resend_needs_a_sender_for_the_channel(world, admin, settings):
    row = _failed_email(world, settings)
    use_senders(settings, [])
    response = as_user(admin).post(f"{OUTBOX}{row.pk}/gui-lai/", follow=True)
    assert "Chưa cấu hình kênh gửi" in response.content.decode()
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert not AuditRecord.objects.filter(action="dossiers.notification_resent").exists()


def test_resend_is_queued_once_and_checked_by_the_service(
    world, admin, settings, django_capture_on_commit_callbacks
):
    row = _failed_email(world, settings)
    with pytest.raises(PermissionDenied):
        resend_notification(actor=world.leader, notification=row)
    use_senders(settings, EMAIL)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resend_notification(actor=admin, notification=row)
        resend_notification(actor=admin, notification=row)  # a double click: already queued
    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING
    outbox_row = Notification.objects.get(dossier=row.dossier, kind="received", channel="sms")
    assert outbox_row.status == NotificationStatus.OUTBOX
    with pytest.raises(Conflict):
        resend_notification(actor=admin, notification=outbox_row)


def test_resend_of_an_unknown_message_is_404(world, admin):
    assert as_user(admin).post(f"{OUTBOX}999999/gui-lai/").status_code == 404
    assert as_user(admin).get(f"{OUTBOX}1/gui-lai/").status_code == 405


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the per-process caches (working calendar, permissions)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_do_not_grow_queries_with_their_rows(world, admin):
    received(world)
    deliver_events()
    pages = ((world.one_stop, OUTBOX), (admin, OUTBOX), (world.citizen, MINE))
    few = [_queries(as_user(user), url) for user, url in pages]
    for _ in range(5):
        received(world)
    deliver_events()
    assert Notification.objects.count() >= 12
    assert [_queries(as_user(user), url) for user, url in pages] == few
