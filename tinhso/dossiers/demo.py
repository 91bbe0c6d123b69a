"""The one-stop office's small demo: 30 dossiers in every state, written through the services.

``tinhso demo load`` calls :func:`load_demo` after the catalog's demo. Each dossier is a short
story (submitted online or at the counter, received, asked for a supplement, processed step by
step, extended, returned, rated, refused, withdrawn, stopped...) played with the real services
as the demo officers and citizens, at moments counted in working days before today, so that the
demo always looks current and every control sheet, form, notification and statistic is the
real thing. A story is written once: its dossier carries the idempotency key ``demo-seed-NN``,
and a second load skips it.

Two agencies of Thành phố Cần Thơ host the stories: Ủy ban nhân dân phường Vị Thanh (civil
status, certification, social protection, land) and Sở Tư pháp thành phố Cần Thơ (criminal
records, notaries). The demo officers get the roles the stories need there (see docs/onestop.md,
"Demo data"): ``pvithanh.motcua`` is the ward's one-stop officer and its justice and civil status
officer (specialist); ``ct.motcua`` receives at the city's service centre for the department.

The bulk generator of past years' dossiers is :mod:`tinhso.dossiers.generator`.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

from django.utils import timezone

from tinhso.core.accounts import services as accounts
from tinhso.core.accounts.models import OfficerRole, Role, User
from tinhso.core.agencies.models import Agency
from tinhso.core.permissions import SYSTEM
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar import services as calendar
from tinhso.demo import data
from tinhso.dossiers import services
from tinhso.dossiers.generator import specimen_pdf
from tinhso.dossiers.generator.reference import fill_form
from tinhso.dossiers.models import Dossier, DossierStep
from tinhso.procedures.models import Procedure, StepKind

TZ = arithmetic.TZ
WARD = "000.00.41.H13"  # Ủy ban nhân dân phường Vị Thanh
DEPARTMENT = "000.00.03.H13"  # Sở Tư pháp thành phố Cần Thơ
KEY_PREFIX = "demo-seed-"

# Roles the stories need besides those of tinhso/demo/data.py.
EXTRA_ROLES = [
    ("pvithanh.motcua", WARD, Role.ONE_STOP_OFFICER),
    ("pvithanh.motcua", WARD, Role.SPECIALIST),
    ("ct.motcua", DEPARTMENT, Role.ONE_STOP_OFFICER),
]
OFFICERS = {
    (WARD, Role.ONE_STOP_OFFICER): "pvithanh.motcua",
    (WARD, Role.SPECIALIST): "pvithanh.motcua",
    (WARD, Role.LEADER): "pvithanh.lanhdao",
    (DEPARTMENT, Role.ONE_STOP_OFFICER): "ct.motcua",
    (DEPARTMENT, Role.SPECIALIST): "ct.chuyenvien",
    (DEPARTMENT, Role.LEADER): "ct.lanhdao",
}


@dataclass(frozen=True)
class Walk:
    """An applicant at the counter: a made-up person (ID numbers end in 0000NN on purpose)."""

    name: str
    citizen_id: str
    phone: str = ""


@dataclass(frozen=True)
class Story:
    number: int
    procedure: str
    agency: str
    applicant: int | Walk  # index in data.CITIZENS (online), or a person at the counter
    events: tuple[tuple, ...]
    """(action, working days before today, "HH:MM", options): submit | counter | accept | refuse |
    supplement | fulfil | complete | back | extend | stop | withdraw | result | return | rate."""
    fee_choice: int = 0

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.number:02d}"


A = Walk("Nguyễn Văn Tâm", "092080000011", "0100000011")
B = Walk("Trần Thị Mỹ Hạnh", "092190000012", "0100000012")
C = Walk("Lê Hoàng Long", "092075000013", "0100000013")
D = Walk("Phạm Thị Thu Trang", "092188000014")
E = Walk("Huỳnh Văn Nghĩa", "092066000015", "0100000015")
F = Walk("Võ Thị Kim Ngân", "092199000016", "0100000016")
G = Walk("Châu Minh Khoa", "092085000017", "0100000017")
OWN = Walk("Nguyễn Văn Thành", data.CITIZENS[0].citizen_id, "0100000018")  # has an account

STORIES = [
    # --- Ủy ban nhân dân phường Vị Thanh ---------------------------------------------------
    Story(1, "1.001193", WARD, 0, (("submit", 12, "20:15"), ("accept", 11, "08:05"), ("complete", 11, "09:30"),
          ("complete", 11, "14:00"), ("result", 11, "14:20"), ("return", 11, "14:30"), ("rate", 10, "08:00", {"score": 5}))),
    Story(2, "1.000894", WARD, A, (("counter", 10, "08:40"), ("complete", 10, "10:00"), ("complete", 10, "15:30"),
          ("return", 9, "09:00"))),
    Story(3, "1.000656", WARD, 1, (("submit", 9, "07:30"), ("accept", 9, "08:10"), ("complete", 9, "09:00"),
          ("complete", 9, "10:00"), ("result", 9, "10:10"), ("return", 9, "10:20"), ("rate", 8, "19:00", {"score": 4}))),
    Story(4, "1.001193", WARD, B, (("counter", 1, "09:20"), ("complete", 1, "10:45"))),
    Story(5, "1.000894", WARD, 2, (("submit", 1, "21:40"),)),
    Story(6, "1.001193", WARD, 1, (("submit", 2, "11:05"), ("supplement", 1, "08:30", {"before": True}))),
    Story(7, "DEMO.HT.014", WARD, 0, (("submit", 3, "10:00"), ("accept", 2, "08:15"))),
    Story(8, "DEMO.HT.014", WARD, C, (("counter", 9, "14:10"),)),
    Story(9, "DEMO.HT.012", WARD, D, (("counter", 4, "09:00"), ("supplement", 3, "10:00"))),
    Story(10, "DEMO.HT.012", WARD, 2, (("submit", 12, "16:30"), ("accept", 11, "08:00"), ("supplement", 11, "10:00"),
          ("fulfil", 9, "15:00"), ("complete", 8, "09:00"), ("complete", 8, "14:00"), ("return", 7, "09:30"))),
    Story(11, "DEMO.BTXH.003", WARD, 1, (("submit", 6, "09:00"), ("refuse", 5, "08:30"))),
    Story(12, "DEMO.DD.006", WARD, 2, (("submit", 8, "10:00"), ("accept", 7, "08:30"), ("withdraw", 5, "13:30"))),
    Story(13, "DEMO.DD.006", WARD, E, (("counter", 7, "09:00"), ("extend", 3, "10:00", {"to": -3}),
          ("complete", 1, "09:00"), ("complete", 1, "14:00"))),
    Story(14, "DEMO.BTXH.003", WARD, F, (("counter", 12, "08:30"), ("complete", 5, "10:00"), ("complete", 4, "15:00"),
          ("return", 3, "09:00"))),
    Story(15, "1.000894", WARD, 0, (("submit", 4, "07:50"), ("accept", 4, "08:20"), ("complete", 4, "10:00"),
          ("complete", 4, "15:00"))),
    Story(16, "1.000656", WARD, G, (("counter", 2, "08:30"), ("complete", 2, "09:30"), ("back", 2, "11:00"))),
    Story(17, "DEMO.HT.014", WARD, A, (("counter", 14, "09:00"), ("supplement", 13, "09:30"), ("stop", 2, "10:00"))),
    Story(18, "1.001193", WARD, 2, (("submit", 6, "06:45"), ("accept", 6, "07:30"), ("complete", 6, "08:00"),
          ("complete", 6, "08:45"), ("result", 6, "09:00"), ("return", 6, "09:05"))),
    Story(19, "DEMO.CT.003", WARD, B, (("counter", 1, "14:00"), ("complete", 1, "14:20"), ("complete", 1, "15:00"))),
    # --- Sở Tư pháp thành phố Cần Thơ --------------------------------------------------------
    Story(20, "DEMO.LLTP.002", DEPARTMENT, 2, (("submit", 15, "09:00"), ("accept", 14, "08:00"),
          ("complete", 10, "10:00"), ("complete", 8, "15:00"), ("return", 6, "09:00"))),
    Story(21, "DEMO.LLTP.002", DEPARTMENT, C, (("counter", 6, "10:00"), ("complete", 2, "16:00"))),
    Story(22, "DEMO.LLTP.001", DEPARTMENT, 0, (("submit", 3, "20:00"), ("accept", 2, "08:00"))),
    Story(23, "DEMO.BTTP.002", DEPARTMENT, 1, (("submit", 5, "10:00"), ("refuse", 4, "09:00"))),
    Story(24, "DEMO.BTTP.002", DEPARTMENT, D, (("counter", 16, "09:00"), ("supplement", 14, "10:00"), ("fulfil", 11, "09:00"),
          ("complete", 7, "10:00"), ("complete", 6, "15:00"), ("return", 5, "09:00"))),
    Story(25, "DEMO.LLTP.002", DEPARTMENT, 1, (("submit", 1, "15:40"),)),
    Story(26, "DEMO.LLTP.002", DEPARTMENT, 2, (("submit", 4, "22:10"), ("withdraw", 3, "07:30"))),
    Story(27, "DEMO.LLTP.002", DEPARTMENT, OWN, (("counter", 13, "09:30"), ("complete", 9, "10:00"),
          ("complete", 7, "14:00"), ("return", 5, "10:00"), ("rate", 4, "20:00", {"score": 5}))),
    Story(28, "DEMO.LLTP.002", DEPARTMENT, E, (("counter", 15, "08:00"), ("extend", 6, "09:00", {"to": 2}),
          ("complete", 4, "10:00"), ("complete", 3, "14:00"), ("return", 2, "09:00"))),
    Story(29, "DEMO.BTTP.002", DEPARTMENT, G, (("counter", 14, "08:30"), ("complete", 5, "15:00"))),
    Story(30, "DEMO.LLTP.001", DEPARTMENT, 1, (("submit", 8, "21:00"), ("accept", 7, "08:00"), ("complete", 4, "10:00"),
          ("complete", 3, "15:00"))),
]  # fmt: skip


def working_day_before(today: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days before ``today`` (negative: after it)."""
    if days < 0:
        moment = dt.datetime(today.year, today.month, today.day, 12, tzinfo=TZ)
        return calendar.add_working_days(moment, -days).date()
    day = today
    while days > 0 or not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            days -= 1
    return day


