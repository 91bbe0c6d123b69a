"""The statistics read what the dossiers services really write: dossiers handled end to end with
explicit moments (``now=``) land in the buckets the national rule gives them."""

from __future__ import annotations

import pytest

from tinhso.dossiers import services
from tinhso.dossiers.services import ApplicantInput
from tinhso.dossiers.stats import dossier_stats
from tinhso.dossiers.tests import test_stats_support as support
from tinhso.dossiers.tests.test_stats_support import LATER, MARCH, at

pytestmark = pytest.mark.django_db

_calendar_loaded, world = support._calendar_loaded, support.world


@pytest.fixture
def staff(world, make_officer):
    a = world["a"]
    return {
        "desk": make_officer(roles=[(a, "one_stop_officer")]),
        "specialist": make_officer(roles=[(a, "specialist")]),
        "leader": make_officer(roles=[(a, "leader")]),
    }


def _receive(world, staff, when):
    return services.receive_at_counter(
        actor=staff["desk"],
        procedure_code="9.000002",
        agency=world["a"],
        applicant=ApplicantInput(name="Trần Văn Nộp"),
        now=when,
    ).dossier


def test_supplement_early_and_withdrawn_through_the_services(world, staff):
    # Received Monday 3 March 08:00, due 10 March; waits for a supplement from 5 to 12 March
    # (5 working days: the services push the deadline to 17 March); approved on 17 March 08:00.
    waited = _receive(world, staff, at(3, 3))
    assert waited.due_at == at(3, 10)
    services.request_supplement(
        actor=staff["specialist"], dossier=waited, reason="Thiếu bản sao", now=at(3, 5)
    )
    services.fulfil_supplement(actor=staff["desk"], dossier=waited, note="Đã nộp bổ sung", now=at(3, 12))
    services.complete_step(actor=staff["specialist"], dossier=waited, now=at(3, 13, 10))
    services.complete_step(actor=staff["leader"], dossier=waited, now=at(3, 17))
    services.return_result(actor=staff["desk"], dossier=waited, now=at(3, 18, 9))
    waited.refresh_from_db()
    assert (waited.state, waited.decided_at, waited.due_at) == ("returned", at(3, 17), at(3, 17))

    # Received 3 March, approved on Wednesday 5 March: early.
    quick = _receive(world, staff, at(3, 3))
    services.complete_step(actor=staff["specialist"], dossier=quick, now=at(3, 4, 9))
    services.complete_step(actor=staff["leader"], dossier=quick, now=at(3, 5, 9))

    # Received 4 March, withdrawn at the desk on 12 March after its deadline (11 March): late.
    withdrawn = _receive(world, staff, at(3, 4))
    services.withdraw_dossier(actor=staff["desk"], dossier=withdrawn, reason="Người nộp rút", now=at(3, 12))

    # Received Thursday 27 March, due 3 April, still with the specialist: in progress, in time.
    _receive(world, staff, at(3, 27))

    row = dossier_stats(actor=staff["leader"], **MARCH, group_by=None, now=LATER)[0]
    assert (row.received, row.resolved, row.in_progress) == (4, 3, 1)
    assert (row.resolved_early, row.resolved_on_time, row.resolved_late) == (1, 1, 1)
    assert (row.in_progress_in_time, row.withdrawn) == (1, 1)
    # Processed: waited (10 working days − 5 waited) and quick (2).
    assert (row.processed_count, row.avg_processing_days) == (2, 3.5)
