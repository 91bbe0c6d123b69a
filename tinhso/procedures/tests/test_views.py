import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.core.files import services as files
from tinhso.core.permissions import SYSTEM
from tinhso.procedures import imports, services, spreadsheets
from tinhso.procedures.models import ImportJob, ImportPhase, ImportStatus

pytestmark = pytest.mark.django_db


def test_catalog_page_searches_without_diacritics(client, make_procedure):
    make_procedure()
    make_procedure(code="DEMO.HT.002", name="Đăng ký kết hôn")
    page = client.get("/thu-tuc/", {"q": "dang ky khai sinh"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đăng ký khai sinh" in html and "Đăng ký kết hôn" not in html
    assert 'hx-get="/thu-tuc/"' in html and 'name="q"' in html


def test_htmx_request_gets_only_the_results(client, make_procedure):
    make_procedure()
    partial = client.get("/thu-tuc/", {"q": "sinh khai"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "<html" not in html and "Đăng ký khai sinh" in html
    assert "/thu-tuc/1.001193/" in html


def test_pagination(client, make_procedure):
    for n in range(25):
        make_procedure(code=f"DEMO.HT.{n:03d}", name=f"Thủ tục hộ tịch số {n:02d}")
    first = client.get("/thu-tuc/", {"q": "ho tich"}).content.decode()
    assert "Trang 1/2" in first and "page=2" in first
    second = client.get("/thu-tuc/", {"q": "ho tich", "page": 2}).content.decode()
    assert second.count('class="procedure-item"') == 5


def test_detail_page(client, make_procedure, agency):
    make_procedure(agencies=[agency.code])
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "Giấy chứng sinh" in html and "Luật Hộ tịch năm 2014" in html
    assert 'href="/ho-so/nop/1.001193/"' in html
    assert "Tiếp nhận hồ sơ" in html and agency.name in html
    assert client.get("/thu-tuc/9.999999/").status_code == 404


def test_withdrawn_procedure_has_no_submit_button(client, make_procedure):
    procedure = make_procedure()
    services.deactivate_procedure(actor=SYSTEM, procedure=procedure)
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "/ho-so/nop/" not in html and "hiện không áp dụng" in html


def test_form_template_is_downloadable_by_anyone(client, make_procedure, platform_admin):
    template = files.store_upload(
        actor=platform_admin,
        purpose="procedure_form_template",
        file=SimpleUploadedFile("to-khai.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        name="to-khai.pdf",
    )
    make_procedure(documents=[{"name": "Tờ khai", "template": str(template.public_id)}])
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "/thu-tuc/1.001193/mau/1/" in html
    response = client.get("/thu-tuc/1.001193/mau/1/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get("/thu-tuc/1.001193/mau/2/").status_code == 404


def test_manage_page_is_for_platform_admins(client, make_officer, agency, platform_admin):
    assert client.get("/thu-tuc/quan-tri/").status_code == 302
    client.force_login(make_officer(roles=[(agency, "leader")]))
    assert client.get("/thu-tuc/quan-tri/").status_code == 403
    assert client.get("/thu-tuc/quan-tri/xuat.csv").status_code == 403
    client.force_login(platform_admin)
    assert client.get("/thu-tuc/quan-tri/").status_code == 200


def test_import_through_the_page_and_follow_progress(
    client, platform_admin, make_procedure, django_capture_on_commit_callbacks
):
    make_procedure()
    client.force_login(platform_admin)
    exported = client.get("/thu-tuc/quan-tri/xuat.csv")
    assert exported.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/thu-tuc/quan-tri/",
            {"file": SimpleUploadedFile("a.csv", exported.content), "mode": "valid_rows"},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/thu-tuc/quan-tri/nhap/{job.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'<progress id="import-bar" max="100" value="100">', page)
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling


def test_running_job_polls_every_second(client, platform_admin):
    client.force_login(platform_admin)
    stored = files.store_upload(
        actor=platform_admin,
        purpose="procedure_catalog_import",
        file=SimpleUploadedFile("a.csv", spreadsheets.write_csv([])),
        name="a.csv",
    )
    job = ImportJob.objects.create(
        file=stored,
        file_format="csv",
        status=ImportStatus.RUNNING,
        phase=ImportPhase.WRITING,
        total_rows=200,
        processed_rows=50,
        created_by=platform_admin,
    )
    partial = client.get(f"/thu-tuc/quan-tri/nhap/{job.public_id}/tien-do/").content.decode()
    assert 'hx-trigger="every 1s"' in partial
    assert '<progress id="import-bar" max="100" value="25">' in partial
    assert "50/200" in partial and "Đang ghi dữ liệu" in partial


def test_import_page_shows_row_errors(client, platform_admin, django_capture_on_commit_callbacks):
    client.force_login(platform_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/thu-tuc/quan-tri/", {"file": SimpleUploadedFile("a.csv", b"ma,ten\n1,2\n")})
    job = ImportJob.objects.get()
    page = client.get(f"/thu-tuc/quan-tri/nhap/{job.public_id}/").content.decode()
    assert "Không ghi dữ liệu nào" in page and "<code>ma</code>" in page


def test_manage_page_explains_a_refused_upload(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post("/thu-tuc/quan-tri/", {"file": SimpleUploadedFile("a.csv", b"%PDF-1.4\n")})
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert imports.ImportJob.objects.count() == 0
