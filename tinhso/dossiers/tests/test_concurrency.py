"""Real threads on PostgreSQL: two officers acting at once never both succeed, concurrent
submissions never share a code, a retried submission racing itself makes one dossier.

SQLite serialises every writer on one database lock and cannot run these meaningfully (its
in-memory test database is not even shared between threads): skipped there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from tinhso.core.errors import Conflict, DomainError
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierTransition
from tinhso.dossiers.tests.conftest import FORM, submit, upload_pdf, vn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrent connections"
    ),
]


def run_together(calls: list[Callable[[], object]]) -> list[object]:
    """Start every call at the same moment in its own thread (own connection); results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_officers_accepting_at_once(world, make_officer):
    dossier = submit(world, now=vn(2026, 11, 25, 9))
    colleague = make_officer(username="motcua2.stp", roles=[(world.dept, "one_stop_officer")])
    results = run_together(
        [
            lambda: services.accept_dossier(actor=world.one_stop, dossier=dossier),
            lambda: services.accept_dossier(actor=colleague, dossier=dossier),
        ]
    )
    successes = [r for r in results if isinstance(r, Dossier)]
    failures = [r for r in results if isinstance(r, DomainError)]
    assert len(successes) == 1, results
    assert len(failures) == 1 and failures[0].code == "dossiers.invalid_transition"
    assert DossierTransition.objects.filter(dossier=dossier, action="accept").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).steps.count() == 4


def test_same_version_twice_one_wins(world, make_officer):
    dossier = services.accept_dossier(actor=world.one_stop, dossier=submit(world), now=vn(2026, 11, 25, 9))
    colleague = make_officer(username="chuyenvien2.stp", roles=[(world.dept, "specialist")])
    version = dossier.version
    results = run_together(
        [
            lambda: services.complete_step(actor=world.specialist, dossier=dossier, expected_version=version),
            lambda: services.complete_step(actor=colleague, dossier=dossier, expected_version=version),
        ]
    )
    assert sum(isinstance(r, Dossier) for r in results) == 1, results
    conflict = next(r for r in results if isinstance(r, Conflict))
    assert conflict.code == "dossiers.stale_version"
    assert DossierTransition.objects.filter(dossier=dossier, action="forward").count() == 1


def test_concurrent_submissions_get_distinct_codes(world):
    count = 8
    refs = []
    required = world.simple.documents.get(order=1).pk
    for _ in range(count):
        stored = upload_pdf(world.citizen)
        refs.append(services.DocumentInput(required_document_id=required, file_id=stored.public_id))
    at = vn(2026, 11, 25, 9)

    def submitter(ref):
        return lambda: (
            services.submit_dossier(
                actor=world.citizen,
                procedure_code=world.simple.code,
                agency=world.dept,
                form_data=FORM,
                documents=[ref],
                now=at,
            ).dossier.code
        )

    results = run_together([submitter(ref) for ref in refs])
    assert all(isinstance(r, str) for r in results), results
    assert sorted(results) == [f"000.00.09.H23-261125-{n:04d}" for n in range(1, count + 1)]


def test_concurrent_retries_with_one_key_make_one_dossier(world):
    stored = upload_pdf(world.citizen)
    ref = services.DocumentInput(
        required_document_id=world.simple.documents.get(order=1).pk, file_id=stored.public_id
    )

    def retry():
        result = services.submit_dossier(
            actor=world.citizen,
            procedure_code=world.simple.code,
            agency=world.dept,
            form_data=FORM,
            documents=[ref],
            idempotency_key="mot-lan-thoi",
            now=vn(2026, 11, 25, 9),
        )
        return result.dossier.code

    results = run_together([retry, retry, retry])
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    assert Dossier.objects.count() == 1
    assert results[0].endswith("-0001")
