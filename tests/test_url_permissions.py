"""Walk every URL of the site and fail if one is reachable without a declared permission.

A view declares itself with ``public_view`` or ``permission_view(action)`` (tinhso.core.ops.access);
the API declares auth per operation (checked in test_api_contract). Only framework views that
guard themselves (the admin, Django's set_language, the ninja API) are allowed without.
"""

from django.urls import URLPattern, URLResolver, get_resolver

from tinhso.core.permissions import registered_rules

FRAMEWORK_GUARDED_PREFIXES = ("django.contrib.admin", "django.views.i18n", "ninja.", "tinhso.web.admin_site")


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
            if _view_module(callback).startswith(FRAMEWORK_GUARDED_PREFIXES):
                continue
            undeclared.append(f"{route} -> {_view_module(callback)}.{getattr(callback, '__name__', callback)}")
        elif declared != "public":
            assert declared in rules, f"{route} declares unknown permission {declared!r}"
    assert not undeclared, "Views without a declared permission:\n" + "\n".join(undeclared)
