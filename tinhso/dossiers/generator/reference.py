"""What the generator draws from: the catalog and the agencies as plain objects, with weights.

Read once at the start of a run. A *combination* is one procedure received by one agency, with
its route resolved for that agency (who performs each step) exactly as the reception service
would (``catalog.step_agency``); combinations whose route cannot be resolved or exceeds the
legal time are left out, as the service would refuse them. Combinations change on the days the
catalog or the agencies change (a department merged, the 1 July 2025 reform): the period is cut
into *segments* on those days, and each segment has its own weighted table per month.

Weights are plausible, not measured: civil status (hộ tịch) and certification (chứng thực) at
commune level dominate, then land, driving licences, criminal records and business households;
education peaks in June–September, land and construction at the end of the year, civil status
around the wedding season before Tết. They are listed in docs/onestop.md ("Demo data").
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tinhso.core.agencies.models import Agency, AgencyKind
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import catalog
from tinhso.dossiers.generator import names
from tinhso.procedures.models import FormFieldType, OnlineLevel, Procedure

# Relative yearly volume of one procedure of each field, province-wide.
FIELD_WEIGHT = {
    "HT": 6.0,
    "CT": 14.0,
    "LLTP": 6.0,
    "BTTP": 0.5,
    "NCN": 0.1,
    "DD": 5.0,
    "MT": 0.4,
    "TNN": 0.2,
    "XD": 2.5,
    "DB": 5.0,
    "HKD": 3.0,
    "HTX": 0.3,
    "DN": 1.5,
    "DT": 0.3,
    "GD": 1.2,
    "YT": 0.8,
    "LD": 0.8,
    "NCC": 0.6,
    "BTXH": 1.5,
    "NN": 0.6,
    "LT": 0.4,
    "DIEN": 0.3,
    "VH": 0.3,
    "DL": 0.3,
    "BC": 0.2,
    "KHCN": 0.1,
    "TDKT": 0.3,
    "TG": 0.2,
    "NV": 0.2,
    "TC": 0.2,
    "TCD": 0.3,
}
DEFAULT_FIELD_WEIGHT = 0.5
# The procedures everybody needs, by words of their name.
NAME_BOOSTS = [
    ("khai sinh", 4.0),
    ("chứng thực bản sao", 3.0),
    ("bản sao từ sổ gốc", 1.5),
    ("chứng thực chữ ký", 1.5),
    ("kết hôn", 2.0),
    ("trích lục", 1.5),
    ("khai tử", 1.2),
    ("lý lịch tư pháp", 2.0),
    ("giấy phép lái xe", 3.0),
    ("biến động", 1.5),
    ("quyền sử dụng đất", 1.5),
    ("giấy phép xây dựng", 1.5),
    ("hộ kinh doanh", 1.5),
    ("thành lập doanh nghiệp", 1.5),
]
# Month multipliers (January first) per field; other fields use DEFAULT_SEASON.
DEFAULT_SEASON = (1.05, 0.8, 1.0, 0.95, 1.0, 1.0, 1.0, 1.0, 0.95, 1.0, 1.05, 1.15)
SEASONS = {
    "GD": (0.7, 0.6, 0.7, 0.7, 0.9, 1.3, 1.8, 2.0, 1.2, 0.8, 0.7, 0.7),
    "DD": (1.1, 0.6, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.2, 1.35, 1.6),
    "XD": (1.1, 0.6, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.2, 1.35, 1.6),
    "MT": (1.1, 0.6, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.2, 1.35, 1.6),
    "TNN": (1.1, 0.6, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.2, 1.35, 1.6),
    "HT": (1.3, 0.75, 0.95, 0.9, 0.9, 0.9, 0.95, 0.95, 1.0, 1.05, 1.15, 1.3),
    "HKD": (1.2, 0.8, 1.1, 1.0, 1.0, 0.95, 0.95, 0.95, 1.0, 1.0, 1.0, 1.1),
    "DN": (1.2, 0.8, 1.1, 1.0, 1.0, 0.95, 0.95, 0.95, 1.0, 1.0, 1.0, 1.1),
}
BUSINESS_FIELDS = {"DN", "DT", "HTX"}
# The merged city's departments serve three former provinces (Cần Thơ, Sóc Trăng, Hậu Giang).
MERGED_CITY_SUFFIX = ".H13"
MERGED_CITY_FACTOR = 1.5
FORM_VARIANTS = 4


def stable_unit(text: str) -> float:
    """A number in [0, 1) fixed by ``text`` (weights must not depend on the run's seed)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big") / float(1 << 48)


@dataclass(frozen=True)
class AgencyInfo:
    id: int
    code: str
    name: str
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    def open_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class StepInfo:
    route_step_id: int
    order: int
    name: str
    kind: str
    role: str
    share: Decimal
    agency_id: int
    agency_code: str
    due_split: tuple[int, int] | None
    """(whole working days, office minutes) after receipt; None: the dossier's own deadline."""


@dataclass(frozen=True)
class Variant:
    """One way of filling in the procedure's form, with the fee it implies."""

    form_json: str
    fee_options_json: str
    fee_amount: int


@dataclass
class ProcedureInfo:
    id: int
    code: str
    name: str
    field_code: str
    days: int
    online_level: str
    result_type: str
    active_from: dt.date | None
    active_to: dt.date | None
    weight: float
    variants: list[Variant]
    required_documents: list[tuple[int, str]]
    season: tuple[float, ...]

    @property
    def online(self) -> bool:
        return self.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL)

    def active_on(self, day: dt.date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or day <= self.active_to
        )


