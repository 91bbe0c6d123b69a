"""The hash chain: the canonical text of a record and the SHA-256 link from one record to the next.

``hash = sha256(prev_hash + canonical_json(fields))``, hex-encoded, where ``prev_hash`` is the
previous record's hash (64 zeros for the first record) and ``fields`` are the columns listed in
``HASHED_FIELDS``. docs/audit.md states the formula so it can be checked without this code.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

GENESIS = "0" * 64

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "summary",
    "request_id",
    "ip",
    "channel",
    "outcome",
)


def canonical_at(at: datetime) -> str:
    """Fixed format, always UTC with microseconds, so the text does not depend on the database."""
    if at.tzinfo is None:
        raise ValueError("Audit times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(fields: Mapping[str, Any]) -> str:
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["at"] = canonical_at(payload["at"])
    payload["changes"] = to_json_value(payload["changes"])
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def compute_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def to_json_value(value: Any) -> Any:
    """Reduce ``value`` to JSON that reads back from SQLite and PostgreSQL exactly as written.

    Whole floats become ints because PostgreSQL's jsonb prints 1e20 as 100000000000000000000,
    which Python reads back as an int: hashing the stored value must give the recorded hash.
    NUL characters are dropped because PostgreSQL refuses them in text.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Audit changes cannot hold NaN or infinity")
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {to_json_value(str(key)): to_json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json_value(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime):
        return canonical_at(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return str(value).replace("\x00", "")
