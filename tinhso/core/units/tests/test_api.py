import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/units/"


def test_list_is_public_and_filters_by_day_level_and_parent(client, can_tho):
    response = client.get(URL, {"as_of": "2025-06-30", "level": "province"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [(u["structure"], u["code"]) for u in body["items"]] == [
        ("legacy", "92"),
        ("legacy", "93"),
        ("legacy", "94"),
    ]
    after = client.get(URL, {"as_of": "2025-07-01", "level": "province"}).json()
    assert [u["name"] for u in after["items"]] == ["Thành phố Cần Thơ"]
    assert after["items"][0]["valid_from"] == "2025-07-01" and after["items"][0]["valid_to"] is None
    districts = client.get(URL, {"as_of": "2025-06-30", "parent": "93"}).json()
    assert districts["count"] == 8
    assert {u["parent_code"] for u in districts["items"]} == {"93"}


def test_list_searches_without_diacritics(client, can_tho):
    body = client.get(URL, {"as_of": "2025-06-30", "q": "phung hiep"}).json()
    assert {u["name"] for u in body["items"]} == {"Huyện Phụng Hiệp", "Xã Phụng Hiệp"}


def test_list_is_paginated_with_a_bounded_number_of_queries(client, can_tho, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        body = client.get(URL, {"as_of": "2025-07-01", "limit": 50}).json()
    assert body["count"] > 50 and len(body["items"]) == 50


def test_list_refuses_bad_filters(client, can_tho):
    bad_level = client.get(URL, {"level": "hamlet"})
    assert bad_level.status_code == 422 and bad_level.json()["code"] == "validation_failed"
    bad_day = client.get(URL, {"as_of": "30/06/2025"})
    assert bad_day.status_code == 422
    missing_parent = client.get(URL, {"as_of": "2025-07-01", "parent": "93"})
    assert missing_parent.status_code == 404 and missing_parent.json()["code"] == "units.not_found"


def test_detail_of_a_former_province(client, can_tho):
    response = client.get(URL + "legacy/93")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Tỉnh Hậu Giang" and body["level"] == "province" and body["parent"] is None
    assert body["valid_to"] == "2025-06-30" and body["latitude"] is None
    assert [(s["unit"]["structure"], s["unit"]["code"]) for s in body["successors"]] == [("current", "92")]
    assert body["successors"][0]["effective_on"] == "2025-07-01"
    assert body["successors"][0]["is_partial"] is False
    assert body["predecessors"] == []


def test_detail_of_a_current_commune(client, can_tho, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        body = client.get(URL + "current/31399").json()
    assert body["parent"]["code"] == "92" and body["parent"]["structure"] == "current"
    came_from = {(s["unit"]["code"], s["derived"]) for s in body["predecessors"]}
    assert came_from == {("31399", False), ("31402", False), ("934", True)}
    assert body["successors"] == []


def test_detail_errors(client, can_tho):
    assert client.get(URL + "current/93").json()["code"] == "units.not_found"
    assert client.get(URL + "current/93").status_code == 404
    assert client.get(URL + "future/93").status_code == 422


def test_covering_unit(client, can_tho):
    body = client.get(URL + "legacy/31402/covering", {"day": "2026-01-01"}).json()
    assert (body["structure"], body["code"], body["name"]) == ("current", "31399", "Xã Tân Bình")
    assert client.get(URL + "legacy/934/covering", {"day": "2026-01-01"}).json()["code"] == "92"
    none = client.get(URL + "current/92/covering", {"day": "2025-01-01"})
    assert none.status_code == 404 and none.json()["code"] == "units.no_covering_unit"


def test_no_write_operations_exist(client, can_tho):
    assert client.post(URL, {}).status_code in {401, 405}
    assert client.delete(URL + "legacy/93").status_code in {401, 405}


def test_operations_are_public_in_the_openapi_document():
    from tinhso.api import api

    paths = api.get_openapi_schema()["paths"]
    units = {path: ops["get"] for path, ops in paths.items() if path.startswith("/api/v1/units/")}
    assert set(units) == {
        "/api/v1/units/",
        "/api/v1/units/{structure}/{code}",
        "/api/v1/units/{structure}/{code}/covering",
    }
    assert all(not op.get("security") for op in units.values())
    assert all(" / " in op["summary"] for op in units.values())
