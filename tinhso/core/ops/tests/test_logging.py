"""The request log line (JSON shape, request id, no path or query string) and the mask that
keeps citizen ID numbers and phone numbers out of every log record."""

import json
import logging

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tinhso.core import context
from tinhso.core.ops.logging import MASK, PersonalDataMaskFilter, mask_personal_numbers

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "user_kind",
    "channel",
}


def request_lines(json_log) -> list[dict]:
    return [line for line in json_log.lines if line["logger"] == "tinhso.request"]


def test_one_json_line_per_request_with_the_request_id(client, json_log):
    response = client.get("/healthz/live")
    (line,) = request_lines(json_log)
    assert set(line) == REQUEST_FIELDS
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["method"], line["route"], line["status"], line["channel"]) == (
        "GET",
        "/healthz/live",
        200,
        "web",
    )
    assert line["user_kind"] == "anonymous"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")
    # Probes are frequent: they are logged below INFO.
    assert line["level"] == "DEBUG"


def test_the_line_never_holds_the_path_or_the_query_string(client, json_log):
    client.get("/tra-cuu/001099012345/?cccd=001099012345&sdt=0912345678&q=Nguyen")
    (line,) = request_lines(json_log)
    assert line["route"] == "<unmatched>" and line["status"] == 404 and line["level"] == "INFO"
    for secret in ("001099012345", "0912345678", "Nguyen", "tra-cuu", "cccd"):
        assert secret not in json.dumps(line, ensure_ascii=False)
    # Django's own "Not Found" warning names the path (masked), never the query string.
    assert "Nguyen" not in json_log.text and "001099012345" not in json_log.text


def test_an_incoming_request_id_is_kept_and_a_malformed_one_replaced(client, json_log):
    kept = client.get("/healthz/live", HTTP_X_REQUEST_ID="nginx-4f2a9c0d11")
    assert kept["X-Request-ID"] == "nginx-4f2a9c0d11"
    replaced = client.get("/healthz/live", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert replaced["X-Request-ID"] != "bad id\nwith newline" and len(replaced["X-Request-ID"]) == 32
    assert [line["request_id"] for line in request_lines(json_log)] == [
        "nginx-4f2a9c0d11",
        replaced["X-Request-ID"],
    ]


def test_the_user_kind_of_a_signed_in_citizen(client, json_log, make_citizen):
    citizen = make_citizen(citizen_id="001099012345")
    client.force_login(citizen)
    client.get("/tai-khoan/")
    (line,) = request_lines(json_log)
    assert (line["route"], line["user_kind"]) == ("/tai-khoan/", "citizen")
    assert "001099012345" not in json_log.text and citizen.username not in json_log.text


def test_api_requests_are_on_the_api_channel(client, json_log):
    client.get("/api/v1/khong-co/")
    (line,) = request_lines(json_log)
    assert line["channel"] == "api"


@override_settings(ROOT_URLCONF="tinhso.core.ops.tests.urls")
def test_a_server_error_is_logged_at_error_level(json_log):
    Client(raise_request_exception=False).get("/boom/")
    (line,) = request_lines(json_log)
    assert (line["route"], line["status"], line["level"]) == ("/boom/", 500, "ERROR")


# --- the mask -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "CCCD 001099012345 đã đăng ký",
        "cccd=079203004567;",
        "gọi 0912345678",
        "gọi 0912 345 678",
        "gọi 0912.345.678",
        "gọi 091-234-5678",
        "gọi +84912345678",
        "gọi +84 912 345 678",
        "gọi 84912345678",
        "máy bàn 02923 123 456",
        "máy bàn 0292 3123456",
        "Zalo 0385123456, 0705123456, 0865123456",
    ],
)
def test_personal_numbers_are_masked(text):
    masked = mask_personal_numbers(text)
    assert MASK in masked
    digits = "".join(ch for ch in masked if ch.isdigit())
    assert len(digits) < 6, masked


@pytest.mark.parametrize(
    "text",
    [
        "2026-07-01T08:30:00+07:00",
        "took 1234.5 ms",
        "dossier H23.12-260701-0001",
        "agency 000.00.01.H23",
        "order 1234567890",
        "1234567890123 is thirteen digits",
        "uuid 0b6d42fa02484244ab4252e166f75e60",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_personal_numbers(text) == text


def _record(msg, args=(), **extra):
    record = logging.LogRecord("tinhso.test", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_the_filter_masks_arguments_extras_and_keeps_the_record():
    record = _record(
        "citizen %s called from %s",
        ("001099012345", "0912345678"),
        phone="0912345678",
        nested={"ids": ["001099012345", 7]},
        count=5,
    )
    assert PersonalDataMaskFilter().filter(record) is True
    assert record.getMessage() == f"citizen {MASK} called from {MASK}"
    assert record.phone == MASK
    assert record.nested == {"ids": [MASK, 7]}
    assert record.count == 5


def test_the_filter_masks_an_integer_citizen_id():
    record = _record("x", cid=1099012345678 // 10)  # 109901234567: twelve digits
    PersonalDataMaskFilter().filter(record)
    assert record.cid == MASK


def test_the_filter_masks_exception_text(json_log):
    logger = logging.getLogger("tinhso.test")
    try:
        raise ValueError("duplicate key (citizen_id)=(001099012345), phone 0912345678")
    except ValueError:
        logger.exception("saving %s failed", "001099012345")
    (line,) = json_log.lines
    assert "001099012345" not in json_log.text and "0912345678" not in json_log.text
    assert MASK in line["message"] and "ValueError: duplicate key" in line["exc_info"]


def test_the_filter_tolerates_a_malformed_call():
    record = _record("%s and %s", ("only one",))
    assert PersonalDataMaskFilter().filter(record) is True


def test_the_console_handler_is_configured_with_both_filters():
    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["request_context", "mask_personal_data"]
    assert settings.LOGGING["filters"]["mask_personal_data"]["()"].endswith("PersonalDataMaskFilter")


def test_log_lines_outside_a_request_carry_a_dash(json_log):
    logging.getLogger("tinhso.test").info("background")
    assert json_log.lines[0]["request_id"] == "-"
    with context.bound(context.RequestContext(request_id="req-task-000001", channel="task")):
        logging.getLogger("tinhso.test").info("in a task")
    assert json_log.lines[1]["request_id"] == "req-task-000001"


def test_django_request_warnings_carry_the_request_id_but_not_the_query_string(client, json_log):
    response = client.get("/khong-co-trang/?ho_ten=Nguyen+Van+A&cccd=001099012345")
    (warning,) = [line for line in json_log.lines if line["logger"] == "django.request"]
    assert warning["request_id"] == response["X-Request-ID"]
    assert warning["request"] == "GET /khong-co-trang/"
    assert "Nguyen" not in json_log.text and "001099012345" not in json_log.text