@dataclass
class Combo:
    procedure: ProcedureInfo
    agency: AgencyInfo
    steps: tuple[StepInfo, ...]
    weight: float = 0.0


@dataclass
class Table:
    """The combinations open in one segment, weighted for one month."""

    combos: list[Combo]
    cumulative: list[float]
    online_combos: list[Combo]
    online_cumulative: list[float]

    @property
    def total(self) -> float:
        return self.cumulative[-1] if self.cumulative else 0.0

    @property
    def online_fraction(self) -> float:
        if not self.cumulative:
            return 0.0
        return (self.online_cumulative[-1] if self.online_cumulative else 0.0) / self.cumulative[-1]

    def pick(self, u: float, *, online_only: bool = False) -> Combo:
        combos, cumulative = (
            (self.online_combos, self.online_cumulative) if online_only else (self.combos, self.cumulative)
        )
        index = bisect.bisect_right(cumulative, u * cumulative[-1])
        return combos[min(index, len(combos) - 1)]


def _procedure_weight(code: str, name: str, field_code: str) -> float:
    weight = FIELD_WEIGHT.get(field_code, DEFAULT_FIELD_WEIGHT)
    lowered = name.lower()
    for words, boost in NAME_BOOSTS:
        if words in lowered:
            weight *= boost
    return weight * (0.6 + 0.8 * stable_unit("procedure:" + code))


def _fee_choices(procedure: Procedure) -> list[tuple[dict, dict]]:
    """(fee options, form answers that go with them) for each case of the fee rule."""
    rule = procedure.fee_rule or {}
    kind = rule.get("kind", "free")
    if kind == "table":
        return [({"option": row["key"]}, {"fee_option": row["key"]}) for row in rule.get("options", [])]
    if kind == "per_unit":
        return [({"quantity": q}, {"fee_quantity": q}) for q in (1, 2, 3, 5, 10)]
    return [({}, {})]


