"""course_figures: classes of a period by course and status, enrolment outcomes, learners,
waiting lists and waiting times, attendance; a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import AttendanceMark, ClassStatus, Course, EnrolmentStatus, Level, Subject
from courses.selectors.figures import course_figures

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)


@pytest.fixture
def computers(db):
    return Course.objects.create(
        name_el="Υπολογιστές",
        name_en="Computers",
        subject=Subject.COMPUTERS,
        level=Level.BASIC,
        planned_hours=40,
    )


@pytest.fixture
def classes(make_class, computers, thessaloniki, make_person, enrol, lesson_marks):
    """Greek A1: a running class (4 seated: 1 enrolled, 1 graduated, 1 completed, 1 dropped; one
    person waiting; one who left the waiting list) and a finished one (1 graduated, who waited 4
    days and then 10 days); computers: one running class with nobody; plus a class that ended
    in 2024 and one at Thessaloniki, which do not count."""
    running = make_class(start=dt.date(2025, 2, 3), end=dt.date(2025, 7, 31))
    finished = make_class(start=dt.date(2024, 10, 1), end=dt.date(2025, 1, 31), status=ClassStatus.FINISHED)
    make_class(course=computers)
    make_class(start=dt.date(2024, 3, 1), end=dt.date(2024, 6, 30), status=ClassStatus.FINISHED)
    make_class(centre=thessaloniki)

    people = [make_person() for _ in range(6)]
    seats = [
        enrol(people[0], running, dt.date(2025, 2, 3)),
        enrol(people[1], running, dt.date(2025, 2, 3), status=EnrolmentStatus.GRADUATED, waited_days=10),
        enrol(people[2], running, dt.date(2025, 2, 3), status=EnrolmentStatus.COMPLETED),
        enrol(people[3], running, dt.date(2025, 2, 10), status=EnrolmentStatus.DROPPED, waited_days=4),
    ]
    enrol(people[4], running, dt.date(2025, 2, 10), status=EnrolmentStatus.WAITLISTED)
    left = enrol(people[5], running, dt.date(2025, 2, 10), status=EnrolmentStatus.WAITLISTED)
    left.status = EnrolmentStatus.WITHDRAWN
    left.save()
    enrol(people[1], finished, dt.date(2024, 10, 1), status=EnrolmentStatus.GRADUATED)
    lesson_marks(
        running,
        dt.date(2025, 2, 5),
        {
            seats[0]: AttendanceMark.PRESENT,
            seats[1]: AttendanceMark.LATE,
            seats[2]: AttendanceMark.ABSENT,
            seats[3]: AttendanceMark.EXCUSED,
        },
    )
    lesson_marks(
        running, dt.date(2025, 2, 12), {seats[0]: AttendanceMark.PRESENT, seats[1]: AttendanceMark.PRESENT}
    )
    lesson_marks(running, dt.date(2025, 7, 2), {seats[0]: AttendanceMark.ABSENT})  # after the period
    return running, finished


def test_classes_of_the_period_by_course_and_status(classes, athens, greek_a1, computers):
    figures = course_figures(centre_ids=[athens.pk], start=START, end=END)
    by_course = {f.course_id: f for f in figures.by_course}
    assert set(by_course) == {greek_a1.pk, computers.pk}
    assert by_course[greek_a1.pk].classes[ClassStatus.RUNNING] == 1
    assert by_course[greek_a1.pk].classes[ClassStatus.FINISHED] == 1
    assert by_course[computers.pk].classes == {
        ClassStatus.PLANNED: 0,
        ClassStatus.OPEN: 0,
        ClassStatus.RUNNING: 1,
        ClassStatus.FINISHED: 0,
        ClassStatus.CANCELLED: 0,
    }
    assert figures.classes[ClassStatus.RUNNING] == 2


def test_enrolments_by_outcome_learners_and_waiting(classes, athens, greek_a1):
    greek = next(
        f
        for f in course_figures(centre_ids=[athens.pk], start=START, end=END).by_course
        if f.course_id == greek_a1.pk
    )
    assert greek.outcomes == {
        EnrolmentStatus.ENROLLED: 1,
        EnrolmentStatus.COMPLETED: 1,
        EnrolmentStatus.GRADUATED: 2,
        EnrolmentStatus.WITHDRAWN: 0,  # left the waiting list: never took a seat
        EnrolmentStatus.DROPPED: 1,
    }
    assert greek.enrolments == 5
    assert greek.graduates == 2
    assert greek.completions == 3
    assert greek.dropouts == 1
    assert greek.learners == 4  # the person who graduated twice is one learner
    assert greek.waiting == 1


def test_attendance_counts_the_lessons_of_the_period(classes, athens, greek_a1):
    figures = course_figures(centre_ids=[athens.pk], start=START, end=END)
    greek = next(f for f in figures.by_course if f.course_id == greek_a1.pk)
    assert (greek.attended, greek.not_attended) == (4, 2)
    assert greek.attendance_rate == pytest.approx(4 / 6)
    assert figures.attendance_rate == pytest.approx(4 / 6)


def test_waiting_times_of_those_who_got_a_seat_in_the_period(classes, athens, greek_a1):
    figures = course_figures(centre_ids=[athens.pk], start=START, end=END)
    greek = next(f for f in figures.by_course if f.course_id == greek_a1.pk)
    assert sorted(greek.waiting_days) == [4.0, 10.0]
    assert greek.median_waiting_days == 7.0
    assert figures.median_waiting_days == 7.0


def test_course_figures_cost_five_queries_whatever_the_number_of_classes(
    classes, athens, make_class, make_person, enrol
):
    with CaptureQueriesContext(connection) as few:
        course_figures(centre_ids=[athens.pk], start=START, end=END)
    for _ in range(3):
        extra = make_class()
        enrol(make_person(), extra, dt.date(2025, 3, 1), waited_days=2)
    with CaptureQueriesContext(connection) as more:
        course_figures(centre_ids=[athens.pk], start=START, end=END)
    assert len(few) == len(more) == 5
