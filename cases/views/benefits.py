"""Pages: application help, the list of administrative services, document-expiry reminders.

People are fetched through ``beneficiary_for`` and applications through ``application_for``
(404 another centre's, 403 a role that may only look); who may act is ``cases/policy.py``'s answer.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms.benefits import (
    ApplicationFilterForm,
    ApplicationStartForm,
    ApplicationUpdateForm,
    BenefitServiceEditForm,
    BenefitServiceForm,
)
from cases.policy import may_help_with_applications
from cases.selectors import benefits as selectors
from cases.services import benefits as services
from kem.forms.errors import add_service_errors
from kem.selectors.beneficiaries import beneficiary_for

# --- administrative services -------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def benefit_service_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.benefit_services_for(request.user)
    return render(request, "cases/benefits/service_list.html", {"services": rows})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def benefit_service_create(request: HttpRequest) -> HttpResponse:
    selectors.require_service_manager(request.user)
    form = BenefitServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.benefit_service_create(by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("“%(name)s” is added to the services.") % {"name": service.name})
            return redirect("benefit-service-list")
    return render(request, "cases/benefits/service_form.html", {"form": form, "service": None})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def benefit_service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.benefit_service_for(request.user, pk)
    initial = {"name_el": service.name_el, "name_en": service.name_en, "active": service.active}
    form = BenefitServiceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.benefit_service_update(service=service, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The service “%(name)s” is saved.") % {"name": service.name})
            return redirect("benefit-service-list")
    return render(request, "cases/benefits/service_form.html", {"form": form, "service": service})


# --- application help --------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def benefit_application_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Start helping the person with an administrative service (from their profile)."""
    beneficiary = beneficiary_for(request.user, pk)
    centre = beneficiary.registering_centre
    if not may_help_with_applications(request.user, centre.pk):
        raise PermissionDenied
    cases = selectors.application_cases(beneficiary=beneficiary, centre=centre)
    form = ApplicationStartForm(request.POST or None, cases=cases)
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_application_start(
                beneficiary=beneficiary,
                centre=centre,
                service=form.cleaned_data["service"],
                case=form.cleaned_data.get("case"),
                started_on=form.cleaned_data["started_on"],
                by=request.user,
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The application help is recorded."))
            return redirect(beneficiary)
    return render(request, "cases/benefits/application_form.html", {"person": beneficiary, "form": form})


@login_required
@never_cache
@require_GET
def benefit_application_list(request: HttpRequest) -> HttpResponse:
    """The centre's application help, filtered by service and status, a page at a time."""
    centre, centres = selectors.working_centre(
        user=request.user, centre_id=request.GET.get("centre"), allowed=may_help_with_applications
    )
    filters = ApplicationFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.benefit_applications(
        user=request.user, centre=centre, service=chosen.get("service"), status=chosen.get("status", "")
    )
    page = Paginator(rows, selectors.APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "centre": centre,
        "centres": centres,
        "filters": filters,
        "page": page,
        "filtered": bool(chosen.get("service") or chosen.get("status")),
    }
    return render(request, "cases/benefits/application_list.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def benefit_application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the next step of an application: submitted, then granted or rejected."""
    application = selectors.application_for(request.user, pk)
    form = ApplicationUpdateForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_application_update(application=application, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The application is updated."))
            return redirect(_list_url(application.centre_id))
    return render(
        request,
        "cases/benefits/application_edit.html",
        {"application": application, "person": application.beneficiary, "form": form},
    )


def _list_url(centre_id: int) -> str:
    return f"{reverse('benefit-application-list')}?centre={centre_id}"


# --- document-expiry reminders -----------------------------------------------------------------


@login_required
@never_cache
@require_POST
def document_reminder_handle(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a reminder handled; htmx gets the home-page part again, without JavaScript the home page."""
    reminder = selectors.document_reminder_for(request.user, pk)
    try:
        services.document_reminder_handle(reminder=reminder, by=request.user)
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, message)
    else:
        if not request.htmx:
            messages.success(request, _("The reminder is marked handled."))
    if request.htmx:
        ctx = {"reminders": selectors.open_document_reminders(centre=reminder.centre, user=request.user)}
        return render(request, "cases/_reminders.html", {"centre": reminder.centre, "ctx": ctx})
    return redirect("home")


# --- helpers -----------------------------------------------------------------------------------


urlpatterns = [
    path("benefit-services/", benefit_service_list, name="benefit-service-list"),
    path("benefit-services/new/", benefit_service_create, name="benefit-service-new"),
    path("benefit-services/<int:pk>/edit/", benefit_service_edit, name="benefit-service-edit"),
    path(
        "beneficiaries/<uuid:pk>/applications/new/",
        benefit_application_create,
        name="benefit-application-new",
    ),
    path("applications/", benefit_application_list, name="benefit-application-list"),
    path("applications/<int:pk>/edit/", benefit_application_edit, name="benefit-application-edit"),
    path("document-reminders/<int:pk>/handle/", document_reminder_handle, name="document-reminder-handle"),
]
