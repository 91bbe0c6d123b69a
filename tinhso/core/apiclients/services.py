"""Every write about API clients and tokens, and the OAuth2 client-credentials grant.

Secrets and tokens are returned in clear exactly once, by the function that makes them; only
their SHA-256 digests are stored, and none of them ever reaches the audit log or an event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tinhso.core import context
from tinhso.core.apiclients import credentials
from tinhso.core.apiclients.events import (
    ApiClientCreated,
    ApiClientDeactivated,
    ApiClientSecretRotated,
    PersonalTokenCreated,
    PersonalTokenRevoked,
)
from tinhso.core.apiclients.models import AccessToken, ApiClient, PersonalAccessToken
from tinhso.core.apiclients.selectors import known_scopes
from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import ANONYMOUS, as_principal, require

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")
# last_used_at is for people reviewing stale credentials, not an access log: minute precision
# is enough and spares a database write on every API call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- Errors of the token endpoint (RFC 6749 §5.2) ---------------------------------------


class OAuthError(DomainError):
    """A token-endpoint error: our error shape plus the RFC's ``error`` and ``error_description``."""

    error = "invalid_request"
    retry_after: int | None = None

    def __init__(self, message_vi: str, message_en: str, *, error: str, code: str, status: int = 400):
        super().__init__(message_vi, message_en, code=code)
        self.error = error
        self.status = status

    def as_dict(self, language: str = "vi") -> dict[str, Any]:
        body = super().as_dict(language)
        body["error"] = self.error
        # The RFC allows only printable ASCII here, so the English message it is.
        body["error_description"] = self.message_en
        return body


def invalid_request(message_vi: str, message_en: str) -> OAuthError:
    return OAuthError(message_vi, message_en, error="invalid_request", code="oauth.invalid_request")


def invalid_client() -> OAuthError:
    return OAuthError(
        "Mã ứng dụng hoặc khóa bí mật không đúng, hoặc ứng dụng đã bị vô hiệu hóa.",
        "Client authentication failed.",
        error="invalid_client",
        code="oauth.invalid_client",
        status=401,
    )


def invalid_scope(message_vi: str, message_en: str) -> OAuthError:
    return OAuthError(message_vi, message_en, error="invalid_scope", code="oauth.invalid_scope")


def unsupported_grant_type() -> OAuthError:
    return OAuthError(
        "Chỉ hỗ trợ grant_type=client_credentials.",
        "Only grant_type=client_credentials is supported.",
        error="unsupported_grant_type",
        code="oauth.unsupported_grant_type",
    )


def too_many_failures(retry_after: int) -> OAuthError:
    err = OAuthError(
        "Xác thực ứng dụng sai quá nhiều lần; vui lòng thử lại sau.",
        "Too many failed client authentications; try again later.",
        error="invalid_client",
        code="oauth.too_many_failures",
        status=429,
    )
    err.retry_after = retry_after
    return err


# --- Scopes ---------------------------------------------------------------------------


def parse_scope_parameter(value: str) -> list[str]:
    """Split an RFC 6749 ``scope`` parameter (space-delimited, case-sensitive) into scopes."""
    scopes = [s for s in value.split(" ") if s]
    if any(not _SCOPE_TOKEN.match(s) for s in scopes):
        raise invalid_scope("Tham số scope không hợp lệ.", "The scope parameter is malformed.")
    return scopes


def _check_scopes(scopes: Iterable[str] | None) -> list[str]:
    if scopes is None or isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes):
        raise ValidationFailed(
            "Danh sách phạm vi (scope) không hợp lệ.",
            "Scopes must be a list of strings.",
            code="apiclients.invalid_scopes",
        )
    wanted = sorted({s.strip() for s in scopes if s.strip()})
    if not wanted:
        raise ValidationFailed(
            "Cần ít nhất một phạm vi truy cập (scope).",
            "At least one scope is required.",
            code="apiclients.no_scope",
        )
    known = known_scopes()
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ValidationFailed(
            f"Phạm vi không tồn tại: {', '.join(unknown)}. Các phạm vi hợp lệ: {', '.join(known) or '(chưa có)'}.",
            f"Unknown scope(s): {', '.join(unknown)}. Known scopes: {', '.join(known) or '(none yet)'}.",
            code="apiclients.unknown_scope",
            details={"unknown": unknown, "known": list(known)},
        )
    return wanted


