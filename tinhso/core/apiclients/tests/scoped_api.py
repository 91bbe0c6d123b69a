"""A tiny API used only by these tests: one operation guarded by a scoped test rule.

It shares the real authentication classes and error shape, so a test can show that a token
lacking a scope is refused end to end without any app having to declare a scope for us.
"""

from django.urls import path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from tinhso.core.apiclients.auth import DEFAULT_API_AUTH
from tinhso.core.errors import DomainError, NotAuthenticated
from tinhso.core.permissions import as_principal, require
from tinhso.urls import urlpatterns as site_urlpatterns

test_api = NinjaAPI(urls_namespace="apiclients-test", auth=DEFAULT_API_AUTH, docs_url=None)


@test_api.exception_handler(DomainError)
def _domain_error(request, exc):
    return test_api.create_response(request, exc.as_dict(), status=exc.status)


@test_api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _domain_error(request, NotAuthenticated())


def _actor(request):
    auth = request.auth
    return auth if hasattr(auth, "kind") else request.user


@test_api.get("/things", summary="Test / Test")
def read_things(request):
    principal = as_principal(_actor(request))
    require(principal, "test.read_things")
    return {"kind": principal.kind, "id": principal.id, "scopes": sorted(principal.scopes or [])}


urlpatterns = [path("test-api/", test_api.urls), *site_urlpatterns]
