"""The contact an anonymous reporter leaves (e-mail, phone): validated, stored encrypted.

The ciphertext uses the platform's personal-data key (``CITIZEN_ID_KEY``, through
:mod:`tinhso.core.accounts.citizen_ids`, as account phone numbers do). A keyed digest of the
contact scopes idempotency keys of anonymous submitters without keeping the contact in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from tinhso.core.accounts import citizen_ids
from tinhso.core.errors import ValidationFailed

_PHONE = re.compile(r"^(\+84|0)\d{9,10}$")


@dataclass(frozen=True)
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.email or self.phone)


def clean_contact(*, name: str = "", email: str = "", phone: str = "") -> Contact:
    name = " ".join((name or "").split())
    if len(name) > 150:
        raise ValidationFailed(
            "Họ tên người phản ánh tối đa 150 ký tự.",
            "The reporter's name is at most 150 characters.",
            code="feedback.invalid_contact_name",
        )
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed(
                "Địa chỉ thư điện tử không hợp lệ.",
                "The e-mail address is not valid.",
                code="feedback.invalid_email",
            ) from None
        if len(email) > 254:
            raise ValidationFailed(
                "Địa chỉ thư điện tử quá dài.",
                "The e-mail address is too long.",
                code="feedback.invalid_email",
            )
    phone = re.sub(r"[\s.\-()]", "", phone or "")
    if phone and not _PHONE.match(phone):
        raise ValidationFailed(
            "Số điện thoại không hợp lệ (ví dụ 0912345678 hoặc +84912345678).",
            "The phone number is not valid (e.g. 0912345678 or +84912345678).",
            code="feedback.invalid_phone",
        )
    return Contact(name=name, email=email.lower() if email else "", phone=phone)


def encrypt(value: str) -> str:
    return citizen_ids.encrypt(value) if value else ""


def decrypt(token: str) -> str:
    return citizen_ids.decrypt(token) if token else ""


def digest(contact: Contact) -> str:
    key = settings.CITIZEN_ID_KEY.encode()
    message = f"feedback-contact:{contact.email}|{contact.phone}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    return "*" * max(len(phone) - 3, 0) + phone[-3:] if phone else ""


def mask_email(email: str) -> str:
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