@dataclass
class _Cast:
    officers: dict[tuple[str, str], User] = field(default_factory=dict)
    citizens: list[User | None] = field(default_factory=list)


def _document_inputs(procedure: Procedure) -> list[services.DocumentInput]:
    pdf = specimen_pdf("To khai minh hoa")
    return [
        services.DocumentInput(
            required_document_id=doc.pk, upload=io.BytesIO(pdf), name=f"{doc.name[:80]}.pdf"
        )
        for doc in procedure.documents.filter(is_required=True).order_by("order")
    ]


class _Player:
    def __init__(self, story: Story, cast: _Cast, today: dt.date):
        self.story = story
        self.cast = cast
        self.today = today
        self.agency = Agency.objects.get(code=story.agency)
        self.procedure = Procedure.objects.get(code=story.procedure)
        self.dossier: Dossier | None = None
        if isinstance(story.applicant, int):
            self.citizen = cast.citizens[story.applicant]
        else:  # a counter applicant who happens to have an account sees and rates the dossier
            self.citizen = accounts.find_citizen(story.applicant.citizen_id)

    def at(self, days: int, clock: str) -> dt.datetime:
        day = working_day_before(self.today, days)
        hour, minute = (int(part) for part in clock.split(":"))
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)

    def officer(self, role: str, agency_code: str | None = None) -> User:
        return self.cast.officers[(agency_code or self.story.agency, role)]

    def step_owner(self) -> User:
        step = DossierStep.objects.select_related("agency").get(pk=self.dossier.current_step_id)
        role = Role.ONE_STOP_OFFICER if step.kind == StepKind.RETURN else step.role
        return self.officer(role, step.agency.code)

    def applicant_actor(self):
        return self.citizen if self.citizen is not None else self.officer(Role.ONE_STOP_OFFICER)

    def play(self) -> None:
        for event in self.story.events:
            action, days, clock, *rest = event
            options = rest[0] if rest else {}
            getattr(self, f"do_{action}")(self.at(days, clock), **options)
            if self.dossier is not None:
                self.dossier.refresh_from_db()

    def do_submit(self, now) -> None:
        form, fee_options = fill_form(self.procedure, random.Random(self.story.key), self.story.fee_choice)
        self.dossier = services.submit_dossier(
            actor=self.citizen,
            procedure_code=self.procedure.code,
            agency=self.agency,
            form_data=form,
            fee_options=fee_options or None,
            documents=_document_inputs(self.procedure),
            idempotency_key=self.story.key,
            now=now,
        ).dossier

    def do_counter(self, now) -> None:
        walk = self.story.applicant
        form, fee_options = fill_form(self.procedure, random.Random(self.story.key), self.story.fee_choice)
        self.dossier = services.receive_at_counter(
            actor=self.officer(Role.ONE_STOP_OFFICER),
            procedure_code=self.procedure.code,
            agency=self.agency,
            applicant=services.ApplicantInput(
                name=walk.name,
                citizen_id=walk.citizen_id,
                phone=walk.phone,
                address="Phường Vị Thanh (địa chỉ minh họa)",
            ),
            form_data=form,
            fee_options=fee_options or None,
            documents=_document_inputs(self.procedure),
            idempotency_key=self.story.key,
            now=now,
        ).dossier

    def do_accept(self, now) -> None:
        services.accept_dossier(actor=self.officer(Role.ONE_STOP_OFFICER), dossier=self.dossier, now=now)

    def do_refuse(self, now) -> None:
        services.refuse_dossier(
            actor=self.officer(Role.ONE_STOP_OFFICER),
            dossier=self.dossier,
            reasons=[
                "Hồ sơ không thuộc trường hợp được giải quyết theo thủ tục này; đã hướng dẫn người nộp."
            ],
            now=now,
        )

    def do_supplement(self, now, before: bool = False) -> None:
        actor = self.officer(Role.ONE_STOP_OFFICER) if before else self.step_owner()
        services.request_supplement(
            actor=actor,
            dossier=self.dossier,
            reason="Đề nghị bổ sung bản sao giấy tờ tùy thân còn thời hạn.",
            items=["Bản sao căn cước"],
            now=now,
        )

    def do_fulfil(self, now) -> None:
        services.fulfil_supplement(
            actor=self.applicant_actor(), dossier=self.dossier, note="Đã bổ sung bản sao căn cước.", now=now
        )

    def do_complete(self, now) -> None:
        services.complete_step(actor=self.step_owner(), dossier=self.dossier, now=now)

    def do_back(self, now) -> None:
        services.return_step(
            actor=self.step_owner(),
            dossier=self.dossier,
            reason="Dự thảo kết quả ghi sai ngày, đề nghị sửa.",
            now=now,
        )

    def do_extend(self, now, to: int) -> None:
        new = self.at(to, "16:00")
        services.extend_dossier(
            actor=self.officer(Role.LEADER),
            dossier=self.dossier,
            reason="Cần xác minh thêm thông tin tại địa phương.",
            new_appointment_at=new,
            now=now,
        )

    def do_stop(self, now) -> None:
        services.stop_dossier(
            actor=self.officer(Role.LEADER),
            dossier=self.dossier,
            reason="Người nộp không bổ sung hồ sơ trong thời hạn yêu cầu.",
            now=now,
        )

    def do_withdraw(self, now) -> None:
        services.withdraw_dossier(
            actor=self.applicant_actor(), dossier=self.dossier, reason="Người nộp đề nghị rút hồ sơ.", now=now
        )

    def do_result(self, now) -> None:
        services.attach_result(
            actor=self.step_owner(),
            dossier=self.dossier,
            name=f"{self.procedure.result_type or 'Kết quả'} (minh họa)"[:200],
            upload=io.BytesIO(specimen_pdf("Ket qua minh hoa")),
            purpose="dossier_attachment",
            now=now,
        )

    def do_return(self, now) -> None:
        services.return_result(actor=self.step_owner(), dossier=self.dossier, now=now)

    def do_rate(self, now, score: int) -> None:
        services.rate_dossier(
            actor=self.applicant_actor(),
            dossier=self.dossier,
            score=score,
            comment="Cán bộ hướng dẫn tận tình.",
        )


