"""The bulk generator of demo dossiers (``tinhso demo --dossiers N``), on the small test province.

Every generated dossier is checked against the rules the services follow: its control-sheet
lines replay through the state table, its dates agree with its state, its deadlines are the
working-day calendar's, its counters match its rows. Then: codes and counters, determinism,
no audit and no events, plausible statistics, and the command.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from tinhso.core.accounts import citizen_ids
from tinhso.core.audit.models import AuditRecord
from tinhso.core.events.models import OutboxEvent
from tinhso.core.permissions import SYSTEM
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import deadlines, generator
from tinhso.dossiers.generator.history import Simulator
from tinhso.dossiers.models import (
    NATIONAL_STATUS,
    Dossier,
    DossierDocument,
    DossierSequence,
    DossierState,
    DossierStep,
    DossierTransition,
    Extension,
    Refusal,
    StopNotice,
    SupplementRequest,
)
from tinhso.dossiers.services.reception import appointment_for
from tinhso.dossiers.states import RESUME, TRANSITIONS
from tinhso.dossiers.tests.conftest import submit, vn
from tinhso.procedures.models import RequiredDocument

pytestmark = pytest.mark.django_db

NOW = vn(2026, 6, 15, 10, 30)
S = DossierState
DECIDED = {S.REFUSED, S.STOPPED, S.PROCESSED, S.RETURNED}


def generate(count=500, seed=7, **kwargs):
    return generator.generate_dossiers(count=count, seed=seed, now=kwargs.pop("now", NOW), **kwargs)


def _lines_by_dossier():
    lines = defaultdict(list)
    for line in DossierTransition.objects.order_by("dossier_id", "at", "id"):
        lines[line.dossier_id].append(line)
    return lines


def _steps_by_dossier():
    steps = defaultdict(list)
    for step in DossierStep.objects.order_by("dossier_id", "order"):
        steps[step.dossier_id].append(step)
    return steps


def check_history(dossier, lines, steps, supplements, now=NOW):
    """The dossier's lines replay through the state table and agree with its fields."""
    assert lines[0].action == "submit" and lines[0].from_state == "" and lines[0].to_state == S.SUBMITTED
    assert lines[0].at == dossier.submitted_at
    state = S.SUBMITTED
    for previous, line in zip(lines, lines[1:], strict=False):
        assert line.at >= previous.at, dossier.code
        assert line.from_state == state, (dossier.code, line.action)
        target = TRANSITIONS[(line.from_state, line.action)]
        if target == RESUME:
            supplement = supplements[line.data["supplement_id"]]
            target = supplement.resume_state
        assert line.to_state == target, (dossier.code, line.action)
        assert line.national_status == NATIONAL_STATUS[line.to_state]
        assert line.actor_id is None and line.actor_label
        state = line.to_state
    assert state == dossier.state
    assert dossier.version == len(lines)
    assert dossier.updated_at == lines[-1].at <= now
    actions = Counter(line.action for line in lines)
    forms = {line.form for line in lines if line.form}

    # Dates against the state.
    assert (dossier.decided_at is not None) == (dossier.state in DECIDED)
    assert (dossier.withdrawn_at is not None) == (dossier.state == S.WITHDRAWN)
    assert (dossier.result_returned_at is not None) == (dossier.state == S.RETURNED)
    assert (dossier.received_at is not None) == ("accept" in actions)
    moments = [dossier.submitted_at, dossier.received_at, dossier.decided_at, dossier.result_returned_at]
    present = [m for m in moments if m is not None]
    assert present == sorted(present) and present[-1] <= now
    if dossier.state == S.REFUSED:
        assert forms == {"03"} and dossier.received_at is None
    if dossier.state == S.STOPPED:
        assert "05" in forms

    # Deadlines from the calendar: the appointment at receipt (Form 01), pushed by the office
    # time waited for each supplement; extensions move the appointment only.
    if dossier.received_at is not None:
        accept = next(line for line in lines if line.action == "accept")
        assert dossier.received_at == calendar.receive_moment(accept.at)
        first = appointment_for(dossier.received_at, dossier.processing_days)
        assert accept.data["appointment_at"] == first.isoformat()
        due, waited = first, Decimal("0.00")
        for supplement in sorted(supplements.values(), key=lambda s: s.requested_at):
            if supplement.dossier_id != dossier.pk or supplement.resume_state != S.PROCESSING:
                continue
            if supplement.fulfilled_at is not None:
                minutes = deadlines.office_minutes_between(supplement.requested_at, supplement.fulfilled_at)
                due = deadlines.add_office_minutes(due, minutes)
                assert supplement.waited_days == deadlines.minutes_to_days(minutes)
                waited += supplement.waited_days
        assert dossier.due_at == due
        assert dossier.supplement_days_total == waited
        assert dossier.appointment_at >= dossier.due_at
        assert (dossier.appointment_at > dossier.due_at) == (dossier.extension_count > 0)
        assert actions["extend"] == dossier.extension_count

        # One step per route step, due as build_steps dates them (without supplements/extensions).
        route = list(dossier.procedure.route_steps.order_by("order"))
        assert [s.order for s in steps] == [r.order for r in route]
        if not actions["fulfil_supplement"] and not dossier.extension_count:
            cumulative = Decimal(0)
            for step, route_step in zip(steps, route, strict=True):
                cumulative += route_step.share_days
                expected = (
                    dossier.due_at
                    if dossier.processing_days == 0 or cumulative >= dossier.processing_days
                    else deadlines.add_working_time(dossier.received_at, cumulative)
                )
                assert step.due_at == expected, (dossier.code, step.order)
        for step in steps:
            if step.finished_at is not None:
                assert step.started_at is not None and step.started_at <= step.finished_at
                assert step.outcome
        open_steps = [s for s in steps if s.started_at is not None and s.finished_at is None]
        if dossier.state in (S.PROCESSING, S.AWAITING_SUPPLEMENT, S.PROCESSED):
            assert [s.pk for s in open_steps] == [dossier.current_step_id]
            assert dossier.current_agency_id == open_steps[0].agency_id
        else:
            assert dossier.current_step_id is None and not open_steps
    else:
        assert not steps and dossier.due_at is None and dossier.current_step_id is None
    assert dossier.supplement_count == sum(
        1 for s in supplements.values() if s.dossier_id == dossier.pk and s.resume_state == S.PROCESSING
    )


