"""Writes of the Open311 layer: issuing and revoking API keys, and submitting a service request
through the core's submission service.

Keys are 256-bit random strings: only their SHA-256 digest is stored (with a short prefix a
person can recognise), the key itself is returned once by :func:`issue_api_key`. Managing keys
needs ``feedback.manage_categories`` (platform administrators: the operators of the report
catalogue); neither a key nor its digest ever reaches the audit log.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from tinhso.core.apiclients import credentials
from tinhso.core.audit import services as audit
from tinhso.core.errors import ValidationFailed
from tinhso.core.permissions import Principal, as_principal, require
from tinhso.feedback import services as feedback_services
from tinhso.feedback.models import Channel
from tinhso.feedback.open311.errors import InvalidApiKey, RevokedApiKey
from tinhso.feedback.open311.models import DEFAULT_RATE_LIMIT_PER_MINUTE, Open311ApiKey, Open311Submission

logger = logging.getLogger(__name__)

MANAGE = "feedback.manage_categories"
KEY_PREFIX = "o311_"
DISPLAY_PREFIX_LENGTH = 12  # "o311_" and 7 random characters (42 bits): enough to tell keys apart
MAX_NAME = 150
MAX_RATE_LIMIT = 10_000
MAX_MEDIA_URL = 2000
# last_used_at helps people find stale keys; minute precision spares a write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _acting_user(actor: Any):
    user = as_principal(actor).user
    return user if getattr(user, "pk", None) is not None else None


def clean_key_name(name: Any) -> str:
    text = " ".join(name.split()) if isinstance(name, str) else ""
    if not text or len(text) > MAX_NAME:
        raise ValidationFailed(
            f"Cần tên ứng dụng (tối đa {MAX_NAME} ký tự).",
            f"The application's name is required ({MAX_NAME} characters at most).",
            code="open311.invalid_key_name",
        )
    return text


def clean_rate_limit(value: Any) -> int:
    try:
        rate = int(str(value).strip()) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        rate = None
    if rate is None or not 1 <= rate <= MAX_RATE_LIMIT:
        raise ValidationFailed(
            f"Giới hạn yêu cầu mỗi phút là số nguyên từ 1 đến {MAX_RATE_LIMIT}.",
            f"The rate limit is a whole number of requests per minute from 1 to {MAX_RATE_LIMIT}.",
            code="open311.invalid_rate_limit",
        )
    return rate


@transaction.atomic
def issue_api_key(
    *, actor: Any, name: str, rate_limit_per_minute: Any = DEFAULT_RATE_LIMIT_PER_MINUTE
) -> tuple[Open311ApiKey, str]:
    """Issue a key to the client application ``name``; returns the key row and the key itself,
    which is shown this once only."""
    require(actor, MANAGE)
    name = clean_key_name(name)
    rate = clean_rate_limit(rate_limit_per_minute)
    for _attempt in range(10):
        plain = credentials.new_secret(KEY_PREFIX)
        prefix = plain[:DISPLAY_PREFIX_LENGTH]
        if not Open311ApiKey.objects.filter(prefix=prefix).exists():
            break
    else:  # pragma: no cover - 10 collisions in a 42-bit space
        raise RuntimeError("Could not draw an Open311 key with a free prefix")
    key = Open311ApiKey.objects.create(
        name=name,
        key_hash=credentials.digest(plain),
        prefix=prefix,
        rate_limit_per_minute=rate,
        created_by=_acting_user(actor),
    )
    audit.record(
        actor=actor,
        action="feedback.open311_key_issued",
        obj=key,
        changes={"name": name, "prefix": prefix, "rate_limit_per_minute": rate},
    )
    logger.info("feedback.open311_key_issued", extra={"prefix": prefix})
    return key, plain


@transaction.atomic
def revoke_api_key(*, actor: Any, key: Open311ApiKey) -> Open311ApiKey:
    """Stop a key at once; revoking a revoked key changes nothing."""
    require(actor, MANAGE)
    key = Open311ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.revoked_by = _acting_user(actor)
    key.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=actor,
        action="feedback.open311_key_revoked",
        obj=key,
        changes={"name": key.name, "prefix": key.prefix},
    )
    logger.info("feedback.open311_key_revoked", extra={"prefix": key.prefix})
    return key


def use_api_key(plain: str, *, now: datetime | None = None) -> Open311ApiKey:
    """The active key whose digest matches ``plain`` (else 403), its ``last_used_at`` refreshed."""
    if not isinstance(plain, str) or not plain.strip():
        raise InvalidApiKey()
    key = Open311ApiKey.objects.filter(key_hash=credentials.digest(plain.strip())).first()
    if key is None:
        raise InvalidApiKey()
    if key.revoked_at is not None:
        raise RevokedApiKey()
    now = now or timezone.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
        Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def principal_for(key: Open311ApiKey) -> Principal:
    """The key as an actor: a machine client that may only submit reports, named in the audit
    log after its application."""
    return Principal(
        kind="client",
        id=f"open311:{key.prefix}",
        label=f"Open311: {key.name}"[:150],
        client=key,
        scopes=frozenset({"feedback:submit"}),
    )


def clean_media_url(value: Any) -> str:
    """An absolute http(s) URL kept as a reference; it is never fetched."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return ""
    parts = urlsplit(text)
    if (
        len(text) > MAX_MEDIA_URL
        or parts.scheme.lower() not in {"http", "https"}
        or not parts.hostname
        or any(ch.isspace() for ch in text)
    ):
        raise ValidationFailed(
            "media_url phải là một địa chỉ http(s) đầy đủ, tối đa 2000 ký tự.",
            "media_url must be an absolute http(s) URL of at most 2000 characters.",
            code="open311.invalid_media_url",
        )
    return text


def submit_service_request(
    *,
    api_key: Open311ApiKey,
    service_code: str,
    description: str,
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    unit: str | None = None,
    attributes: dict[str, Any] | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    media_url: str = "",
    photos: list[Any] | tuple[Any, ...] = (),
    idempotency_key: str | None = None,
) -> feedback_services.Submitted:
    """Submit a report for the application holding ``api_key`` (the acting party).

    The report is anonymous (Open311 cannot authenticate a citizen): the category must accept
    anonymous reports, with the contact it asks for. Validation, routing, photos, audit and
    events are the core's (:func:`tinhso.feedback.services.submit_report`, channel ``open311``);
    this adds only the record of the application and its ``media_url``, in the same transaction,
    so an error stores nothing.
    """
    media = clean_media_url(media_url)
    with transaction.atomic():
        submitted = feedback_services.submit_report(
            actor=principal_for(api_key),
            category=service_code,
            description=description,
            photos=photos,
            latitude=latitude,
            longitude=longitude,
            address=address,
            unit=unit,
            attributes=attributes,
            identity_public=False,  # GeoReport v2 has no way to ask for the reporter's consent
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            channel=Channel.OPEN311,
            idempotency_key=idempotency_key,
        )
        Open311Submission.objects.get_or_create(
            report=submitted.report, defaults={"api_key": api_key, "media_url": media}
        )
    return submitted
