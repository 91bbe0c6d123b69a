"""Public identifiers of reports: ``PA-<year>-<6 characters>``, random and easy to read aloud.

Crockford's base32 alphabet (no I, L, O, U) avoids characters people confuse on a phone call;
32^6 is about a billion codes a year, so a collision is rare and simply retried.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "PA"
LENGTH = 6
PATTERN = re.compile(rf"^{PREFIX}-\d{{4}}-[{ALPHABET}]{{{LENGTH}}}$")
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def new_public_id(at: datetime) -> str:
    year = at.astimezone(VIETNAM).year
    return f"{PREFIX}-{year}-" + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_public_id(text: str) -> str:
    """Upper-case and read the letters people mistype (O→0, I/L→1) as Crockford does."""
    value = (text or "").strip().upper()
    head, _, tail = value.rpartition("-")
    return f"{head}-{tail.replace('O', '0').replace('I', '1').replace('L', '1')}" if head else value


def looks_like_public_id(text: str) -> bool:
    return bool(PATTERN.match(text or ""))
