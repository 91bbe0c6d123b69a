"""Fixtures shared by every app's tests: agencies, officers with roles, citizens, API clients."""

import pytest

from tinhso.core.testing import factories


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_denials_carried_between_tests():
    # Denials are remembered per context until the request middleware flushes them; a test that
    # calls services directly never reaches the middleware, so start each test clean.
    from tinhso.core.audit import services as audit

    audit.discard_pending_denials()
    yield
    audit.discard_pending_denials()


@pytest.fixture
def make_agency(db):
    return factories.make_agency


@pytest.fixture
def make_officer(db):
    return factories.make_officer


@pytest.fixture
def make_citizen(db):
    return factories.make_citizen


@pytest.fixture
def agency(make_agency):
    return make_agency(name="Sở Thông tin và Truyền thông", code="000.00.01.H23", short_name="STTTT")


@pytest.fixture
def other_agency(make_agency):
    return make_agency(name="Sở Tư pháp", code="000.00.02.H23", short_name="STP")


@pytest.fixture
def platform_admin(make_officer, agency):
    return make_officer(username="admin.platform", roles=[(agency, "platform_admin")])
