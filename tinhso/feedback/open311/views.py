"""The Open311 GeoReport v2 endpoint (``/open311/v2/``): services, service requests, tokens.

Every view is public as far as the site's access layer goes (``public_view``): GeoReport v2 says
which calls need an ``api_key`` (POST requests) and the views check it themselves, count each
caller against its rate limit, and answer errors in the spec's format. POST is exempt from CSRF
on purpose: the callers are other systems, not browsers holding a session; they authenticate
with the ``api_key`` they send, and a session cookie grants nothing here.

Reports are read only through the core's public selectors and shown only through
``representations.public_view``: no personal data, moderated content hidden.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt

from tinhso.core.errors import DomainError, PermissionDenied
from tinhso.core.ops.access import public_view
from tinhso.core.ops.middleware import client_ip
from tinhso.feedback import representations, selectors
from tinhso.feedback.errors import CategoryNotFound
from tinhso.feedback.models import Category
from tinhso.feedback.open311 import formats, parsing, serializers, services, throttling
from tinhso.feedback.open311.errors import (
    ApiKeyRequired,
    InvalidParameter,
    JurisdictionNotFound,
    MalformedInput,
)
from tinhso.feedback.open311.models import Open311ApiKey

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_JURISDICTION_ID = "cantho.gov.vn"
# The spec's default for GET requests: the last 90 days, at most 1000 requests.
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_IDS = 1000
MAX_ACCOUNT_ID = 200
VIETNAM = serializers.VIETNAM
# Statuses of the spec's error answers: not found, bad key, too many requests; the rest is 400.
_KEPT_STATUSES = frozenset({403, 404, 429})


# --- Language, jurisdiction, errors ---------------------------------------------------------


def language(request: HttpRequest) -> str:
    """``en`` when the client's Accept-Language prefers English to Vietnamese, else ``vi``.
    Only the header counts: these callers are programs, not visitors with a language cookie."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base in ("vi", "en"):
            return base
    return "vi"


def jurisdiction_id() -> str:
    return str(getattr(settings, "OPEN311_JURISDICTION_ID", DEFAULT_JURISDICTION_ID))


def _check_jurisdiction(value: str | None) -> None:
    # One jurisdiction only: the parameter may be left out, but a wrong one is a client's mistake
    # worth telling (it is probably talking to the wrong city).
    if value and value.strip().lower() != jurisdiction_id().lower():
        raise JurisdictionNotFound()


def _http_status(error: DomainError) -> int:
    if error.code == "feedback.unknown_category":
        return 404  # POST with a service_code that does not exist: the spec says 404
    if error.code == "feedback.idempotency_key_reused":
        return 409  # only with our Idempotency-Key extension
    return error.status if error.status in _KEPT_STATUSES else 400


def _description(error: DomainError, lang: str) -> str:
    if error.code == "feedback.sign_in_required":
        # The core's wording asks the person to sign in, which an Open311 client cannot do.
        if lang == "en":
            return (
                "This service only takes reports from people signed in to the citizen portal; "
                "it cannot be reported through Open311."
            )
        return (
            "Lĩnh vực này chỉ nhận phản ánh của người đã đăng nhập Cổng dịch vụ công; "
            "không gửi được qua Open311."
        )
    return error.message_en if lang == "en" else error.message_vi


def _internal_error_text(lang: str) -> str:
    if lang == "en":
        return "Internal error; the request was not processed. Please retry later."
    return "Lỗi hệ thống; yêu cầu chưa được xử lý. Vui lòng thử lại sau."


def _answer(request: HttpRequest, fmt: str, work: Callable[[str], HttpResponse]) -> HttpResponse:
    lang = language(request)
    with translation.override(lang):
        try:
            return work(lang)
        except DomainError as error:
            return formats.error_response(
                fmt,
                _http_status(error),
                _description(error, lang),
                code=error.code,
                retry_after=getattr(error, "retry_after", None),
            )
        except Exception:
            # The spec asks for its error format whatever happens; the details go to the log only.
            logger.exception("open311.unexpected_error", extra={"path": request.path})
            return formats.error_response(fmt, 500, _internal_error_text(lang), code="open311.internal_error")


