"""Lessons: generated from a class's weekly schedule, then moved or cancelled one by one.

Generation skips Greek public holidays (the ``holidays`` library's calendar, which follows the
Orthodox Easter) and the days the centre's manager closed. It is idempotent: a lesson that exists
for a date and a weekly meeting — even cancelled, even moved elsewhere — is never made again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import holidays
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from courses.models import ClassStatus, ClosedDay, CourseClass, Lesson, LessonStatus
from courses.policy import may_manage_classes
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _require_manager(by: User, centre_id: int) -> None:
    if not may_manage_classes(by, centre_id):
        raise PermissionDenied


def greek_holidays(*years: int) -> holidays.HolidayBase:
    """Greek public holidays of ``years``, named in the page's language."""
    language = "en_US" if (get_language() or "el").startswith("en") else "el"
    calendar: holidays.HolidayBase = holidays.country_holidays(
        "GR", years=sorted(set(years)), language=language
    )
    return calendar


def _dates(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


@transaction.atomic
def lessons_generate(*, course_class: CourseClass, by: User) -> list[Lesson]:
    """Make the class's missing lessons: one per weekly meeting on every date from its start to
    its end, except public holidays and the centre's closed days. Existing lessons are kept (a
    moved lesson still stands for the date it was planned for). Returns the new lessons, made in
    one INSERT (and one for their history)."""
    _require_manager(by, course_class.centre_id)
    course_class = CourseClass.objects.select_for_update(of=("self",)).get(pk=course_class.pk)
    if course_class.status in (ClassStatus.FINISHED, ClassStatus.CANCELLED):
        raise ValidationError(
            _("A class that is %(status)s gets no new lessons.")
            % {"status": course_class.get_status_display()},
            code="class_closed",
        )
    slots = list(course_class.slots.all())
    if not slots:
        raise ValidationError(
            _("Set the class's weekly schedule first: lessons are made from it."), code="no_slots"
        )
    start, end = course_class.start_date, course_class.end_date
    public = greek_holidays(*range(start.year, end.year + 1))
    closed = set(
        ClosedDay.objects.filter(centre_id=course_class.centre_id, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    existing = list(course_class.lessons.values_list("date", "starts_at", "planned_date"))
    # A lesson never moved stands for (its date, its time); a moved one for one meeting of the
    # date it was planned for, whatever its time was.
    in_place = {(date, starts_at) for date, starts_at, planned in existing if planned is None}
    moved_from = Counter(planned for _date, _starts, planned in existing if planned is not None)
    new: list[Lesson] = []
    for day in _dates(start, end):
        day_slots = [slot for slot in slots if slot.weekday == day.weekday()]
        if not day_slots or day in public or day in closed:
            continue
        missing = [slot for slot in day_slots if (day, slot.starts_at) not in in_place]
        for slot in missing[moved_from.get(day, 0) :]:
            lesson = Lesson(
                course_class=course_class, date=day, starts_at=slot.starts_at, ends_at=slot.ends_at
            )
            lesson.clean_fields(exclude=["course_class", "attendance_taken_by"])
            lesson.clean()
            new.append(lesson)
    if not new:
        return []
    created: list[Lesson] = bulk_create_with_history(new, Lesson, default_user=by)
    return created


def _locked(lesson: Lesson) -> Lesson:
    return Lesson.objects.select_for_update(of=("self",)).select_related("course_class").get(pk=lesson.pk)


def _require_untouched(lesson: Lesson) -> None:
    if lesson.is_cancelled:
        raise ValidationError(_("This lesson is cancelled."), code="lesson_cancelled")
    if lesson.attendance_taken_at is not None or lesson.attendances.exists():
        raise ValidationError(
            _("Attendance has been taken for this lesson: it took place and stays as it is."),
            code="attendance_taken",
        )


def _date_errors(lesson: Lesson, date: dt.date, starts_at: dt.time, ends_at: dt.time) -> dict[str, Any]:
    errors: dict[str, ValidationError] = {}
    holiday = greek_holidays(date.year).get(date)
    if holiday:
        errors["date"] = ValidationError(
            _("%(date)s is a public holiday (%(name)s).") % {"date": f"{date:%d/%m/%Y}", "name": holiday},
            code="holiday",
        )
    elif ClosedDay.objects.filter(centre_id=lesson.course_class.centre_id, date=date).exists():
        errors["date"] = ValidationError(
            _("The centre is closed on %(date)s.") % {"date": f"{date:%d/%m/%Y}"}, code="closed_day"
        )
    if starts_at and ends_at and starts_at < ends_at:
        clash = (
            Lesson.objects.filter(
                course_class_id=lesson.course_class_id,
                date=date,
                status=LessonStatus.SCHEDULED,
                starts_at__lt=ends_at,
                ends_at__gt=starts_at,
            )
            .exclude(pk=lesson.pk)
            .first()
        )
        if clash is not None:
            errors["starts_at"] = ValidationError(
                _("The class already has a lesson then (%(start)s–%(end)s).")
                % {"start": f"{clash.starts_at:%H:%M}", "end": f"{clash.ends_at:%H:%M}"},
                code="clash",
            )
    return errors


@transaction.atomic
def lesson_move(*, lesson: Lesson, date: dt.date, starts_at: dt.time, ends_at: dt.time, by: User) -> Lesson:
    """Move a lesson to another date or time (a manager). The first move keeps the date it was
    planned for in ``planned_date``. Refused on a public holiday (``holiday``) or closed day
    (``closed_day``), over another lesson of the class (``clash``), for a cancelled lesson or one
    whose attendance was taken."""
    _require_manager(by, lesson.course_class.centre_id)
    lesson = _locked(lesson)
    _require_untouched(lesson)
    errors = _date_errors(lesson, date, starts_at, ends_at)
    if errors:
        raise ValidationError(errors)
    if lesson.planned_date is None:
        lesson.planned_date = lesson.date
    lesson.date, lesson.starts_at, lesson.ends_at = date, starts_at, ends_at
    record_save(lesson, by=by)
    return lesson


@transaction.atomic
def lesson_cancel(*, lesson: Lesson, by: User, note: str = "") -> Lesson:
    """Cancel one lesson (a manager), with a note for the teacher and the learners' record. A lesson
    whose attendance was taken took place and cannot be cancelled."""
    _require_manager(by, lesson.course_class.centre_id)
    lesson = _locked(lesson)
    if lesson.is_cancelled:
        raise ValidationError(_("This lesson is already cancelled."), code="already_cancelled")
    _require_untouched(lesson)
    lesson.status = LessonStatus.CANCELLED
    lesson.note = (note or "").strip()
    record_save(lesson, by=by)
    return lesson
