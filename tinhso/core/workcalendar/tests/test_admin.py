import pytest
from django.conf import settings

from tinhso.core.workcalendar.models import CalendarOverride

pytestmark = pytest.mark.django_db

ADD = f"/{settings.ADMIN_URL}workcalendar/calendaroverride/add/"


def test_admin_saves_through_the_services(client, platform_admin, recorded):
    client.force_login(platform_admin)
    response = client.post(
        ADD, {"day": "2027-03-10", "kind": "day_off", "reason": "Nghỉ bầu cử", "legal_basis": "QĐ 9"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get()
    assert [r["action"] for r in recorded["audit"]] == ["workcalendar.day_off_declared"]

    change = f"/{settings.ADMIN_URL}workcalendar/calendaroverride/{override.pk}/change/"
    response = client.post(
        change, {"day": "2027-03-11", "kind": "day_off", "reason": "Dời ngày", "legal_basis": ""}
    )
    assert response.status_code == 302
    assert list(CalendarOverride.objects.values_list("day", flat=True)) == [override.day.replace(day=11)]
    assert [r["action"] for r in recorded["audit"]][-2:] == [
        "workcalendar.override_removed",
        "workcalendar.day_off_declared",
    ]

    moved = CalendarOverride.objects.get()
    delete = f"/{settings.ADMIN_URL}workcalendar/calendaroverride/{moved.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not CalendarOverride.objects.exists()
    assert recorded["audit"][-1]["action"] == "workcalendar.override_removed"


def test_admin_form_shows_the_service_refusal(client, platform_admin, recorded):
    client.force_login(platform_admin)
    response = client.post(ADD, {"day": "2027-03-06", "kind": "day_off", "reason": "x", "legal_basis": ""})
    assert response.status_code == 200
    assert "Ngày này đã là ngày nghỉ" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_admin_is_closed_to_other_officers(client, specialist):
    client.force_login(specialist)
    assert client.get(ADD).status_code in (302, 403)
