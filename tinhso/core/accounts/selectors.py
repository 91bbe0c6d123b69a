"""Reads about people and their rights."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from tinhso.core.accounts.models import AgencyAccessGrant, OfficerRole


def _valid_today(prefix: str = "") -> Q:
    today = timezone.localdate()
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": today})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": today})
    )


def active_roles_of(user) -> list[tuple[int, str, bool]]:
    return list(
        OfficerRole.objects.filter(_valid_today(), user=user).values_list(
            "agency_id", "role", "covers_subordinates"
        )
    )


def agencies_granted_to(agency_ids: Iterable[int], action: str) -> set[int]:
    """Agencies whose objects ``agency_ids`` may act on for ``action`` through explicit grants."""
    ids = set(agency_ids)
    if not ids:
        return set()
    grants = AgencyAccessGrant.objects.filter(_valid_today(), grantee_id__in=ids).values_list(
        "target_id", "action_prefix"
    )
    return {target for target, prefix in grants if action.startswith(prefix)}
