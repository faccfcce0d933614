"""Pages: consent, households and merging two records of one person.

People are fetched through ``beneficiary_for`` (404 another centre's, 403 a role that may only
look); picking a second person searches with ``beneficiary_search`` in a POST body, never a URL.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kem.forms.errors import add_service_errors
from kem.forms.people import ConsentForm, ConsentWithdrawForm, HouseholdLinkForm, MergeForm, PersonSearchForm
from kem.models import Beneficiary
from kem.permissions import access_for
from kem.selectors import people as selectors
from kem.selectors.beneficiaries import beneficiaries_visible_to, beneficiary_for, beneficiary_search
from kem.selectors.merge import merge_facts, merge_plan
from kem.services import people as services
from kem.services.access_log import access_record

# --- consent -----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    beneficiary = beneficiary_for(request.user, pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(beneficiary=beneficiary, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect(beneficiary)
    return render(request, "kem/people/consent_form.html", {"person": beneficiary, "form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET shows a confirmation with the date), then withdraw (POST)."""
    consent = selectors.consent_for(request.user, pk)
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(consent=consent, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The consent is withdrawn."))
            return redirect(consent.beneficiary)
    return render(
        request,
        "kem/people/consent_withdraw.html",
        {"consent": consent, "person": consent.beneficiary, "form": form},
    )


# --- households --------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_link(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Add a person, found by searching, to this person's household (a new one if they have none)."""
    beneficiary = beneficiary_for(request.user, pk)
    form = HouseholdLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = _picked(request.user, form, "member")
        if member is not None:
            try:
                services.household_link(
                    head=beneficiary,
                    member=member,
                    relationship=form.cleaned_data["relationship"],
                    by=request.user,
                )
            except ValidationError as invalid:
                add_service_errors(form, invalid)
            else:
                messages.success(request, _("The person is added to the household."))
                return redirect(beneficiary)
    return render(request, "kem/people/household_link.html", _household_context(beneficiary, form=form))


@login_required
@never_cache
@require_POST
def household_search(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """People who may join the household; the partial for htmx, the whole page without JavaScript."""
    beneficiary = beneficiary_for(request.user, pk)
    search = PersonSearchForm(request.POST)
    found = _search(request, search)
    candidates = selectors.household_search_candidates(user=request.user, person=beneficiary, found=found)
    context = {"candidates": candidates, "searched": search.is_bound and search.is_valid(), "pick": "member"}
    if request.htmx:
        return render(request, "kem/people/_candidates.html", context)
    return render(
        request,
        "kem/people/household_link.html",
        {**_household_context(beneficiary, form=HouseholdLinkForm(), search=search), **context},
    )


def _household_context(beneficiary: Beneficiary, *, form: forms.Form, search: Any = None) -> dict[str, Any]:
    return {
        "person": beneficiary,
        "form": form,
        "search": search or PersonSearchForm(),
        "household": selectors.household_of(beneficiary=beneficiary),
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_unlink(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Ask first (GET), then take the person out of their household (POST)."""
    beneficiary = beneficiary_for(request.user, pk)
    household = selectors.household_of(beneficiary=beneficiary)
    if request.method == "POST":
        try:
            services.household_unlink(member=beneficiary, by=request.user)
        except ValidationError as invalid:
            for message in invalid.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The person is no longer part of the household."))
        return redirect(beneficiary)
    return render(
        request, "kem/people/household_unlink.html", {"person": beneficiary, "household": household}
    )


# --- merge -------------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def beneficiary_merge(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Merge a duplicate record into this one: pick it (search), compare side by side, confirm.

    Managers of the centre only. The first POST (a duplicate picked) shows the comparison; the
    second (``confirm``) merges.
    """
    survivor = beneficiary_for(request.user, pk, "manage_centre")
    form = MergeForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return render(
            request, "kem/people/merge.html", {"person": survivor, "search": PersonSearchForm(), "form": form}
        )
    duplicate = selectors.merge_duplicate_for(
        user=request.user, survivor=survivor, pk=form.cleaned_data["duplicate"]
    )
    if form.cleaned_data["confirm"]:
        try:
            services.beneficiary_merge(survivor=survivor, duplicate=duplicate, by=request.user)
        except ValidationError as invalid:
            for message in invalid.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The two records are merged into this one."))
            return redirect(survivor)
    return render(
        request,
        "kem/people/merge_confirm.html",
        {
            "person": survivor,
            "duplicate": duplicate,
            "counts": selectors.merge_comparison(survivor=survivor, duplicate=duplicate),
            # The plan the merge will follow: the same function on the same facts as the service.
            "plan": merge_plan(merge_facts(survivor=survivor, duplicate=duplicate)),
        },
    )


@login_required
@never_cache
@require_POST
def merge_search(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Records that may be merged into this one; the partial for htmx, the page without JavaScript."""
    survivor = beneficiary_for(request.user, pk, "manage_centre")
    search = PersonSearchForm(request.POST)
    found = _search(request, search)
    candidates = selectors.merge_candidates(user=request.user, survivor=survivor, found=found)
    context = {"candidates": candidates, "searched": search.is_valid(), "pick": "duplicate"}
    if request.htmx:
        return render(request, "kem/people/_candidates.html", context)
    return render(
        request,
        "kem/people/merge.html",
        {"person": survivor, "search": search, "form": MergeForm(), **context},
    )


# --- helpers -----------------------------------------------------------------------------------


def _search(request: HttpRequest, search: PersonSearchForm) -> list[Any]:
    """Search the user's people; trace that the user searched (when, not for what)."""
    if not search.is_valid():
        return []
    access_record(
        user=request.user,
        action="kem.beneficiary.searched",
        subject_type=Beneficiary._meta.label_lower,
        role=",".join(sorted(access_for(request.user).roles)),
        request=request,
    )
    return beneficiary_search(user=request.user, query=search.cleaned_data["query"])


def _picked(user: Any, form: forms.Form, name: str) -> Beneficiary | None:
    """The person chosen in ``form``'s ``name`` field, if the user may see them."""
    picked = beneficiaries_visible_to(user).filter(pk=form.cleaned_data[name]).first()
    if picked is None:
        form.add_error(name, _("Choose a person from the search results."))
    return picked


urlpatterns = [
    path("beneficiaries/<uuid:pk>/consents/new/", consent_create, name="consent-create"),
    path("consents/<int:pk>/withdraw/", consent_withdraw, name="consent-withdraw"),
    path("beneficiaries/<uuid:pk>/household/", household_link, name="household-link"),
    path("beneficiaries/<uuid:pk>/household/search/", household_search, name="household-search"),
    path("beneficiaries/<uuid:pk>/household/unlink/", household_unlink, name="household-unlink"),
    path("beneficiaries/<uuid:pk>/merge/", beneficiary_merge, name="beneficiary-merge"),
    path("beneficiaries/<uuid:pk>/merge/search/", merge_search, name="beneficiary-merge-search"),
]
