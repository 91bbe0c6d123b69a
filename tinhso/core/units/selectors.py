"""Reads of the units registry: units valid on a day, successions in both directions, search.

The registry is public data (permission ``units.view`` is public), so these take no actor.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tinhso.core.errors import NotFound, ValidationFailed
from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel, UnitSuccession
from tinhso.core.units.source import normalize_search

# A chain of reforms is short (one so far); the bound only guards against a cycle in bad data.
_MAX_STEPS = 10


def valid_on(day: date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def is_valid_on(unit: AdministrativeUnit, day: date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (
        unit.valid_to is None or unit.valid_to >= day
    )


def get_unit(structure: str, code: str) -> AdministrativeUnit:
    """The unit with ``code`` in ``structure`` ("legacy" or "current"), or NotFound."""
    if structure not in Structure.values:
        raise ValidationFailed(
            "Cấu trúc phải là legacy (trước 01/7/2025) hoặc current (từ 01/7/2025).",
            "The structure must be legacy (before 1 July 2025) or current (from 1 July 2025).",
            code="units.invalid_structure",
        )
    unit = (
        AdministrativeUnit.objects.select_related("parent__parent")
        .filter(structure=structure, code=code)
        .first()
    )
    if unit is None:
        raise NotFound(
            "Không tìm thấy đơn vị hành chính.", "Administrative unit not found.", code="units.not_found"
        )
    return unit


def units_with_code(code: str) -> list[AdministrativeUnit]:
    """Units with ``code`` in either structure, current first (a code may exist in both)."""
    rows = AdministrativeUnit.objects.select_related("parent__parent").filter(code=code)
    return sorted(rows, key=lambda u: u.structure != Structure.CURRENT)


def province_as_of(code: str, day: date) -> AdministrativeUnit | None:
    return (
        AdministrativeUnit.objects.filter(valid_on(day), code=code, level=UnitLevel.PROVINCE)
        .order_by("-valid_from")
        .first()
    )


def units_as_of(
    day: date,
    *,
    level: str | None = None,
    parent: AdministrativeUnit | int | None = None,
    province: AdministrativeUnit | str | None = None,
) -> QuerySet[AdministrativeUnit]:
    """The units that existed on ``day``, optionally of one level, under one parent, or anywhere
    inside one province (a unit, or a province code resolved to the province valid on ``day``)."""
    if level is not None and level not in UnitLevel.values:
        raise ValidationFailed(
            "Cấp đơn vị không hợp lệ (province, district, commune).",
            "Unknown level (province, district, commune).",
            code="units.invalid_level",
        )
    qs = AdministrativeUnit.objects.filter(valid_on(day)).select_related("parent")
    if level is not None:
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent_id=parent.pk if isinstance(parent, AdministrativeUnit) else parent)
    if province is not None:
        if not isinstance(province, AdministrativeUnit):
            found = province_as_of(f"{int(province):02d}" if str(province).isdigit() else str(province), day)
            if found is None:
                return qs.none()
            province = found
        qs = qs.filter(Q(pk=province.pk) | Q(parent_id=province.pk) | Q(parent__parent_id=province.pk))
    return qs.order_by("level", "code")


def _direct_successors(unit_ids: set[int]) -> dict[int, list[AdministrativeUnit]]:
    result: dict[int, list[AdministrativeUnit]] = {uid: [] for uid in unit_ids}
    for link in UnitSuccession.objects.filter(predecessor_id__in=unit_ids).select_related("successor"):
        result[link.predecessor_id].append(link.successor)
    return result


def _direct_predecessors(unit_ids: set[int], *, include_derived: bool) -> dict[int, list[AdministrativeUnit]]:
    result: dict[int, list[AdministrativeUnit]] = {uid: [] for uid in unit_ids}
    links = UnitSuccession.objects.filter(successor_id__in=unit_ids).select_related("predecessor")
    if not include_derived:
        links = links.filter(derived=False)
    for link in links:
        result[link.successor_id].append(link.predecessor)
    return result


def _walk(unit: AdministrativeUnit, step, transitive: bool) -> list[AdministrativeUnit]:
    """Follow links from ``unit``: the direct neighbours, or (transitive) the ends of every chain."""
    frontier = {unit.pk: unit}
    ends: dict[int, AdministrativeUnit] = {}
    visited = {unit.pk}
    for _ in range(_MAX_STEPS):
        neighbours = step(set(frontier))
        next_frontier: dict[int, AdministrativeUnit] = {}
        for uid, found in neighbours.items():
            if not found and uid != unit.pk:
                ends[uid] = frontier[uid]
            for other in found:
                if other.pk not in visited:
                    visited.add(other.pk)
                    next_frontier[other.pk] = other
        if not transitive:
            return sorted(next_frontier.values(), key=lambda u: (u.structure, u.code))
        if not next_frontier:
            break
        frontier = next_frontier
    else:
        ends.update(frontier)
    return sorted(ends.values(), key=lambda u: (u.structure, u.code))


def successors_of(unit: AdministrativeUnit, *, transitive: bool = True) -> list[AdministrativeUnit]:
    """What a former unit became. Transitive: the units at the end of each chain of reforms;
    otherwise the direct successors. A former district answers with the current communes its
    communes went to. Empty for a unit that was not succeeded."""
    return _walk(unit, _direct_successors, transitive)


def predecessors_of(
    unit: AdministrativeUnit, *, transitive: bool = False, include_derived: bool = False
) -> list[AdministrativeUnit]:
    """Which former units a unit came from (direct by default). Districts, linked to communes by
    derivation rather than by the source, are left out unless ``include_derived``."""
    return _walk(unit, lambda ids: _direct_predecessors(ids, include_derived=include_derived), transitive)


def successions_of(unit: AdministrativeUnit) -> tuple[list[UnitSuccession], list[UnitSuccession]]:
    """The succession rows (with ``is_partial``) out of and into ``unit``: (became, came from)."""
    out = list(
        UnitSuccession.objects.filter(predecessor=unit)
        .select_related("successor")
        .order_by("successor__structure", "successor__code")
    )
    into = list(
        UnitSuccession.objects.filter(successor=unit)
        .select_related("predecessor")
        .order_by("derived", "predecessor__level", "predecessor__code")
    )
    return out, into


def _ancestors(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    chain = []
    current: AdministrativeUnit | None = unit
    while current is not None and len(chain) <= _MAX_STEPS:
        chain.append(current)
        current = current.parent
    return chain


def _smallest_common(units: list[AdministrativeUnit]) -> AdministrativeUnit | None:
    if not units:
        return None
    if len({u.pk for u in units}) == 1:
        return units[0]
    chains = [_ancestors(u) for u in units]
    shared = set.intersection(*({a.pk for a in chain} for chain in chains))
    for ancestor in chains[0]:
        if ancestor.pk in shared:
            return ancestor
    return None


def current_unit_for(unit: AdministrativeUnit, day: date) -> AdministrativeUnit | None:
    """The unit valid on ``day`` that covers ``unit`` (of either structure).

    A unit valid on ``day`` is itself. Otherwise successions are followed forward (``day`` after
    the unit ended) or backward (``day`` before it began) to the units valid on ``day``; when they
    lead to one unit, that unit, when they lead to several (a commune split between communes, a
    district spread over new communes), the smallest unit valid on ``day`` containing them all
    (usually the province), so a record is never counted twice. None when no unit covers it (no
    succession recorded, or split between provinces).
    """
    if is_valid_on(unit, day):
        return unit
    forward = unit.valid_to is not None and unit.valid_to < day
    frontier = [unit]
    for _ in range(_MAX_STEPS):
        ids = {u.pk for u in frontier if not is_valid_on(u, day)}
        if not ids:
            break
        links = _direct_successors(ids) if forward else _direct_predecessors(ids, include_derived=False)
        if any(not found for found in links.values()):
            # Part of the way leads nowhere: no unit on that day is known to cover it all.
            return None
        next_frontier: dict[int, AdministrativeUnit] = {}
        for u in frontier:
            for other in [u] if u.pk not in ids else links[u.pk]:
                next_frontier[other.pk] = other
        frontier = list(next_frontier.values())
    frontier = [u for u in frontier if is_valid_on(u, day)]
    if not frontier:
        return None
    loaded = list(
        AdministrativeUnit.objects.select_related("parent__parent").filter(pk__in=[u.pk for u in frontier])
    )
    return _smallest_common(loaded)


def matching(qs: QuerySet[AdministrativeUnit], q: str) -> QuerySet[AdministrativeUnit]:
    """Narrow ``qs`` to names containing every word of ``q``, ignoring case and diacritics (đ = d)."""
    for word in normalize_search(q).split():
        qs = qs.filter(search_name__contains=word)
    return qs


def find_units(
    q: str, *, as_of: date | None = None, level: str | None = None, limit: int = 50
) -> list[AdministrativeUnit]:
    """Units of either structure whose name contains every word of ``q``, ignoring case and
    diacritics (đ = d). Current units come first, then by level (province, district, commune) and name.
    """
    if not normalize_search(q):
        return []
    qs = matching(AdministrativeUnit.objects.select_related("parent"), q)
    if as_of is not None:
        qs = qs.filter(valid_on(as_of))
    if level is not None:
        qs = qs.filter(level=level)
    level_rank = Case(
        When(level=UnitLevel.PROVINCE, then=Value(0)),
        When(level=UnitLevel.DISTRICT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    current_first = Case(
        When(structure=Structure.CURRENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(qs.order_by(current_first, level_rank, "search_name", "code")[: max(limit, 1)])
