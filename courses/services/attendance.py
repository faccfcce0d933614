"""Taking attendance: a whole lesson's sheet saved at once, with history.

Who may save a sheet, and until when, is ``courses/policy.py`` (``may_take_attendance``): the
class's teacher from the lesson's day for ``SHEET_EDIT_DAYS`` days, the centre's manager at any
time. A sheet costs the same number of queries for 5 learners as for 25: rows are created and
changed in bulk, and their history is written in bulk too (simple-history does not see bulk
operations by itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from courses import policy
from courses.models import Attendance, AttendanceMark, Enrolment, Lesson
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Checked by the service itself (the roster query and the lesson lock), so full_clean() need not
# query each row's foreign keys: that would cost three queries per learner.
_CHECKED_HERE = ["enrolment", "lesson", "recorded_by"]


def _enrolment_ids(marks: Mapping[Any, str]) -> dict[int, str]:
    try:
        return {int(pk): mark for pk, mark in marks.items()}
    except (TypeError, ValueError):
        raise ValidationError(
            _("Some learners on the sheet are not on this class."), code="not_on_roster"
        ) from None


def _check_sheet(lesson: Lesson, marks: dict[int, str]) -> None:
    if lesson.is_cancelled:
        raise ValidationError(_("This lesson was cancelled: it has no attendance."), code="lesson_cancelled")
    if lesson.date > timezone.localdate():
        raise ValidationError(
            _("Attendance can be taken from the day of the lesson."), code="lesson_not_held_yet"
        )
    if set(marks.values()) - set(AttendanceMark.values):
        raise ValidationError(_("Choose present, late, excused or absent."), code="unknown_mark")
    on_roster = set(
        Enrolment.objects.on_roster()
        .filter(course_class_id=lesson.course_class_id, pk__in=list(marks))
        .values_list("pk", flat=True)
    )
    if on_roster != set(marks):
        raise ValidationError(_("Some learners on the sheet are not on this class."), code="not_on_roster")


@transaction.atomic
def attendance_record(*, lesson: Lesson, marks: Mapping[int, str], by: User) -> list[Attendance]:
    """Save the lesson's marks (enrolment id -> ``AttendanceMark``) and note who took the sheet.

    Raises ``PermissionDenied`` unless ``by`` may take this lesson's attendance now, and
    ``ValidationError`` for a cancelled or future lesson, an unknown mark, or an enrolment not on
    the class's roster. New marks are created, changed ones updated (unchanged ones are left as
    they were, with their history); returns the lesson's rows for the given learners.
    A fixed number of queries however many learners.
    """
    # The lock serialises two people saving the same sheet; it is taken before the check so that
    # the decision is made on the lesson as it now is.
    lesson = (
        Lesson.objects.select_for_update(of=("self",))
        .select_related("course_class__centre", "course_class__course")
        .get(pk=lesson.pk)
    )
    if not policy.may_take_attendance(by, lesson):
        raise PermissionDenied
    marks = _enrolment_ids(marks)
    _check_sheet(lesson, marks)

    now = timezone.now()
    existing = {
        row.enrolment_id: row
        for row in Attendance.objects.filter(lesson=lesson, enrolment_id__in=list(marks))
    }
    created = [
        Attendance(enrolment_id=pk, lesson=lesson, mark=mark, recorded_at=now, recorded_by=by)
        for pk, mark in marks.items()
        if pk not in existing
    ]
    changed = [row for pk, row in existing.items() if row.mark != marks[pk]]
    for row in changed:
        row.mark, row.recorded_at, row.recorded_by = marks[row.enrolment_id], now, by
    for row in (*created, *changed):
        row.full_clean(exclude=_CHECKED_HERE, validate_unique=False, validate_constraints=False)
    if created:
        created = bulk_create_with_history(created, Attendance, default_user=by)
    if changed:
        bulk_update_with_history(changed, Attendance, ["mark", "recorded_at", "recorded_by"], default_user=by)

    lesson.attendance_taken_at, lesson.attendance_taken_by = now, by
    record_save(
        lesson,
        by=by,
        exclude=["course_class", "attendance_taken_by"],
        update_fields=["attendance_taken_at", "attendance_taken_by"],
    )
    rows = {row.enrolment_id: row for row in (*existing.values(), *created)}
    return [rows[pk] for pk in sorted(rows)]
