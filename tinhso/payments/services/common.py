"""Shared by the payments services: addresses, validation, row locking, constants."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tinhso.core.permissions import Principal
from tinhso.payments import conf
from tinhso.payments.errors import invalid
from tinhso.payments.models import Payment

logger = logging.getLogger("tinhso.payments")

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAYABLE_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Nine or more digits in a row look like a citizen ID or phone number: never in a payment's text.
PERSONAL_NUMBER = re.compile(r"\d{9,}")
MAX_CALLBACK_BODY = 64 * 1024
LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
EXPIRY_GRACE = timedelta(minutes=2)


def provider_principal(name: str) -> Principal:
    """Who acts when a provider's signed notification changes a payment (shown in the audit log).

    The signature authenticated the provider; it may only report on its own transactions."""
    return Principal(kind="system", id=f"provider:{name}"[:64], label=f"payments.{name}")


# --- Addresses --------------------------------------------------------------------------


def callback_url(provider_name: str) -> str:
    return conf.site_url() + reverse("api-v1:payments_callback", kwargs={"provider": provider_name})


def payment_page_path(payment: Payment) -> str:
    return reverse("payments:detail", args=[payment.public_id])


def allowed_hosts() -> set[str]:
    from urllib.parse import urlsplit

    hosts = {host for host in settings.ALLOWED_HOSTS if host and host != "*" and not host.startswith(".")}
    site_host = urlsplit(conf.site_url()).netloc
    if site_host:
        hosts.add(site_host)
    return hosts


# --- Validation -------------------------------------------------------------------------


def clean_text(value: Any, *, field: str, max_length: int, required: bool, free_text: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid("invalid_text", "Dữ liệu phải là chuỗi ký tự.", "The value must be text.", field=field)
    value = " ".join(value.split())
    if required and not value:
        raise invalid("required", "Thiếu thông tin bắt buộc.", "A required value is missing.", field=field)
    if len(value) > max_length:
        raise invalid(
            "too_long",
            f"Dài quá {max_length} ký tự.",
            f"Longer than {max_length} characters.",
            field=field,
            max_length=max_length,
        )
    if free_text and PERSONAL_NUMBER.search(value):
        raise invalid(
            "personal_number",
            "Không ghi số định danh, số điện thoại vào nội dung thanh toán.",
            "Do not put ID or phone numbers in a payment's text.",
            field=field,
        )
    return value


def clean_amount(amount: Any) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise invalid(
            "invalid_amount", "Số tiền phải là số nguyên (đồng).", "The amount must be a whole number of VND."
        )
    if amount <= 0 or amount > conf.max_amount():
        raise invalid(
            "invalid_amount",
            f"Số tiền phải lớn hơn 0 và không quá {conf.max_amount():,} đồng.",
            f"The amount must be above 0 and at most {conf.max_amount():,} VND.",
            max_amount=conf.max_amount(),
        )
    return amount


def clean_return_url(value: Any) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if value in ("", None):
        return ""
    if not isinstance(value, str) or len(value) > 500 or any(c.isspace() for c in value):
        raise invalid("invalid_return_url", "Địa chỉ quay lại không hợp lệ.", "The return URL is not valid.")
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=allowed_hosts(), require_https=False):
        raise invalid(
            "invalid_return_url",
            "Địa chỉ quay lại phải thuộc nền tảng này.",
            "The return URL must belong to this platform.",
        )
    return value


def clean_idempotency_key(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > 255 or not value.isascii() or not value.isprintable():
        raise invalid(
            "invalid_idempotency_key",
            "Idempotency-Key phải là chuỗi ASCII in được, tối đa 255 ký tự.",
            "The Idempotency-Key must be printable ASCII, at most 255 characters.",
        )
    return value


def fingerprint_of(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def lock_payment(payment: Payment) -> Payment:
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("agency", "created_by")
        .get(pk=payment.pk)
    )


def sync_payment(target: Payment, source: Payment) -> None:
    """Let the caller's instance see what the service wrote to the locked one."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
