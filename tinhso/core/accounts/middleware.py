"""Session expiry after a period of inactivity, on top of the absolute SESSION_COOKIE_AGE."""

import time

from django.conf import settings
from django.contrib.auth import logout

LAST_SEEN_KEY = "tinhso_last_seen"


class IdleSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT_SECONDS:
                logout(request)
                request.session_expired = True
            else:
                # Write at most once a minute so every request does not rewrite the session row.
                if last_seen is None or now - int(last_seen) >= 60:
                    request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
