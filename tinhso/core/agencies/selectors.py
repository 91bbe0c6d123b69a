"""Reads over the agency tree."""

from __future__ import annotations

from collections.abc import Iterable

from tinhso.core.agencies.models import Agency


def descendant_ids(agency_ids: Iterable[int]) -> set[int]:
    """The given agencies and every agency below them in the tree."""
    result = set(agency_ids)
    frontier = set(result)
    while frontier:
        children = set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - result
        result |= children
        frontier = children
    return result