def test_generated_history_is_consistent(world):
    report = generate(500)
    assert report.count == 500 == Dossier.objects.count()
    lines, steps = _lines_by_dossier(), _steps_by_dossier()
    supplements = {s.pk: s for s in SupplementRequest.objects.all()}
    for dossier in Dossier.objects.select_related("procedure"):
        check_history(dossier, lines[dossier.pk], steps[dossier.pk], supplements)
    refused = set(Dossier.objects.filter(state=S.REFUSED).values_list("pk", flat=True))
    assert set(Refusal.objects.values_list("dossier_id", flat=True)) == refused
    stopped = set(Dossier.objects.filter(state=S.STOPPED).values_list("pk", flat=True))
    assert set(StopNotice.objects.values_list("dossier_id", flat=True)) == stopped
    assert Extension.objects.count() == sum(Dossier.objects.values_list("extension_count", flat=True))
    # Every dossier holds every required document (as the reception service demands).
    required = Counter(
        RequiredDocument.objects.filter(is_required=True).values_list("procedure_id", flat=True)
    )
    held = Counter(DossierDocument.objects.values_list("dossier_id", flat=True))
    for pk, procedure_id in Dossier.objects.values_list("pk", "procedure_id"):
        assert held[pk] == required[procedure_id]
    # The variety the issue asks for is there, and submissions cover the years.
    states = Counter(Dossier.objects.values_list("state", flat=True))
    assert states[S.RETURNED] > 350 and states[S.REFUSED] and states[S.WITHDRAWN]
    assert Dossier.objects.filter(supplement_count=2).exists()
    years = Counter(d.year for d in Dossier.objects.values_list("submitted_at", flat=True))
    assert set(years) == {2022, 2023, 2024, 2025, 2026}
    # Only what the services allow: no online dossier for an offline procedure, no fee on a free one.
    assert not Dossier.objects.filter(procedure=world.offline, channel=2).exists()
    assert set(Dossier.objects.filter(procedure=world.paid).values_list("fee_amount", flat=True)) == {100000}
    assert set(Dossier.objects.filter(procedure=world.simple).values_list("fee_amount", flat=True)) == {0}


def test_codes_are_unique_and_counters_advance_for_real_submissions(world):
    generate(300)
    codes = list(Dossier.objects.values_list("code", "receiving_agency__code", "submitted_at"))
    assert len({code for code, _a, _s in codes}) == 300
    highest: dict[tuple[str, str], int] = {}
    for code, agency_code, submitted_at in codes:
        match = re.fullmatch(r"(.+)-(\d{6})-(\d{4,})", code)
        assert match and match[1] == agency_code
        assert match[2] == f"{submitted_at.astimezone(calendar.arithmetic.TZ):%y%m%d}"
        key = (agency_code, match[2])
        highest[key] = max(highest.get(key, 0), int(match[3]))
    for sequence in DossierSequence.objects.select_related("agency"):
        assert sequence.last_value == highest[(sequence.agency.code, f"{sequence.day:%y%m%d}")]
    # A busy day of the department: a real submission that day takes the next number.
    agency_code, day = max(
        ((a, d) for (a, d) in highest if a == world.dept.code), key=lambda key: highest[key]
    )
    moment = dt.datetime.strptime(day, "%y%m%d").replace(hour=14, tzinfo=calendar.arithmetic.TZ)
    dossier = submit(world, world.simple, now=moment)
    assert dossier.code == f"{agency_code}-{day}-{highest[(agency_code, day)] + 1:04d}"
    # A second run continues the numbering instead of colliding.
    generate(100, seed=8)
    assert Dossier.objects.values("code").distinct().count() == 401


