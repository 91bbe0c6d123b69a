from datetime import date

import pytest

from tinhso.core.agencies import selectors, services
from tinhso.core.agencies.models import AgencyKind
from tinhso.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(province, department, city, city_department):
    division = services.create_agency(
        actor=SYSTEM,
        code="000.01.03.H28",
        name="Phòng Hành chính tư pháp",
        kind=AgencyKind.DIVISION,
        parent=department,
    )
    for agency in (division, department):
        services.close_agency(actor=SYSTEM, agency=agency, valid_to=date(2025, 6, 30))
    services.close_agency(actor=SYSTEM, agency=province, valid_to=date(2025, 6, 30), successor=city)
    return {"province": province, "department": department, "division": division, "city": city}


def test_agencies_as_of_follows_validity(tree):
    before = set(selectors.agencies_as_of(date(2025, 6, 30)).values_list("code", flat=True))
    after = set(selectors.agencies_as_of(date(2025, 7, 1)).values_list("code", flat=True))
    assert before == {"000.00.00.H28", "000.00.03.H28", "000.01.03.H28"}
    assert after == {"000.00.00.H13", "000.00.03.H13"}
    assert "000.00.00.H28" in set(selectors.agencies_as_of(date(2004, 1, 1)).values_list("code", flat=True))
    assert "000.00.00.H28" not in set(
        selectors.agencies_as_of(date(2003, 12, 31)).values_list("code", flat=True)
    )


def test_agency_tree_nests_children(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        roots = selectors.agency_tree()
    assert [node.agency.code for node in roots] == ["000.00.00.H13", "000.00.00.H28"]
    hau_giang = roots[1]
    assert [child.agency.code for child in hau_giang.children] == ["000.00.03.H28"]
    assert [grandchild.agency.code for grandchild in hau_giang.children[0].children] == ["000.01.03.H28"]
    roots_after = selectors.agency_tree(as_of=date(2025, 7, 1))
    assert [node.agency.code for node in roots_after] == ["000.00.00.H13"]
    assert [child.agency.code for child in roots_after[0].children] == ["000.00.03.H13"]


def test_ancestors_and_descendants(tree):
    assert [a.code for a in selectors.ancestors_of(tree["division"])] == ["000.00.03.H28", "000.00.00.H28"]
    assert selectors.ancestors_of(tree["province"]) == []
    assert selectors.descendant_ids([tree["province"].pk]) == {
        tree["province"].pk,
        tree["department"].pk,
        tree["division"].pk,
    }


def test_search(tree):
    codes = lambda rows: [a.code for a in rows]  # noqa: E731
    assert codes(selectors.search_agencies(q="tư pháp")) == [
        "000.00.03.H13",
        "000.00.03.H28",
        "000.01.03.H28",
    ]
    assert codes(selectors.search_agencies(parent=tree["department"])) == ["000.01.03.H28"]
    assert codes(selectors.search_agencies(as_of=date(2026, 1, 1), q="H28")) == []
    assert selectors.get_by_code(" 000.00.03.h28 ") == tree["department"]
