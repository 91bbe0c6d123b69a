"""TEMPORARY contract stub: the audit helper replaces this file with the hash-chained log."""

from __future__ import annotations

from typing import Any


def record(
    *, actor: Any, action: str, obj: Any = None, changes: dict | None = None, summary: str = ""
) -> None:
    return None


def record_denied(*, actor: Any, action: str, obj: Any = None) -> None:
    return None
