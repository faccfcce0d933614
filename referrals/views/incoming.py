"""Pages of incoming referrals: the centre's list, recording one from a person's profile, and
updating it (its status, or a correction).

The officer finds or registers the person first (the registry's pages), then records the
referral from the profile. People are fetched with ``beneficiary_for`` and referrals with
``incoming_referral_for`` (404 another centre's, 403 a role that does not record them).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kem.forms.errors import add_service_errors
from kem.selectors.beneficiaries import beneficiary_for
from kem.services.access_log import access_record, role_at
from referrals.forms.incoming import IncomingFilterForm, IncomingReferralForm
from referrals.policy import may_record_incoming
from referrals.selectors import incoming as selectors
from referrals.services import incoming as services

PAGE_SIZE = 50
READ_ACTION = "referrals.incoming_referral.read"


@login_required
@never_cache
@require_GET
def incoming_referral_list(request: HttpRequest) -> HttpResponse:
    """The incoming referrals of the user's centres, filtered; newest first."""
    centres = selectors.incoming_centres(request.user)
    if not centres.exists():
        raise PermissionDenied
    form = IncomingFilterForm(request.GET or None, centres=centres)
    rows = selectors.incoming_referral_list(user=request.user, filters=form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "incoming_rows": list(page.object_list),
        "filtered": form.is_bound and any(v for k, v in request.GET.items() if k != "page"),
        "several_centres": len(centres) > 1,
    }
    template = (
        "referrals/incoming/_incoming_rows.html" if request.htmx else "referrals/incoming/incoming_list.html"
    )
    return render(request, template, context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def incoming_referral_new(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Record that a partner referred this person to the centre."""
    beneficiary = beneficiary_for(request.user, pk)
    centre = beneficiary.registering_centre
    if not may_record_incoming(request.user, centre.pk):
        raise PermissionDenied
    form = IncomingReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.incoming_referral_record(
                beneficiary=beneficiary, centre=centre, by=request.user, **form.cleaned_data
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The incoming referral is recorded."))
            return redirect(beneficiary)
    return render(request, "referrals/incoming/incoming_form.html", {"form": form, "person": beneficiary})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def incoming_referral_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Move a referral forward or correct it. The stored notes are shown (sealed: each showing is
    recorded in the access log)."""
    incoming = selectors.incoming_referral_for(request.user, pk)
    form = IncomingReferralForm(
        request.POST or None, incoming=incoming, initial=IncomingReferralForm.initial_from(incoming)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.incoming_referral_update(incoming=incoming, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The incoming referral is saved."))
            return redirect(incoming.beneficiary)
    if request.method == "GET" and incoming.notes:
        access_record(
            user=request.user,
            action=READ_ACTION,
            subject=incoming.beneficiary,
            fields=["incoming_referral.notes"],
            centre=incoming.centre,
            role=role_at(request.user, incoming.centre_id),
            request=request,
        )
    return render(
        request,
        "referrals/incoming/incoming_form.html",
        {"form": form, "person": incoming.beneficiary, "incoming": incoming},
    )


urlpatterns = [
    path("incoming-referrals/", incoming_referral_list, name="incoming-referral-list"),
    path("beneficiaries/<uuid:pk>/incoming/new/", incoming_referral_new, name="incoming-referral-new"),
    path("incoming-referrals/<uuid:pk>/edit/", incoming_referral_edit, name="incoming-referral-edit"),
]
