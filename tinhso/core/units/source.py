"""Reading the `vietnam-provinces` package into plain rows the registry can load.

Everything the registry knows about units comes from here: the two structures the package ships
(``vietnam_provinces`` for the units from 1 July 2025, ``vietnam_provinces.legacy`` for the units
before) and its 2025 conversion tables. Nothing is typed in by hand. The package has no
coordinates, so latitude/longitude stay empty.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import vietnam_provinces
import vietnam_provinces.legacy as legacy

from tinhso.core.units.models import Structure, UnitLevel

# The 2025 reform: the three-tier structure ended on 30 June, the two-tier one began on 1 July.
# The conversion tables state the same date (EFFECTIVE_DATE); reading it keeps us honest if a
# future package version carries another reform.
REFORM_DAY = date(2025, 7, 1)
LEGACY_LAST_DAY = REFORM_DAY - timedelta(days=1)

PACKAGE_VERSION: str = vietnam_provinces.__version__
DATA_VERSION: str = getattr(vietnam_provinces, "__data_version__", "")


def normalize_search(text: str) -> str:
    """Lowercase, without diacritics, with đ as d and single spaces: how names are searched."""
    text = (text or "").lower().replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.replace("-", " ").replace("_", " ").split())


def province_code(value: int | str) -> str:
    return f"{int(value):02d}"


def district_code(value: int | str) -> str:
    return f"{int(value):03d}"


def commune_code(value: int | str) -> str:
    return f"{int(value):05d}"


@dataclass(frozen=True)
class SourceUnit:
    structure: str
    code: str
    name: str
    division_type: str
    level: str
    parent_code: str | None
    province_code: str
    codename: str
    valid_from: date | None
    valid_to: date | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.structure, self.code)


@dataclass(frozen=True)
class SourceSuccession:
    """(structure, code) of predecessor and successor, with the province of each for filtering."""

    predecessor: tuple[str, str]
    successor: tuple[str, str]
    predecessor_province: str
    successor_province: str
    effective_on: date
    is_partial: bool
    derived: bool = False


@dataclass(frozen=True)
class SourceData:
    units: tuple[SourceUnit, ...]
    successions: tuple[SourceSuccession, ...]
    # Conversion rows naming a former commune the package does not list (it was dissolved or
    # renumbered before the package's legacy snapshot): they cannot be linked and are reported.
    # (commune code, legacy province code) pairs.
    unlinkable: tuple[tuple[str, str], ...]
    # province code -> codes in the other structure it became / came from
    legacy_to_current: dict[str, tuple[str, ...]]
    current_to_legacy: dict[str, tuple[str, ...]]
    effective_on: date


def _conversion_tables():
    # The package exposes the full 2025 tables only as these modules (its public helpers answer
    # one code at a time); importing them here keeps the dependency on private names in one place.
    from vietnam_provinces import _province_conversion_2025 as provinces
    from vietnam_provinces import _ward_conversion_2025 as wards

    return provinces, wards


@lru_cache(maxsize=1)
def read_source() -> SourceData:
    provinces_table, wards_table = _conversion_tables()
    effective_on = date.fromisoformat(getattr(wards_table, "EFFECTIVE_DATE", REFORM_DAY.isoformat()))
    legacy_last_day = effective_on - timedelta(days=1)
    units: list[SourceUnit] = []

    def add(structure, code, item, level, parent, province):
        units.append(
            SourceUnit(
                structure=structure,
                code=code,
                name=item.name,
                division_type=str(item.division_type.value),
                level=level,
                parent_code=parent,
                province_code=province,
                codename=item.codename,
                valid_from=None if structure == Structure.LEGACY else effective_on,
                valid_to=legacy_last_day if structure == Structure.LEGACY else None,
            )
        )

    L, C = Structure.LEGACY.value, Structure.CURRENT.value
    for p in legacy.Province.iter_all():
        add(L, province_code(p.code.value), p, UnitLevel.PROVINCE.value, None, province_code(p.code.value))
    district_province: dict[int, str] = {}
    for d in legacy.District.iter_all():
        pcode = province_code(d.province_code.value)
        district_province[d.code.value] = pcode
        add(L, district_code(d.code.value), d, UnitLevel.DISTRICT.value, pcode, pcode)
    legacy_ward_district: dict[int, int] = {}
    for w in legacy.Ward.iter_all():
        dcode = w.district_code.value
        legacy_ward_district[w.code.value] = dcode
        add(
            L,
            commune_code(w.code.value),
            w,
            UnitLevel.COMMUNE.value,
            district_code(dcode),
            district_province[dcode],
        )
    for p in vietnam_provinces.Province.iter_all():
        pcode = province_code(p.code.value)
        add(C, pcode, p, UnitLevel.PROVINCE.value, None, pcode)
    for w in vietnam_provinces.Ward.iter_all():
        pcode = province_code(w.province_code.value)
        add(C, commune_code(w.code.value), w, UnitLevel.COMMUNE.value, pcode, pcode)

    successions: list[SourceSuccession] = []
    legacy_to_current: dict[str, tuple[str, ...]] = {}
    for old, entry in provinces_table.OLD_TO_NEW.items():
        targets = tuple(province_code(np.code) for np in entry.new_provinces)
        legacy_to_current[province_code(old)] = targets
        for target in targets:
            successions.append(
                SourceSuccession(
                    predecessor=(L, province_code(old)),
                    successor=(C, target),
                    predecessor_province=province_code(old),
                    successor_province=target,
                    effective_on=effective_on,
                    # A province split between several new ones gave only part of itself to each.
                    is_partial=len(targets) > 1,
                )
            )
    current_to_legacy: dict[str, tuple[str, ...]] = {
        province_code(new): tuple(province_code(op.code) for op in entry.old_provinces)
        for new, entry in provinces_table.NEW_TO_OLD.items()
    }

    unlinkable: list[tuple[str, str]] = []
    # district code -> new ward code -> partial?
    district_targets: dict[int, dict[int, bool]] = defaultdict(dict)
    for old, entry in wards_table.OLD_TO_NEW.items():
        if old not in legacy_ward_district:
            unlinkable.append((commune_code(old), province_code(entry.old_ward.province_code)))
            continue
        old_province = province_code(entry.old_ward.province_code)
        partial = bool(entry.old_ward.is_partly_merged) or len(entry.new_wards) > 1
        dcode = legacy_ward_district[old]
        for nw in entry.new_wards:
            successions.append(
                SourceSuccession(
                    predecessor=(L, commune_code(old)),
                    successor=(C, commune_code(nw.code)),
                    predecessor_province=old_province,
                    successor_province=province_code(nw.province_code),
                    effective_on=effective_on,
                    is_partial=partial,
                )
            )
            targets = district_targets[dcode]
            targets[nw.code] = targets.get(nw.code, False) or partial

    # Districts were abolished, not renamed: what a district became is the set of current
    # communes its communes went to. Each link is partial unless the whole district went to
    # one commune.
    ward_province = {
        w.code.value: province_code(w.province_code.value) for w in vietnam_provinces.Ward.iter_all()
    }
    for dcode, targets in district_targets.items():
        for new_code, partial in targets.items():
            successions.append(
                SourceSuccession(
                    predecessor=(L, district_code(dcode)),
                    successor=(C, commune_code(new_code)),
                    predecessor_province=district_province[dcode],
                    successor_province=ward_province[new_code],
                    effective_on=effective_on,
                    is_partial=partial or len(targets) > 1,
                    derived=True,
                )
            )

    return SourceData(
        units=tuple(units),
        successions=tuple(successions),
        unlinkable=tuple(sorted(unlinkable)),
        legacy_to_current=legacy_to_current,
        current_to_legacy=current_to_legacy,
        effective_on=effective_on,
    )
