"""Citizen ID numbers (số định danh cá nhân / CCCD, 12 digits): validation and protection.

The number is never stored or logged in clear. We keep a keyed HMAC digest to find an account
by its number, and a Fernet ciphertext so an authorised officer can see it when a procedure
needs it. Structure (Circular 59/2021/TT-BCA, art. 7): 3 digits for the province of birth
registration, 1 digit for century and sex, 2 digits for the year of birth, 6 random digits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet
from django.conf import settings

from tinhso.core.errors import ValidationFailed

# Province codes of the citizen ID (Circular 07/2016/TT-BCA annex, kept by later circulars):
# the 63 provinces as they were, by their two-digit administrative code, padded to three.
BIRTH_PROVINCE_CODES = frozenset(
    f"{code:03d}"
    for code in (
        1,
        2,
        4,
        6,
        8,
        10,
        11,
        12,
        14,
        15,
        17,
        19,
        20,
        22,
        24,
        25,
        26,
        27,
        30,
        31,
        33,
        34,
        35,
        36,
        37,
        38,
        40,
        42,
        44,
        45,
        46,
        48,
        49,
        51,
        52,
        54,
        56,
        58,
        60,
        62,
        64,
        66,
        67,
        68,
        70,
        72,
        74,
        75,
        77,
        79,
        80,
        82,
        83,
        84,
        86,
        87,
        89,
        91,
        92,
        93,
        94,
        95,
        96,
    )
)
_DIGITS = re.compile(r"^\d{12}$")


class InvalidCitizenId(ValidationFailed):
    code = "citizen_id.invalid"
    message_vi = "Số định danh cá nhân phải gồm đúng 12 chữ số hợp lệ."
    message_en = "A citizen ID number must be exactly 12 valid digits."


def normalize(raw: str) -> str:
    return re.sub(r"[\s.\-]", "", raw or "")


def validate(raw: str) -> str:
    """Return the normalised number or raise :class:`InvalidCitizenId` (the message never echoes it)."""
    number = normalize(raw)
    if not _DIGITS.match(number):
        raise InvalidCitizenId()
    if number[:3] not in BIRTH_PROVINCE_CODES:
        raise InvalidCitizenId(
            "Ba chữ số đầu của số định danh không phải mã tỉnh hợp lệ.",
            "The first three digits are not a valid province code.",
        )
    # Digit 4 encodes century and sex: 0/1 for the 20th century, 2/3 the 21st, ... up to 9.
    # All ten values are defined, so the only structural check left is the province code.
    return number


def digest(number: str) -> str:
    key = settings.CITIZEN_ID_KEY.encode()
    return hmac.new(key, b"citizen-id:" + number.encode(), hashlib.sha256).hexdigest()


def _fernet() -> Fernet:
    raw = hashlib.sha256(b"tinhso-citizen-id-encryption:" + settings.CITIZEN_ID_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def mask(number: str) -> str:
    """Show only the last three digits, as receipts and public pages do."""
    return "*" * (len(number) - 3) + number[-3:]
