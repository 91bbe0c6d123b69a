"""``tinhso units load | show | as-of``: load the administrative units registry and look into it."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tinhso.core import context
from tinhso.core.errors import DomainError
from tinhso.core.permissions import SYSTEM
from tinhso.core.units import selectors, services
from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel
from tinhso.core.units.source import PACKAGE_VERSION


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text!r}") from None


def _validity(unit: AdministrativeUnit) -> str:
    start = unit.valid_from.isoformat() if unit.valid_from else "…"
    end = unit.valid_to.isoformat() if unit.valid_to else "…"
    return f"{start} → {end}"


def _label(unit: AdministrativeUnit) -> str:
    return f"{unit.structure}/{unit.code} {unit.name}"


class Command(BaseCommand):
    help = (
        "The administrative units registry (before and after 1 July 2025), loaded from the "
        f"vietnam-provinces package (installed: {PACKAGE_VERSION})."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{load,show,as-of}")
        load = sub.add_parser("load", help="Load or refresh the registry (idempotent).")
        load.add_argument(
            "--province",
            action="append",
            metavar="CODE",
            help="Province code (legacy and/or current, e.g. 93 or 92); repeatable. Default: the whole country.",
        )
        show = sub.add_parser("show", help="Print a unit with its parent, successors and predecessors.")
        show.add_argument("code")
        show.add_argument(
            "--structure", choices=Structure.values, help="Default: every structure with that code."
        )
        as_of = sub.add_parser("as-of", help="List the units that existed on a day.")
        as_of.add_argument("day", help="YYYY-MM-DD")
        as_of.add_argument(
            "--province", metavar="CODE", help="Only units inside this province (as of that day)."
        )
        as_of.add_argument("--level", choices=UnitLevel.values)

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action.replace('-', '_')}")(**options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message_en}") from None

    def _load(self, *, province: list[str] | None, **_):
        ctx = context.RequestContext(request_id=context.new_request_id(), channel="cli")
        with context.bound(ctx):
            report = services.load_units(actor=SYSTEM, province_codes=province)
        scope = "all provinces"
        if report.province_codes:
            scope = (
                f"asked {', '.join(report.province_codes)}; loaded legacy "
                f"{', '.join(report.legacy_provinces) or '-'} and current {', '.join(report.current_provinces) or '-'}"
            )
        self.stdout.write(f"vietnam-provinces {report.package_version} (data {report.data_version}), {scope}")
        self.stdout.write(
            f"Units: created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}, ended {report.ended}"
        )
        self.stdout.write(
            f"Successions: created {report.successions_created}, updated {report.successions_updated}, "
            f"unchanged {report.successions_unchanged}, removed {report.successions_removed}"
        )
        if report.unlinkable:
            self.stdout.write(
                f"Not linked: {len(report.unlinkable)} conversion row(s) name a former commune the package does "
                "not list"
            )
        self.stdout.write(
            self.style.SUCCESS("Registry changed." if report.changed else "Registry already up to date.")
        )

    def _show(self, *, code: str, structure: str | None, **_):
        units = [selectors.get_unit(structure, code)] if structure else selectors.units_with_code(code)
        if not units:
            raise CommandError(f"No unit has the code {code!r}.")
        for index, unit in enumerate(units):
            if index:
                self.stdout.write("")
            self.stdout.write(f"{_label(unit)} ({unit.division_type}, {unit.level})")
            self.stdout.write(f"  valid: {_validity(unit)}")
            if unit.parent:
                self.stdout.write(f"  parent: {_label(unit.parent)}")
            out, into = selectors.successions_of(unit)
            if out:
                self.stdout.write("  became:")
                for link in out:
                    note = " (part)" if link.is_partial else ""
                    self.stdout.write(f"    {link.effective_on} → {_label(link.successor)}{note}")
            if into:
                self.stdout.write("  came from:")
                for link in into:
                    notes = [n for n, on in (("part", link.is_partial), ("derived", link.derived)) if on]
                    note = f" ({', '.join(notes)})" if notes else ""
                    self.stdout.write(f"    {link.effective_on} ← {_label(link.predecessor)}{note}")

    def _as_of(self, *, day: str, province: str | None, level: str | None, **_):
        on = _day(day)
        if province is not None and not province.isdigit():
            raise CommandError(f"Not a province code: {province!r}")
        units = list(selectors.units_as_of(on, level=level, province=province))
        ids = {u.pk for u in units}
        children: dict[int | None, list[AdministrativeUnit]] = {}
        for unit in units:
            children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)

        def write(parent_id: int | None, depth: int) -> None:
            for unit in children.get(parent_id, []):
                self.stdout.write(f"{'  ' * depth}{unit.code} {unit.name} [{unit.structure}]")
                write(unit.pk, depth + 1)

        write(None, 0)
        self.stdout.write(f"{len(units)} unit(s) on {on.isoformat()}")
