"""Pages of the partner directory: search it, look at a partner and its services, keep it.

Whoever serves people (front desk, counsellors, managers) reads the directory; managers keep it.
It is the network's, so there is no other centre's partner: an unknown id is a 404, a role that
may not read it or not keep it a 403. Each change is one service call behind a POST.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kem.forms.errors import add_service_errors
from referrals.forms.directory import (
    DirectoryFilterForm,
    OrganisationForm,
    PartnerServiceForm,
)
from referrals.policy import may_edit_directory, may_read_directory
from referrals.selectors import directory as selectors
from referrals.services import directory as services


@login_required
@never_cache
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    """The directory, searched as one types (htmx swaps the rows) and filtered; active partners
    only unless inactive ones are asked for."""
    if not may_read_directory(request.user):
        raise PermissionDenied
    form = DirectoryFilterForm(request.GET or None)
    organisations = selectors.organisation_search(user=request.user, filters=form.filters())
    context = {
        "form": form,
        "organisations": organisations,
        "filtered": any(value for value in request.GET.values()),
        "may_edit": may_edit_directory(request.user),
    }
    template = (
        "referrals/directory/_organisation_rows.html"
        if request.htmx
        else "referrals/directory/organisation_list.html"
    )
    return render(request, template, context)


@login_required
@never_cache
@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_for(request.user, pk)
    return render(
        request,
        "referrals/directory/organisation_detail.html",
        {
            "organisation": organisation,
            "services": selectors.organisation_services(organisation=organisation),
            "may_edit": may_edit_directory(request.user),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def organisation_new(request: HttpRequest) -> HttpResponse:
    if not may_edit_directory(request.user):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The organisation is added to the directory. Now add its services."))
            return redirect(organisation)
    return render(request, "referrals/directory/organisation_form.html", {"form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_for(request.user, pk, edit=True)
    form = OrganisationForm(
        request.POST or None, initial=OrganisationForm.initial_from(organisation), editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The organisation's details are saved."))
            return redirect(organisation)
    return render(
        request,
        "referrals/directory/organisation_form.html",
        {"form": form, "organisation": organisation},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def organisation_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET), then take the partner out of new referrals and consents (POST)."""
    organisation = selectors.organisation_for(request.user, pk, edit=True)
    if request.method == "POST":
        try:
            services.organisation_deactivate(organisation=organisation, by=request.user)
        except ValidationError as invalid:
            for message in invalid.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The organisation is no longer offered for new referrals."))
        return redirect(organisation)
    return render(request, "referrals/directory/organisation_deactivate.html", {"organisation": organisation})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def partner_service_new(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_for(request.user, pk, edit=True)
    form = PartnerServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_service_create(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The service is added."))
            return redirect(organisation)
    return render(
        request, "referrals/directory/service_form.html", {"form": form, "organisation": organisation}
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def partner_service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.partner_service_for(request.user, pk, edit=True)
    form = PartnerServiceForm(
        request.POST or None, initial=PartnerServiceForm.initial_from(service), editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_service_update(service=service, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The service is saved."))
            return redirect(service.organisation)
    return render(
        request,
        "referrals/directory/service_form.html",
        {"form": form, "organisation": service.organisation, "service": service},
    )


urlpatterns = [
    path("directory/", organisation_list, name="organisation-list"),
    path("directory/new/", organisation_new, name="organisation-new"),
    path("directory/<int:pk>/", organisation_detail, name="organisation-detail"),
    path("directory/<int:pk>/edit/", organisation_edit, name="organisation-edit"),
    path("directory/<int:pk>/deactivate/", organisation_deactivate, name="organisation-deactivate"),
    path("directory/<int:pk>/services/new/", partner_service_new, name="partner-service-new"),
    path("directory/services/<int:pk>/edit/", partner_service_edit, name="partner-service-edit"),
]
