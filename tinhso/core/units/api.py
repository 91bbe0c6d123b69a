"""The administrative units registry through the API: public, read-only."""

from datetime import date

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from tinhso.core.errors import NotFound
from tinhso.core.permissions import require
from tinhso.core.units import selectors
from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel

router = Router(tags=["units"])


class UnitBrief(Schema):
    structure: Structure
    code: str
    name: str
    division_type: str
    level: UnitLevel
    valid_from: date | None
    valid_to: date | None


class UnitListItem(UnitBrief):
    parent_code: str | None = Field(None, alias="parent.code")


class SuccessionRead(Schema):
    unit: UnitBrief
    effective_on: date
    is_partial: bool = Field(..., description="Only part of the former unit went to the successor")
    derived: bool = Field(
        ..., description="Computed by the registry (a former district to the communes its communes became)"
    )


class UnitRead(UnitBrief):
    codename: str
    parent: UnitBrief | None
    latitude: float | None
    longitude: float | None
    successors: list[SuccessionRead]
    predecessors: list[SuccessionRead]


class UnitFilter(Schema):
    as_of: date | None = Field(
        None, description="The day the units existed (default: today, Asia/Ho_Chi_Minh)"
    )
    level: UnitLevel | None = None
    parent: str | None = Field(None, description="Code of the parent unit valid on `as_of`")
    q: str | None = Field(None, description="Words of the name, with or without diacritics", max_length=100)


def _viewer(request):
    return getattr(request, "user", None)


def _not_found() -> NotFound:
    return NotFound(
        "Không tìm thấy đơn vị hành chính.", "Administrative unit not found.", code="units.not_found"
    )


@router.get("/", response=list[UnitListItem], auth=None, summary="Đơn vị hành chính / Administrative units")
@paginate(LimitOffsetPagination)
def list_units(request, filters: Query[UnitFilter]):
    """The administrative units that existed on `as_of` (today by default), by level, parent and name.

    Before 1 July 2025 the structure has three tiers (province, district, commune); from that day two
    (province, commune). `q` ignores case and diacritics (`phung hiep` finds `Huyện Phụng Hiệp`).
    Public (permission `units.view`)."""
    require(_viewer(request), "units.view")
    day = filters.as_of or timezone.localdate()
    parent = None
    if filters.parent:
        parent = selectors.units_as_of(day).filter(code=filters.parent).first()
        if parent is None:
            raise _not_found()
    qs = selectors.units_as_of(day, level=filters.level, parent=parent)
    return selectors.matching(qs, filters.q or "")


def _successions(unit: AdministrativeUnit) -> tuple[list[SuccessionRead], list[SuccessionRead]]:
    out, into = selectors.successions_of(unit)
    became = [
        SuccessionRead(
            unit=UnitBrief.from_orm(s.successor),
            effective_on=s.effective_on,
            is_partial=s.is_partial,
            derived=s.derived,
        )
        for s in out
    ]
    came_from = [
        SuccessionRead(
            unit=UnitBrief.from_orm(s.predecessor),
            effective_on=s.effective_on,
            is_partial=s.is_partial,
            derived=s.derived,
        )
        for s in into
    ]
    return became, came_from


@router.get(
    "/{structure}/{code}",
    response=UnitRead,
    auth=None,
    summary="Một đơn vị hành chính / One administrative unit",
)
def get_unit(request, structure: Structure, code: str):
    """A unit of the `legacy` (before 1 July 2025) or `current` structure by its statistics code, with its
    parent, what it became (`successors`) and what it came from (`predecessors`). A former district's
    successors are the current communes its communes went to (`derived`). Public (permission `units.view`)."""
    require(_viewer(request), "units.view")
    unit = selectors.get_unit(structure, code)
    became, came_from = _successions(unit)
    return UnitRead(
        structure=unit.structure,
        code=unit.code,
        name=unit.name,
        division_type=unit.division_type,
        level=unit.level,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        codename=unit.codename,
        parent=UnitBrief.from_orm(unit.parent) if unit.parent else None,
        latitude=float(unit.latitude) if unit.latitude is not None else None,
        longitude=float(unit.longitude) if unit.longitude is not None else None,
        successors=became,
        predecessors=came_from,
    )


@router.get(
    "/{structure}/{code}/covering",
    response=UnitBrief,
    auth=None,
    summary="Đơn vị tương ứng vào một ngày / The unit covering it on a day",
)
def covering_unit(request, structure: Structure, code: str, day: date | None = None):
    """The unit valid on `day` (today by default) that covers this unit: itself if it still existed,
    else what it became (or came from); when it was split, the smallest unit containing all the
    parts (usually the province). 404 `units.no_covering_unit` when none is known. Public."""
    require(_viewer(request), "units.view")
    unit = selectors.get_unit(structure, code)
    found = selectors.current_unit_for(unit, day or timezone.localdate())
    if found is None:
        raise NotFound(
            "Không có đơn vị nào vào ngày đó bao trùm đơn vị này.",
            "No unit on that day is known to cover this unit.",
            code="units.no_covering_unit",
        )
    return found
