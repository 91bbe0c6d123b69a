import pytest

from tinhso.core.agencies.models import Agency
from tinhso.demo import services as demo_services
from tinhso.procedures import demo, selectors, validation
from tinhso.procedures.models import Procedure
from tinhso.procedures.selectors import Filters


def test_demo_data_is_well_formed():
    data = demo.catalog()
    assert len(data) >= 150
    codes = [item["code"] for item in data]
    assert len(set(codes)) == len(codes)
    national = [code for code in codes if not code.startswith("DEMO.")]
    assert sorted(national) == ["1.000656", "1.000894", "1.001022", "1.001193", "1.004873", "2.000635"]
    assert len({item["field_code"] for item in data}) >= 20
    for item in data:
        assert item["documents"] and item["form_fields"] and item["route_steps"], item["code"]


@pytest.mark.django_db
def test_demo_catalog_loads_idempotently():
    first = demo_services.load_demo()
    count = Procedure.objects.count()
    assert count >= 150 and first.created["procedures"] == count
    second = demo_services.load_demo()
    assert second.created["procedures"] == 0 and second.updated["procedures"] == 0
    assert Procedure.objects.count() == count

    # Every procedure is valid as stored, and has agencies that exist in the demo province.
    for procedure in selectors.with_details(Procedure.objects.all()):
        _, problems = validation.clean_procedure(validation.procedure_as_data(procedure))
        assert not problems, (procedure.code, problems)
        assert procedure.performing_agencies.exists(), procedure.code

    birth = selectors.get_active_procedure("1.001193")
    agencies = {agency.code for agency in birth.performing_agencies.all()}
    assert "000.21.31.H28" in agencies  # Phường I, Vị Thanh (before 1 July 2025)
    assert "000.00.41.H13" in agencies  # phường Vị Thanh, Cần Thơ (after)
    assert Agency.objects.filter(code__in=agencies).count() == len(agencies)

    found = [p.name for p in selectors.search_procedures(Filters(q="cap giay phep xay dung nha o"))]
    assert found[0] == "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"
    assert selectors.search_procedures(Filters(q="ly lich tu phap"))
    licence = Procedure.objects.get(name="Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp")
    assert licence.active_to.isoformat() == "2025-02-28"