def _fingerprint():
    # By code, not by id: PostgreSQL does not roll its id sequences back (ids in ``data`` too).
    dossiers = [
        (
            d.code,
            d.state,
            d.applicant_name,
            d.submitted_at,
            d.decided_at,
            d.channel,
            str(d.public_id),
            d.form_data,
        )
        for d in Dossier.objects.order_by("code")
    ]
    lines = [
        (
            t.dossier.code,
            t.action,
            t.at,
            {k: v for k, v in t.data.items() if not k.endswith("_id")},
            t.step_id and t.step.order,
        )
        for t in DossierTransition.objects.select_related("dossier", "step").order_by(
            "dossier__code", "at", "id"
        )
    ]
    return dossiers + lines


def test_same_seed_same_rows_whatever_the_batch_size(world):
    generator.demo_files()
    fingerprints = []
    for seed, batch in ((11, 5000), (11, 100), (12, 5000)):
        with transaction.atomic():
            generate(250, seed=seed, batch_size=batch)
            fingerprints.append(_fingerprint())
            transaction.set_rollback(True)
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[0] != fingerprints[2]


def test_generation_writes_no_audit_record_and_no_event(world):
    generator.demo_files()  # the two shared PDFs are real uploads, audited once
    audits, events = AuditRecord.objects.count(), OutboxEvent.objects.count()
    generate(200)
    assert AuditRecord.objects.count() == audits
    assert OutboxEvent.objects.count() == events
    # No clear personal data: digests of fictional numbers, encrypted made-up phones and addresses.
    for dossier in Dossier.objects.exclude(applicant_phone_encrypted="")[:50]:
        assert re.fullmatch(r"[0-9a-f]{64}", dossier.applicant_id_digest)
        phone = citizen_ids.decrypt(dossier.applicant_phone_encrypted)
        assert re.fullmatch(r"01\d{8}", phone) and phone.endswith(dossier.applicant_phone_last4)
        assert "minh họa" in citizen_ids.decrypt(
            dossier.applicant_address_encrypted or citizen_ids.encrypt("minh họa")
        )


def test_statistics_over_generated_data_are_plausible(world):
    from tinhso.dossiers.stats import dossier_stats, service_index

    generate(1200, seed=3)
    year = {}
    for y in (2022, 2025):
        (total,) = dossier_stats(
            actor=SYSTEM, date_from=dt.date(y, 1, 1), date_to=dt.date(y, 12, 31), group_by=None, now=NOW
        )
        year[y] = total
        assert total.received > 100
        assert 0.85 <= total.on_time_rate <= 1.0
        assert total.resolved_late > 0
        assert total.refused > 0
    assert year[2022].online_rate < 0.4 < year[2025].online_rate
    assert year[2025].online_rate > year[2022].online_rate + 0.15
    report = service_index(
        actor=SYSTEM, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31), now=NOW
    )
    assert 0.85 <= report.indicator("2.1").value <= 1.0
    assert report.indicator("2.2").value > 0
    assert 0.3 <= report.indicator("4.1").value <= 1.0
    by_agency = dossier_stats(
        actor=SYSTEM, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31), group_by="agency", now=NOW
    )
    assert {row.key for row in by_agency} == {world.dept.code, world.district.code}


def test_fast_office_minutes_agree_with_the_deadlines_module(world):
    simulator = Simulator(random.Random(1), NOW, 0, 0)
    rng = random.Random(5)
    for _ in range(400):
        day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(1700))
        if not calendar.is_working_day(day):
            continue
        start = simulator.office_minute(day, rng=rng)
        minutes = rng.choice([0, 1, 128, 255, 509, 510, 511, 1020, rng.randrange(5000)])
        assert simulator.add_minutes(start, minutes) == deadlines.add_office_minutes(start, minutes)


def test_demo_command_generates_dossiers(world, settings):
    settings.DEBUG = True
    out, err = StringIO(), StringIO()
    call_command("demo", "--dossiers", "200", "--seed", "4", stdout=out, stderr=err)
    assert Dossier.objects.count() == 200
    assert "Generated 200 dossiers" in out.getvalue()
    assert "100.0 %" in err.getvalue() and "/s" in err.getvalue()
    with pytest.raises(CommandError, match="--dossiers N"):
        call_command("demo", stdout=out, stderr=err)
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("demo", "--dossiers", "0", stdout=out, stderr=err)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo", "--dossiers", "10", stdout=out, stderr=err)
    assert Dossier.objects.count() == 200


def test_without_a_catalog_the_generator_says_what_to_do(db):
    with pytest.raises(generator.GenerationError, match="tinhso demo load"):
        generate(10)
