"""A Greek A1 class at Athens taught by one teacher, its staff, learners and helpers.

Fixtures build on the models (plus the guardian permission a teacher holds on the class), so the
tests of each service do not depend on the others.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from guardian.shortcuts import assign_perm

from courses.models import ClassStatus, Course, CourseClass, Level, ScheduleSlot, Subject
from kem import services
from kem.models import Role

_names = itertools.count(1)


@pytest.fixture
def teacher(make_staff, athens):
    return make_staff(Role.TEACHER, athens, first_name="Μαρία", last_name="Δασκάλου")


@pytest.fixture
def other_teacher(make_staff, athens):
    """Teaches at Athens, but not the Greek A1 class."""
    return make_staff(Role.TEACHER, athens)


@pytest.fixture
def counsellor(make_staff, athens):
    return make_staff(Role.COUNSELLOR, athens)


@pytest.fixture
def other_manager(make_staff, thessaloniki):
    return make_staff(Role.MANAGER, thessaloniki)


@pytest.fixture
def other_officer(make_staff, thessaloniki):
    return make_staff(Role.FRONT_DESK, thessaloniki)


@pytest.fixture
def make_person(athens, officer):
    """make_person(given="Αμίνα", family=None, centre=athens) -> a registered beneficiary."""

    def make(given: str = "Αμίνα", family: str | None = None, centre=None, **data):
        values = {
            "given_name": given,
            "family_name": family or f"Γιουσούφ{next(_names)}",
            "birth_year": 1990,
        }
        values.update(data)
        return services.beneficiary_register(
            centre=centre or athens, by=officer, data=values, check_duplicates=False
        )

    return make


@pytest.fixture
def person(make_person):
    return make_person("Αμίνα", "Γιουσούφ", given_name_latin="Amina", family_name_latin="Yusuf")


@pytest.fixture
def greek_a1(db):
    return Course.objects.create(
        name_el="Ελληνικά Α1",
        name_en="Greek A1",
        subject=Subject.GREEK,
        level=Level.A1,
        planned_hours=60,
        attendance_threshold=80,
    )


@pytest.fixture
def make_class(athens, greek_a1):
    """make_class(teacher=None, **fields) -> a class on Mondays and Wednesdays 10:00–12:00."""

    def make(teacher=None, slots=((0, "10:00", "12:00"), (2, "10:00", "12:00")), **fields):
        values = {
            "course": greek_a1,
            "centre": athens,
            "name": f"Α1 – {next(_names)}",
            "cycle": "2027 Α",
            "capacity": 20,
            "start_date": dt.date(2027, 3, 1),
            "end_date": dt.date(2027, 5, 31),
            "status": ClassStatus.OPEN,
        }
        values.update(fields)
        course_class = CourseClass.objects.create(**values)
        for weekday, start, end in slots:
            ScheduleSlot.objects.create(
                course_class=course_class,
                weekday=weekday,
                starts_at=dt.time.fromisoformat(start),
                ends_at=dt.time.fromisoformat(end),
            )
        if teacher is not None:
            course_class.teachers.add(teacher)
            assign_perm("courses.teach_class", teacher, course_class)
        return course_class

    return make


@pytest.fixture
def course_class(make_class, teacher):
    return make_class(teacher=teacher)


# --- lessons, enrolled learners, attendance ------------------------------------------------------
# Made on the models directly, so that the attendance, results and certificate tests do not depend
# on the enrolment and lesson-generation services.


@pytest.fixture
def lesson_on():
    """lesson_on(course_class, date, start="10:00", end="12:00", **fields) -> a scheduled lesson."""
    from courses.models import Lesson

    def make(course_class, date, start: str = "10:00", end: str = "12:00", **fields):
        return Lesson.objects.create(
            course_class=course_class,
            date=date,
            starts_at=dt.time.fromisoformat(start),
            ends_at=dt.time.fromisoformat(end),
            **fields,
        )

    return make


@pytest.fixture
def enrol_in(officer):
    """enrol_in(course_class, person, level="A1") -> an ENROLLED enrolment."""
    from django.utils import timezone

    from courses.models import Enrolment, EnrolmentStatus

    def make(course_class, person, level: str = "A1", **fields):
        values = {
            "beneficiary": person,
            "course_class": course_class,
            "status": EnrolmentStatus.ENROLLED,
            "placement_level": level,
            "enrolled_at": timezone.now(),
            "created_by": officer,
        }
        values.update(fields)
        return Enrolment.objects.create(**values)

    return make


@pytest.fixture
def learners(make_person, enrol_in):
    """learners(course_class, n) -> n new people enrolled in the class (in creation order)."""

    def make(course_class, n: int):
        return [enrol_in(course_class, make_person(f"Μαθητής{i}")) for i in range(n)]

    return make


@pytest.fixture
def amina(person, course_class, enrol_in):
    """Αμίνα Γιουσούφ (Amina Yusuf) enrolled in the Greek A1 class."""
    return enrol_in(course_class, person)


# --- enrolment through the service, weekly schedules ---------------------------------------------


@pytest.fixture
def enrol(officer):
    """enrol(course_class, person, by=officer, **placement) -> an enrolment made by the service
    (enrolled, or waiting when the class is full)."""
    from courses.services.enrolment import enrolment_create

    def make(course_class, person, by=None, **placement):
        return enrolment_create(course_class=course_class, beneficiary=person, by=by or officer, **placement)

    return make


@pytest.fixture
def mon_wed():
    """The weekly schedule of make_class's default, as the services take it."""
    return [(0, dt.time(10), dt.time(12)), (2, dt.time(10), dt.time(12))]


@pytest.fixture
def make_course(db):
    """make_course(**fields) -> another course of the catalogue (English A2 unless told)."""

    def make(**fields):
        values = {
            "name_el": f"Αγγλικά Α2 {next(_names)}",
            "name_en": "English A2",
            "subject": Subject.ENGLISH,
            "level": Level.A2,
            "planned_hours": 50,
        }
        values.update(fields)
        return Course.objects.create(**values)

    return make
