"""Reads for the teacher's work: their lessons, a lesson's sheet, attendance rates, follow-ups.

Scope: a teacher reaches the classes they hold ``courses.teach_class`` on; a centre's manager all
classes of the centre (``courses/policy.py``). Fetch helpers answer 404 for a class the user may
not see at all (another centre's, another teacher's) and 403 for a role that may look at the class
but not keep its sheets (the front desk).

Names leave this module only opened through the vault, and every page of them is traced with one
INSERT (``access_record_many``, fields ``["name"]``). A learner whose key was shredded (erased) is
shown as such and never opened.

Two definitions the pages and services share:

- *held lessons* of a class are its non-cancelled lessons dated today or earlier. The attendance
  rate is the share of them a learner attended (present or late); an excused absence counts as
  not attended, because the certificate states hours actually followed. A learner who joined late
  is measured over the class's held lessons all the same: the course's threshold is about the
  course, not about the learner's own calendar.
- the *follow-up* list (absent streaks) looks at the last ``n`` held lessons whose sheet has been
  taken: a lesson whose sheet nobody has filled in yet says nothing about who was absent.

This module also registers the teacher's home-panel part; it is imported (through the views) when
the URLs load, before any page renders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from courses import policy
from courses.models import (
    ATTENDED_MARKS,
    Attendance,
    AttendanceMark,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonStatus,
    attendance_rate,
)
from courses.selectors.classes import open_learner_names, taught_classes
from kem.models import Centre
from kem.permissions import CentrePerm, centres_with
from kem.selectors.staff import PanelPart

SHEET_READ_ACTION = "courses.attendance_sheet.read"
ROSTER_READ_ACTION = "courses.class_attendance.read"
RESULTS_READ_ACTION = "courses.results.read"
FOLLOWUP_READ_ACTION = "courses.followup.read"
# Absent this many held lessons in a row: listed for follow-up.
STREAK = 3
ROSTER_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.GRADUATED)


# --- scope -------------------------------------------------------------------------------------


def sheet_classes(user: Any) -> QuerySet[CourseClass]:
    """Classes whose sheets ``user`` keeps: those they teach and, for a manager, the centre's."""
    managed = centres_with(user, CentrePerm.MANAGE)
    return CourseClass.objects.filter(
        Q(centre_id__in=managed) | Q(pk__in=taught_classes(user=user).values("pk"))
    ).select_related("course", "centre")


def visible_lessons(user: Any) -> QuerySet[Lesson]:
    """Lessons of the classes ``user`` may look at (front desk and manager of the centre, the
    class's teacher), with their class and course."""
    viewing = centres_with(user, CentrePerm.SEE_CLASSES)
    return Lesson.objects.filter(
        Q(course_class__centre_id__in=viewing) | Q(course_class__in=taught_classes(user=user).values("pk"))
    ).select_related("course_class__course", "course_class__centre")


def _class_checked(user: Any, course_class: CourseClass) -> None:
    if policy.sees_aggregates_only(user, course_class):
        raise PermissionDenied
    if not policy.may_see_class(user, course_class):
        raise Http404
    if not policy.may_record_results(user, course_class):
        raise PermissionDenied