def _cast(report) -> _Cast | None:
    cast = _Cast()
    users = {u.username: u for u in User.objects.filter(username__in=set(OFFICERS.values()))}
    agencies = {a.code: a for a in Agency.objects.filter(code__in=[WARD, DEPARTMENT])}
    if len(agencies) < 2 or len(users) < len(set(OFFICERS.values())):
        report.warnings.append("dossiers demo skipped: the demo agencies or officers are missing")
        return None
    for username, agency_code, role in EXTRA_ROLES:
        exists = OfficerRole.objects.filter(
            user=users[username], agency=agencies[agency_code], role=role
        ).exists()
        if not exists:
            accounts.assign_role(actor=SYSTEM, user=users[username], agency=agencies[agency_code], role=role)
            report.created["officer roles"] += 1
    cast.officers = {key: users[username] for key, username in OFFICERS.items()}
    cast.citizens = [accounts.find_citizen(person.citizen_id) for person in data.CITIZENS]
    return cast


def load_demo(report) -> None:
    """Play every story not played yet (idempotent: a story's dossier carries its key)."""
    done = set(
        Dossier.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list(
            "idempotency_key", flat=True
        )
    )
    missing = [story for story in STORIES if story.key not in done]
    if not missing:
        return
    codes = {story.procedure for story in missing}
    if Procedure.objects.filter(code__in=codes).count() < len(codes):
        report.warnings.append("dossiers demo skipped: the demo procedures are missing")
        return
    cast = _cast(report)
    if cast is None:
        return
    today = timezone.now().astimezone(TZ).date()
    for story in missing:
        if isinstance(story.applicant, int) and cast.citizens[story.applicant] is None:
            report.warnings.append(f"dossiers demo: story {story.number} skipped, its citizen is missing")
            continue
        _Player(story, cast, today).play()
        report.created["dossiers"] += 1
