"""Writing to and checking the audit log.

Every service that changes state calls :func:`record` inside its own transaction, so the change
and its audit record commit or roll back together. Records form one chain: each stores the hash
of the previous one, and :func:`verify_chain` recomputes every link (docs/audit.md).
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from tinhso.core import context
from tinhso.core.audit.chain import GENESIS, HASHED_FIELDS, compute_hash, to_json_value
from tinhso.core.audit.models import AuditRecord, Outcome
from tinhso.core.audit.redaction import scrub, scrub_text
from tinhso.core.permissions import as_principal

# Any fixed 63-bit number works; it only has to be the same in every process.
CHAIN_LOCK_KEY = 0x74696E68736F  # "tinhso"
MAX_PENDING_DENIALS = 100


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """Read ``SEQ:HASH`` as printed by ``tinhso audit head``."""
        seq_text, _, hash_text = (text or "").strip().partition(":")
        hash_text = hash_text.strip().lower()
        if (
            not seq_text.isdigit()
            or len(hash_text) != 64
            or any(c not in "0123456789abcdef" for c in hash_text)
        ):
            raise ValueError("Expected SEQ:HASH, e.g. 1234:9f86d081884c7d65...(64 hex digits)")
        return cls(seq=int(seq_text), hash=hash_text)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""
    head: Head | None = None


def _db() -> str:
    return router.db_for_write(AuditRecord)


def _in_real_transaction(using: str) -> bool:
    # Test cases wrap each test in atomic blocks of their own; those do not count as the
    # caller's transaction (Django's durable=True check reasons the same way).
    return any(not getattr(block, "_from_testcase", False) for block in connections[using].atomic_blocks)


def _lock_chain(using: str) -> None:
    """Serialise appenders until the end of the current transaction.

    PostgreSQL: a transaction-level advisory lock, released at commit or rollback. SQLite needs
    nothing: with transaction_mode IMMEDIATE every transaction takes the database write lock first.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _clean_ip(ip: str | None) -> str:
    if not ip:
        return ""
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return ip.strip()[:45]


def _describe_object(obj: Any) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    meta = getattr(obj, "_meta", None)
    object_type = f"{meta.app_label}.{meta.model_name}" if meta is not None else type(obj).__name__
    # The opaque public identifier when there is one: it is what the API and citizens see.
    identifier = getattr(obj, "public_id", None)
    if identifier is None:
        identifier = getattr(obj, "pk", None) if meta is not None else getattr(obj, "id", None)
    return object_type[:100], "" if identifier is None else str(identifier)[:64], scrub_text(str(obj))[:200]


def _fields(
    *, actor: Any, action: str, obj: Any, changes: Mapping | None, summary: str, outcome: str
) -> dict[str, Any]:
    if not isinstance(action, str) or not action.strip() or len(action) > 100:
        raise ValueError("An audit action is a non-empty string of at most 100 characters")
    if changes is not None and not isinstance(changes, Mapping):
        raise TypeError("Audit changes must be a mapping (or None)")
    principal = as_principal(actor)
    object_type, object_id, object_repr = _describe_object(obj)
    ctx = context.current()
    return {
        "at": timezone.now(),
        "actor_kind": principal.kind[:20],
        "actor_id": (principal.id or "")[:64],
        "actor_label": (principal.label or "")[:150],
        "action": action.strip(),
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "changes": scrub(to_json_value(dict(changes or {}))),
        "summary": scrub_text(str(summary or "").replace("\x00", ""))[:500],
        "request_id": (ctx.request_id if ctx else "")[:64],
        "ip": _clean_ip(ctx.ip if ctx else None),
        "channel": (ctx.channel if ctx else "system")[:10],
        "outcome": outcome,
    }


def _append(fields: dict[str, Any], using: str) -> AuditRecord:
    with transaction.atomic(using=using):
        _lock_chain(using)
        last = AuditRecord.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        fields = {**fields, "seq": seq}
        entry = AuditRecord(**fields, prev_hash=prev_hash, hash=compute_hash(prev_hash, fields))
        entry._chained = True
        entry.save(using=using)
    return entry


