"""The payments app's settings, each read from Django settings, then the environment, then a default.

Names and defaults (see docs/payments.md):

* ``PAYMENT_PROVIDER`` ("sandbox"): the provider new payments go through.
* ``PAYMENT_PROVIDERS`` ({}): extra providers, name -> dotted path of a ``PaymentProvider`` class.
* ``PAYMENT_SANDBOX_ENABLED`` (on when DEBUG or TINHSO_TESTING): the sandbox refuses to work
  otherwise, so that a production server never issues receipts for simulated payments by accident.
* ``PAYMENT_SANDBOX_SECRET`` (derived from SECRET_KEY): the sandbox's HMAC-SHA256 key.
* ``PAYMENT_SANDBOX_TRANSACTION_MINUTES`` (15): how long the sandbox's payer page accepts payment.
* ``PAYMENT_SANDBOX_CALLBACK_TRANSPORT`` ("http"): "http" posts the callback to the platform's
  callback URL like a real gateway; "direct" hands it to the same handler in-process (tests,
  installations that cannot reach their own public address).
* ``PAYMENT_CALLBACK_MAX_AGE_SECONDS`` (600): a signed callback older (or further in the future)
  than this is refused as a possible replay.
* ``PAYMENT_MAX_AMOUNT`` (100 000 000 000 VND): the largest amount one payment may carry.
* ``PAYMENT_RECEIPT_PREFIX`` ("BL"): the receipt number's prefix, as in BL-2026-000123.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from django.conf import settings


def _get(name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    if value is not None:
        return value
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def provider_name() -> str:
    return str(_get("PAYMENT_PROVIDER", "sandbox")).strip()


def extra_providers() -> dict[str, str]:
    value = getattr(settings, "PAYMENT_PROVIDERS", None)
    return dict(value) if isinstance(value, dict) else {}


def sandbox_enabled() -> bool:
    default = bool(getattr(settings, "DEBUG", False) or getattr(settings, "TESTING", False))
    return _flag(_get("PAYMENT_SANDBOX_ENABLED", default))


def sandbox_secret() -> bytes:
    configured = _get("PAYMENT_SANDBOX_SECRET", "")
    if configured:
        return str(configured).encode("utf-8")
    # A key of its own, so that knowing the sandbox key tells nothing about SECRET_KEY.
    return (
        hmac.new(settings.SECRET_KEY.encode("utf-8"), b"tinhso.payments.sandbox.v1", hashlib.sha256)
        .hexdigest()
        .encode("ascii")
    )


def sandbox_transaction_minutes() -> int:
    return int(_get("PAYMENT_SANDBOX_TRANSACTION_MINUTES", 15))


def sandbox_callback_transport() -> str:
    return str(_get("PAYMENT_SANDBOX_CALLBACK_TRANSPORT", "http")).strip().lower()


def sandbox_callback_max_attempts() -> int:
    return int(_get("PAYMENT_SANDBOX_CALLBACK_MAX_ATTEMPTS", 5))


def callback_max_age_seconds() -> int:
    return int(_get("PAYMENT_CALLBACK_MAX_AGE_SECONDS", 600))


def max_amount() -> int:
    return int(_get("PAYMENT_MAX_AMOUNT", 100_000_000_000))


def receipt_prefix() -> str:
    return str(_get("PAYMENT_RECEIPT_PREFIX", "BL")).strip() or "BL"


def site_url() -> str:
    return str(getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
