"""OAuth2 for other systems: the token endpoint, API clients (administrators) and personal tokens."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from urllib.parse import unquote_plus
from uuid import UUID

from django.http import JsonResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tinhso.core.agencies.models import Agency
from tinhso.core.apiclients import selectors, services
from tinhso.core.apiclients.models import ApiClient, PersonalAccessToken
from tinhso.core.errors import NotFound, PermissionDenied
from tinhso.core.permissions import Principal, require

router = Router(tags=["oauth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
TOKEN_PARAMETERS = ("grant_type", "scope", "client_id", "client_secret")


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


def _language(request) -> str:
    return getattr(request, "LANGUAGE_CODE", None) or request.headers.get("Accept-Language", "vi")[:2]


# --- Schemas --------------------------------------------------------------------------


class TokenRead(Schema):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class OAuthErrorRead(Schema):
    error: str
    error_description: str
    code: str
    message: str
    message_vi: str
    message_en: str


class ScopeRead(Schema):
    scope: str
    actions: list[str]
    descriptions: list[str]


class ApiClientCreate(Schema):
    name: str
    scopes: list[str]
    agency_code: str | None = None


class ApiClientRead(Schema):
    client_id: str
    name: str
    agency_code: str | None
    scopes: list[str]
    is_active: bool
    secret_prefix: str
    created_at: datetime
    secret_rotated_at: datetime | None
    last_used_at: datetime | None

    @staticmethod
    def resolve_agency_code(obj: ApiClient) -> str | None:
        return obj.agency.code if obj.agency_id else None


class ApiClientSecretRead(ApiClientRead):
    client_secret: str


class PersonalTokenCreate(Schema):
    name: str
    scopes: list[str]
    expires_at: datetime | None = None


class PersonalTokenRead(Schema):
    id: UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool

    @staticmethod
    def resolve_id(obj: PersonalAccessToken) -> UUID:
        return obj.public_id


class PersonalTokenSecretRead(PersonalTokenRead):
    token: str


def _with_secret(obj, field: str, secret: str):
    """Attach the one-time secret for the response only (it is never a model field, never saved)."""
    setattr(obj, field, secret)
    return obj


# --- The token endpoint ---------------------------------------------------------------


def _oauth_error_response(request, error: services.OAuthError) -> JsonResponse:
    response = JsonResponse(
        error.as_dict(_language(request)), status=error.status, json_dumps_params={"ensure_ascii": False}
    )
    for header, value in NO_STORE.items():
        response[header] = value
    if error.status == 401:
        # RFC 6749 §5.2: a 401 names the authentication scheme the client should use.
        response["WWW-Authenticate"] = 'Basic realm="tinhso"'
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def _basic_credentials(request) -> tuple[str, str] | None:
    """Client id and secret from an HTTP Basic header, form-urlencoded first (RFC 6749 §2.3.1)."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise services.invalid_client()
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise services.invalid_client() from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise services.invalid_client()
    return unquote_plus(client_id), unquote_plus(secret)


def _single(request, name: str) -> str | None:
    values = request.POST.getlist(name)
    if len(values) > 1:
        raise services.invalid_request(f"Tham số {name} bị lặp lại.", f"The parameter {name} is repeated.")
    # RFC 6749 §3.1: a parameter sent without a value is treated as if it were omitted.
    return values[0] if values and values[0] != "" else None


@router.post(
    "/token",
    auth=None,
    response={200: TokenRead, 400: OAuthErrorRead, 401: OAuthErrorRead, 429: OAuthErrorRead},
    summary="Cấp mã truy cập (OAuth2 client credentials) / Issue an access token",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string", "description": "Space-delimited scopes"},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
def issue_token(request):
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4). Send an
    `application/x-www-form-urlencoded` body with `grant_type=client_credentials` and optionally
    `scope` (space-delimited; default: every scope the client is allowed). Authenticate the client
    with HTTP Basic (preferred) or `client_id` and `client_secret` in the body, not both.

    Errors follow RFC 6749 §5.2 (`error`: `invalid_request`, `invalid_client` (401),
    `invalid_scope`, `unsupported_grant_type`) and also carry our `code`/`message` fields.
    Repeated failed authentications of one client from one address are refused for a while (429)."""
    try:
        if request.content_type != "application/x-www-form-urlencoded":
            raise services.invalid_request(
                "Nội dung phải ở dạng application/x-www-form-urlencoded.",
                "The body must be application/x-www-form-urlencoded.",
            )
        params = {name: _single(request, name) for name in TOKEN_PARAMETERS}
        if params["grant_type"] is None:
            raise services.invalid_request(
                "Thiếu tham số grant_type.", "The grant_type parameter is missing."
            )
        if params["grant_type"] != "client_credentials":
            raise services.unsupported_grant_type()
        basic = _basic_credentials(request)
        if basic is not None:
            if params["client_secret"] is not None or (
                params["client_id"] is not None and params["client_id"] != basic[0]
            ):
                raise services.invalid_request(
                    "Chỉ dùng một cách xác thực ứng dụng (HTTP Basic hoặc tham số trong nội dung).",
                    "Use one client authentication method only (HTTP Basic or body parameters).",
                )
            client_id, client_secret = basic
        else:
            client_id, client_secret = params["client_id"], params["client_secret"]
            if client_id is None or client_secret is None:
                raise services.invalid_client()
        scopes = services.parse_scope_parameter(params["scope"]) if params["scope"] is not None else None
        token, plain = services.issue_client_token(
            client_id=client_id, client_secret=client_secret, scopes=scopes
        )
    except services.OAuthError as error:
        return _oauth_error_response(request, error)
    expires_in = max(0, round((token.expires_at - timezone.now()).total_seconds()))
    response = JsonResponse(
        {
            "access_token": plain,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": " ".join(token.scopes),
        }
    )
    for header, value in NO_STORE.items():
        response[header] = value
    return response


@router.get("/scopes", response=list[ScopeRead], summary="Các phạm vi truy cập / Known scopes")
def list_scopes(request):
    """Every scope a client or personal token may hold, with the permission rules that accept it.
    Scopes are whatever the apps' permission rules declare; there is no other list."""
    return [
        ScopeRead(scope=info.scope, actions=list(info.actions), descriptions=list(info.descriptions))
        for info in selectors.known_scopes().values()
    ]


