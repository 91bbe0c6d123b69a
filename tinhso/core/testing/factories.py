"""Factories for tests: small functions with sensible defaults, writing through the services
where a service exists so that tests exercise the same path as the product."""

from __future__ import annotations

import itertools

from tinhso.core.agencies.models import Agency, AgencyKind

_sequence = itertools.count(1)
DEFAULT_PASSWORD = "Mat-khau-th@t-dai-2026"


def make_agency(
    *,
    name: str | None = None,
    code: str | None = None,
    short_name: str = "",
    kind=AgencyKind.DEPARTMENT,
    parent=None,
    unit=None,
    **extra,
) -> Agency:
    n = next(_sequence)
    return Agency.objects.create(
        name=name or f"Cơ quan thử {n}",
        code=code or f"000.{n:02d}.99.T99",
        short_name=short_name or f"CQ{n}",
        kind=kind,
        parent=parent,
        unit=unit,
        **extra,
    )


def make_officer(
    *,
    username: str | None = None,
    roles=(),
    password: str = DEFAULT_PASSWORD,
    full_name: str = "Nguyễn Văn Thử",
    **extra,
):
    """``roles``: (agency, role) or (agency, role, covers_subordinates) tuples."""
    from tinhso.core.accounts import services
    from tinhso.core.permissions import SYSTEM

    n = next(_sequence)
    user = services.create_officer(
        actor=SYSTEM,
        username=username or f"canbo{n}",
        full_name=full_name,
        email=extra.pop("email", f"canbo{n}@example.gov.vn"),
        password=password,
    )
    for entry in roles:
        agency, role, *rest = entry
        services.assign_role(
            actor=SYSTEM, user=user, agency=agency, role=role, covers_subordinates=bool(rest and rest[0])
        )
    return user


def make_citizen(
    *,
    citizen_id: str | None = None,
    password: str = DEFAULT_PASSWORD,
    full_name: str = "Trần Thị Dân",
    **extra,
):
    from tinhso.core.accounts import services
    from tinhso.core.permissions import SYSTEM

    n = next(_sequence)
    return services.register_citizen(
        actor=SYSTEM,
        citizen_id=citizen_id or f"0931{n:08d}",
        full_name=full_name,
        password=password,
        email=extra.pop("email", f"dan{n}@example.vn"),
        phone=extra.pop("phone", ""),
    )
