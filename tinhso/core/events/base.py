"""The base class of every domain event, and the index of event classes by name."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import ClassVar

_CLASSES: dict[str, type[DomainEvent]] = {}


@dataclass(frozen=True)
class DomainEvent:
    """A fact that happened; subclasses are frozen dataclasses with JSON-friendly fields.

    The ``name`` ("app.something_happened") is what the outbox stores and subscribers listen to:
    it never changes once events carry it. Add new payload fields with a default, so events
    already in the outbox still decode; never rename or remove one (publish a new event instead).
    """

    name: ClassVar[str]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not isinstance(name, str) or not name:
            return  # an abstract intermediate class
        existing = _CLASSES.get(name)
        # ``@dataclass(slots=True)`` builds a second class of the same name and module: not a clash.
        if existing is not None and (existing.__module__, existing.__qualname__) != (
            cls.__module__,
            cls.__qualname__,
        ):
            raise ValueError(
                f"Event name {name!r} is used by both {existing.__module__}.{existing.__qualname__} "
                f"and {cls.__module__}.{cls.__qualname__}"
            )
        _CLASSES[name] = cls


def event_classes() -> dict[str, type[DomainEvent]]:
    """Every event class imported so far, by name."""
    return dict(_CLASSES)


def event_class(name: str) -> type[DomainEvent] | None:
    cls = _CLASSES.get(name)
    if cls is None:
        load_event_modules()
        cls = _CLASSES.get(name)
    return cls


def load_event_modules() -> list[str]:
    """Import the ``events`` module of every installed tinhso app; returns the module names."""
    from django.apps import apps

    loaded = []
    for config in apps.get_app_configs():
        if not config.name.startswith("tinhso."):
            continue
        module = f"{config.name}.events"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
            loaded.append(module)
    return loaded
