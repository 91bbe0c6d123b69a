"""Writing GeoReport v2 answers as XML and JSON.

Both are built from the same Python structure, following the spec's own mapping (the "Spark
convention"): a list is an element named after the collection holding one child element per
item (``<services><service>…``, ``<service_requests><request>…``), a dict is an element with one
child per key, ``None`` is an empty element in XML and ``null`` in JSON, booleans are
``true``/``false``. The XML is UTF-8, has the declaration the spec asks for, no namespace and
no foreign tags; it is produced with lxml, never by string concatenation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpResponse
from lxml import etree

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The element of each item of a collection, by the collection's element.
ITEM_ELEMENT = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF and CR, and the two
# non-characters): dropped, so that text a client once sent can never make a document invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: etree._Element, name: str, value: Any) -> None:
    element = etree.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: etree._Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list | tuple):
        child = ITEM_ELEMENT[name]
        for item in value:
            _append(element, child, item)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = etree.Element(root)
    _fill(element, root, data)
    body = etree.tostring(element, encoding="unicode", pretty_print=True)
    return (XML_DECLARATION + body).encode("utf-8")


def _clean_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(item) for item in value]
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    return value


def to_json(data: Any) -> bytes:
    return json.dumps(_clean_json(data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """``root`` names the XML root element (``services``, ``service_definition``, …); JSON has no
    root: the list or object itself."""
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(
    fmt: str, status: int, description: str, *, code: str = "", retry_after: int | None = None
) -> HttpResponse:
    """The spec's error body: ``[{"code", "description"}]`` / ``<errors><error>…``, where ``code``
    is the HTTP status; our stable error code goes into the ``X-Tinhso-Error-Code`` header."""
    response = render(fmt, "errors", [{"code": status, "description": description}], status=status)
    if code:
        response["X-Tinhso-Error-Code"] = code
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
