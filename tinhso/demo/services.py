"""Loading the demo province and listing its sign-ins. Every write goes through the owning app's
services, as SYSTEM, so the demo data is audited and evented like any other data."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import importlib.util
import time
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core.accounts import services as accounts
from tinhso.core.accounts.models import Role, User
from tinhso.core.agencies import services as agencies
from tinhso.core.agencies.models import Agency
from tinhso.core.permissions import SYSTEM
from tinhso.demo import data

DEMO_TOTP_DEVICE_NAME = "Demo"


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


def demo_totp_key(username: str) -> str:
    """A 20-byte TOTP key (hex) derived from SECRET_KEY and the username.

    Stable across ``demo load`` runs, so printed secrets keep working; different per deployment,
    because it depends on SECRET_KEY. Demo accounts only: a real officer enrols their own device.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), b"tinhso-demo-totp:" + username.encode(), hashlib.sha256)
    return digest.digest()[:20].hex()


def _load_units(report: LoadReport) -> None:
    try:
        from tinhso.core.units.services import load_units
    except ImportError:
        report.warnings.append("tinhso.core.units.services.load_units is not available: units not loaded")
        return
    load_units(actor=SYSTEM, province_codes=list(data.UNIT_PROVINCES))


def _find_unit(ref: tuple[str, str] | None, report: LoadReport):
    if ref is None:
        return None
    from tinhso.core.units.models import AdministrativeUnit

    structure, code = ref
    unit = AdministrativeUnit.objects.filter(structure=structure, code=code).first()
    if unit is None:
        report.warnings.append(f"administrative unit {structure}:{code} not found; agency left without unit")
    return unit


def _depth(row: data.DemoAgency, by_code: dict[str, data.DemoAgency]) -> int:
    depth, parent = 0, row.parent
    while parent is not None:
        depth += 1
        parent = by_code[parent].parent
    return depth


def _load_agencies(report: LoadReport) -> dict[str, Agency]:
    by_code = {row.code: row for row in data.AGENCIES}
    saved: dict[str, Agency] = {}
    # Parents before children; every agency is created open, closures come after.
    for row in sorted(data.AGENCIES, key=lambda r: _depth(r, by_code)):
        unit = _find_unit(row.unit, report)
        parent = saved[row.parent] if row.parent else None
        agency = Agency.objects.filter(code=row.code).first()
        if agency is None:
            saved[row.code] = agencies.create_agency(
                actor=SYSTEM,
                code=row.code,
                name=row.name,
                kind=row.kind,
                short_name=row.short_name,
                parent=parent,
                unit=unit,
                valid_from=row.valid_from,
            )
            report.created["agencies"] += 1
            continue
        before = agency.updated_at
        saved[row.code] = agencies.update_agency(
            actor=SYSTEM,
            agency=agency,
            name=row.name,
            short_name=row.short_name,
            kind=row.kind,
            parent=parent,
            unit=unit if unit is not None else agency.unit,
            valid_from=row.valid_from,
        )
        if saved[row.code].updated_at != before:
            report.updated["agencies"] += 1
    # Children close before their parents (an agency cannot outlive its parent).
    for row in sorted(data.AGENCIES, key=lambda r: -_depth(r, by_code)):
        if row.valid_to is None:
            continue
        agency = saved[row.code]
        successor = saved[row.successor] if row.successor else None
        if agency.valid_to == row.valid_to and agency.successor_id == (successor.pk if successor else None):
            continue
        saved[row.code] = agencies.close_agency(
            actor=SYSTEM, agency=agency, valid_to=row.valid_to, successor=successor
        )
        report.updated["agency closures"] += 1
    return saved


