"""Two officers acting on one report at the same moment: exactly one succeeds.

Runs on PostgreSQL only: it needs row locks (``SELECT ... FOR UPDATE``) and real concurrent
connections. SQLite has neither (one writer at a time for the whole database, and the test
database is in memory, private to one connection), so the race cannot even be staged there;
test_handling.py checks the serialised version of the same rule on both databases.
"""

import threading

import pytest
from django.db import connection, connections

from tinhso.core.permissions import SYSTEM
from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportStatus
from tinhso.feedback.states import InvalidTransition

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and concurrent connections"
    ),
]

RESPONSE = "Đã xử lý xong, đèn đã sáng trở lại bình thường."


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except InvalidTransition:
            outcomes[index] = "refused"
        except Exception as error:  # noqa: BLE001 - reported below
            outcomes[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_officers_acknowledge_at_once(submit, officer_vt, officer_vt2):
    report = submit()
    outcomes = _race(
        lambda: services.acknowledge_report(actor=officer_vt, report=Report.objects.get(pk=report.pk)),
        lambda: services.acknowledge_report(actor=officer_vt2, report=Report.objects.get(pk=report.pk)),
    )
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    stored = Report.objects.get(pk=report.pk)
    assert stored.status == ReportStatus.ACKNOWLEDGED
    assert stored.history.filter(kind="acknowledged").count() == 1


def test_resolve_and_reject_race(submit, officer_vt, leader_vt):
    report = submit()
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.IN_PROGRESS, assignee=officer_vt)
    outcomes = _race(
        lambda: services.resolve_report(
            actor=officer_vt, report=Report.objects.get(pk=report.pk), response=RESPONSE
        ),
        lambda: services.reject_report(
            actor=leader_vt, report=Report.objects.get(pk=report.pk), rejection_kind="other", reason=RESPONSE
        ),
    )
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    stored = Report.objects.get(pk=report.pk)
    assert stored.status in {ReportStatus.RESOLVED, ReportStatus.REJECTED}
    assert stored.history.filter(kind__in=["resolved", "rejected"]).count() == 1


def test_concurrent_retries_with_one_idempotency_key(lights, citizen, jpeg):
    fields = dict(
        actor=citizen,
        category=lights,
        description="Đèn đường hỏng trước bến xe.",
        latitude=9.7845,
        longitude=105.4701,
        attributes={"tinh-trang": "tat"},
        idempotency_key="same-key",
    )
    results = []
    outcomes = _race(
        lambda: results.append(services.submit_report(**fields, photos=[jpeg()]).report.pk),
        lambda: results.append(services.submit_report(**fields, photos=[jpeg()]).report.pk),
    )
    assert outcomes == ["ok", "ok"], outcomes
    assert len(set(results)) == 1 and Report.objects.count() == 1
    assert services.close_stale_reports(actor=SYSTEM) == []