# --- API clients (platform administrators) -------------------------------------------


def _client_or_404(actor, client_id: str) -> ApiClient:
    client = selectors.api_client_by_client_id(actor=actor, client_id=client_id)
    if client is None:
        raise NotFound("Không tìm thấy ứng dụng.", "API client not found.", code="apiclients.not_found")
    return client


@router.post(
    "/clients",
    response={201: ApiClientSecretRead},
    summary="Đăng ký ứng dụng kết nối / Register an API client",
)
def create_client(request, payload: ApiClientCreate):
    """Register another system (permission `apiclients.manage`, platform administrators). The
    response carries `client_secret` this one time only; it is stored as a hash and cannot be shown
    again. Unknown scopes are refused with `apiclients.unknown_scope`. With `agency_code`, the client
    acts only on that agency's objects."""
    actor = _actor(request)
    require(actor, "apiclients.manage")
    agency = None
    if payload.agency_code:
        agency = Agency.objects.filter(code=payload.agency_code).first()
        if agency is None:
            raise NotFound("Không tìm thấy cơ quan.", "Agency not found.", code="agency.not_found")
    client, secret = services.create_api_client(
        actor=actor, name=payload.name, scopes=payload.scopes, agency=agency
    )
    return Status(201, _with_secret(client, "client_secret", secret))


@router.get("/clients", response=list[ApiClientRead], summary="Danh sách ứng dụng kết nối / API clients")
@paginate(LimitOffsetPagination)
def list_clients(request):
    """Every API client, active or not, without secrets (permission `apiclients.manage`)."""
    return selectors.api_clients(actor=_actor(request))


@router.post(
    "/clients/{client_id}/rotate-secret",
    response=ApiClientSecretRead,
    summary="Đổi khóa bí mật / Rotate a client secret",
)
def rotate_secret(request, client_id: str):
    """Issue a new secret (shown once); the old one stops working and the client's live access
    tokens are revoked (permission `apiclients.manage`)."""
    actor = _actor(request)
    client, secret = services.rotate_client_secret(actor=actor, client=_client_or_404(actor, client_id))
    return _with_secret(client, "client_secret", secret)


@router.post(
    "/clients/{client_id}/deactivate",
    response=ApiClientRead,
    summary="Vô hiệu hóa ứng dụng / Deactivate a client",
)
def deactivate_client(request, client_id: str):
    """Stop a client: no new tokens, and the ones it holds stop working (permission `apiclients.manage`)."""
    actor = _actor(request)
    client = services.deactivate_api_client(actor=actor, client=_client_or_404(actor, client_id))
    return client


# --- Personal access tokens (the signed-in person's own) --------------------------------


def _session_user(request):
    """Personal tokens are managed from a signed-in session only: a token cannot make tokens."""
    if isinstance(getattr(request, "auth", None), Principal):
        raise PermissionDenied(
            "Chỉ quản lý mã truy cập cá nhân khi đăng nhập bằng phiên trình duyệt.",
            "Personal tokens can only be managed from a signed-in session, not with a token.",
            code="apiclients.session_required",
        )
    user = request.user
    require(user, "apiclients.manage_own_tokens")
    return user


@router.post(
    "/personal-tokens",
    response={201: PersonalTokenSecretRead},
    summary="Tạo mã truy cập cá nhân / Create a personal access token",
)
def create_personal_token(request, payload: PersonalTokenCreate):
    """Create a token (`tsp_...`) that acts as you, narrowed to `scopes`. The `token` is shown this
    one time only. Needs a signed-in session (with its CSRF token)."""
    user = _session_user(request)
    token, plain = services.create_personal_token(
        actor=user, user=user, name=payload.name, scopes=payload.scopes, expires_at=payload.expires_at
    )
    return Status(201, _with_secret(token, "token", plain))


@router.get(
    "/personal-tokens",
    response=list[PersonalTokenRead],
    summary="Mã truy cập cá nhân của tôi / My personal access tokens",
)
@paginate(LimitOffsetPagination)
def list_personal_tokens(request):
    """Your personal tokens, newest first, revoked ones included; never the tokens themselves."""
    user = _session_user(request)
    return selectors.personal_tokens_of(actor=user, user=user)


@router.delete(
    "/personal-tokens/{token_id}",
    response={204: None},
    summary="Thu hồi mã truy cập cá nhân / Revoke a personal access token",
)
def revoke_personal_token(request, token_id: UUID):
    """Revoke one of your personal tokens; it stops working at once. Revoking twice is harmless."""
    user = _session_user(request)
    token = PersonalAccessToken.objects.filter(public_id=token_id, user=user).first()
    if token is None:
        raise NotFound(
            "Không tìm thấy mã truy cập.", "Personal token not found.", code="apiclients.token_not_found"
        )
    services.revoke_personal_token(actor=user, token=token)
    return Status(204, None)
