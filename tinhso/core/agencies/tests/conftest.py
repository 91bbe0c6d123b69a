from datetime import date

import pytest

from tinhso.core.agencies import services
from tinhso.core.agencies.models import AgencyKind
from tinhso.core.permissions import SYSTEM


@pytest.fixture
def captured(monkeypatch):
    """Audit records and events written by the agency services, in order."""
    calls = {"audit": [], "events": []}
    monkeypatch.setattr(
        services.audit, "record", lambda **kwargs: calls["audit"].append(kwargs), raising=True
    )
    monkeypatch.setattr(services.events, "publish", lambda event: calls["events"].append(event), raising=True)
    return calls


@pytest.fixture
def province(db):
    return services.create_agency(
        actor=SYSTEM,
        code="000.00.00.H28",
        name="Ủy ban nhân dân tỉnh Hậu Giang",
        kind=AgencyKind.PROVINCIAL_COMMITTEE,
        valid_from=date(2004, 1, 1),
    )


@pytest.fixture
def department(province):
    return services.create_agency(
        actor=SYSTEM,
        code="000.00.03.H28",
        name="Sở Tư pháp tỉnh Hậu Giang",
        short_name="STP",
        kind=AgencyKind.DEPARTMENT,
        parent=province,
    )


@pytest.fixture
def city(db):
    return services.create_agency(
        actor=SYSTEM,
        code="000.00.00.H13",
        name="Ủy ban nhân dân thành phố Cần Thơ",
        kind=AgencyKind.PROVINCIAL_COMMITTEE,
        valid_from=date(2025, 7, 1),
    )


@pytest.fixture
def city_department(city):
    return services.create_agency(
        actor=SYSTEM,
        code="000.00.03.H13",
        name="Sở Tư pháp thành phố Cần Thơ",
        kind=AgencyKind.DEPARTMENT,
        parent=city,
        valid_from=date(2025, 7, 1),
    )
