"""Every write to the administrative units registry: loading or refreshing it from the package."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import require
from tinhso.core.units.events import UnitsLoaded
from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel, UnitSuccession
from tinhso.core.units.source import (
    DATA_VERSION,
    PACKAGE_VERSION,
    SourceData,
    normalize_search,
    province_code,
    read_source,
)

_BATCH = 500
_UNIT_FIELDS = (
    "name",
    "division_type",
    "level",
    "parent_id",
    "codename",
    "search_name",
    "valid_from",
    "valid_to",
)
_LEVEL_ORDER = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)
L, C = Structure.LEGACY.value, Structure.CURRENT.value


@dataclass
class LoadReport:
    """What one load did. ``legacy_provinces``/``current_provinces`` are the provinces actually
    loaded after the filter was widened to the provinces needed to link them (empty: all)."""

    package_version: str
    data_version: str
    province_codes: tuple[str, ...] = ()
    legacy_provinces: tuple[str, ...] = ()
    current_provinces: tuple[str, ...] = ()
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0
    successions_created: int = 0
    successions_updated: int = 0
    successions_unchanged: int = 0
    successions_removed: int = 0
    unlinkable: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.created,
                self.updated,
                self.ended,
                self.successions_created,
                self.successions_updated,
                self.successions_removed,
            )
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["province_codes"] = list(self.province_codes)
        data["legacy_provinces"] = list(self.legacy_provinces)
        data["current_provinces"] = list(self.current_provinces)
        return data

    def summary(self) -> str:
        scope = ", ".join(self.province_codes) if self.province_codes else "all provinces"
        return (
            f"vietnam-provinces {self.package_version} ({scope}): units created {self.created}, "
            f"updated {self.updated}, unchanged {self.unchanged}, ended {self.ended}; successions "
            f"created {self.successions_created}, updated {self.successions_updated}, unchanged "
            f"{self.successions_unchanged}, removed {self.successions_removed}"
        )


def _invalid_codes(details: Any = None) -> ValidationFailed:
    return ValidationFailed(
        'Danh sách mã tỉnh không hợp lệ: cần một danh sách mã số (ví dụ ["93", "92"]).',
        'The province codes are not valid: a list of numeric codes is expected (e.g. ["93", "92"]).',
        code="units.invalid_province_codes",
        details=details,
    )


def normalize_province_codes(province_codes: Iterable[Any] | None) -> tuple[str, ...] | None:
    """``["93", 92, "01"]`` -> ``("01", "92", "93")``; None stays None (the whole country)."""
    if province_codes is None:
        return None
    if isinstance(province_codes, str | bytes | dict) or not isinstance(province_codes, Iterable):
        raise _invalid_codes()
    codes: set[str] = set()
    for raw in province_codes:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise _invalid_codes({"code": repr(raw)})
        text = str(raw).strip()
        if not text.isdigit() or not 1 <= len(text) <= 2 or int(text) == 0:
            raise _invalid_codes({"code": text})
        codes.add(province_code(text))
    if not codes:
        raise _invalid_codes()
    return tuple(sorted(codes))


def _scope(codes: tuple[str, ...] | None, data: SourceData) -> tuple[set[str] | None, set[str] | None]:
    """The legacy and current provinces a filter means; None means every province."""
    if codes is None:
        return None, None
    legacy_known = {u.code for u in data.units if u.structure == L and u.level == UnitLevel.PROVINCE}
    current_known = {u.code for u in data.units if u.structure == C and u.level == UnitLevel.PROVINCE}
    unknown = [c for c in codes if c not in legacy_known and c not in current_known]
    if unknown:
        raise ValidationFailed(
            "Không có tỉnh nào mang mã: " + ", ".join(unknown) + ".",
            "No province has the code(s): " + ", ".join(unknown) + ".",
            code="units.unknown_province",
            details={"codes": unknown},
        )
    legacy_selected = {c for c in codes if c in legacy_known}
    current_selected = {c for c in codes if c in current_known}
    # One step across the reform in each direction, so every selected unit can be linked:
    # the provinces a selected former province became, and those a selected current one came from.
    legacy_scope = set(legacy_selected)
    current_scope = set(current_selected)
    for c in legacy_selected:
        current_scope.update(data.legacy_to_current.get(c, ()))
    for c in current_selected:
        legacy_scope.update(data.current_to_legacy.get(c, ()))
    return legacy_scope, current_scope


def _ended_on() -> date:
    """The last day of a current unit the package no longer lists: the day before its data was taken."""
    try:
        return date.fromisoformat(DATA_VERSION) - timedelta(days=1)
    except ValueError:
        return timezone.localdate() - timedelta(days=1)


def _province_of(rows: dict[int, dict]) -> dict[int, str]:
    """Province code of each existing unit, by walking parents in memory (at most three levels)."""
    result: dict[int, str] = {}
    for unit_id, row in rows.items():
        current = row
        for _ in range(4):
            if current["parent_id"] is None:
                result[unit_id] = current["code"]
                break
            current = rows.get(current["parent_id"])
            if current is None:
                break
    return result


@transaction.atomic
def load_units(*, actor: Any, province_codes: list[str] | None = None) -> LoadReport:
    """Load or refresh the registry from the installed `vietnam-provinces` package.

    ``province_codes`` limits the load: each code selects the legacy province and the current
    province with that code (whichever exist), widened by one step across the 2025 reform (the
    current provinces the selected legacy ones became, the legacy provinces the selected current
    ones came from), each with all its districts and communes. Successions are written when both
    ends are loaded. None loads the whole country.

    Idempotent: rows are compared with the package and written only when different. A unit the
    package no longer lists is never deleted (records may refer to it); it is marked ended.
    """
    require(actor, "units.manage")
    codes = normalize_province_codes(province_codes)
    data = read_source()
    legacy_scope, current_scope = _scope(codes, data)
    scopes = {L: legacy_scope, C: current_scope}

    def in_scope(structure: str, province: str) -> bool:
        wanted = scopes[structure]
        return wanted is None or province in wanted

    report = LoadReport(
        package_version=PACKAGE_VERSION,
        data_version=DATA_VERSION,
        province_codes=codes or (),
        legacy_provinces=tuple(sorted(legacy_scope)) if legacy_scope is not None else (),
        current_provinces=tuple(sorted(current_scope)) if current_scope is not None else (),
        unlinkable=[code for code, province in data.unlinkable if in_scope(L, province)],
    )
    try:
        unit_ids = _write_units(data, in_scope, report)
        _write_successions(data, in_scope, unit_ids, report)
    except IntegrityError:
        # Two loads at the same time: the second finds rows the first has just created.
        raise Conflict(
            "Một lần nạp danh mục khác đang chạy; vui lòng thử lại.",
            "Another load of the registry is running; please retry.",
            code="units.load_conflict",
        ) from None

    audit.record(
        actor=actor, action="units.loaded", obj=None, changes=report.as_dict(), summary=report.summary()
    )
    if report.changed:
        events.publish(
            UnitsLoaded(
                package_version=report.package_version,
                data_version=report.data_version,
                province_codes=report.province_codes,
                created=report.created,
                updated=report.updated,
                ended=report.ended,
                successions_created=report.successions_created,
                successions_updated=report.successions_updated,
                successions_removed=report.successions_removed,
            )
        )
    return report


def _write_units(data: SourceData, in_scope, report: LoadReport) -> dict[tuple[str, str], int]:
    rows = {
        row["id"]: row
        for row in AdministrativeUnit.objects.values("id", "structure", "code", *_UNIT_FIELDS).iterator(
            chunk_size=2000
        )
    }
    existing = {(row["structure"], row["code"]): row for row in rows.values()}
    unit_ids = {key: row["id"] for key, row in existing.items()}
    wanted = [u for u in data.units if in_scope(u.structure, u.province_code)]

    # Parents before children, so each level can point at ids the previous one created.
    for level in _LEVEL_ORDER:
        to_create: list[AdministrativeUnit] = []
        to_update: list[AdministrativeUnit] = []
        for unit in wanted:
            if unit.level != level:
                continue
            desired = {
                "name": unit.name,
                "division_type": unit.division_type,
                "level": unit.level,
                "parent_id": unit_ids[(unit.structure, unit.parent_code)] if unit.parent_code else None,
                "codename": unit.codename,
                "search_name": normalize_search(unit.name),
                "valid_from": unit.valid_from,
                "valid_to": unit.valid_to,
            }
            row = existing.get(unit.key)
            if row is None:
                to_create.append(AdministrativeUnit(structure=unit.structure, code=unit.code, **desired))
            elif any(row[name] != value for name, value in desired.items()):
                to_update.append(
                    AdministrativeUnit(id=row["id"], structure=unit.structure, code=unit.code, **desired)
                )
            else:
                report.unchanged += 1
        created = AdministrativeUnit.objects.bulk_create(to_create, batch_size=_BATCH)
        if any(obj.pk is None for obj in created):
            # Databases that do not return ids from a bulk insert: read them back.
            for structure in (L, C):
                new_codes = [obj.code for obj in created if obj.structure == structure]
                for start in range(0, len(new_codes), _BATCH):
                    for pk, code in AdministrativeUnit.objects.filter(
                        structure=structure, code__in=new_codes[start : start + _BATCH]
                    ).values_list("id", "code"):
                        unit_ids[(structure, code)] = pk
        else:
            unit_ids.update({(obj.structure, obj.code): obj.pk for obj in created})
        AdministrativeUnit.objects.bulk_update(to_update, fields=list(_UNIT_FIELDS), batch_size=_BATCH)
        report.created += len(to_create)
        report.updated += len(to_update)

    # Units in scope that the package no longer lists anywhere: mark them ended, never delete.
    source_keys = {u.key for u in data.units}
    provinces = _province_of(rows)
    ended_current = _ended_on()
    to_end: list[AdministrativeUnit] = []
    for unit_id, row in rows.items():
        key = (row["structure"], row["code"])
        if key in source_keys or row["valid_to"] is not None:
            continue
        province = provinces.get(unit_id)
        if province is None or not in_scope(row["structure"], province):
            continue
        last_day = data.effective_on - timedelta(days=1) if row["structure"] == L else ended_current
        to_end.append(AdministrativeUnit(id=unit_id, valid_to=last_day))
    AdministrativeUnit.objects.bulk_update(to_end, fields=["valid_to"], batch_size=_BATCH)
    report.ended = len(to_end)
    return unit_ids


def _write_successions(data: SourceData, in_scope, unit_ids: dict[tuple[str, str], int], report: LoadReport):
    wanted: dict[tuple[int, int], tuple[date, bool, bool]] = {}
    for s in data.successions:
        if not (
            in_scope(s.predecessor[0], s.predecessor_province)
            and in_scope(s.successor[0], s.successor_province)
        ):
            continue
        wanted[(unit_ids[s.predecessor], unit_ids[s.successor])] = (s.effective_on, s.is_partial, s.derived)

    # The units in scope, to tell a stale succession of this load from one another load owns.
    id_province: dict[int, tuple[str, str]] = {}
    source_province = {u.key: u.province_code for u in data.units}
    for key, unit_id in unit_ids.items():
        if key in source_province:
            id_province[unit_id] = (key[0], source_province[key])

    def owned(pred_id: int, succ_id: int) -> bool:
        pred, succ = id_province.get(pred_id), id_province.get(succ_id)
        return pred is not None and succ is not None and in_scope(*pred) and in_scope(*succ)

    to_update: list[UnitSuccession] = []
    to_remove: list[int] = []
    seen: set[tuple[int, int]] = set()
    for row in UnitSuccession.objects.values(
        "id", "predecessor_id", "successor_id", "effective_on", "is_partial", "derived"
    ).iterator(chunk_size=2000):
        pair = (row["predecessor_id"], row["successor_id"])
        desired = wanted.get(pair)
        if desired is None:
            if owned(*pair):
                to_remove.append(row["id"])
            continue
        seen.add(pair)
        if (row["effective_on"], row["is_partial"], row["derived"]) == desired:
            report.successions_unchanged += 1
        else:
            effective_on, is_partial, derived = desired
            to_update.append(
                UnitSuccession(
                    id=row["id"], effective_on=effective_on, is_partial=is_partial, derived=derived
                )
            )
    to_create = [
        UnitSuccession(
            predecessor_id=pred,
            successor_id=succ,
            effective_on=effective_on,
            is_partial=partial,
            derived=derived,
        )
        for (pred, succ), (effective_on, partial, derived) in wanted.items()
        if (pred, succ) not in seen
    ]
    UnitSuccession.objects.bulk_create(to_create, batch_size=_BATCH)
    UnitSuccession.objects.bulk_update(
        to_update, fields=["effective_on", "is_partial", "derived"], batch_size=_BATCH
    )
    for start in range(0, len(to_remove), _BATCH):
        UnitSuccession.objects.filter(id__in=to_remove[start : start + _BATCH]).delete()
    report.successions_created = len(to_create)
    report.successions_updated = len(to_update)
    report.successions_removed = len(to_remove)
