"""TEMPORARY contract stub: the events helper replaces this file with the transactional outbox."""

from __future__ import annotations

from tinhso.core.events.base import DomainEvent


def publish(event: DomainEvent) -> None:
    return None
