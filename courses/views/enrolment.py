"""Pages: enrolling a person from the class page (search the centre's people) or from the person's
profile (choose a class), and ending a place on a class (withdrawn, dropped out, or off the waiting
list) after a confirmation.

The front desk and the manager of the class's centre enrol; a teacher, who sees the class, gets
403; another centre's class or person is a 404. Messages name classes and places on the waiting
list, never a person (messages are stored in the session).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from courses.forms.enrolment import ClassEnrolForm, PersonEnrolForm, WithdrawForm
from courses.models import CourseClass, Enrolment, EnrolmentStatus
from courses.policy import may_enrol
from courses.selectors import classes as selectors
from courses.services import enrolment as services
from kem.forms.errors import add_service_errors
from kem.models import Beneficiary
from kem.permissions import access_for
from kem.selectors.beneficiaries import beneficiaries_visible_to, beneficiary_for, beneficiary_search
from kem.services.access_log import access_record, role_at


def _enrolled_message(request: HttpRequest, enrolment: Enrolment) -> None:
    if enrolment.status == EnrolmentStatus.ENROLLED:
        messages.success(request, _("Enrolled in %(class)s.") % {"class": enrolment.course_class})
        return
    position = selectors.waiting_position(enrolment=enrolment)
    messages.warning(
        request,
        _("%(class)s is full: the person is number %(n)s on its waiting list.")
        % {"class": enrolment.course_class, "n": position},
    )


# --- from the class page -----------------------------------------------------------------------


def _search(request: HttpRequest, query: str) -> list[Beneficiary]:
    """People matching ``query`` at the user's centres; the search is traced (when, not for what)
    as on the front desk's search page."""
    if len(query.strip()) < 2:
        return []
    results = [candidate.person for candidate in beneficiary_search(user=request.user, query=query)]
    access_record(
        user=request.user,
        action="kem.beneficiary.searched",
        subject_type=Beneficiary._meta.label_lower,
        role=",".join(sorted(access_for(request.user).roles)),
        request=request,
    )
    return results


def _chosen(request: HttpRequest, raw: Any) -> Beneficiary | None:
    try:
        return beneficiaries_visible_to(request.user).get(pk=raw)
    except (Beneficiary.DoesNotExist, ValueError, TypeError, ValidationError):
        return None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Find a person (a POST with ``q``, so that what was typed stays out of URLs and logs), choose
    them (``?person=<id>``), give a placement level, enrol (POST)."""
    course_class = selectors.class_for(request.user, pk)
    if not may_enrol(request.user, course_class.centre_id):
        raise PermissionDenied
    searching = request.method == "POST" and "q" in request.POST
    enrolling = request.method == "POST" and not searching
    raw_person = request.POST.get("beneficiary") if enrolling else request.GET.get("person")
    person = _chosen(request, raw_person) if raw_person else None
    form = ClassEnrolForm(
        request.POST if enrolling else None, initial={"beneficiary": person.pk if person else None}
    )
    if enrolling and form.is_valid():
        if person is None:
            form.add_error(None, _("Choose the person from the search results."))
        else:
            try:
                enrolment = services.enrolment_create(
                    course_class=course_class, beneficiary=person, by=request.user, **form.placement()
                )
            except ValidationError as invalid:
                add_service_errors(form, invalid)
            else:
                _enrolled_message(request, enrolment)
                return redirect(course_class)
    query = request.POST.get("q", "") if searching else ""
    return render(
        request,
        "courses/class_enrol.html",
        {
            "course_class": course_class,
            "form": form,
            "person": person,
            "query": query,
            "results": _search(request, query) if person is None else [],
            "seats_left": course_class.seats_left,
        },
    )


# --- from the person's profile -----------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def beneficiary_enrol(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Enrol the person of a profile into one of the classes taking enrolments."""
    person = beneficiary_for(request.user, pk)
    if not may_enrol(request.user, person.registering_centre_id):
        raise PermissionDenied
    classes = selectors.enrolling_classes(user=request.user, beneficiary=person)
    form = PersonEnrolForm(request.POST or None, classes=classes)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_create(
                course_class=form.cleaned_data["course_class"],
                beneficiary=person,
                by=request.user,
                **form.placement(),
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            _enrolled_message(request, enrolment)
            return redirect(person)
    return render(request, "courses/beneficiary_enrol.html", {"person": person, "form": form})


# --- leaving -----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def enrolment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET), then end the person's place (POST): off the waiting list, withdrawn, or
    dropped out. A freed seat goes to the first suitable person waiting."""
    enrolment = selectors.enrolment_for(request.user, pk)
    course_class: CourseClass = enrolment.course_class
    if not enrolment.is_active:
        raise Http404
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and (enrolment.is_waiting or form.is_valid()):
        try:
            if enrolment.is_waiting:
                services.waitlist_leave(enrolment=enrolment, by=request.user)
            else:
                services.enrolment_withdraw(
                    enrolment=enrolment, by=request.user, dropped=form.cleaned_data["how"] == "dropped"
                )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request,
                _("The person is off the waiting list.")
                if enrolment.is_waiting
                else _("The place on the class has ended."),
            )
            return redirect(course_class)
    name, fields = selectors.learner_name(enrolment.beneficiary)
    if fields:
        access_record(
            user=request.user,
            action=selectors.LISTED_ACTION,
            subject=enrolment.beneficiary,
            fields=fields,
            centre=course_class.centre,
            role=role_at(request.user, course_class.centre_id),
            request=request,
        )
    return render(
        request,
        "courses/enrolment_withdraw.html",
        {"enrolment": enrolment, "course_class": course_class, "form": form, "name": name},
    )


urlpatterns = [
    path("classes/<int:pk>/enrol/", class_enrol, name="class-enrol"),
    path("beneficiaries/<uuid:pk>/enrol/", beneficiary_enrol, name="beneficiary-enrol"),
    path("enrolments/<int:pk>/withdraw/", enrolment_withdraw, name="enrolment-withdraw"),
]