def _dispatch(request: HttpRequest, fmt: str, handlers: dict[str, Callable[[str], HttpResponse]]):
    method = "GET" if request.method == "HEAD" else request.method
    handler = handlers.get(method)
    if handler is None:
        lang = language(request)
        response = formats.error_response(
            fmt,
            405,
            "Phương thức không được hỗ trợ." if lang == "vi" else "Method not allowed.",
            code="open311.method_not_allowed",
        )
        response["Allow"] = ", ".join(sorted({*handlers, "HEAD"} if "GET" in handlers else {*handlers}))
        return response
    return _answer(request, fmt, handler)


# --- Callers: keys and rate limits ------------------------------------------------------------


def _caller(request: HttpRequest, api_key: str, *, required: bool) -> Open311ApiKey | None:
    """The key the caller sent (403 if wrong or missing where required), counted against its
    rate limit; callers without a valid key are counted against their address."""
    address = client_ip(request)
    if not api_key:
        throttling.hit_address(address)
        if required:
            raise ApiKeyRequired()
        return None
    try:
        key = services.use_api_key(api_key)
    except PermissionDenied:
        throttling.hit_address(address)  # guessing keys costs the guesser's address its quota
        raise
    throttling.hit_key(key.pk, key.rate_limit_per_minute)
    request.auth = services.principal_for(key)  # the request log then says "client"
    return key


# --- Parameters ------------------------------------------------------------------------------


def _split(value: str | None) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in (value or "").split(",") if part.strip()))


def _parse_moment(name: str, value: str, *, end: bool) -> datetime:
    """A W3C date-time (``2026-03-01T00:00:00Z``, ``…+07:00``) or a date (the whole day, Vietnam
    time); a time without an offset is Vietnam time."""
    text = value.strip()
    # An unencoded "+07:00" in a query string arrives as " 07:00".
    text = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", text)
    moment = None
    try:
        moment = parse_datetime(text) if "T" in text or " " in text else None
        if moment is None and len(text) == 10:
            day = parse_date(text)
            if day is not None:
                moment = datetime.combine(day, time.max if end else time.min, tzinfo=VIETNAM)
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidParameter(
            f"{name} phải là ngày giờ theo định dạng W3C, ví dụ 2026-03-01T00:00:00+07:00.",
            f"{name} must be a W3C date-time, e.g. 2026-03-01T00:00:00Z.",
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=VIETNAM)
    return moment


def _date_range(params: dict[str, str], now: datetime) -> tuple[datetime, datetime]:
    start = _parse_moment("start_date", params["start_date"], end=False) if "start_date" in params else None
    end = _parse_moment("end_date", params["end_date"], end=True) if "end_date" in params else None
    if start is None and end is None:
        end = now
    if start is None:
        start = end - DEFAULT_SPAN
    if end is None:
        end = start + DEFAULT_SPAN
    if end < start:
        raise InvalidParameter("end_date phải sau start_date.", "end_date must not be before start_date.")
    # An end_date given as a date alone includes that whole last day.
    whole_day = len(params.get("end_date", "")) == 10
    if end - start > DEFAULT_SPAN + (timedelta(days=1) if whole_day else timedelta(0)):
        raise InvalidParameter(
            "Khoảng thời gian tìm kiếm không được quá 90 ngày.",
            "The range from start_date to end_date may not span more than 90 days.",
        )
    return start, end


def _positive(params: dict[str, str], name: str, default: int, maximum: int) -> int:
    if name not in params:
        return default
    value = params[name]
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise InvalidParameter(
            f"{name} phải là số nguyên từ 1 đến {maximum}.",
            f"{name} must be a whole number from 1 to {maximum}.",
        )
    return int(value)


def _service_codes(params: dict[str, str]) -> list[str]:
    codes = _split(params.get("service_code"))
    for code in codes:
        try:
            selectors.get_category(code, include_inactive=True)
        except CategoryNotFound:
            raise InvalidParameter(
                f"Không có service_code “{code}”.", f"Unknown service_code “{code}”."
            ) from None
    return codes


