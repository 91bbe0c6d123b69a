import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.core.apiclients import services as apiclients
from tinhso.core.permissions import SYSTEM
from tinhso.procedures import spreadsheets
from tinhso.procedures.models import ImportJob, Procedure

from .conftest import procedure_data

pytestmark = pytest.mark.django_db

BASE = "/api/v1/procedures/"


def _json(data):
    return {**data, "route_steps": [dict(s) for s in data["route_steps"]]}


def test_public_search_needs_no_sign_in(client, make_procedure, django_assert_max_num_queries):
    make_procedure()
    make_procedure(code="DEMO.HT.002", name="Đăng ký kết hôn", online_level="partial")
    with django_assert_max_num_queries(3):
        response = client.get(BASE, {"q": "dang ky ket"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0] == {
        "code": "DEMO.HT.002",
        "name": "Đăng ký kết hôn",
        "field_code": "HT",
        "field_name": "Hộ tịch",
        "levels": ["commune"],
        "processing_days": 1,
        "online_level": "partial",
        "fee_summary": "Không thu phí, lệ phí",
        "result_type": "Giấy khai sinh (bản chính)",
    }
    assert client.get(BASE, {"online_level": "full"}).json()["count"] == 1
    assert client.get(BASE, {"online_level": "level4"}).status_code == 422


def test_detail_and_fields(client, make_procedure, agency):
    make_procedure(agencies=[agency.code])
    response = client.get(f"{BASE}1.001193")
    assert response.status_code == 200
    body = response.json()
    assert [s["kind"] for s in body["route_steps"]] == ["receive", "process", "approve", "return"]
    assert body["route_steps"][0]["share_days"] in ("0.25", 0.25)
    assert body["agencies"][0]["code"] == agency.code
    assert body["form_fields"][1]["choices"][0] == {"value": "nam", "label": "Nam"}
    assert body["in_force_today"] is True
    missing = client.get(f"{BASE}9.999999")
    assert missing.status_code == 404 and missing.json()["code"] == "procedures.not_found"
    fields = client.get(f"{BASE}fields").json()
    assert fields == [{"code": "HT", "name": "Hộ tịch", "active_count": 1}]


def test_fee_quote(client, field_ht):
    data = procedure_data(
        fee_rule={"kind": "per_unit", "unit": "trang", "amount": 2000, "first_units": 2, "next_amount": 1000}
    )
    data["route_steps"].insert(
        3, {"name": "Thu phí", "kind": "fee", "role": "one_stop_officer", "share_days": "0"}
    )
    from tinhso.procedures import services

    services.create_procedure(actor=SYSTEM, data=data)
    assert client.get(f"{BASE}1.001193/fee", {"quantity": 5}).json()["amount"] == 7000
    bad = client.get(f"{BASE}1.001193/fee", {"quantity": 0})
    assert bad.status_code == 422 and bad.json()["code"] == "procedures.invalid_fee_quantity"


def test_admin_creates_updates_and_deactivates(client, platform_admin, field_ht):
    client.force_login(platform_admin)
    response = client.post(BASE, _json(procedure_data()), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "1.001193"

    again = client.post(BASE, _json(procedure_data()), content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "procedures.code_taken"

    bad = client.post(
        BASE, _json(procedure_data(code="DEMO.1", processing_days=2)), content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "procedures.route_shares_mismatch"
    assert bad.json()["details"]["errors"][0]["path"] == "route_steps[*].share_days"

    patched = client.patch(
        f"{BASE}1.001193", {"name": "Đăng ký khai sinh đúng hạn"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["name"] == "Đăng ký khai sinh đúng hạn"
    null = client.patch(f"{BASE}1.001193", {"name": None}, content_type="application/json")
    assert null.status_code == 422

    gone = client.post(
        f"{BASE}1.001193/deactivate", {"last_day": "2025-06-30"}, content_type="application/json"
    )
    assert gone.status_code == 200
    assert gone.json()["in_force_today"] is False and gone.json()["active_to"] == "2025-06-30"
    assert client.get(BASE).json()["count"] == 0


def test_writes_are_closed_to_others(client, make_officer, agency, make_procedure):
    make_procedure()
    payload = _json(procedure_data(code="DEMO.HT.003"))
    assert client.post(BASE, payload, content_type="application/json").status_code == 401
    client.force_login(make_officer(roles=[(agency, "leader")]))
    denied = client.post(BASE, payload, content_type="application/json")
    assert denied.status_code == 403 and denied.json()["code"] == "permission.denied"
    assert client.patch(f"{BASE}1.001193", {"name": "x"}, content_type="application/json").status_code == 403
    assert client.post(f"{BASE}1.001193/deactivate", {}, content_type="application/json").status_code == 403
    assert client.get(f"{BASE}export").status_code == 403
    assert Procedure.objects.count() == 1


def test_personal_token_needs_the_scope(client, platform_admin, field_ht):
    _, read_only = apiclients.create_personal_token(
        actor=platform_admin, user=platform_admin, name="đọc", scopes=["files:read"]
    )
    _, manage = apiclients.create_personal_token(
        actor=platform_admin, user=platform_admin, name="quản lý", scopes=["procedures:manage"]
    )
    payload = _json(procedure_data())
    denied = client.post(
        BASE, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {read_only}"
    )
    assert denied.status_code == 403
    ok = client.post(BASE, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {manage}")
    assert ok.status_code == 201


def test_import_and_job_status(client, platform_admin, make_procedure, django_capture_on_commit_callbacks):
    make_procedure()
    client.force_login(platform_admin)
    exported = client.get(f"{BASE}export", {"format": "csv"})
    assert exported.status_code == 200
    assert exported["Content-Disposition"].endswith('.csv"')
    content = exported.content.replace("Đăng ký khai sinh".encode(), "Đăng ký khai sinh (mới)".encode(), 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{BASE}imports", {"file": SimpleUploadedFile("danh-muc.csv", content), "mode": "all_or_nothing"}
        )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    status = client.get(f"{BASE}imports/{job_id}").json()
    assert (status["status"], status["updated_count"], status["percent"]) == ("succeeded", 1, 100)
    assert Procedure.objects.get().name == "Đăng ký khai sinh (mới)"
    xlsx = client.get(f"{BASE}export", {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    assert client.get(f"{BASE}export", {"format": "pdf"}).status_code == 422


def test_import_refuses_bad_files_and_mode(client, platform_admin):
    client.force_login(platform_admin)
    not_a_sheet = client.post(f"{BASE}imports", {"file": SimpleUploadedFile("a.csv", b"%PDF-1.4\n")})
    assert not_a_sheet.status_code == 415
    bad_mode = client.post(
        f"{BASE}imports",
        {"file": SimpleUploadedFile("a.csv", ",".join(spreadsheets.CSV_COLUMNS).encode()), "mode": "some"},
    )
    assert bad_mode.status_code == 422
    assert not ImportJob.objects.exists()
    assert client.get(f"{BASE}imports/00000000-0000-0000-0000-000000000000").status_code == 404
