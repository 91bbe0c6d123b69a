"""Logging filters: the request id on every record, and a mask for personal numbers.

Both are attached to the console handler in ``settings.LOGGING``, so they apply to every record
that handler writes, whichever logger emitted it (Django's, a library's or ours).
"""

from __future__ import annotations

import logging
import re
import traceback

from django.http import HttpRequest

from tinhso.core import context

# A 12-digit number standing alone: the shape of a citizen ID number (CCCD / định danh cá nhân).
CITIZEN_ID_PATTERN = re.compile(r"(?<!\d)\d{12}(?!\d)")
# Vietnamese telephone numbers: 0 or +84/84, then a mobile (3, 5, 7, 8, 9) or landline (2) prefix
# digit and 8 or 9 more digits, optionally grouped with spaces, dots or dashes ("0912 345 678").
PHONE_PATTERN = re.compile(r"(?<![\d+])(?:\+84|84|0)[\s.-]?[235789](?:[\s.-]?\d){8,9}(?!\d)")
MASK = "[redacted]"

# LogRecord attributes that are never user data; everything else on a record (``extra=``) is
# checked by the mask.
_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
}


def mask_personal_numbers(text: str) -> str:
    """Replace citizen-ID-like and Vietnamese-phone-like numbers in ``text``."""
    return PHONE_PATTERN.sub(MASK, CITIZEN_ID_PATTERN.sub(MASK, text))


def _mask_value(value):
    if isinstance(value, HttpRequest):
        # Django's request loggers attach the request, whose repr holds the query string.
        return mask_personal_numbers(f"{value.method} {value.path}")
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, int) and not isinstance(value, bool):
        masked = mask_personal_numbers(str(value))
        return value if masked == str(value) else masked
    if isinstance(value, dict):
        return {key: _mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask_value(item) for item in value)
    return value


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs a 4xx/5xx after the middleware has returned (the context is unbound
        # by then) but attaches the request, which carries its id.
        # A record seen by a second handler keeps what the first found.
        record.request_id = (
            context.current_request_id()
            or getattr(getattr(record, "request", None), "request_id", None)
            or (record.__dict__.get("request_id") if record.__dict__.get("request_id") != "-" else None)
            or "-"
        )
        return True


class PersonalDataMaskFilter(logging.Filter):
    """A safety net: no code should log a citizen ID number or a phone number, but if one slips
    into a message, an ``extra`` field or an exception text, it is masked before it is written.

    The message is rendered here (``msg % args``) so that a number passed as an argument is
    masked too; the exception is formatted here for the same reason, which is why ``exc_info``
    is replaced by the masked ``exc_text`` (both the standard and the JSON formatter print it).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it for logging's own error report
            return True
        record.msg = mask_personal_numbers(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                setattr(record, key, _mask_value(value))
        if record.exc_info and record.exc_info[0] is not None:
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = mask_personal_numbers(formatted)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_numbers(record.stack_info)
        return True