def _statuses(params: dict[str, str]) -> tuple[str, ...]:
    wanted = _split(params.get("status"))
    unknown = [value for value in wanted if value not in (serializers.OPEN, serializers.CLOSED)]
    if unknown:
        raise InvalidParameter(
            "status chỉ nhận open, closed.", "status must be open, closed or both (comma-separated)."
        )
    if len(wanted) != 1:
        return ()  # none or both: every status
    return serializers.statuses_for(wanted[0])


def _absolute(request: HttpRequest) -> Callable[[str], str]:
    return request.build_absolute_uri


def _contact_name(first: str, last: str) -> str:
    # Vietnamese names put the family name first: "Nguyễn Văn" + "An" is "Nguyễn Văn An".
    return " ".join(part for part in (last.strip(), first.strip()) if part)


# --- Endpoints -------------------------------------------------------------------------------


def _discovery(request: HttpRequest, fmt: str, lang: str) -> HttpResponse:
    _caller(request, parsing.query(request).get("api_key", ""), required=False)
    latest = Category.objects.aggregate(latest=Max("updated_at"))["latest"]
    changeset = (latest or timezone.now()).astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M")
    base = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    body = {
        "changeset": changeset,
        "contact": str(
            getattr(
                settings,
                "OPEN311_CONTACT",
                "Trung tâm Giám sát, điều hành đô thị thông minh thành phố Cần Thơ"
                if lang == "vi"
                else "The smart city operations centre of Thành phố Cần Thơ",
            )
        ),
        "key_service": str(
            getattr(
                settings,
                "OPEN311_KEY_SERVICE",
                "Khóa api_key do quản trị nền tảng cấp theo đề nghị của đơn vị phát triển ứng dụng."
                if lang == "vi"
                else "An api_key is issued by the platform operators on request.",
            )
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": str(getattr(settings, "OPEN311_ENDPOINT_TYPE", "production")),
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return formats.render(fmt, "discovery", body)


def _services(request: HttpRequest, fmt: str, lang: str) -> HttpResponse:
    params = parsing.query(request)
    _caller(request, params.get("api_key", ""), required=False)
    _check_jurisdiction(params.get("jurisdiction_id"))
    rows = [serializers.service(category) for category in selectors.active_categories()]
    return formats.render(fmt, "services", rows)


def _service_definition(request: HttpRequest, fmt: str, lang: str, service_code: str) -> HttpResponse:
    params = parsing.query(request)
    _caller(request, params.get("api_key", ""), required=False)
    _check_jurisdiction(params.get("jurisdiction_id"))
    category = selectors.get_category(service_code)
    return formats.render(fmt, "service_definition", serializers.service_definition(category))


def _list_requests(request: HttpRequest, fmt: str, lang: str) -> HttpResponse:
    params = parsing.query(request)
    _caller(request, params.get("api_key", ""), required=False)
    _check_jurisdiction(params.get("jurisdiction_id"))
    page_size = _positive(params, "page_size", MAX_REQUESTS, MAX_REQUESTS)
    page = _positive(params, "page", 1, 1_000_000)
    ids = _split(params.get("service_request_id"))
    if ids:
        # The spec: service_request_id overrides every other argument.
        if len(ids) > MAX_IDS:
            raise InvalidParameter(
                f"Tối đa {MAX_IDS} service_request_id mỗi lần.",
                f"At most {MAX_IDS} service_request_id at once.",
            )
        rows = selectors.public_reports(selectors.ReportFilters(public_ids=tuple(ids)))
    else:
        codes = _service_codes(params)
        start, end = _date_range(params, timezone.now())
        rows = selectors.public_reports(
            selectors.ReportFilters(statuses=_statuses(params), created_from=start, created_to=end)
        )
        if codes:
            rows = rows.filter(category__code__in=codes)
    offset = (page - 1) * page_size
    absolute = _absolute(request)
    items = [
        serializers.service_request(representations.public_view(report), absolute=absolute, language=lang)
        for report in rows[offset : offset + page_size]
    ]
    return formats.render(fmt, "service_requests", items)


def _create_request(request: HttpRequest, fmt: str, lang: str) -> HttpResponse:
    try:
        data = parsing.read_post(request)
    except MalformedInput:
        throttling.hit_address(client_ip(request))
        raise
    key = _caller(request, data.get("api_key"), required=True)
    _check_jurisdiction(data.get("jurisdiction_id"))
    if not data.get("service_code"):
        raise InvalidParameter("Thiếu service_code.", "service_code was not provided.")
    account_id = data.get("account_id")
    if len(account_id) > MAX_ACCOUNT_ID:
        raise InvalidParameter(
            f"account_id tối đa {MAX_ACCOUNT_ID} ký tự.",
            f"account_id is at most {MAX_ACCOUNT_ID} characters.",
        )
    submitted = services.submit_service_request(
        api_key=key,
        service_code=data.get("service_code"),
        description=data.get("description"),
        latitude=data.get("lat") or None,
        longitude=data.get("long") or None,
        address=data.get("address_string"),
        unit=data.get("address_id") or None,
        attributes=data.attributes,
        contact_name=_contact_name(data.get("first_name"), data.get("last_name")),
        contact_email=data.get("email"),
        contact_phone=data.get("phone"),
        media_url=data.get("media_url"),
        photos=data.media,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    report = selectors.get_public_report(submitted.report.public_id)
    view = representations.public_view(report)
    response = formats.render(
        fmt,
        "service_requests",
        [serializers.created(view, account_id=account_id, language=lang)],
        status=200 if submitted.replayed else 201,
    )
    response["Location"] = reverse(
        "open311:request", kwargs={"service_request_id": view.public_id, "fmt": fmt}
    )
    if submitted.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _get_request(request: HttpRequest, fmt: str, lang: str, service_request_id: str) -> HttpResponse:
    params = parsing.query(request)
    _caller(request, params.get("api_key", ""), required=False)
    _check_jurisdiction(params.get("jurisdiction_id"))
    report = selectors.get_public_report(service_request_id)
    view = representations.public_view(report)
    item = serializers.service_request(view, absolute=_absolute(request), language=lang)
    return formats.render(fmt, "service_requests", [item])


def _get_token(request: HttpRequest, fmt: str, lang: str, token: str) -> HttpResponse:
    params = parsing.query(request)
    _caller(request, params.get("api_key", ""), required=False)
    _check_jurisdiction(params.get("jurisdiction_id"))
    report = selectors.report_for_token(token)
    return formats.render(fmt, "service_requests", [serializers.token(report.public_id, str(report.token))])


# --- URL entry points ------------------------------------------------------------------------


@public_view
def root(request: HttpRequest) -> HttpResponse:
    """The endpoint's root answers with the discovery document (the spec suggests it)."""
    return _dispatch(request, "xml", {"GET": lambda lang: _discovery(request, "xml", lang)})


@public_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return _dispatch(request, fmt, {"GET": lambda lang: _discovery(request, fmt, lang)})


@public_view
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return _dispatch(request, fmt, {"GET": lambda lang: _services(request, fmt, lang)})


@public_view
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    return _dispatch(
        request, fmt, {"GET": lambda lang: _service_definition(request, fmt, lang, service_code)}
    )


@public_view
@csrf_exempt  # machine clients authenticated by their api_key, see the module docstring
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    return _dispatch(
        request,
        fmt,
        {
            "GET": lambda lang: _list_requests(request, fmt, lang),
            "POST": lambda lang: _create_request(request, fmt, lang),
        },
    )


@public_view
def service_request(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    return _dispatch(request, fmt, {"GET": lambda lang: _get_request(request, fmt, lang, service_request_id)})


@public_view
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    return _dispatch(request, fmt, {"GET": lambda lang: _get_token(request, fmt, lang, token)})


@public_view
@csrf_exempt  # answers only errors; exempt so that a POST to a wrong URL gets a 404, not a CSRF page
def unknown(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "json" if path.endswith(".json") else "xml"
    lang = language(request)
    return formats.error_response(
        fmt,
        404,
        "Không có tài nguyên này. Xem discovery.xml để biết các địa chỉ của API."
        if lang == "vi"
        else "No such resource. See discovery.xml for this API's addresses.",
        code="open311.not_found",
    )
