"""Lessons: generated from the weekly schedule between the class's dates, skipping Greek public
holidays and the centre's closed days, never twice; moved (remembering the planned date) or
cancelled one by one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from courses.models import ClassStatus, ClosedDay, Lesson, LessonStatus
from courses.services.lessons import lesson_cancel, lesson_move, lessons_generate

pytestmark = pytest.mark.django_db

D = dt.date


def _dates(course_class) -> list[dt.date]:
    return list(course_class.lessons.order_by("date").values_list("date", flat=True))


def _mondays_and_wednesdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    return [d for d in days if d.weekday() in (0, 2)]


def test_lessons_follow_the_weekly_schedule_between_the_class_dates(manager, make_class):
    course_class = make_class(start_date=D(2027, 2, 1), end_date=D(2027, 2, 28))

    made = lessons_generate(course_class=course_class, by=manager)

    assert _dates(course_class) == _mondays_and_wednesdays(D(2027, 2, 1), D(2027, 2, 28))
    assert len(made) == 8
    lesson = course_class.lessons.first()
    assert (lesson.starts_at, lesson.ends_at, lesson.status) == (dt.time(10), dt.time(12), "scheduled")
    assert lesson.history.first().history_user == manager


def test_greek_public_holidays_are_skipped(manager, make_class):
    # 25 March 2027 (Independence Day) is a Thursday; Easter Monday 2027 is 3 May; Clean Monday 15 March.
    course_class = make_class(slots=((0, "10:00", "12:00"), (3, "17:00", "19:00")))

    lessons_generate(course_class=course_class, by=manager)

    dates = _dates(course_class)
    assert D(2027, 3, 25) not in dates
    assert D(2027, 5, 3) not in dates
    assert D(2027, 3, 15) not in dates
    assert D(2027, 3, 18) in dates and D(2027, 5, 10) in dates


def test_the_centres_closed_days_are_skipped(manager, athens, course_class):
    ClosedDay.objects.create(centre=athens, date=D(2027, 3, 10), created_by=manager)

    lessons_generate(course_class=course_class, by=manager)

    dates = _dates(course_class)
    assert D(2027, 3, 10) not in dates
    assert D(2027, 3, 8) in dates


def test_another_centres_closed_day_does_not_count(manager, thessaloniki, course_class, other_manager):
    ClosedDay.objects.create(centre=thessaloniki, date=D(2027, 3, 10), created_by=other_manager)

    lessons_generate(course_class=course_class, by=manager)

    assert D(2027, 3, 10) in _dates(course_class)


def test_generating_again_adds_only_what_is_missing(manager, course_class):
    first = lessons_generate(course_class=course_class, by=manager)
    course_class.lessons.filter(date=D(2027, 3, 8)).delete()

    again = lessons_generate(course_class=course_class, by=manager)

    assert [lesson.date for lesson in again] == [D(2027, 3, 8)]
    assert course_class.lessons.count() == len(first)
    assert lessons_generate(course_class=course_class, by=manager) == []


def test_a_moved_or_cancelled_lesson_is_not_made_again(manager, course_class):
    lessons_generate(course_class=course_class, by=manager)
    total = course_class.lessons.count()
    moved = course_class.lessons.get(date=D(2027, 3, 8))
    lesson_move(lesson=moved, date=D(2027, 3, 9), starts_at=dt.time(15), ends_at=dt.time(17), by=manager)
    lesson_cancel(lesson=course_class.lessons.get(date=D(2027, 3, 10)), by=manager, note="")

    assert lessons_generate(course_class=course_class, by=manager) == []
    assert course_class.lessons.count() == total


def test_two_meetings_on_the_same_day_make_two_lessons(manager, make_class):
    course_class = make_class(
        slots=((0, "10:00", "12:00"), (0, "14:00", "15:00")), start_date=D(2027, 2, 1), end_date=D(2027, 2, 1)
    )

    lessons_generate(course_class=course_class, by=manager)

    assert list(course_class.lessons.values_list("starts_at", flat=True)) == [dt.time(10), dt.time(14)]


def test_a_finished_or_cancelled_class_gets_no_lessons(manager, make_class):
    for status in (ClassStatus.FINISHED, ClassStatus.CANCELLED):
        with pytest.raises(ValidationError) as refused:
            lessons_generate(course_class=make_class(status=status), by=manager)
        assert refused.value.error_list[0].code == "class_closed"


def test_only_the_centres_manager_generates_lessons(course_class, teacher, officer, other_manager):
    for user in (teacher, officer, other_manager):
        with pytest.raises(PermissionDenied):
            lessons_generate(course_class=course_class, by=user)
    assert not Lesson.objects.exists()


# --- moving and cancelling ---------------------------------------------------------------------


@pytest.fixture
def lesson(course_class):
    return Lesson.objects.create(
        course_class=course_class, date=D(2027, 3, 8), starts_at=dt.time(10), ends_at=dt.time(12)
    )


def test_a_moved_lesson_remembers_the_date_it_was_planned_for(manager, lesson):
    lesson_move(lesson=lesson, date=D(2027, 3, 9), starts_at=dt.time(16), ends_at=dt.time(18), by=manager)
    lesson_move(lesson=lesson, date=D(2027, 3, 12), starts_at=dt.time(16), ends_at=dt.time(18), by=manager)

    lesson.refresh_from_db()
    assert (lesson.date, lesson.starts_at, lesson.planned_date) == (
        D(2027, 3, 12),
        dt.time(16),
        D(2027, 3, 8),
    )


def test_a_lesson_is_not_moved_onto_a_public_holiday(manager, lesson):
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        lesson_move(
            lesson=lesson, date=D(2027, 3, 25), starts_at=dt.time(10), ends_at=dt.time(12), by=manager
        )

    error = refused.value.error_dict["date"][0]
    assert error.code == "holiday"
    assert "Independence Day" in error.message


def test_a_lesson_is_not_moved_onto_a_closed_day(manager, athens, lesson):
    ClosedDay.objects.create(centre=athens, date=D(2027, 3, 9), created_by=manager)

    with pytest.raises(ValidationError) as refused:
        lesson_move(lesson=lesson, date=D(2027, 3, 9), starts_at=dt.time(10), ends_at=dt.time(12), by=manager)

    assert refused.value.error_dict["date"][0].code == "closed_day"


def test_a_lesson_is_not_moved_over_another_lesson_of_the_class(manager, course_class, lesson):
    Lesson.objects.create(
        course_class=course_class, date=D(2027, 3, 10), starts_at=dt.time(10), ends_at=dt.time(12)
    )

    with pytest.raises(ValidationError) as refused:
        lesson_move(
            lesson=lesson, date=D(2027, 3, 10), starts_at=dt.time(11), ends_at=dt.time(13), by=manager
        )

    assert refused.value.error_dict["starts_at"][0].code == "clash"
    lesson.refresh_from_db()
    assert lesson.date == D(2027, 3, 8)


def test_a_lesson_may_move_next_to_another_or_over_a_cancelled_one(manager, course_class, lesson):
    Lesson.objects.create(
        course_class=course_class, date=D(2027, 3, 10), starts_at=dt.time(10), ends_at=dt.time(12)
    )
    Lesson.objects.create(
        course_class=course_class,
        date=D(2027, 3, 10),
        starts_at=dt.time(12),
        ends_at=dt.time(14),
        status=LessonStatus.CANCELLED,
    )

    lesson_move(lesson=lesson, date=D(2027, 3, 10), starts_at=dt.time(12), ends_at=dt.time(14), by=manager)

    lesson.refresh_from_db()
    assert (lesson.date, lesson.starts_at) == (D(2027, 3, 10), dt.time(12))


def test_a_lesson_whose_attendance_was_taken_stays_as_it_is(manager, lesson):
    lesson.attendance_taken_at = timezone.now()
    lesson.save()

    with pytest.raises(ValidationError) as moved:
        lesson_move(lesson=lesson, date=D(2027, 3, 9), starts_at=dt.time(10), ends_at=dt.time(12), by=manager)
    with pytest.raises(ValidationError) as cancelled:
        lesson_cancel(lesson=lesson, by=manager, note="")

    assert moved.value.error_list[0].code == cancelled.value.error_list[0].code == "attendance_taken"


def test_cancelling_a_lesson_keeps_the_note_and_the_history(manager, lesson):
    lesson_cancel(lesson=lesson, by=manager, note="Ασθένεια εκπαιδευτικού")

    lesson.refresh_from_db()
    assert (lesson.status, lesson.note) == (LessonStatus.CANCELLED, "Ασθένεια εκπαιδευτικού")
    assert lesson.history.first().history_user == manager
    with pytest.raises(ValidationError) as again:
        lesson_cancel(lesson=lesson, by=manager, note="")
    assert again.value.error_list[0].code == "already_cancelled"


def test_teachers_and_the_front_desk_do_not_move_or_cancel_lessons(lesson, teacher, officer):
    for user in (teacher, officer):
        with pytest.raises(PermissionDenied):
            lesson_move(
                lesson=lesson, date=D(2027, 3, 9), starts_at=dt.time(10), ends_at=dt.time(12), by=user
            )
        with pytest.raises(PermissionDenied):
            lesson_cancel(lesson=lesson, by=user, note="")
