"""Walk every URL of the site and fail if one is reachable without a declared permission.

A view declares itself with ``public_view`` or ``permission_view(action)`` (tinhso.core.ops.access);
the API declares auth per operation (checked in test_api_contract). Only framework views that
guard themselves (the admin, Django's set_language, the ninja API) are allowed without.
"""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from tinhso.core.permissions import registered_rules

# Routes guarded as a whole by their framework: the admin site (TinhsoAdminSite.has_permission,
# checked below), the ninja API (each operation's auth is checked in test_api_contract) and
# Django's language switch (it changes only the visitor's own language cookie).
FRAMEWORK_GUARDED_ROUTES = (settings.ADMIN_URL, "api/v1/", "i18n/")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _view_module(callback) -> str:
    target = getattr(callback, "view_class", None) or getattr(callback, "__wrapped__", None) or callback
    owner = getattr(callback, "__self__", None)
    if owner is not None:
        return type(owner).__module__
    return getattr(target, "__module__", "") or ""


def test_every_view_declares_a_permission():
    rules = registered_rules()
    undeclared = []
    for route, callback in _walk(get_resolver().url_patterns):
        declared = getattr(callback, "tinhso_permission", None)
        if declared is None:
            if route.startswith(FRAMEWORK_GUARDED_ROUTES):
                continue
            undeclared.append(
                f"{route} -> {_view_module(callback)}.{getattr(callback, '__name__', callback)}"
            )
        elif declared != "public":
            assert declared in rules, f"{route} declares unknown permission {declared!r}"
    assert not undeclared, "Views without a declared permission:\n" + "\n".join(undeclared)


@pytest.mark.django_db
def test_admin_pages_are_closed_to_everyone_but_platform_admins(client, make_officer, agency):
    admin_routes = [
        route
        for route, _ in _walk(get_resolver().url_patterns)
        if route.startswith(settings.ADMIN_URL)
        and "<" not in route
        and not route.endswith(("login/", "logout/"))
    ]
    assert len(admin_routes) > 5
    officer = make_officer(roles=[(agency, "leader")])
    for who in (None, officer):
        if who is not None:
            client.force_login(who)
        for route in admin_routes:
            response = client.get("/" + route)
            assert response.status_code in (302, 403), f"/{route} is open to {who}"
