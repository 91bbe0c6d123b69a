"""The JSON API at /api/v1/: one django-ninja instance, one router per app.

Every operation is authenticated by default (bearer token or signed-in session); an operation
that is public says ``auth=None`` and is listed in the permission walk test. Errors always have
the shape ``{"code", "message", "message_vi", "message_en"}``.
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from tinhso.core.apiclients.auth import DEFAULT_API_AUTH
from tinhso.core.errors import DomainError, NotAuthenticated, NotFound, ValidationFailed

api = NinjaAPI(
    title="Tỉnh số API",
    version="1",
    description=(
        "API của nền tảng Tỉnh số. Xác thực bằng OAuth2 client credentials (`POST /api/v1/oauth/token`) "
        "hoặc mã truy cập cá nhân (`Authorization: Bearer tsp_...`). Lỗi luôn có dạng "
        '`{"code", "message", "message_vi", "message_en"}`.\n\n'
        "The tinhso platform API. Authenticate with OAuth2 client credentials or a personal access token."
    ),
    urls_namespace="api-v1",
    auth=DEFAULT_API_AUTH,
    docs_url="/docs",
)


def _language(request) -> str:
    return getattr(request, "LANGUAGE_CODE", None) or request.headers.get("Accept-Language", "vi")[:2]


def error_response(request, error: DomainError):
    response = api.create_response(request, error.as_dict(_language(request)), status=error.status)
    if error.status == 401:
        # RFC 6750 section 3: a 401 names the scheme (and, for a bad token, the reason).
        response["WWW-Authenticate"] = getattr(error, "www_authenticate", 'Bearer realm="tinhso"')
    return response


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return error_response(request, exc)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    return error_response(request, ValidationFailed(details=exc.errors))


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc):
    return error_response(request, NotAuthenticated())


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, NotFound())


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error_response(
        request, DomainError(str(exc), str(exc), code=f"http_{exc.status_code}").with_status(exc.status_code)
    )


from tinhso.core.accounts.api import router as accounts_router  # noqa: E402
from tinhso.core.agencies.api import router as agencies_router  # noqa: E402
from tinhso.core.apiclients.api import router as apiclients_router  # noqa: E402
from tinhso.core.audit.api import router as audit_router  # noqa: E402
from tinhso.core.events.api import router as events_router  # noqa: E402
from tinhso.core.files.api import router as files_router  # noqa: E402
from tinhso.core.ops.api import router as ops_router  # noqa: E402
from tinhso.core.units.api import router as units_router  # noqa: E402
from tinhso.core.workcalendar.api import router as calendar_router  # noqa: E402
from tinhso.dossiers.api import router as dossiers_router  # noqa: E402
from tinhso.dossiers.stats.api import router as dossier_stats_router  # noqa: E402
from tinhso.feedback.api import router as feedback_router  # noqa: E402
from tinhso.ioc.api import router as ioc_router  # noqa: E402
from tinhso.payments.api import router as payments_router  # noqa: E402
from tinhso.procedures.api import router as procedures_router  # noqa: E402

api.add_router("/oauth/", apiclients_router)
api.add_router("/accounts/", accounts_router)
api.add_router("/units/", units_router)
api.add_router("/agencies/", agencies_router)
api.add_router("/calendar/", calendar_router)
api.add_router("/audit/", audit_router)
api.add_router("/events/", events_router)
api.add_router("/files/", files_router)
api.add_router("/ops/", ops_router)
api.add_router("/procedures/", procedures_router)
api.add_router("/dossiers/stats/", dossier_stats_router)
api.add_router("/dossiers/", dossiers_router)
api.add_router("/payments/", payments_router)
api.add_router("/feedback/", feedback_router)
api.add_router("/ioc/", ioc_router)
