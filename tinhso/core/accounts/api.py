"""People through the API: one's own profile, citizen registration, officers and roles for administrators."""

from __future__ import annotations

from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from tinhso.core.accounts import services
from tinhso.core.accounts.models import OfficerRole, Role, User, UserKind
from tinhso.core.agencies.models import Agency
from tinhso.core.errors import NotFound
from tinhso.core.permissions import ANONYMOUS, as_principal, require

router = Router(tags=["accounts"])


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


class RoleRead(Schema):
    agency_code: str
    agency_name: str
    role: str
    covers_subordinates: bool


class MeRead(Schema):
    public_id: UUID | None
    kind: str
    username: str
    full_name: str
    masked_citizen_id: str = ""
    roles: list[RoleRead] = []
    scopes: list[str] | None = None


class CitizenCreate(Schema):
    citizen_id: str = Field(..., description="12-digit citizen ID number (số định danh cá nhân)")
    full_name: str
    password: str
    email: str = ""
    phone: str = ""


class UserBrief(Schema):
    public_id: UUID
    kind: str
    username: str
    full_name: str


class OfficerCreate(Schema):
    username: str
    full_name: str
    email: str = ""
    password: str | None = None


class RoleAssign(Schema):
    agency_code: str
    role: Role
    covers_subordinates: bool = False


def _roles_of(user: User) -> list[RoleRead]:
    rows = OfficerRole.objects.filter(user=user).select_related("agency").order_by("agency__code", "role")
    return [
        RoleRead(
            agency_code=r.agency.code,
            agency_name=r.agency.name,
            role=r.role,
            covers_subordinates=r.covers_subordinates,
        )
        for r in rows
    ]


@router.get("/me", response=MeRead, summary="Tài khoản đang gọi / The calling account")
def me(request):
    """Who is calling: the signed-in person or the token's owner, with roles and (for tokens) scopes."""
    principal = as_principal(_actor(request))
    if principal.kind != "client":
        require(principal, "accounts.view_self")
    user = principal.user
    if user is None:
        return MeRead(
            public_id=None,
            kind=principal.kind,
            username=principal.label,
            full_name=principal.label,
            scopes=sorted(principal.scopes or []),
        )
    return MeRead(
        public_id=user.public_id,
        kind=user.kind,
        username=user.username,
        full_name=user.full_name,
        masked_citizen_id=user.masked_citizen_id,
        roles=_roles_of(user) if user.kind == UserKind.OFFICER else [],
        scopes=sorted(principal.scopes) if principal.scopes is not None else None,
    )


@router.post(
    "/citizens", response={201: UserBrief}, auth=None, summary="Đăng ký công dân / Register a citizen"
)
def register_citizen(request, payload: CitizenCreate):
    """Create a citizen account. The ID number is validated (12 digits, valid province code) and stored
    only as a keyed digest and ciphertext; it is never echoed back."""
    user = services.register_citizen(actor=ANONYMOUS, **payload.dict())
    return 201, user


@router.post("/officers", response={201: UserBrief}, summary="Tạo cán bộ / Create an officer")
def create_officer(request, payload: OfficerCreate):
    """Platform administrators create officer accounts (permission `accounts.manage_officers`)."""
    user = services.create_officer(actor=_actor(request), **payload.dict())
    return 201, user


@router.post("/officers/{public_id}/roles", response={201: RoleRead}, summary="Gán vai trò / Assign a role")
def assign_role(request, public_id: UUID, payload: RoleAssign):
    """Give an officer a role in an agency (permission `accounts.manage_officers`)."""
    actor = _actor(request)
    require(actor, "accounts.manage_officers")
    user = get_object_or_404(User, public_id=public_id, kind=UserKind.OFFICER)
    agency = Agency.objects.filter(code=payload.agency_code).first()
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan.", "Agency not found.", code="agency.not_found")
    role = services.assign_role(
        actor=actor,
        user=user,
        agency=agency,
        role=payload.role,
        covers_subordinates=payload.covers_subordinates,
    )
    return 201, RoleRead(
        agency_code=agency.code,
        agency_name=agency.name,
        role=role.role,
        covers_subordinates=role.covers_subordinates,
    )
