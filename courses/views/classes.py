"""Pages: the catalogue (managers keep it), classes (list, page, create and edit with the weekly
schedule, teachers, status), lessons (generate, move, cancel) and the centre's closed days.

Classes are fetched through ``courses.selectors.classes.class_for``: another centre's class, or a
class a teacher does not teach, is a 404; a role that may look but not change it gets 403. Each
change is one service call behind ``require_POST`` or a GET/POST pair whose GET asks first.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.forms.catalogue import CourseForm
from courses.forms.classes import (
    ClassFilterForm,
    ClassForm,
    ClosedDayForm,
    LessonCancelForm,
    LessonMoveForm,
    StatusForm,
    TeachersForm,
    slot_formset,
    slots_of,
)
from courses.models import ClassStatus, CourseClass
from courses.policy import may_edit_catalogue, may_enrol, may_manage_classes, may_read_catalogue, teaches
from courses.selectors import classes as selectors
from courses.services import catalogue as catalogue_services
from courses.services import classes as class_services
from courses.services import lessons as lesson_services
from kem.forms.errors import add_service_errors

PAGE_SIZE = 50


def _error_messages(request: HttpRequest, invalid: ValidationError) -> None:
    for message in invalid.messages:
        messages.error(request, message)


# --- the catalogue -----------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def course_list(request: HttpRequest) -> HttpResponse:
    """The network's catalogue; managers also see inactive courses and change it."""
    if not may_read_catalogue(request.user):
        raise PermissionDenied
    editor = may_edit_catalogue(request.user)
    return render(
        request,
        "courses/course_list.html",
        {"courses": list(selectors.course_list(include_inactive=editor)), "may_edit": editor},
    )


@login_required
@never_cache
@require_GET
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A course and the classes of it that the user may open."""
    course = selectors.course_for(request.user, pk)
    classes = selectors.class_list(user=request.user, course=course)
    return render(
        request,
        "courses/course_detail.html",
        {"course": course, "classes": list(classes), "may_edit": may_edit_catalogue(request.user)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    if not may_edit_catalogue(request.user):
        raise PermissionDenied
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = catalogue_services.course_create(by=request.user, data=form.service_data())
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The course is in the catalogue."))
            return redirect(course)
    return render(request, "courses/course_form.html", {"form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_for(request.user, pk)
    if not may_edit_catalogue(request.user):
        raise PermissionDenied
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            course = catalogue_services.course_update(
                course=course, by=request.user, data=form.service_data()
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The course is saved."))
            return redirect(course)
    return render(request, "courses/course_form.html", {"form": form, "course": course})


# --- classes -----------------------------------------------------------------------------------


def _require_classes(user: Any) -> None:
    if not may_read_catalogue(user):
        raise PermissionDenied


@login_required
@never_cache
@require_GET
def class_list(request: HttpRequest) -> HttpResponse:
    """The classes the user may open, filtered by status and course."""
    _require_classes(request.user)
    form = ClassFilterForm(request.GET or None)
    rows = selectors.class_list(user=request.user, **form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/class_list.html",
        {
            "form": form,
            "page_obj": page,
            "classes": list(page.object_list),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "may_create": selectors.managed_centres(request.user).exists(),
        },
    )


@login_required
@never_cache
@require_GET
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A class: schedule, teachers, seats, roster, waiting list, lessons and what may be done."""
    course_class = selectors.class_for(request.user, pk)
    user = request.user
    manager = may_manage_classes(user, course_class.centre_id)
    context = {
        "course_class": course_class,
        "slots": list(course_class.slots.all()),
        "teachers": list(course_class.teachers.order_by("first_name", "last_name")),
        "enrolled_count": course_class.seats_taken,
        "roster": selectors.class_roster(course_class=course_class, user=user, request=request),
        "waiting": selectors.waiting_list(course_class=course_class, user=user, request=request),
        "lessons": selectors.class_lessons(course_class=course_class),
        "may_manage": manager,
        "may_enrol": may_enrol(user, course_class.centre_id) and course_class.takes_enrolments,
        "may_see_people": may_enrol(user, course_class.centre_id),
        "is_teacher": teaches(user, course_class),
        "statuses": selectors.class_status_choices(course_class) if manager else [],
    }
    context["seats_left"] = max(course_class.capacity - context["enrolled_count"], 0)
    return render(request, "courses/class_detail.html", context)