def _check_name(name: str, max_length: int) -> str:
    name = " ".join((name or "").split()) if isinstance(name, str) else ""
    if not name or len(name) > max_length:
        raise ValidationFailed(
            f"Tên là bắt buộc (tối đa {max_length} ký tự).",
            f"A name is required ({max_length} characters at most).",
            code="apiclients.invalid_name",
        )
    return name


# --- API clients ----------------------------------------------------------------------


def _acting_user(actor: Any):
    user = as_principal(actor).user
    return user if getattr(user, "pk", None) is not None else None


@transaction.atomic
def create_api_client(*, actor: Any, name: str, scopes: Iterable[str], agency=None) -> tuple[ApiClient, str]:
    """Register another system; returns the client and its secret, which is shown this once only."""
    require(actor, "apiclients.manage")
    name = _check_name(name, 150)
    scopes = _check_scopes(scopes)
    if agency is not None and getattr(agency, "pk", None) is None:
        raise ValidationFailed("Cơ quan không hợp lệ.", "The agency is not valid.", code="agency.not_found")
    secret = credentials.new_secret(credentials.CLIENT_SECRET_PREFIX)
    client = ApiClient.objects.create(
        client_id=credentials.new_client_id(),
        name=name,
        agency=agency,
        scopes=scopes,
        secret_hash=credentials.digest(secret),
        secret_prefix=credentials.display_prefix(secret),
        created_by=_acting_user(actor),
    )
    audit.record(
        actor=actor,
        action="apiclients.client_created",
        obj=client,
        changes={
            "client_id": client.client_id,
            "name": name,
            "scopes": scopes,
            "agency": agency.code if agency else None,
        },
    )
    events.publish(
        ApiClientCreated(
            client_id=client.client_id,
            client_name=name,
            agency_code=agency.code if agency else None,
            scopes=tuple(scopes),
        )
    )
    return client, secret


def _revoke_live_tokens(client: ApiClient) -> int:
    return AccessToken.objects.filter(client=client, revoked=False, expires_at__gt=timezone.now()).update(
        revoked=True
    )


def _locked_client(client: ApiClient) -> ApiClient:
    return ApiClient.objects.select_for_update().get(pk=client.pk)


@transaction.atomic
def rotate_client_secret(
    *, actor: Any, client: ApiClient, revoke_tokens: bool = True
) -> tuple[ApiClient, str]:
    """Give a client a new secret (the old one stops working at once); by default also revoke the
    access tokens it holds, since a rotation usually means the old secret may have leaked."""
    require(actor, "apiclients.manage")
    client = _locked_client(client)
    if not client.is_active:
        raise Conflict(
            "Ứng dụng đã bị vô hiệu hóa.", "The client is deactivated.", code="apiclients.client_inactive"
        )
    secret = credentials.new_secret(credentials.CLIENT_SECRET_PREFIX)
    client.secret_hash = credentials.digest(secret)
    client.secret_prefix = credentials.display_prefix(secret)
    client.secret_rotated_at = timezone.now()
    client.save(update_fields=["secret_hash", "secret_prefix", "secret_rotated_at"])
    revoked = _revoke_live_tokens(client) if revoke_tokens else 0
    audit.record(
        actor=actor,
        action="apiclients.client_secret_rotated",
        obj=client,
        changes={"client_id": client.client_id, "tokens_revoked": revoked},
    )
    events.publish(ApiClientSecretRotated(client_id=client.client_id, tokens_revoked=revoked))
    return client, secret


@transaction.atomic
def deactivate_api_client(*, actor: Any, client: ApiClient) -> ApiClient:
    """Stop a client for good: it can no longer get tokens and the tokens it holds stop working."""
    require(actor, "apiclients.manage")
    client = _locked_client(client)
    if not client.is_active:
        return client  # idempotent: deactivating twice changes nothing
    client.is_active = False
    client.save(update_fields=["is_active"])
    revoked = _revoke_live_tokens(client)
    audit.record(
        actor=actor,
        action="apiclients.client_deactivated",
        obj=client,
        changes={"client_id": client.client_id, "tokens_revoked": revoked},
    )
    events.publish(ApiClientDeactivated(client_id=client.client_id, tokens_revoked=revoked))
    return client


