"""The statistics page's agency, procedure and field filters (the figures are tested in test_stats*)."""

from __future__ import annotations

import pytest
from django.test import Client

from tinhso.dossiers.tests.conftest import received
from tinhso.procedures.models import Field

pytestmark = pytest.mark.django_db

STATS = "/ho-so/lam-viec/thong-ke/"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def table(html: str) -> str:
    """The figures table only (the filter selects list every agency and field by name)."""
    start = html.index('id="table-heading"')
    return html[start : html.index('id="index-heading"')]


@pytest.fixture
def figures(world):
    received(world)
    received(world, world.paid)
    received(world, world.interagency)


def test_filters_are_offered_from_what_the_officer_may_see(world, figures):
    html = as_user(world.leader).get(STATS).content.decode()
    assert f'<option value="{world.dept.code}"' in html
    assert f'<option value="{world.dept_b.code}"' not in html and f'value="{world.district.code}"' not in html
    assert '<option value="HT"' in html and 'name="thu_tuc"' in html


def test_procedure_field_and_agency_filters_narrow_the_table(world, figures):
    client = as_user(world.leader)
    by_procedure = table(client.get(STATS, {"nhom": "procedure"}).content.decode())
    assert world.simple.name in by_procedure and world.paid.name in by_procedure
    one = table(client.get(STATS, {"nhom": "procedure", "thu_tuc": world.simple.code}).content.decode())
    assert world.simple.name in one and world.paid.name not in one
    Field.objects.create(code="XD", name="Xây dựng")
    empty = table(client.get(STATS, {"nhom": "procedure", "linh_vuc": "XD"}).content.decode())
    assert "Không có hồ sơ trong kỳ." in empty
    field = table(client.get(STATS, {"nhom": "procedure", "linh_vuc": "HT"}).content.decode())
    assert world.simple.name in field and world.paid.name in field
    agency = client.get(STATS, {"co_quan": world.dept.code, "cap_duoi": "0", "thu_tuc": world.simple.code})
    html = agency.content.decode()
    assert agency.status_code == 200 and world.dept.name in table(html)
    # The Service Index is per agency: the page says the catalog filters do not apply to it.
    assert "bộ lọc thủ tục và lĩnh vực không áp dụng" in html
    # The XLSX link carries the same filters.
    assert f"co_quan={world.dept.code}&amp;cap_duoi=0&amp;thu_tuc={world.simple.code}" in html


def test_a_province_viewer_filters_one_agency_of_the_tree(world, figures, make_officer):
    viewer = make_officer(username="ioc.tinh", roles=[(world.province, "ioc_viewer", True)])
    client = as_user(viewer)
    everything = table(client.get(STATS).content.decode())
    assert world.dept.name in everything and world.district.name in everything
    district = table(client.get(STATS, {"co_quan": world.district.code}).content.decode())
    assert world.district.name in district and world.dept.name not in district


def test_bad_filters_are_explained(world, figures):
    client = as_user(world.leader)
    cases = [
        ({"co_quan": "000.99.99.X00"}, 404, "Không tìm thấy cơ quan."),
        ({"co_quan": world.dept_b.code}, 403, ""),
        ({"thu_tuc": "9.999999"}, 404, "Không tìm thấy thủ tục."),
        ({"linh_vuc": "KHONG-CO"}, 404, "Không tìm thấy lĩnh vực."),
    ]
    for query, status, message in cases:
        response = client.get(STATS, query)
        html = response.content.decode()
        assert response.status_code == status, query
        assert message in html and 'class="notice notice-error"' in html
        assert world.dept.name not in html.split("</form>")[-1]  # no figures are shown


def test_xlsx_with_filters(world, figures):
    client = as_user(world.leader)
    sheet = client.get(f"{STATS}xuat.xlsx", {"co_quan": world.dept.code, "thu_tuc": world.simple.code})
    assert sheet.status_code == 200 and sheet.content.startswith(b"PK")
    refused = client.get(f"{STATS}xuat.xlsx", {"co_quan": world.dept_b.code}, follow=True)
    assert (
        refused.redirect_chain[-1][0].startswith(f"{STATS}?")
        and world.dept_b.code in refused.redirect_chain[-1][0]
    )
