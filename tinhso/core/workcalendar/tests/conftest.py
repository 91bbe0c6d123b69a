import pytest

from tinhso.core.workcalendar import arithmetic


@pytest.fixture(autouse=True)
def _fresh_calendar(settings):
    """Each test starts without an in-process calendar and with the default office hours."""
    settings.WORKCALENDAR_OFFICE_HOURS = "07:00-11:30,13:00-17:00"
    settings.WORKCALENDAR_LATE_RECEIPT_CUTOFF = ""
    settings.WORKCALENDAR_VERSION_CHECK_SECONDS = 3600
    arithmetic.reset()
    yield
    arithmetic.reset()


@pytest.fixture
def recorded(monkeypatch):
    """Capture audit records and published events instead of relying on their (parallel) implementations."""
    from tinhso.core.audit import services as audit
    from tinhso.core.events import services as events

    calls = {"audit": [], "denied": [], "events": []}
    monkeypatch.setattr(audit, "record", lambda **kwargs: calls["audit"].append(kwargs))
    monkeypatch.setattr(audit, "record_denied", lambda **kwargs: calls["denied"].append(kwargs))
    monkeypatch.setattr(events, "publish", lambda event: calls["events"].append(event))
    return calls


@pytest.fixture
def specialist(make_officer, agency):
    return make_officer(username="chuyen.vien", roles=[(agency, "specialist")])
