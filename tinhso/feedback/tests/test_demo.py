"""The demo field reports load through the services, cover every state, and load only once."""

import pytest

from tinhso.core.audit.models import AuditRecord
from tinhso.feedback import selectors
from tinhso.feedback.demo import CATEGORIES, REPORTS
from tinhso.feedback.models import Category, Report, ReportStatus

pytestmark = pytest.mark.django_db


def test_demo_loads_once_with_every_state():
    from tinhso.demo import services

    first = services.load_demo()
    assert first.warnings == []
    assert first.created["feedback categories"] == len(CATEGORIES)
    assert first.created["feedback reports"] == len(REPORTS) == Report.objects.count()
    statuses = set(Report.objects.values_list("status", flat=True))
    assert set(ReportStatus.values) - statuses == set(), statuses
    assert Report.objects.filter(merged_into__isnull=False).count() == 2
    assert Report.objects.filter(hide_description=True).count() == 1
    assert Report.objects.exclude(agency__code="000.00.06.H13").filter(category__code="den-duong").exists()
    stats = selectors.statistics()
    assert stats["resolved"] > 0 and stats["overdue_now"] > 0
    assert Category.objects.get(code="den-duong").agency.name == "Sở Xây dựng thành phố Cần Thơ"
    audit_count = AuditRecord.objects.exclude(action="units.loaded").count()
    again = services.load_demo()
    assert "feedback reports" not in again.created and "feedback categories" not in again.updated
    assert Report.objects.count() == len(REPORTS)
    assert AuditRecord.objects.exclude(action="units.loaded").count() == audit_count
