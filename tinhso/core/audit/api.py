"""The audit log through the API: read records, verify the chain. Platform administrators, or
machine clients with the ``audit:read`` scope."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from tinhso.core.audit import selectors, services
from tinhso.core.audit.models import Outcome
from tinhso.core.errors import ValidationFailed
from tinhso.core.permissions import require

router = Router(tags=["audit"])


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


def _aware(value: datetime | None) -> datetime | None:
    # A time without an offset is read as Vietnam time, the way people write it.
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


class AuditRecordRead(Schema):
    seq: int
    at: datetime
    actor_kind: str
    actor_id: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    summary: str
    request_id: str
    ip: str
    channel: str
    outcome: str
    prev_hash: str
    hash: str


class AuditFilter(Schema):
    action: str | None = Field(None, description='Exact action, or a prefix ending in "." (e.g. "accounts.")')
    actor: str | None = Field(None, description="Actor public id or label (username, client name)")
    object_type: str | None = Field(None, description='e.g. "accounts.user"')
    object_id: str | None = None
    since: datetime | None = Field(None, alias="from", description="From this time (inclusive)")
    until: datetime | None = Field(None, alias="to", description="Until this time (exclusive)")
    outcome: Outcome | None = None


class VerifyRead(Schema):
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    head_seq: int | None
    head_hash: str | None


@router.get(
    "/records",
    response=list[AuditRecordRead],
    summary="Nhật ký kiểm toán / Audit records",
)
@paginate(LimitOffsetPagination)
def list_records(request, filters: Query[AuditFilter]):
    """Audit records, newest first, filtered by action, actor, object and time
    (permission `audit.view`: platform administrators or scope `audit:read`)."""
    require(_actor(request), "audit.view")
    return selectors.records(
        action=filters.action,
        actor=filters.actor,
        object_type=filters.object_type,
        object_id=filters.object_id,
        since=_aware(filters.since),
        until=_aware(filters.until),
        outcome=filters.outcome,
    )


@router.get("/verify", response=VerifyRead, summary="Kiểm tra chuỗi băm / Verify the hash chain")
def verify(request, expect_head: str | None = None):
    """Recompute the whole SHA-256 chain and report the first broken link (permission `audit.verify`).
    `expect_head` (`SEQ:HASH`, from an earlier `head_seq`/`head_hash`) also detects removal of the
    newest records. This reads every record: on a large log prefer `tinhso audit verify`."""
    require(_actor(request), "audit.verify")
    anchor = None
    if expect_head:
        try:
            anchor = services.Head.parse(expect_head)
        except ValueError:
            raise ValidationFailed(
                "Đầu chuỗi phải có dạng SỐ_THỨ_TỰ:MÃ_BĂM (64 ký tự hex).",
                "expect_head must be SEQ:HASH (64 hex digits).",
                code="audit.invalid_head",
            ) from None
    result = services.verify_chain(expect_head=anchor)
    return VerifyRead(
        ok=result.ok,
        checked=result.checked,
        first_broken_seq=result.first_broken_seq,
        reason=result.reason,
        head_seq=result.head.seq if result.head else None,
        head_hash=result.head.hash if result.head else None,
    )
