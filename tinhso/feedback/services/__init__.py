"""Every write of the field-report module, as ``verb_noun(*, actor, ...)`` functions.

Split by sub-domain: :mod:`.catalog` (categories, routing rules), :mod:`.submission`
(submitting a report), :mod:`.handling` (the state machine's steps, transfer, re-routing),
:mod:`.merging` (duplicates) and :mod:`.moderation` (the public view, contacts). Callers import this package: ``from tinhso.feedback import services``.
"""

from tinhso.feedback.services.catalog import (
    create_category,
    remove_routing_rule,
    set_routing_rule,
    update_category,
    validate_category_fields,
)
from tinhso.feedback.services.handling import (
    acknowledge_report,
    assign_report,
    auto_close_days,
    close_stale_reports,
    confirm_resolution,
    reject_report,
    reopen_report,
    reroute_report,
    resolve_report,
    start_report,
    transfer_report,
)
from tinhso.feedback.services.merging import merge_reports
from tinhso.feedback.services.moderation import moderate_report, reveal_contact
from tinhso.feedback.services.submission import Submitted, clean_unit, get_category, submit_report

__all__ = [
    "Submitted",
    "acknowledge_report",
    "assign_report",
    "auto_close_days",
    "clean_unit",
    "close_stale_reports",
    "confirm_resolution",
    "create_category",
    "get_category",
    "merge_reports",
    "moderate_report",
    "reject_report",
    "remove_routing_rule",
    "reopen_report",
    "reroute_report",
    "resolve_report",
    "reveal_contact",
    "set_routing_rule",
    "start_report",
    "submit_report",
    "transfer_report",
    "update_category",
    "validate_category_fields",
]
