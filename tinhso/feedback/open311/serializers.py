"""Our catalogue and reports in the shape of GeoReport v2 (fields in the order of the spec).

Reports are always taken from :func:`tinhso.feedback.representations.public_view`, which has
already removed personal data and applied moderation: nothing here reads a report's own fields.
How our statuses and fields map to the spec is explained in docs/open311.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tinhso.feedback.models import Category, ReportStatus
from tinhso.feedback.representations import PublicReport
from tinhso.feedback.states import OPEN_STATUSES

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Our creation is synchronous: the service_request_id is returned at once.
SERVICE_TYPE = "realtime"
OPEN, CLOSED = "open", "closed"
CLOSED_STATUSES = frozenset(set(ReportStatus.values) - set(OPEN_STATUSES))


def w3(moment: datetime | None) -> str | None:
    """A W3C date-time with the Vietnam offset, e.g. ``2026-03-02T09:00:00+07:00``."""
    if moment is None:
        return None
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def open311_status(status: str) -> str:
    """``open`` while the agency still owes an answer; ``closed`` once it answered (resolved,
    closed) or refused (rejected). A resolved report the reporter reopens is open again."""
    return OPEN if status in OPEN_STATUSES else CLOSED


def statuses_for(value: str) -> tuple[str, ...]:
    """Our statuses behind ``open`` / ``closed``."""
    return tuple(sorted(OPEN_STATUSES if value == OPEN else CLOSED_STATUSES))


def service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": bool(category.attributes),
        "type": SERVICE_TYPE,
        "keywords": ", ".join(category.keywords or []) or None,
        "group": category.group or None,
    }


def _attribute(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "variable": bool(definition.get("variable", True)),
        "code": definition["code"],
        "datatype": definition["datatype"],
        "required": bool(definition.get("required", False)),
        "datatype_description": definition.get("datatype_description") or None,
        "order": definition.get("order"),
        "description": definition.get("description"),
        "values": [{"key": v["key"], "name": v["name"]} for v in definition.get("values", [])],
    }


def service_definition(category: Category) -> dict[str, Any]:
    definitions = sorted(category.attributes or [], key=lambda d: (d.get("order", 0), d.get("code", "")))
    return {"service_code": category.code, "attributes": [_attribute(d) for d in definitions]}


def service_notice(view: PublicReport, language: str) -> str | None:
    """What happens next, for an open report: who handles it and by when."""
    if view.status not in OPEN_STATUSES:
        return None
    due = view.due_at.astimezone(VIETNAM)
    if language == "en":
        text = f"Handled by {view.agency_name}; due by {due:%Y-%m-%d %H:%M} (Vietnam time)."
        return text + (" The deadline has passed." if view.overdue else "")
    text = f"{view.agency_name} xử lý; hạn xử lý: {due:%H:%M} ngày {due:%d/%m/%Y}."
    return text + (" Đã quá hạn xử lý." if view.overdue else "")


def service_request(view: PublicReport, *, absolute: Callable[[str], str], language: str) -> dict[str, Any]:
    """One ``request`` of GET requests, from the public view only."""
    photos = view.photos or view.result_photos
    return {
        "service_request_id": view.public_id,
        "status": open311_status(view.status),
        "status_notes": view.response or view.status_label,
        "service_name": view.category_name,
        "service_code": view.category_code,
        "description": view.description,
        "agency_responsible": view.agency_name,
        "service_notice": service_notice(view, language),
        "requested_datetime": w3(view.created_at),
        "updated_datetime": w3(view.updated_at),
        "expected_datetime": w3(view.due_at),
        # The reporter's own address is public only when they chose to be named (public_view
        # decides); otherwise the commune or ward, which says where without saying who.
        "address": view.address or view.unit_name,
        "address_id": view.unit_code,
        "zipcode": None,
        "lat": view.latitude,
        "long": view.longitude,
        "media_url": absolute(photos[0].url) if photos else None,
    }


def created(view: PublicReport, *, account_id: str | None, language: str) -> dict[str, Any]:
    """The answer to POST requests: the id at once (type ``realtime``), so no token."""
    return {
        "service_request_id": view.public_id,
        "service_notice": service_notice(view, language),
        "account_id": account_id or None,
    }


def token(view_id: str, token_value: str) -> dict[str, Any]:
    return {"service_request_id": view_id, "token": token_value}
