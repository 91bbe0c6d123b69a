"""Agencies through the API: the public list of bodies, and administration for platform admins."""

from datetime import date

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tinhso.core.agencies import selectors, services
from tinhso.core.agencies.models import Agency, AgencyKind
from tinhso.core.errors import NotFound
from tinhso.core.permissions import require

router = Router(tags=["agencies"])


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


class UnitRef(Schema):
    structure: str = Field(..., description='"legacy" (before 1 July 2025) or "current"')
    code: str = Field(..., description="General Statistics Office code, e.g. 93, 930, 31318")


class UnitBrief(UnitRef):
    name: str


class AgencyBrief(Schema):
    code: str
    name: str
    short_name: str


class AgencyRead(Schema):
    code: str = Field(..., description="Electronic identifier code (mã định danh điện tử)")
    name: str
    short_name: str
    kind: AgencyKind
    parent_code: str | None = None
    unit: UnitBrief | None = None
    valid_from: date | None = None
    valid_to: date | None = Field(None, description="Last day the agency existed; empty if it still does")
    successor_code: str | None = None

    @staticmethod
    def resolve_parent_code(obj: Agency) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_successor_code(obj: Agency) -> str | None:
        return obj.successor.code if obj.successor_id else None

    @staticmethod
    def resolve_unit(obj: Agency) -> UnitBrief | None:
        unit = obj.unit
        return UnitBrief(structure=unit.structure, code=unit.code, name=unit.name) if unit else None


class AgencyCreate(Schema):
    code: str = Field(..., description="e.g. 000.00.00.H28")
    name: str
    kind: AgencyKind
    short_name: str = ""
    parent_code: str | None = None
    unit: UnitRef | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class AgencyUpdate(Schema):
    name: str | None = None
    short_name: str | None = None
    kind: AgencyKind | None = None
    parent_code: str | None = None
    unit: UnitRef | None = None
    valid_from: date | None = None


class AgencyClose(Schema):
    valid_to: date = Field(..., description="The last day the agency exists")
    successor_code: str | None = None


class AgencyFilter(Schema):
    as_of: date | None = Field(None, description="Only agencies valid on this day")
    parent: str | None = Field(None, description="Code of the parent agency")
    q: str = Field("", description="Text in the name, short name or code")


def _agency(code: str | None, *, what: str = "agency") -> Agency:
    agency = selectors.get_by_code(code or "")
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan.", f"The {what} was not found.", code="agencies.not_found")
    return agency


def _unit(ref: UnitRef | None):
    if ref is None:
        return None
    from tinhso.core.units.models import AdministrativeUnit

    unit = AdministrativeUnit.objects.filter(structure=ref.structure, code=ref.code).first()
    if unit is None:
        raise NotFound(
            "Không tìm thấy đơn vị hành chính.",
            "The administrative unit was not found.",
            code="agencies.unit_not_found",
        )
    return unit


@router.get(
    "/",
    response=list[AgencyRead],
    auth=None,
    summary="Danh sách cơ quan, đơn vị / List agencies",
)
@paginate
def list_agencies(request, filters: Query[AgencyFilter]):
    """The public list of bodies with their electronic identifier codes. Filter by the day they
    were valid (`as_of`), by parent code, or by text. Paginated with `limit` and `offset`."""
    require(_actor(request), "agencies.view")
    parent = _agency(filters.parent, what="parent agency") if filters.parent else None
    return selectors.search_agencies(as_of=filters.as_of, parent=parent, q=filters.q)


@router.get("/{code}", response=AgencyRead, auth=None, summary="Một cơ quan / One agency")
def get_agency(request, code: str):
    """One agency by its electronic identifier code, with its parent, unit and successor."""
    require(_actor(request), "agencies.view")
    return _agency(code)


@router.post("/", response={201: AgencyRead}, summary="Tạo cơ quan / Create an agency")
def create_agency(request, payload: AgencyCreate):
    """Register an agency (permission `agencies.manage`, scope `agencies:manage`)."""
    actor = _actor(request)
    require(actor, "agencies.manage")
    agency = services.create_agency(
        actor=actor,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        short_name=payload.short_name,
        parent=_agency(payload.parent_code, what="parent agency") if payload.parent_code else None,
        unit=_unit(payload.unit),
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
    )
    return Status(201, selectors.get_by_code(agency.code))


@router.patch("/{code}", response=AgencyRead, summary="Sửa cơ quan / Update an agency")
def update_agency(request, code: str, payload: AgencyUpdate):
    """Change the name, short name, kind, parent, unit or start of validity. Only the fields sent
    are changed; send `parent_code` or `unit` as null to clear them."""
    actor = _actor(request)
    require(actor, "agencies.manage")
    agency = _agency(code)
    sent = payload.dict(exclude_unset=True)
    changes = {key: sent[key] for key in ("name", "short_name", "kind", "valid_from") if key in sent}
    if "parent_code" in sent:
        parent_code = sent["parent_code"]
        changes["parent"] = _agency(parent_code, what="parent agency") if parent_code else None
    if "unit" in sent:
        changes["unit"] = _unit(payload.unit)
    services.update_agency(actor=actor, agency=agency, **changes)
    return selectors.get_by_code(agency.code)


@router.post("/{code}/close", response=AgencyRead, summary="Giải thể, sáp nhập / Close an agency")
def close_agency(request, code: str, payload: AgencyClose):
    """End an agency on `valid_to`, naming the agency that takes over its work if there is one.
    Its subordinate agencies must be closed first."""
    actor = _actor(request)
    require(actor, "agencies.manage")
    agency = _agency(code)
    successor = _agency(payload.successor_code, what="successor") if payload.successor_code else None
    services.close_agency(actor=actor, agency=agency, valid_to=payload.valid_to, successor=successor)
    return selectors.get_by_code(agency.code)
