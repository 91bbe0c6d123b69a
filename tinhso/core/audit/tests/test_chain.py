"""Tampering with the table by raw SQL, as a malicious DBA would, is detected by verify_chain."""

import pytest

from tinhso.core.audit import services as audit
from tinhso.core.audit.chain import GENESIS, compute_hash

from .conftest import forged, insert_raw, row, run_sql

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "accounts.role_revoked"),
        ("summary", "bước khác"),
        ("actor_label", "someone.else"),
        ("actor_kind", "officer"),
        ("object_id", "42"),
        ("ip", "10.0.0.1"),
        ("request_id", "req-forged-000"),
        ("outcome", "denied"),
        ("prev_hash", "f" * 64),
        ("hash", "0" * 64),
    ],
)
def test_editing_any_column_is_detected_at_that_record(chain, column, value):
    run_sql(f"UPDATE {{table}} SET {column} = %s WHERE seq = 3", [value])
    result = audit.verify_chain()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert result.checked == 2


def test_editing_the_changes_json_is_detected(chain):
    from django.db import connection

    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    run_sql(f"UPDATE {{table}} SET changes = %s{cast} WHERE seq = 2", ['{"n": 99}'])
    result = audit.verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, 2)
    assert "edited" in result.reason


def test_editing_the_time_is_detected(chain):
    from datetime import timedelta

    from django.db import connection

    earlier = connection.ops.adapt_datetimefield_value(chain[3].at - timedelta(days=1))
    run_sql("UPDATE {table} SET at = %s WHERE seq = 4", [earlier])
    assert audit.verify_chain().first_broken_seq == 4


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(chain):
    edited = row(3) | {"summary": "đã sửa"}
    run_sql(
        "UPDATE {table} SET summary = %s, hash = %s WHERE seq = 3",
        ["đã sửa", compute_hash(edited["prev_hash"], edited)],
    )
    result = audit.verify_chain()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 4, 3)
    assert "prev_hash" in result.reason


@pytest.mark.parametrize("seq", [1, 3])
def test_deleting_a_record_is_detected(chain, seq):
    run_sql("DELETE FROM {table} WHERE seq = %s", [seq])
    result = audit.verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, seq)
    assert "missing" in result.reason


def test_deleting_a_record_and_renumbering_the_rest_is_detected(chain):
    run_sql("DELETE FROM {table} WHERE seq = 3")
    run_sql("UPDATE {table} SET seq = -(seq - 1) WHERE seq > 3")
    run_sql("UPDATE {table} SET seq = -seq WHERE seq < 0")
    result = audit.verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_swapping_two_records_is_detected(chain):
    run_sql("UPDATE {table} SET seq = -2 WHERE seq = 2")
    run_sql("UPDATE {table} SET seq = 2 WHERE seq = 3")
    run_sql("UPDATE {table} SET seq = 3 WHERE seq = -2")
    result = audit.verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_a_forged_record_inserted_in_the_middle_is_detected(chain):
    # Make room after record 2, then slip in a record hashed with the published formula.
    run_sql("UPDATE {table} SET seq = -(seq + 1) WHERE seq >= 3")
    run_sql("UPDATE {table} SET seq = -seq WHERE seq < 0")
    insert_raw(forged(3, chain[1].hash))
    result = audit.verify_chain()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 4, 3)
    assert "prev_hash" in result.reason


def test_a_forged_record_with_a_made_up_hash_at_the_end_is_detected(chain):
    insert_raw(forged(6, chain[-1].hash, hash_value="ab" * 32))
    result = audit.verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, 6)


def test_a_forged_record_out_of_sequence_is_detected(chain):
    insert_raw(forged(0, GENESIS))
    result = audit.verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, 0)
    assert "unexpected sequence number" in result.reason


def test_removing_the_newest_records_needs_an_anchored_head(chain):
    anchor = audit.current_head()
    run_sql("DELETE FROM {table} WHERE seq >= 4")
    # The documented limit: what is left is a valid chain on its own...
    assert audit.verify_chain().ok
    # ...which the head written down earlier reveals.
    result = audit.verify_chain(expect_head=anchor)
    assert (result.ok, result.first_broken_seq) == (False, 4)
    assert "newest records were removed" in result.reason


def test_a_chain_rewritten_from_the_start_needs_an_anchored_head(chain):
    anchor = audit.current_head()
    prev = GENESIS
    for seq in range(1, 6):
        fields = row(seq) | ({"summary": "viết lại"} if seq == 2 else {})
        new_hash = compute_hash(prev, fields)
        run_sql(
            "UPDATE {table} SET summary = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [fields["summary"], prev, new_hash, seq],
        )
        prev = new_hash
    assert audit.verify_chain().ok  # consistent by construction: only the anchor can tell
    result = audit.verify_chain(expect_head=anchor)
    assert (result.ok, result.first_broken_seq) == (False, 5)
    assert "anchored head" in result.reason


def test_records_appended_after_the_anchor_keep_the_chain_valid(chain):
    anchor = audit.current_head()
    audit.record(actor=None, action="test.later")
    result = audit.verify_chain(expect_head=anchor)
    assert result.ok and result.checked == 6
