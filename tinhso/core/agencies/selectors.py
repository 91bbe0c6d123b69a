"""Reads over the agency tree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from tinhso.core.agencies.models import Agency


def valid_on(day: date, prefix: str = "") -> Q:
    """Rows whose [valid_from, valid_to] range (open ends allowed) contains ``day``."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def agencies_as_of(day: date) -> QuerySet[Agency]:
    """Agencies that existed on ``day`` (both validity ends inclusive)."""
    return Agency.objects.filter(valid_on(day))


def search_agencies(
    *, as_of: date | None = None, parent: Agency | None = None, q: str = ""
) -> QuerySet[Agency]:
    """The public agency list: optionally those valid on a day, under one parent, matching a text."""
    rows = Agency.objects.select_related("parent", "successor", "unit")
    if as_of is not None:
        rows = rows.filter(valid_on(as_of))
    if parent is not None:
        rows = rows.filter(parent=parent)
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q))
    return rows.order_by("code")


def get_by_code(code: str) -> Agency | None:
    return (
        Agency.objects.select_related("parent", "successor", "unit")
        .filter(code=(code or "").strip().upper())
        .first()
    )


@dataclass
class AgencyNode:
    agency: Agency
    children: list[AgencyNode] = field(default_factory=list)


def agency_tree(as_of: date | None = None) -> list[AgencyNode]:
    """The agency forest in two queries at most: roots first, children sorted by code.

    With ``as_of`` only agencies valid that day are included; an agency whose parent is not
    included becomes a root, so nothing valid is hidden.
    """
    rows = list(
        (agencies_as_of(as_of) if as_of is not None else Agency.objects.all())
        .select_related("unit")
        .order_by("code")
    )
    nodes = {agency.pk: AgencyNode(agency) for agency in rows}
    roots: list[AgencyNode] = []
    for agency in rows:
        node = nodes[agency.pk]
        parent = nodes.get(agency.parent_id) if agency.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


def ancestors_of(agency: Agency) -> list[Agency]:
    """The parent, the parent's parent ... up to the root (nearest first)."""
    result: list[Agency] = []
    seen = {agency.pk}
    parent_id = agency.parent_id
    while parent_id is not None and parent_id not in seen:
        parent = Agency.objects.filter(pk=parent_id).first()
        if parent is None:
            break
        result.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    return result


def descendant_ids(agency_ids: Iterable[int]) -> set[int]:
    """The given agencies and every agency below them in the tree."""
    result = set(agency_ids)
    frontier = set(result)
    while frontier:
        children = set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - result
        result |= children
        frontier = children
    return result
