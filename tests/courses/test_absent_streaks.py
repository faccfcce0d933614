"""Learners absent from the last three lessons in a row are listed for follow-up: on the class's
attendance page and on the teacher's home page (names traced)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import AttendanceMark, EnrolmentStatus, LessonStatus
from courses.selectors.attendance import FOLLOWUP_READ_ACTION, absent_streaks
from courses.services.attendance import attendance_record
from kem.models import AccessEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
P, E, A = AttendanceMark.PRESENT, AttendanceMark.EXCUSED, AttendanceMark.ABSENT


@pytest.fixture
def take(course_class, lesson_on, manager):
    """take(days_ago, {enrolment: mark}) -> the lesson of that day, its sheet taken."""

    def sheet(days_ago: int, marks: dict):
        lesson = lesson_on(course_class, TODAY - days_ago * DAY)
        attendance_record(lesson=lesson, marks={e.pk: m for e, m in marks.items()}, by=manager)
        return lesson

    return sheet


def _listed(course_class, user) -> list[int]:
    return [f.enrolment_id for f in absent_streaks(course_class=course_class, user=user)]


def test_three_absences_in_a_row_put_a_learner_on_the_follow_up_list(
    course_class, teacher, amina, learners, take
):
    (present,) = learners(course_class, 1)
    for days_ago in (3, 2, 1):
        take(days_ago, {amina: A, present: P})

    followups = absent_streaks(course_class=course_class, user=teacher)

    assert [(f.enrolment_id, f.name, f.since) for f in followups] == [
        (amina.pk, "Αμίνα Γιουσούφ (Amina Yusuf)", TODAY - 3 * DAY)
    ]


def test_two_absences_are_not_yet_a_streak(course_class, teacher, amina, take):
    take(3, {amina: P})
    take(2, {amina: A})
    take(1, {amina: A})

    assert _listed(course_class, teacher) == []


def test_only_the_last_three_lessons_count(course_class, teacher, amina, take):
    for days_ago in (6, 5, 4):
        take(days_ago, {amina: A})
    take(3, {amina: P})
    take(2, {amina: A})
    take(1, {amina: A})

    assert _listed(course_class, teacher) == []


def test_an_excused_absence_breaks_the_streak(course_class, teacher, amina, take):
    take(3, {amina: A})
    take(2, {amina: E})
    take(1, {amina: A})

    assert _listed(course_class, teacher) == []


def test_a_lesson_whose_sheet_is_not_taken_yet_does_not_hide_a_streak(
    course_class, teacher, amina, take, lesson_on
):
    for days_ago in (4, 3, 2):
        take(days_ago, {amina: A})
    lesson_on(course_class, TODAY)  # this morning's lesson: no sheet yet
    lesson_on(course_class, TODAY - DAY, status=LessonStatus.CANCELLED)

    assert _listed(course_class, teacher) == [amina.pk]


def test_a_learner_who_left_is_not_followed_up(course_class, teacher, amina, take):
    for days_ago in (3, 2, 1):
        take(days_ago, {amina: A})
    amina.status = EnrolmentStatus.COMPLETED
    amina.save()

    assert _listed(course_class, teacher) == []


def test_only_those_who_keep_the_sheets_see_the_list(course_class, officer, other_teacher, amina, take):
    for days_ago in (3, 2, 1):
        take(days_ago, {amina: A})

    assert _listed(course_class, officer) == []
    assert _listed(course_class, other_teacher) == []


def test_showing_the_list_traces_the_names(course_class, teacher, amina, take):
    for days_ago in (3, 2, 1):
        take(days_ago, {amina: A})

    absent_streaks(course_class=course_class, user=teacher)

    event = AccessEvent.objects.get(action=FOLLOWUP_READ_ACTION)
    assert (event.user, event.subject_id, event.fields) == (
        teacher,
        amina.beneficiary_id,
        sorted(["given_name", "family_name", "given_name_latin", "family_name_latin"]),
    )


def test_the_class_attendance_page_lists_learners_to_follow_up(client, course_class, teacher, amina, take):
    for days_ago in (3, 2, 1):
        take(days_ago, {amina: A})
    client.force_login(teacher)

    response = client.get(reverse("class-attendance", args=[course_class.pk]))

    assert response.status_code == 200
    assert [row.enrolment.pk for row in response.context["followups"]] == [amina.pk]
    assert 'data-section="followups"' in response.content.decode()
    assert "Αμίνα Γιουσούφ" in response.content.decode()


def test_the_teachers_home_lists_todays_lessons_and_learners_to_follow_up(
    client, course_class, teacher, amina, take, lesson_on
):
    for days_ago in (3, 2, 1):
        take(days_ago, {amina: A})
    today = lesson_on(course_class, TODAY, "17:00", "19:00")
    client.force_login(teacher)

    html = client.get(reverse("home")).content.decode()

    assert 'data-panel="teaching"' in html
    assert reverse("lesson-sheet", args=[today.pk]) in html
    assert f'data-enrolment="{amina.pk}"' in html
    assert "Αμίνα Γιουσούφ" in html
    assert AccessEvent.objects.filter(action=FOLLOWUP_READ_ACTION, user=teacher).count() == 1


def test_the_home_part_costs_the_same_queries_for_one_class_and_three(
    client, make_class, teacher, learners, lesson_on, manager
):
    def add_class_with_a_streak():
        course_class = make_class(teacher=teacher)
        (enrolment,) = learners(course_class, 1)
        for days_ago in (3, 2, 1):
            lesson = lesson_on(course_class, TODAY - days_ago * DAY)
            attendance_record(lesson=lesson, marks={enrolment.pk: A}, by=manager)
        lesson_on(course_class, TODAY)

    client.force_login(teacher)
    add_class_with_a_streak()
    client.get(reverse("home"))  # warm the caches a first request fills
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    add_class_with_a_streak()
    add_class_with_a_streak()
    with CaptureQueriesContext(connection) as three:
        html = client.get(reverse("home")).content.decode()

    assert html.count("data-lesson=") == 3
    assert html.count("data-enrolment=") == 3
    assert len(one) == len(three)
