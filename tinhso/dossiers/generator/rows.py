"""The rows of one played life, as tuples in the bulk writer's column order (see :mod:`.writer`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import TYPE_CHECKING

from tinhso.dossiers.generator import names
from tinhso.dossiers.generator.reference import BUSINESS_FIELDS
from tinhso.dossiers.models import Channel

if TYPE_CHECKING:
    from tinhso.dossiers.generator.life import Life


def emit(life: Life) -> None:
    rng, sim, procedure = life.rng, life.sim, life.procedure
    variant = procedure.variants[int(rng.random() * len(procedure.variants))]
    if procedure.field_code in BUSINESS_FIELDS and rng.random() < 0.85:
        name = names.organisation(rng)
    elif procedure.field_code == "HKD" and rng.random() < 0.6:
        name = names.household_business(rng)
    else:
        name = names.person(rng)[0]
    number = names.fictional_id_number(rng)
    digest = hmac.new(life.sim.id_key, b"citizen-id:" + number.encode(), hashlib.sha256).hexdigest()
    online = life.channel == Channel.ONLINE
    phone, phone_last4 = (
        sim.phones[int(rng.random() * len(sim.phones))] if online or rng.random() < 0.8 else ("", "")
    )
    address = sim.addresses[int(rng.random() * len(sim.addresses))] if rng.random() < 0.9 else ""
    email = names.email_for(name, rng) if online and rng.random() < 0.4 else ""
    for doc_id, doc_name in procedure.required_documents:
        life.rows.documents.append(
            (
                life.ids.take("document"),
                life.id,
                sim.document_file_id,
                doc_id,
                doc_name,
                None,
                None,
                life.submitted_at,
            )
        )
    for result_id, uploaded_at, signed, via, returned_at in life.results:
        life.rows.results.append(
            (
                result_id,
                life.id,
                sim.result_file_id,
                procedure.result_type[:500],
                signed,
                "{}",
                None,
                uploaded_at,
                via,
                returned_at,
            )
        )
    life.rows.dossiers.append(
        (
            life.id,
            life.code,
            uuid.UUID(int=rng.getrandbits(128), version=4),
            procedure.id,
            procedure.code,
            procedure.name,
            procedure.days,
            variant.fee_amount,
            variant.fee_options_json,
            procedure.online_level,
            life.receiving.id,
            life.current_agency[0],
            life.current_step.id if life.current_step is not None else None,
            None,
            name,
            digest,
            number[-4:],
            phone,
            phone_last4,
            email,
            address,
            life.channel,
            life.delivery,
            variant.form_json,
            life.state,
            life.submitted_at,
            life.received_at,
            life.appointment,
            life.due,
            life.decided_at,
            life.returned_at,
            life.withdrawn_at,
            life.extensions,
            life.supplement_count,
            life.supplement_days,
            max(1, life.lines),
            None,
            "",
            "",
            life.submitted_at,
            life.last_at,
        )
    )
    for step in life.steps:
        info = step.info
        life.rows.steps.append(
            (
                step.id,
                life.id,
                info.route_step_id,
                info.order,
                info.name,
                info.kind,
                info.agency_id,
                info.role,
                None,
                info.share,
                step.started,
                step.due,
                step.finished,
                None,
                step.outcome,
                "",
                0,
            )
        )
    # Supplements were kept as lists to be completed later; the writer wants tuples.
    supplements = life.rows.supplements
    for index in range(len(supplements) - 1, -1, -1):
        row = supplements[index]
        if not isinstance(row, list):
            break
        requested_id, requested_at, agency_id, reason, resume, fulfilled_at, note, waited = row
        items = json.dumps([{"name": reason, "note": "", "required_document_id": None}], ensure_ascii=False)
        supplements[index] = (
            requested_id,
            life.id,
            requested_at,
            None,
            agency_id,
            reason,
            items,
            resume,
            fulfilled_at,
            None,
            note,
            waited,
        )
