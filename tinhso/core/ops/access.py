"""Every HTML view declares who may open it: ``public_view`` or ``permission_view(action)``.

The URL walk test (tests/test_url_permissions.py) reads the ``tinhso_permission`` attribute these
decorators set and fails for any view that has none.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from tinhso.core.permissions import can, get_rule

View = Callable[..., HttpResponse]


def public_view(view: View) -> View:
    view.tinhso_permission = "public"
    return view


def permission_view(action: str) -> Callable[[View], View]:
    """Open the view only to whoever may do ``action``: anonymous visitors are sent to sign in,
    signed-in people without the right get a 403 page."""
    get_rule(action)  # fail at import time for an undeclared action

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if can(request.user, action):
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                if getattr(request, "session_expired", False):
                    from django.urls import reverse

                    return redirect_to_login(request.get_full_path(), reverse("web:login") + "?expired=1")
                return redirect_to_login(request.get_full_path())
            from tinhso.web.views import render_forbidden

            return render_forbidden(request)

        wrapper.tinhso_permission = action
        return wrapper

    return decorator
