"""Classes (τμήματα): creating and changing them, their teachers and status, and closed days.

The centre's manager runs its classes (``courses/policy.py``). A teacher reaches a class through
the object permission ``courses.teach_class`` (django-guardian), which :func:`class_set_teachers`
grants and takes back together with the class's list of teachers, so the two never disagree.
Every write keeps history with the acting user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from courses.models import (
    ACTIVE_ENROLMENT,
    Attendance,
    ClassStatus,
    ClosedDay,
    CourseClass,
    EnrolmentStatus,
    Lesson,
    LessonStatus,
    ScheduleSlot,
)
from courses.policy import may_manage_classes
from courses.services.enrolment import enrolments_end_for_class, waitlist_promote
from kem.models import Centre
from kem.permissions import CentrePerm, forget_access, holders, users_with
from kem.services.records import record_save, set_history_user

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A weekly meeting as the services take it: (weekday 0 = Monday, starts at, ends at).
Slot = tuple[int, dt.time, dt.time]

# The class fields the services accept; the status changes only through class_set_status.
CLASS_FIELDS = ("course", "name", "cycle", "room", "capacity", "start_date", "end_date")

# Where a class may go from each status. Finished and cancelled are final: their people have
# been let go and their lessons are history.
TRANSITIONS: dict[str, frozenset[str]] = {
    ClassStatus.PLANNED: frozenset({ClassStatus.OPEN, ClassStatus.RUNNING, ClassStatus.CANCELLED}),
    ClassStatus.OPEN: frozenset({ClassStatus.PLANNED, ClassStatus.RUNNING, ClassStatus.CANCELLED}),
    ClassStatus.RUNNING: frozenset({ClassStatus.FINISHED, ClassStatus.CANCELLED}),
    ClassStatus.FINISHED: frozenset(),
    ClassStatus.CANCELLED: frozenset(),
}

# The history of a lesson cancelled by a closed day names the day, so that reopening restores it.
CLOSED_DAY_REASON = "courses.closed_day:{pk}"


def _require_manager(by: User, centre_id: int) -> None:
    if not may_manage_classes(by, centre_id):
        raise PermissionDenied


def _lock(course_class: CourseClass) -> CourseClass:
    return (
        CourseClass.objects.select_for_update(of=("self",)).select_related("course").get(pk=course_class.pk)
    )


def _without_attendance(lessons: Any) -> Any:
    return lessons.filter(attendance_taken_at__isnull=True).exclude(
        Exists(Attendance.objects.filter(lesson=OuterRef("pk")))
    )


# --- the weekly schedule -----------------------------------------------------------------------


def _slot_objects(course_class: CourseClass, slots: Sequence[Slot]) -> list[ScheduleSlot]:
    """The slots as rows, validated: at least one, each ending after it starts, none overlapping."""
    if not slots:
        raise ValidationError(
            {"slots": ValidationError(_("A class meets at least once a week."), code="no_slots")}
        )
    rows = []
    for weekday, starts_at, ends_at in slots:
        row = ScheduleSlot(course_class=course_class, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
        try:
            row.full_clean(exclude=["course_class"])
        except ValidationError as invalid:
            raise ValidationError({"slots": invalid.messages}, code="slot_invalid") from None
        rows.append(row)
    for index, first in enumerate(rows):
        for second in rows[index + 1 :]:
            if (
                first.weekday == second.weekday
                and first.starts_at < second.ends_at
                and second.starts_at < first.ends_at
            ):
                raise ValidationError(
                    {
                        "slots": ValidationError(
                            _("Two weekly meetings overlap on %(day)s.")
                            % {"day": first.get_weekday_display()},
                            code="slots_overlap",
                        )
                    }
                )
    return rows


def _fill(course_class: CourseClass, data: dict[str, Any]) -> None:
    for name in CLASS_FIELDS:
        if name in data:
            value = data[name]
            setattr(course_class, name, value.strip() if isinstance(value, str) else value)


# --- creating and changing ---------------------------------------------------------------------


@transaction.atomic
def class_create(*, centre: Centre, by: User, data: dict[str, Any], slots: Sequence[Slot]) -> CourseClass:
    """Open a new class of an active course at ``centre`` with its weekly schedule (a manager of
    the centre). It starts as planned: people may already be enrolled or put on its waiting list.
    Lessons come from :func:`courses.services.lessons.lessons_generate`."""
    _require_manager(by, centre.pk)
    course_class = CourseClass(centre=centre, status=ClassStatus.PLANNED)
    _fill(course_class, data)
    course = data.get("course")
    if course is not None and not course.active:
        raise ValidationError(
            {"course": ValidationError(_("This course is no longer offered."), code="course_inactive")}
        )
    record_save(course_class, by=by)
    # The class's own errors come first; a schedule refused now undoes the save (atomic).
    ScheduleSlot.objects.bulk_create(_slot_objects(course_class, slots))
    return course_class


@transaction.atomic
def class_update(
    *,
    course_class: CourseClass,
    by: User,
    data: dict[str, Any],
    slots: Sequence[Slot] | None = None,
) -> CourseClass:
    """Change a class's details and, if ``slots`` is given, its weekly schedule.

    The course cannot change once people are on the class (``course_fixed``), nor the capacity
    fall below the people enrolled (``capacity_below_enrolled``). More seats go at once to the
    waiting list. Lessons already made stay (move or cancel them one by one), except scheduled
    lessons without attendance that fall outside new dates: those are cancelled.
    """
    _require_manager(by, course_class.centre_id)
    course_class = _lock(course_class)
    old_course_id, old_capacity = course_class.course_id, course_class.capacity
    _fill(course_class, data)
    errors: dict[str, ValidationError] = {}
    has_people = course_class.enrolments.exists()
    if course_class.course_id != old_course_id and has_people:
        errors["course"] = ValidationError(
            _("The course cannot change: people are already on this class."), code="course_fixed"
        )
    enrolled = course_class.enrolments.enrolled().count()
    if course_class.capacity is not None and course_class.capacity < enrolled:
        errors["capacity"] = ValidationError(
            _("%(n)s people are enrolled: the capacity cannot be lower.") % {"n": enrolled},
            code="capacity_below_enrolled",
        )
    if errors:
        raise ValidationError(errors)
    record_save(course_class, by=by)
    # The class's own errors come first; a schedule refused now undoes the save (atomic).
    if slots is not None:
        rows = _slot_objects(course_class, slots)
        course_class.slots.all().delete()
        ScheduleSlot.objects.bulk_create(rows)
    outside = _without_attendance(
        course_class.lessons.filter(status=LessonStatus.SCHEDULED).exclude(
            date__range=(course_class.start_date, course_class.end_date)
        )
    )
    for lesson in outside.select_for_update(of=("self",)):
        lesson.status = LessonStatus.CANCELLED
        lesson.note = _("Outside the class's dates.")
        record_save(lesson, by=by)
    if course_class.capacity > old_capacity:
        waitlist_promote(course_class=course_class, by=by)
    return course_class


@transaction.atomic
def class_set_teachers(*, course_class: CourseClass, teachers: Iterable[Any], by: User) -> CourseClass:
    """Make ``teachers`` the class's teachers (a manager of its centre): each must teach at
    the class's centre (hold ``teach_classes`` there, ``not_a_teacher``). Those added get the object
    permission ``courses.teach_class`` on the class; those removed lose it."""
    _require_manager(by, course_class.centre_id)
    course_class = _lock(course_class)
    wanted = {teacher.pk: teacher for teacher in teachers}
    eligible = set(holders(course_class.centre_id, [CentrePerm.TEACH])) & set(wanted)
    if set(wanted) - eligible:
        raise ValidationError(
            {
                "teachers": ValidationError(
                    _("Only teachers working at this class's centre can teach it."), code="not_a_teacher"
                )
            }
        )
    current = {user.pk: user for user in course_class.teachers.all()}
    for pk in set(wanted) - set(current):
        assign_perm("courses.teach_class", wanted[pk], course_class)
        forget_access(wanted[pk])
    for pk in set(current) - set(wanted):
        remove_perm("courses.teach_class", current[pk], course_class)
        forget_access(current[pk])
    course_class.teachers.set(list(wanted.values()))
    # The class's history gains a row naming who changed the teachers and when.
    record_save(course_class, by=by, reason="courses.class.teachers_set")
    return course_class


def teachers_at(*, centre: Centre) -> Any:
    """Users who teach at ``centre`` (hold ``teach_classes`` there), by name (the choices of a class)."""
    return users_with(CentrePerm.TEACH, centre).order_by("first_name", "last_name", "username")


# --- status ------------------------------------------------------------------------------------


@transaction.atomic
def class_set_status(*, course_class: CourseClass, status: str, by: User) -> CourseClass:
    """Move a class along planned → open for enrolment → running → finished, or cancel it.

    Finishing lets the waiting list go. Cancelling lets everyone go (waiting and enrolled: a
    cancelled class holds no one, so they may join another class of the course) and cancels its
    lessons from today on that have no attendance; the front desk's home panel lists the people
    to tell. A move that ``TRANSITIONS`` does not allow is refused (``status_transition``).
    """
    _require_manager(by, course_class.centre_id)
    course_class = _lock(course_class)
    if status not in TRANSITIONS.get(course_class.status, frozenset()):
        raise ValidationError(
            _("A class that is %(current)s cannot become %(new)s.")
            % {
                "current": course_class.get_status_display(),
                "new": ClassStatus(status).label if status in ClassStatus.values else status,
            },
            code="status_transition",
        )
    course_class.status = status
    record_save(course_class, by=by)
    if status == ClassStatus.FINISHED:
        enrolments_end_for_class(course_class=course_class, by=by, statuses=[EnrolmentStatus.WAITLISTED])
    elif status == ClassStatus.CANCELLED:
        enrolments_end_for_class(course_class=course_class, by=by, statuses=ACTIVE_ENROLMENT)
        upcoming = _without_attendance(
            course_class.lessons.filter(status=LessonStatus.SCHEDULED, date__gte=timezone.localdate())
        )
        for lesson in upcoming.select_for_update(of=("self",)):
            lesson.status = LessonStatus.CANCELLED
            lesson.note = _("The class is cancelled.")
            record_save(lesson, by=by)
    return course_class


# --- closed days -------------------------------------------------------------------------------


@transaction.atomic
def closed_day_add(*, centre: Centre, date: dt.date, reason: str, by: User) -> ClosedDay:
    """Close the centre on ``date`` (a manager): no lessons are generated on it, and the centre's
    scheduled lessons that day with no attendance yet are cancelled (their history names the closed
    day, so removing it brings them back). Refused if the day is already closed (``already_closed``)."""
    _require_manager(by, centre.pk)
    if ClosedDay.objects.filter(centre=centre, date=date).exists():
        raise ValidationError(
            {"date": ValidationError(_("The centre is already closed on this day."), code="already_closed")}
        )
    closed = ClosedDay(centre=centre, date=date, reason=(reason or "").strip(), created_by=by)
    record_save(closed, by=by)
    lessons = _without_attendance(
        Lesson.objects.filter(course_class__centre=centre, date=date, status=LessonStatus.SCHEDULED)
    )
    for lesson in lessons.select_for_update(of=("self",)):
        lesson.status = LessonStatus.CANCELLED
        lesson.note = (closed.reason or _("The centre is closed."))[:200]
        record_save(lesson, by=by, reason=CLOSED_DAY_REASON.format(pk=closed.pk))
    return closed


@transaction.atomic
def closed_day_remove(*, closed_day: ClosedDay, by: User) -> list[Lesson]:
    """Open a closed day again (a manager): the lessons it cancelled, and that nobody changed since,
    are scheduled again. Returns those lessons."""
    _require_manager(by, closed_day.centre_id)
    reason = CLOSED_DAY_REASON.format(pk=closed_day.pk)
    candidates = Lesson.objects.filter(
        course_class__centre_id=closed_day.centre_id, date=closed_day.date, status=LessonStatus.CANCELLED
    ).select_for_update(of=("self",))
    restored = []
    for lesson in candidates:
        latest = lesson.history.order_by("-history_date", "-history_id").first()
        if latest is None or latest.history_change_reason != reason:
            continue
        lesson.status, lesson.note = LessonStatus.SCHEDULED, ""
        record_save(lesson, by=by, reason="courses.closed_day.removed")
        restored.append(lesson)
    set_history_user(closed_day, by)
    closed_day.delete()
    return restored
