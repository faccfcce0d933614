"""Demo classes for ``seed_demo``: a catalogue, and per centre a running class with a lesson
today, a finished class with graduates and certificates, and a class open for enrolment with a
waiting list. Everything goes through the services, as staff would do it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from courses.models import AttendanceMark, ClassStatus, Course, CourseClass, EnrolmentStatus, Level, Subject
from courses.services import attendance as attendance_services
from courses.services import catalogue, certificates, classes, enrolment, lessons, results
from kem.models import Beneficiary, Centre
from kem.vault import key_cache

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CATALOGUE = [
    # name (el), name (en), subject, level, hours, final assessment
    ("Ελληνικά Α1", "Greek A1", Subject.GREEK, Level.A1, 60, False),
    ("Ελληνικά Α2", "Greek A2", Subject.GREEK, Level.A2, 60, True),
    ("Αγγλικά Α1", "English A1", Subject.ENGLISH, Level.A1, 40, False),
    ("Βασικές δεξιότητες Η/Υ", "Computer basics", Subject.COMPUTERS, Level.BASIC, 30, True),
]

TEN, NOON, TWO, FOUR = dt.time(10), dt.time(12), dt.time(14), dt.time(16)


def seed_catalogue(*, by: User) -> dict[str, Course]:
    """The network's catalogue (once: existing courses are kept)."""
    courses = {}
    for name_el, name_en, subject, level, hours, assessed in CATALOGUE:
        course = Course.objects.filter(name_en=name_en).first() or catalogue.course_create(
            by=by,
            data={
                "name_el": name_el,
                "name_en": name_en,
                "subject": subject,
                "level": level,
                "planned_hours": hours,
                "attendance_threshold": 80,
                "has_final_assessment": assessed,
            },
        )
        courses[name_en] = course
    return courses


def seed_classes(*, centre: Centre, manager: Any, teacher: Any, officer: Any, seed: int) -> None:
    """Three classes of the centre, once (a second run finds them and adds none)."""
    if CourseClass.objects.filter(centre=centre).exists():
        return
    rng = random.Random(seed)
    courses = seed_catalogue(by=manager)
    people = list(
        Beneficiary.objects.filter(registering_centre=centre, merged_into__isnull=True).order_by("pk")[:40]
    )
    today = timezone.localdate()
    _finished_class(centre, courses["Computer basics"], manager, teacher, officer, people[:10], today, rng)
    _running_class(centre, courses["Greek A1"], manager, teacher, officer, people[10:24], today, rng)
    _open_class(centre, courses["English A1"], manager, teacher, officer, people[24:34], today)


def _new_class(centre, course, manager, teacher, *, name, start, end, slots, capacity) -> CourseClass:
    course_class = classes.class_create(
        centre=centre,
        by=manager,
        data={
            "course": course,
            "name": name,
            "cycle": f"{start.year}",
            "room": "Αίθουσα 2",
            "capacity": capacity,
            "start_date": start,
            "end_date": end,
        },
        slots=slots,
    )
    classes.class_set_teachers(course_class=course_class, teachers=[teacher], by=manager)
    return course_class


def _take_attendance(course_class: CourseClass, manager: Any, today: dt.date, rng: random.Random) -> None:
    roster = list(
        course_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).values_list("pk", flat=True)
    )
    # The last learner stops coming: three absences in a row put them on the follow-up list.
    dropout = roster[-1] if roster else None
    held = list(course_class.lessons.filter(date__lt=today, status="scheduled").order_by("date"))
    for number, lesson in enumerate(held):
        marks = {}
        for pk in roster:
            if pk == dropout and number >= len(held) - 3:
                marks[pk] = AttendanceMark.ABSENT
            else:
                marks[pk] = rng.choices(
                    [
                        AttendanceMark.PRESENT,
                        AttendanceMark.LATE,
                        AttendanceMark.EXCUSED,
                        AttendanceMark.ABSENT,
                    ],
                    weights=[85, 6, 4, 5],
                )[0]
        attendance_services.attendance_record(lesson=lesson, marks=marks, by=manager)


def _finished_class(centre, course, manager, teacher, officer, people, today, rng) -> None:
    start, end = today - dt.timedelta(weeks=16), today - dt.timedelta(weeks=2)
    course_class = _new_class(
        centre,
        course,
        manager,
        teacher,
        name="Απογευματινό τμήμα 1",
        start=start,
        end=end,
        slots=[(1, TWO, FOUR), (3, TWO, FOUR)],
        capacity=12,
    )
    for person in people:
        enrolment.enrolment_create(course_class=course_class, beneficiary=person, by=officer)
    classes.class_set_status(course_class=course_class, status=ClassStatus.RUNNING, by=manager)
    lessons.lessons_generate(course_class=course_class, by=manager)
    _take_attendance(course_class, manager, today, rng)
    classes.class_set_status(course_class=course_class, status=ClassStatus.FINISHED, by=manager)
    roster = course_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).order_by("pk")
    outcome = {e.pk: {"completed": True, "passed": True} for e in roster}
    if outcome:
        outcome[next(iter(outcome))] = {"completed": False, "passed": None}
    results.results_record(course_class=course_class, results=outcome, by=manager)
    certificates.certificates_issue_for_class(course_class=course_class, by=manager)


def _running_class(centre, course, manager, teacher, officer, people, today, rng) -> None:
    start, end = today - dt.timedelta(weeks=5), today + dt.timedelta(weeks=7)
    # Mondays, Wednesdays and Fridays, and today's weekday, so the teacher has a lesson today.
    weekdays = sorted({0, 2, 4, today.weekday()})
    course_class = _new_class(
        centre,
        course,
        manager,
        teacher,
        name="Πρωινό τμήμα 1",
        start=start,
        end=end,
        slots=[(day, TEN, NOON) for day in weekdays],
        capacity=12,
    )
    classes.class_set_status(course_class=course_class, status=ClassStatus.RUNNING, by=manager)
    for person in people:  # 14 people for 12 seats: the last two wait
        enrolment.enrolment_create(
            course_class=course_class,
            beneficiary=person,
            by=officer,
            placement_level=Level.A1,
            placement_source="test",
        )
    lessons.lessons_generate(course_class=course_class, by=manager)
    _take_attendance(course_class, manager, today, rng)


def _open_class(centre, course, manager, teacher, officer, people, today) -> None:
    start, end = today + dt.timedelta(weeks=2), today + dt.timedelta(weeks=12)
    course_class = _new_class(
        centre,
        course,
        manager,
        teacher,
        name="Απογευματινό τμήμα 2",
        start=start,
        end=end,
        slots=[(1, dt.time(17), dt.time(19)), (3, dt.time(17), dt.time(19))],
        capacity=8,
    )
    classes.class_set_status(course_class=course_class, status=ClassStatus.OPEN, by=manager)
    for person in people:  # 10 people for 8 seats
        enrolment.enrolment_create(course_class=course_class, beneficiary=person, by=officer)
    lessons.lessons_generate(course_class=course_class, by=manager)


def seed_demo_classes(*, centre: Centre, key: str, users: dict[str, Any], seed: int) -> None:
    """The classes part of ``seed_demo`` (registered in ``CoursesConfig.ready()``)."""
    with key_cache():
        seed_classes(
            centre=centre,
            manager=users["manager"],
            teacher=users["teacher"],
            officer=users["frontdesk"],
            seed=seed,
        )