def record(
    *, actor: Any, action: str, obj: Any = None, changes: dict | None = None, summary: str = ""
) -> None:
    """Append one record to the chain, in the caller's transaction.

    ``changes`` is a small JSON-able dict of what changed (never secrets); values under keys such
    as ``citizen_id``, ``phone`` or ``address`` are masked whatever the caller passed.
    """
    using = _db()
    _append(
        _fields(actor=actor, action=action, obj=obj, changes=changes, summary=summary, outcome=Outcome.OK),
        using,
    )


# A denial usually happens inside a service's transaction, which the PermissionDenied then rolls
# back, taking the denial record with it. So each denial is also remembered here, and
# flush_denials() (called once the transaction is over) writes again those that did not survive.
_pending_denials: contextvars.ContextVar[tuple[tuple[dict[str, Any], str], ...]] = contextvars.ContextVar(
    "tinhso_audit_pending_denials", default=()
)


def record_denied(*, actor: Any, action: str, obj: Any = None) -> None:
    """Record a refused attempt at a sensitive action (called by ``permissions.require``)."""
    using = _db()
    fields = _fields(actor=actor, action=action, obj=obj, changes=None, summary="", outcome=Outcome.DENIED)
    entry = _append(fields, using)
    if _in_real_transaction(using):
        pending = (*_pending_denials.get(), (fields, entry.hash))
        _pending_denials.set(pending[-MAX_PENDING_DENIALS:])


def discard_pending_denials() -> None:
    """Forget remembered denials without writing them (a new request or test starts clean)."""
    _pending_denials.set(())


def flush_denials() -> int:
    """Write again the denial records that a rolled-back transaction discarded; returns how many.

    Call it where no transaction is open (the request middleware does, after the response).
    Inside a transaction it does nothing, as the denials' fate is not known yet.
    """
    using = _db()
    pending = _pending_denials.get()
    if not pending or _in_real_transaction(using):
        return 0
    _pending_denials.set(())
    written = 0
    with transaction.atomic(using=using):
        for fields, written_hash in pending:
            if not AuditRecord.objects.using(using).filter(hash=written_hash).exists():
                _append(fields, using)
                written += 1
    return written


def current_head() -> Head | None:
    last = AuditRecord.objects.using(_db()).order_by("-seq").values_list("seq", "hash").first()
    return Head(seq=last[0], hash=last[1]) if last else None


def verify_chain(*, chunk_size: int = 2000, expect_head: Head | None = None) -> VerifyResult:
    """Recompute every link from the first record, streaming in seq order; stop at the first break.

    ``expect_head`` is a (seq, hash) pair written down earlier (``tinhso audit head``): it catches
    the removal of the newest records and a chain rewritten from the start, which the chain alone
    cannot reveal.
    """
    rows = (
        AuditRecord.objects.using(_db())
        .order_by("seq")
        .values(*HASHED_FIELDS, "prev_hash", "hash")
        .iterator(chunk_size=chunk_size)
    )
    expected_seq, prev_hash, checked = 1, GENESIS, 0

    def broken(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(ok=False, checked=checked, first_broken_seq=seq, reason=reason)

    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            if seq > expected_seq:
                missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
                return broken(
                    expected_seq, f"record(s) {missing} missing: deleted, or the sequence was altered"
                )
            return broken(seq, f"unexpected sequence number {seq} (expected {expected_seq})")
        if row["prev_hash"] != prev_hash:
            return broken(
                seq,
                "prev_hash does not match the previous record's hash "
                "(a record before it was changed, inserted or reordered)",
            )
        if compute_hash(prev_hash, row) != row["hash"]:
            return broken(seq, "content does not match its hash (the record was edited)")
        if expect_head is not None and seq == expect_head.seq and row["hash"] != expect_head.hash:
            return broken(seq, "hash differs from the anchored head (the chain was rewritten)")
        checked += 1
        expected_seq, prev_hash = seq + 1, row["hash"]

    head = Head(seq=expected_seq - 1, hash=prev_hash) if checked else None
    if expect_head is not None and checked < expect_head.seq:
        return broken(
            checked + 1,
            f"the chain ends at record {checked} but the anchored head is record {expect_head.seq} "
            "(the newest records were removed)",
        )
    return VerifyResult(ok=True, checked=checked, head=head)
