"""Several writers at once still produce one unbroken chain (real transactions, one thread each).

PostgreSQL only: there the chain depends on our advisory lock. On SQLite the database itself
serialises writers (transaction_mode IMMEDIATE), and the in-memory shared-cache database the test
runner uses answers concurrent writers with "table is locked" instead of waiting, unlike the
file database the platform runs on.
"""

import threading

import pytest
from django.conf import settings
from django.db import connections, transaction

from tinhso.core.audit import services as audit
from tinhso.core.audit.models import AuditRecord
from tinhso.core.permissions import SYSTEM

WRITERS = 4
RECORDS_EACH = 10


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="exercises the PostgreSQL advisory lock",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_intact():
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(RECORDS_EACH):
                with transaction.atomic():
                    audit.record(actor=SYSTEM, action="test.concurrent", changes={"writer": n, "i": i})
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = WRITERS * RECORDS_EACH
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    result = audit.verify_chain()
    assert result.ok and result.checked == total
