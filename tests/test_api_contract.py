"""The API's contract: every operation is authenticated unless it is knowingly public, the OpenAPI
document is well formed, and errors always have the same shape.

A public operation is one declared with ``auth=None``. This test reads that from ninja's operation
objects and compares it with PUBLIC_OPERATIONS below, so opening an operation to anonymous callers
is always a reviewed change to this file (and closing one again removes its line).
"""

import re
import uuid

import pytest

from tinhso.api import api
from tinhso.core.apiclients.auth import BearerAuth, SessionAuth

# "module.function" of every operation that anyone may call without authenticating.
PUBLIC_OPERATIONS = {
    "tinhso.core.apiclients.api.issue_token": "the OAuth2 token endpoint authenticates the client itself",
    "tinhso.core.accounts.api.register_citizen": "citizens sign up before they have an account",
    "tinhso.core.units.api.list_units": "administrative units are public reference data",
    "tinhso.core.units.api.get_unit": "administrative units are public reference data",
    "tinhso.core.units.api.covering_unit": "administrative units are public reference data",
    "tinhso.core.agencies.api.list_agencies": "the agency directory is public",
    "tinhso.core.agencies.api.get_agency": "the agency directory is public",
    "tinhso.core.workcalendar.api.add": "working-day arithmetic is public",
    "tinhso.core.workcalendar.api.between": "working-day arithmetic is public",
    "tinhso.core.workcalendar.api.days": "the holiday calendar is public",
    "tinhso.procedures.api.list_procedures": "the procedure catalog is public (Decree 63/2010/NĐ-CP)",
    "tinhso.procedures.api.list_fields": "the procedure catalog is public (Decree 63/2010/NĐ-CP)",
    "tinhso.procedures.api.get_procedure": "the procedure catalog is public (Decree 63/2010/NĐ-CP)",
    "tinhso.procedures.api.quote_fee": "fees of procedures are public; the quote reads nothing private",
    "tinhso.payments.api.callback": "signed by the provider",
    "tinhso.dossiers.api.track": "public dossier tracking by code and a second factor; rate-limited, no personal data",
    "tinhso.feedback.api.list_categories": "report categories are public (Open311 services list)",
    "tinhso.feedback.api.get_category": "report categories are public (Open311 service definition)",
    "tinhso.feedback.api.submit_report": "anonymous field reports where the category allows them; a token or session is used when sent",
    "tinhso.feedback.api.list_reports": "the public view of field reports, without personal data",
    "tinhso.feedback.api.get_report": "the public view of a field report, without personal data",
    "tinhso.feedback.api.get_photo": "public copies of report photos, metadata removed, hidden ones refused",
    "tinhso.feedback.api.statistics": "aggregate counts of field reports, no personal data",
    "tinhso.ioc.api.public_overview": "open data: public KPIs as province totals with their formulas, no breakdown, no personal data",
}

ERROR_CODE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _operations():
    """(name, methods, operation) for every operation of the API, from ninja's own objects."""
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                func = operation.view_func
                yield f"{func.__module__}.{func.__qualname__}", operation


@pytest.fixture(scope="module")
def schema():
    return api.get_openapi_schema()


def test_every_operation_is_authenticated_or_knowingly_public():
    public, open_by_mistake, bad_auth = set(), [], []
    for name, operation in _operations():
        if not operation.auth_callbacks:
            public.add(name)
            if name not in PUBLIC_OPERATIONS:
                open_by_mistake.append(name)
            continue
        for auth in operation.auth_callbacks:
            if not isinstance(auth, BearerAuth | SessionAuth):
                bad_auth.append(f"{name}: {type(auth).__module__}.{type(auth).__name__}")
    assert not open_by_mistake, (
        "Operations without authentication that are not in PUBLIC_OPERATIONS (add them there with a "
        "reason if they are meant to be public, else remove auth=None):\n" + "\n".join(open_by_mistake)
    )
    assert not bad_auth, (
        "Operations must authenticate with tinhso.core.apiclients.auth classes (bearer tokens or the "
        "CSRF-checked session):\n" + "\n".join(bad_auth)
    )
    stale = set(PUBLIC_OPERATIONS) - public
    assert not stale, f"PUBLIC_OPERATIONS lists operations that are not public (any more): {sorted(stale)}"