def _load_officers(report: LoadReport, saved: dict[str, Agency]) -> None:
    for person in data.OFFICERS:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = accounts.create_officer(
                actor=SYSTEM,
                username=person.username,
                full_name=person.full_name,
                email=f"{person.username}@demo.tinhso.example",
                password=data.DEMO_PASSWORD,
            )
            report.created["officers"] += 1
        accounts.assign_role(
            actor=SYSTEM,
            user=user,
            agency=saved[person.agency],
            role=person.role,
            covers_subordinates=person.covers_subordinates,
        )
        key = demo_totp_key(person.username)
        if not TOTPDevice.objects.filter(
            user=user, name=DEMO_TOTP_DEVICE_NAME, key=key, confirmed=True
        ).exists():
            accounts.enroll_demo_totp(user, key)
            report.created["TOTP devices"] += 1


def _load_citizens(report: LoadReport) -> None:
    for person in data.CITIZENS:
        if accounts.find_citizen(person.citizen_id) is not None:
            continue
        accounts.register_citizen(
            actor=SYSTEM,
            citizen_id=person.citizen_id,
            full_name=person.full_name,
            password=data.DEMO_PASSWORD,
            email=f"cd{person.citizen_id[-3:]}@demo.tinhso.example",
        )
        report.created["citizens"] += 1


@transaction.atomic
def load_demo() -> LoadReport:
    """Load (or bring up to date) the demo province; running it again creates nothing new."""
    report = LoadReport()
    _load_units(report)
    saved = _load_agencies(report)
    _load_officers(report, saved)
    _load_citizens(report)
    _load_modules(report)
    return report


def _load_modules(report: LoadReport) -> None:
    """Each module seeds its own demo data in ``tinhso/<app>/demo.py::load_demo(report)``.

    They run after the foundation (agencies, officers, citizens exist) in INSTALLED_APPS order,
    which puts the procedure catalog before the dossiers that use it. Each must be idempotent.
    """
    for config in apps.get_app_configs():
        if not config.name.startswith("tinhso.") or config.name == "tinhso.demo":
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).load_demo(report)


@dataclass(frozen=True)
class DemoLogin:
    username: str  # what to type in the sign-in form (citizens: their ID number)
    password: str
    role: str
    agency: str
    totp_secret: str = ""  # base32, as authenticator apps expect
    totp_code: str = ""


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code an authenticator app shows at ``at`` (default: now) for this device."""
    token = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    token.time = int(time.time() if at is None else at)
    return f"{token.token():0{device.digits}d}"


def seconds_left(device: TOTPDevice, at: float | None = None) -> int:
    now = int(time.time() if at is None else at)
    return device.step - ((now - device.t0) % device.step)


def seconds_left_now() -> int:
    """Seconds until the codes printed now change (every demo device uses the default 30 s step)."""
    return seconds_left(TOTPDevice(step=30, t0=0))


def demo_logins(at: float | None = None) -> list[DemoLogin]:
    """The demo accounts that exist, with their current second factor."""
    logins: list[DemoLogin] = []
    agencies_by_code = {a.code: a for a in Agency.objects.filter(code__in={o.agency for o in data.OFFICERS})}
    users = {u.username: u for u in User.objects.filter(username__in=[o.username for o in data.OFFICERS])}
    devices = {
        d.user_id: d
        for d in TOTPDevice.objects.filter(
            user__in=users.values(), name=DEMO_TOTP_DEVICE_NAME, confirmed=True
        )
    }
    for person in data.OFFICERS:
        user = users.get(person.username)
        if user is None:
            continue
        device = devices.get(user.pk)
        agency = agencies_by_code.get(person.agency)
        logins.append(
            DemoLogin(
                username=person.username,
                password=data.DEMO_PASSWORD,
                role=str(Role(person.role).label),
                agency=agency.name if agency else person.agency,
                totp_secret=base64.b32encode(device.bin_key).decode() if device else "",
                totp_code=current_code(device, at) if device else "",
            )
        )
    for person in data.CITIZENS:
        if accounts.find_citizen(person.citizen_id) is None:
            continue
        logins.append(
            DemoLogin(
                username=person.citizen_id,
                password=data.DEMO_PASSWORD,
                role=f"Công dân: {person.full_name}",
                agency="-",
            )
        )
    return logins