def _answer(field, rng: random.Random, procedure_name: str):
    key = field.key
    if field.datatype == FormFieldType.CHOICE:
        values = [str(c.get("value")) for c in field.choices or [] if isinstance(c, dict)]
        return rng.choice(values) if values else None
    if field.datatype == FormFieldType.NUMBER:
        if "dien_tich" in key:
            return rng.randrange(40, 400)
        if key == "von":
            return rng.randrange(1, 50) * 100_000_000
        return rng.randrange(1, 5)
    if field.datatype == FormFieldType.DATE:
        if "het_han" in key:
            return dt.date(2027 + rng.randrange(8), 1 + rng.randrange(12), 1 + rng.randrange(28)).isoformat()
        return dt.date(1950 + rng.randrange(70), 1 + rng.randrange(12), 1 + rng.randrange(28)).isoformat()
    if field.datatype == FormFieldType.BOOLEAN:
        return rng.random() < 0.5
    if "ho_ten" in key:
        return names.person(rng)[0]
    if "dia_chi" in key or key.startswith("noi_"):
        return names.address(rng)
    if key.startswith("so_"):
        return str(rng.randrange(1, 500))
    if key in ("ten_to_chuc",):
        return names.organisation(rng)
    if field.datatype == FormFieldType.TEXTAREA:
        return f"Đề nghị giải quyết thủ tục {procedure_name[:120]} (dữ liệu minh họa)."
    return "Nội dung minh họa"


def fill_form(procedure: Procedure, rng: random.Random, fee_choice: int = 0) -> tuple[dict, dict]:
    """Plausible answers to the procedure's online form, and the fee options they imply (the
    ``fee_choice``-th case of the fee rule), checked with the submission's own validation."""
    choices = _fee_choices(procedure)
    fee_options, fee_answers = choices[fee_choice % len(choices)]
    answers = {}
    for form_field in procedure.form_fields.all():
        if form_field.key in fee_answers:
            answers[form_field.key] = fee_answers[form_field.key]
            continue
        if not form_field.required and rng.random() < 0.4:
            continue
        value = _answer(form_field, rng, procedure.name)
        if value is not None:
            answers[form_field.key] = value
    return catalog.validate_form_data(procedure, answers), fee_options


