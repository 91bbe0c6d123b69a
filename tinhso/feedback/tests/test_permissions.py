"""The permission matrix of the feedback module, for every declared rule and every kind of actor.

The matrix is checked against the registry: declaring a new ``feedback.*`` rule without a row
here fails the test.
"""

import pytest

from tinhso.core.permissions import ANONYMOUS, SYSTEM, can, registered_rules
from tinhso.feedback.permissions import can_moderate, can_route, can_view_internal

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "owner",
    "other_citizen",
    "specialist_a",
    "one_stop_a",
    "leader_a",
    "specialist_b",
    "city_leader",
    "platform_admin",
    "ioc_viewer",
    "system",
]
# rule -> actors allowed on a report of agency A submitted by "owner"
MATRIX = {
    "feedback.submit": set(ACTORS),
    "feedback.view_public": set(ACTORS),
    "feedback.view_own": {"owner", "system"},
    "feedback.confirm": {"owner", "system"},
    "feedback.handle": {"specialist_a", "one_stop_a", "leader_a", "system"},
    "feedback.moderate": {"one_stop_a", "leader_a", "system"},
    "feedback.oversee": {"platform_admin", "system"},
    "feedback.manage_categories": {"platform_admin", "system"},
    # The rule alone: leaders anywhere and platform administrators; can_route narrows leaders below.
    "feedback.route": {"leader_a", "city_leader", "platform_admin", "system"},
}
DERIVED = {
    "internal view": (
        can_view_internal,
        {"specialist_a", "one_stop_a", "leader_a", "city_leader", "platform_admin", "system"},
    ),
    "moderate": (can_moderate, {"one_stop_a", "leader_a", "platform_admin", "system"}),
    "route": (lambda actor, report: can_route(actor), {"city_leader", "platform_admin", "system"}),
}


@pytest.fixture
def actors(
    citizen,
    other_citizen,
    officer_vt,
    officer_vt2,
    leader_vt,
    officer_nb,
    city_leader,
    admin,
    make_officer,
    city,
):
    return {
        "anonymous": ANONYMOUS,
        "owner": citizen,
        "other_citizen": other_citizen,
        "specialist_a": officer_vt,
        "one_stop_a": officer_vt2,
        "leader_a": leader_vt,
        "specialist_b": officer_nb,
        "city_leader": city_leader,
        "platform_admin": admin,
        "ioc_viewer": make_officer(username="ioc", roles=[(city, "ioc_viewer", True)]),
        "system": SYSTEM,
    }


def test_matrix_covers_every_rule():
    declared = {name for name in registered_rules() if name.startswith("feedback.")}
    assert declared == set(MATRIX)


def test_permission_matrix(actors, submit):
    report = submit()
    problems = []
    for rule, allowed in MATRIX.items():
        for name, actor in actors.items():
            if can(actor, rule, report) != (name in allowed):
                problems.append(f"{rule} for {name}: expected {name in allowed}")
    for label, (check, allowed) in DERIVED.items():
        for name, actor in actors.items():
            if check(actor, report) != (name in allowed):
                problems.append(f"{label} for {name}: expected {name in allowed}")
    assert not problems, "\n".join(problems)


def test_scoped_tokens_and_agency_bound_clients(actors, submit, ward_vt, ward_nb):
    import dataclasses

    from tinhso.core.apiclients import services as apiclients

    report = submit()
    leader = actors["leader_a"].to_principal()
    assert not can(
        dataclasses.replace(leader, scopes=frozenset({"files:read"}), _expanded={}), "feedback.handle", report
    )
    assert can(
        dataclasses.replace(leader, scopes=frozenset({"feedback:handle"}), _expanded={}),
        "feedback.handle",
        report,
    )
    client_a, _ = apiclients.create_api_client(
        actor=SYSTEM, name="Hệ thống phường A", scopes=["feedback:handle"], agency=ward_vt
    )
    client_b, _ = apiclients.create_api_client(
        actor=SYSTEM, name="Hệ thống phường B", scopes=["feedback:handle"], agency=ward_nb
    )
    assert can(client_a.to_principal(frozenset({"feedback:handle"})), "feedback.handle", report)
    assert not can(client_b.to_principal(frozenset({"feedback:handle"})), "feedback.handle", report)
