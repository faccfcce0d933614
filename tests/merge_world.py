"""A small world for merge tests: a centre, its staff, classes with lessons, a partner service, and
builders of a person's related records (cases with sessions, enrolments with attendance,
referrals, interpreter requests, consents, documents). Records are made on the models, so that the
merge is tested against whatever the services would have written, clashes included."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from cases.models import (
    Case,
    InterpreterRequest,
    Language,
    OpenReason,
    ServiceArea,
    Session,
    SessionStatus,
)
from courses.models import (
    Attendance,
    ClassStatus,
    Course,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    Level,
    Subject,
)
from kem import services
from kem.models import Beneficiary, Centre, Discipline, Role
from partners.models import Organisation, OrganisationType, PartnerService, ServiceCategory
from referrals.models import Referral, ReferralStatus
from tests.factories import staff

_serial = itertools.count()
# Activities of the merge tests happen in the 120 days before today (an open period, all past).
START = timezone.localdate() - dt.timedelta(days=120)
YEAR = START.year


@dataclass
class World:
    centre: Centre
    officer: Any
    manager: Any
    counsellor: Any
    classes: list[CourseClass]
    lessons: dict[int, list[Lesson]]  # class pk -> its lessons
    service: PartnerService
    language: Language
    areas: list[str] = field(default_factory=lambda: [ServiceArea.PSYCHOSOCIAL, ServiceArea.LEGAL])


def build_world(centre: Centre, *, classes: int = 2, lessons: int = 4) -> World:
    officer = staff(role=Role.FRONT_DESK, centre=centre)
    manager = staff(role=Role.MANAGER, centre=centre)
    counsellor = staff(role=Role.COUNSELLOR, centre=centre, discipline=Discipline.SOCIAL)
    course = Course.objects.create(
        name_el=f"Ελληνικά {next(_serial)}",
        name_en="Greek",
        subject=Subject.GREEK,
        level=Level.A1,
        planned_hours=60,
        attendance_threshold=80,
    )
    made, lesson_map = [], {}
    for i in range(classes):
        course_class = CourseClass.objects.create(
            course=course,
            centre=centre,
            name=f"Α1 – {next(_serial)}",
            cycle=f"{YEAR} Α",
            capacity=30,
            start_date=START,
            end_date=START + dt.timedelta(days=90),
            status=ClassStatus.RUNNING,
        )
        made.append(course_class)
        lesson_map[course_class.pk] = [
            Lesson.objects.create(
                course_class=course_class,
                date=START + dt.timedelta(days=7 * j + i),
                starts_at=dt.time(10),
                ends_at=dt.time(12),
            )
            for j in range(lessons)
        ]
    organisation = Organisation.objects.create(
        name_el=f"Στέγη {next(_serial)}", name_en="Shelter", type=OrganisationType.NGO
    )
    service = PartnerService.objects.create(
        organisation=organisation, name_el="Φιλοξενία", name_en="Shelter", category=ServiceCategory.SHELTER
    )
    language = Language.objects.filter(code="fa").first() or Language.objects.create(
        code="fa", dialect="", name_el="Φαρσί", name_en="Farsi"
    )
    return World(centre, officer, manager, counsellor, made, lesson_map, service, language)


def register(world: World, *, given: str = "Μοχάμεντ", family: str = "Ραχίμι", documents=None) -> Beneficiary:
    data: dict[str, Any] = {"given_name": given, "family_name": family, "birth_year": 1990}
    if documents:
        data["documents"] = documents
    return services.beneficiary_register(
        centre=world.centre, by=world.officer, data=data, check_duplicates=False
    )


def open_case(
    world: World, person: Beneficiary, area: str, *, sessions: int = 0, opened: dt.date | None = None
) -> Case:
    case = Case.objects.create(
        beneficiary=person,
        centre=world.centre,
        area=area,
        counsellor=world.counsellor,
        open_reason=OpenReason.SELF,
        opened_by=world.counsellor,
        opened_on=opened or START,
    )
    for i in range(sessions):
        add_session(world, case, day=i)
    return case


def add_session(world: World, case: Case, *, day: int = 0) -> Session:
    session = Session(
        case=case,
        counsellor=world.counsellor,
        starts_at=timezone.make_aware(dt.datetime.combine(START + dt.timedelta(days=day % 60), dt.time(9))),
        status=SessionStatus.HELD,
        summary=f"Συνάντηση {next(_serial)}",
        confidential_note="Εμπιστευτικό",
        created_by=world.counsellor,
    )
    session.save()
    # A second save: the session has more than one history row, all sealed with the owner's key.
    session.summary = f"{session.summary} (διόρθωση)"
    session.save()
    return session


def enrol(
    world: World,
    person: Beneficiary,
    course_class: CourseClass,
    *,
    marks: dict[int, str] | None = None,
    status: str = EnrolmentStatus.ENROLLED,
) -> Enrolment:
    enrolment = Enrolment.objects.create(
        beneficiary=person,
        course_class=course_class,
        status=status,
        enrolled_at=timezone.make_aware(dt.datetime.combine(START, dt.time(8)))
        if status != EnrolmentStatus.WAITLISTED
        else None,
        waitlisted_at=timezone.now() if status == EnrolmentStatus.WAITLISTED else None,
        created_by=world.officer,
    )
    lessons = world.lessons[course_class.pk]
    for index, mark in (marks or {}).items():
        Attendance.objects.create(
            enrolment=enrolment, lesson=lessons[index], mark=mark, recorded_by=world.officer
        )
    return enrolment


def refer(world: World, person: Beneficiary) -> Referral:
    referral = Referral(
        beneficiary=person,
        centre=world.centre,
        service=world.service,
        reason="Χρειάζεται στέγη",
        status=ReferralStatus.SENT,
        sent_at=timezone.make_aware(dt.datetime.combine(START + dt.timedelta(days=3), dt.time(11))),
        contact_person=world.officer,
        created_by=world.officer,
    )
    referral.save()
    return referral


def ask_interpreter(world: World, person: Beneficiary) -> InterpreterRequest:
    request = InterpreterRequest(
        beneficiary=person,
        centre=world.centre,
        language=world.language,
        starts_at=timezone.make_aware(dt.datetime.combine(START + dt.timedelta(days=5), dt.time(12))),
        notes="Προτιμά γυναίκα διερμηνέα",
        requested_by=world.officer,
    )
    request.save()
    return request


def passport(number: str) -> list[dict[str, str]]:
    return [{"kind": "passport", "number": number, "status": "valid"}]
