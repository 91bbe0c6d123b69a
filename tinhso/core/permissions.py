"""One permission layer: "may this actor do this action on this object?".

Every app declares its actions in its own ``permissions.py`` as :class:`Rule` objects and
registers them here; services call :func:`require` before they write and selectors call
:func:`visible_agency_ids` to filter what they read. Anything not declared is denied, and an
officer only ever acts inside the agencies where they hold a role, unless a rule (a role that
covers subordinate agencies, or an :class:`~tinhso.core.accounts.models.AgencyAccessGrant`)
says otherwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tinhso.core.errors import PermissionDenied

AgencyOf = Callable[[Any], int | None]
CitizenCheck = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Rule:
    action: str
    description: str
    roles: frozenset[str] = frozenset()
    """Officer roles that may act, within the agency that owns the object."""
    citizen: CitizenCheck | None = None
    """When a signed-in citizen may act (e.g. on their own dossier)."""
    public: bool = False
    """Anyone, signed in or not."""
    authenticated: bool = False
    """Any signed-in person (citizen or officer), e.g. for their own profile."""
    scope: str | None = None
    """The OAuth scope a machine client (or a scoped personal token) needs."""
    agency_of: AgencyOf | None = None
    """Returns the id of the agency that owns the object; None means "not agency-bound"."""
    sensitive: bool = False
    """A denial is written to the audit log."""


_RULES: dict[str, Rule] = {}


def register(*rules: Rule) -> None:
    for rule in rules:
        existing = _RULES.get(rule.action)
        if existing is not None and existing != rule:
            raise ValueError(f"Permission {rule.action!r} is declared twice with different rules")
        _RULES[rule.action] = rule


@contextlib.contextmanager
def temporary_rules(*rules: Rule) -> Iterator[None]:
    """Declare rules for the duration of a test only."""
    saved = dict(_RULES)
    _RULES.update({rule.action: rule for rule in rules})
    try:
        yield
    finally:
        _RULES.clear()
        _RULES.update(saved)


def registered_rules() -> dict[str, Rule]:
    return dict(_RULES)


def get_rule(action: str) -> Rule:
    try:
        return _RULES[action]
    except KeyError:
        raise LookupError(
            f"Undeclared permission {action!r}: declare it in the app's permissions.py"
        ) from None


@dataclass
class Principal:
    """The acting party, whatever authenticated it, reduced to what permission checks need."""

    kind: str  # "anonymous", "citizen", "officer", "client"
    id: str | None = None
    label: str = ""
    user: Any = None
    client: Any = None
    scopes: frozenset[str] | None = None  # None: not limited by token scopes (session login)
    # agency id -> (roles held, whether each role covers subordinate agencies)
    role_map: dict[int, dict[str, bool]] = field(default_factory=dict)
    _expanded: dict[str, set[int]] = field(default_factory=dict, repr=False)

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    def agencies_with_any_role(self, roles: Iterable[str]) -> set[int]:
        """Agencies where this principal holds one of ``roles``, subordinates included where granted."""
        wanted = frozenset(roles)
        cache_key = ",".join(sorted(wanted))
        if cache_key in self._expanded:
            return self._expanded[cache_key]
        direct: set[int] = set()
        covering: set[int] = set()
        for agency_id, held in self.role_map.items():
            for role, covers in held.items():
                if role in wanted:
                    direct.add(agency_id)
                    if covers:
                        covering.add(agency_id)
        result = set(direct)
        if covering:
            from tinhso.core.agencies.selectors import descendant_ids

            result |= descendant_ids(covering)
        self._expanded[cache_key] = result
        return result


ANONYMOUS = Principal(kind="anonymous")
# The platform itself, acting from a command, a migration or a background task. Only code paths
# that an operator started on the server may pass it; no request can become SYSTEM.
SYSTEM = Principal(kind="system", id="system", label="system")


def as_principal(actor: Any) -> Principal:
    """Accept a User, an API client, a Principal or None and return a Principal."""
    if actor is None:
        return ANONYMOUS
    if isinstance(actor, Principal):
        return actor
    cached = getattr(actor, "_tinhso_principal", None)
    if cached is not None:
        return cached
    to_principal = getattr(actor, "to_principal", None)
    if to_principal is None:
        if getattr(actor, "is_authenticated", False) is False:
            return ANONYMOUS
        raise TypeError(f"Cannot act as {actor!r}")
    principal = to_principal()
    try:
        actor._tinhso_principal = principal
    except AttributeError:
        pass
    return principal


def _granted_agencies(principal: Principal, action: str, base: set[int]) -> set[int]:
    if not base:
        return base
    from tinhso.core.accounts.selectors import agencies_granted_to

    return base | agencies_granted_to(base, action)


def can(actor: Any, action: str, obj: Any = None) -> bool:
    rule = get_rule(action)
    principal = as_principal(actor)
    if rule.public or principal.kind == "system":
        return True
    if not principal.is_authenticated:
        return False
    if principal.scopes is not None and (rule.scope is None or rule.scope not in principal.scopes):
        return False
    if rule.authenticated and principal.kind in {"citizen", "officer"}:
        return True
    if principal.kind == "citizen":
        return bool(rule.citizen and rule.citizen(principal.user, obj))
    if principal.kind == "client":
        if rule.scope is None:
            return False
        owner = rule.agency_of(obj) if (rule.agency_of and obj is not None) else None
        client_agency = getattr(principal.client, "agency_id", None)
        if owner is None or client_agency is None:
            return True
        return owner in _granted_agencies(principal, action, {client_agency})
    if principal.kind == "officer":
        if not rule.roles:
            return False
        agencies = principal.agencies_with_any_role(rule.roles)
        if not agencies:
            return False
        owner = rule.agency_of(obj) if (rule.agency_of and obj is not None) else None
        if owner is None:
            return True
        return owner in _granted_agencies(principal, action, agencies)
    return False


def require(actor: Any, action: str, obj: Any = None) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may do ``action`` on ``obj``."""
    if can(actor, action, obj):
        return
    rule = get_rule(action)
    if rule.sensitive:
        from tinhso.core.audit.services import record_denied

        record_denied(actor=actor, action=action, obj=obj)
    raise PermissionDenied(details={"action": action})


def visible_agency_ids(actor: Any, action: str) -> set[int] | None:
    """Agencies whose objects ``actor`` may see for ``action``; None means not agency-limited.

    Selectors use it to filter querysets, so lists never leak what a single-object check
    would refuse.
    """
    rule = get_rule(action)
    principal = as_principal(actor)
    if rule.public or principal.kind == "system":
        return None
    if principal.kind == "officer" and rule.roles:
        return _granted_agencies(principal, action, principal.agencies_with_any_role(rule.roles))
    if (
        principal.kind == "client"
        and rule.scope
        and (principal.scopes is None or rule.scope in principal.scopes)
    ):
        client_agency = getattr(principal.client, "agency_id", None)
        return None if client_agency is None else _granted_agencies(principal, action, {client_agency})
    return set()
