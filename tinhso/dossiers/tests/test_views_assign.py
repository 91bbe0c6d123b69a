"""Assigning the current step to one officer from the processing page, and the inbox split
between "assigned to me" and "my unit's"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.core.accounts.models import OfficerRole
from tinhso.core.audit.models import AuditRecord
from tinhso.dossiers import selectors
from tinhso.dossiers.models import Dossier, DossierStep
from tinhso.dossiers.tests.conftest import received

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assign(client, dossier, assignee, *, htmx=True, version=None):
    current = Dossier.objects.get(pk=dossier.pk)
    data = {"version": str(version if version is not None else current.version), "assignee": assignee}
    return client.post(f"/ho-so/lam-viec/{dossier.code}/phan-cong/", data, **(HX if htmx else {}))


def current_step(dossier) -> DossierStep:
    return DossierStep.objects.get(pk=Dossier.objects.get(pk=dossier.pk).current_step_id)


@pytest.fixture
def second(world, make_officer):
    return make_officer(
        username="chuyenvien2.stp", full_name="Phạm Thị Hai", roles=[(world.dept, "specialist")]
    )


def test_leader_sees_the_officers_who_may_take_the_step(world, second, make_officer):
    dossier = received(world)
    retired = make_officer(username="nghihuu.stp", roles=[(world.dept, "specialist")])
    OfficerRole.objects.filter(user=retired).update(valid_to=timezone.localdate() - dt.timedelta(days=1))
    html = as_user(world.leader).get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert "Phân công xử lý" in html and f"/ho-so/lam-viec/{dossier.code}/phan-cong/" in html
    assert str(second.public_id) in html and str(world.specialist.public_id) in html
    # Not another agency's specialist, not an officer of another role, not an expired role.
    for outsider in (world.specialist_b, world.leader, world.one_stop, retired):
        assert str(outsider.public_id) not in html
    assert "Của đơn vị (chưa phân công)" in html
    # The specialist who performs the step does not assign it.
    html = as_user(world.specialist).get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert "/phan-cong/" not in html


def test_leader_assigns_with_htmx_and_the_step_list_shows_it(world, second):
    dossier = received(world)
    version = Dossier.objects.get(pk=dossier.pk).version
    response = assign(as_user(world.leader), dossier, str(second.public_id))
    html = response.content.decode()
    assert response.status_code == 200 and "Đã giao bước “Thẩm định hồ sơ” cho Phạm Thị Hai." in html
    assert "Giao cho: Phạm Thị Hai" in html
    assert current_step(dossier).assignee == second
    assert Dossier.objects.get(pk=dossier.pk).version == version + 1
    record = AuditRecord.objects.get(action="dossiers.step_assigned")
    assert record.changes == {"code": dossier.code, "step": 2, "assignee": "chuyenvien2.stp"}


def test_one_stop_officer_of_the_agency_assigns_too(world, second):
    dossier = received(world)
    response = assign(as_user(world.one_stop), dossier, str(second.public_id), htmx=False)
    assert response.status_code == 302 and response["Location"] == f"/ho-so/lam-viec/{dossier.code}/"
    assert current_step(dossier).assignee == second


def test_wrong_officer_is_refused_and_nothing_changes(world, second, make_officer):
    dossier = received(world)
    version = Dossier.objects.get(pk=dossier.pk).version
    client = as_user(world.leader)
    retired = make_officer(username="nghihuu.stp", roles=[(world.dept, "specialist")])
    OfficerRole.objects.filter(user=retired).update(valid_to=timezone.localdate() - dt.timedelta(days=1))
    # Another department's specialist, the leader's own role, an expired role: not this step's.
    for outsider in (world.specialist_b, world.leader, retired):
        response = assign(client, dossier, str(outsider.public_id))
        assert response.status_code == 422, outsider
        assert "không có vai trò của bước này" in response.content.decode()
    # A citizen, a made-up id, nothing at all.
    for raw in (str(world.citizen.public_id), "not-a-uuid", ""):
        response = assign(client, dossier, raw)
        assert response.status_code == 422 and "Hãy chọn cán bộ được phân công" in response.content.decode()
    step = current_step(dossier)
    assert step.assignee_id is None
    assert Dossier.objects.get(pk=dossier.pk).version == version
    assert not AuditRecord.objects.filter(action="dossiers.step_assigned").exists()


def test_others_are_refused(world, second, make_officer):
    dossier = received(world)
    leader_b = make_officer(username="lanhdao.sxd", roles=[(world.dept_b, "leader")])
    assert assign(as_user(leader_b), dossier, str(second.public_id)).status_code == 404
    assert assign(as_user(world.specialist), dossier, str(second.public_id)).status_code == 403
    assert assign(as_user(world.citizen), dossier, str(second.public_id)).status_code == 403
    assert Client().post(f"/ho-so/lam-viec/{dossier.code}/phan-cong/").status_code == 302
    assert as_user(world.leader).get(f"/ho-so/lam-viec/{dossier.code}/phan-cong/").status_code == 405
    assert current_step(dossier).assignee_id is None


def test_a_stale_page_is_explained(world, second):
    dossier = received(world)
    old = Dossier.objects.get(pk=dossier.pk).version
    assign(as_user(world.leader), dossier, str(world.specialist.public_id))
    response = assign(as_user(world.leader), dossier, str(second.public_id), version=old)
    assert response.status_code == 409 and "vừa được người khác xử lý" in response.content.decode()
    assert current_step(dossier).assignee == world.specialist


def test_inbox_separates_my_assignments_from_my_units_work(world, second):
    mine = received(world)
    unit = received(world)
    assign(as_user(world.leader), mine, str(second.public_id))
    client = as_user(second)
    everything = client.get("/ho-so/lam-viec/").content.decode()
    assert mine.code in everything and unit.code in everything
    assert "Giao cho tôi (1)" in everything and "Của đơn vị (1)" in everything and "Tất cả (2)" in everything
    assigned = client.get("/ho-so/lam-viec/", {"giao": "toi"}).content.decode()
    assert mine.code in assigned and unit.code not in assigned
    units = client.get("/ho-so/lam-viec/", {"giao": "don-vi"}).content.decode()
    assert unit.code in units and mine.code not in units
    # The other specialist no longer sees the step given to a colleague, only the unit's.
    other = as_user(world.specialist).get("/ho-so/lam-viec/").content.decode()
    assert unit.code in other and mine.code not in other and "Giao cho tôi (0)" in other
    # An unknown view shows everything.
    assert mine.code in client.get("/ho-so/lam-viec/", {"giao": "x"}).content.decode()


def test_candidates_selector(world, second):
    dossier = received(world)
    step = current_step(dossier)
    assert set(selectors.step_candidates(step)) == {world.specialist, second}
    world.specialist.is_active = False
    world.specialist.save(update_fields=["is_active"])
    assert set(selectors.step_candidates(step)) == {second}
