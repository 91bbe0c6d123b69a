from datetime import date

import pytest

from tinhso.core.errors import NotFound
from tinhso.core.permissions import SYSTEM
from tinhso.procedures import selectors, services

pytestmark = pytest.mark.django_db


def test_get_active_procedure_respects_validity(make_procedure):
    make_procedure(active_from=date(2025, 7, 1))
    assert selectors.get_active_procedure("1.001193", on=date(2025, 7, 1)).code == "1.001193"
    with pytest.raises(NotFound) as caught:
        selectors.get_active_procedure("1.001193", on=date(2025, 6, 30))
    assert caught.value.code == "procedures.not_active"
    with pytest.raises(NotFound) as caught:
        selectors.get_active_procedure("9.999999")
    assert caught.value.code == "procedures.not_found"


def test_withdrawn_procedure_is_not_active_any_more(make_procedure):
    procedure = make_procedure()
    services.deactivate_procedure(actor=SYSTEM, procedure=procedure, last_day=date(2025, 6, 30))
    with pytest.raises(NotFound):
        selectors.get_active_procedure("1.001193", on=date(2025, 6, 1))  # withdrawn: closed for every day
    assert selectors.get_procedure("1.001193").is_active is False


def test_route_of_uses_the_prefetch(make_procedure, django_assert_num_queries):
    make_procedure()
    procedure = selectors.get_active_procedure("1.001193")
    with django_assert_num_queries(0):
        route = selectors.route_of(procedure)
    assert [step.kind for step in route] == ["receive", "process", "approve", "return"]
    assert route[0].agency is None  # the receiving agency
