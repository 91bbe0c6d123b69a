"""docs/events.md lists every domain event of every app, with its emitting app and payload fields."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import typing
from pathlib import Path

from django.apps import apps

from tinhso.core.events.base import DomainEvent, load_event_modules

DOC = Path(__file__).resolve().parents[4] / "docs" / "events.md"
ROW = re.compile(r"^\|\s*`(?P<name>[^`]+)`\s*\|(?P<app>[^|]*)\|(?P<fields>[^|]*)\|\s*$")


def _type_name(hint) -> str:
    if isinstance(hint, str):
        text = hint
    elif isinstance(hint, type) and typing.get_origin(hint) is None:
        text = hint.__name__
    else:
        text = str(hint).replace("typing.", "")
    return text.replace(" | ", " or ")  # a pipe would end the table cell


def code_events() -> dict[str, tuple[str, list[str], str]]:
    """name -> (app label, payload field names, the catalogue row to paste)."""
    found = {}
    for module_name in load_event_modules():
        module = importlib.import_module(module_name)
        label = apps.get_containing_app_config(module_name).label
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, DomainEvent) or cls is DomainEvent or cls.__module__ != module_name:
                continue
            fields = dataclasses.fields(cls)
            described = ", ".join(f"`{f.name}` ({_type_name(f.type)})" for f in fields) or "none"
            found[cls.name] = (label, [f.name for f in fields], f"| `{cls.name}` | {label} | {described} |")
    return found


def doc_events() -> dict[str, tuple[str, list[str]]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Event catalogue", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match["name"]] = (match["app"].strip(), re.findall(r"`([^`]+)`", match["fields"]))
    return rows


def test_catalogue_section_exists_and_parses():
    assert "## Event catalogue" in DOC.read_text(encoding="utf-8")
    assert ROW.match("| `a.b` | a | `x` (str), `y` (int) |")
    assert not ROW.match("|---|---|---|")


def test_code_events_are_found():
    events = code_events()
    # The accounts app is finished; its events are a fixed point that proves the discovery works.
    assert events["accounts.citizen_registered"][:2] == ("accounts", ["user_public_id"])
    assert all(not name.startswith("tests.") for name in events)


def test_every_event_is_in_the_catalogue():
    documented = doc_events()
    problems = []
    for name, (label, fields, row) in sorted(code_events().items()):
        if name not in documented:
            problems.append(f"missing from docs/events.md, add:\n{row}")
        elif documented[name] != (label, fields):
            problems.append(f"out of date in docs/events.md, replace its row with:\n{row}")
    assert not problems, "\n".join(problems)


def test_catalogue_lists_no_event_that_does_not_exist():
    gone = sorted(set(doc_events()) - set(code_events()))
    assert not gone, f"docs/events.md lists events no app defines: {gone}"
