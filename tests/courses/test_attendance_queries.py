"""A sheet is saved in one request with a fixed number of queries: 25 learners cost what 5 cost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Attendance, AttendanceMark

pytestmark = pytest.mark.django_db

# Generous, but it would not hold if a query ran per learner (25 learners).
MAX_QUERIES = 25


def _post_sheet(client, lesson, enrolments, mark_of) -> tuple[int, int]:
    data = {f"mark_{e.pk}": mark_of(i) for i, e in enumerate(enrolments)}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("lesson-sheet", args=[lesson.pk]), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return len(queries), response.status_code


def _first_then_corrected(client, teacher, make_class, lesson_on, learners, n: int) -> tuple[int, int]:
    course_class = make_class(teacher=teacher)
    enrolments = learners(course_class, n)
    lesson = lesson_on(course_class, timezone.localdate())
    client.force_login(teacher)

    first, _ = _post_sheet(client, lesson, enrolments, lambda i: AttendanceMark.PRESENT)
    # Every other learner turns out to have been absent: half the rows change.
    corrected, _ = _post_sheet(
        client, lesson, enrolments, lambda i: AttendanceMark.ABSENT if i % 2 else AttendanceMark.PRESENT
    )

    marks = dict(Attendance.objects.filter(lesson=lesson).values_list("enrolment_id", "mark"))
    assert marks == {
        e.pk: AttendanceMark.ABSENT if i % 2 else AttendanceMark.PRESENT for i, e in enumerate(enrolments)
    }
    return first, corrected


def test_saving_a_sheet_costs_the_same_queries_for_5_and_25_learners(
    client, teacher, make_class, lesson_on, learners
):
    # The first request of a process fills Django's content-type cache: not the sheet's cost.
    _first_then_corrected(client, teacher, make_class, lesson_on, learners, 1)
    five = _first_then_corrected(client, teacher, make_class, lesson_on, learners, 5)
    twenty_five = _first_then_corrected(client, teacher, make_class, lesson_on, learners, 25)

    assert five == twenty_five
    assert max(twenty_five) <= MAX_QUERIES


def test_a_25_learner_sheet_saves_within_the_fixed_budget(
    client, teacher, course_class, lesson_on, learners, django_assert_max_num_queries
):
    enrolments = learners(course_class, 25)
    lesson = lesson_on(course_class, timezone.localdate())
    client.force_login(teacher)
    data = {f"mark_{e.pk}": AttendanceMark.LATE for e in enrolments}

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.post(reverse("lesson-sheet", args=[lesson.pk]), data)

    assert response.status_code == 302
    assert Attendance.objects.filter(lesson=lesson, mark=AttendanceMark.LATE).count() == 25
    assert Attendance.history.filter(lesson_id=lesson.pk).count() == 25
