"""Pages: a lesson's attendance sheet and a class's attendance (rates, lessons, follow-ups).

Fetched through ``courses.selectors.attendance`` (404 for a class the user may not see, 403 for
the front desk, who may look at classes but not keep their sheets). A sheet is saved with one
POST; when the user may no longer change it the page shows it read-only and says why.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from courses import policy
from courses.forms.attendance import SheetForm, mark_field_name
from courses.models import AttendanceMark, Lesson
from courses.selectors import attendance as selectors
from courses.services.attendance import attendance_record
from kem.forms.errors import add_service_errors


def lock_reason(code: str) -> str:
    """Why a sheet is read-only, in words."""
    return {
        "cancelled": _("This lesson was cancelled: it has no attendance."),
        "not_yet": _("This lesson has not taken place yet: its sheet opens on the day of the lesson."),
        "window_passed": _(
            "A teacher may change a sheet up to %(days)d days after the lesson; ask the centre's "
            "manager for any correction now."
        )
        % {"days": policy.SHEET_EDIT_DAYS},
        "not_allowed": _("Only the class's teacher or the centre's manager changes this sheet."),
    }.get(code, "")


def _sheet_page(request: HttpRequest, lesson: Lesson, form: SheetForm | None, lock: str) -> HttpResponse:
    rows = selectors.lesson_sheet(lesson=lesson, user=request.user, request=request)
    if form is None and not lock:
        form = SheetForm(
            enrolment_ids=[r.enrolment_id for r in rows], initial_marks={r.enrolment_id: r.mark for r in rows}
        )
    context = {
        "lesson": lesson,
        "course_class": lesson.course_class,
        "rows": [
            (row, form[mark_field_name(row.enrolment_id)] if form is not None else None) for row in rows
        ],
        "form": form,
        "lock": lock,
        "lock_reason": lock_reason(lock),
        "marks": AttendanceMark,
        "counts": _counts(rows),
    }
    return render(request, "courses/teaching/sheet.html", context)


def _counts(rows: list[selectors.SheetRow]) -> list[tuple[str, str, int]]:
    """How many learners have each saved mark (for the read-only sheet)."""
    return [
        (value, label, sum(1 for r in rows if r.recorded and r.mark == value))
        for value, label in AttendanceMark.choices
    ]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def lesson_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A lesson's sheet: every learner (name and level), present by default, saved at once."""
    lesson = selectors.lesson_for(request.user, pk)
    lock = policy.sheet_lock(request.user, lesson)
    if request.method == "GET":
        return _sheet_page(request, lesson, None, lock)
    if lock in ("not_allowed", "window_passed"):
        raise PermissionDenied
    if lock:
        messages.error(request, lock_reason(lock))
        return redirect(lesson)
    # The POST is read by enrolment id; names are opened only if the page must be shown again.
    form = SheetForm(request.POST, enrolment_ids=selectors.sheet_enrolment_ids(lesson), initial_marks={})
    if form.is_valid():
        try:
            attendance_record(lesson=lesson, marks=form.marks(), by=request.user)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("Attendance saved."))
            return redirect(f"{reverse('teaching-today')}?date={lesson.date.isoformat()}")
    return _sheet_page(request, lesson, form, lock)


@login_required
@never_cache
@require_GET
def class_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's attendance: each learner's rate and hours, who to follow up, and its lessons."""
    course_class = selectors.teaching_class_for(request.user, pk)
    rows = selectors.roster_rows(course_class=course_class, user=request.user, request=request)
    context = {
        "course_class": course_class,
        "rows": rows,
        "followups": [row for row in rows if row.absent_since is not None],
        "lessons": selectors.class_lessons(course_class=course_class),
        "streak": selectors.STREAK,
        "may_record_results": policy.may_record_results(request.user, course_class),
    }
    return render(request, "courses/teaching/class_attendance.html", context)


urlpatterns = [
    path("lessons/<int:pk>/sheet/", lesson_sheet, name="lesson-sheet"),
    path("classes/<int:pk>/attendance/", class_attendance, name="class-attendance"),
]
