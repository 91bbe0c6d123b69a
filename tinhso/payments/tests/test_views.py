"""The payment pages: who may open which, the receipt in words and in PDF, reconciliation pages."""

import pytest
from django.utils import timezone

from tinhso.payments import receipts
from tinhso.payments.models import ReconciliationRun
from tinhso.payments.tests.conftest import deliver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (105, "Một trăm lẻ năm đồng"),
        (1_005_000, "Một triệu không trăm lẻ năm nghìn đồng"),
        (150_000, "Một trăm năm mươi nghìn đồng"),
        (2_024_000, "Hai triệu không trăm hai mươi tư nghìn đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (35_500_000, "Ba mươi lăm triệu năm trăm nghìn đồng"),
    ],
)
def test_amount_in_words(amount, words):
    assert receipts.amount_in_words(amount) == words


def test_format_vnd():
    assert receipts.format_vnd(1_250_000) == "1.250.000 đồng"


def _paid(started_payment, **fields):
    payment = started_payment(**fields)
    deliver(payment)
    payment.refresh_from_db()
    return payment


def test_pages_are_for_the_payer_and_the_agency(
    client, started_payment, citizen, other_citizen, officer, other_officer
):
    payment = _paid(started_payment)
    pages = [
        f"/thanh-toan/{payment.public_id}/",
        f"/thanh-toan/{payment.public_id}/trang-thai/",
        f"/thanh-toan/{payment.public_id}/bien-lai/",
        f"/thanh-toan/{payment.public_id}/bien-lai.pdf",
    ]
    for page in pages:
        assert client.get(page).status_code == 302  # sign in first
    for who, status in ((citizen, 200), (officer, 200), (other_citizen, 404), (other_officer, 404)):
        client.force_login(who)
        for page in pages:
            assert client.get(page).status_code == status, (who, page)
    client.force_login(other_citizen)
    assert client.post(f"/thanh-toan/{payment.public_id}/huy/").status_code == 404


def test_the_list_shows_only_what_one_may_see(client, started_payment, make_payment, citizen, other_citizen):
    mine = make_payment(description="Lệ phí của tôi")
    make_payment(actor=other_citizen, description="Lệ phí của người khác")
    client.force_login(citizen)
    page = client.get("/thanh-toan/").content.decode()
    assert "Lệ phí của tôi" in page and "Lệ phí của người khác" not in page
    assert str(mine.public_id) in page
    assert "Lệ phí của tôi" not in client.get("/thanh-toan/", {"status": "succeeded"}).content.decode()


def test_errors_on_actions_become_messages(client, started_payment, citizen):
    payment = _paid(started_payment)
    client.force_login(citizen)
    response = client.post(f"/thanh-toan/{payment.public_id}/huy/", follow=True)
    assert "Chỉ hủy được khoản thanh toán chưa nộp tiền." in response.content.decode()


def test_reconciliation_pages_are_for_platform_administrators(client, platform_admin, officer, citizen):
    for who in (citizen, officer):
        client.force_login(who)
        assert client.get("/thanh-toan/doi-soat/").status_code == 403
        assert client.post("/thanh-toan/doi-soat/", {"day": "2026-01-05"}).status_code == 403
    assert not ReconciliationRun.objects.exists()
    client.force_login(platform_admin)
    assert client.get("/thanh-toan/doi-soat/").status_code == 200
    today = timezone.localdate().isoformat()
    response = client.post("/thanh-toan/doi-soat/", {"day": today, "provider": "sandbox"})
    run = ReconciliationRun.objects.get()
    assert response["Location"] == f"/thanh-toan/doi-soat/{run.pk}/"
    assert "Không có sai lệch" in client.get(response["Location"]).content.decode()
    bad = client.post("/thanh-toan/doi-soat/", {"day": "hôm qua"}, follow=True)
    assert "Ngày đối soát không hợp lệ." in bad.content.decode()


def test_a_reconciliation_page_lists_the_differences(client, platform_admin, started_payment):
    from tinhso.payments.providers import sandbox

    payment = started_payment()
    sandbox.complete_transaction(payment.provider_ref, outcome="success", send_callback=False)
    client.force_login(platform_admin)
    response = client.post("/thanh-toan/doi-soat/", {"day": timezone.localdate().isoformat()}, follow=True)
    page = response.content.decode()
    assert "missing_callback" in page and "marked_succeeded" in page and payment.provider_ref in page
    assert "/thanh-toan/doi-soat/" in client.get("/thanh-toan/doi-soat/").content.decode()


def test_demo_payments_load_once(make_agency, make_citizen):
    from tinhso.demo.services import LoadReport
    from tinhso.payments import demo
    from tinhso.payments.models import Payment

    make_agency(code=demo.AGENCY_CODE, name="Sở Tư pháp thành phố Cần Thơ")
    for citizen_id, *_ in demo.DEMO_PAYMENTS:
        make_citizen(citizen_id=citizen_id)
    report = LoadReport()
    demo.load_demo(report)
    assert report.created["payments"] == 3 and report.created["receipts"] == 1
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["cancelled", "pending", "succeeded"]
    again = LoadReport()
    demo.load_demo(again)
    assert not again.created and Payment.objects.count() == 3
