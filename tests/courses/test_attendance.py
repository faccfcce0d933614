"""Taking attendance: the whole sheet at once, present by default, who may change it and until
when, the history kept, and how attendance rates and hours are counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from courses.models import Attendance, AttendanceMark, EnrolmentStatus, LessonStatus
from courses.selectors.attendance import (
    SHEET_READ_ACTION,
    attendance_figures,
    attendance_percent,
    lesson_sheet,
)
from courses.selectors.classes import NAME_FIELDS
from courses.services.attendance import attendance_record
from kem.models import AccessEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
P, L, E, A = (AttendanceMark.PRESENT, AttendanceMark.LATE, AttendanceMark.EXCUSED, AttendanceMark.ABSENT)


@pytest.fixture
def today_lesson(course_class, lesson_on):
    return lesson_on(course_class, TODAY)


def test_a_new_sheet_lists_every_learner_present_with_name_and_level(
    course_class, today_lesson, teacher, amina, enrol_in, make_person
):
    other = enrol_in(course_class, make_person("Ομάρ", "Αλί"), level="A2")

    rows = lesson_sheet(lesson=today_lesson, user=teacher)

    # Levels read as Greek teachers write them (Greek capital letters: Α1, Α2).
    assert [(r.enrolment_id, r.name, str(r.level), r.mark, r.recorded) for r in rows] == [
        (amina.pk, "Αμίνα Γιουσούφ (Amina Yusuf)", "Α1", P, False),
        (other.pk, "Ομάρ Αλί", "Α2", P, False),
    ]


def test_opening_a_sheet_traces_each_name_shown_once(today_lesson, teacher, amina, learners, course_class):
    others = learners(course_class, 2)

    lesson_sheet(lesson=today_lesson, user=teacher)

    events = AccessEvent.objects.filter(action=SHEET_READ_ACTION)
    assert sorted(str(e.subject_id) for e in events) == sorted(
        str(e.beneficiary_id) for e in [amina, *others]
    )
    # The sealed fields the name showed, as the class page records them (Amina has a Latin form).
    fields = {str(e.subject_id): e.fields for e in events}
    assert set(fields[str(amina.beneficiary_id)]) == set(NAME_FIELDS)
    for other in others:
        assert {"given_name", "family_name"} <= set(fields[str(other.beneficiary_id)]) <= set(NAME_FIELDS)
    assert {e.user_id for e in events} == {teacher.pk}
    assert {e.role for e in events} == {"teacher"}


def test_only_enrolled_and_finished_learners_are_on_the_sheet(
    course_class, today_lesson, teacher, amina, enrol_in, make_person
):
    enrol_in(course_class, make_person("Φάτιμα"), status=EnrolmentStatus.WAITLISTED, enrolled_at=None)
    enrol_in(course_class, make_person("Γιουσέφ"), status=EnrolmentStatus.WITHDRAWN)

    rows = lesson_sheet(lesson=today_lesson, user=teacher)

    assert [r.enrolment_id for r in rows] == [amina.pk]


def test_the_teacher_records_a_whole_sheet_and_is_noted_as_taking_it(
    course_class, today_lesson, teacher, amina, learners
):
    late, absent = learners(course_class, 2)

    rows = attendance_record(lesson=today_lesson, marks={amina.pk: P, late.pk: L, absent.pk: A}, by=teacher)

    assert {r.enrolment_id: r.mark for r in rows} == {amina.pk: P, late.pk: L, absent.pk: A}
    assert {r.recorded_by_id for r in Attendance.objects.all()} == {teacher.pk}
    today_lesson.refresh_from_db()
    assert today_lesson.attendance_taken_by == teacher
    assert today_lesson.attendance_taken_at is not None
    sheet = {r.enrolment_id: (r.mark, r.recorded) for r in lesson_sheet(lesson=today_lesson, user=teacher)}
    assert sheet == {amina.pk: (P, True), late.pk: (L, True), absent.pk: (A, True)}


def test_a_correction_changes_only_the_marks_that_changed_and_keeps_history(
    course_class, today_lesson, teacher, manager, amina, learners
):
    (other,) = learners(course_class, 1)
    attendance_record(lesson=today_lesson, marks={amina.pk: P, other.pk: P}, by=teacher)
    first = Attendance.objects.get(enrolment=other)

    attendance_record(lesson=today_lesson, marks={amina.pk: P, other.pk: A}, by=manager)

    assert Attendance.objects.get(enrolment=amina).recorded_by == teacher
    changed = Attendance.objects.get(enrolment=other)
    assert (changed.pk, changed.mark, changed.recorded_by) == (first.pk, A, manager)
    history = list(
        changed.history.order_by("history_date").values_list("history_type", "mark", "history_user")
    )
    assert history == [("+", P, teacher.pk), ("~", A, manager.pk)]
    assert Attendance.history.filter(enrolment_id=amina.pk).count() == 1
    assert today_lesson.history.filter(attendance_taken_by=manager).exists()


def test_the_teacher_may_correct_a_sheet_on_the_seventh_day(course_class, lesson_on, teacher, amina):
    week_ago = lesson_on(course_class, TODAY - 7 * DAY)

    attendance_record(lesson=week_ago, marks={amina.pk: L}, by=teacher)

    assert Attendance.objects.get(lesson=week_ago).mark == L


def test_the_teacher_may_not_change_a_sheet_on_the_eighth_day(course_class, lesson_on, teacher, amina):
    eight_days_ago = lesson_on(course_class, TODAY - 8 * DAY)

    with pytest.raises(PermissionDenied):
        attendance_record(lesson=eight_days_ago, marks={amina.pk: L}, by=teacher)

    assert not Attendance.objects.exists()


def test_the_manager_may_change_a_sheet_at_any_time(course_class, lesson_on, manager, amina):
    long_ago = lesson_on(course_class, TODAY - 90 * DAY)

    attendance_record(lesson=long_ago, marks={amina.pk: E}, by=manager)

    row = Attendance.objects.get(lesson=long_ago)
    assert (row.mark, row.recorded_by) == (E, manager)
    assert row.history.get().history_user == manager


def test_a_teacher_of_another_class_may_not_take_attendance(today_lesson, other_teacher, amina):
    with pytest.raises(PermissionDenied):
        attendance_record(lesson=today_lesson, marks={amina.pk: P}, by=other_teacher)


def test_the_front_desk_and_another_centres_manager_may_not_take_attendance(
    today_lesson, officer, other_manager, amina
):
    for user in (officer, other_manager):
        with pytest.raises(PermissionDenied):
            attendance_record(lesson=today_lesson, marks={amina.pk: P}, by=user)


def test_a_future_lesson_has_no_attendance_yet(course_class, lesson_on, teacher, manager, amina):
    tomorrow = lesson_on(course_class, TODAY + DAY)

    with pytest.raises(PermissionDenied):
        attendance_record(lesson=tomorrow, marks={amina.pk: P}, by=teacher)
    with pytest.raises(ValidationError) as refused:
        attendance_record(lesson=tomorrow, marks={amina.pk: P}, by=manager)

    assert refused.value.error_list[0].code == "lesson_not_held_yet"


def test_a_cancelled_lesson_has_no_attendance(course_class, lesson_on, manager, amina):
    cancelled = lesson_on(course_class, TODAY, status=LessonStatus.CANCELLED)

    with pytest.raises(ValidationError) as refused:
        attendance_record(lesson=cancelled, marks={amina.pk: P}, by=manager)

    assert refused.value.error_list[0].code == "lesson_cancelled"


def test_a_learner_not_on_the_class_is_refused(
    course_class, make_class, today_lesson, teacher, amina, enrol_in, make_person
):
    elsewhere = enrol_in(make_class(teacher=teacher), make_person("Ομάρ"))
    waiting = enrol_in(course_class, make_person("Φάτιμα"), status=EnrolmentStatus.WAITLISTED)

    for stranger in (elsewhere, waiting):
        with pytest.raises(ValidationError) as refused:
            attendance_record(lesson=today_lesson, marks={amina.pk: P, stranger.pk: P}, by=teacher)
        assert refused.value.error_list[0].code == "not_on_roster"
    assert not Attendance.objects.exists()


def test_an_unknown_mark_is_refused(today_lesson, teacher, amina):
    with pytest.raises(ValidationError) as refused:
        attendance_record(lesson=today_lesson, marks={amina.pk: "asleep"}, by=teacher)

    assert refused.value.error_list[0].code == "unknown_mark"


# --- attendance rates and hours ------------------------------------------------------------------


def test_present_and_late_count_as_attended_excused_and_absent_do_not(
    course_class, lesson_on, manager, amina
):
    marks = [P, L, E, A, P]
    for days_ago, mark in enumerate(marks, start=1):
        lesson = lesson_on(course_class, TODAY - days_ago * DAY)
        attendance_record(lesson=lesson, marks={amina.pk: mark}, by=manager)

    figures = attendance_figures(course_class=course_class, enrolment_ids=[amina.pk])[amina.pk]

    assert (figures.held, figures.attended) == (5, 3)
    assert figures.percent == Decimal("60.00")
    assert attendance_percent(enrolment=amina) == Decimal("60.00")


def test_a_lesson_without_a_sheet_counts_as_held_and_not_attended(course_class, lesson_on, manager, amina):
    attendance_record(lesson=lesson_on(course_class, TODAY - 2 * DAY), marks={amina.pk: P}, by=manager)
    lesson_on(course_class, TODAY - DAY)

    assert attendance_percent(enrolment=amina) == Decimal("50.00")


def test_cancelled_and_future_lessons_are_not_held(course_class, lesson_on, manager, amina):
    attendance_record(lesson=lesson_on(course_class, TODAY - DAY), marks={amina.pk: P}, by=manager)
    lesson_on(course_class, TODAY - 2 * DAY, status=LessonStatus.CANCELLED)
    lesson_on(course_class, TODAY + DAY)

    figures = attendance_figures(course_class=course_class, enrolment_ids=[amina.pk])[amina.pk]

    assert (figures.held, figures.attended, figures.percent) == (1, 1, Decimal("100.00"))


def test_hours_attended_add_up_the_lessons_attended(course_class, lesson_on, manager, amina):
    long_one = lesson_on(course_class, TODAY - 3 * DAY, "09:00", "12:30")
    short_one = lesson_on(course_class, TODAY - 2 * DAY, "10:00", "11:00")
    missed = lesson_on(course_class, TODAY - DAY, "10:00", "12:00")
    attendance_record(lesson=long_one, marks={amina.pk: P}, by=manager)
    attendance_record(lesson=short_one, marks={amina.pk: L}, by=manager)
    attendance_record(lesson=missed, marks={amina.pk: A}, by=manager)

    figures = attendance_figures(course_class=course_class, enrolment_ids=[amina.pk])[amina.pk]

    assert figures.hours == Decimal("4.50")


def test_a_class_with_no_lesson_held_yet_has_no_attendance_rate(course_class, amina):
    figures = attendance_figures(course_class=course_class, enrolment_ids=[amina.pk])[amina.pk]

    assert (figures.held, figures.attended, figures.percent, figures.hours) == (
        0,
        0,
        Decimal("0"),
        Decimal("0"),
    )