@transaction.atomic
def revoke_client_token(*, actor: Any, token: AccessToken) -> AccessToken:
    require(actor, "apiclients.manage")
    token = AccessToken.objects.select_for_update().select_related("client").get(pk=token.pk)
    if token.revoked:
        return token
    token.revoked = True
    token.save(update_fields=["revoked"])
    audit.record(
        actor=actor,
        action="apiclients.client_token_revoked",
        obj=token.client,
        changes={"client_id": token.client.client_id, "token_prefix": token.prefix},
    )
    return token


@transaction.atomic
def purge_expired_tokens(*, actor: Any, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete client access tokens that expired more than ``older_than`` ago (they can never work again)."""
    require(actor, "apiclients.manage")
    deleted, _ = AccessToken.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    if deleted:
        audit.record(actor=actor, action="apiclients.expired_tokens_purged", changes={"deleted": deleted})
    return deleted


# --- The client-credentials grant -------------------------------------------------------


def _failure_limit() -> int:
    return int(getattr(settings, "API_CLIENT_AUTH_FAILURE_LIMIT", 10))


def _failure_window() -> int:
    return int(getattr(settings, "API_CLIENT_AUTH_FAILURE_WINDOW_SECONDS", 900))


def _failure_key(client_id: str, ip: str) -> str:
    # Hashed: the cache key must stay short and printable whatever a caller sends as client_id.
    return "apiclients:authfail:" + credentials.digest(f"{client_id}\x00{ip}")[:40]


def _record_failure(client_id: str, ip: str, client: ApiClient | None, reason: str) -> None:
    key = _failure_key(client_id, ip)
    cache.add(key, 0, timeout=_failure_window())
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_failure_window())
        failures = 1
    # Every failure up to the lock is audited, then one record when the lock engages; what
    # follows during an attack is refused without flooding the audit chain.
    if failures <= _failure_limit():
        with transaction.atomic():
            audit.record(
                actor=ANONYMOUS,
                action="apiclients.client_auth_failed",
                obj=client,
                changes={
                    "client_id": client_id[:40],
                    "reason": reason,
                    "failures": failures,
                    "locked": failures == _failure_limit(),
                },
            )


def _is_locked(client_id: str, ip: str) -> bool:
    return (cache.get(_failure_key(client_id, ip)) or 0) >= _failure_limit()


def issue_client_token(
    *, client_id: str, client_secret: str, scopes: list[str] | None = None, ip: str | None = None
) -> tuple[AccessToken, str]:
    """Authenticate a client by its secret and issue an access token (RFC 6749 §4.4).

    ``scopes`` None means every scope the client is allowed; otherwise it must be a subset of them.
    Failed authentications are audited and, after API_CLIENT_AUTH_FAILURE_LIMIT of them from one
    IP address for one client id, refused without checking the secret until the window passes.
    Not atomic as a whole: a failure's audit record must survive the error that follows it.
    """
    require(ANONYMOUS, "apiclients.request_token")
    if ip is None:
        ctx = context.current()
        ip = (ctx.ip if ctx else None) or "unknown"
    if not client_id or not client_secret:
        raise invalid_client()
    if _is_locked(client_id, ip):
        raise too_many_failures(_failure_window())
    client = ApiClient.objects.filter(client_id=client_id).first()
    if client is None:
        credentials.digest(client_secret)  # same work as a known client: timing reveals nothing
        _record_failure(client_id, ip, None, "unknown_client")
        raise invalid_client()
    if not credentials.matches(client_secret, client.secret_hash):
        _record_failure(client_id, ip, client, "wrong_secret")
        raise invalid_client()
    if not client.is_active:
        _record_failure(client_id, ip, client, "inactive")
        raise invalid_client()
    cache.delete(_failure_key(client_id, ip))

    allowed = set(client.scopes) & set(known_scopes())
    if scopes is None:
        granted = sorted(allowed)
        if not granted:
            raise invalid_scope(
                "Ứng dụng chưa được cấp phạm vi truy cập nào còn hiệu lực.",
                "The client has no valid scope.",
            )
    else:
        unknown = sorted(set(scopes) - allowed)
        if unknown:
            raise invalid_scope(
                f"Ứng dụng không được cấp phạm vi: {' '.join(unknown)}.",
                f"The client may not request the scope(s): {' '.join(unknown)}.",
            )
        granted = sorted(set(scopes))

    plain = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    now = timezone.now()
    with transaction.atomic():
        token = AccessToken.objects.create(
            token_hash=credentials.digest(plain),
            prefix=credentials.display_prefix(plain),
            client=client,
            scopes=granted,
            expires_at=now + timedelta(seconds=settings.API_ACCESS_TOKEN_SECONDS),
        )
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        audit.record(
            actor=client.to_principal(frozenset(granted)),
            action="apiclients.token_issued",
            obj=client,
            changes={"client_id": client.client_id, "scopes": granted, "token_prefix": token.prefix},
        )
    return token, plain


# --- Personal access tokens -------------------------------------------------------------


def _require_owner_or_admin(actor: Any, owner) -> None:
    principal = as_principal(actor)
    if principal.user is not None and principal.user.pk == owner.pk:
        require(actor, "apiclients.manage_own_tokens")
    else:
        require(actor, "apiclients.manage")


@transaction.atomic
def create_personal_token(
    *, actor: Any, user, name: str, scopes: Iterable[str], expires_at: datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """A person makes a token for their own scripts; returns it and the token, shown this once only.

    Only the owner may make one (an administrator cannot mint tokens that act as someone else),
    and only from a signed-in session: a token cannot make further tokens (the rule has no scope).
    """
    require(actor, "apiclients.manage_own_tokens")
    principal = as_principal(actor)
    if principal.kind != "system" and (principal.user is None or principal.user.pk != user.pk):
        raise PermissionDenied(
            "Chỉ chủ tài khoản mới tạo được mã truy cập cá nhân của mình.",
            "Only the account's owner can create its personal tokens.",
            code="apiclients.not_token_owner",
        )
    if not user.is_active:
        raise ValidationFailed(
            "Tài khoản đã bị khóa.", "The account is deactivated.", code="apiclients.user_inactive"
        )
    name = _check_name(name, 100)
    scopes = _check_scopes(scopes)
    if expires_at is not None:
        if not isinstance(expires_at, datetime) or timezone.is_naive(expires_at):
            raise ValidationFailed(
                "Thời hạn phải là thời điểm có múi giờ.",
                "The expiry must be a timezone-aware date and time.",
                code="apiclients.invalid_expiry",
            )
        if expires_at <= timezone.now():
            raise ValidationFailed(
                "Thời hạn phải ở tương lai.",
                "The expiry must be in the future.",
                code="apiclients.invalid_expiry",
            )
    plain = credentials.new_secret(credentials.PERSONAL_TOKEN_PREFIX)
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name,
        token_hash=credentials.digest(plain),
        prefix=credentials.display_prefix(plain),
        scopes=scopes,
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="apiclients.personal_token_created",
        obj=token,
        changes={
            "name": name,
            "scopes": scopes,
            "prefix": token.prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    events.publish(
        PersonalTokenCreated(
            token_id=str(token.public_id), user_public_id=str(user.public_id), scopes=tuple(scopes)
        )
    )
    return token, plain


@transaction.atomic
def revoke_personal_token(*, actor: Any, token: PersonalAccessToken) -> PersonalAccessToken:
    """The owner (or a platform administrator) revokes a personal token; it stops working at once."""
    _require_owner_or_admin(actor, token.user)
    token = PersonalAccessToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked:
        return token
    token.revoked = True
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked", "revoked_at"])
    audit.record(
        actor=actor, action="apiclients.personal_token_revoked", obj=token, changes={"prefix": token.prefix}
    )
    events.publish(
        PersonalTokenRevoked(token_id=str(token.public_id), user_public_id=str(token.user.public_id))
    )
    return token


# --- Usage bookkeeping ------------------------------------------------------------------


def mark_used(token: AccessToken | PersonalAccessToken) -> None:
    """Note that a token (and its client) was used; at most one write a minute per token.

    Not audited and not evented: it is telemetry for spotting stale credentials, not a change
    anyone made. The conditional UPDATE keeps concurrent requests from writing twice.
    """
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = now - LAST_USED_RESOLUTION
    model = type(token)
    model.objects.filter(pk=token.pk).exclude(last_used_at__gt=stale).update(last_used_at=now)
    token.last_used_at = now
    if isinstance(token, AccessToken):
        ApiClient.objects.filter(pk=token.client_id).exclude(last_used_at__gt=stale).update(last_used_at=now)