def _class_form_page(
    request: HttpRequest, form: ClassForm, slots: Any, course_class: CourseClass | None = None
) -> HttpResponse:
    return render(
        request,
        "courses/class_form.html",
        {"form": form, "slots": slots, "course_class": course_class},
    )


def _put_slot_errors(form: ClassForm, slots: Any, invalid: ValidationError) -> None:
    if hasattr(invalid, "error_dict") and "slots" in invalid.error_dict:
        slots._non_form_errors = slots.error_class(
            [m for e in invalid.error_dict.pop("slots") for m in e.messages], error_class="nonform"
        )
    if not hasattr(invalid, "error_dict") or invalid.error_dict:
        add_service_errors(form, invalid)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_create(request: HttpRequest) -> HttpResponse:
    """A new class of a centre the user manages, with its weekly schedule."""
    centres = selectors.managed_centres(request.user)
    if not centres.exists():
        raise PermissionDenied
    form = ClassForm(request.POST or None, centres=centres)
    slots = slot_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and slots.is_valid():
        try:
            course_class = class_services.class_create(
                centre=form.centre, by=request.user, data=form.service_data(), slots=slots_of(slots)
            )
        except ValidationError as invalid:
            _put_slot_errors(form, slots, invalid)
        else:
            messages.success(request, _("The class is created. Add its teachers, then generate its lessons."))
            return redirect(course_class)
    return _class_form_page(request, form, slots)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course_class = selectors.class_for(request.user, pk, touch=True)
    initial = {name: getattr(course_class, name) for name in class_services.CLASS_FIELDS}
    form = ClassForm(request.POST or None, course_class=course_class, initial=initial)
    slots = slot_formset(request.POST or None, course_class=course_class)
    if request.method == "POST" and form.is_valid() and slots.is_valid():
        try:
            class_services.class_update(
                course_class=course_class, by=request.user, data=form.service_data(), slots=slots_of(slots)
            )
        except ValidationError as invalid:
            _put_slot_errors(form, slots, invalid)
        else:
            messages.success(request, _("The class is saved."))
            return redirect(course_class)
    return _class_form_page(request, form, slots, course_class)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_teachers(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the class's teachers among the centre's teachers."""
    course_class = selectors.class_for(request.user, pk, touch=True)
    form = TeachersForm(
        request.POST or None,
        teachers=class_services.teachers_at(centre=course_class.centre),
        initial={"teachers": list(course_class.teachers.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            class_services.class_set_teachers(
                course_class=course_class, teachers=form.cleaned_data["teachers"], by=request.user
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The class's teachers are saved."))
            return redirect(course_class)
    return render(request, "courses/class_teachers.html", {"course_class": course_class, "form": form})


@login_required
@require_POST
def class_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the class to another status (a button on the class page)."""
    course_class = selectors.class_for(request.user, pk, touch=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        _error_messages(request, ValidationError(form.errors["status"]))
        return redirect(course_class)
    status = form.cleaned_data["status"]
    if status == ClassStatus.CANCELLED and request.POST.get("confirm") != "yes":
        return render(request, "courses/class_cancel.html", {"course_class": course_class})
    try:
        class_services.class_set_status(course_class=course_class, status=status, by=request.user)
    except ValidationError as invalid:
        _error_messages(request, invalid)
    else:
        messages.success(request, _("The class is now %(status)s.") % {"status": ClassStatus(status).label})
    return redirect(course_class)


# --- lessons -----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_lessons_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET), then make the class's missing lessons (POST)."""
    course_class = selectors.class_for(request.user, pk, touch=True)
    if request.method == "POST":
        try:
            made = lesson_services.lessons_generate(course_class=course_class, by=request.user)
        except ValidationError as invalid:
            _error_messages(request, invalid)
        else:
            if made:
                messages.success(
                    request,
                    ngettext("%(n)s lesson was added.", "%(n)s lessons were added.", len(made))
                    % {"n": len(made)},
                )
            else:
                messages.info(request, _("Every lesson of the schedule already exists: nothing was added."))
        return redirect(reverse("class-detail", args=[course_class.pk]) + "#lessons")
    return render(
        request,
        "courses/class_lessons_generate.html",
        {
            "course_class": course_class,
            "slots": list(course_class.slots.all()),
            "existing": course_class.lessons.count(),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def lesson_move(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_for(request.user, pk)
    initial = {"date": lesson.date, "starts_at": lesson.starts_at, "ends_at": lesson.ends_at}
    form = LessonMoveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            lesson_services.lesson_move(lesson=lesson, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The lesson is moved."))
            return redirect(reverse("class-detail", args=[lesson.course_class_id]) + "#lessons")
    return render(request, "courses/lesson_move.html", {"lesson": lesson, "form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def lesson_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET, with a note), then cancel the lesson (POST)."""
    lesson = selectors.lesson_for(request.user, pk)
    form = LessonCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lesson_services.lesson_cancel(lesson=lesson, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The lesson is cancelled."))
            return redirect(reverse("class-detail", args=[lesson.course_class_id]) + "#lessons")
    return render(request, "courses/lesson_cancel.html", {"lesson": lesson, "form": form})


# --- closed days -------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def closed_day_list(request: HttpRequest) -> HttpResponse:
    """The closed days of the centres the user manages, and closing another day."""
    centres = selectors.managed_centres(request.user)
    if not centres.exists():
        raise PermissionDenied
    form = ClosedDayForm(request.POST or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            class_services.closed_day_add(
                centre=data["centre"], date=data["date"], reason=data["reason"], by=request.user
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request,
                _("The centre is closed on %(date)s; its lessons that day are cancelled.")
                % {"date": f"{data['date']:%d/%m/%Y}"},
            )
            return redirect("closed-day-list")
    return render(
        request,
        "courses/closed_days.html",
        {
            "form": form,
            "closed_days": list(selectors.closed_days(centres=centres)),
            "several_centres": len(centres) > 1,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def closed_day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET), then open the day again (POST)."""
    closed = selectors.closed_day_for(request.user, pk)
    if request.method == "POST":
        restored = class_services.closed_day_remove(closed_day=closed, by=request.user)
        messages.success(
            request,
            ngettext(
                "The centre is open on that day again; %(n)s lesson is scheduled again.",
                "The centre is open on that day again; %(n)s lessons are scheduled again.",
                len(restored),
            )
            % {"n": len(restored)},
        )
        return redirect("closed-day-list")
    return render(request, "courses/closed_day_remove.html", {"closed_day": closed})


urlpatterns = [
    path("courses/", course_list, name="course-list"),
    path("courses/new/", course_create, name="course-create"),
    path("courses/<int:pk>/", course_detail, name="course-detail"),
    path("courses/<int:pk>/edit/", course_edit, name="course-edit"),
    path("classes/", class_list, name="class-list"),
    path("classes/new/", class_create, name="class-create"),
    path("classes/<int:pk>/", class_detail, name="class-detail"),
    path("classes/<int:pk>/edit/", class_edit, name="class-edit"),
    path("classes/<int:pk>/teachers/", class_teachers, name="class-teachers"),
    path("classes/<int:pk>/status/", class_status, name="class-status"),
    path("classes/<int:pk>/lessons/generate/", class_lessons_generate, name="class-lessons-generate"),
    path("lessons/<int:pk>/move/", lesson_move, name="lesson-move"),
    path("lessons/<int:pk>/cancel/", lesson_cancel, name="lesson-cancel"),
    path("closed-days/", closed_day_list, name="closed-day-list"),
    path("closed-days/<int:pk>/remove/", closed_day_remove, name="closed-day-remove"),
]