def lesson_for(user: Any, pk: Any) -> Lesson:
    """The lesson ``pk`` for its sheet: 404 unless the user may see its class, 403 for a role that
    may only look (the front desk). Whether the sheet may still be changed is ``policy.sheet_lock``."""
    try:
        lesson = Lesson.objects.select_related(
            "course_class__course", "course_class__centre", "attendance_taken_by"
        ).get(pk=pk)
    except (Lesson.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    _class_checked(user, lesson.course_class)
    return lesson


def teaching_class_for(user: Any, pk: Any) -> CourseClass:
    """The class ``pk`` for its attendance and results pages, answered like :func:`lesson_for`."""
    try:
        course_class = CourseClass.objects.select_related("course", "centre").get(pk=pk)
    except (CourseClass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    _class_checked(user, course_class)
    return course_class


# --- lessons -----------------------------------------------------------------------------------


def _lessons_on(classes: QuerySet[CourseClass], day: dt.date) -> list[Lesson]:
    """Scheduled lessons of ``classes`` on ``day`` with how many learners each class has (one query)."""
    return list(
        Lesson.objects.filter(course_class__in=classes.values("pk"), date=day, status=LessonStatus.SCHEDULED)
        .select_related("course_class__course", "course_class__centre")
        .annotate(
            learners=Count(
                "course_class__enrolments",
                filter=Q(course_class__enrolments__status__in=ROSTER_STATUSES),
            )
        )
        .order_by("starts_at", "course_class__name")
    )


def teacher_lessons(*, user: Any, date: dt.date, centre: Centre | None = None) -> list[Lesson]:
    """The scheduled lessons on ``date`` of the classes the user teaches and, for a manager, of
    the centre's classes; each with ``learners`` (the roster's size). One query."""
    classes = sheet_classes(user)
    if centre is not None:
        classes = classes.filter(centre=centre)
    return _lessons_on(classes, date)


def held_lessons(course_class: CourseClass, *, today: dt.date | None = None) -> QuerySet[Lesson]:
    """The class's lessons that took place: not cancelled, dated today or earlier."""
    return course_class.lessons.filter(
        status=LessonStatus.SCHEDULED, date__lte=today or timezone.localdate()
    ).order_by("date", "starts_at")


# --- attendance rates --------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceFigures:
    """A learner's attendance over the class's held lessons."""

    held: int
    attended: int
    hours: Decimal

    @property
    def rate(self) -> Decimal | None:
        """What pages show: None (a dash, not a red 0%) while no lesson has been held."""
        return attendance_rate(self.attended, self.held)

    @property
    def percent(self) -> Decimal:
        """What the result rule and the certificate use: no lesson held counts as 0%."""
        rate = self.rate
        return Decimal("0.00") if rate is None else rate


def attendance_figures(
    *, course_class: CourseClass, enrolment_ids: Iterable[int], today: dt.date | None = None
) -> dict[int, AttendanceFigures]:
    """Attendance of each given enrolment: attended (present or late) over held lessons, and the
    hours of the lessons attended. Two queries however many learners and lessons."""
    enrolment_ids = list(enrolment_ids)
    hours = {lesson.pk: lesson.hours for lesson in held_lessons(course_class, today=today)}
    attended: dict[int, list[int]] = defaultdict(list)
    rows = Attendance.objects.filter(
        enrolment_id__in=enrolment_ids, lesson_id__in=list(hours), mark__in=ATTENDED_MARKS
    ).values_list("enrolment_id", "lesson_id")
    for enrolment_id, lesson_id in rows:
        attended[enrolment_id].append(lesson_id)
    return {
        pk: AttendanceFigures(
            held=len(hours),
            attended=len(attended[pk]),
            hours=sum((hours[lesson] for lesson in attended[pk]), Decimal("0.00")),
        )
        for pk in enrolment_ids
    }


def attendance_percent(*, enrolment: Enrolment, today: dt.date | None = None) -> Decimal:
    """One learner's attendance rate in their class (see :func:`attendance_figures`)."""
    figures = attendance_figures(
        course_class=enrolment.course_class, enrolment_ids=[enrolment.pk], today=today
    )
    return figures[enrolment.pk].percent


def _roster(course_class: CourseClass) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.on_roster()
        .filter(course_class=course_class)
        .select_related("beneficiary__person_key")
        .order_by("pk")
    )


def _name_key(name: str) -> str:
    return name.casefold()


# --- a lesson's sheet --------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """One learner on a lesson's sheet: the mark saved, or present by default."""

    enrolment_id: int
    name: str
    level: str
    mark: str
    recorded: bool


def sheet_enrolment_ids(lesson: Lesson) -> list[int]:
    """The ids of the learners on the lesson's sheet, without opening a name (to read a POST)."""
    return list(
        Enrolment.objects.on_roster()
        .filter(course_class_id=lesson.course_class_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lesson_sheet(*, lesson: Lesson, user: Any, request: HttpRequest | None = None) -> list[SheetRow]:
    """The lesson's sheet in name order: each learner's name (traced), level and mark (present
    when none is saved yet). Three queries however many learners."""
    if not policy.may_record_results(user, lesson.course_class):
        raise PermissionDenied
    enrolments = list(_roster(lesson.course_class))
    marks = dict(Attendance.objects.filter(lesson=lesson).values_list("enrolment_id", "mark"))
    names = open_learner_names(
        enrolments,
        user=user,
        centre_id=lesson.course_class.centre_id,
        action=SHEET_READ_ACTION,
        request=request,
    )
    rows = [
        SheetRow(
            enrolment_id=enrolment.pk,
            name=names[enrolment.pk],
            level=enrolment.get_placement_level_display() if enrolment.placement_level else "",
            mark=marks.get(enrolment.pk, AttendanceMark.PRESENT),
            recorded=enrolment.pk in marks,
        )
        for enrolment in enrolments
    ]
    return sorted(rows, key=lambda row: _name_key(row.name))


# --- absent streaks ----------------------------------------------------------------------------


def _streaks(class_ids: Iterable[int], *, n: int, today: dt.date) -> dict[int, dt.date]:
    """Enrolled learners absent from each of their class's last ``n`` taken lessons, with the date
    the streak began. Two queries however many classes and learners."""
    last: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    lessons = (
        Lesson.objects.filter(
            course_class_id__in=list(class_ids),
            status=LessonStatus.SCHEDULED,
            date__lte=today,
            attendance_taken_at__isnull=False,
        )
        .order_by("course_class_id", "-date", "-starts_at")
        .values_list("pk", "course_class_id", "date")
    )
    for pk, class_id, date in lessons:
        if len(last[class_id]) < n:
            last[class_id].append((pk, date))
    window = {pk: date for rows in last.values() if len(rows) == n for pk, date in rows}
    if not window:
        return {}
    absences: dict[int, list[dt.date]] = defaultdict(list)
    for enrolment_id, lesson_id in Attendance.objects.filter(
        lesson_id__in=list(window), mark=AttendanceMark.ABSENT, enrolment__status=EnrolmentStatus.ENROLLED
    ).values_list("enrolment_id", "lesson_id"):
        absences[enrolment_id].append(window[lesson_id])
    # An enrolment belongs to one class, so n absences among the window are its class's last n.
    return {pk: min(dates) for pk, dates in absences.items() if len(dates) == n}


@dataclass(frozen=True)
class FollowUp:
    """A learner absent from the last lessons in a row."""

    enrolment_id: int
    name: str
    course_class: CourseClass
    since: dt.date


def _followups(
    classes: list[CourseClass], *, user: Any, n: int, request: HttpRequest | None
) -> list[FollowUp]:
    by_class = {c.pk: c for c in classes}
    streaks = _streaks(by_class, n=n, today=timezone.localdate())
    if not streaks:
        return []
    enrolments = list(
        Enrolment.objects.filter(pk__in=list(streaks)).select_related("beneficiary__person_key")
    )
    followups: list[FollowUp] = []
    for centre_id in {by_class[e.course_class_id].centre_id for e in enrolments}:
        here = [e for e in enrolments if by_class[e.course_class_id].centre_id == centre_id]
        names = open_learner_names(
            here, user=user, centre_id=centre_id, action=FOLLOWUP_READ_ACTION, request=request
        )
        followups += [
            FollowUp(
                enrolment_id=e.pk,
                name=names[e.pk],
                course_class=by_class[e.course_class_id],
                since=streaks[e.pk],
            )
            for e in here
        ]
    return sorted(followups, key=lambda f: (f.course_class.name, _name_key(f.name)))


def absent_streaks(
    *, course_class: CourseClass, user: Any, n: int = STREAK, request: HttpRequest | None = None
) -> list[FollowUp]:
    """Enrolled learners of the class absent from each of its last ``n`` taken lessons, for the
    teacher to follow up (names traced). Nothing for a user who does not keep the class's sheets."""
    if not policy.may_record_results(user, course_class):
        return []
    return _followups([course_class], user=user, n=n, request=request)


# --- a class's roster with attendance (the class's attendance and results pages) ---------------


@dataclass(frozen=True)
class RosterRow:
    """A learner of the class with their attendance and, for results, their enrolment."""

    enrolment: Enrolment
    name: str
    figures: AttendanceFigures
    absent_since: dt.date | None

    @property
    def level(self) -> str:
        return self.enrolment.get_placement_level_display() if self.enrolment.placement_level else ""


def roster_rows(
    *,
    course_class: CourseClass,
    user: Any,
    action: str = ROSTER_READ_ACTION,
    request: HttpRequest | None = None,
    n: int = STREAK,
) -> list[RosterRow]:
    """The class's learners in name order with attendance figures, whether they are on an absent
    streak, and their certificate if any (names traced as ``action``). Six queries however many."""
    if not policy.may_record_results(user, course_class):
        raise PermissionDenied
    enrolments = list(_roster(course_class).select_related("certificate"))
    for enrolment in enrolments:
        enrolment.course_class = course_class  # the rules read the course through it
    figures = attendance_figures(course_class=course_class, enrolment_ids=[e.pk for e in enrolments])
    streaks = _streaks([course_class.pk], n=n, today=timezone.localdate())
    names = open_learner_names(
        enrolments, user=user, centre_id=course_class.centre_id, action=action, request=request
    )
    rows = [
        RosterRow(enrolment=e, name=names[e.pk], figures=figures[e.pk], absent_since=streaks.get(e.pk))
        for e in enrolments
    ]
    return sorted(rows, key=lambda row: _name_key(row.name))


def roster_enrolments(*, course_class: CourseClass) -> list[Enrolment]:
    """The class's learners' enrolments without opening a name (to read a results POST)."""
    return list(Enrolment.objects.on_roster().filter(course_class=course_class).order_by("pk"))


def class_lessons(*, course_class: CourseClass) -> list[Lesson]:
    """All the class's lessons in date order, with who took each sheet (one query)."""
    return list(course_class.lessons.select_related("attendance_taken_by").order_by("date", "starts_at"))


# --- the teacher's home panel ------------------------------------------------------------------


def teaching_part(*, centre: Centre, user: Any) -> PanelPart | None:
    """Today's lessons of the teacher's classes at ``centre`` (one tap to the sheet) and the
    learners to follow up (registered for ``teach_classes``). A fixed number of queries however
    many classes and learners."""
    classes = list(taught_classes(user=user).filter(centre=centre).select_related("course", "centre"))
    today = timezone.localdate()
    lessons = _lessons_on(taught_classes(user=user).filter(centre=centre), today) if classes else []
    followups = _followups(classes, user=user, n=STREAK, request=None) if classes else []
    return PanelPart(
        template="courses/teaching/_home_part.html",
        context={
            "lessons": lessons,
            "followups": followups,
            "classes": classes,
            "today": today,
            "streak": STREAK,
        },
    )
