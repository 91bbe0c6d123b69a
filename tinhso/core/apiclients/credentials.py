"""Making and checking client secrets and tokens.

Every secret is 32 random bytes (256 bits), so a plain SHA-256 digest is enough to store it:
there is nothing to brute-force, and unlike a keyed hash it survives a SECRET_KEY rotation.
The readable prefix tells a token's kind at a glance (and lets secret scanners recognise one
that leaked): ``tss_`` client secret, ``tsa_`` client access token, ``tsp_`` personal token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CLIENT_ID_PREFIX = "tsc_"
CLIENT_SECRET_PREFIX = "tss_"
ACCESS_TOKEN_PREFIX = "tsa_"
PERSONAL_TOKEN_PREFIX = "tsp_"
DISPLAY_PREFIX_LENGTH = 10


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(10)


def new_secret(prefix: str) -> str:
    # token_urlsafe only uses [A-Za-z0-9_-], which form-urlencoding and HTTP Basic leave untouched.
    return prefix + secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def matches(value: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(value), expected_digest)


def display_prefix(value: str) -> str:
    return value[:DISPLAY_PREFIX_LENGTH]
