"""Public tracking (the address in the forms' QR code): second factor, no personal data, limits."""

from __future__ import annotations

import pytest
from django.test import Client

from tinhso.dossiers.tests.conftest import received

pytestmark = pytest.mark.django_db


def test_tracking_page_prefills_the_code_from_the_qr_address(world):
    dossier = received(world)
    page = Client().get("/ho-so/tra-cuu/", {"ma": dossier.code})
    assert page.status_code == 200
    assert f'value="{dossier.code}"' in page.content.decode()


def test_tracking_shows_the_state_without_personal_data(world):
    dossier = received(world)
    client = Client()
    page = client.post("/ho-so/tra-cuu/", {"code": dossier.code, "factor": "5678"})  # phone's last 4
    assert page.status_code == 200
    html = page.content.decode()
    assert dossier.code in html and "Đang xử lý" in html and world.dept.name in html
    assert "Thẩm định hồ sơ" in html and "Tiếp nhận hồ sơ" in html
    for secret in ("Trần Thị Dân", "0912345678", "dan@example.vn", "motcua.stp", world.citizen.username):
        assert secret not in html, secret
    # The ID number's last 4 digits work too.
    id_last4 = dossier.applicant_id_last4
    assert client.post("/ho-so/tra-cuu/", {"code": dossier.code, "factor": id_last4}).status_code == 200


def test_wrong_second_factor_or_code_is_refused_alike(world):
    dossier = received(world)
    client = Client()
    wrong = client.post("/ho-so/tra-cuu/", {"code": dossier.code, "factor": "0000"})
    assert wrong.status_code == 404
    html = wrong.content.decode()
    assert "Không tìm thấy hồ sơ" in html and "Đang xử lý" not in html and "Thẩm định hồ sơ" not in html
    unknown = client.post("/ho-so/tra-cuu/", {"code": "000.00.09.H23-000000-9999", "factor": "5678"})
    assert unknown.status_code == 404


def test_tracking_is_rate_limited(world, settings):
    settings.DOSSIER_TRACK_CODE_FAILURE_LIMIT = 3
    dossier = received(world)
    client = Client()
    for _ in range(3):
        assert client.post("/ho-so/tra-cuu/", {"code": dossier.code, "factor": "1111"}).status_code == 404
    # Too many failures on this code: even the right factor now waits.
    limited = client.post("/ho-so/tra-cuu/", {"code": dossier.code, "factor": "5678"})
    assert limited.status_code == 429 and "quá nhiều lần" in limited.content.decode()
