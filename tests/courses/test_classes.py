"""Classes: the manager creates and changes them with their weekly schedule, chooses teachers
(who then hold the object permission on the class), moves them through their statuses, and
closes days; cancelling a class lets its people go."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from courses.models import (
    ClassStatus,
    ClosedDay,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonStatus,
)
from courses.policy import teaches
from courses.services.classes import (
    class_create,
    class_set_status,
    class_set_teachers,
    class_update,
    closed_day_add,
    closed_day_remove,
)
from kem.models import Role
from kem.permissions import forget_access

pytestmark = pytest.mark.django_db


def _data(course, **fields):
    data = {
        "course": course,
        "name": "Α1 – πρωί",
        "cycle": "2027 Α",
        "room": "Αίθουσα 2",
        "capacity": 15,
        "start_date": dt.date(2027, 3, 1),
        "end_date": dt.date(2027, 5, 31),
    }
    data.update(fields)
    return data


def _code(invalid: ValidationError, field: str | None = None) -> str:
    if field is None:
        return invalid.error_list[0].code
    return invalid.error_dict[field][0].code


# --- creating and changing ---------------------------------------------------------------------


def test_a_manager_creates_a_planned_class_with_its_weekly_schedule(manager, athens, greek_a1, mon_wed):
    course_class = class_create(centre=athens, by=manager, data=_data(greek_a1), slots=mon_wed)

    course_class.refresh_from_db()
    assert course_class.status == ClassStatus.PLANNED
    assert (course_class.centre, course_class.course, course_class.capacity) == (athens, greek_a1, 15)
    assert [(s.weekday, s.starts_at, s.ends_at) for s in course_class.slots.all()] == mon_wed
    assert course_class.history.first().history_user == manager


def test_a_class_needs_a_weekly_meeting(manager, athens, greek_a1):
    with pytest.raises(ValidationError) as refused:
        class_create(centre=athens, by=manager, data=_data(greek_a1), slots=[])

    assert _code(refused.value, "slots") == "no_slots"
    assert not CourseClass.objects.exists()


def test_weekly_meetings_may_not_overlap(manager, athens, greek_a1):
    slots = [(0, dt.time(10), dt.time(12)), (0, dt.time(11), dt.time(13))]

    with pytest.raises(ValidationError) as refused:
        class_create(centre=athens, by=manager, data=_data(greek_a1), slots=slots)

    assert _code(refused.value, "slots") == "slots_overlap"


def test_a_meeting_ends_after_it_starts(manager, athens, greek_a1):
    with pytest.raises(ValidationError) as refused:
        class_create(centre=athens, by=manager, data=_data(greek_a1), slots=[(1, dt.time(12), dt.time(10))])

    assert "slots" in refused.value.error_dict


def test_a_class_ends_after_it_starts(manager, athens, greek_a1, mon_wed):
    with pytest.raises(ValidationError) as refused:
        class_create(
            centre=athens, by=manager, data=_data(greek_a1, end_date=dt.date(2027, 2, 1)), slots=mon_wed
        )

    assert "end_date" in refused.value.error_dict


def test_an_inactive_course_takes_no_new_class(manager, athens, greek_a1, mon_wed):
    greek_a1.active = False
    greek_a1.save()

    with pytest.raises(ValidationError) as refused:
        class_create(centre=athens, by=manager, data=_data(greek_a1), slots=mon_wed)

    assert _code(refused.value, "course") == "course_inactive"


@pytest.mark.parametrize("role_fixture", ["officer", "teacher", "other_manager"])
def test_only_the_centres_manager_creates_its_classes(request, athens, greek_a1, mon_wed, role_fixture):
    with pytest.raises(PermissionDenied):
        class_create(
            centre=athens, by=request.getfixturevalue(role_fixture), data=_data(greek_a1), slots=mon_wed
        )


def test_changing_the_schedule_replaces_the_weekly_meetings(manager, course_class):
    class_update(
        course_class=course_class,
        by=manager,
        data={"room": "Αίθουσα 5"},
        slots=[(1, dt.time(17), dt.time(19))],
    )

    course_class.refresh_from_db()
    assert course_class.room == "Αίθουσα 5"
    assert [(s.weekday, s.starts_at) for s in course_class.slots.all()] == [(1, dt.time(17))]


def test_capacity_cannot_fall_below_the_people_enrolled(manager, course_class, enrol, make_person):
    for _ in range(3):
        enrol(course_class, make_person())

    with pytest.raises(ValidationError) as refused:
        class_update(course_class=course_class, by=manager, data={"capacity": 2})

    assert _code(refused.value, "capacity") == "capacity_below_enrolled"


def test_more_seats_go_to_the_waiting_list_at_once(manager, make_class, enrol, make_person):
    course_class = make_class(capacity=1)
    enrol(course_class, make_person())
    first, second, third = (enrol(course_class, make_person()) for _ in range(3))

    class_update(course_class=course_class, by=manager, data={"capacity": 3})

    statuses = {e.pk: e.status for e in Enrolment.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    assert statuses == {first.pk: "enrolled", second.pk: "enrolled", third.pk: "waitlisted"}


def test_the_course_is_fixed_once_people_are_on_the_class(manager, course_class, enrol, person, make_course):
    enrol(course_class, person)

    with pytest.raises(ValidationError) as refused:
        class_update(course_class=course_class, by=manager, data={"course": make_course()})

    assert _code(refused.value, "course") == "course_fixed"


def test_lessons_outside_new_dates_are_cancelled_unless_attended(manager, course_class):
    early = Lesson.objects.create(
        course_class=course_class, date=dt.date(2027, 3, 1), starts_at=dt.time(10), ends_at=dt.time(12)
    )
    kept = Lesson.objects.create(
        course_class=course_class, date=dt.date(2027, 3, 10), starts_at=dt.time(10), ends_at=dt.time(12)
    )

    class_update(course_class=course_class, by=manager, data={"start_date": dt.date(2027, 3, 8)})

    early.refresh_from_db()
    kept.refresh_from_db()
    assert (early.status, kept.status) == (LessonStatus.CANCELLED, LessonStatus.SCHEDULED)


# --- teachers ----------------------------------------------------------------------------------


def test_chosen_teachers_get_the_object_permission_and_removed_ones_lose_it(
    manager, make_class, teacher, other_teacher
):
    course_class = make_class(teacher=teacher)

    class_set_teachers(course_class=course_class, teachers=[other_teacher], by=manager)

    forget_access(teacher)
    forget_access(other_teacher)
    assert list(course_class.teachers.all()) == [other_teacher]
    assert teaches(other_teacher, course_class)
    assert not teaches(teacher, course_class)


def test_only_teachers_of_the_centre_can_teach_a_class(
    manager, course_class, officer, make_staff, thessaloniki
):
    elsewhere = make_staff(Role.TEACHER, thessaloniki)

    for wrong in (officer, elsewhere):
        with pytest.raises(ValidationError) as refused:
            class_set_teachers(course_class=course_class, teachers=[wrong], by=manager)
        assert _code(refused.value, "teachers") == "not_a_teacher"
        assert not wrong.has_perm("courses.teach_class", course_class)


def test_a_teacher_may_not_choose_teachers(course_class, teacher, other_teacher):
    with pytest.raises(PermissionDenied):
        class_set_teachers(course_class=course_class, teachers=[other_teacher], by=teacher)


# --- status ------------------------------------------------------------------------------------


def test_a_class_moves_from_planned_to_open_to_running_to_finished(manager, make_class):
    course_class = make_class(status=ClassStatus.PLANNED)

    for status in (ClassStatus.OPEN, ClassStatus.RUNNING, ClassStatus.FINISHED):
        class_set_status(course_class=course_class, status=status, by=manager)
        course_class.refresh_from_db()
        assert course_class.status == status


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (ClassStatus.PLANNED, ClassStatus.FINISHED),
        (ClassStatus.FINISHED, ClassStatus.RUNNING),
        (ClassStatus.CANCELLED, ClassStatus.OPEN),
        (ClassStatus.RUNNING, ClassStatus.PLANNED),
    ],
)
def test_a_class_cannot_jump_to_a_status_that_makes_no_sense(manager, make_class, start, to):
    course_class = make_class(status=start)

    with pytest.raises(ValidationError) as refused:
        class_set_status(course_class=course_class, status=to, by=manager)

    assert _code(refused.value) == "status_transition"
    course_class.refresh_from_db()
    assert course_class.status == start


def test_cancelling_a_class_lets_everyone_go_and_cancels_its_coming_lessons(
    manager, make_class, enrol, make_person
):
    course_class = make_class(capacity=1, start_date=dt.date(2020, 1, 1), end_date=dt.date(2099, 1, 1))
    enrolled = enrol(course_class, make_person())
    waiting = enrol(course_class, make_person())
    today = timezone.localdate()
    past = Lesson.objects.create(
        course_class=course_class,
        date=today - dt.timedelta(days=7),
        starts_at=dt.time(10),
        ends_at=dt.time(12),
    )
    coming = Lesson.objects.create(
        course_class=course_class,
        date=today + dt.timedelta(days=7),
        starts_at=dt.time(10),
        ends_at=dt.time(12),
    )

    class_set_status(course_class=course_class, status=ClassStatus.CANCELLED, by=manager)

    for enrolment in (enrolled, waiting):
        enrolment.refresh_from_db()
        assert enrolment.status == EnrolmentStatus.WITHDRAWN
        assert enrolment.ended_at is not None
    past.refresh_from_db()
    coming.refresh_from_db()
    assert (past.status, coming.status) == (LessonStatus.SCHEDULED, LessonStatus.CANCELLED)


def test_finishing_a_class_lets_the_waiting_list_go_and_keeps_the_learners(
    manager, make_class, enrol, make_person
):
    course_class = make_class(capacity=1, status=ClassStatus.RUNNING)
    enrolled = enrol(course_class, make_person())
    waiting = enrol(course_class, make_person())

    class_set_status(course_class=course_class, status=ClassStatus.FINISHED, by=manager)

    enrolled.refresh_from_db()
    waiting.refresh_from_db()
    assert (enrolled.status, waiting.status) == (EnrolmentStatus.ENROLLED, EnrolmentStatus.WITHDRAWN)


def test_the_front_desk_may_not_change_a_class_status(officer, course_class):
    with pytest.raises(PermissionDenied):
        class_set_status(course_class=course_class, status=ClassStatus.RUNNING, by=officer)


# --- closed days -------------------------------------------------------------------------------


def test_closing_a_day_cancels_that_days_lessons_without_attendance(
    manager, athens, course_class, make_class
):
    day = dt.date(2027, 3, 10)
    other = make_class(slots=((2, "14:00", "15:00"),))
    plain = Lesson.objects.create(
        course_class=course_class, date=day, starts_at=dt.time(10), ends_at=dt.time(12)
    )
    taken = Lesson.objects.create(
        course_class=other,
        date=day,
        starts_at=dt.time(14),
        ends_at=dt.time(15),
        attendance_taken_at=timezone.now(),
    )

    closed = closed_day_add(centre=athens, date=day, reason="Δημοτική αργία", by=manager)

    plain.refresh_from_db()
    taken.refresh_from_db()
    assert plain.status == LessonStatus.CANCELLED
    assert plain.note == "Δημοτική αργία"
    assert taken.status == LessonStatus.SCHEDULED
    assert ClosedDay.objects.get(pk=closed.pk).created_by == manager


def test_closing_a_day_leaves_other_centres_alone(manager, athens, make_class, thessaloniki):
    day = dt.date(2027, 3, 10)
    theirs = make_class(centre=thessaloniki)
    lesson = Lesson.objects.create(course_class=theirs, date=day, starts_at=dt.time(10), ends_at=dt.time(12))

    closed_day_add(centre=athens, date=day, reason="", by=manager)

    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED


def test_a_day_is_closed_once(manager, athens):
    closed_day_add(centre=athens, date=dt.date(2027, 3, 10), reason="", by=manager)

    with pytest.raises(ValidationError) as refused:
        closed_day_add(centre=athens, date=dt.date(2027, 3, 10), reason="", by=manager)

    assert _code(refused.value, "date") == "already_closed"


def test_opening_a_day_again_restores_the_lessons_it_cancelled(manager, athens, course_class):
    day = dt.date(2027, 3, 10)
    closed_by_day = Lesson.objects.create(
        course_class=course_class, date=day, starts_at=dt.time(10), ends_at=dt.time(12)
    )
    cancelled_before = Lesson.objects.create(
        course_class=course_class,
        date=day,
        starts_at=dt.time(13),
        ends_at=dt.time(14),
        status=LessonStatus.CANCELLED,
        note="teacher ill",
    )
    closed = closed_day_add(centre=athens, date=day, reason="", by=manager)

    restored = closed_day_remove(closed_day=closed, by=manager)

    closed_by_day.refresh_from_db()
    cancelled_before.refresh_from_db()
    assert restored == [closed_by_day]
    assert closed_by_day.status == LessonStatus.SCHEDULED
    assert cancelled_before.status == LessonStatus.CANCELLED
    assert not ClosedDay.objects.filter(pk=closed.pk).exists()


def test_only_the_centres_manager_closes_days(officer, other_manager, athens):
    for user in (officer, other_manager):
        with pytest.raises(PermissionDenied):
            closed_day_add(centre=athens, date=dt.date(2027, 3, 10), reason="", by=user)


def test_whether_a_teacher_teaches_a_class_is_asked_of_guardian_once_per_request(
    teacher, course_class, django_assert_num_queries
):
    from courses.policy import may_record_results

    assert teaches(teacher, course_class)  # reads the memberships and the object permission
    with django_assert_num_queries(0):
        assert teaches(teacher, course_class)
        assert may_record_results(teacher, course_class)


def test_a_remembered_answer_lasts_until_forget_access(manager, make_class, teacher, other_teacher):
    """Like ``access_for``: remembered on the user object (one request), dropped by forget_access,
    which ``class_set_teachers`` calls for every teacher it adds or removes."""
    course_class = make_class(teacher=teacher)
    assert teaches(teacher, course_class)
    class_set_teachers(course_class=course_class, teachers=[other_teacher], by=manager)
    forget_access(teacher)
    assert not teaches(teacher, course_class)
