"""How API requests authenticate: a bearer token (client access token or personal access token),
else the signed-in browser session (with ninja's CSRF check).

Bearer authentication turns the token into a :class:`~tinhso.core.permissions.Principal` and
puts it in ``request.auth``; a presented but invalid token is refused with a 401 even when a
session cookie is also present, so a script never silently acts as whoever is signed in.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from tinhso.core.apiclients import credentials, selectors, services
from tinhso.core.errors import NotAuthenticated
from tinhso.core.permissions import Principal


class InvalidToken(NotAuthenticated):
    code = "auth.invalid_token"
    message_vi = "Mã truy cập không hợp lệ."
    message_en = "The access token is not valid."
    # RFC 6750 §3: the challenge a client should see; the API's error handler may send it.
    www_authenticate = 'Bearer error="invalid_token"'


class TokenExpired(InvalidToken):
    code = "auth.token_expired"
    message_vi = "Mã truy cập đã hết hạn."
    message_en = "The access token has expired."


class TokenRevoked(InvalidToken):
    code = "auth.token_revoked"
    message_vi = "Mã truy cập đã bị thu hồi."
    message_en = "The access token has been revoked."


def principal_for_token(plain: str) -> Principal:
    """The principal a bearer token acts as, or an :class:`InvalidToken` error."""
    if plain.startswith(credentials.ACCESS_TOKEN_PREFIX):
        return _client_principal(plain)
    if plain.startswith(credentials.PERSONAL_TOKEN_PREFIX):
        return _personal_principal(plain)
    raise InvalidToken()


def _client_principal(plain: str) -> Principal:
    token = selectors.access_token_for(plain)
    if token is None:
        raise InvalidToken()
    if token.revoked or not token.client.is_active:
        raise TokenRevoked()
    if token.is_expired:
        raise TokenExpired()
    services.mark_used(token)
    return token.client.to_principal(frozenset(token.scopes))


def _personal_principal(plain: str) -> Principal:
    token = selectors.personal_token_for(plain)
    if token is None:
        raise InvalidToken()
    if token.revoked:
        raise TokenRevoked()
    if token.is_expired:
        raise TokenExpired()
    owner = token.user.to_principal()
    if not owner.is_authenticated:  # the account was deactivated
        raise TokenRevoked()
    services.mark_used(token)
    # A copy: the owner's cached principal must keep its session-wide rights.
    return dataclasses.replace(owner, scopes=frozenset(token.scopes), _expanded={})


class BearerAuth(HttpBearer):
    def authenticate(self, request, token: str) -> Principal:
        return principal_for_token(token.strip())


class SessionAuth(NinjaSessionAuth):
    """Ninja's session auth (CSRF-checked), skipped entirely when there is no session cookie.

    Without a cookie the request cannot be a session one, so it gets the 401 "authentication
    required" error rather than a CSRF failure that would mislead a script's author.
    """

    def _get_key(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        if key is None:
            return None
        return super().authenticate(request, key)


DEFAULT_API_AUTH = [BearerAuth(), SessionAuth()]