def _variants(procedure: Procedure, rng: random.Random) -> list[Variant]:
    """A few valid ways of filling in the form, for each case of the fee rule."""
    variants = []
    choices = len(_fee_choices(procedure))
    for choice in range(choices):
        for _ in range(max(1, FORM_VARIANTS // choices)):
            answers, fee_options = fill_form(procedure, rng, choice)
            variants.append(
                Variant(
                    form_json=json.dumps(answers, ensure_ascii=False),
                    fee_options_json=json.dumps(fee_options),
                    fee_amount=catalog.fee_for(procedure, fee_options or None),
                )
            )
    return variants


def _due_split(cumulative: Decimal, days: int) -> tuple[int, int] | None:
    """How ``build_steps`` dates a step: the dossier's deadline, or ``cumulative`` working days
    (whole days, then the fraction as office minutes, rounded half up) after receipt."""
    if days == 0 or cumulative >= days:
        return None
    whole = int(cumulative)
    per_day = sum(
        (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        for start, end in arithmetic.office_hours().sessions
    )
    minutes = int(((cumulative - whole) * per_day).to_integral_value(ROUND_HALF_UP))
    return whole, minutes


@dataclass
class Reference:
    procedures: list[ProcedureInfo]
    combos: list[Combo]
    boundaries: list[dt.date] = field(default_factory=list)
    """First day of each segment after the first."""
    tables: dict[tuple[int, int], Table] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def segment_of(self, day: dt.date) -> int:
        return bisect.bisect_right(self.boundaries, day)

    def table(self, day: dt.date) -> Table:
        return self.tables[(self.segment_of(day), day.month)]


def _agency_info(agency: Agency) -> AgencyInfo:
    return AgencyInfo(agency.pk, agency.code, agency.name, agency.kind, agency.valid_from, agency.valid_to)


def load(rng: random.Random, start: dt.date, end: dt.date) -> Reference:
    """Snapshot the catalog and agencies and build the weighted tables for ``[start, end]``."""
    procedures = list(
        Procedure.objects.filter(is_active=True)
        .select_related("field")
        .prefetch_related("performing_agencies", "route_steps__agency", "form_fields", "documents")
        .order_by("code")
    )
    reference = Reference(procedures=[], combos=[])
    resolved: dict[tuple, Agency] = {}

    def step_agency_of(route_step, agency: Agency) -> Agency:
        key = (route_step.agency_id, route_step.agency_level, agency.pk)
        if key not in resolved:
            resolved[key] = catalog.step_agency(route_step, agency)
        return resolved[key]

    for procedure in procedures:
        performing = sorted(procedure.performing_agencies.all(), key=lambda a: a.code)
        if not performing:
            reference.skipped.append(f"{procedure.code}: no performing agency")
            continue
        route = catalog.route_of(procedure)
        try:
            catalog.validate_route(procedure, route)
            variants = _variants(procedure, rng)
        except Exception as exc:  # noqa: BLE001 - a catalog entry the services would refuse too
            reference.skipped.append(f"{procedure.code}: {getattr(exc, 'code', type(exc).__name__)}")
            continue
        field_code = procedure.field.code if procedure.field_id else ""
        info = ProcedureInfo(
            id=procedure.pk,
            code=procedure.code,
            name=procedure.name,
            field_code=field_code,
            days=procedure.processing_days,
            online_level=procedure.online_level,
            result_type=procedure.result_type or "Kết quả giải quyết thủ tục hành chính",
            active_from=procedure.active_from,
            active_to=procedure.active_to,
            weight=_procedure_weight(procedure.code, procedure.name, field_code),
            variants=variants,
            required_documents=[
                (doc.pk, doc.name[:500])
                for doc in sorted(procedure.documents.all(), key=lambda d: d.order)
                if doc.is_required
            ],
            season=SEASONS.get(field_code, DEFAULT_SEASON),
        )
        reference.procedures.append(info)
        for agency in performing:
            steps = []
            cumulative = Decimal(0)
            try:
                for route_step in route:
                    cumulative += Decimal(route_step.share_days)
                    step_agency = step_agency_of(route_step, agency)
                    steps.append(
                        StepInfo(
                            route_step_id=route_step.pk,
                            order=route_step.order,
                            name=route_step.name,
                            kind=route_step.kind,
                            role=route_step.role,
                            share=Decimal(route_step.share_days),
                            agency_id=step_agency.pk,
                            agency_code=step_agency.code,
                            due_split=_due_split(cumulative, procedure.processing_days),
                        )
                    )
            except Exception as exc:  # noqa: BLE001 - route_agency_unresolved: reception would refuse it
                reference.skipped.append(
                    f"{procedure.code} at {agency.code}: {getattr(exc, 'code', type(exc).__name__)}"
                )
                continue
            reference.combos.append(Combo(info, _agency_info(agency), tuple(steps)))
    _segments(reference, start, end)
    return reference


def _segments(reference: Reference, start: dt.date, end: dt.date) -> None:
    cuts = set()
    for combo in reference.combos:
        for first in (combo.agency.valid_from, combo.procedure.active_from):
            if first is not None:
                cuts.add(first)
        for last in (combo.agency.valid_to, combo.procedure.active_to):
            if last is not None:
                cuts.add(last + dt.timedelta(days=1))
    reference.boundaries = sorted(day for day in cuts if start < day <= end)
    firsts = [start, *reference.boundaries]
    for index, first in enumerate(firsts):
        open_combos = [
            c for c in reference.combos if c.agency.open_on(first) and c.procedure.active_on(first)
        ]
        weighted = _weigh(open_combos)
        for month in range(1, 13):
            combos, cumulative, online, online_cumulative = [], [], [], []
            total = online_total = 0.0
            for combo, weight in weighted:
                weight *= combo.procedure.season[month - 1]
                if weight <= 0:
                    continue
                total += weight
                combos.append(combo)
                cumulative.append(total)
                if combo.procedure.online:
                    online_total += weight
                    online.append(combo)
                    online_cumulative.append(online_total)
            reference.tables[(index, month)] = Table(combos, cumulative, online, online_cumulative)


def _weigh(combos: list[Combo]) -> list[tuple[Combo, float]]:
    """Share each procedure's volume among the agencies receiving it on that day.

    Departments: when two open departments both perform a procedure (before a merger), the one
    closing first is the one that actually handled it. Other agencies: by a stable size factor
    (the provincial capital's bodies are busier).
    """
    by_procedure: dict[int, list[Combo]] = {}
    for combo in combos:
        by_procedure.setdefault(combo.procedure.id, []).append(combo)
    weighted = []
    for group in by_procedure.values():
        departments = [c for c in group if c.agency.kind == AgencyKind.DEPARTMENT]
        first_closing = min((c.agency.valid_to or dt.date.max for c in departments), default=None)
        sizes = []
        for combo in group:
            size = 0.7 + 0.6 * stable_unit("agency:" + combo.agency.code)
            if "Vị Thanh" in combo.agency.name:
                size *= 1.6
            if (
                combo.agency.kind == AgencyKind.DEPARTMENT
                and (combo.agency.valid_to or dt.date.max) != first_closing
            ):
                size *= 0.05
            sizes.append(size)
        total = sum(sizes)
        for combo, size in zip(group, sizes, strict=True):
            weight = combo.procedure.weight * size / total
            if combo.agency.kind == AgencyKind.DEPARTMENT and combo.agency.code.endswith(MERGED_CITY_SUFFIX):
                weight *= MERGED_CITY_FACTOR
            weighted.append((combo, weight))
    return weighted


def online_target(moment: dt.datetime) -> float:
    """Share of dossiers submitted online: about 20 % early in 2022, about 60 % from late 2025."""
    years = (moment.year - 2022) + (moment.timetuple().tm_yday - 1) / 365.0
    return max(0.2, min(0.62, 0.2 + 0.1 * years))


# --- Days ---------------------------------------------------------------------------------


def _tet_blocks(years: range) -> dict[int, tuple[dt.date, dt.date]]:
    """The Tết holiday of each year: the longest run of days off between 15 January and 10 March."""
    blocks = {}
    for year in years:
        best: tuple[dt.date, dt.date] | None = None
        run_start = None
        day = dt.date(year, 1, 15)
        while day <= dt.date(year, 3, 10):
            if not calendar.is_working_day(day):
                run_start = run_start or day
                if best is None or (day - run_start) > (best[1] - best[0]):
                    best = (run_start, day)
            else:
                run_start = None
            day += dt.timedelta(days=1)
        if best is not None:
            blocks[year] = best
    return blocks


def day_weights(
    reference: Reference, rng: random.Random, start: dt.date, end: dt.date
) -> list[tuple[dt.date, float]]:
    """The relative number of dossiers submitted each day (seasons, weekdays, Tết, growth, noise)."""
    tet = _tet_blocks(range(start.year, end.year + 1))
    result = []
    day = start
    while day <= end:
        table = reference.table(day)
        working = calendar.is_working_day(day)
        # Days off: online submissions only.
        weight = table.total if working else (table.online_cumulative or [0.0])[-1]
        if weight > 0:
            if working:
                weight *= {0: 1.15, 4: 0.9}.get(day.weekday(), 1.0)
                block = tet.get(day.year)
                if block is not None:
                    if block[0] - dt.timedelta(days=12) <= day < block[0]:
                        weight *= 1.15  # papers settled before the holiday
                    elif block[1] < day <= block[1] + dt.timedelta(days=8):
                        weight *= 0.6  # the slow restart after Tết
            else:
                # Only online submissions on days off; Tết is quieter still.
                block = tet.get(day.year)
                quiet = block is not None and block[0] <= day <= block[1]
                weight *= 0.02 if quiet else (0.1 if day.weekday() == 5 else 0.05)
                weight *= online_target(dt.datetime(day.year, day.month, day.day, 12, tzinfo=arithmetic.TZ))
            weight *= 1 + 0.07 * ((day - start).days / 365.25)  # more dossiers every year
            weight *= min(3.0, max(0.3, rng.lognormvariate(0, 0.12)))
            result.append((day, weight))
        day += dt.timedelta(days=1)
    return result
