"""The officers' workspace: inbox, counter receipt, the processing page and its htmx actions,
search, the forms as PDF, the tracking book and the statistics; who may open what."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tinhso.core.files.tests.samples import pdf_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierState
from tinhso.dossiers.tests.conftest import received, submit

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(client, dossier, action, data=None, htmx=True):
    data = {"version": str(Dossier.objects.get(pk=dossier.pk).version), **(data or {})}
    return client.post(f"/ho-so/lam-viec/{dossier.code}/thao-tac/{action}/", data, **(HX if htmx else {}))


def state_of(dossier) -> str:
    return Dossier.objects.values_list("state", flat=True).get(pk=dossier.pk)


def test_workspace_pages_are_for_officers(world):
    pages = ["/ho-so/lam-viec/", "/ho-so/lam-viec/tim-kiem/", "/ho-so/lam-viec/so-theo-doi/"]
    for url in pages + ["/ho-so/lam-viec/tiep-nhan/", "/ho-so/lam-viec/thong-ke/"]:
        assert Client().get(url).status_code == 302, url
        assert as_user(world.citizen).get(url).status_code == 403, url
    for url in pages:
        assert as_user(world.specialist).get(url).status_code == 200, url
    # Counter receipt: one-stop officers only; statistics: leaders, IOC viewers, one-stop officers.
    assert as_user(world.specialist).get("/ho-so/lam-viec/tiep-nhan/").status_code == 403
    assert as_user(world.one_stop).get("/ho-so/lam-viec/tiep-nhan/").status_code == 200
    assert as_user(world.specialist).get("/ho-so/lam-viec/thong-ke/").status_code == 403
    assert as_user(world.leader).get("/ho-so/lam-viec/thong-ke/").status_code == 200


def test_inbox_lists_my_steps_and_dossiers_waiting_for_receipt(world):
    waiting = submit(world)
    moving = received(world)
    one_stop = as_user(world.one_stop).get("/ho-so/lam-viec/").content.decode()
    assert waiting.code in one_stop and "chờ tiếp nhận" in one_stop
    specialist = as_user(world.specialist).get("/ho-so/lam-viec/").content.decode()
    assert moving.code in specialist and "Thẩm định hồ sơ" in specialist
    assert waiting.code not in specialist  # not the specialist's to receive
    # Another department's officer sees none of it.
    other = as_user(world.specialist_b).get("/ho-so/lam-viec/").content.decode()
    assert moving.code not in other and waiting.code not in other


def test_inbox_flags_overdue_steps(world):
    late = received(world, now=timezone.now() - dt.timedelta(days=30))
    html = as_user(world.specialist).get("/ho-so/lam-viec/").content.decode()
    assert late.code in html and "Quá hạn" in html


def test_processing_page_is_404_for_another_agency(world):
    dossier = received(world)
    url = f"/ho-so/lam-viec/{dossier.code}/"
    assert as_user(world.specialist).get(url).status_code == 200
    assert as_user(world.specialist_b).get(url).status_code == 404
    assert as_user(world.one_stop_b).get(url).status_code == 404
    assert as_user(world.citizen).get(url).status_code == 403
    assert as_user(world.one_stop_b).get(f"/ho-so/lam-viec/{dossier.code}/mau-1.pdf").status_code == 404
    # Acting on it is refused the same way, and nothing changes.
    assert act(as_user(world.specialist_b), dossier, "complete_step").status_code == 404
    assert state_of(dossier) == DossierState.PROCESSING


def test_panel_offers_exactly_the_allowed_actions(world):
    dossier = submit(world)
    html = as_user(world.one_stop).get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    for action in ("accept", "refuse", "request_supplement"):
        assert f"/thao-tac/{action}/" in html
    assert "/thao-tac/complete_step/" not in html and "/thao-tac/stop/" not in html
    assert 'hx-post="' in html and 'hx-target="#dossier-work"' in html and "csrfmiddlewaretoken" in html
    # The specialist sees the dossier at the desk but may not receive it.
    html = as_user(world.specialist).get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert "/thao-tac/accept/" not in html and "Bạn không có thao tác nào" in html


def test_htmx_actions_move_the_dossier_along_its_route(world):
    dossier = submit(world)
    desk, specialist, leader = as_user(world.one_stop), as_user(world.specialist), as_user(world.leader)

    response = act(desk, dossier, "accept", {"note": "Đủ giấy tờ"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # only the panel comes back
    assert "Đã tiếp nhận hồ sơ" in html and "Mẫu 01" in html
    assert state_of(dossier) == DossierState.PROCESSING

    # The specialist's panel: complete, return is impossible (no earlier processing step), extend.
    html = specialist.get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert "/thao-tac/complete_step/" in html and "/thao-tac/return_step/" not in html
    assert "/thao-tac/extend/" in html and "/thao-tac/stop/" not in html
    assert act(specialist, dossier, "complete_step", {"note": "Hồ sơ hợp lệ"}).status_code == 200

    # The leader may send it back with a reason (required), or approve it.
    html = leader.get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert "Phê duyệt" in html and "/thao-tac/return_step/" in html and "/thao-tac/stop/" in html
    missing = act(leader, dossier, "return_step", {"reason": ""})
    assert missing.status_code == 422 and "Lý do là bắt buộc." in missing.content.decode()
    assert act(leader, dossier, "return_step", {"reason": "Bổ sung căn cứ"}).status_code == 200
    assert Dossier.objects.get(pk=dossier.pk).current_step.name == "Thẩm định hồ sơ"
    act(specialist, dossier, "complete_step")
    assert act(leader, dossier, "complete_step").status_code == 200
    assert state_of(dossier) == DossierState.PROCESSED

    # The desk attaches the result (multipart through htmx) and returns it online.
    upload = SimpleUploadedFile("ket-qua.pdf", pdf_bytes(), content_type="application/pdf")
    response = act(desk, dossier, "attach_result", {"name": "Bản sao trích lục", "file": upload})
    assert response.status_code == 200 and "Bản sao trích lục" in response.content.decode()
    response = act(desk, dossier, "return_result", {"via": "online"})
    assert response.status_code == 200 and "Đã trả kết quả" in response.content.decode()
    assert state_of(dossier) == DossierState.RETURNED
    actions = list(Dossier.objects.get(pk=dossier.pk).transitions.values_list("action", flat=True))
    assert actions == [
        "submit", "accept", "start", "forward", "return_step", "forward", "finish", "attach_result",
        "return_result",
    ]  # fmt: skip


def test_a_concurrent_change_is_explained(world):
    dossier = submit(world)
    desk = as_user(world.one_stop)
    stale_version = str(dossier.version)
    services.accept_dossier(actor=world.one_stop, dossier=dossier)  # someone else, meanwhile
    response = desk.post(f"/ho-so/lam-viec/{dossier.code}/thao-tac/accept/", {"version": stale_version}, **HX)
    assert response.status_code == 409
    assert response["X-Dossier-Panel"] == "1"
    html = response.content.decode()
    assert "Hồ sơ vừa được người khác xử lý, vui lòng tải lại." in html
    # Without a version, the state table refuses it the same way.
    response = desk.post(f"/ho-so/lam-viec/{dossier.code}/thao-tac/refuse/", {"reasons": "x"}, **HX)
    assert response.status_code == 409 and "vui lòng tải lại" in response.content.decode()
    assert state_of(dossier) == DossierState.PROCESSING


def test_without_javascript_actions_redirect_back(world):
    dossier = submit(world)
    response = act(
        as_user(world.one_stop), dossier, "refuse", {"reasons": "Sai thủ tục\nThiếu chữ ký"}, htmx=False
    )
    assert response.status_code == 302 and response["Location"] == f"/ho-so/lam-viec/{dossier.code}/"
    assert state_of(dossier) == DossierState.REFUSED
    assert Dossier.objects.get(pk=dossier.pk).refusal.reasons == ["Sai thủ tục", "Thiếu chữ ký"]
    # An error without javascript renders the whole page with the message.
    page = act(as_user(world.one_stop), dossier, "accept", htmx=False)
    assert page.status_code == 409 and "<html" in page.content.decode()


def test_permission_refusal_inside_an_action(world):
    dossier = received(world)
    # The one-stop officer sees the dossier but the current step is the specialist's.
    response = act(as_user(world.one_stop), dossier, "complete_step")
    assert response.status_code == 403
    assert "quyền" in response.content.decode() or "vai trò" in response.content.decode()
    assert act(as_user(world.one_stop), dossier, "teleport").status_code == 404
    assert as_user(world.one_stop).get(f"/ho-so/lam-viec/{dossier.code}/thao-tac/accept/").status_code == 405


def test_supplement_extend_and_stop_from_the_panel(world):
    dossier = received(world)
    specialist, leader = as_user(world.specialist), as_user(world.leader)
    required = world.simple.documents.get(order=1)
    response = act(
        specialist,
        dossier,
        "request_supplement",
        {"reason": "Tờ khai thiếu chữ ký", "documents": [str(required.pk)], "other_items": "Bản sao CCCD"},
    )
    assert response.status_code == 200 and state_of(dossier) == DossierState.AWAITING_SUPPLEMENT
    request = dossier.supplement_requests.get()
    assert [i["name"] for i in request.items] == ["Tờ khai theo mẫu", "Bản sao CCCD"]
    assert request.items[0]["required_document_id"] == required.pk
    # Form 02 is printable now.
    assert "/mau-2.pdf" in response.content.decode()
    services.fulfil_supplement(actor=world.citizen, dossier=dossier, note="Đã ký")
    current = Dossier.objects.get(pk=dossier.pk)
    new = (current.appointment_at + dt.timedelta(days=3)).astimezone(timezone.get_current_timezone())
    bad = act(specialist, dossier, "extend", {"reason": "Cần xác minh", "new_appointment": "hôm sau"})
    assert bad.status_code == 422
    response = act(
        specialist,
        dossier,
        "extend",
        {"reason": "Cần xác minh", "new_appointment": new.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 200 and Dossier.objects.get(pk=dossier.pk).extension_count == 1
    assert act(specialist, dossier, "stop", {"reason": "x"}).status_code == 403  # leaders stop
    assert act(leader, dossier, "stop", {"reason": "Người nộp đề nghị dừng"}).status_code == 200
    assert state_of(dossier) == DossierState.STOPPED
    for number in (1, 2, 4, 5, 6):
        pdf = leader.get(f"/ho-so/lam-viec/{dossier.code}/mau-{number}.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf", number
        assert pdf.content.startswith(b"%PDF")
    assert leader.get(f"/ho-so/lam-viec/{dossier.code}/mau-3.pdf").status_code == 409
    assert leader.get(f"/ho-so/lam-viec/{dossier.code}/mau-9.pdf").status_code == 404


def test_counter_receipt_creates_and_receives_the_dossier(world):
    desk = as_user(world.one_stop)
    step1 = desk.get("/ho-so/lam-viec/tiep-nhan/", {"co_quan": world.dept.code, "thu_tuc": world.simple.code})
    html = step1.content.decode()
    assert step1.status_code == 200 and 'name="applicant_name"' in html and 'name="f_ho_ten"' in html
    required = world.simple.documents.get(order=1)
    data = {
        "idempotency_token": "quay-1",
        "co_quan": world.dept.code,
        "thu_tuc": world.simple.code,
        "applicant_name": "Nguyễn Văn Quầy",
        "citizen_id": "093123456789",
        "phone": "0901111222",
        "channel": "1",
        "f_ho_ten": "Nguyễn Văn Quầy",
        "result_delivery": "counter",
    }
    response = desk.post(
        "/ho-so/lam-viec/tiep-nhan/",
        {**data, f"doc_{required.pk}": SimpleUploadedFile("scan.pdf", pdf_bytes())},
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/ho-so/lam-viec/{dossier.code}/"
    assert dossier.state == DossierState.PROCESSING and dossier.channel == 1
    assert dossier.applicant_id_last4 == "6789" and dossier.applicant_phone_last4 == "1222"
    # The same form sent twice: one dossier.
    desk.post(
        "/ho-so/lam-viec/tiep-nhan/",
        {**data, f"doc_{required.pk}": SimpleUploadedFile("scan.pdf", pdf_bytes())},
    )
    assert Dossier.objects.count() == 1
    page = desk.get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert "/mau-1.pdf" in page and "093123456789" not in page
    pdf = desk.get(f"/ho-so/lam-viec/{dossier.code}/mau-1.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # An officer of another agency cannot receive for this one; a bad ID number is explained.
    other = as_user(world.one_stop_b).get(
        "/ho-so/lam-viec/tiep-nhan/", {"co_quan": world.dept.code, "thu_tuc": world.simple.code}
    )
    assert other.status_code == 403 and 'name="applicant_name"' not in other.content.decode()
    assert "Bạn không tiếp nhận hồ sơ cho cơ quan này." in other.content.decode()
    unknown = desk.get("/ho-so/lam-viec/tiep-nhan/", {"co_quan": world.dept.code, "thu_tuc": "9.999999"})
    assert unknown.status_code == 404
    bad = desk.post(
        "/ho-so/lam-viec/tiep-nhan/",
        {**data, "idempotency_token": "quay-2", "citizen_id": "12345",
         f"doc_{required.pk}": SimpleUploadedFile("scan.pdf", pdf_bytes())},
    )  # fmt: skip
    assert bad.status_code == 422 and "12 chữ số" in bad.content.decode()
    assert Dossier.objects.count() == 1


def test_search_is_limited_to_my_agencies(world):
    mine = received(world)
    interagency = received(world, world.interagency)
    client = as_user(world.one_stop)
    html = client.get("/ho-so/lam-viec/tim-kiem/").content.decode()
    assert mine.code in html and interagency.code not in html  # never reached the department yet
    html = client.get(
        "/ho-so/lam-viec/tim-kiem/", {"q": "Trần Thị", "trang_thai": "processing"}
    ).content.decode()
    assert mine.code in html
    html = client.get("/ho-so/lam-viec/tim-kiem/", {"trang_thai": "returned"}).content.decode()
    assert mine.code not in html
    html = client.get("/ho-so/lam-viec/tim-kiem/", {"tu_ngay": "ngày mai"}).content.decode()
    assert "năm-tháng-ngày" in html
    assert mine.code not in as_user(world.one_stop_b).get("/ho-so/lam-viec/tim-kiem/").content.decode()


def test_search_paginates(world):
    for _ in range(27):
        submit(world)
    client = as_user(world.one_stop)
    first = client.get("/ho-so/lam-viec/tim-kiem/", {"trang_thai": "submitted"}).content.decode()
    assert "Trang 1/2" in first and "trang_thai=submitted&amp;page=2" in first
    second = client.get("/ho-so/lam-viec/tim-kiem/", {"trang_thai": "submitted", "page": 2}).content.decode()
    assert second.count("/ho-so/lam-viec/000.00.09.H23-") == 2


def test_tracking_book_for_the_desk_and_leaders_of_the_agency(world):
    received(world)
    today = timezone.localdate().isoformat()
    query = {"co_quan": world.dept.code, "tu_ngay": today, "den_ngay": today}
    for officer in (world.one_stop, world.leader):
        pdf = as_user(officer).get("/ho-so/lam-viec/so-theo-doi/", query)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert as_user(world.specialist).get("/ho-so/lam-viec/so-theo-doi/", query).status_code == 403
    assert as_user(world.one_stop_b).get("/ho-so/lam-viec/so-theo-doi/", query).status_code == 403
    too_long = as_user(world.one_stop).get(
        "/ho-so/lam-viec/so-theo-doi/", {**query, "tu_ngay": "2020-01-01"}, follow=True
    )
    assert "366" in too_long.content.decode()


def test_statistics_page_and_xlsx(world):
    dossier = received(world)
    services.complete_step(actor=world.specialist, dossier=dossier)
    client = as_user(world.leader)
    html = client.get("/ho-so/lam-viec/thong-ke/").content.decode()
    assert world.dept.name in html and "Tỷ lệ đúng hạn" in html and "766/QĐ-TTg" in html
    total = client.get("/ho-so/lam-viec/thong-ke/", {"nhom": "total"}).content.decode()
    assert "Tổng cộng" in total
    sheet = client.get("/ho-so/lam-viec/thong-ke/xuat.xlsx")
    assert sheet.status_code == 200 and sheet.content.startswith(b"PK")
    assert "spreadsheetml" in sheet["Content-Type"]
    # Another department's desk sees only its own figures; a specialist sees no statistics.
    other = as_user(world.one_stop_b).get("/ho-so/lam-viec/thong-ke/").content.decode()
    assert "Không có hồ sơ trong kỳ." in other and world.dept.name not in other
    assert as_user(world.specialist_b).get("/ho-so/lam-viec/thong-ke/xuat.xlsx").status_code == 403


def test_attach_result_needs_a_file(world):
    dossier = received(world)
    services.complete_step(actor=world.specialist, dossier=dossier)
    services.complete_step(actor=world.leader, dossier=dossier)
    response = act(as_user(world.one_stop), dossier, "attach_result", {"name": "Kết quả"})
    assert response.status_code == 422 and "Hãy chọn tệp kết quả." in response.content.decode()
    response = act(as_user(world.one_stop), dossier, "return_result", {"via": "online"})
    assert response.status_code == 422 and "Cần đính kèm tệp kết quả" in response.content.decode()
    services.attach_result(
        actor=world.one_stop, dossier=dossier, name="KQ", upload=io.BytesIO(pdf_bytes()),
        purpose="dossier_attachment",
    )  # fmt: skip
    result = dossier.results.get()
    url = f"/ho-so/lam-viec/{dossier.code}/tep/{result.file.public_id}/"
    assert as_user(world.one_stop).get(url).status_code == 200
    assert as_user(world.one_stop_b).get(url).status_code == 404


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the per-process caches (working calendar, permissions)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_do_not_grow_queries_with_their_rows(world):
    for _ in range(2):
        received(world)
    specialist = as_user(world.specialist)
    few = (_queries(specialist, "/ho-so/lam-viec/"), _queries(specialist, "/ho-so/lam-viec/tim-kiem/"))
    for _ in range(6):
        received(world)
    many = (_queries(specialist, "/ho-so/lam-viec/"), _queries(specialist, "/ho-so/lam-viec/tim-kiem/"))
    assert many == few
    citizen = as_user(world.citizen)
    assert _queries(citizen, "/ho-so/cua-toi/") <= few[1] + 5
