"""Reads: the scope registry, client and token lists, and token look-up for authentication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tinhso.core.apiclients import credentials
from tinhso.core.apiclients.models import AccessToken, ApiClient, PersonalAccessToken
from tinhso.core.permissions import as_principal, registered_rules, require


@dataclass(frozen=True)
class ScopeInfo:
    scope: str
    actions: tuple[str, ...]
    descriptions: tuple[str, ...]


def known_scopes() -> dict[str, ScopeInfo]:
    """Every scope a token may carry: exactly those declared as ``scope`` on a permission rule.

    A scope that no rule declares would open nothing, so it is refused rather than stored.
    """
    by_scope: dict[str, list] = {}
    for rule in registered_rules().values():
        if rule.scope:
            by_scope.setdefault(rule.scope, []).append(rule)
    return {
        scope: ScopeInfo(
            scope=scope,
            actions=tuple(sorted(r.action for r in rules)),
            descriptions=tuple(r.description for r in sorted(rules, key=lambda r: r.action)),
        )
        for scope, rules in sorted(by_scope.items())
    }


def api_clients(*, actor: Any) -> QuerySet[ApiClient]:
    require(actor, "apiclients.manage")
    return ApiClient.objects.select_related("agency", "created_by").order_by("name", "client_id")


def api_client_by_client_id(*, actor: Any, client_id: str) -> ApiClient | None:
    require(actor, "apiclients.manage")
    return ApiClient.objects.select_related("agency").filter(client_id=client_id).first()


def personal_tokens_of(*, actor: Any, user) -> QuerySet[PersonalAccessToken]:
    """A person's own tokens (revoked ones included, so they can see what was revoked)."""
    principal = as_principal(actor)
    if principal.user is not None and principal.user.pk == user.pk:
        require(actor, "apiclients.manage_own_tokens")
    else:
        require(actor, "apiclients.manage")
    return PersonalAccessToken.objects.filter(user=user).order_by("-created_at")


def access_token_for(plain: str) -> AccessToken | None:
    """The stored token matching a presented bearer value, whatever its state (callers check it)."""
    return AccessToken.objects.select_related("client").filter(token_hash=credentials.digest(plain)).first()


def personal_token_for(plain: str) -> PersonalAccessToken | None:
    return (
        PersonalAccessToken.objects.select_related("user")
        .filter(token_hash=credentials.digest(plain))
        .first()
    )
