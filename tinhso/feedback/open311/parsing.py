"""Reading what an Open311 client sends: the parameters of a POST (form-encoded per the spec,
multipart with ``media`` files, or, as extensions, a JSON or XML body) and of a GET.

XML bodies are parsed with defusedxml, which refuses DTDs, entity declarations and external
references (billion laughs, XXE). Anything unreadable is :class:`MalformedInput` (400) before a
single row is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError

from tinhso.feedback.open311.errors import MalformedInput

FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
XML_ROOTS = ("request", "service_request")
MAX_ATTRIBUTE_VALUES = 100


@dataclass
class PostInput:
    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    media: list[Any] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


def _malformed(message_vi: str, message_en: str) -> MalformedInput:
    return MalformedInput(message_vi, message_en)


def _scalar(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value).strip()
    raise _malformed(f"Trường {name} phải là một giá trị đơn.", f"The field {name} must be a single value.")


def _attribute_value(code: str, value: Any) -> Any:
    if isinstance(value, list):
        if len(value) > MAX_ATTRIBUTE_VALUES:
            raise _malformed(
                f"Thuộc tính {code} có quá nhiều giá trị.", f"The attribute {code} has too many values."
            )
        return [_scalar(f"attribute[{code}]", item) for item in value]
    return _scalar(f"attribute[{code}]", value)


def _from_querydict(data: QueryDict) -> PostInput:
    parsed = PostInput()
    for name in FIELDS:
        value = data.get(name)
        if value is not None and value.strip():
            parsed.fields[name] = value.strip()
    for name in data:
        match = _ATTRIBUTE.match(name)
        if not match:
            continue
        values = [v for v in data.getlist(name)]
        if match.group(2) or len(values) > 1:
            parsed.attributes[match.group(1)] = _attribute_value(match.group(1), values)
        else:
            parsed.attributes[match.group(1)] = values[0]
    return parsed


def _from_json(body: bytes) -> PostInput:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _malformed("Nội dung JSON không hợp lệ.", "The JSON body is not valid.") from None
    if not isinstance(data, dict):
        raise _malformed("Nội dung JSON phải là một đối tượng.", "The JSON body must be an object.")
    parsed = PostInput()
    for name in FIELDS:
        value = _scalar(name, data.get(name))
        if value:
            parsed.fields[name] = value
    answers = data.get("attribute", {})
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise _malformed(
            "attribute phải là một đối tượng {mã: giá trị}.", "attribute must be an object {code: value}."
        )
    for code, value in answers.items():
        parsed.attributes[str(code)] = _attribute_value(str(code), value)
    return parsed


def _from_xml(body: bytes) -> PostInput:
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        raise _malformed(
            "Nội dung XML không hợp lệ hoặc chứa khai báo DTD/thực thể (không được chấp nhận).",
            "The XML body is not valid or contains a DTD or entity declarations (not accepted).",
        ) from None
    if root.tag not in XML_ROOTS:
        raise _malformed(
            "Phần tử gốc của XML phải là <request>.", "The root element of the XML body must be <request>."
        )
    parsed = PostInput()
    for child in root:
        if len(child):
            raise _malformed(
                f"Phần tử <{child.tag}> không được chứa phần tử con.",
                f"The element <{child.tag}> must not contain elements.",
            )
        text = (child.text or "").strip()
        if child.tag == "attribute":
            code = (child.get("code") or "").strip()
            if not code:
                raise _malformed(
                    "Mỗi <attribute> cần thuộc tính code.", 'Each <attribute> needs a code="…" attribute.'
                )
            if code in parsed.attributes:
                previous = parsed.attributes[code]
                parsed.attributes[code] = [*(previous if isinstance(previous, list) else [previous]), text]
            else:
                parsed.attributes[code] = text
        elif child.tag in FIELDS and text:
            parsed.fields[child.tag] = text
    return parsed


def read_post(request) -> PostInput:
    """The parameters of a POST, whatever its content type; :class:`MalformedInput` otherwise."""
    content_type = (request.content_type or "").lower()
    try:
        if content_type in ("application/json",) or content_type.endswith("+json"):
            return _from_json(request.body)
        if content_type in ("text/xml", "application/xml") or content_type.endswith("+xml"):
            return _from_xml(request.body)
        if content_type in ("", "application/x-www-form-urlencoded", "multipart/form-data"):
            parsed = _from_querydict(request.POST)
            parsed.media = list(request.FILES.getlist("media"))
            return parsed
    except RequestDataTooBig:
        raise _malformed("Nội dung yêu cầu quá lớn.", "The request body is too large.") from None
    except TooManyFieldsSent:
        raise _malformed("Yêu cầu có quá nhiều trường.", "The request has too many fields.") from None
    except MultiPartParserError:
        raise _malformed("Nội dung multipart không hợp lệ.", "The multipart body is not valid.") from None
    raise _malformed(
        "Chỉ nhận application/x-www-form-urlencoded, multipart/form-data, application/json hoặc text/xml.",
        "Send application/x-www-form-urlencoded, multipart/form-data, application/json or text/xml.",
    )


def query(request) -> dict[str, str]:
    """The GET parameters, empty ones left out (the spec treats empty as absent)."""
    return {name: value.strip() for name, value in request.GET.items() if value.strip()}
