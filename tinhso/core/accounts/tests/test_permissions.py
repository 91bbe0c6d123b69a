"""The permission layer: deny by default, agency separation, subordinate coverage, grants, scopes."""

import pytest

from tinhso.core import permissions
from tinhso.core.accounts import services
from tinhso.core.errors import PermissionDenied
from tinhso.core.permissions import ANONYMOUS, SYSTEM, Principal, Rule, can, require, visible_agency_ids

pytestmark = pytest.mark.django_db


class Thing:
    def __init__(self, agency_id, owner=None):
        self.agency_id = agency_id
        self.owner = owner


@pytest.fixture(autouse=True)
def _rules():
    with permissions.temporary_rules(
        Rule(
            "test.view_thing",
            "test",
            roles=frozenset({"specialist", "leader"}),
            agency_of=lambda t: t.agency_id,
            citizen=lambda user, t: t is not None and t.owner == user.pk,
            scope="things:read",
        ),
        Rule("test.public", "test", public=True),
    ):
        yield


def test_undeclared_action_is_an_error():
    with pytest.raises(LookupError):
        can(SYSTEM, "test.never_declared")


def test_anonymous_denied_unless_public():
    assert not can(ANONYMOUS, "test.view_thing", Thing(1))
    assert can(ANONYMOUS, "test.public")


def test_officer_sees_only_own_agency(make_officer, agency, other_agency):
    officer = make_officer(roles=[(agency, "specialist")])
    assert can(officer, "test.view_thing", Thing(agency.id))
    assert not can(officer, "test.view_thing", Thing(other_agency.id))
    with pytest.raises(PermissionDenied):
        require(officer, "test.view_thing", Thing(other_agency.id))
    assert visible_agency_ids(officer, "test.view_thing") == {agency.id}


def test_role_must_match(make_officer, agency):
    clerk = make_officer(roles=[(agency, "clerk")])
    assert not can(clerk, "test.view_thing", Thing(agency.id))
    assert visible_agency_ids(clerk, "test.view_thing") == set()


def test_covering_role_reaches_subordinates(make_officer, make_agency, agency):
    child = make_agency(parent=agency)
    grandchild = make_agency(parent=child)
    unrelated = make_agency()
    leader = make_officer(roles=[(agency, "leader", True)])
    assert can(leader, "test.view_thing", Thing(grandchild.id))
    assert not can(leader, "test.view_thing", Thing(unrelated.id))
    plain = make_officer(roles=[(agency, "leader")])
    assert not can(plain, "test.view_thing", Thing(child.id))


def test_explicit_grant_opens_another_agency(make_officer, agency, other_agency):
    officer = make_officer(roles=[(agency, "specialist")])
    services.grant_agency_access(
        actor=SYSTEM, grantee=agency, target=other_agency, action_prefix="test.view", reason="Liên thông"
    )
    assert can(officer, "test.view_thing", Thing(other_agency.id))
    assert visible_agency_ids(officer, "test.view_thing") == {agency.id, other_agency.id}


def test_grant_prefix_limits_actions(make_officer, agency, other_agency):
    officer = make_officer(roles=[(agency, "specialist")])
    services.grant_agency_access(
        actor=SYSTEM, grantee=agency, target=other_agency, action_prefix="dossiers.", reason="Liên thông"
    )
    assert not can(officer, "test.view_thing", Thing(other_agency.id))


def test_citizen_rule(make_citizen):
    citizen = make_citizen()
    other = make_citizen()
    assert can(citizen, "test.view_thing", Thing(1, owner=citizen.pk))
    assert not can(other, "test.view_thing", Thing(1, owner=citizen.pk))


def test_token_scopes_limit_a_user(make_officer, agency):
    officer = make_officer(roles=[(agency, "specialist")])
    scoped = officer.to_principal()
    scoped.scopes = frozenset({"other:read"})
    assert not can(scoped, "test.view_thing", Thing(agency.id))
    scoped.scopes = frozenset({"things:read"})
    assert can(scoped, "test.view_thing", Thing(agency.id))


def test_machine_client_bound_to_an_agency(agency, other_agency):
    class Client:
        agency_id = agency.id

    client = Principal(
        kind="client", id="c1", label="App", client=Client(), scopes=frozenset({"things:read"})
    )
    assert can(client, "test.view_thing", Thing(agency.id))
    assert not can(client, "test.view_thing", Thing(other_agency.id))
    unscoped = Principal(kind="client", id="c2", label="App", client=Client(), scopes=frozenset())
    assert not can(unscoped, "test.view_thing", Thing(agency.id))


def test_inactive_user_is_anonymous(make_officer, agency):
    officer = make_officer(roles=[(agency, "specialist")])
    officer.is_active = False
    assert not can(officer, "test.view_thing", Thing(agency.id))
