"""Which agency handles a report: the most specific routing rule for its category and unit, else
the category's own agency; a closed agency hands over to its successor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tinhso.core.agencies.models import Agency
from tinhso.feedback.models import Category, RoutingRule

_MAX_STEPS = 10  # unit depth and successor chains are short; this only guards against bad data


@dataclass(frozen=True)
class Route:
    agency: Agency
    via: str  # "rule" or "category"
    rule: RoutingRule | None = None


def _unit_chain(unit) -> list[int]:
    """The unit and its ancestors, nearest first."""
    chain: list[int] = []
    current = unit
    while current is not None and len(chain) < _MAX_STEPS:
        chain.append(current.pk)
        current = current.parent
    return chain


def effective_agency(agency: Agency, day: date) -> Agency:
    """``agency`` if it exists on ``day``, else the successor that does (an agency closed in a
    reorganisation hands over its work)."""
    current, steps = agency, 0
    while (
        current.valid_to is not None
        and current.valid_to < day
        and current.successor_id
        and steps < _MAX_STEPS
    ):
        current = current.successor
        steps += 1
    return current


def route_for(category: Category, unit, *, day: date) -> Route:
    if unit is not None:
        chain = _unit_chain(unit)
        rules = {
            rule.unit_id: rule
            for rule in RoutingRule.objects.select_related("agency__successor").filter(
                category=category, unit_id__in=chain
            )
        }
        for depth, unit_id in enumerate(chain):
            rule = rules.get(unit_id)
            if rule is not None and (depth == 0 or rule.include_descendants):
                return Route(agency=effective_agency(rule.agency, day), via="rule", rule=rule)
    return Route(agency=effective_agency(category.agency, day), via="category")