def test_schema_security_matches_the_operations(schema):
    public_ids = {
        api.get_openapi_operation_id(operation)
        for _, operation in _operations()
        if not operation.auth_callbacks
    }
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            if op["operationId"] in public_ids:
                assert not op.get("security"), f"{method.upper()} {path} is public but shows security"
            else:
                names = {name for requirement in op.get("security", []) for name in requirement}
                assert "BearerAuth" in names, f"{method.upper()} {path} does not document bearer auth"


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_schema_is_structurally_valid_openapi_3(schema):
    assert re.match(r"^3\.\d+\.\d+$", schema["openapi"])
    assert schema["info"]["title"] and schema["info"]["version"] == "1"
    assert schema["paths"], "no paths"
    components = schema["components"]
    assert components["schemas"]
    assert components["securitySchemes"]["BearerAuth"] == {"type": "http", "scheme": "bearer"}

    operation_ids = []
    for path, item in schema["paths"].items():
        assert path.startswith("/api/v1/"), path
        templated = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            assert method in HTTP_METHODS, f"{path}: unknown method {method}"
            where = f"{method.upper()} {path}"
            assert op.get("summary", "").strip(), f"{where} has no summary"
            assert " / " in op["summary"], f"{where}: summary should be 'Vietnamese / English'"
            assert op.get("operationId"), f"{where} has no operationId"
            operation_ids.append(op["operationId"])
            assert op.get("responses"), f"{where} declares no response"
            for status in op["responses"]:
                assert re.match(r"^([1-5]\d\d|default)$", str(status)), f"{where}: bad status {status}"
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == templated, f"{where}: path parameters {declared} != {templated}"
            for parameter in op.get("parameters", []):
                assert parameter["in"] in {"query", "header", "path", "cookie"}
                if parameter["in"] == "path":
                    assert parameter.get("required") is True, f"{where}: path parameter not required"
    duplicates = {i for i in operation_ids if operation_ids.count(i) > 1}
    assert not duplicates, f"operationIds must be unique: {duplicates}"

    for ref in set(_refs(schema)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in components["schemas"], f"dangling $ref {ref}"


@pytest.mark.django_db
def test_the_document_and_its_viewer_are_served(client):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert document.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def _assert_error_shape(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    for key in ("code", "message", "message_vi", "message_en"):
        assert isinstance(body.get(key), str) and body[key], f"{key} missing in {body}"
    assert ERROR_CODE.match(body["code"]), body["code"]
    assert body["code"] == code
    return body


@pytest.mark.django_db
def test_errors_have_the_stable_shape(client, make_citizen, platform_admin):
    _assert_error_shape(client.get("/api/v1/accounts/me"), 401, "auth.required")
    _assert_error_shape(
        client.get("/api/v1/oauth/clients", HTTP_AUTHORIZATION="Bearer tsa_not-a-token"),
        401,
        "auth.invalid_token",
    )
    _assert_error_shape(
        client.post("/api/v1/accounts/citizens", {"full_name": 3}, content_type="application/json"),
        422,
        "validation_failed",
    )
    client.force_login(make_citizen())
    _assert_error_shape(
        client.post("/api/v1/oauth/clients", {"name": "x", "scopes": []}, content_type="application/json"),
        403,
        "permission.denied",
    )
    client.force_login(platform_admin)
    _assert_error_shape(
        client.post(f"/api/v1/oauth/clients/tsc_{uuid.uuid4().hex[:20]}/deactivate"),
        404,
        "apiclients.not_found",
    )
    token_error = _assert_error_shape(
        client.post(
            "/api/v1/oauth/token", "grant_type=password", content_type="application/x-www-form-urlencoded"
        ),
        400,
        "oauth.unsupported_grant_type",
    )
    assert token_error["error"] == "unsupported_grant_type"


@pytest.mark.django_db
def test_error_message_follows_the_language(client):
    vi = client.get("/api/v1/accounts/me", HTTP_ACCEPT_LANGUAGE="vi").json()
    en = client.get("/api/v1/accounts/me", HTTP_ACCEPT_LANGUAGE="en").json()
    assert vi["message"] == vi["message_vi"] != vi["message_en"]
    assert en["message"] == en["message_en"]
    assert en["code"] == vi["code"]
