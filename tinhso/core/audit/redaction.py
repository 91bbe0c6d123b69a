"""Keep citizen ID numbers, phone numbers and addresses out of the audit log.

Callers must not pass them in clear; this is the safety net. Values under a sensitive key are
masked whole (all but the last 3 characters); anywhere else, text that looks like a 12-digit
citizen ID number or a Vietnamese phone number is masked the same way.
"""

from __future__ import annotations

import re
from typing import Any

_SENSITIVE_KEYS = frozenset(
    {
        "citizen_id",
        "citizen_id_number",
        "id_number",
        "identity_number",
        "personal_id",
        "cccd",
        "cmnd",
        "so_dinh_danh",
        "so_cccd",
        "dia_chi",
        "so_dien_thoai",
        "sdt",
        "mobile",
        "tel",
        "telephone",
    }
)
_NOT_SENSITIVE = frozenset({"email_address", "ip_address", "mac_address", "remote_address"})

_CITIZEN_ID = r"(?:\d ?){11}\d"
_PHONE = r"(?:\+84|0)(?:[ .]?\d){9,10}"
_LOOKS_PERSONAL = re.compile(rf"(?<![\w.+-])(?:{_PHONE}|{_CITIZEN_ID})(?![\w]|[.-]\d)")


def is_sensitive_key(key: str) -> bool:
    name = key.strip().lower().replace("-", "_").replace(" ", "_")
    if name in _NOT_SENSITIVE:
        return False
    return name in _SENSITIVE_KEYS or "phone" in name or "address" in name or "citizen_id" in name


def mask(value: Any) -> str:
    """All but the last 3 characters become ``*``: enough to tell records apart, not to identify."""
    text = str(value)
    if len(text) <= 3:
        return "*" * len(text)
    return "*" * (len(text) - 3) + text[-3:]


def _mask_digits(match: re.Match) -> str:
    text = match.group(0)
    digits_seen = 0
    total = sum(ch.isdigit() for ch in text)
    out = []
    for ch in text:
        if ch.isdigit():
            digits_seen += 1
            out.append(ch if digits_seen > total - 3 else "*")
        else:
            out.append(ch)
    return "".join(out)


def scrub_text(text: str) -> str:
    return _LOOKS_PERSONAL.sub(_mask_digits, text)


def scrub(value: Any, *, sensitive: bool = False) -> Any:
    """Return ``value`` (JSON-like) with personal identifiers masked; the input is not modified."""
    if isinstance(value, dict):
        return {
            key: scrub(item, sensitive=sensitive or is_sensitive_key(str(key))) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item, sensitive=sensitive) for item in value]
    if value is None or isinstance(value, bool):
        return value
    if sensitive:
        return mask(value)
    if isinstance(value, str):
        return scrub_text(value)
    return value
